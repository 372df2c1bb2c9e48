import Foundation
import Testing

@testable import IOSimTimeline

/// Collects what a progress line writes, and a settable clock.
final class FakeTerminal: @unchecked Sendable {
    let lock = NSLock()
    private var _writes: [String] = []
    private var _now = 100.0
    var writes: [String] { lock.withLock { _writes } }
    func write(_ s: String) { lock.withLock { _writes.append(s) } }
    var now: Double {
        get { lock.withLock { _now } }
        set { lock.withLock { _now = newValue } }
    }
    func line(total: Int64, enabled: Bool, delay: Double = 0) -> ProgressLine {
        ProgressLine(
            total: total, label: "run", isEnabled: enabled, delay: delay, output: { [self] in write($0) },
            clock: { [self] in now })
    }
}

@Suite struct ProgressLineOutput {
    @Test func disabledWritesNothing() {
        let t = FakeTerminal()
        let p = t.line(total: 1_000, enabled: false)
        for i in 0...1_000 {
            t.now += 0.5
            p.update(done: Int64(i))
        }
        p.finish()
        #expect(t.writes.isEmpty)
    }

    @Test func shouldShowOnlyOnATerminalWithoutQuiet() {
        #expect(ProgressLine.shouldShow(stderrIsTTY: true, quiet: false))
        #expect(!ProgressLine.shouldShow(stderrIsTTY: false, quiet: false))
        #expect(!ProgressLine.shouldShow(stderrIsTTY: true, quiet: true))
        #expect(!ProgressLine.shouldShow(stderrIsTTY: false, quiet: true))
    }

    @Test func formatRateAndThrottle() {
        let t = FakeTerminal()
        let p = t.line(total: 29_000, enabled: true)
        p.update(done: 0)
        #expect(t.writes == ["\rrun 0% 0/29,000 IOs"])
        // Within 0.2 s: nothing.
        t.now += 0.1
        p.update(done: 5_000)
        #expect(t.writes.count == 1)
        // 0.01 s later (0.11 s after the start): still throttled; then at 0.25 s, written.
        t.now += 0.01
        p.update(done: 6_000)
        #expect(t.writes.count == 1)
        t.now += 0.14
        p.update(done: 12_345)
        // 12,345 in 0.25 s: 49.4k/s; 16,655 left: 0.34 s -> 1s.
        #expect(t.writes.last == "\rrun 42% 12,345/29,000 IOs, 49.4k/s, ETA 1s")
        // Many updates in one second: at most about five lines.
        let before = t.writes.count
        for i in 0..<1_000 {
            t.now += 0.001
            p.update(done: 12_345 + Int64(i))
        }
        #expect(t.writes.count - before <= 5)
        // A shorter line is padded over the longer one.
        let last = t.writes.last!
        p.finish()
        #expect(t.writes.last == "\r" + String(repeating: " ", count: last.count - 1) + "\r")
        // After finish: silent.
        let count = t.writes.count
        t.now += 10
        p.update(done: 29_000)
        #expect(t.writes.count == count)
        #expect(t.writes.allSatisfy { !$0.contains("\n") })
    }

    /// With a delay, short work shows nothing; long work shows the line after the delay.
    @Test func delay() {
        let t = FakeTerminal()
        let short = t.line(total: 100, enabled: true, delay: 2)
        for i in 0...100 {
            t.now += 0.01
            short.update(done: Int64(i))
        }
        short.finish()
        #expect(t.writes.isEmpty)
        let long = t.line(total: 100, enabled: true, delay: 2)
        long.update(done: 0)
        t.now += 2.5
        long.update(done: 50)
        #expect(t.writes == ["\rrun 50% 50/100 IOs, 20/s, ETA 3s"])
    }

    /// A line driven by a share of the work always shows its end, however soon after the last line.
    @Test func fractionUpdates() {
        let t = FakeTerminal()
        let p = t.line(total: 0, enabled: true)
        p.update(done: 0, fraction: 0)
        t.now += 1
        p.update(done: 100, fraction: 0.5)
        t.now += 0.01
        p.update(done: 101, fraction: 0.6)
        t.now += 0.01
        p.update(done: 200, fraction: 1)
        #expect(t.writes.map { $0.trimmingCharacters(in: .whitespaces) } == [
            "\rrun 0% 0 IOs", "\rrun 50% 100 IOs, 100/s, ETA 1s", "\rrun 100% 200 IOs, 196/s",
        ])
    }

    @Test func texts() {
        #expect(
            ProgressLine.text(label: "sweep", done: 3, total: 10, unit: "runs", seconds: 1)
                == "sweep 30% 3/10 runs, 3/s, ETA 3s")
        #expect(
            ProgressLine.text(label: "run", done: 1_200_000, total: 0, unit: "IOs", seconds: 1)
                == "run 1,200,000 IOs, 1.2M/s")
        // A run of a fixed duration: IOs done, the share from the time.
        #expect(
            ProgressLine.text(label: "real", done: 50_000, total: 0, unit: "IOs", seconds: 2, fraction: 0.4)
                == "real 40% 50,000 IOs, 25.0k/s, ETA 3s")
        #expect(
            ProgressLine.text(label: "real", done: 9, total: 0, unit: "IOs", seconds: 1, fraction: .nan)
                == "real 0% 9 IOs, 9/s")
        #expect(ProgressLine.durationText(65) == "1m05s")
        #expect(ProgressLine.durationText(3_725) == "1h02m")
        #expect(ProgressLine.rateText(999) == "999")
    }
}
