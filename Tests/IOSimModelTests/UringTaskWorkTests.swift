import IOSimCore
import IOSimModel
import Testing

/// IORING_SETUP_DEFER_TASKRUN posts CQEs only inside io_uring_enter, in the ring owner's context: on entry to
/// the wait io_cqring_wait runs at most max(IO_LOCAL_TW_DEFAULT_MAX = 20, min_complete) task-work items;
/// woken from its sleep, only the ones still awaited (min_complete less the CQEs already posted, here 1).
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
    }

    @Test func cooperativeTaskRunPostsEveryCQEAtOnce() throws {
        let r = try Simulator(scenario(taskRun: .cooperative)).run()
        #expect(r.iosCompleted == 8)
        let second = secondRound(r)
        #expect(Set(second.map { $0! }).count == 1)  // the four resubmitted in one batch
        #expect(r.interrupts == 2)
    }
}
