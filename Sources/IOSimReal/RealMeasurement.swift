//! `RealMeasurement`: what one real run measured, and its JSON line.
//!
//! Process figures (CPU, context switches, threads) cover the whole process during the run window, so a
//! test runner's other threads count too; system figures (/proc/stat, /proc/interrupts) cover the machine.
//! The run window starts when every job thread is set up (ring created, buffers registered, file laid out)
//! and ends when the last one finished.

import IOSimCore

/// The measurements of one run.
public struct RealMeasurement: Sendable {
    /// The job that ran.
    public var job: RealJob
    /// The file read or written.
    public var path: String
    /// Whether the run created (and removed) that file.
    public var fileWasCreated: Bool
    /// Completed IOs.
    public var ios: Int
    /// Bytes moved.
    public var bytes: Int64
    /// Run window in nanoseconds.
    public var elapsedNanoseconds: Int64
    /// Per-IO latency (submit to completion seen), nanoseconds.
    public var latency: Histogram

    /// Process CPU in user mode during the run (getrusage RUSAGE_SELF: all threads, io_uring's included).
    public var processUserNanoseconds: Int64
    /// Process CPU in kernel mode during the run.
    public var processSystemNanoseconds: Int64
    /// CPU of the job threads alone (sum of RUSAGE_THREAD; excludes iou-wrk/iou-sqp and pool workers).
    public var jobThreadsCPUNanoseconds: Int64
    /// Voluntary context switches of the process (rusage ru_nvcsw).
    public var voluntaryContextSwitches: Int64
    /// Involuntary context switches of the process (rusage ru_nivcsw).
    public var involuntaryContextSwitches: Int64
    /// Context switches of the whole machine (/proc/stat ctxt).
    public var systemContextSwitches: UInt64

    /// Machine-wide CPU time over the run, summed over CPUs (/proc/stat deltas).
    public var systemCPU: CPUTime
    /// The same per CPU.
    public var perCPU: [CPUTime]

    /// Interrupts of the disk's IRQ lines over the run (/proc/interrupts deltas, all CPUs).
    public var diskInterrupts: UInt64
    /// The same by CPU (the CPUs that took them: the line's affinity).
    public var diskInterruptsPerCPU: [UInt64] = []
    /// Which lines were counted and how they were found.
    public var diskIRQLines: DiskIRQLines
    /// Interrupt time of every CPU from the irq tracepoints (nil unless the job asked for `.trace`).
    public var tracedInterruptTime: InterruptTime? = nil

    /// The thread census (nil when disabled).
    public var threads: ThreadCensusResult?

    /// io_uring_enter calls of the job threads over the run (0 for the blocking and pool engines; with SQPOLL
    /// only the calls that woke the poller or waited).
    public var ringEnters = 0

    /// The recorded timeline of the first IOs (nil unless a trace was asked for).
    public var trace: RealTrace? = nil

    /// io_uring engine: the time between one reap of completions and the next of the same job thread, every
    /// thread's gaps together (empty for the other engines).
    public var completionGaps = Histogram()
    /// The CPUs each job thread could run on (`RealJob.cpus`, else the process's affinity).
    public var jobThreadCPUs: [[Int]] = []
    /// With SQPOLL: the CPUs each iou-sqp thread could run on at the end of the run (`sqThreadCPU` binds it).
    public var sqThreadCPUs: [[Int]] = []
    /// io_uring engine: each job thread's gaps of `CompletionStalls.shortestThresholdNanoseconds` or more, in order.
    public var longCompletionGaps: [[CompletionGap]] = []
    /// The device's stalls, told from `completionGaps` (their times apart from `longCompletionGaps`).
    public var completionStalls: CompletionStalls { CompletionStalls(gaps: completionGaps, longGaps: longCompletionGaps) }

    /// IOs per second.
    public var iops: Double { elapsedNanoseconds > 0 ? Double(ios) * 1e9 / Double(elapsedNanoseconds) : 0 }
    /// Bytes per second.
    public var bandwidthBytesPerSecond: Double {
        elapsedNanoseconds > 0 ? Double(bytes) * 1e9 / Double(elapsedNanoseconds) : 0
    }
    /// Process CPU (user + system) minus the census thread's, per IO, in nanoseconds: the cost the job
    /// itself put on the CPUs, io_uring's own threads included (comparable to fio's usr+sys of its job).
    public var cpuPerIONanoseconds: Double {
        guard ios > 0 else { return 0 }
        let census = threads?.samplerCPUNanoseconds ?? 0
        return Double(max(0, processUserNanoseconds + processSystemNanoseconds - census)) / Double(ios)
    }
    /// Machine-wide busy time over the run from the idle side: the elapsed time on every CPU less idle, iowait
    /// and steal. /proc/stat keeps idle and iowait by the clock where the kernel is tickless when idle (NOHZ: at each
    /// entry to and exit from idle) but user, system, irq and softirq by the tick, and on a VM whose CPUs idle
    /// between short bursts the ticks saw 25-45% less busy time than this (README, the seventh day). /proc/stat
    /// gives every figure in 10 ms units: over a 2-second run on 2 CPUs this is within about 1% of the elapsed time.
    public var busyFromIdleNanoseconds: Int64 {
        let c = systemCPU
        return max(0, elapsedNanoseconds * Int64(perCPU.count) - c.idleNanoseconds - c.iowaitNanoseconds - c.stealNanoseconds)
    }
    /// The share of the CPUs' time over the run that the hypervisor gave to others (/proc/stat's steal over the
    /// elapsed time on every CPU): time a VM's vCPU wanted and did not get, which slows the run and which the
    /// model, having no host, does not have; 0 on bare metal.
    public var stealShare: Double {
        let cpus = Int64(perCPU.count)
        guard elapsedNanoseconds > 0, cpus > 0 else { return 0 }
        // At most 1: /proc/stat counts in ticks, which a short run can overcount.
        return min(1, Double(systemCPU.stealNanoseconds) / Double(elapsedNanoseconds * cpus))
    }
    /// Machine-wide system time over the run. With the interrupt time traced: the busy time the idle time leaves
    /// (`busyFromIdleNanoseconds`) less the traced irq + softirq time and /proc/stat's user time. /proc/stat
    /// counts system time by the tick, and on a VM the ticks can land in interrupt context in place of the system
    /// time around it: on one machine (AMD EPYC host, README "nineteenth day") the 4 KiB queue-depth-1 runs'
    /// ticks put 9-12 us per IO in irq + softirq where the trace found 3.7, and 22-24 us in system where this is
    /// 34-40 and the process's own CPU time (getrusage, kept by the clock) 34-37. Without the trace, /proc/stat's
    /// system time: its irq and softirq ticks cannot be told from the rest.
    public var machineSystemNanoseconds: Int64 {
        guard let traced = tracedInterruptTime else { return systemCPU.systemNanoseconds }
        return max(0, busyFromIdleNanoseconds - traced.totalNanoseconds - systemCPU.userNanoseconds)
    }
    /// Machine-wide hard- and soft-interrupt time over the run: traced when the job asked for it, else
    /// /proc/stat's irq + softirq.
    public var interruptNanoseconds: Int64 {
        tracedInterruptTime?.totalNanoseconds ?? (systemCPU.irqNanoseconds + systemCPU.softirqNanoseconds)
    }
    /// Disk interrupts per IO.
    public var interruptsPerIO: Double { ios > 0 ? Double(diskInterrupts) / Double(ios) : 0 }
    /// io_uring_enter calls per IO.
    public var ringEntersPerIO: Double { ios > 0 ? Double(ringEnters) / Double(ios) : 0 }

    /// The measurement as one JSON object on one line (keys in a fixed order, integers in ns).
    public var jsonLine: String {
        var f: [(String, String)] = []
        func s(_ k: String, _ v: String) { f.append((k, "\"" + escape(v) + "\"")) }
        func n(_ k: String, _ v: some BinaryInteger) { f.append((k, "\(v)")) }
        func d(_ k: String, _ v: Double) { f.append((k, v.isFinite ? String(format3(v)) : "null")) }
        s("engine", job.engine.name)
        if case .ioUring(let o) = job.engine {
            f.append(("uring", "{\"sqpoll\":\(o.submissionQueuePolling),\"iopoll\":\(o.ioPolling),\"async\":\(o.asyncFlag),"
                + "\"fixed_buffers\":\(o.registeredBuffers),\"fixed_files\":\(o.registeredFiles),"
                + "\"defer_taskrun\":\(o.deferTaskRun),\"wait\":\"\(o.waitMode.rawValue)\"}"))
        }
        if case .threadPool(let w) = job.engine { n("pool_workers", w) }
        s("rw", job.direction.rawValue)
        s("pattern", job.pattern.rawValue)
        s("caching", job.caching.rawValue)
        n("bs", job.blockBytes)
        n("qd", job.queueDepth)
        n("threads", job.threads)
        n("compute_ns", job.computePerIO.nanoseconds)
        s("file", path)
        n("ios", ios)
        n("bytes", bytes)
        n("elapsed_ns", elapsedNanoseconds)
        d("iops", iops)
        d("bw_bytes_per_s", bandwidthBytesPerSecond)
        d("lat_mean_ns", latency.mean)
        n("lat_min_ns", latency.min)
        n("lat_p50_ns", latency.percentile(partsPerMillion: 500_000))
        n("lat_p99_ns", latency.percentile(partsPerMillion: 990_000))
        n("lat_max_ns", latency.max)
        if completionGaps.count > 0 {
            let stalls = completionStalls
            n("stalls", stalls.count)
            n("stall_gap_median_ns", stalls.medianGapNanoseconds)
            if let cv = stalls.intervals.coefficientOfVariation { d("stall_interval_cv", cv) }
        }
        n("cpu_user_ns", processUserNanoseconds)
        n("cpu_sys_ns", processSystemNanoseconds)
        n("cpu_job_threads_ns", jobThreadsCPUNanoseconds)
        d("cpu_per_io_ns", cpuPerIONanoseconds)
        n("ctx_voluntary", voluntaryContextSwitches)
        n("ctx_involuntary", involuntaryContextSwitches)
        n("ctx_system", systemContextSwitches)
        n("ring_enters", ringEnters)
        n("sys_user_ns", systemCPU.userNanoseconds)
        n("sys_system_ns", systemCPU.systemNanoseconds)
        n("sys_irq_ns", systemCPU.irqNanoseconds)
        n("sys_softirq_ns", systemCPU.softirqNanoseconds)
        n("sys_iowait_ns", systemCPU.iowaitNanoseconds)
        n("sys_idle_ns", systemCPU.idleNanoseconds)
        n("sys_steal_ns", systemCPU.stealNanoseconds)
        n("sys_busy_from_idle_ns", busyFromIdleNanoseconds)
        if let t = tracedInterruptTime {
            n("traced_irq_ns", t.irqNanoseconds)
            n("traced_softirq_ns", t.softirqNanoseconds)
            n("traced_irq_handlers", t.handlers)
            n("traced_softirqs", t.softirqs)
        }
        n("cpus", perCPU.count)
        n("disk_irqs", diskInterrupts)
        d("irqs_per_io", interruptsPerIO)
        s("irq_lines", diskIRQLines.names.joined(separator: ","))
        s("irq_method", diskIRQLines.method.rawValue)
        if let t = threads {
            n("census_samples", t.samples)
            n("threads_max", t.threadsMax)
            n("iou_wrk_max", t.ioWorkersMax)
            n("iou_wrk_distinct", t.ioWorkersDistinct)
            n("iou_sqp_max", t.sqPollThreadsMax)
            n("iou_sqp_distinct", t.sqPollThreadsDistinct)
            n("census_cpu_ns", t.samplerCPUNanoseconds)
        }
        return "{" + f.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}

/// A device's stalls as one job thread sees them: gaps between its reaps of completions much longer than its
/// usual ones, while IOs were in flight (a thread reaps only with IOs in flight). Traced on this machine
/// (README): a virtio disk's emulation stops 13-21 times a second for 2.4-3.7 ms while 4 or more reads are in
/// flight; at queue depth 64 the gaps between reaps were at most 0.65 ms (p99.9) otherwise, and the stalls'
/// gaps 3.1-5.6 ms. A gap counts as a stall from 1 ms, or from three times the 90th percentile gap where that
/// is longer (a slow device's usual gaps are long; the 90th, as stalls can be more than 1% of the gaps), up to
/// the histogram's resolution (1.6%). With several job threads each sees each stall: the counts add up.
/// The times between stalls are taken from each thread's gaps, from the start of one to the start of the next
/// (the start being the reap before the gap), and pooled over the threads; they take the gaps at the threshold
/// exactly, where the count takes the histogram's bucket, so a gap within 1.6% of the threshold may be counted
/// and not timed, or the other way round.
public struct CompletionStalls: Sendable, Equatable {
    /// The shortest gap taken for a stall, in ns.
    public var thresholdNanoseconds: Int64
    /// Gaps of at least the threshold.
    public var count: Int
    /// Their median, in ns (0 when there is none).
    public var medianGapNanoseconds: Int64

    /// The times from one stall's start to the next's, each thread's (empty without `longGaps`).
    public var intervals: IntervalSpread

    /// The shortest threshold, in ns.
    public static let shortestThresholdNanoseconds: Int64 = 1_000_000
    /// The most gaps of the shortest threshold or more a job thread keeps in order (a stall a millisecond for
    /// 100 s).
    public static let longGapsKept = 100_000

    /// - Parameters:
    ///   - gaps: every job thread's gaps between reaps.
    ///   - longGaps: each job thread's gaps of `shortestThresholdNanoseconds` or more, in order.
    public init(gaps: Histogram, longGaps: [[CompletionGap]] = []) {
        let threshold = max(CompletionStalls.shortestThresholdNanoseconds, 3 * gaps.percentile(partsPerMillion: 900_000))
        thresholdNanoseconds = threshold
        count = Int(gaps.count(atLeast: threshold))
        medianGapNanoseconds = gaps.percentile(partsPerMillion: 500_000, atLeast: threshold)
        var intervals = IntervalSpread()
        for thread in longGaps {
            intervals.merge(IntervalSpread(instants: thread.filter { $0.nanoseconds >= threshold }.map(\.startNanoseconds)))
        }
        self.intervals = intervals
    }
}

/// A gap between a job thread's reaps of completions: when it began (the reap before it, CLOCK_MONOTONIC ns)
/// and how long it lasted.
public struct CompletionGap: Sendable, Equatable {
    public var startNanoseconds: Int64
    public var nanoseconds: Int64

    public init(startNanoseconds: Int64, nanoseconds: Int64) {
        self.startNanoseconds = startNanoseconds
        self.nanoseconds = nanoseconds
    }
}

/// Three decimals, no Foundation.
private func format3(_ v: Double) -> String {
    let scaled = (v * 1000).rounded()
    guard abs(scaled) < 9e15 else { return "\(v)" }
    let i = Int64(scaled)
    let sign = i < 0 ? "-" : ""
    let a = abs(i)
    let frac = String(a % 1000)
    return "\(sign)\(a / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
}

private func escape(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default:
            if c.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16) } else { out.unicodeScalars.append(c) }
        }
    }
    return out
}
