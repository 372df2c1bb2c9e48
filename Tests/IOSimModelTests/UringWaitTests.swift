import IOSimCore
import IOSimModel
import Testing

/// `kernel.uringWait`: a thread woken from its sleep in io_uring_enter's wait pays it (system time) before it
/// looks at the CQ; a blocking read that sleeps as often, a loop that peeks, and a wait that does not sleep pay
/// nothing.
@Suite struct UringWaitTests {
    func run(
        wait: Int64, cpus: Int = 1, sqpoll: Bool = false, taskRun: TaskRunMode = .deferred, peek: Bool = false, ios: Int = 1,
        program: [Operation]? = nil
    ) throws -> SimulationResult {
        var s = constantCostScenario(cpus: cpus)
        s.kernel.uringWait = .nanoseconds(wait)
        s.rings = [RingSpec(name: "ring", entries: 8, sqpoll: sqpoll, sqThreadIdle: .milliseconds(10), taskRun: taskRun)]
        let loop = UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .fixed(0), queueDepth: 1, ios: ios, peek: peek)
        s.threads = [ThreadSpec(name: "job", program: program ?? [.uring(loop)])]
        return try Simulator(s).run()
    }

    /// Depth 1: each read's wake-up from the wait adds 4,000 ns of system time, and each read is observed that
    /// much later than the one before it was (two reads: 4,000 and 8,000 later), whichever way the task work runs.
    @Test(arguments: [TaskRunMode.deferred, .interrupt])
    func eachWakeUpFromTheWaitPaysIt(taskRun: TaskRunMode) throws {
        let plain = try run(wait: 0, taskRun: taskRun, ios: 2), waiting = try run(wait: 4_000, taskRun: taskRun, ios: 2)
        #expect(plain.iosCompleted == 2 && waiting.iosCompleted == 2)
        #expect(waiting.totalCPU[.syscall] - plain.totalCPU[.syscall] == .nanoseconds(8_000))
        let before = plain.ioRecords.compactMap(\.observed), after = waiting.ioRecords.compactMap(\.observed)
        #expect(before.count == 2 && after.count == 2)
        #expect(zip(after, before).map { ($0 - $1).nanoseconds } == [4_000, 8_000])
        #expect(waiting.elapsed - plain.elapsed == .nanoseconds(8_000))
        // The other categories do not move.
        for category in [CPUCategory.user, .irq, .deferred, .contextSwitch, .polling] {
            #expect(waiting.totalCPU[category] == plain.totalCPU[category], "\(category)")
        }
    }

    /// The owner of an SQPOLL ring waits in io_uring_enter too: it pays on its wake-up.
    @Test func anSQPOLLOwnerPaysIt() throws {
        let plain = try run(wait: 0, cpus: 2, sqpoll: true), waiting = try run(wait: 4_000, cpus: 2, sqpoll: true)
        #expect(plain.iosCompleted == 1 && waiting.iosCompleted == 1)
        #expect(waiting.totalCPU[.syscall] - plain.totalCPU[.syscall] == .nanoseconds(4_000))
    }

    /// No sleep in the wait, no cost: a loop peeking at the CQ, and a blocking read.
    @Test func whatDoesNotSleepInTheWaitPaysNothing() throws {
        #expect(try run(wait: 4_000, taskRun: .interrupt, peek: true) == run(wait: 0, taskRun: .interrupt, peek: true))
        let read = [Operation.io(IOOperation(.read, file: "data", sizeBytes: 4096, offset: .fixed(0), style: .blocking))]
        #expect(try run(wait: 4_000, program: read) == run(wait: 0, program: read))
    }

    /// Depth 4, 40 reads, one CPU: an enter that finds CQEs there does not sleep and pays nothing, so the cost is
    /// paid once per sleep in the wait (counted in the trace), fewer times than there are reads.
    @Test func onlyAnEnterThatSleptPaysIt() throws {
        func traced(wait: Int64) throws -> (SimulationResult, sleeps: Int) {
            var s = constantCostScenario(cpus: 1)
            s.kernel.uringWait = .nanoseconds(wait)
            s.device.channels = 2
            s.rings = [RingSpec(name: "ring", entries: 8, taskRun: .interrupt)]
            s.threads = [
                ThreadSpec(name: "job", program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, queueDepth: 4, ios: 40))])
            ]
            let recorder = TraceRecorder()
            let r = try Simulator(s, trace: recorder).run()
            let sleeps = recorder.events.filter {
                if case .thread(_, .blocked(reason: "io_uring_enter"), _) = $0 { return true }
                return false
            }.count
            return (r, sleeps)
        }
        let (plain, plainSleeps) = try traced(wait: 0), (waiting, sleeps) = try traced(wait: 4_000)
        #expect(plain.iosCompleted == 40 && waiting.iosCompleted == 40)
        #expect(sleeps > 0 && sleeps < 40, "\(sleeps) sleeps")
        #expect(plainSleeps == sleeps)
        #expect(waiting.totalCPU[.syscall] - plain.totalCPU[.syscall] == .nanoseconds(4_000 * Int64(sleeps)))
    }

    /// A negative value is refused by name (the decoder's reading: `DecoderErrorTests`).
    @Test func aNegativeValueIsRefused() throws {
        var bad = constantCostScenario(cpus: 1)
        bad.kernel.uringWait = .nanoseconds(-1)
        bad.threads = [ThreadSpec(name: "main", program: [.compute(.constant(1_000))])]
        #expect {
            try Simulator(bad).run()
        } throws: { error in
            "\(error)".contains("kernel.uringWait")
        }
    }
}
