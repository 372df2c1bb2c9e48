//! How fast the machine's CPUs run now, beside each real run of `validate`: the null syscall and the memcpy
//! bandwidth calibrate measures, on a shorter loop. A shared host's CPUs slow down without the guest being told
//! (no steal): on this machine a calibration at a slow moment timed the null syscall at 167 ns and memcpy at 46.3
//! GB/s, and the validations after it, whose IO workloads made 16-31% more IOPS, at 6.7% and 13.0% faster and
//! 8.6% and 7.2% faster; in a third the probes were back within 3.4% while the IOPS were still 12-21% over
//! (README, the eighteenth day). They tell how the CPUs moved, not what the host's side of the device did.

import IOSimCore
import IOSimReal
import IOSimScenario

/// One probe: a null syscall's time and memcpy's bandwidth, each the median of three short batches.
public struct CPUProbe: Sendable, Equatable {
    /// ns per getppid(2) (`FigureName.nullSyscall`).
    public var nullSyscallNanoseconds: Double
    /// GB/s copying 1 MiB (`FigureName.memcpy`).
    public var memcpyGBPerSecond: Double

    public init(nullSyscallNanoseconds: Double, memcpyGBPerSecond: Double) {
        self.nullSyscallNanoseconds = nullSyscallNanoseconds
        self.memcpyGBPerSecond = memcpyGBPerSecond
    }

    /// Measures now: calibrate's probes with its quick loop counts (20,000 calls and 16 MiB copied a batch,
    /// three batches after one unrecorded; some 15 ms here). Nil when the copy's buffers cannot be had.
    public static func measure() -> CPUProbe? {
        var options = CalibrationOptions()
        options.quick = true
        options.repeats = 3
        guard let effort = try? Effort(options), let copies = try? Probes.memcpyBandwidth(effort) else { return nil }
        return CPUProbe(
            nullSyscallNanoseconds: Probes.nullSyscall(effort).sorted().sortedMedian,
            memcpyGBPerSecond: copies.sorted().sortedMedian)
    }
}

/// The probes beside a scenario's real runs, with the profile's calibration figures for the same when it has
/// them; shown under the scenario's table and not judged.
public struct CPUProbes: Sendable, Equatable {
    /// Median, least and most over the runs.
    public var nullSyscall: ClosedRange<Double>
    public var nullSyscallMedian: Double
    public var memcpy: ClosedRange<Double>
    public var memcpyMedian: Double
    public var runs: Int
    /// The calibration's medians (`FigureName.nullSyscall`, `FigureName.memcpy`), when the profile recorded them.
    public var nullSyscallAtCalibration: Double? = nil
    public var memcpyAtCalibration: Double? = nil

    public init(
        nullSyscallMedian: Double, nullSyscall: ClosedRange<Double>, memcpyMedian: Double, memcpy: ClosedRange<Double>, runs: Int
    ) {
        self.nullSyscallMedian = nullSyscallMedian
        self.nullSyscall = nullSyscall
        self.memcpyMedian = memcpyMedian
        self.memcpy = memcpy
        self.runs = runs
    }

    /// Nil with no probe.
    public init?(_ probes: [CPUProbe], recorded: [CalibrationFigure] = []) {
        guard !probes.isEmpty else { return nil }
        let calls = probes.map(\.nullSyscallNanoseconds).spread, copies = probes.map(\.memcpyGBPerSecond).spread
        self.init(
            nullSyscallMedian: calls.median, nullSyscall: calls.minimum...calls.maximum,
            memcpyMedian: copies.median, memcpy: copies.minimum...copies.maximum, runs: probes.count)
        setCalibration(from: recorded)
    }

    /// Takes the calibration's figures from `recorded` (leaves them nil when it lacks them).
    public mutating func setCalibration(from recorded: [CalibrationFigure]) {
        nullSyscallAtCalibration = recorded.median(FigureName.nullSyscall)
        memcpyAtCalibration = recorded.median(FigureName.memcpy)
    }

    /// Now against the calibration's median: 0.2 is 20% more now.
    static func change(_ now: Double, _ then: Double?) -> Double? {
        guard let then, then > 0 else { return nil }
        return now / then - 1
    }

    public var nullSyscallChange: Double? { Self.change(nullSyscallMedian, nullSyscallAtCalibration) }
    public var memcpyChange: Double? { Self.change(memcpyMedian, memcpyAtCalibration) }

    static func signed(_ change: Double) -> String { (change >= 0 ? "+" : "") + Validation.fixed(change * 100, 1) + "%" }

    /// "CPU probe (not judged): null syscall 160.4 ns (155.0 - 170.2 over 3 runs), 133.4 at calibration (+20.2%);
    /// memcpy 43.52 GB/s (...), 52.40 at calibration (-16.9%)".
    public var text: String {
        func part(_ what: String, _ median: Double, _ range: ClosedRange<Double>, _ then: Double?, _ change: Double?, _ decimals: Int, _ unit: String) -> String {
            var s = "\(what) \(Validation.fixed(median, decimals)) \(unit)"
            if runs > 1 { s += " (\(Validation.fixed(range.lowerBound, decimals)) - \(Validation.fixed(range.upperBound, decimals)) over \(runs) runs)" }
            if let then, let change { s += ", \(Validation.fixed(then, decimals)) at calibration (\(Self.signed(change)))" }
            return s
        }
        return "CPU probe (not judged): "
            + part("null syscall", nullSyscallMedian, nullSyscall, nullSyscallAtCalibration, nullSyscallChange, 1, "ns") + "; "
            + part("memcpy", memcpyMedian, memcpy, memcpyAtCalibration, memcpyChange, 2, "GB/s") + "\n"
    }

    /// `cpuProbe` of a scenario in `validate`'s JSON.
    public var document: JSONValue {
        var members = [
            JSONMember("nullSyscallNs", .double(nullSyscallMedian)),
            JSONMember("nullSyscallMinimumNs", .double(nullSyscall.lowerBound)),
            JSONMember("nullSyscallMaximumNs", .double(nullSyscall.upperBound)),
            JSONMember("memcpyGBps", .double(memcpyMedian)),
            JSONMember("memcpyMinimumGBps", .double(memcpy.lowerBound)),
            JSONMember("memcpyMaximumGBps", .double(memcpy.upperBound)),
            JSONMember("runs", .int(Int64(runs))),
        ]
        if let then = nullSyscallAtCalibration { members.append(JSONMember("nullSyscallAtCalibrationNs", .double(then))) }
        if let then = memcpyAtCalibration { members.append(JSONMember("memcpyAtCalibrationGBps", .double(then))) }
        return .object(members)
    }

    /// compare's line: each probe's medians before and after, and the change as compare puts it,
    /// (before - after) / after; "not written" for a side without probes.
    public static func changeText(before: CPUProbes?, after: CPUProbes?) -> String {
        guard let before, let after else {
            func told(_ p: CPUProbes?) -> String {
                p.map { "null syscall \(Validation.fixed($0.nullSyscallMedian, 1)) ns, memcpy \(Validation.fixed($0.memcpyMedian, 2)) GB/s" }
                    ?? "not written"
            }
            return "CPU probe (not judged): before \(told(before)); after \(told(after))\n"
        }
        func part(_ what: String, _ b: Double, _ a: Double, _ decimals: Int, _ unit: String) -> String {
            "\(what) \(Validation.fixed(b, decimals)) \(unit) before, \(Validation.fixed(a, decimals)) after"
                + (a > 0 ? " (\(signed(b / a - 1)))" : "")
        }
        return "CPU probe (not judged): " + part("null syscall", before.nullSyscallMedian, after.nullSyscallMedian, 1, "ns") + "; "
            + part("memcpy", before.memcpyMedian, after.memcpyMedian, 2, "GB/s") + "\n"
    }

    /// The line after validate's summary: the median over the scenarios of each probe's change from the
    /// calibration; nil when the profile recorded neither figure.
    public static func summary(_ all: [CPUProbes]) -> String? {
        let calls = all.compactMap(\.nullSyscallChange).sorted(), copies = all.compactMap(\.memcpyChange).sorted()
        var parts: [String] = []
        if !calls.isEmpty { parts.append("the null syscall \(signed(calls.sortedMedian))") }
        if !copies.isEmpty { parts.append("memcpy's bandwidth \(signed(copies.sortedMedian))") }
        guard !parts.isEmpty else { return nil }
        return "CPU probe against the calibration (the median over the scenarios): " + parts.joined(separator: ", ")
            + "; a machine slower than it was calibrated misses the model by as much\n"
    }
}
