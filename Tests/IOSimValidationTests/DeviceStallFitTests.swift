import IOSimCore
import IOSimModel
import IOSimReal
import IOSimScenario
import Testing

@testable import IOSimValidation

/// The device's stalls: calibrate tells them from the gaps between the real backend's reaps of completions at
/// queue depth 64 (`CompletionStalls`) and fits `device.stallInterval` and `device.stallDuration` to them
/// (`Calibration.fitStalls`). Here the model plays the machine: with known stalls, its reaps' gaps go through the
/// same detection and fit, which must find the stalls again.
@Suite struct DeviceStallFitTests {
    /// The gaps between a model run's reaps, as the real backend records them: the instants its program saw
    /// completions, those of one reap (read back to back, `kernel.uringReapPerCQE` apart) taken as one.
    static func reapGaps(_ result: SimulationResult, reapPerCQE: SimDuration) -> Histogram {
        let seen = result.ioRecords.compactMap { $0.observed?.nanosecondsSinceStart }.sorted()
        var gaps = Histogram()
        var reapAt: Int64 = -1
        var previous: Int64 = -1
        for t in seen {
            // A CQE read within a few CQE reads of the one before is of the same reap.
            if previous >= 0 && t - previous <= 4 * max(reapPerCQE.nanoseconds, 1) {
                previous = t
                continue
            }
            if reapAt >= 0 { gaps.record(t - reapAt) }
            reapAt = t
            previous = t
        }
        return gaps
    }

    /// Calibrate's 4 KiB workload at queue depth 64 on this machine's twelfth-day model, with stalls, `ios` long.
    static func stalledRun(
        interval: SimDuration, duration: SimDuration, ios: Int, profile: String = "_measured-xeon-day12.json5"
    ) throws -> (Scenario, SimulationResult) {
        let root = StoredProfileTests.root + "/Scenarios/validation/"
        let s = try ScenarioLoader.load(path: root + "uring-4k-qd64.json5", profile: root + profile, overrides: [])
            .scenario
        var device = s.device
        device.stallInterval = interval
        device.stallDuration = duration
        var w = Calibration.deviceWorkload(
            depth: FigureName.stallDepth, machine: s.machine, kernel: s.kernel, device: device, interrupts: s.interrupts)
        w.recordIOs = true
        if case .uring(var loop) = w.threads[0].program[0] {
            loop.ios = ios
            w.threads[0].program = [.uring(loop)]
        }
        return (w, try Simulator(w).run())
    }

    @Test("the fit finds the model's own stalls again from its reaps' gaps")
    func theFitFindsTheStallsAgain() throws {
        let interval = SimDuration.milliseconds(40), duration = SimDuration.microseconds(3_200)
        let (w, r) = try Self.stalledRun(interval: interval, duration: duration, ios: 200_000)
        let stalls = CompletionStalls(gaps: Self.reapGaps(r, reapPerCQE: w.kernel.uringReapPerCQE))
        #expect(stalls.thresholdNanoseconds >= CompletionStalls.shortestThresholdNanoseconds)
        // Every stall of the run is seen, one gap each, but where two came within one gap (their instants drawn
        // at random, they can).
        #expect(r.deviceStalls >= 40)
        #expect(Int64(stalls.count) <= r.deviceStalls && Int64(stalls.count) >= r.deviceStalls - 2)
        let seconds = Double(r.elapsed.nanoseconds) / 1e9
        let figures = [
            CalibrationFigure(name: FigureName.iops(depth: 64), unit: "IOPS", samples: [r.iops]),
            CalibrationFigure(name: FigureName.interrupts(depth: 64), unit: "per IO", samples: [Double(r.interrupts) / Double(r.iosCompleted)]),
            CalibrationFigure(name: FigureName.deviceStalls, unit: "per s", samples: [Double(stalls.count) / seconds]),
            CalibrationFigure(name: FigureName.deviceStallGap, unit: "ns", samples: [Double(stalls.medianGapNanoseconds)]),
        ]
        let fitted = try #require(Calibration.fitStalls(figures))
        #expect(abs(Double(fitted.duration.nanoseconds) / Double(duration.nanoseconds) - 1) < 0.05)
        // The interval from some 50 stalls: a Poisson count's spread is about 14%.
        #expect(abs(Double(fitted.interval.nanoseconds) / Double(interval.nanoseconds) - 1) < 0.35)
    }

    /// The interval by simulation (`fitStallInterval`): the model's device at depth 64 does not hold two
    /// requests all the time, so an instant of the stalls' process does not always make a stall, and the time
    /// between the stalls less one stall makes fewer stalls than were counted. The model plays the machine at a
    /// known interval: its rate is the share of the instants that made a stall over the interval (what the
    /// known interval makes, without the count's own spread); the fit, started from that rate's unscaled
    /// interval, finds the known interval again, and its run makes about the rate.
    @Test func theIntervalIsFittedByItsRateInTheModel() throws {
        // The fourteenth day's model, where the bias was found (its unscaled interval made 11.6 stalls a second
        // against 15), with stalls ten times as short and as often (so that its runs are short).
        let known = SimDuration.milliseconds(4), duration = SimDuration.microseconds(300)
        let (w, _) = try Self.stalledRun(interval: known, duration: duration, ios: 1_000, profile: "_measured-xeon-day14.json5")
        let machine = try Simulator(Calibration.endless(w, for: .milliseconds(800))).run()
        #expect(machine.deviceStalls > 100 && machine.deviceStallInstants > machine.deviceStalls)
        let rate = Double(machine.deviceStalls) / Double(machine.deviceStallInstants) * 1e9 / Double(known.nanoseconds)
        let unscaled = SimDuration.nanoseconds(Int64(((1e9 / rate - Double(duration.nanoseconds)) / 100_000).rounded()) * 100_000)
        var start = w
        start.device.stallInterval = unscaled
        let fit = try #require(Calibration.fitStallInterval(start, rate: rate, stallsSeen: 150))
        #expect(fit.measuredRate == rate && fit.unscaled == unscaled)
        // The unscaled interval is longer than the known one and makes fewer stalls, by more than the count's own
        // spread (8%): the bias the fit removes (13% here; 23% before a thread that slept through a stall kept its
        // CPU, when the model's depth-64 job less often held two requests).
        #expect(unscaled > known)
        #expect(fit.unscaledRate < 0.9 * rate, "\(fit.unscaledRate) against \(rate)")
        // Within the two shares' spread: each from some 200 instants (3%), and 10% for the two at two deviations;
        // the unscaled interval was 40% off.
        #expect(abs(Double(fit.interval.nanoseconds) / Double(known.nanoseconds) - 1) < 0.1, "\(fit.interval)")
        #expect(fit.madeAStall > 0.5 && fit.madeAStall < 0.9)
        // 150 stalls' count spreads by 8%.
        #expect(abs(fit.modelRate / rate - 1) < 0.2, "\(fit.modelRate) against \(rate)")
        // A device that never stalls: nothing to fit.
        var none = start
        none.device.stallInterval = .zero
        #expect(Calibration.fitStallInterval(none, rate: rate, stallsSeen: 150) == nil)
    }

    /// The regularity of the stalls by simulation (`fitStallShape`): the model plays the machine with a known
    /// shape (the fourteenth day's model, stalls ten times as short and as often, two stages), and the fit, given
    /// the coefficient of variation of its stalls' times apart and their rate, finds two stages again. It starts
    /// from the instants' own answer (the nearest whole number to one over the coefficient squared) and stops
    /// after a shape that missed by more. Some 500 intervals of the machine and of each shape's runs: their
    /// coefficients spread by 0.03, and the neighbouring shapes' stalls are 0.09 and more apart.
    @Test func theShapeIsFittedByTheRegularityOfTheModelsStalls() throws {
        let known = SimDuration.milliseconds(4), duration = SimDuration.microseconds(300)
        let (w, _) = try Self.stalledRun(interval: known, duration: duration, ios: 1_000, profile: "_measured-xeon-day14.json5")
        var machine = Calibration.endless(w, for: .seconds(3))
        machine.device.stallIntervalShape = 2
        let played = try Simulator(machine).run()
        let cv = try #require(played.deviceStallIntervals.coefficientOfVariation)
        #expect(played.deviceStallIntervals.count > 400)
        // Less regular than the instants (0.71): some instants make no stall.
        #expect(cv > 0.72 && cv < 0.95, "\(cv)")
        let rate = Double(played.deviceStalls) * 1e9 / Double(played.elapsed.nanoseconds)
        let fit = try #require(Calibration.fitStallShape(w, rate: rate, measuredCV: cv, stallsSeen: 150))
        #expect(fit.shape.measuredCV == cv)
        #expect(fit.shape.shape == 2, "\(fit.shape.tried)")
        #expect(fit.shape.tried.first?.shape == Int((1 / (cv * cv)).rounded()))
        #expect(fit.shape.tried.count >= 2 && fit.shape.tried.count <= 4)
        // Each shape tried once; the winner the nearest, but for a gain under `stallShapeGain`.
        #expect(Set(fit.shape.tried.map(\.shape)).count == fit.shape.tried.count)
        let nearest = try #require(fit.shape.tried.min { abs($0.modelCV - cv) < abs($1.modelCV - cv) })
        let winner = try #require(fit.shape.tried.first { $0.shape == fit.shape.shape })
        #expect(abs(winner.modelCV - cv) - abs(nearest.modelCV - cv) < Calibration.stallShapeGain)
        // The interval is the one fitted with that shape: its run makes the rate (150 stalls: 8%).
        #expect(abs(fit.interval.modelRate / rate - 1) < 0.2, "\(fit.interval.modelRate) against \(rate)")
        #expect(abs(Double(fit.interval.interval.nanoseconds) / Double(known.nanoseconds) - 1) < 0.12, "\(fit.interval.interval)")
    }

    /// The stalls' times apart, from each job thread's long gaps in order: a gap under the threshold (three times
    /// the p90 of 400 us) is no stall, and the intervals run from one stall's start to the next's within a thread
    /// (50 and 80 ms in one, 60 in the other), pooled.
    @Test func theStallsTimesApartAreEachThreadsPooled() throws {
        var gaps = Histogram()
        for _ in 0..<1_000 { gaps.record(400_000) }
        func stall(_ startMs: Int64, _ ns: Int64 = 3_500_000) -> CompletionGap {
            gaps.record(ns)
            return CompletionGap(startNanoseconds: startMs * 1_000_000, nanoseconds: ns)
        }
        let one = [stall(0), stall(40, 1_100_000), stall(50), stall(130)]
        let two = [stall(10), stall(70)]
        let stalls = CompletionStalls(gaps: gaps, longGaps: [one, two])
        #expect(stalls.count == 5)
        #expect(stalls.intervals.count == 3)
        #expect(abs(stalls.intervals.meanNanoseconds - 190e6 / 3) < 1)
        // Sample deviation of 50, 80 and 60 over their mean.
        let cv = try #require(stalls.intervals.coefficientOfVariation)
        #expect(abs(cv - (700.0 / 3).squareRoot() / (190.0 / 3)) < 1e-9)
        // Without the threads' gaps, none.
        #expect(CompletionStalls(gaps: gaps).intervals.count == 0)
        #expect(CompletionStalls(gaps: gaps).intervals.coefficientOfVariation == nil)
    }

    /// A run's gaps: a thousand usual ones of 400 us and ten of 3.5 ms. The threshold is three times the p90
    /// (the 400 us bucket's middle, within 1.6%), above the 1 ms floor; the ten are the stalls, and so are
    /// thirty (3% of the gaps, where a threshold from the p99 would be three times a stall's gap).
    @Test func theStallsAreTheGapsFarBeyondTheUsualOnes() {
        var gaps = Histogram()
        for _ in 0..<1_000 { gaps.record(400_000) }
        for _ in 0..<10 { gaps.record(3_500_000) }
        let stalls = CompletionStalls(gaps: gaps)
        #expect(abs(Double(stalls.thresholdNanoseconds) / 1_200_000 - 1) < 0.02)
        #expect(stalls.count == 10)
        #expect(abs(Double(stalls.medianGapNanoseconds) / 3_500_000 - 1) < 0.02)
        var many = gaps
        for _ in 0..<20 { many.record(3_500_000) }
        #expect(CompletionStalls(gaps: many).count == 30)
        // Short usual gaps: the 1 ms floor; none beyond it, none counted (and a median of 0).
        var quick = Histogram()
        for _ in 0..<1_000 { quick.record(20_000) }
        quick.record(900_000)
        let none = CompletionStalls(gaps: quick)
        #expect(none.thresholdNanoseconds == CompletionStalls.shortestThresholdNanoseconds)
        #expect(none.count == 0 && none.medianGapNanoseconds == 0)
    }

    /// By hand: 16 stalls a second with gaps of 3.8 ms, reaps every 1 / (87,000 x 0.03) s = 383 us: the stall is
    /// 3.8 ms less 1.5 reaps, 3.225 ms, rounded to 3.23 ms; the interval 62.5 ms less that, 59.27, rounded to
    /// 59.3 ms. No stall seen, or no figures (a profile recorded before them): no stalls in the model.
    @Test func theFitByHand() throws {
        let figures = [
            CalibrationFigure(name: FigureName.iops(depth: 64), unit: "IOPS", samples: [87_000]),
            CalibrationFigure(name: FigureName.interrupts(depth: 64), unit: "per IO", samples: [0.03]),
            CalibrationFigure(name: FigureName.deviceStalls, unit: "per s", samples: [16]),
            CalibrationFigure(name: FigureName.deviceStallGap, unit: "ns", samples: [3_800_000]),
        ]
        let fitted = try #require(Calibration.fitStalls(figures))
        #expect(fitted.duration == .microseconds(3_230))
        #expect(fitted.interval == .microseconds(59_300))
        var none = figures
        none[2] = CalibrationFigure(name: FigureName.deviceStalls, unit: "per s", samples: [0])
        #expect(Calibration.fitStalls(none) == nil)
        #expect(Calibration.fitStalls(Array(figures.prefix(2))) == nil)
        // Through the whole fit without a search: the device's IOPS are the measured ones, which hold the stalls'
        // cost, so the stalls are not set, and the profile says why (with a search they are: the test below).
        let withStalls = referenceFigures() + figures.suffix(2)
        #expect(Calibration.fitStalls(withStalls) != nil)
        let report = Calibration.fit(withStalls, cpuCount: 2)
        #expect(report.device.stallInterval == .zero && report.device.stallDuration == .zero)
        #expect(report.profileText.contains("stallInterval: \"0\""))
        #expect(report.profileText.contains("device stalls per second 4KiB QD64 16"))
        #expect(report.profileText.contains("not set: the device was not fitted by simulation"))
        #expect(try loadThroughExtends(report.profileText).device == report.device)
        #expect(Calibration.fit(referenceFigures(), cpuCount: 2).device.stallInterval == .zero)
    }

    /// The device is fitted without the stalls, to the IOPS it would make without them: what the stalls cost each
    /// workload it is fitted to is found by simulation (above nothing, below the stalls' share of the time, for
    /// every workload whose device holds two requests or more), and a fit with stalls finds the device (stalls
    /// aside) a fit finds on the measured IOPS over one less those costs, with no stalls.
    @Test func theDeviceIsFittedToTheIOPSWithoutTheStalls() throws {
        let stallFigures = [
            CalibrationFigure(name: FigureName.deviceStalls, unit: "per s", samples: [16]),
            CalibrationFigure(name: FigureName.deviceStallGap, unit: "ns", samples: [3_800_000]),
            CalibrationFigure(name: FigureName.deviceStallIntervalCV, unit: "ratio", samples: [0.6, 0.7, 0.8]),
        ]
        let figures = referenceFigures()
        let stalls = try #require(Calibration.fitStalls(figures + stallFigures))
        let share = Double(stalls.duration.nanoseconds) / Double(stalls.interval.nanoseconds + stalls.duration.nanoseconds)
        let grid = Calibration.searchGrid(quick: true)
        let withStalls = Calibration.fit(figures + stallFigures, cpuCount: 2, parallelism: grid)
        let losses = withStalls.stallLosses
        // Of the workloads measured: the reference figures have the depths' IOPS (not the four threads', 64 KiB's or
        // the fio loop's).
        #expect(losses.map(\.workload) == [4, 16, 64].map { FigureName.iops(depth: $0) })
        // Over 8 stalls (the quick grid's) a loss can pass the share by chance; not by three times.
        for l in losses { #expect(l.loss > 0 && l.loss < 3 * share, "\(l.workload): \(l.loss)") }
        let scaled = figures.map { f in
            guard let loss = losses.first(where: { $0.workload == f.name })?.loss else { return f }
            return CalibrationFigure(
                name: f.name, unit: f.unit, median: f.median / (1 - loss), minimum: f.minimum / (1 - loss),
                maximum: f.maximum / (1 - loss), repeats: f.repeats)
        }
        #expect(scaled.filter { f in losses.contains { $0.workload == f.name } }.count == 3)
        let withoutStalls = Calibration.fit(scaled, cpuCount: 2, parallelism: grid)
        #expect(withoutStalls.stallLosses.isEmpty)
        var device = withStalls.device
        // The duration as `fitStalls` gives it; the interval by simulation, from the unscaled one.
        let intervalFit = try #require(withStalls.stallIntervalFit)
        #expect(intervalFit.unscaled == stalls.interval && device.stallInterval == intervalFit.interval)
        #expect(device.stallDuration == stalls.duration)
        #expect(withStalls.profileText.contains("of the instants of the stalls' process made one in the model's QD64 run"))
        // The shape by simulation from the measured regularity (`fitStallShape`), the interval fitted with it.
        let shapeFit = try #require(withStalls.stallShapeFit)
        #expect(shapeFit.measuredCV == 0.7 && shapeFit.tried.first?.shape == 2)
        #expect(device.stallIntervalShape == shapeFit.shape && shapeFit.shape > 1)
        // The window is not set by calibrate (README, the sixteenth day).
        #expect(!device.stallWindow && !withStalls.profileText.contains("stallWindow"))
        #expect(withStalls.profileText.contains("stallIntervalShape: \(shapeFit.shape),"))
        #expect(withStalls.profileText.contains("device stall interval CV 4KiB QD64 0.700 ratio (0.600 - 0.800, 3 repeats)"))
        #expect(try loadThroughExtends(withStalls.profileText).device == withStalls.device)
        device.stallInterval = .zero
        device.stallDuration = .zero
        device.stallIntervalShape = 1
        #expect(device == withoutStalls.device)
        #expect(withStalls.parallelismFit?.rows.map(\.measured) == withoutStalls.parallelismFit?.rows.map(\.measured))
        // The profile says so, with each workload's cost.
        #expect(withStalls.profileText.contains("the IOPS taken without the stalls"))
        #expect(withStalls.profileText.contains("\(FigureName.iops(depth: 16)) \(Validation.fixed(losses[1].loss * 100, 1))%"))
        #expect(!withoutStalls.profileText.contains("taken without the stalls"))
    }

    /// What the stalls cost, by simulation: nothing at queue depth 1 (the device never holds two), something at
    /// depth 64, less than the stalls' share of the time.
    @Test func whatTheStallsCostAWorkload() throws {
        let (w, _) = try Self.stalledRun(interval: .milliseconds(30), duration: .milliseconds(3), ios: 1_000)
        let atDepth64 = try #require(Calibration.stallLoss(w, stallsSeen: 20))
        #expect(atDepth64 > 0.02 && atDepth64 < 3.0 / 33)
        var one = Calibration.deviceWorkload(depth: 1, machine: w.machine, kernel: w.kernel, device: w.device, interrupts: w.interrupts)
        one.device.stallInterval = .milliseconds(30)
        #expect(Calibration.stallLoss(one, stallsSeen: 20) == 0)
    }
}
