import IOSimCore
import IOSimModel
import Testing

/// `machine.localWakeup`: an interrupt's deferred routine waking a thread on the idle CPU it last ran on takes
/// that long to run it, where a wake-up from elsewhere (or onto a busy CPU) takes `wakeupLatency`.
@Suite struct LocalWakeupTests {
    func run(cpus: Int, localWakeup: Int64?, threads: [ThreadSpec]) throws -> SimulationResult {
        var s = constantCostScenario(cpus: cpus)  // wakeupLatency 3,000; interrupts on CPU 0
        s.machine.localWakeup = localWakeup.map { .nanoseconds($0) }
        s.threads = threads
        return try Simulator(s).run()
    }

    func observed(_ r: SimulationResult) throws -> Int64 { try #require(r.ioRecords.first?.observed).nanosecondsSinceStart }

    /// One blocking read on one CPU: its interrupt's deferred routine, on that idle CPU, wakes it locally: the
    /// read is observed 10,000 - 3,000 later than with the plain wake-up, and the time is idle, not CPU time.
    @Test func aReaderWokenOnItsIdleCPUTakesTheLocalWakeup() throws {
        let reader = [ThreadSpec(name: "main", program: [read4k(.blocking)])]
        let plain = try run(cpus: 1, localWakeup: nil, threads: reader)
        let local = try run(cpus: 1, localWakeup: 10_000, threads: reader)
        #expect(try observed(local) - observed(plain) == 7_000)
        #expect(local.elapsed - plain.elapsed == .nanoseconds(7_000))
        #expect(local.totalCPU[.idle] - plain.totalCPU[.idle] == .nanoseconds(7_000))
        // Unset, it is the wake-up latency: the same run as a localWakeup of 3,000.
        #expect(try observed(run(cpus: 1, localWakeup: 3_000, threads: reader)) == observed(plain))
    }

    /// Two CPUs: the reader runs on CPU 1 and its interrupts go to CPU 0, so the deferred routine wakes it
    /// across CPUs: the wake-up latency, whatever localWakeup is.
    @Test func aWakeupFromAnotherCPUIsNotLocal() throws {
        let reader = [ThreadSpec(name: "main", program: [read4k(.blocking)])]
        let plain = try run(cpus: 2, localWakeup: nil, threads: reader)
        let local = try run(cpus: 2, localWakeup: 10_000, threads: reader)
        #expect(try observed(local) == observed(plain))
        #expect(local.elapsed == plain.elapsed)
    }

    /// One CPU busy with another thread's work when the interrupt comes (the read's deferred routine ends at
    /// about 29 us, the work at about 36 us): the reader is woken onto a busy CPU, not from idle, and queued
    /// behind the work: the wake-up latency, whatever localWakeup is (a local 10,000 would make it later).
    @Test func aWakeupOntoABusyCPUIsNotLocal() throws {
        let threads = [
            ThreadSpec(name: "reader", program: [read4k(.blocking)]),
            ThreadSpec(name: "worker", program: [.compute(.constant(30_000))]),
        ]
        let plain = try run(cpus: 1, localWakeup: nil, threads: threads)
        let local = try run(cpus: 1, localWakeup: 10_000, threads: threads)
        #expect(try observed(local) == observed(plain))
        #expect(local.elapsed == plain.elapsed)
    }

    /// After the read's local wake-up, a sleep's end on the same idle CPU is a timer's, not a deferred routine's:
    /// the run is longer by the read's 7,000 only.
    @Test func onlyTheDeferredRoutinesWakeupIsLocal() throws {
        let reader = [ThreadSpec(name: "main", program: [read4k(.blocking), .sleep(.constant(50_000))])]
        let plain = try run(cpus: 1, localWakeup: nil, threads: reader)
        let local = try run(cpus: 1, localWakeup: 10_000, threads: reader)
        #expect(local.elapsed - plain.elapsed == .nanoseconds(7_000))
    }

    @Test func aNegativeValueIsRefused() {
        var s = constantCostScenario(cpus: 1)
        s.machine.localWakeup = .nanoseconds(-1)
        s.threads = [ThreadSpec(name: "main", program: [.compute(.constant(1_000))])]
        #expect(throws: SimulationError.self) { try Simulator(s).run() }
    }
}
