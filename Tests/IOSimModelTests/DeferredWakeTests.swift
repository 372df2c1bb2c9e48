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
}
