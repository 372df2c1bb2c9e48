import IOSimCore
import IOSimModel
import Testing

/// `machine.hostMilliCPUs`: the device's emulation shares the host's CPUs with the machine's busy CPUs.
@Suite struct SharedHostTests {
    /// Constant costs on two CPUs (`constantCostScenario`): "reader" makes one blocking 4 KiB read, submitted at
    /// 2,300 (switch 1,000, syscall entry 100, request 400, driver 800), whose service is 24,096 ns of work
    /// (20,000 of access and 4,096 of transfer). "busy" computes on the other CPU from 1,000 (after its switch)
    /// for `busyFor` ns. The reader blocks at 2,300, so one CPU is busy while the device works. `configure`
    /// changes the scenario further.
    func readBesideABusyCPU(
        hostMilliCPUs: Int64, busyFor: Int64, configure: (inout Scenario) -> Void = { _ in }
    ) throws -> SimulationResult {
        var s = constantCostScenario(cpus: 2)
        s.machine.hostMilliCPUs = hostMilliCPUs
        configure(&s)
        s.threads = [
            ThreadSpec(name: "reader", program: [read4k(.blocking)]),
            ThreadSpec(name: "busy", program: [.compute(.constant(busyFor))]),
        ]
        return try Simulator(s).run()
    }

    /// One host CPU for the busy CPU and the device: the device works at half speed while "busy" computes, so
    /// its 24,096 ns take 48,192: done at 50,492 (26,396 without sharing).
    @Test func aBusyCPUHalvesTheDeviceOnOneHostCPU() throws {
        let shared = try readBesideABusyCPU(hostMilliCPUs: 1_000, busyFor: 100_000)
        #expect(shared.ioRecords.first?.deviceDone == ns(50_492))
        let alone = try readBesideABusyCPU(hostMilliCPUs: 0, busyFor: 100_000)
        #expect(alone.ioRecords.first?.deviceDone == ns(26_396))
    }

    /// The speed follows the busy CPUs: "busy" ends at 21,000, when the device has done (21,000 - 2,300) / 2 =
    /// 9,350 ns of its work; the other 14,746 go at full speed: done at 35,746.
    @Test func theDeviceSpeedsUpWhenTheCPUGoesIdle() throws {
        let r = try readBesideABusyCPU(hostMilliCPUs: 1_000, busyFor: 20_000)
        #expect(r.ioRecords.first?.deviceDone == ns(35_746))
    }

    /// The host polls a CPU for 10,000 ns after it goes idle (`hostHaltPoll`, KVM's halt polling): the reader's
    /// CPU, idle from 2,300, counts until 12,300, and "busy"'s, idle from 21,000, until 31,000. From 2,300 to
    /// 12,300 the device shares one host CPU with two (a third of its speed: 3,330 ns of work), to 31,000 with
    /// one (half: 9,350), and does the other 11,416 at full speed: done at 42,416 (35,746 without the polling).
    @Test func aCPUTheHostStillPollsCountsAsBusy() throws {
        let r = try readBesideABusyCPU(hostMilliCPUs: 1_000, busyFor: 20_000) { $0.machine.hostHaltPoll = .nanoseconds(10_000) }
        #expect(r.ioRecords.first?.deviceDone == ns(42_416))
        // The polling is the host's: the machine's CPUs are idle in the ledger, and the run ends where it did.
        let plain = try readBesideABusyCPU(hostMilliCPUs: 1_000, busyFor: 20_000)
        #expect(r.totalCPU[.idle].nanoseconds - plain.totalCPU[.idle].nanoseconds == 2 * (r.elapsed - plain.elapsed).nanoseconds)
    }

    /// A CPU that goes busy again while the host still polls it was never given up: the count does not move.
    @Test func aCPUBusyAgainWithinThePollIsCountedOnce() throws {
        var s = constantCostScenario(cpus: 2)
        s.machine.hostMilliCPUs = 2_000
        s.machine.hostHaltPoll = .nanoseconds(50_000)
        s.threads = [
            ThreadSpec(name: "reader", count: 2, program: [.repeatCount(50, [read4k(.blocking, offset: .random), .compute(.constant(3_000))])])
        ]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 100)
        // Two host CPUs for two CPUs that never give theirs up (each idles for less than the poll between its
        // reads) and the device: it works at two thirds of its speed at most, so each read takes at least 36,144.
        var times: [Int64] = []
        for io in r.ioRecords {
            let start = try #require(io.deviceStart), done = try #require(io.deviceDone)
            #expect(done - start >= .nanoseconds(36_144), "IO \(io.number)")
            times.append((done - start).nanoseconds)
        }
        // The device's one channel serves the two readers' reads in turn, so from the handing over to the end
        // most reads wait for the other's first: the exact times of this run, one read alone, 98 behind the
        // other's, one last. A CPU counted again when it goes busy within its poll (a count that only grows)
        // slows them: 93,607 to 104,298 ns each.
        #expect(times.filter { $0 == 36_181 }.count == 1)
        #expect(times.filter { $0 == 59_862 }.count == 98)
        #expect(times.filter { $0 == 72_362 }.count == 1)
    }

    /// A deadlock is found while host poll ends are pending (they are bookkeeping and cannot wake anything), at
    /// the instant of the last change, with or without a stop time.
    @Test func pendingPollEndsDoNotHideADeadlock() throws {
        func deadlocked(stopAfter: SimDuration?) throws -> SimulationError? {
            var s = constantCostScenario(cpus: 1)
            s.machine.hostMilliCPUs = 1_000
            s.machine.hostHaltPoll = .microseconds(200)
            s.threads = [ThreadSpec(name: "main", program: [read4k(.blocking), .dequeue(port: "never")])]
            s.ports = [PortSpec(name: "never")]
            s.stop.afterTime = stopAfter
            do {
                _ = try Simulator(s).run()
                return nil
            } catch {
                return error
            }
        }
        let untimed = try #require(try deadlocked(stopAfter: nil))
        #expect(untimed.kind == .deadlock)
        let timed = try #require(try deadlocked(stopAfter: .microseconds(100)))
        #expect(timed.kind == .deadlock)
        #expect(timed.subject == untimed.subject)
        // The read is observed, then the thread waits on the port: the deadlock is at the last change, well
        // before the poll of the CPU gone idle ends (200 us later).
        #expect(untimed.subject.hasPrefix("at ") && !untimed.subject.contains("ms"))
    }

    /// A run with a stop time whose events ran out ends at its last change, not at the stop time, while a host
    /// poll's end is still pending: one blocking read, done at 58,692.
    @Test func pendingPollEndsDoNotMoveTheEnd() throws {
        func elapsed(stopAfter: SimDuration?) throws -> SimDuration {
            var s = constantCostScenario(cpus: 1)
            s.machine.hostMilliCPUs = 1_000
            s.machine.hostHaltPoll = .microseconds(200)
            s.threads = [ThreadSpec(name: "main", program: [read4k(.blocking)])]
            s.stop.afterTime = stopAfter
            return try Simulator(s).run().elapsed
        }
        let free = try elapsed(stopAfter: nil)
        #expect(free == .nanoseconds(58_692))
        #expect(try elapsed(stopAfter: .milliseconds(10)) == free)
        #expect(try elapsed(stopAfter: free + .microseconds(1)) == free)
    }

    /// The longest poll the model accepts ends past its horizon: it is never scheduled (the CPU stays counted),
    /// and the run ends normally (with a stop condition that outlasts the program, which runs the events out).
    @Test func aPollLongerThanTheHorizonDoesNotEndTheRun() throws {
        var s = constantCostScenario(cpus: 1)
        s.machine.hostMilliCPUs = 1_000
        s.machine.hostHaltPoll = .nanoseconds(1 << 50)
        s.stop.afterIOs = 1_000
        s.threads = [ThreadSpec(name: "main", program: [.repeatCount(20, [read4k(.blocking)])])]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 20)
    }

    /// With passes, the device's wake-up for a pass is its work too (the VMM's thread needs a host CPU to wake
    /// on): 5,000 of wake-up and 24,096 of service at half speed take 58,192: done at 60,492.
    @Test func thePassWakeupIsSlowedToo() throws {
        func passes(_ s: inout Scenario) {
            s.device.completionBatching = .pass
            s.device.passWakeup = .nanoseconds(5_000)
        }
        let shared = try readBesideABusyCPU(hostMilliCPUs: 1_000, busyFor: 100_000, configure: passes)
        #expect(shared.ioRecords.first?.deviceDone == ns(60_492))
        let alone = try readBesideABusyCPU(hostMilliCPUs: 0, busyFor: 100_000, configure: passes)
        #expect(alone.ioRecords.first?.deviceDone == ns(31_396))
    }

    /// Two host CPUs: one busy vCPU and the device each have one, so nothing slows down.
    @Test func enoughHostCPUsTakeNothing() throws {
        let r = try readBesideABusyCPU(hostMilliCPUs: 2_000, busyFor: 100_000)
        #expect(r.ioRecords.first?.deviceDone == ns(26_396))
    }

    /// Many requests through a deep queue while the CPUs go busy and idle: every IO completes once and the
    /// ledger adds up, and the device is slower than on its own host.
    @Test func everyIOCompletesOnASharedHost() throws {
        var s = constantCostScenario(cpus: 2)
        s.device.channels = 4
        s.device.readLatency = .exponential(mean: 30_000)
        s.threads = [
            ThreadSpec(name: "reader", count: 6, program: [.repeatCount(200, [read4k(.blocking, offset: .random), .compute(.exponential(mean: 5_000))])])
        ]
        s.recordIOs = false
        let alone = try Simulator(s).run()
        s.machine.hostMilliCPUs = 1_500
        let shared = try Simulator(s).run()
        #expect(shared.iosCompleted == 1_200)
        #expect(shared.iosCompleted == alone.iosCompleted)
        #expect(shared.elapsed > alone.elapsed)
        #expect(shared.totalCPU.total.nanoseconds == shared.elapsed.nanoseconds * 2)
    }
}

/// Review regressions of the shared host and the shared link.
@Suite struct SharedHostRegressionTests {
    /// A pass that follows the previous one at once has no wake-up, shared host or not: with so many host CPUs
    /// that the device always works at full speed, five reads through passes end as without sharing.
    @Test func backToBackPassesPayNoWakeup() throws {
        var s = zeroCostScenario()
        s.device.readLatency = .constant(10_000)
        s.device.bandwidthBytesPerSecond = 0
        s.device.completionBatching = .pass
        s.device.passWakeup = .nanoseconds(5_000)
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 20)]
        s.recordIOs = true
        s.threads = [ThreadSpec(name: "reader", count: 5, program: [read4k(.blocking)])]
        let alone = try Simulator(s).run()
        s.machine.hostMilliCPUs = 65_536_000
        let shared = try Simulator(s).run()
        #expect(shared.ioRecords.map(\.deviceDone) == alone.ioRecords.map(\.deviceDone))
        #expect(alone.ioRecords.compactMap(\.deviceDone).map(\.nanosecondsSinceStart).sorted() == [15_000, 25_000, 35_000, 45_000, 55_000])
    }

    /// Transfers too long for the clock end the run with an error, not a crash: on a shared host, on a link
    /// that chains them, and a page-cache miss of the longest duration per page.
    @Test func hugeTransfersAndMissesEndWithAnError() {
        func fails(_ configure: (inout Scenario) -> Void) -> Bool {
            var s = zeroCostScenario()
            s.files = [FileSpec(name: "data", sizeBytes: 1 << 30)]
            configure(&s)
            do {
                _ = try Simulator(s).run()
                return false
            } catch {
                return true
            }
        }
        #expect(fails { s in
            s.machine.hostMilliCPUs = 1_000
            s.device.bandwidthBytesPerSecond = 1
            s.threads = [ThreadSpec(name: "r", program: [.io(IOOperation(.read, file: "data", sizeBytes: 16 << 20, offset: .fixed(0), style: .blocking))])]
        })
        #expect(fails { s in
            s.device.channels = 12
            s.device.bandwidthBytesPerSecond = 1
            s.threads = [ThreadSpec(name: "r", count: 12, program: [.io(IOOperation(.read, file: "data", sizeBytes: 1 << 30, offset: .fixed(0), style: .blocking))])]
        })
        #expect(fails { s in
            s.kernel.pageCacheMiss = .longest
            s.files = [FileSpec(name: "data", sizeBytes: 1 << 30, buffered: true)]
            s.threads = [ThreadSpec(name: "r", program: [.io(IOOperation(.read, file: "data", sizeBytes: 1 << 30, offset: .fixed(0), style: .blocking))])]
        })
    }
}
