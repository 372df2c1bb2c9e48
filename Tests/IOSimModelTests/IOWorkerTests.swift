import IOSimCore
import IOSimModel
import Testing

/// io-wq's rule for workers, as io_wq_enqueue applies it: a free worker is activated (and stays free until it
/// runs); with none free, IOSQE_ASYNC work (IO_WQ_WORK_CONCURRENT) gets a new worker even while others run,
/// up to the bound limit.
@Suite struct IOWorkerTimeline {
    /// IOSQE_ASYNC 4 KiB O_DIRECT reads at queue depth 4, 8 in all, on two CPUs; no passes; io_uring's own
    /// costs 0; building a request takes the worker 50,000 (plus the doorbell 800). The thread starts at 1,000,
    /// enters at 1,100 and punts 4 SQEs: the first creates worker 0, which goes on the free list at once, so
    /// the other three find it and create none. Worker 0 (CPU 0, switched in at 2,100) hands IO 1 to the device
    /// at 52,900. IO 1 is done at 76,996; its interrupt (delivery 500, ISR 1,500, deferred 2,000, on CPU 0)
    /// completes it at 80,996 and delays worker 0's IO 2 by 3,500, to 107,200. The thread, woken 3,000 later and
    /// switched in at 84,996, leaves io_uring_enter (200), reaps, enters again (100) and punts IO 5 at 85,296
    /// while worker 0 is busy and none is free: a second worker is created. It gets CPU 1 when the thread
    /// blocks in io_uring_enter at once, switches in (1,000) and takes the oldest queued work, IO 3, handed at
    /// 137,096; worker 0 hands IO 4 at 161,500 (IO 2's interrupt took 3,500 of it), and worker 1 IO 5 at 187,896.
    @Test func asyncWorkFindingNoFreeWorkerCreatesOne() throws {
        let r = try asyncReads(requestCreate: .nanoseconds(50_000))
        let ios = r.ioRecords.sorted { $0.number < $1.number }
        try #require(ios.count == 8)
        #expect(r.threads.kernelCreated == 2)
        #expect(ios[0].deviceStart == ns(52_900))
        #expect(ios[1].deviceStart == ns(107_200))
        #expect(ios[4].issued == ns(85_296))
        #expect(ios[2].deviceStart == ns(137_096))
        #expect(ios[3].deviceStart == ns(161_500))
        #expect(ios[4].deviceStart == ns(187_896))
    }

    /// With cheap requests (400 + 800) worker 0 is idle again long before the first completion, so every later
    /// punt finds it free: one worker serves all.
    @Test func aFreeWorkerIsActivatedInsteadOfCreatingOne() throws {
        let r = try asyncReads(requestCreate: .nanoseconds(400))
        #expect(r.threads.kernelCreated == 1)
    }

    func asyncReads(requestCreate: SimDuration) throws -> SimulationResult {
        var s = constantCostScenario(cpus: 2)
        s.kernel.requestCreate = requestCreate
        s.kernel.uringSubmitPerSQE = .zero
        s.kernel.uringCompletePerCQE = .zero
        s.kernel.uringReapPerCQE = .zero
        s.rings = [RingSpec(name: "ring", entries: 8, taskRun: .interrupt)]
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .fixed(0), queueDepth: 4, ios: 8, async: true))])
        ]
        return try Simulator(s).run()
    }
}
