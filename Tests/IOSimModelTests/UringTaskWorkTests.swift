import IOSimCore
import IOSimModel
import Testing

/// IORING_SETUP_DEFER_TASKRUN posts CQEs only inside io_uring_enter, in the ring owner's context: on entry to
/// the wait io_cqring_wait runs at most max(IO_LOCAL_TW_DEFAULT_MAX = 20, min_complete) task-work items;
/// (an enter that submitted first ran as many after its submission); woken from its sleep, only the ones still
/// awaited (min_complete less the CQEs already posted, here 1).
/// Traced on this machine: an io_uring loop at queue depth 16 is woken, posts one CQE, resubmits it alone,
/// and gets the other fifteen at its next enter.
@Suite("io_uring task work")
struct UringTaskWorkTests {
    /// One thread on one CPU runs a ring loop of queue depth 4 and 8 IOs; the device signals each submission
    /// batch together (one interrupt), so the four completions are task work before the owner runs again.
    func scenario(taskRun: TaskRunMode) -> Scenario {
        var s = constantCostScenario()
        s.device.channels = 4
        s.device.completionBatching = .submission
        s.rings = [RingSpec(name: "ring", entries: 8, taskRun: taskRun)]
        s.threads = [
            ThreadSpec(
                name: "job",
                program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .fixed(0), queueDepth: 4, ios: 8))])
        ]
        return s
    }

    /// The submission instants of IOs 5 to 8 (the second round).
    func secondRound(_ r: SimulationResult) -> [SimInstant?] {
        r.ioRecords.sorted { $0.number < $1.number }.dropFirst(4).map(\.submitted)
    }

    @Test func aWokenOwnerPostsOnlyTheAwaitedCQE() throws {
        let r = try Simulator(scenario(taskRun: .deferred)).run()
        #expect(r.iosCompleted == 8)
        let second = secondRound(r)
        // IO 5 goes alone; IOs 6 to 8 follow in one batch, from the next enter's task work.
        #expect(second[0]! < second[1]!)
        #expect(second[1] == second[2] && second[2] == second[3])
        #expect(r.interrupts == 3)
        // Enters: 1 submits IOs 1-4 and sleeps; woken with IO 1's CQE, 2 submits IO 5 and posts 2-4; 3 submits
        // 6-8 and sleeps; woken with IO 5's, 4 submits nothing and sleeps; woken with IO 6's, 5 posts 7 and 8.
        #expect(r.ringEnters == 5)
    }

    /// Queue depth 50, one interrupt for each submission batch. Woken, the owner posts one CQE and resubmits
    /// it alone; that enter runs 20 items after its submission and 20 more on entering the wait, so 40 CQEs
    /// come back and are resubmitted together, and the last 9 at the enter after (IO_LOCAL_TW_DEFAULT_MAX
    /// twice; once, 20, in an enter that only waits).
    /// Queue depth 50 under DEFER_TASKRUN, one interrupt for each submission batch.
    func deepRun(ios: Int) throws -> SimulationResult {
        var s = scenario(taskRun: .deferred)
        s.device.channels = 50
        s.threads[0].program = [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .fixed(0), queueDepth: 50, ios: ios))]
        s.rings = [RingSpec(name: "ring", entries: 64, taskRun: .deferred)]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == Int64(ios))
        return r
    }

    @Test func anEnterThatSubmitsRunsTwiceTheTaskWorkOfOneThatWaits() throws {
        let r = try deepRun(ios: 100)
        let second = r.ioRecords.sorted { $0.number < $1.number }.dropFirst(50).map { $0.submitted!.nanosecondsSinceStart }
        var batches: [Int] = []
        var last: Int64 = -1
        for t in second {
            if t == last { batches[batches.count - 1] += 1 } else { batches.append(1) }
            last = t
        }
        #expect(batches == [1, 40, 9])
    }

    /// fio's loop: each replacement's io_uring_enter(1, 0, GETEVENTS) runs 20 items after its submission and 20
    /// in io_cqring_wait. The device serves the 50 reads of the first round in one pass (each arrives while the
    /// pass runs) and signals them together; woken with IO 1's CQE, the loop reaps it and submits IO 51, whose
    /// enter posts 40 more: 41 of the first round are seen before IO 52 is submitted (21 with a cap of 20).
    @Test func fiosLoopPostsFortyCQEsPerSubmittingEnter() throws {
        var s = scenario(taskRun: .deferred)
        s.device.channels = 50
        s.device.completionBatching = .pass
        s.threads[0].program = [.uring(UringLoop(
            ring: "ring", file: "data", sizeBytes: 4096, offset: .fixed(0), queueDepth: 50, ios: 100, submitEach: true))]
        s.rings = [RingSpec(name: "ring", entries: 64, taskRun: .deferred)]
        let records = try Simulator(s).run().ioRecords.sorted { $0.number < $1.number }
        try #require(records.count == 100)
        let io52 = try #require(records[51].submitted)
        let seen = records[0..<50].filter { $0.observed.map { $0 < io52 } ?? false }.count
        #expect(seen == 41)
    }

    /// The last round's enters submit nothing: they run 20 task-work items, not 40 (the kernel runs the
    /// post-submission work only when there is something to submit). Queue depth 50 and 50 IOs, one interrupt:
    /// the first enter submits the 50 and, woken, posts one CQE; three more, with nothing to submit, post 20, 20
    /// and the last 9 (with 40 they would post 40 and 9: three enters in all).
    @Test func anEnterThatSubmitsNothingRunsTheTaskWorkOfAWait() throws {
        #expect(try deepRun(ios: 50).ringEnters == 4)
    }

    @Test func cooperativeTaskRunPostsEveryCQEAtOnce() throws {
        let r = try Simulator(scenario(taskRun: .cooperative)).run()
        #expect(r.iosCompleted == 8)
        let second = secondRound(r)
        #expect(Set(second.map { $0! }).count == 1)  // the four resubmitted in one batch
        #expect(r.interrupts == 2)
        #expect(r.ringEnters == 2)  // each submits a round of four and sleeps until it is done
    }
}

/// fio's loop (`submitEach`): each SQE goes to the kernel in its own io_uring_enter(1, 0, GETEVENTS), so the
/// driver takes each request as soon as it is built; the batch loop builds every SQE first and the driver takes
/// them together after one driverSubmit.
@Suite("io_uring: fio's loop, an io_uring_enter per SQE")
struct UringSubmitEachTests {
    func scenario(
        submitEach: Bool, ios: Int = 2, queueDepth: Int = 2, taskRun: TaskRunMode = .deferred, compute: Distribution? = nil
    ) -> Scenario {
        var s = constantCostScenario()
        s.device.channels = queueDepth
        s.rings = [RingSpec(name: "ring", entries: 8, taskRun: taskRun)]
        let loop = UringLoop(
            ring: "ring", file: "data", sizeBytes: 4096, offset: .fixed(0), queueDepth: queueDepth, ios: ios, compute: compute,
            submitEach: submitEach)
        s.threads = [ThreadSpec(name: "job", program: [.uring(loop)])]
        return s
    }

    func submitted(_ r: SimulationResult) -> [Int64] {
        r.ioRecords.sorted { $0.number < $1.number }.map { $0.submitted!.nanosecondsSinceStart }
    }

    @Test func theBatchLoopHandsBothRequestsToTheDriverTogether() throws {
        let r = try Simulator(scenario(submitEach: false)).run()
        // The switch onto the CPU 1,000, entry 100, then per SQE 60 (uringSubmitPerSQE) + 400 (requestCreate),
        // and driverSubmit 800 once.
        #expect(submitted(r) == [2_820, 2_820])
    }

    @Test func fiosLoopHandsEachRequestToTheDriverAsItIsBuilt() throws {
        let r = try Simulator(scenario(submitEach: true)).run()
        // The switch onto the CPU 1,000, entry 100 + 60 + 400 + 800 = 2,360; then exit 200, entry 100 and the
        // second SQE's 1,260: 3,920.
        #expect(submitted(r) == [2_360, 3_920])
        #expect(r.iosCompleted == 2)
    }

    /// A request's clock starts when the program writes its SQE, as fio's and the real backend's do: the batch
    /// loop writes both at 1,000 (switched in) and enters; fio's loop writes the second at 2,560, after the
    /// first one's enter returned (2,360 + exit 200).
    @Test func aRequestIsIssuedWhenItsSQEIsWrittenNotWhenTheKernelTakesIt() throws {
        func issued(_ r: SimulationResult) -> [Int64] {
            r.ioRecords.sorted { $0.number < $1.number }.map(\.issued.nanosecondsSinceStart)
        }
        let batch = try Simulator(scenario(submitEach: false)).run()
        #expect(issued(batch) == [1_000, 1_000])
        #expect(submitted(batch) == [2_820, 2_820])
        let recorder = TraceRecorder()
        let each = try Simulator(scenario(submitEach: true), trace: recorder).run()
        #expect(issued(each) == [1_000, 2_560])
        // The trace marks the issue at the same instant (a timeline's IO starts where its latency does).
        let marks: [Int64] = recorder.events.compactMap {
            if case .ioIssued(_, _, _, _, _, let at) = $0 { return at.nanosecondsSinceStart } else { return nil }
        }
        #expect(marks == [1_000, 2_560])
    }

    /// With SQPOLL the program writes the SQEs and the poller takes them later: their clock starts at the
    /// writing, so the latency includes the poller's pick-up.
    @Test func sqPollRequestsAreIssuedWhenWrittenAndTakenByThePollerLater() throws {
        var s = scenario(submitEach: false, ios: 4, queueDepth: 2, taskRun: .interrupt)
        s.rings = [RingSpec(name: "ring", entries: 8, sqpoll: true)]
        let records = try Simulator(s).run().ioRecords.sorted { $0.number < $1.number }
        try #require(records.count == 4)
        #expect(records[0].issued == records[1].issued)
        for io in records {
            let submitted = try #require(io.submitted)
            #expect(io.issued < submitted)
        }
    }

    /// With SQPOLL a completion is the SQ thread's task work (io_req_normal_work_add; io_sq_thread's io_sq_tw):
    /// the softirq signals the spinning poller (deferredWake, 700 ns: the first item on its list), and the poller
    /// posts the CQE (500 ns) and wakes the sleeping owner (deferredWake again) in its own system time. By hand:
    /// the poller takes the SQE at 1,000 (SQE 60, request 400, driver 800: 2,260), the device serves 20,000 +
    /// 4,096 (26,356), delivery 500, ISR 1,500 and the deferred routine 2,000 + 700 complete it at 31,056 on CPU
    /// 0, where the poller spins; the poller's 1,200 wake the owner at 32,256. The deferred routine's CPU is its
    /// 2,700 (3,900 when it also posted and woke).
    @Test func sqPollPostsTheCQEAndWakesTheOwnerInItsOwnTime() throws {
        var s = constantCostScenario(cpus: 2)
        s.interrupts.deferredWake = .nanoseconds(700)
        s.rings = [RingSpec(name: "ring", entries: 8, sqpoll: true, sqThreadIdle: .milliseconds(10))]
        s.threads = [ThreadSpec(name: "job", program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .fixed(0), queueDepth: 1, ios: 1))])]
        let recorder = TraceRecorder()
        let r = try Simulator(s, trace: recorder).run()
        #expect(r.ioRecords.first?.completed == ns(31_056))
        #expect(r.totalCPU[.deferred] == .nanoseconds(2_700))
        #expect(r.deferredWakeUps == 1 && r.wakeIPIs == 0)
        let woken: [Int64] = recorder.events.compactMap {
            if case .thread(0, .waking, let at) = $0 { return at.nanosecondsSinceStart } else { return nil }
        }
        #expect(woken == [32_256])
        // The poller's system time: the SQE's 1,260, the doorbell, and the task work's 1,200.
        #expect(r.totalCPU[.syscall] - .nanoseconds(100 + 200) == .nanoseconds(1_260 + s.kernel.doorbell.nanoseconds + 1_200))
    }

    /// A poller that slept after its idle spin is woken by the completion's task work (its spin had ended by
    /// itself: a stale spinning mark made the wake-up an endSpin that did nothing, and the owner waited for ever).
    @Test func aSleepingPollerIsWokenByTheCompletion() throws {
        var s = scenario(submitEach: false, ios: 6, queueDepth: 1, taskRun: .interrupt)
        s.rings = [RingSpec(name: "ring", entries: 8, sqpoll: true, sqThreadIdle: .nanoseconds(1))]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 6)
    }

    /// io_uring_enter calls as the real loops make them: fio's loop one per SQE and one per wait on an empty CQ;
    /// with SQPOLL one per round that wakes a sleeping poller and waits (one call, SQ_WAKEUP | GETEVENTS);
    /// peeking, none once every SQE is submitted.
    @Test func ringEntersAreCountedAsTheRealLoopsMakeThem() throws {
        let each = try Simulator(scenario(submitEach: true, ios: 2, queueDepth: 2, taskRun: .interrupt)).run()
        // Two submissions and one wait: the second read is done 1,560 ns after the first, before the thread,
        // woken by the first (3,000) and switched in (1,000), reaps; it finds both CQEs and the loop ends.
        #expect(each.ringEnters == 3)
        var sq = scenario(submitEach: false, ios: 10, queueDepth: 1, taskRun: .interrupt)
        sq.rings = [RingSpec(name: "ring", entries: 8, sqpoll: true, sqThreadIdle: .nanoseconds(1))]
        let sqpoll = try Simulator(sq).run()
        #expect(sqpoll.iosCompleted == 10)
        #expect(sqpoll.ringEnters == 10)  // the poller sleeps after each SQE: every round wakes it and waits, in one call
        var peek = scenario(submitEach: false, ios: 4, queueDepth: 4, taskRun: .interrupt)
        peek.threads[0].program = [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .fixed(0), queueDepth: 4, ios: 4, peek: true))]
        let peeked = try Simulator(peek).run()
        #expect(peeked.iosCompleted == 4)
        #expect(peeked.ringEnters == 1)  // one submits the four; the CQ is then only peeked
    }

    /// As fio: every CQE of a round is reaped, its compute done, before the first replacement is submitted.
    @Test func fiosLoopReapsTheRoundBeforeSubmitting() throws {
        let s = scenario(submitEach: true, ios: 8, queueDepth: 4, taskRun: .interrupt, compute: .constant(50_000))
        let records = try Simulator(s).run().ioRecords.sorted { $0.number < $1.number }
        let lastObservedOfTheFirstRound = try #require(records[0..<4].compactMap(\.observed).max())
        #expect(records[4].issued >= lastObservedOfTheFirstRound)
    }

    @Test func fiosLoopPaysAnEnterPerSQE() throws {
        let batch = try Simulator(scenario(submitEach: false, ios: 40)).run()
        let each = try Simulator(scenario(submitEach: true, ios: 40)).run()
        #expect(batch.iosCompleted == 40 && each.iosCompleted == 40)
        let syscall = CPUCategory.syscall
        #expect(each.totalCPU[syscall] > batch.totalCPU[syscall])
    }
}
