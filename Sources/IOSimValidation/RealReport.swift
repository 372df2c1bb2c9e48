//! A real measurement as the same document `iosim run --format json` prints (the keys that have a real
//! counterpart), plus a `system` section with what only a real run has.
//!
//! CPU categories map from /proc/stat (machine-wide, all CPUs): user -> user, system -> syscall, irq -> irq,
//! softirq -> deferred, idle + iowait + steal -> idle; polling and switch have no counterpart (0): Linux
//! charges both to system. Thread figures come from the /proc/self/task census.

import IOSimCore
import IOSimModel
import IOSimReal
import IOSimScenario

extension RealMeasurement {
    /// The result document of a real run.
    public func document(scenario: String, seed: UInt64) -> JSONValue {
        func fractions(_ c: IOSimReal.CPUTime) -> JSONValue {
            let idle = c.idleNanoseconds + c.iowaitNanoseconds + c.stealNanoseconds
            let values: [(String, Int64)] = [
                ("user", c.userNanoseconds), ("syscall", c.systemNanoseconds), ("irq", c.irqNanoseconds),
                ("deferred", c.softirqNanoseconds), ("polling", 0), ("switch", 0), ("idle", idle),
            ]
            let total = Double(max(values.reduce(0) { $0 + $1.1 }, 1))
            var members = values.map { JSONMember($0.0, .double(Double($0.1) / total)) }
            members.append(JSONMember("busy", .double(Double(c.busyNanoseconds) / total)))
            return .object(members)
        }
        let n = Double(max(ios, 1))
        let l = latency
        let stalls = completionGaps.count == 0 ? nil : completionStalls  // the io_uring engine's
        func summary(_ h: Histogram) -> JSONValue {
            .object([
                JSONMember("count", .int(Int64(h.count))), JSONMember("mean", .double(h.mean)),
                JSONMember("p50", .int(h.percentile(partsPerMillion: 500_000))),
                JSONMember("p90", .int(h.percentile(partsPerMillion: 900_000))),
                JSONMember("p99", .int(h.percentile(partsPerMillion: 990_000))),
                JSONMember("p999", .int(h.percentile(partsPerMillion: 999_000))), JSONMember("max", .int(h.max)),
            ])
        }
        let census = threads
        return .object([
            JSONMember("scenario", .string(scenario)),
            JSONMember("seed", .int(Int64(bitPattern: seed))),
            JSONMember("elapsedNs", .int(elapsedNanoseconds)),
            JSONMember(
                "cpu",
                .object([
                    JSONMember("count", .int(Int64(perCPU.count))),
                    JSONMember("total", fractions(systemCPU)),
                    JSONMember("perCPU", .array(perCPU.map(fractions))),
                    JSONMember("perIONs", .double(Double(systemCPU.busyNanoseconds) / n)),
                ])),
            JSONMember(
                "io",
                .object([
                    JSONMember("completed", .int(Int64(ios))), JSONMember("bytes", .int(bytes)),
                    JSONMember("iops", .double(iops)), JSONMember("bandwidthBytesPerSecond", .double(bandwidthBytesPerSecond)),
                    JSONMember("latencyNs", summary(l)),
                ])),
            JSONMember("interrupts", .int(Int64(diskInterrupts))),
            JSONMember("interruptsPerIO", .double(interruptsPerIO)),
            JSONMember("contextSwitches", .int(Int64(systemContextSwitches))),
            JSONMember("contextSwitchesPerIO", .double(Double(systemContextSwitches) / n)),
            JSONMember("ringEnters", .int(Int64(ringEnters))),
            JSONMember("ringEntersPerIO", .double(ringEntersPerIO)),
            JSONMember(
                "threads",
                .object([
                    JSONMember("max", .int(Int64(census?.threadsMax ?? 0))),
                    JSONMember("kernel", .int(Int64((census?.ioWorkersDistinct ?? 0) + (census?.sqPollThreadsDistinct ?? 0)))),
                    JSONMember("ioWorkersMax", .int(Int64(census?.ioWorkersMax ?? 0))),
                    JSONMember("sqPollThreadsMax", .int(Int64(census?.sqPollThreadsMax ?? 0))),
                ])),
            JSONMember(
                "system",
                .object([
                    JSONMember("engine", .string(job.engine.name)),
                    JSONMember("file", .string(path)),
                    JSONMember("processUserNs", .int(processUserNanoseconds)),
                    JSONMember("processSystemNs", .int(processSystemNanoseconds)),
                    JSONMember("processCPUPerIONs", .double(cpuPerIONanoseconds)),
                    JSONMember("voluntaryContextSwitches", .int(voluntaryContextSwitches)),
                    JSONMember("involuntaryContextSwitches", .int(involuntaryContextSwitches)),
                    JSONMember("iowaitNs", .int(systemCPU.iowaitNanoseconds)),
                    JSONMember("stealNs", .int(systemCPU.stealNanoseconds)),
                    JSONMember("busyFromIdleNs", .int(busyFromIdleNanoseconds)),
                    JSONMember("busyFromIdlePerIONs", .double(Double(busyFromIdleNanoseconds) / n)),
                    JSONMember("diskIRQLines", .string(diskIRQLines.names.joined(separator: ","))),
                    // The CPUs each job thread, and each job thread's SQPOLL thread, could run on (as read back).
                    JSONMember("jobThreadCPUs", .array(jobThreadCPUs.map { .array($0.map { .int(Int64($0)) }) })),
                    JSONMember("sqThreadCPUs", .array(sqThreadCPUs.map { .array($0.map { .int(Int64($0)) }) })),
                ] + (stalls.map { s in
                    [
                        JSONMember("deviceStalls", .int(Int64(s.count))),
                        JSONMember("deviceStallGapMedianNs", .int(s.medianGapNanoseconds)),
                    ] + (s.intervals.coefficientOfVariation.map { cv in
                        // From one stall's start to the next's, each job thread's (absent under two intervals, three stalls).
                        [
                            JSONMember("deviceStallIntervalMeanNs", .double(s.intervals.meanNanoseconds)),
                            JSONMember("deviceStallIntervalCV", .double(cv)),
                        ]
                    } ?? [])
                } ?? []) + (tracedInterruptTime.map { t in
                    [
                        JSONMember("tracedIrqNs", .int(t.irqNanoseconds)),
                        JSONMember("tracedSoftirqNs", .int(t.softirqNanoseconds)),
                        JSONMember("tracedIrqSoftirqPerIONs", .double(Double(t.totalNanoseconds) / n)),
                        // What validate compares as system time (`machineSystemNanoseconds`).
                        JSONMember("systemFromIdlePerIONs", .double(Double(machineSystemNanoseconds) / n)),
                    ]
                } ?? []))),
        ])
    }

    /// The report for people.
    public func textReport(scenario: String) -> String {
        let c = systemCPU
        let total = Double(max(c.userNanoseconds + c.systemNanoseconds + c.irqNanoseconds + c.softirqNanoseconds
            + c.idleNanoseconds + c.iowaitNanoseconds + c.stealNanoseconds, 1))
        func pct(_ v: Int64) -> String { Validation.fixed(Double(v) * 100 / total, 1) + "%" }
        let n = Double(max(ios, 1))
        var lines = ["real run   \(scenario) (engine \(job.engine.name), \(path))"]
        lines.append("elapsed    \(Units.formatDuration(nanoseconds: elapsedNanoseconds)) of wall time")
        lines.append(
            "CPU (all)  user \(pct(c.userNanoseconds))  system \(pct(c.systemNanoseconds))  irq \(pct(c.irqNanoseconds))  "
                + "softirq \(pct(c.softirqNanoseconds))  iowait \(pct(c.iowaitNanoseconds))  steal \(pct(c.stealNanoseconds))  "
                + "idle \(pct(c.idleNanoseconds))")
        lines.append(
            "           busy CPU per IO \(Units.formatDuration(nanoseconds: Int64(Double(c.busyNanoseconds) / n))) "
                + "(\(Units.formatDuration(nanoseconds: Int64(Double(busyFromIdleNanoseconds) / n))) from the idle time), "
                + "this process \(Units.formatDuration(nanoseconds: Int64(cpuPerIONanoseconds)))")
        if let t = tracedInterruptTime {
            let ticks = Double(c.irqNanoseconds + c.softirqNanoseconds) / n
            lines.append(
                "irq time   traced: irq \(Units.formatDuration(nanoseconds: t.irqNanoseconds)), softirq "
                    + "\(Units.formatDuration(nanoseconds: t.softirqNanoseconds)), "
                    + "\(Units.formatDuration(nanoseconds: Int64(Double(t.totalNanoseconds) / n))) per IO "
                    + "(the ticks above: \(Units.formatDuration(nanoseconds: Int64(ticks))) per IO)")
            lines.append(
                "           system from the idle time, less those and the user time: "
                    + "\(Units.formatDuration(nanoseconds: Int64(Double(machineSystemNanoseconds) / n))) per IO "
                    + "(the ticks above: \(Units.formatDuration(nanoseconds: Int64(Double(c.systemNanoseconds) / n))) per IO)")
        }
        lines.append(
            "IO         \(ios) completed, \(Units.formatSize(bytes: bytes)), \(Validation.fixed(iops, 0)) IOPS")
        lines.append(
            "latency    mean \(Units.formatDuration(nanoseconds: Int64(latency.mean))) p50 "
                + "\(Units.formatDuration(nanoseconds: latency.percentile(partsPerMillion: 500_000))) p99 "
                + "\(Units.formatDuration(nanoseconds: latency.percentile(partsPerMillion: 990_000))) max "
                + "\(Units.formatDuration(nanoseconds: latency.max))")
        lines.append(
            "interrupts \(diskInterrupts) (\(Validation.fixed(interruptsPerIO, 2)) per IO) on \(diskIRQLines.names.joined(separator: ", ")); "
                + "context switches \(systemContextSwitches) (\(Validation.fixed(Double(systemContextSwitches) / n, 2)) per IO)")
        if case .ioUring = job.engine {
            lines.append("syscalls   io_uring_enter \(ringEnters) (\(Validation.fixed(ringEntersPerIO, 2)) per IO)")
        }
        if completionGaps.count > 0 {
            let stalls = completionStalls
            let perSecond = Double(stalls.count) * 1e9 / Double(max(elapsedNanoseconds, 1))
            lines.append(
                "stalls     \(stalls.count) (\(Validation.fixed(perSecond, 1)) a second): gaps between reaps of completions of "
                    + "\(Units.formatDuration(nanoseconds: stalls.thresholdNanoseconds)) or more"
                    + (stalls.count > 0 ? ", median \(Units.formatDuration(nanoseconds: stalls.medianGapNanoseconds))" : "")
                    + (stalls.intervals.apartText().map { "; " + $0 } ?? ""))
        }
        if let t = threads {
            lines.append(
                "threads    most at once \(t.threadsMax); iou-wrk \(t.ioWorkersDistinct) (most \(t.ioWorkersMax) at once), "
                    + "iou-sqp \(t.sqPollThreadsDistinct)")
        }
        // Where the threads could run, when the scenario pins them (what the kernel reported back).
        var sqThreadCPU: Int? = nil
        if case .ioUring(let o) = job.engine, o.submissionQueuePolling { sqThreadCPU = o.sqThreadCPU }
        if job.cpus != nil || sqThreadCPU != nil {
            func list(_ sets: [[Int]]) -> String {
                var distinct: [[Int]] = []
                for s in sets where !distinct.contains(s) { distinct.append(s) }
                return distinct.isEmpty ? "(none seen)" : distinct.map { RealError.cpuList($0) }.joined(separator: "; ")
            }
            var text = "affinity   job threads on CPUs \(list(jobThreadCPUs))"
            if sqThreadCPU != nil { text += ", iou-sqp on CPUs \(list(sqThreadCPUs))" }
            lines.append(text)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
