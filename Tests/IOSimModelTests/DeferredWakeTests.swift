import IOSimCore
import IOSimModel
import Testing

/// `interrupts.deferredWake`: the deferred routine pays it when its completion wakes a thread (one blocked on
/// the request, or a ring's owner waiting for completions), not when nobody waits.
@Suite("The deferred routine's wake-up cost")
struct DeferredWakeTests {
    func run(_ program: [Operation], wake: Int64, rings: [RingSpec] = []) throws -> SimulationResult {
        var s = constantCostScenario()
        s.interrupts.deferredWake = .nanoseconds(wake)
        s.rings = rings
        s.threads = [ThreadSpec(name: "main", program: program)]
        return try Simulator(s).run()
    }

    /// A blocking read: its deferred routine (2,000) wakes the thread, so it takes 2,300 with a 300 ns wake.
    @Test func aBlockingReadPaysIt() throws {
        let plain = try run([read4k(.blocking)], wake: 0)
        let waking = try run([read4k(.blocking)], wake: 300)
        #expect(waking.totalCPU[.deferred] == plain.totalCPU[.deferred] + .nanoseconds(300))
        #expect(waking.elapsed == plain.elapsed + .nanoseconds(300))
    }

    /// An overlapped read that nobody waits for when it completes (the thread computes 100 us first): no wake.
    @Test func aCompletionNobodyWaitsForDoesNot() throws {
        let program: [Operation] = [
            read4k(.overlapped, name: "a"), .compute(.constant(100_000)), .getResult(request: "a", wait: true),
        ]
        let plain = try run(program, wake: 0)
        let waking = try run(program, wake: 300)
        #expect(waking.totalCPU[.deferred] == plain.totalCPU[.deferred])
    }

    /// A ring at queue depth 1: every completion finds the owner waiting in io_uring_enter and wakes it.
    @Test func aWaitingRingOwnerPaysItOncePerCompletion() throws {
        let loop: [Operation] = [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .fixed(0), queueDepth: 1, ios: 5))]
        let plain = try run(loop, wake: 0, rings: [RingSpec(name: "ring", entries: 8)])
        let waking = try run(loop, wake: 300, rings: [RingSpec(name: "ring", entries: 8)])
        #expect(waking.iosCompleted == 5)
        #expect(waking.totalCPU[.deferred] == plain.totalCPU[.deferred] + .nanoseconds(5 * 300))
    }

    /// With SQPOLL the completion's task work goes to the SQ thread, which is signalled whether it sleeps or
    /// spins (the first item on its empty list): at queue depth 1 every completion pays it, the poller spinning.
    @Test func anSQPollRingSignalsItsSpinningThreadOncePerCompletion() throws {
        let loop: [Operation] = [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .fixed(0), queueDepth: 1, ios: 5))]
        let ring = RingSpec(name: "ring", entries: 8, sqpoll: true, sqThreadIdle: .milliseconds(10))
        let plain = try run(loop, wake: 0, rings: [ring])
        let waking = try run(loop, wake: 300, rings: [ring])
        #expect(waking.iosCompleted == 5)
        #expect(waking.totalCPU[.deferred] == plain.totalCPU[.deferred] + .nanoseconds(5 * 300))
    }

    /// `interrupts.deferredWakeRemote`: with per-CPU run queues, a thread that last ran on another, idle CPU is
    /// woken by an IPI, which the deferred routine pays; one on the interrupt's own CPU is not, and with the
    /// shared queue none is. One blocking read on two CPUs: the thread runs on CPU 1 (the highest idle one), the
    /// interrupt lands on CPU 0 or 1.
    @Test(arguments: [(0, RunQueues.perCPU, 4_000), (1, .perCPU, 0), (0, .shared, 0)])
    func aWakeToAnotherIdleCPUPaysTheIPI(target: Int, queues: RunQueues, extra: Int64) throws {
        func run(ipi: Int64) throws -> SimulationResult {
            var s = constantCostScenario(cpus: 2)
            s.machine.runQueues = queues
            s.interrupts.target = .fixed(cpu: target)
            s.interrupts.deferredWakeRemote = .nanoseconds(ipi)
            s.threads = [ThreadSpec(name: "main", program: [read4k(.blocking)])]
            return try Simulator(s).run()
        }
        let plain = try run(ipi: 0), ipi = try run(ipi: 4_000)
        #expect(ipi.totalCPU[.deferred] == plain.totalCPU[.deferred] + .nanoseconds(extra))
        #expect(ipi.elapsed == plain.elapsed + .nanoseconds(extra))
        // Counted whatever it costs (the calibration weighs the cost by the count).
        #expect(ipi.deferredWakeUps == 1 && plain.deferredWakeUps == 1)
        #expect(ipi.wakeIPIs == (extra > 0 ? 1 : 0) && plain.wakeIPIs == ipi.wakeIPIs)
    }

    /// Wake-ups one interrupt queues to the same CPU share one IPI. A thread computing on CPU 1 (made first, so it
    /// takes CPU 1) leaves two readers to CPU 0, one after the other; their completions share one interrupt
    /// (coalesced by two) on CPU 1, whose deferred routine wakes both: one IPI, to CPU 0.
    @Test func wakeUpsToOneCPUShareTheIPI() throws {
        func run(ipi: Int64) throws -> SimulationResult {
            var s = constantCostScenario(cpus: 2)
            s.machine.runQueues = .perCPU
            s.interrupts.target = .fixed(cpu: 1)
            s.interrupts.coalesceCount = 2
            s.interrupts.coalesceTime = .milliseconds(1)
            s.interrupts.deferredWakeRemote = .nanoseconds(ipi)
            s.threads = [
                ThreadSpec(name: "busy", program: [.compute(.constant(1_000_000))]),
                ThreadSpec(name: "reader", count: 2, program: [read4k(.blocking)]),
            ]
            return try Simulator(s).run()
        }
        let plain = try run(ipi: 0), ipi = try run(ipi: 4_000)
        #expect(ipi.interrupts == 1 && ipi.iosCompleted == 2)
        #expect(ipi.deferredWakeUps == 2 && ipi.wakeIPIs == 1 && plain.wakeIPIs == 1)
        #expect(ipi.totalCPU[.deferred] == plain.totalCPU[.deferred] + .nanoseconds(4_000))
    }

    /// Left at 0 it changes nothing, and the closed-loop fast path (which does not model it) steps aside only
    /// when it is set.
    @Test func atZeroItKeepsTheFastPath() throws {
        var s = constantCostScenario(cpus: 2)
        s.threads = [ThreadSpec(name: "main", program: [read4k(.blocking)])]
        let plain = try Simulator(s)
        #expect(plain.fastPathUnavailable == nil)
        s.interrupts.deferredWakeRemote = .nanoseconds(1)
        #expect(try Simulator(s).fastPathUnavailable?.contains("interrupts.deferredWakeRemote") == true)
    }
}
