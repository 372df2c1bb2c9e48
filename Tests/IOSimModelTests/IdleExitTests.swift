import IOSimCore
import IOSimModel
import Testing

/// `machine.idleExit`: leaving the idle task to run a thread costs that much more than a switch.
@Suite struct IdleExitTests {
    func run(idleExit: Int64, threads: [ThreadSpec]) throws -> SimulationResult {
        var s = constantCostScenario(cpus: 1)
        s.machine.idleExit = .nanoseconds(idleExit)
        s.threads = threads
        return try Simulator(s).run()
    }

    /// One blocking read on one CPU: the thread leaves idle at the start and again when its read's wake-up
    /// finds the CPU idle, so the read is observed 2 x 5,000 later, all of it switch time.
    @Test func aThreadWokenOnAnIdleCPUPaysTheExit() throws {
        let reader = [ThreadSpec(name: "main", program: [read4k(.blocking)])]
        let plain = try run(idleExit: 0, threads: reader)
        let exiting = try run(idleExit: 5_000, threads: reader)
        let before = try #require(plain.ioRecords.first?.observed), after = try #require(exiting.ioRecords.first?.observed)
        #expect(after - before == .nanoseconds(10_000))
        #expect(exiting.totalCPU[.contextSwitch] - plain.totalCPU[.contextSwitch] == .nanoseconds(10_000))
    }

    /// Two threads of work on one CPU: the first leaves idle; the second follows it without the CPU idling, a
    /// plain switch.
    @Test func aSwitchBetweenThreadsDoesNotPayIt() throws {
        let workers = [ThreadSpec(name: "w", count: 2, program: [.compute(.constant(10_000))])]
        let r = try run(idleExit: 5_000, threads: workers)
        let switching: Int64 = 2 * 1_000 + 5_000
        #expect(r.totalCPU[.contextSwitch].nanoseconds == switching)
        #expect(r.elapsed.nanoseconds == switching + 20_000)
    }

    /// `machine.idleExitUser`: the same read, each of its two exits from idle followed by 3,000 ns of user time
    /// before the thread goes on; a switch between two threads adds none.
    @Test func leavingIdleAddsItsUserTime() throws {
        func run(user: Int64, threads: [ThreadSpec]) throws -> SimulationResult {
            var s = constantCostScenario(cpus: 1)
            s.machine.idleExit = .nanoseconds(5_000)
            s.machine.idleExitUser = .nanoseconds(user)
            s.threads = threads
            return try Simulator(s).run()
        }
        let reader = [ThreadSpec(name: "main", program: [read4k(.blocking)])]
        let plain = try run(user: 0, threads: reader), exiting = try run(user: 3_000, threads: reader)
        let before = try #require(plain.ioRecords.first?.observed), after = try #require(exiting.ioRecords.first?.observed)
        #expect(after - before == .nanoseconds(6_000))
        #expect(exiting.totalCPU[.user] - plain.totalCPU[.user] == .nanoseconds(6_000))
        #expect(exiting.totalCPU[.contextSwitch] == plain.totalCPU[.contextSwitch])
        let workers = [ThreadSpec(name: "w", count: 2, program: [.compute(.constant(10_000))])]
        let r = try run(user: 3_000, threads: workers)
        #expect(r.totalCPU[.user].nanoseconds == 20_000 + 3_000)
        #expect(r.elapsed.nanoseconds == 2 * 1_000 + 5_000 + 3_000 + 20_000)
        var s = constantCostScenario(cpus: 1)
        s.machine.idleExitUser = .nanoseconds(-1)
        s.threads = workers
        #expect(throws: SimulationError.self) { try Simulator(s).run() }
    }

    /// A kernel thread has no user mode: with SQPOLL, the poller leaving idle at the start pays no user time; the
    /// owner pays it twice (at its start and when the completion wakes it on its idle CPU).
    @Test func aKernelThreadLeavingIdlePaysNoUserTime() throws {
        func run(user: Int64) throws -> SimulationResult {
            var s = constantCostScenario(cpus: 2)
            s.machine.idleExitUser = .nanoseconds(user)
            s.rings = [RingSpec(name: "ring", entries: 8, sqpoll: true, sqThreadIdle: .milliseconds(10))]
            s.threads = [
                ThreadSpec(name: "job", program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .fixed(0), queueDepth: 1, ios: 1))])
            ]
            return try Simulator(s).run()
        }
        let plain = try run(user: 0), exiting = try run(user: 3_000)
        #expect(plain.iosCompleted == 1 && exiting.iosCompleted == 1)
        #expect(exiting.totalCPU[.user] - plain.totalCPU[.user] == .nanoseconds(6_000))
    }

    /// The scenario key reads and is checked as a duration.
    @Test func theKeyIsADuration() throws {
        var s = constantCostScenario(cpus: 1)
        s.machine.idleExit = .nanoseconds(-1)
        s.threads = [ThreadSpec(name: "main", program: [.compute(.constant(1_000))])]
        #expect(throws: SimulationError.self) { try Simulator(s).run() }
    }
}
