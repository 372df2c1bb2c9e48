import IOSimCore
import Testing

@testable import IOSimModel

/// Regressions: inputs that once hung the run or leaked requests.
@Suite struct ReviewRegressionTests {
    /// Two requests signalled together (one pass) on a coalescing vector: the coalescing timer is armed for
    /// the group, so the interrupt comes when the time is up instead of never.
    @Test func aGroupOnACoalescingVectorStillRaisesItsInterrupt() throws {
        var s = constantCostScenario(cpus: 2)
        s.device.completionBatching = .pass
        s.device.channels = 2
        s.interrupts.coalesceCount = 8
        s.interrupts.coalesceTime = .microseconds(100)
        s.threads = [ThreadSpec(name: "reader", count: 2, program: [read4k(.blocking)])]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 2)
        #expect(r.interrupts == 1)
        // Both were submitted at 2,300 on their CPUs and served together on the two channels; their transfers
        // (4,096 ns each) take the one link in turn, so the pass ends at 22,300 + 2 x 4,096 = 30,492; the timer
        // raised the interrupt 100 us after they were queued, and its delivery took 500 ns.
        let starts = r.ioRecords.compactMap(\.interruptStart)
        #expect(starts == [ns(130_992), ns(130_992)])
    }

    /// With nothing costing time the completion of a pass runs straight through to the thread, which
    /// submits again at the same instant: that request waits for the next pass, and the device never stops.
    @Test func aSubmissionDuringTheEndOfAPassGoesToTheNextPass() throws {
        var s = zeroCostScenario()
        s.device.completionBatching = .pass
        s.device.readLatency = .uniform(min: 0, max: 1)
        s.threads = [ThreadSpec(name: "main", program: [.repeatCount(200, [read4k(.blocking), read4k(.blocking), .compute(.constant(1_000))])])]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 400)
    }

    /// io_uring loops free their requests: the request table stays as small as the queue depth needs, whatever
    /// the number of IOs (direct, IOSQE_ASYNC through io-wq, and buffered writes through io-wq).
    @Test(arguments: [false, true])
    func ringRequestsAreFreed(async: Bool) throws {
        for direction in [IODirection.read, .write] {
            var s = constantCostScenario(cpus: 2)
            s.rings = [RingSpec(name: "ring", entries: 32)]
            s.recordIOs = false
            let buffered = direction == .write
            s.threads = [
                ThreadSpec(
                    name: "job",
                    program: [
                        .uring(UringLoop(ring: "ring", direction, file: "data", sizeBytes: 4096, queueDepth: 8, ios: 3_000, async: async, buffered: buffered))
                    ])
            ]
            let sim = try Simulator(s)
            let r = try sim.run()
            #expect(r.iosCompleted == 3_000)
            #expect(sim.world.requests.count <= 64, "\(direction) async \(async): \(sim.world.requests.count) request slots")
        }
    }
}
