import IOSimCore
import IOSimModel
import Testing

/// io-wq's rules for creating workers (io_wq_enqueue, io_acct_activate_free_worker, io_prep_async_work):
/// a free worker is counted on until it takes work; IOSQE_ASYNC work creates a worker whenever none is free;
/// other work (buffered writes) only when no worker runs; creating one costs the submitter `threadCreate`.
@Suite("io-wq workers")
struct IOWorkerTests {
    /// One ring loop of `ios` SQEs submitted in one batch on a 3-CPU machine with free switches and wake-ups
    /// (a thread made runnable on an idle CPU runs at once). The owner spends 1 us per SQE and each worker
    /// 10 us building and submitting a request, so an SQE consumed while the workers are busy finds none free.
    func scenario(async: Bool, buffered: Bool, ios: Int, threadCreate: Int64) -> Scenario {
        var s = constantCostScenario(cpus: 3)
        s.machine.contextSwitch = .zero
        s.machine.wakeupLatency = .zero
        s.machine.threadCreate = .nanoseconds(threadCreate)
        s.kernel.uringSubmitPerSQE = .nanoseconds(1_000)
        s.kernel.requestCreate = .nanoseconds(4_000)
        s.kernel.driverSubmit = .nanoseconds(6_000)
        s.rings = [RingSpec(name: "ring", entries: 32)]
        s.recordIOs = false
        s.threads = [
            ThreadSpec(
                name: "job",
                program: [
                    .uring(
                        UringLoop(
                            ring: "ring", buffered ? .write : .read, file: "data", sizeBytes: 4096, queueDepth: ios, ios: ios,
                            async: async, buffered: buffered))
                ])
        ]
        return s
    }

    @Test func asyncWorkFindingNoFreeWorkerCreatesOne() throws {
        // SQE 1 creates worker 0, which takes it at once and is busy for 10 us; SQE 2 (1 us later) finds no
        // free worker and, being IOSQE_ASYNC, creates worker 1 on the third CPU; SQE 3 (2 us) creates worker 2.
        let r = try Simulator(scenario(async: true, buffered: false, ios: 3, threadCreate: 0)).run()
        #expect(r.iosCompleted == 3)
        #expect(r.threads.kernelCreated == 3)
    }

    @Test func bufferedWritesWaitForTheRunningWorker() throws {
        // The same SQEs as buffered writes (not concurrent work): a worker runs, so none is added.
        let r = try Simulator(scenario(async: false, buffered: true, ios: 3, threadCreate: 0)).run()
        #expect(r.iosCompleted == 3)
        #expect(r.threads.kernelCreated == 1)
    }

    @Test func aWorkerExistsOnlyOnceItsCreatorHasMadeIt() throws {
        // Creating worker 0 costs the owner 20 us, and the worker runs from then: at 20 us it takes SQE 1's
        // request (busy until 30 us). With 1 us per SQE, SQE 2 comes at 21 us, finds it busy and creates another;
        // with 15 us per SQE, SQE 2 comes at 35 us, when worker 0 sleeps on the free list again: it is woken.
        var s = scenario(async: true, buffered: false, ios: 2, threadCreate: 20_000)
        var r = try Simulator(s).run()
        #expect(r.iosCompleted == 2)
        #expect(r.threads.kernelCreated == 2)
        s.kernel.uringSubmitPerSQE = .nanoseconds(15_000)
        r = try Simulator(s).run()
        #expect(r.iosCompleted == 2)
        #expect(r.threads.kernelCreated == 1)
    }

    @Test func aWokenWorkerStaysFreeUntilItTakesWork() throws {
        // With nothing costing time between SQEs and a switch of 1 us, worker 0 (created by SQE 1) has not run
        // yet when SQEs 2 to 8 are consumed: it is still free, so they all count on it and no other worker is
        // created.
        var s = scenario(async: true, buffered: false, ios: 8, threadCreate: 0)
        s.kernel.uringSubmitPerSQE = .zero
        s.machine.contextSwitch = .nanoseconds(1_000)
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 8)
        #expect(r.threads.kernelCreated == 1)
    }
}

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
    /// switched in at 84,996, leaves io_uring_enter (200), reaps, writes IO 5's SQE at 85,196 (its `issued`: the
    /// program's clock starts there), enters again (100) and punts IO 5 at 85,296 while worker 0 is busy and none
    /// is free: a second worker is created. It gets CPU 1 when the thread
    /// blocks in io_uring_enter at once, switches in (1,000) and takes the oldest queued work, IO 3, handed at
    /// 137,096; worker 0 hands IO 4 at 161,500 (IO 2's interrupt took 3,500 of it), and worker 1 IO 5 at 187,896.
    @Test func asyncWorkFindingNoFreeWorkerCreatesOne() throws {
        let r = try asyncReads(requestCreate: .nanoseconds(50_000))
        let ios = r.ioRecords.sorted { $0.number < $1.number }
        try #require(ios.count == 8)
        #expect(r.threads.kernelCreated == 2)
        #expect(ios[0].deviceStart == ns(52_900))
        #expect(ios[1].deviceStart == ns(107_200))
        #expect(ios[4].issued == ns(85_196))
        #expect(ios[4].submitted == ns(85_296))
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
        s.machine.threadCreate = .zero  // creating a worker costs the submitter nothing here (see IOWorkerTests)
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
