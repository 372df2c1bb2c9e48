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

    @Test func creatingAWorkerDelaysTheSubmitterSoTheFirstWorkerIsFreeAgain() throws {
        // Creating worker 0 costs the owner 20 us; by then worker 0 has submitted SQE 1's request (10 us) and
        // sleeps on the free list, so SQE 2 wakes it instead of creating another: one worker.
        let r = try Simulator(scenario(async: true, buffered: false, ios: 2, threadCreate: 20_000)).run()
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
