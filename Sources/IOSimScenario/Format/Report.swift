//! The text report for people: the CPU ledger, IO latency and stages, interrupts, the thread census.

import IOSimCore
import IOSimModel

enum Text {
    /// `value` with `decimals` digits after the point (deterministic: integer rounding, no locale).
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int64((abs(value) * scale).rounded())
        let sign = value < 0 && scaled != 0 ? "-" : ""
        if decimals == 0 { return sign + grouped(scaled) }
        let whole = scaled / Int64(scale)
        var frac = String(scaled % Int64(scale))
        while frac.count < decimals { frac = "0" + frac }
        return "\(sign)\(grouped(whole)).\(frac)"
    }

    static func grouped(_ v: Int64) -> String {
        let digits = String(abs(v))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (v < 0 ? "-" : "") + out
    }

    static func percent(_ fraction: Double) -> String { fixed(fraction * 100, 1) + "%" }

    static func duration(_ ns: Double) -> String { Units.formatDuration(nanoseconds: Int64(ns.rounded())) }

    static func pad(_ s: String, _ width: Int, right: Bool = true) -> String {
        if s.count >= width { return s }
        let fill = String(repeating: " ", count: width - s.count)
        return right ? fill + s : s + fill
    }
}

extension IntervalSpread {
    /// "80ms apart on average (coefficient of variation 0.73)", with `named` false "80ms apart on average (0.73)";
    /// nil with fewer than two intervals. The model's, the real backend's and `validate`'s reports of stalls.
    public func apartText(named: Bool = true) -> String? {
        coefficientOfVariation.map {
            "\(Text.duration(meanNanoseconds)) apart on average (\(named ? "coefficient of variation " : "")\(Text.fixed($0, 2)))"
        }
    }
}

extension SimulationResult {
    /// The report as plain text (no colour), deterministic to the byte.
    public func textReport(description: String = "") -> String {
        var lines: [String] = []
        lines.append("scenario  \(scenario) (seed \(seed))")
        if !description.isEmpty { lines.append("          \(description)") }
        lines.append(
            "elapsed   \(Units.formatDuration(nanoseconds: elapsed.nanoseconds)) of virtual time, \(Text.grouped(Int64(events))) events")
        lines.append("")
        let header = ["user", "syscall", "irq", "deferred", "polling", "switch", "idle", "busy"]
        lines.append("CPU     " + header.map { Text.pad($0, 9) }.joined())
        func row(_ name: String, _ t: CPUTime) -> String {
            let cells = CPUCategory.allCases.map { Text.pad(Text.percent(t.fraction($0)), 9) }.joined()
            return Text.pad(name, 8, right: false) + cells + Text.pad(Text.percent(t.busyFraction), 9)
        }
        for (i, c) in perCPU.enumerated() { lines.append(row("cpu\(i)", c)) }
        if perCPU.count > 1 { lines.append(row("total", totalCPU)) }
        let perIO = iosCompleted > 0 ? Double(totalCPU.busy.nanoseconds) / Double(iosCompleted) : 0
        lines.append("        busy CPU time per IO: \(Text.duration(perIO))")
        lines.append("")
        let sizeText = Units.formatSize(bytes: bytes)
        lines.append(
            "IO      \(Text.grouped(iosCompleted)) completed of \(Text.grouped(iosIssued)) issued"
                + (iosSynchronous > 0 ? " (\(Text.grouped(iosSynchronous)) synchronous)" : "")
                + ", \(sizeText), \(Text.fixed(iops, 0)) IOPS")
        func summary(_ l: LatencySummary) -> String {
            [Double(l.mean), Double(l.p50), Double(l.p90), Double(l.p99), Double(l.p999), Double(l.max)]
                .map { Text.pad(Text.duration($0), 10) }.joined()
        }
        lines.append(Text.pad("latency", 13, right: false) + ["mean", "p50", "p90", "p99", "p99.9", "max"].map { Text.pad($0, 10) }.joined())
        lines.append(Text.pad("  total", 13, right: false) + summary(latency))
        for s in IOStage.allCases where stage(s).count > 0 {
            lines.append(Text.pad("  " + s.key, 13, right: false) + summary(stage(s)))
        }
        lines.append("")
        let ios = Double(max(iosCompleted, 1))
        lines.append(
            "interrupts \(Text.grouped(interrupts)) (\(Text.fixed(Double(interrupts) / ios, 2)) per IO), "
                + "context switches \(Text.grouped(contextSwitches)) (\(Text.fixed(Double(contextSwitches) / ios, 2)) per IO)")
        if ringEnters > 0 {
            lines.append("syscalls io_uring_enter \(Text.grouped(ringEnters)) (\(Text.fixed(Double(ringEnters) / ios, 2)) per IO)")
        }
        if deviceStalls > 0 {
            let apart = deviceStallIntervals.apartText().map { ", " + $0 } ?? ""
            lines.append("device   \(Text.grouped(deviceStalls)) stalls (device.stallInterval)\(apart)")
        }
        lines.append(
            "threads  most alive \(threads.maxAlive), created \(threads.created), stacks \(Units.formatSize(bytes: threads.stackBytesMax)); "
                + "blocked on IO \(Text.fixed(threads.blockedOnIO, 2)) (time-weighted)")
        lines.append(
            "         attached share \(Text.fixed(threads.attachedShare, 3)): share of each IO's flight with a thread "
                + "blocked or running for it (0: there is no thread)")
        if progressReports > 0 {
            lines.append(
                "progress \(Text.grouped(progressReports)) reports, longest gap \(Units.formatDuration(nanoseconds: progressMaxGap.nanoseconds))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The narrated life of the chosen IO.
    public var narrationText: String {
        if narration.isEmpty { return "no IO to narrate (the scenario issued fewer IOs, or narration is off)\n" }
        return narration.map { step in
            let cpu = step.cpu.map { "cpu\($0)" } ?? "-"
            return Text.pad(Units.formatDuration(nanoseconds: step.instant.nanosecondsSinceStart), 9) + "  "
                + Text.pad(cpu, 5, right: false) + "  \(Text.pad(String(step.clearyStep), 2)). \(step.actor): \(step.text)"
        }.joined(separator: "\n") + "\n"
    }
}
