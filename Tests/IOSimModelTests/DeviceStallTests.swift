import Foundation
import IOSimCore
import IOSimModel
import Testing

/// `device.stallInterval` and `device.stallDuration`: at the instants of a Poisson process (its own random
/// stream), a device holding at least `device.stallMinimumRequests` requests stops for the duration; what it
/// holds completes no earlier than the stall's end, its channel held meanwhile.
@Suite struct DeviceStallTests {
    /// Two overlapped reads, one channel (each served 24,096 ns), the thread waiting for both.
    static func twoReads() -> Scenario {
        var s = constantCostScenario()
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [
                    read4k(.overlapped, name: "a"), read4k(.overlapped, name: "b", offset: .fixed(8_192)),
                    .getResult(request: "a", wait: true), .getResult(request: "b", wait: true),
                ])
        ]
        return s
    }

    /// The stalls' instants as the model draws them: the exponential draws of the "device stalls" stream, `shape`
    /// of them of the mean over the shape for each interval (`device.stallIntervalShape`).
    static func stallInstants(seed: UInt64, mean: Int64, count: Int, shape: Int = 1) -> [Int64] {
        var g = SeededGenerator(seed: seed, streamName: "device stalls")
        var at: Int64 = 0
        return (0..<count).map { _ in
            for _ in 0..<shape { at += Distribution.exponential(mean: mean / Int64(shape)).sample(&g) }
            return at
        }
    }

    /// The first stall comes while the device holds both reads: the first read, finished meanwhile, completes at
    /// the stall's end, the second is served from then on, and with one request left nothing else stalls. The mean interval is chosen so that the first instant falls
    /// half-way between the second read's submission and the first one's end.
    @Test func aStallHoldsWhatTheDeviceHoldsUntilItsEnd() throws {
        let plain = try Simulator(Self.twoReads()).run()
        let a = try #require(plain.ioRecords.first { $0.number == 1 }), b = try #require(plain.ioRecords.first { $0.number == 2 })
        let aDone = try #require(a.deviceDone).nanosecondsSinceStart
        let bSubmitted = try #require(b.submitted).nanosecondsSinceStart
        #expect(aDone - bSubmitted > 1_000)
        let target = (bSubmitted + aDone) / 2
        var g = SeededGenerator(seed: 1, streamName: "device stalls")
        let mean = Int64((Double(target) / -log(g.nextUnitOpen())).rounded())
        let instants = Self.stallInstants(seed: 1, mean: mean, count: 50)
        #expect(instants[0] > bSubmitted && instants[0] < aDone)

        let duration: Int64 = 50_000
        var s = Self.twoReads()
        s.device.stallInterval = .nanoseconds(mean)
        s.device.stallDuration = .nanoseconds(duration)
        let stalled = try Simulator(s).run()
        // Instants within the stall do nothing; at those after it the device holds one read.
        let end = instants[0] + duration
        let a2 = try #require(stalled.ioRecords.first { $0.number == 1 }), b2 = try #require(stalled.ioRecords.first { $0.number == 2 })
        #expect(a2.deviceStart == a.deviceStart)
        #expect(a2.deviceDone == ns(end))
        #expect(b2.deviceStart == b.deviceStart)  // accepted as before; served from the stall's end
        #expect(b2.deviceDone == ns(end + 24_096))
        #expect(stalled.deviceStalls == 1)
        #expect(stalled.iosCompleted == 2 && stalled.elapsed > plain.elapsed)
        // Nothing else moved: the CPU did the same work.
        #expect(stalled.totalCPU.busy == plain.totalCPU.busy)
        // The narration of the first read says it waited for the stall's end; without the stall it does not.
        s.narrateIO = 1
        let told = try Simulator(s).run().narration.map(\.text)
        #expect(told.contains { $0.contains("but is stalled (device.stallInterval): it comes back at the stall's end") })
        var unstalled = Self.twoReads()
        unstalled.narrateIO = 1
        #expect(!(try Simulator(unstalled).run().narration.contains { $0.text.contains("stalled") }))
    }

    /// Blocking reads one after another: the device never holds two, so however often the instants come
    /// nothing stalls and the run is the plain one; with a minimum of one request it stalls, and with instants
    /// far more frequent than the stall is long every read still completes (a stalled device is not stalled
    /// again).
    @Test func oneRequestAtATimeDoesNotStall() throws {
        var s = constantCostScenario()
        s.threads = [ThreadSpec(name: "main", program: [.repeatCount(50, [read4k(.blocking, offset: .random)])])]
        let plain = try Simulator(s).run()
        s.device.stallInterval = .microseconds(20)
        s.device.stallDuration = .microseconds(500)
        let stalled = try Simulator(s).run()
        #expect(stalled.deviceStalls == 0)
        #expect(stalled.elapsed == plain.elapsed && stalled.latency == plain.latency)
        s.device.stallMinimumRequests = 1
        let single = try Simulator(s).run()
        #expect(single.deviceStalls > 0 && single.elapsed > plain.elapsed)
        #expect(single.iosCompleted == 50)
    }

    /// Four threads of blocking reads with stalls (the general path, which the closed-loop fast path leaves
    /// them to): every IO completes once, and the run ends when the work does, the stalls' instants
    /// not holding it open.
    @Test func stallsEndWithTheWork() throws {
        var s = constantCostScenario(cpus: 2)
        s.threads = [
            ThreadSpec(name: "reader", count: 4, program: [.repeatCount(200, [read4k(.blocking, offset: .random)])])
        ]
        let plain = try Simulator(s).run()
        s.device.stallInterval = .microseconds(500)
        s.device.stallDuration = .microseconds(100)
        let stalled = try Simulator(s).run()
        #expect(stalled.iosCompleted == 800 && stalled.iosIssued == 800)
        #expect(stalled.deviceStalls > 10)
        // The last IO's completion ends the run; a stall holding it can only delay it.
        #expect(stalled.elapsed > plain.elapsed)
        #expect(stalled.latency.max >= 100_000)
    }

    /// An instant armed while the device held two requests and left pending when the work ends is bookkeeping: a
    /// run with a time limit ends as the run without stalls does, and one far past the horizon (a mean interval
    /// of a week) is not scheduled.
    @Test func aPendingInstantDoesNotHoldTheRunOpen() throws {
        for interval in [SimDuration.seconds(3_600), .seconds(7 * 86_400)] {
            var plain = Self.twoReads()
            plain.stop = StopCondition(afterTime: .seconds(10))
            var s = plain
            s.device.stallInterval = interval
            s.device.stallDuration = .milliseconds(1)
            let a = try Simulator(plain).run(), b = try Simulator(s).run()
            #expect(b.deviceStalls == 0 && b.iosCompleted == 2)
            #expect(b.elapsed == a.elapsed && b.elapsed < .seconds(1))
        }
    }

    /// With a shape of 2, an interval is two exponential stages of half the mean: the first instant is the sum of
    /// the stream's first two draws, and the stall comes then (the first test's case, its instant so placed).
    @Test func aShapedIntervalIsASumOfStages() throws {
        let plain = try Simulator(Self.twoReads()).run()
        let a = try #require(plain.ioRecords.first { $0.number == 1 }), b = try #require(plain.ioRecords.first { $0.number == 2 })
        let aDone = try #require(a.deviceDone).nanosecondsSinceStart
        let bSubmitted = try #require(b.submitted).nanosecondsSinceStart
        // The mean whose first two-stage instant falls half-way between the second read's submission and the
        // first one's end: the two draws of unit mean, scaled.
        var g = SeededGenerator(seed: 1, streamName: "device stalls")
        let unitSum = -log(g.nextUnitOpen()) - log(g.nextUnitOpen())
        let mean = 2 * Int64((Double((bSubmitted + aDone) / 2) / unitSum).rounded())
        let first = Self.stallInstants(seed: 1, mean: mean, count: 1, shape: 2)[0]
        #expect(first > bSubmitted && first < aDone)
        // One stage of the same mean would place it elsewhere.
        #expect(Self.stallInstants(seed: 1, mean: mean, count: 1)[0] != first)

        var s = Self.twoReads()
        s.device.stallInterval = .nanoseconds(mean)
        s.device.stallDuration = .nanoseconds(50_000)
        s.device.stallIntervalShape = 2
        let stalled = try Simulator(s).run()
        let a2 = try #require(stalled.ioRecords.first { $0.number == 1 })
        #expect(a2.deviceDone == ns(first + 50_000))
        #expect(stalled.deviceStalls == 1)
    }

    /// `device.stallWindow`: an instant that finds the device holding one read (of two needed) stalls it when the
    /// second arrives, if that is before the instant's stall would have ended, until then; without the window,
    /// or with the second read arriving after that end, no stall. The first instant is placed between the first
    /// read's submission and the second's (the plain run's timeline).
    @Test func anInstantsWindowStallsADeviceThatComesToHoldEnough() throws {
        let plain = try Simulator(Self.twoReads()).run()
        let a = try #require(plain.ioRecords.first { $0.number == 1 }), b = try #require(plain.ioRecords.first { $0.number == 2 })
        let aAccepted = try #require(a.deviceStart).nanosecondsSinceStart
        let bAccepted = try #require(b.deviceStart).nanosecondsSinceStart
        let aDone = try #require(a.deviceDone).nanosecondsSinceStart
        #expect(bAccepted - aAccepted > 200 && aDone > bAccepted)
        // The instant half-way between the two acceptances, and the next long after the reads (and a stall) are
        // done: a seed whose first draw is short against its mean (the costs are constant, so the seed moves
        // nothing else).
        let target = (aAccepted + bAccepted) / 2
        var found: (seed: UInt64, mean: Int64)? = nil
        for seed in UInt64(1)...10_000 where found == nil {
            var g = SeededGenerator(seed: seed, streamName: "device stalls")
            let mean = Int64((Double(target) / -log(g.nextUnitOpen())).rounded())
            if Self.stallInstants(seed: seed, mean: mean, count: 2)[1] > aDone + 1_000_000 { found = (seed, mean) }
        }
        let (seed, mean) = try #require(found)
        let instant = Self.stallInstants(seed: seed, mean: mean, count: 1)[0]
        #expect(instant > aAccepted && instant < bAccepted)

        func run(window: Bool, duration: Int64) throws -> SimulationResult {
            var s = Self.twoReads()
            s.seed = seed
            s.device.stallInterval = .nanoseconds(mean)
            s.device.stallDuration = .nanoseconds(duration)
            s.device.stallWindow = window
            return try Simulator(s).run()
        }
        // The window still open when the second read arrives: both come back at the instant's stall's end.
        let open = try run(window: true, duration: 50_000)
        #expect(open.deviceStalls == 1)
        let a2 = try #require(open.ioRecords.first { $0.number == 1 })
        #expect(a2.deviceDone == ns(instant + 50_000))
        #expect(open.deviceStallIntervals.count == 0)
        // Without the window, as before: no stall.
        let off = try run(window: false, duration: 50_000)
        #expect(off.deviceStalls == 0 && off.elapsed == plain.elapsed)
        // The window closed before the second read arrives: no stall either.
        let closed = try run(window: true, duration: (bAccepted - instant) / 2)
        #expect(closed.deviceStalls == 0 && closed.elapsed == plain.elapsed)
    }

    /// The times between stalls, where every instant makes one (a device that always holds a request, a minimum
    /// of one, stalls far shorter than the interval): their mean is the interval, and their coefficient of
    /// variation one over the square root of the shape. Some 500 intervals: the coefficient's spread is about
    /// 0.03 at 1 and 0.02 at 0.5; the mean's 4.5% and 2.2%.
    @Test func theShapeMakesTheStallsRegular() throws {
        var s = constantCostScenario()
        s.threads = [ThreadSpec(name: "reader", count: 4, program: [.repeatCount(500, [read4k(.blocking, offset: .random)])])]
        s.device.stallInterval = .microseconds(100)
        s.device.stallDuration = .nanoseconds(100)
        s.device.stallMinimumRequests = 1
        for (shape, cv) in [(1, 1.0), (4, 0.5)] {
            s.device.stallIntervalShape = shape
            let r = try Simulator(s).run()
            let spread = r.deviceStallIntervals
            #expect(spread.count > 400 && Int64(spread.count) == r.deviceStalls - 1)
            #expect(r.deviceStalls == r.deviceStallInstants, "shape \(shape): every instant made a stall")
            #expect(abs(spread.meanNanoseconds / 100_000 - 1) < 0.12, "shape \(shape): mean \(spread.meanNanoseconds)")
            let measured = try #require(spread.coefficientOfVariation)
            #expect(abs(measured - cv) < 0.1, "shape \(shape): coefficient of variation \(measured)")
        }
    }

    @Test func badStallSettingsNameTheirKeys() throws {
        var s = Self.twoReads()
        s.device.stallInterval = .nanoseconds(500)
        s.device.stallDuration = .microseconds(1)
        let short = try #require(buildError(s))
        #expect(short.kind == .invalidConfiguration && short.subject == "device.stallInterval")
        #expect(short.message.contains("at least 1us"))

        s.device.stallInterval = .milliseconds(10)
        s.device.stallDuration = .zero
        let none = try #require(buildError(s))
        #expect(none.subject == "device.stallDuration" && none.message.contains("positive duration"))

        s.device.stallDuration = .microseconds(1)
        s.device.stallMinimumRequests = 0
        #expect(buildError(s)?.subject == "device.stallMinimumRequests")
        s.device.stallMinimumRequests = 2
        for shape in [0, 17] {
            s.device.stallIntervalShape = shape
            let e = try #require(buildError(s))
            #expect(e.subject == "device.stallIntervalShape" && e.message.contains("from 1 to 16"))
        }
    }
}
