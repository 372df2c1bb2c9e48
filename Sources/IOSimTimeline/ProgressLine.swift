//! A progress line on stderr for long runs and sweeps.

import Foundation

/// A one-line progress report on stderr, rewritten in place:
/// `\r<label> 42% 12,345/29,000 IOs, 1.2M/s, ETA 3s`.
///
/// ```swift
/// let progress = ProgressLine(
///     total: 29_000, label: "run",
///     isEnabled: ProgressLine.shouldShow(stderrIsTTY: ProgressLine.stderrIsTTY, quiet: quiet))
/// progress.update(done: n)   // as often as you like: it writes at most about 5 times a second
/// progress.finish()          // clears the line
/// ```
/// Disabled, it writes nothing at all. It never writes to stdout. It reads the wall clock only to show the
/// rate and the ETA, so nothing a simulation computes depends on it. Thread-safe (`update` may be called
/// from worker threads of a sweep).
public final class ProgressLine: @unchecked Sendable {
    /// How many units the work has (0 or less: unknown).
    public let total: Int64
    /// What the line is about, first on the line.
    public let label: String
    /// Whether anything is written at all.
    public let isEnabled: Bool
    /// What is counted ("IOs", "runs").
    public let unit: String
    let minimumInterval: Double
    let delay: Double
    let output: @Sendable (String) -> Void
    let clock: @Sendable () -> Double
    let lock = NSLock()
    var started: Double? = nil
    var lastWrite: Double? = nil
    var lastLength = 0
    var finished = false

    /// - Parameters:
    ///   - total: how many `unit` the work has (0 or less: unknown; no percentage or ETA).
    ///   - label: what the line is about ("run", "sweep").
    ///   - isEnabled: whether to write at all; see `shouldShow(stderrIsTTY:quiet:)`.
    ///   - unit: what is counted.
    ///   - minimumInterval: seconds between two writes (0.2: at most 5 a second).
    ///   - delay: seconds after the first update before anything is shown (2: only work that takes longer
    ///     than about two seconds shows a line; 0: at once).
    ///   - output: where the text goes (default: stderr); for tests.
    ///   - clock: seconds on a monotonic wall clock (default: the system's); for tests.
    public init(
        total: Int64, label: String, isEnabled: Bool, unit: String = "IOs", minimumInterval: Double = 0.2,
        delay: Double = 0, output: (@Sendable (String) -> Void)? = nil, clock: (@Sendable () -> Double)? = nil
    ) {
        self.total = total
        self.label = label
        self.isEnabled = isEnabled
        self.unit = unit
        self.minimumInterval = minimumInterval
        self.delay = delay
        self.output = output ?? { text in FileHandle.standardError.write(Data(text.utf8)) }
        self.clock = clock ?? { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    }

    /// Whether a progress line should be shown: stderr is a terminal and `--quiet` was not given.
    public static func shouldShow(stderrIsTTY: Bool, quiet: Bool) -> Bool { stderrIsTTY && !quiet }

    /// Whether this process's stderr is a terminal.
    public static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    /// `done` units are done: rewrites the line unless it was written less than `minimumInterval` ago (the
    /// last unit, `done >= total`, is always shown) or the work started less than `delay` ago.
    public func update(done: Int64) { update(done: done, fraction: nil) }

    /// `done` units are done and `fraction` (0...1) of the work, for work whose length is not a count of
    /// units (a real run of a fixed duration: IOs done, time elapsed): the percentage and the ETA follow
    /// `fraction` when `total` is unknown (0 or less).
    public func update(done: Int64, fraction: Double?) {
        guard isEnabled else { return }
        lock.lock()
        defer { lock.unlock() }
        if finished { return }
        let now = clock()
        guard let start = started else {
            started = now
            if delay <= 0 {
                lastWrite = now
                emit(Self.text(label: label, done: done, total: total, unit: unit, seconds: 0, fraction: fraction))
            }
            return
        }
        if now - start < delay { return }
        let last = total > 0 ? done >= total : (fraction ?? 0) >= 1
        if let previous = lastWrite, now - previous < minimumInterval, !last { return }
        lastWrite = now
        emit(Self.text(label: label, done: done, total: total, unit: unit, seconds: now - start, fraction: fraction))
    }

    /// Clears the line (once it was shown); later updates write nothing.
    public func finish() {
        guard isEnabled else { return }
        lock.lock()
        defer { lock.unlock() }
        if finished { return }
        finished = true
        if lastLength > 0 { output("\r" + String(repeating: " ", count: lastLength) + "\r") }
        lastLength = 0
    }

    func emit(_ line: String) {
        // Pad with spaces over what a longer previous line left behind.
        let length = line.count
        let padding = lastLength > length ? String(repeating: " ", count: lastLength - length) : ""
        lastLength = length
        output("\r" + line + padding)
    }

    /// The line's text (without the leading carriage return), `seconds` after the start; `fraction` (the
    /// share of the work done) gives the percentage and the ETA when `total` is unknown (0 or less).
    public static func text(
        label: String, done: Int64, total: Int64, unit: String, seconds: Double, fraction: Double? = nil
    ) -> String {
        var s = label
        let share = fraction.map { $0.isFinite ? min(1, max(0, $0)) : 0 }
        if total > 0 {
            let percent = min(100, max(0, done * 100 / total))
            s += " \(percent)% \(Fmt.grouped(done))/\(Fmt.grouped(total)) \(unit)"
        } else if let share {
            s += " \(Int(share * 100))% \(Fmt.grouped(done)) \(unit)"
        } else {
            s += " \(Fmt.grouped(done)) \(unit)"
        }
        if seconds > 0 && done > 0 {
            let rate = Double(done) / seconds
            s += ", \(rateText(rate))/s"
            if total > 0 && done < total {
                s += ", ETA \(durationText(Double(total - done) / rate))"
            } else if total <= 0, let share, share > 0, share < 1 {
                s += ", ETA \(durationText(seconds * (1 - share) / share))"
            }
        }
        return s
    }

    /// 12 -> "12", 12_345 -> "12.3k", 1_234_567 -> "1.2M".
    static func rateText(_ rate: Double) -> String {
        if rate >= 1e9 { return Fmt.fixed(rate / 1e9, 1) + "G" }
        if rate >= 1e6 { return Fmt.fixed(rate / 1e6, 1) + "M" }
        if rate >= 1e3 { return Fmt.fixed(rate / 1e3, 1) + "k" }
        return Fmt.fixed(rate, 0)
    }

    /// 3.2 -> "4s", 65 -> "1m05s", 3725 -> "1h02m".
    static func durationText(_ seconds: Double) -> String {
        let s = Int64(min(seconds, 1e9).rounded(.up))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" + (s % 60 < 10 ? "0" : "") + "\(s % 60)s" }
        let m = (s % 3600) / 60
        return "\(s / 3600)h" + (m < 10 ? "0" : "") + "\(m)m"
    }
}
