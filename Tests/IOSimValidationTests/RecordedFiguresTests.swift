//! The figures a profile records in its header, read back for `calibrate --from`: the round trip through the
//! profile's text, each way a figure line or the profile can be wrong, and a fit on the recorded figures.

import Foundation
import IOSimCore
import IOSimModel
import IOSimReal
import IOSimScenario
import Testing

@testable import IOSimValidation

@Suite("Recorded figures")
struct RecordedFiguresTests {
    /// Within the printed precision of `b`: a duration to four significant digits and the nanosecond, another
    /// figure to the decimals its median is printed with.
    func close(_ a: Double, _ b: Double, unit: String, median: Double) -> Bool {
        if unit == "ns" { return abs(a - b) <= max(0.0005 * abs(b), 0.5) }
        return abs(a - b) <= 0.5 * pow(10, -Double(Calibration.decimalsFor(median))) + 1e-12
    }

    @Test("every figure a profile records reads back, to the precision printed")
    func roundTrip() throws {
        var figures = referenceFigures()
        figures.append(CalibrationFigure(name: FigureName.interruptCPU, unit: "CPU", median: 1, minimum: 1, maximum: 1, repeats: 5))
        figures.append(CalibrationFigure(name: FigureName.interruptCPUShare, unit: "share", median: 0.98, minimum: 0.9, maximum: 1, repeats: 1))
        // A CPU's figures name it, whichever CPUs the calibration ran on (here under `taskset -c 12,13`, say).
        figures.append(CalibrationFigure(name: FigureName.roundTrip(cpu: 12), unit: "ns", median: 70_000, minimum: 65_000, maximum: 80_000, repeats: 5))
        figures.append(CalibrationFigure(name: FigureName.wokenElsewhere(cpu: 12), unit: "share", median: 1, minimum: 0.95, maximum: 1, repeats: 5))
        let report = Calibration.fit(figures, cpuCount: 3)
        let read = try Calibration.recordedFigures(text: report.profileText, path: "p.json5")
        #expect(read.cpuCount == 3)
        #expect(read.figures.map(\.name) == figures.map(\.name))
        for (r, f) in zip(read.figures, figures) {
            #expect(r.unit == f.unit, "\(f.name)")
            #expect(r.repeats == f.repeats, "\(f.name)")
            let near = [(r.median, f.median), (r.minimum, f.minimum), (r.maximum, f.maximum)].allSatisfy {
                close($0.0, $0.1, unit: f.unit, median: f.median)
            }
            #expect(near, "\(f.name): \(r) against \(f)")
        }
        // Recorded again, they read back unchanged: what was printed is kept exactly.
        let again = Calibration.fit(read.figures, cpuCount: read.cpuCount)
        let reread = try Calibration.recordedFigures(text: again.profileText, path: "p.json5")
        #expect(reread.figures == read.figures)
        #expect(read.given.isEmpty)
        // With CRLF line endings, the same.
        let crlf = report.profileText.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        #expect(try Calibration.recordedFigures(text: crlf, path: "p.json5") == read)
    }

    /// A median that rounds up across a step of the printed decimals prints as it reads back, and the second
    /// reading is the first.
    @Test("a median on a rounding step reads back unchanged", arguments: [(9.996, 9.994), (999.96, 999.94), (0.9996, 0.9994)])
    func roundingStep(median: Double, minimum: Double) throws {
        // The minimum prints below the step ("9.99") while the median prints on it ("10.0").
        let figures = [
            CalibrationFigure(name: FigureName.memcpy, unit: "GB/s", median: median, minimum: minimum, maximum: median * 1.1, repeats: 5)
        ]
        let first = try Calibration.recordedFigures(text: Calibration.fit(figures, cpuCount: 2).profileText, path: "p.json5")
        let second = try Calibration.recordedFigures(text: Calibration.fit(first.figures, cpuCount: 2).profileText, path: "p.json5")
        #expect(second.figures == first.figures)
    }

    /// The costs a calibration was given are marked so in the profile, and read back with the figures.
    @Test("the given costs read back")
    func givenCostsReadBack() throws {
        let given = [GivenCost(key: .requestCreate, value: .nanoseconds(1_500)), GivenCost(key: .doorbell, value: .microseconds(15))]
        let report = Calibration.fit(referenceFigures(), cpuCount: 2, given: given)
        let read = try Calibration.recordedFigures(text: report.profileText, path: "p.json5")
        #expect(read.given == given)
    }

    /// How the irq + softirq figures were measured is said in the profile's header, read back with the figures,
    /// and kept by a refit; a profile without the line (older ones) counts as ticks.
    @Test("the interrupt-time source reads back", arguments: [InterruptTimeSource.trace, .ticks])
    func interruptTimeSourceReadsBack(source: InterruptTimeSource) throws {
        let report = Calibration.fit(referenceFigures(), cpuCount: 2, interruptTime: source)
        #expect(report.profileText.contains(Calibration.interruptTimeLine(source) + "\n"))
        let read = try Calibration.recordedFigures(text: report.profileText, path: "p.json5")
        #expect(read.interruptTime == source)
        let again = Calibration.fit(read.figures, cpuCount: read.cpuCount, interruptTime: read.interruptTime)
        #expect(try Calibration.recordedFigures(text: again.profileText, path: "p.json5").interruptTime == source)
        let older = report.profileText.replacingOccurrences(of: Calibration.interruptTimeLine(source) + "\n", with: "")
        #expect(try Calibration.recordedFigures(text: older, path: "p.json5").interruptTime == .ticks)
    }

    /// A QD1 system-time figure the model exceeds before any idle exit, by more than validate's tolerance, gets
    /// a warning naming both (the nineteenth day's first calibration: 53.3 us in the model against 13.66 measured);
    /// within 25%, or within 1 us, none.
    @Test func aSystemTimeTheFitCannotReachIsWarnedOf() throws {
        var report = Calibration.fit(referenceFigures(), cpuCount: 2)
        report.idleExitFit = IdleExitFit(measured: 13_660, withoutIdleExit: 53_300, exitsPerIO: 0.82)
        #expect(report.warnings == [
            "warning: the model makes \(FigureName.systemPerIO(bytes: 4096)) 53.3us before any exit from idle, 290% over "
                + "the measured 13.66us, and no fitted cost can take that back. The submission probe's costs "
                + "(kernel.doorbell, kernel.requestCreate) are most of it: the machine may have moved between that probe "
                + "and the device runs (calibrate again), or, without --irq-time trace, the ticks may miss system time."
        ])
        var both = IdleExitFit(measured: 16_600, withoutIdleExit: 52_660, exitsPerIO: 0.8, workload: FigureName.preadSystemPerIO)
        both.alsoFittedTo = .init(measured: 60_000, withoutIdleExit: 53_300, exitsPerIO: 0.82)
        report.idleExitFit = both
        #expect(report.warnings.count == 1 && report.warnings[0].contains(FigureName.preadSystemPerIO))
        report.idleExitFit = IdleExitFit(measured: 20_000, withoutIdleExit: 24_900, exitsPerIO: 1)  // 24.5% over
        #expect(report.warnings.isEmpty)
        report.idleExitFit = IdleExitFit(measured: 2_000, withoutIdleExit: 2_900, exitsPerIO: 1)  // 45%, under 1 us
        #expect(report.warnings.isEmpty)
        report.idleExitFit = nil  // given, not fitted
        #expect(report.warnings.isEmpty)
    }

    /// A profile says when its system figures came from the idle time (traced calibrations from the nineteenth
    /// day on), a refit keeps it, and the stored profiles, written before, read as ticks.
    @Test("where the system figures came from reads back", arguments: [true, false])
    func systemFromIdleReadsBack(fromIdle: Bool) throws {
        let report = Calibration.fit(referenceFigures(), cpuCount: 2, interruptTime: .trace, systemFromIdle: fromIdle)
        #expect(report.profileText.contains(Calibration.systemFromIdleLine + "\n") == fromIdle)
        let read = try Calibration.recordedFigures(text: report.profileText, path: "p.json5")
        #expect(read.systemFromIdle == fromIdle && read.interruptTime == .trace)
        let again = Calibration.fit(
            read.figures, cpuCount: read.cpuCount, interruptTime: read.interruptTime, systemFromIdle: read.systemFromIdle)
        #expect(try Calibration.recordedFigures(text: again.profileText, path: "p.json5").systemFromIdle == fromIdle)
        let stored = try Calibration.recordedFigures(inProfileAt: StoredProfileTests.root + "/Scenarios/validation/_measured-xeon-day17.json5")
        #expect(!stored.systemFromIdle && stored.interruptTime == .trace)
    }

    @Test("a figure line reads as calibrate writes it", arguments: [
        ("77.42us (75.38us - 78.73us, 5 repeats)", "ns", 77_420.0, 75_380.0, 78_730.0, 5),
        ("12828 IOPS (12614 - 13188, 5 repeats)", "IOPS", 12_828, 12_614, 13_188, 5),
        ("0.254 per IO (0.253 - 0.263, 1 repeat)", "per IO", 0.254, 0.253, 0.263, 1),
        ("0ns (0ns - 8.375us, 3 repeats)", "ns", 0, 0, 8_375, 3),
        ("1.074ms (814.6us - 1.2s, 2 repeats)", "ns", 1_074_000, 814_600, 1_200_000_000, 2),
    ])
    func parsesASpread(text: String, unit: String, median: Double, minimum: Double, maximum: Double, repeats: Int) throws {
        let f = try Calibration.parseSpread(text, name: "x").get()
        #expect(f == CalibrationFigure(name: "x", unit: unit, median: median, minimum: minimum, maximum: maximum, repeats: repeats))
    }

    @Test("a spread that is not as calibrate writes it is refused", arguments: [
        "77.42us", "77.42us (75.38us - 78.73us)", "77.42us (75.38us, 78.73us, 5 repeats)", "77.42 (75 - 78, 5 repeats)",
        "fast (1us - 2us, 5 repeats)", "1us (1us - 2us, no repeats)", "1us (1us - 2us, 0 repeats)",
        // Numbers calibrate does not write, or cannot have measured.
        "1e300 IOPS (1 - 1e300, 5 repeats)", "-1.00 CPU (-1.00 - -1.00, 5 repeats)", "0x10 IOPS (1 - 20, 5 repeats)",
        "1.50 CPU (1.00 - 2.00, 5 repeats)", "0.90 share (0.80 - 1.20, 5 repeats)", "5 IOPS (6 - 7, 5 repeats)",
        "2000000000000000 IOPS (1 - 2000000000000000, 5 repeats)", ".5 IOPS (.5 - .5, 5 repeats)",
    ])
    func refusesABadSpread(text: String) {
        #expect(throws: RecordedFigureError.self) { try Calibration.parseSpread(text, name: "x").get() }
    }

    /// Each mistake names its line and column and what was expected.
    @Test("a profile that records no figures, or a wrong one, is refused with its place", arguments: [
        ("{ machine: { cpus: 2 } }", "p.json5:1:1: expected the figures calibrate recorded"),
        ("// Figures are medians (minimum - maximum over the repeats).\n{ machine: { cpus: 2 } }",
         "p.json5:2:1: expected the figures calibrate recorded after the line"),
        ("// Figures are medians (minimum - maximum over the repeats).\n//   null syscal   110ns (108ns - 117ns, 5 repeats)\n{ machine: { cpus: 2 } }",
         "p.json5:2:6: expected the name of a figure calibrate measures, found \"null syscal\""),
        ("// Figures are medians (minimum - maximum over the repeats).\n//   null syscall   110ns (108ns - 117ns)\n{ machine: { cpus: 2 } }",
         "p.json5:2:21: null syscall: expected a figure as calibrate writes it"),
        ("// Figures are medians (minimum - maximum over the repeats).\n//   null syscall   110ns (108ns - 117ns, 5 repeats)\n{ machine: {} }",
         "p.json5:3:1: machine.cpus: expected the CPU count the profile was measured on"),
        ("//   null syscall   110ns (108ns - 117ns, 5 repeats)\n{ machine: { cpus: 0.5 } }",
         "p.json5:2:20: machine.cpus: expected a whole number of CPUs in 1...4096, found 0.5"),
        ("{ machine: { cpus: 2 }", "p.json5:1:23:"),
        ("// Figures are medians (minimum - maximum over the repeats).\n//   null syscal\n{ machine: { cpus: 2 } }",
         "p.json5:2:6: expected the name of a figure calibrate measures, found \"null syscal\""),
        ("// Figures are medians (minimum - maximum over the repeats).\n//   null syscall\n{ machine: { cpus: 2 } }",
         "p.json5:2:18: null syscall: expected a figure as calibrate writes it, such as \"77.42us (75.38us - 78.73us, 5 repeats)\" "
            + "or \"12828 IOPS (12614 - 13188, 5 repeats)\"; found \"\""),
        ("// Figures are medians (minimum - maximum over the repeats).\n//   null syscall   110ns (108ns - 117ns, 5 repeats)\n"
            + "{ machine: { cpus: 2 }, kernel: { doorbell: 15 } } // given (--given kernel.doorbell)",
         "p.json5:3:45: kernel.doorbell: expected the duration it was given, such as \"15us\", found 15"),
    ])
    func refusesABadProfile(text: String, message: String) {
        do {
            _ = try Calibration.recordedFigures(text: text, path: "p.json5")
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }

    @Test("a file that cannot be read is a file error")
    func missingFile() {
        do {
            _ = try Calibration.recordedFigures(inProfileAt: "/nonexistent/profile.json5")
            Issue.record("no error")
        } catch {
            guard case .file(let f) = error else {
                Issue.record("expected a file error, got \(error)")
                return
            }
            #expect(f.path == "/nonexistent/profile.json5" && f.reason == "no such file")
        }
    }

    /// The stored profile's figures fit again, on the small grid, into a profile the loader takes, whose figures
    /// are the recorded ones.
    @Test("the stored profile's figures fit again without measuring")
    func refitsTheStoredProfile() throws {
        let stored = StoredProfileTests.root + "/Scenarios/validation/_measured-xeon.json5"
        let recorded = try Calibration.recordedFigures(inProfileAt: stored)
        #expect(recorded.cpuCount == 2)
        // Every figure calibrate measures, in its order, but those measured since: the four threads' IOPS, the
        // system time per IO at queue depth 4, the user time per IO at queue depth 1, the io_uring loop's
        // latency and the wake-ups after idle.
        let names = recorded.figures.map(\.name)
        let since = [FigureName.poolIOPS] + FigureName.pageCostSizes.map { FigureName.systemPerIOAtDepth(bytes: $0) }
            + [FigureName.userPerIOQD1, FigureName.uringLoopLatency] + wakeupsAfterIdle + submissions + sinceTheTenthDay
        #expect(names == FigureName.all.filter { !since.contains($0) })
        // Its four given costs come with it; a --given of one of them replaces it.
        #expect(recorded.given.map(\.key) == [.requestCreate, .driverSubmit, .doorbell, .localWakeup])
        #expect(recorded.given.map(\.value) == [.microseconds(1), .microseconds(2), .microseconds(15), .microseconds(18)])
        var searched = 0
        let report = try Calibration.refit(profileAt: stored, given: [GivenCost(key: .doorbell, value: .microseconds(12))], quick: true) {
            searched += 1
        }
        // The small grid: 2 kinds x 3 channels x 4 dispatch and wake-up pairs, searched at least twice.
        #expect(searched >= 2 * 24 && searched % 24 == 0, "\(searched)")
        #expect(report.figures == recorded.figures)
        #expect(report.kernel.doorbell == .microseconds(12))
        #expect(report.kernel.requestCreate == .microseconds(1) && report.machine.localWakeup == .microseconds(18))
        #expect(report.parallelismFit != nil)
        let loaded = try loadThroughExtends(report.profileText)
        #expect(loaded.device == report.device && loaded.machine == report.machine)
    }

    /// The stored profile with traced interrupt time records the figures calibrate measured then, says its irq +
    /// softirq figures are traced, fitted the wake-up's IPI, and is a profile the loader takes.
    @Test("the traced stored profile records every figure and its source")
    func theTracedStoredProfile() throws {
        let path = StoredProfileTests.root + "/Scenarios/validation/_measured-xeon-traced.json5"
        let recorded = try Calibration.recordedFigures(inProfileAt: path)
        // Every figure but the io_uring loop's latency, the wake-ups after idle, the submissions, the 64 KiB
        // depth-4 IOPS and the SQPOLL run, measured since.
        #expect(
            recorded.figures.map(\.name)
                == FigureName.all.filter {
                    $0 != FigureName.uringLoopLatency && !wakeupsAfterIdle.contains($0) && !submissions.contains($0)
                        && !sinceTheTenthDay.contains($0)
                })
        #expect(recorded.interruptTime == .trace)
        #expect(recorded.given.map(\.key) == [.requestCreate, .driverSubmit, .doorbell, .localWakeup])
        let file = try ScenarioLoader.load(
            path: StoredProfileTests.root + "/Scenarios/validation/pool-4k.json5", profile: path, overrides: [])
        #expect(file.scenario.interrupts.deferredWakeRemote > .microseconds(1))
        #expect(file.scenario.machine.runQueues == .perCPU)
    }

    /// The seventh day's profile records every figure calibrate measured then, the io_uring loop's latency among
    /// them, and so splits the loop's user time around the latency.
    @Test("the seventh day's stored profile records every figure and splits the loop's work")
    func theSeventhDaysProfile() throws {
        let path = StoredProfileTests.root + "/Scenarios/validation/_measured-xeon-day7.json5"
        let recorded = try Calibration.recordedFigures(inProfileAt: path)
        // Every figure but the wake-ups after idle, the submissions, the 64 KiB depth-4 IOPS and the SQPOLL run,
        // measured since.
        #expect(
            recorded.figures.map(\.name)
                == FigureName.all.filter { !wakeupsAfterIdle.contains($0) && !submissions.contains($0) && !sinceTheTenthDay.contains($0) })
        #expect(recorded.interruptTime == .trace)
        let file = try ScenarioLoader.load(
            path: StoredProfileTests.root + "/Scenarios/validation/buffered-warm.json5", profile: path, overrides: [])
        // The split is the fit's of the recorded loop figures (1,245 ns per IO, 1,095 of latency, 305 of user
        // time): 150 ns outside the latency, the other 160 of the 310 (to 10 ns) inside it.
        #expect(file.scenario.kernel.uringReapPerCQE == .nanoseconds(150))
        #expect(file.scenario.kernel.uringPreparePerSQE == .nanoseconds(160))
        let fitted = Calibration.fit(recorded.figures, cpuCount: recorded.cpuCount, given: recorded.given, interruptTime: .trace)
        #expect(fitted.kernel.uringReapPerCQE == file.scenario.kernel.uringReapPerCQE)
        #expect(fitted.kernel.uringPreparePerSQE == file.scenario.kernel.uringPreparePerSQE)
    }

    /// The eighth day's profile is the seventh day's figures fitted again with the submission's cost split as a
    /// trace showed it (`.bench/trace-costs.sh`: 1.7 us a request, 1.3 us a batch): the same figures, the same 3
    /// us for a lone read, so the same device; only the split (and what the interrupt fit draws from it) moves.
    @Test("the eighth day's stored profile is the seventh day's figures with the traced split")
    func theEighthDaysProfile() throws {
        let root = StoredProfileTests.root + "/Scenarios/validation/"
        let day7 = try Calibration.recordedFigures(inProfileAt: root + "_measured-xeon-day7.json5")
        let day8 = try Calibration.recordedFigures(inProfileAt: root + "_measured-xeon-day8.json5")
        #expect(day8.figures == day7.figures)
        #expect(day8.interruptTime == .trace)
        #expect(day8.given.first { $0.key == .requestCreate }?.value == .nanoseconds(1_700))
        #expect(day8.given.first { $0.key == .driverSubmit }?.value == .nanoseconds(1_300))
        #expect(day7.given.first { $0.key == .requestCreate }?.value == .microseconds(1))
        func scenario(_ profile: String) throws -> Scenario {
            try ScenarioLoader.load(path: root + "uring-4k-qd16.json5", profile: root + profile, overrides: []).scenario
        }
        let (old, new) = (try scenario("_measured-xeon-day7.json5"), try scenario("_measured-xeon-day8.json5"))
        #expect(new.kernel.requestCreate == .nanoseconds(1_700) && new.kernel.driverSubmit == .nanoseconds(1_300))
        #expect(new.kernel.requestCreate.nanoseconds + new.kernel.driverSubmit.nanoseconds == old.kernel.requestCreate.nanoseconds + old.kernel.driverSubmit.nanoseconds)
        #expect(new.device == old.device && new.machine == old.machine)
        var rest = new.kernel
        rest.requestCreate = old.kernel.requestCreate
        rest.driverSubmit = old.kernel.driverSubmit
        #expect(rest == old.kernel)
        // The interrupt fit weighs the model's own counts, which the split moves a little: only the IPI's cost
        // changed (13.29 us on the seventh day, 13.22 here).
        var interrupts = new.interrupts
        #expect(interrupts.deferredWakeRemote != old.interrupts.deferredWakeRemote)
        #expect(abs(interrupts.deferredWakeRemote.nanoseconds - old.interrupts.deferredWakeRemote.nanoseconds) < 200)
        interrupts.deferredWakeRemote = old.interrupts.deferredWakeRemote
        #expect(interrupts == old.interrupts)
    }

    /// The ninth day's profile, calibrated with the wake-ups after idle: it records every figure calibrate
    /// measures, and its curve is each of them less the same-CPU hop.
    @Test("the ninth day's stored profile records the wake-ups after idle and carries their curve")
    func theNinthDaysProfile() throws {
        let root = StoredProfileTests.root + "/Scenarios/validation/"
        let recorded = try Calibration.recordedFigures(inProfileAt: root + "_measured-xeon-day9.json5")
        // Every figure but the submissions, the 64 KiB depth-4 IOPS and the SQPOLL run, measured since.
        #expect(recorded.figures.map(\.name) == FigureName.all.filter { !submissions.contains($0) && !sinceTheTenthDay.contains($0) })
        #expect(recorded.interruptTime == .trace)
        #expect(recorded.given.map(\.key) == [.requestCreate, .driverSubmit, .doorbell, .localWakeup, .directIOPerPage])
        let machine = try ScenarioLoader.load(
            path: root + "sqpoll-qd1.json5", profile: root + "_measured-xeon-day9.json5", overrides: []
        ).scenario.machine
        let hop = try #require(recorded.figures.median(FigureName.contextSwitch))
        #expect(machine.wakeupAfterIdle.map(\.idle.nanoseconds) == FigureName.wakeupIdles)
        for point in machine.wakeupAfterIdle {
            let measured = try #require(recorded.figures.median(FigureName.wakeupAfterIdle(point.idle.nanoseconds)))
            // The figures are written to 4 significant digits; the curve was fitted from the unrounded ones.
            #expect(abs(Double(point.latency.nanoseconds) - (measured - hop)) < 10, "\(point)")
        }
        // Shorter idle, sooner wake-up: the first point under the ping-pong's wake-up latency, the last above.
        #expect(machine.wakeupAfterIdle.first!.latency < machine.wakeupLatency)
        #expect(machine.wakeupAfterIdle.last!.latency > machine.wakeupLatency)
    }
}

/// The cross-CPU wake-ups after idle, which calibrate measures since the stored profiles were made: they have none,
/// and their refits keep the one wake-up latency.
private let wakeupsAfterIdle = FigureName.wakeupIdles.map { FigureName.wakeupAfterIdle($0) }
extension RecordedFiguresTests {
    /// The tenth day's profile, calibrated with the submission timed and the round trips pinned: it records every
    /// figure calibrate measures, and its requestCreate, doorbell and localWakeup are what those figures give.
    @Test("the tenth day's stored profile records the submissions and carries what they give")
    func theTenthDaysProfile() throws {
        let root = StoredProfileTests.root + "/Scenarios/validation/"
        let recorded = try Calibration.recordedFigures(inProfileAt: root + "_measured-xeon-day10.json5")
        // Every figure but the 64 KiB depth-4 IOPS (its bandwidth is the QD1 latencies' slope) and the SQPOLL run,
        // measured since.
        #expect(recorded.figures.map(\.name) == FigureName.all.filter { !sinceTheTenthDay.contains($0) })
        #expect(recorded.interruptTime == .trace)
        #expect(recorded.given.map(\.key) == [.driverSubmit, .directIOPerPage])
        let scenario = try ScenarioLoader.load(
            path: root + "uring-4k-qd1.json5", profile: root + "_measured-xeon-day10.json5", overrides: []
        ).scenario
        let k = scenario.kernel
        // The one read's submission: syscall, SQE, request, the given driverSubmit and the doorbell (the figures are
        // written to 4 significant digits; the costs were fitted from the unrounded ones).
        let one = try #require(recorded.figures.median(FigureName.uringSubmitOne))
        let four = try #require(recorded.figures.median(FigureName.uringSubmitFour))
        let costs = [k.syscallEntry, k.uringSubmitPerSQE, k.requestCreate, k.driverSubmit, k.doorbell, k.syscallExit]
        let modelled = Double(costs.map(\.nanoseconds).reduce(0, +))
        #expect(abs(modelled - one) < 20)
        let perRequest = Double(k.uringSubmitPerSQE.nanoseconds + k.requestCreate.nanoseconds)
        #expect(abs(perRequest - (four - one) / 3) < 20)
        #expect(k.driverSubmit == .nanoseconds(1_300) && k.doorbell > .microseconds(5))
        // The local wake-up: the curve at the local round trip less the submission, less the remote's excess.
        let irq = try #require(Calibration.measuredInterruptCPU(recorded.figures))
        let local = try #require(recorded.figures.median(FigureName.roundTrip(cpu: irq)))
        let remote = try #require(recorded.figures.median(FigureName.roundTrip(cpu: 1 - irq)))
        let across = WakeupAfterIdle.latency(afterIdle: Int64(local - one), on: scenario.machine.wakeupAfterIdle)
        let localWakeup = try #require(scenario.machine.localWakeup)
        #expect(abs(Double(localWakeup.nanoseconds) - (Double(across) - (remote - local))) < 30)
        #expect(localWakeup > .zero && localWakeup < scenario.machine.wakeupLatency)
    }
}

extension RecordedFiguresTests {
    /// The eleventh day's profile, calibrated with the bandwidth fitted by simulation: it records every figure
    /// calibrate measures but the SQPOLL run, the 64 KiB depth-4 IOPS among them, and its model, loaded from the profile's text,
    /// makes those IOPS on calibrate's workload (the text rounds the latency mean to the nanosecond and the
    /// bandwidth to 1 MB/s: within 0.5%).
    @Test("the eleventh day's stored profile records the 64 KiB run and its model makes those IOPS")
    func theEleventhDaysProfile() throws {
        let (recorded, s) = try storedWithGivenCosts(
            "_measured-xeon-day11.json5", figures: FigureName.all.filter { !sinceTheEleventhDay.contains($0) },
            scenario: "uring-64k-qd4.json5")
        func iops(_ device: DeviceConfig) throws -> Double {
            let w = Calibration.bandwidthWorkload(machine: s.machine, kernel: s.kernel, device: device, interrupts: s.interrupts)
            return try Simulator(w).run().iops
        }
        let measured = try #require(recorded.figures.median(FigureName.iopsForBandwidth))
        #expect(abs(try iops(s.device) - measured) / measured < 0.005)
    }

    /// The nineteenth day's, on an AMD EPYC host: its system figures are the idle time's (the ticks there put much of
    /// the system time in softirq), and the model fitted to them makes the QD1 system time of pread and of io_uring
    /// within 25% of each figure (the doorbell, 17.5 us, is most of it).
    @Test func theNineteenthDaysProfile() throws {
        let (recorded, s) = try storedWithGivenCosts("_measured-amd-day19.json5", figures: beforeTheTwentyFirstDay, scenario: "uring-4k-qd1.json5")
        #expect(recorded.systemFromIdle)
        #expect(s.kernel.doorbell == .nanoseconds(17_480))
        let mp = try #require(recorded.figures.median(FigureName.preadSystemPerIO))
        let mu = try #require(recorded.figures.median(FigureName.systemPerIO(bytes: 4096)))
        func systemPerIO(pread: Bool) throws -> Double {
            try qd1SystemPerIO(exit: s.machine.idleExit, pread: pread, machine: s.machine, kernel: s.kernel, device: s.device, interrupts: s.interrupts)
        }
        let pread = try systemPerIO(pread: true), uring = try systemPerIO(pread: false)
        #expect(abs(pread - mp) / mp < 0.25 && abs(uring - mu) / mu < 0.25, "pread \(pread) against \(mp), io_uring \(uring) against \(mu)")
    }

    /// The twentieth day's profile is the nineteenth day's figures fitted again once a thread woken onto an idle CPU
    /// in interrupt context stayed there: the same figures and given costs, and a device whose QD4 IOPS in the
    /// suite's scenario come within 5% of the recorded figure, where the nineteenth day's device, fitted when the
    /// model lost 16% of QD4's IOPS to the stalls (its job moved off the interrupts' CPU after one), now makes 12%
    /// more.
    @Test func theTwentiethDaysProfile() throws {
        let (day19, old) = try storedWithGivenCosts("_measured-amd-day19.json5", figures: beforeTheTwentyFirstDay, scenario: "uring-4k-qd4.json5")
        let (day20, s) = try storedWithGivenCosts("_measured-amd-day20.json5", figures: beforeTheTwentyFirstDay, scenario: "uring-4k-qd4.json5")
        #expect(day20.figures == day19.figures && day20.given == day19.given && day20.systemFromIdle)
        let measured = try #require(day20.figures.median(FigureName.iops(depth: 4)))
        let refitted = try Simulator(s).run().iops, before = try Simulator(old).run().iops
        #expect(abs(refitted / measured - 1) < 0.05, "\(refitted) against \(measured)")
        #expect(before / measured - 1 > 0.1, "\(before) against \(measured)")
        // The stalls cost the refitted model's QD4 what they take of its time, a few percent.
        var unstalled = s
        unstalled.device.stallInterval = .zero
        let free = try Simulator(unstalled).run().iops
        #expect(free > refitted && free / refitted - 1 < 0.05, "\(free) against \(refitted)")
    }

    /// The twenty-first day's records every figure, the placement probe's among them: a thread that slept on
    /// CPU 0 ran on the interrupts' CPU 1 after every read, so the profile packs wake-ups. Its model makes the
    /// suite's four threads and QD4 within 5% of the recorded IOPS.
    @Test func theTwentyFirstDaysProfile() throws {
        let (recorded, pool) = try storedWithGivenCosts("_measured-amd-day21.json5", figures: FigureName.all, scenario: "pool-4k.json5")
        #expect(recorded.figures.median(FigureName.wokenElsewhere(cpu: 0)) == 1)
        #expect(recorded.figures.median(FigureName.wokenElsewhere(cpu: 1)) == 0)
        #expect(pool.machine.wakePacking && pool.interrupts.target == .fixed(cpu: 1))
        try expectModelledIOPS(
            recorded, profile: "_measured-amd-day21.json5",
            [("pool-4k.json5", FigureName.poolIOPS), ("uring-4k-qd4.json5", FigureName.iops(depth: 4))])
    }

    /// The twenty-second day's, the first on that machine validated with none of the figures off: a profile with
    /// one device channel working in passes and a host shared with the device's emulation (1.85 CPUs). Its model
    /// makes the suite's four threads, QD4 and SQPOLL within 5% of the IOPS it recorded for them.
    @Test func theTwentySecondDaysProfile() throws {
        let (recorded, pool) = try storedWithGivenCosts("_measured-amd-day22.json5", figures: FigureName.all, scenario: "pool-4k.json5")
        #expect(pool.machine.wakePacking && pool.machine.hostMilliCPUs == 1_850)
        #expect(pool.device.channels == 1 && pool.device.completionBatching == .asyncPass)
        try expectModelledIOPS(
            recorded, profile: "_measured-amd-day22.json5",
            [
                ("pool-4k.json5", FigureName.poolIOPS), ("uring-4k-qd4.json5", FigureName.iops(depth: 4)),
                ("sqpoll-qd1.json5", FigureName.iopsSQPOLL),
            ])
    }
}

/// Each of the suite's `workloads` (a scenario file and the recorded figure of the same job) under the stored
/// `profile` makes its IOPS within 5% of what the profile recorded.
private func expectModelledIOPS(
    _ recorded: RecordedFigures, profile: String, _ workloads: [(scenario: String, figure: String)],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws {
    let root = StoredProfileTests.root + "/Scenarios/validation/"
    for (file, name) in workloads {
        let s = try ScenarioLoader.load(path: root + file, profile: root + profile, overrides: []).scenario
        let measured = try #require(recorded.figures.median(name), sourceLocation: sourceLocation)
        let modelled = try Simulator(s).run().iops
        #expect(abs(modelled / measured - 1) < 0.05, "\(name): \(modelled) against \(measured)", sourceLocation: sourceLocation)
    }
}

/// A stored profile of the days calibrated with traced irq time and the two given costs (driverSubmit and
/// directIOPerPage), which records `figures` in order; with the suite's `scenario` laid under it.
private func storedWithGivenCosts(_ profile: String, figures: [String], scenario: String) throws -> (RecordedFigures, Scenario) {
    let root = StoredProfileTests.root + "/Scenarios/validation/"
    let recorded = try Calibration.recordedFigures(inProfileAt: root + profile)
    #expect(recorded.figures.map(\.name) == figures)
    #expect(recorded.interruptTime == .trace)
    #expect(recorded.given.map(\.key) == [.driverSubmit, .directIOPerPage])
    return (recorded, try ScenarioLoader.load(path: root + scenario, profile: root + profile, overrides: []).scenario)
}

/// The IOPS of 64 KiB reads at depth 4, which the bandwidth is fitted to, measured since the tenth day's profile,
/// and those measured since the eleventh's.
private let sinceTheTenthDay = [FigureName.iopsForBandwidth] + sinceTheEleventhDay
/// The IOPS of the SQPOLL run, which the host CPUs are fitted to, measured since the eleventh day's profile,
/// and those measured since the twelfth's.
private let sinceTheEleventhDay = [FigureName.iopsSQPOLL] + sinceTheTwelfthDay
/// The device's stalls at queue depth 64, measured since the twelfth day's profile, and those measured since the
/// thirteenth's.
private let sinceTheTwelfthDay = [FigureName.deviceStalls, FigureName.deviceStallGap] + sinceTheThirteenthDay
/// The pinned SQPOLL pair, which the idle CPU's interrupt delivery is fitted to, measured since the thirteenth
/// day's profile, and those measured since the fourteenth's.
private let sinceTheThirteenthDay = [FigureName.iopsSQPOLLOnInterruptCPU, FigureName.iopsSQPOLLBesideInterruptCPU]
    + sinceTheFourteenthDay
/// The blocking pread's system time at queue depth 1, which idleExit is fitted to beside io_uring's wait
/// (`kernel.uringWait`), measured since the fourteenth day's profile, and those measured since the fifteenth's.
private let sinceTheFourteenthDay = [FigureName.preadSystemPerIO] + sinceTheFifteenthDay
/// The regularity of the device's stalls (`device.stallIntervalShape`), measured since the fifteenth day's profile,
/// and those measured since the stored profiles.
private let sinceTheFifteenthDay = [FigureName.deviceStallIntervalCV] + sinceTheStoredProfiles
/// Where the completion's wake-up puts a thread that slept on another CPU (`machine.wakePacking`), measured since
/// the stored profiles (the twentieth day's the last).
private let sinceTheStoredProfiles = [FigureName.wokenElsewhere(cpu: 0), FigureName.wokenElsewhere(cpu: 1)]
/// The figures of the profiles stored from the sixteenth day on.
private let beforeTheTwentyFirstDay = FigureName.all.filter { !sinceTheStoredProfiles.contains($0) }
/// The timed submissions and the pinned round trips, measured since the ninth day's profile.
private let submissions = [FigureName.uringSubmitOne, FigureName.uringSubmitFour, FigureName.roundTrip(cpu: 0), FigureName.roundTrip(cpu: 1)]

extension RecordedFiguresTests {
    /// The twelfth day's profile, calibrated with the shared host fitted to the SQPOLL run: it records every figure
    /// calibrate measures, and its model, loaded from the profile's text, makes fewer SQPOLL IOPS than recorded
    /// without sharing (within 5%), so 0 host CPUs is the closest (sharing only slows the device further).
    @Test("the twelfth day's stored profile records the SQPOLL run, which its unshared host is closest to")
    func theTwelfthDaysProfile() throws {
        let (recorded, s) = try storedWithGivenCosts(
            "_measured-xeon-day12.json5", figures: FigureName.all.filter { !sinceTheTwelfthDay.contains($0) }, scenario: "sqpoll-qd1.json5")
        #expect(s.machine.hostMilliCPUs == 0)
        func iops(hostMilliCPUs: Int64) throws -> Double {
            var m = s.machine
            m.hostMilliCPUs = hostMilliCPUs
            return try Simulator(Calibration.sqpollWorkload(machine: m, kernel: s.kernel, device: s.device, interrupts: s.interrupts))
                .run().iops
        }
        let measured = try #require(recorded.figures.median(FigureName.iopsSQPOLL))
        let unshared = try iops(hostMilliCPUs: 0)
        #expect(unshared < measured && unshared > measured * 0.95)
        #expect(try iops(hostMilliCPUs: 1_000) < unshared)
    }
}

extension RecordedFiguresTests {
    /// The thirteenth day's profile, calibrated with the device's stalls: it records every figure calibrate
    /// measures, its device stalls as `fitStalls` finds from its recorded figures (to the header's precision), and its model at depth 64
    /// (the suite's scenario, with the profile laid under it) stalls, its tail in them.
    @Test("the thirteenth day's stored profile records the stalls, and its model's depth-64 tail is in them")
    func theThirteenthDaysProfile() throws {
        let (recorded, s) = try storedWithGivenCosts(
            "_measured-xeon-day13.json5", figures: FigureName.all.filter { !sinceTheThirteenthDay.contains($0) },
            scenario: "uring-4k-qd64.json5")
        let stalls = try #require(Calibration.fitStalls(recorded.figures))
        // Within one rounding step: the header gives the figures to three or four digits.
        #expect(abs(s.device.stallInterval.nanoseconds - stalls.interval.nanoseconds) <= 100_000)
        #expect(abs(s.device.stallDuration.nanoseconds - stalls.duration.nanoseconds) <= 10_000)
        #expect(s.device.stallInterval > .zero && s.device.stallDuration > .zero)
        let r = try Simulator(s).run()
        #expect(r.deviceStalls > 20)
        // A stall holds the 64 IOs in flight: the tail is the stalls', the median is not.
        #expect(r.latency.p999 >= s.device.stallDuration.nanoseconds && r.latency.p50 < 1_000_000)
    }
}

extension RecordedFiguresTests {
    /// The fourteenth day's profile, calibrated with the SQPOLL job pinned with its poller to the interrupts' CPU
    /// and beside it: it records every figure calibrate measures, the pair's difference is written as the idle
    /// CPU's interrupt delivery but not applied (0 in the profile), and the model tells the two placements apart
    /// only with it: without, they make the same IOPS; with it, they differ by about it per read.
    @Test("the fourteenth day's stored profile records the pinned SQPOLL pair, which only idleDelivery tells apart")
    func theFourteenthDaysProfile() throws {
        let (recorded, s) = try storedWithGivenCosts(
            "_measured-xeon-day14.json5", figures: FigureName.all.filter { !sinceTheFourteenthDay.contains($0) }, scenario: "sqpoll-qd1.json5")
        #expect(s.interrupts.idleDelivery == .zero)
        let measured = try #require(Calibration.fitIdleDelivery(recorded.figures))
        // The header gives the figures to four or five digits: within 20 ns of the 7.63 us the profile names.
        #expect(abs(measured.nanoseconds - 7_630) <= 20)
        let irq = try #require(Calibration.measuredInterruptCPU(recorded.figures))
        func nanosecondsPerRead(on cpu: Int, idleDelivery: SimDuration) throws -> Double {
            var interrupts = s.interrupts
            interrupts.idleDelivery = idleDelivery
            var w = Calibration.sqpollWorkload(machine: s.machine, kernel: s.kernel, device: s.device, interrupts: interrupts)
            w.rings[0].sqThreadCPU = cpu
            w.threads[0].cpus = [cpu]
            return 1e9 / (try Simulator(w).run().iops)
        }
        #expect(try nanosecondsPerRead(on: irq, idleDelivery: .zero) == nanosecondsPerRead(on: 1 - irq, idleDelivery: .zero))
        let apart = try nanosecondsPerRead(on: 1 - irq, idleDelivery: measured) - nanosecondsPerRead(on: irq, idleDelivery: measured)
        #expect(abs(apart - Double(measured.nanoseconds)) < 0.15 * Double(measured.nanoseconds), "\(apart) ns")
    }

    /// The fifteenth day's profile records every figure, the blocking pread's QD1 system time among them, and
    /// its model's depth-64 run makes the stalls a second that were counted: the share of its instants that made
    /// a stall over the fitted interval is the measured rate within 12% (four seconds of the run: a share of some
    /// 80 instants, which spreads by 5-7%; the unscaled interval is a fifth longer).
    @Test("the fifteenth day's stored profile records pread's system time, and its stalls come at the counted rate")
    func theFifteenthDaysProfile() throws {
        let (recorded, s) = try storedWithGivenCosts("_measured-xeon-day15.json5", figures: FigureName.all.filter { !sinceTheFifteenthDay.contains($0) }, scenario: "uring-4k-qd64.json5")
        let rate = try #require(recorded.figures.median(FigureName.deviceStalls))
        let w = Calibration.endless(
            Calibration.deviceWorkload(depth: FigureName.stallDepth, machine: s.machine, kernel: s.kernel, device: s.device, interrupts: s.interrupts),
            for: .seconds(4))
        let r = try Simulator(w).run()
        let share = Double(r.deviceStalls) / Double(r.deviceStallInstants)
        let modelled = share * 1e9 / Double(s.device.stallInterval.nanoseconds)
        #expect(abs(modelled / rate - 1) < 0.12, "\(modelled) stalls a second against \(rate)")
        let unscaled = try #require(Calibration.fitStalls(recorded.figures)).interval
        #expect(unscaled > s.device.stallInterval)
        // Pread's QD1 system time was over io_uring's at this calibration: idleExit took it, and the wait is 0.
        #expect(try #require(recorded.figures.median(FigureName.preadSystemPerIO)) > recorded.figures.median(FigureName.systemPerIO(bytes: 4096))!)
        #expect(s.kernel.uringWait == .zero && s.machine.idleExit == .microseconds(1))
    }
}

extension RecordedFiguresTests {
    /// The sixteenth day's profile records every figure, the stalls' regularity among them, and its shape was
    /// fitted to it: the shape is the instants' own answer (the nearest whole number to one over the measured
    /// coefficient squared, two stages), which the fit kept because its model's stalls came as regular as the
    /// machine's (0.79 against 0.795 over its pooled runs, its comment says; the Poisson process made 0.99). Its
    /// model's stalls, ten times as short and as often (three seconds: some 400 intervals, whose coefficient
    /// spreads by about 0.04; at the profile's own rate a run long enough to tell would take a minute here, and
    /// an eight-second one drew 0.67), come more regularly with its two stages than with one (0.76 against 0.92:
    /// a stall's dead time, in which instants make none, takes the Poisson process's under 1).
    @Test("the sixteenth day's stored profile records the stalls' regularity, which its model's stalls have")
    func theSixteenthDaysProfile() throws {
        let (recorded, s) = try storedWithGivenCosts("_measured-xeon-day16.json5", figures: beforeTheTwentyFirstDay, scenario: "uring-4k-qd64.json5")
        let measured = try #require(recorded.figures.median(FigureName.deviceStallIntervalCV))
        #expect(s.device.stallIntervalShape == Int((1 / (measured * measured)).rounded()) && s.device.stallIntervalShape == 2)
        let text = try String(contentsOfFile: StoredProfileTests.root + "/Scenarios/validation/_measured-xeon-day16.json5", encoding: .utf8)
        #expect(text.contains("had a coefficient of variation of 0.79 with 2, 0.99 with 1;"))
        func modelCV(shape: Int) throws -> Double {
            var device = s.device
            device.stallIntervalShape = shape
            device.stallInterval = .nanoseconds(device.stallInterval.nanoseconds / 10)
            device.stallDuration = .nanoseconds(device.stallDuration.nanoseconds / 10)
            let w = Calibration.endless(
                Calibration.deviceWorkload(depth: FigureName.stallDepth, machine: s.machine, kernel: s.kernel, device: device, interrupts: s.interrupts),
                for: .seconds(3))
            let stalls = try Simulator(w).run().deviceStallIntervals
            #expect(stalls.count > 300)
            return try #require(stalls.coefficientOfVariation)
        }
        let shaped = try modelCV(shape: s.device.stallIntervalShape), poisson = try modelCV(shape: 1)
        #expect(shaped > 0.6 && shaped < 0.85, "\(shaped)")
        #expect(poisson > 0.8 && poisson < 1.1 && poisson > shaped + 0.05, "\(poisson)")
    }

    /// The seventeenth day's: pread's QD1 system time (23.45 us) measured over io_uring's (19.27 us), where the
    /// model has io_uring's path the dearer, so idleExit is fitted to both: the model then misses each by under
    /// 25%, where idleExit fitted to pread's alone put io_uring's 20% over or more.
    @Test func theSeventeenthDaysProfile() throws {
        let (recorded, s) = try storedWithGivenCosts("_measured-xeon-day17.json5", figures: beforeTheTwentyFirstDay, scenario: "uring-4k-qd64.json5")
        #expect(s.machine.idleExit == .nanoseconds(1_460) && s.kernel.uringWait == .zero)
        let text = try String(contentsOfFile: StoredProfileTests.root + "/Scenarios/validation/_measured-xeon-day17.json5", encoding: .utf8)
        #expect(text.contains("least squares of the relative errors of two figures"))
        let mp = try #require(recorded.figures.median(FigureName.preadSystemPerIO))
        let mu = try #require(recorded.figures.median(FigureName.systemPerIO(bytes: 4096)))
        #expect(mp > mu * 1.2)
        func systemPerIO(exit: SimDuration, pread: Bool) throws -> Double {
            try qd1SystemPerIO(exit: exit, pread: pread, machine: s.machine, kernel: s.kernel, device: s.device, interrupts: s.interrupts)
        }
        let pread = try systemPerIO(exit: s.machine.idleExit, pread: true), uring = try systemPerIO(exit: s.machine.idleExit, pread: false)
        #expect(abs(pread - mp) / mp < 0.25 && abs(uring - mu) / mu < 0.25, "pread \(pread) against \(mp), io_uring \(uring) against \(mu)")
        // idleExit fitted to pread's alone: what pread's figure has beyond the model's without it, one exit per IO.
        let alone = SimDuration.nanoseconds(Int64(mp - (try systemPerIO(exit: .zero, pread: true))))
        #expect(alone > .microseconds(3))
        #expect(try systemPerIO(exit: alone, pread: false) > mu * 1.2)
    }
}
