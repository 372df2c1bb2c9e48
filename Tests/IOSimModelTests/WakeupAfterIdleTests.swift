import IOSimCore
import IOSimModel
import Testing

/// `machine.wakeupAfterIdle`: a wake-up onto an idle CPU takes the latency the table gives for how long that CPU
/// has been idle, where `wakeupLatency` would be taken otherwise.
@Suite struct WakeupAfterIdleTests {
    /// `constantCostScenario` (wakeupLatency 3,000; interrupts on CPU 0) with the table `points` (idle ns,
    /// latency ns).
    func run(cpus: Int, _ points: [(Int64, Int64)], threads: [ThreadSpec]) throws -> SimulationResult {
        var s = constantCostScenario(cpus: cpus)
        s.machine.wakeupAfterIdle = points.map { WakeupAfterIdle(idle: .nanoseconds($0.0), latency: .nanoseconds($0.1)) }
        s.threads = threads
        return try Simulator(s).run()
    }

    func observed(_ r: SimulationResult) throws -> Int64 { try #require(r.ioRecords.first?.observed).nanosecondsSinceStart }

    let reader = [ThreadSpec(name: "main", program: [read4k(.blocking)])]

    /// Two CPUs: the reader runs on CPU 1 and blocks there at 2,300 (switch 1,000, syscall entry 100, request
    /// 400, driver 800); the read is done at 26,396 (20 us and 4,096 ns of transfer), and CPU 0's ISR and
    /// deferred routine (500 of delivery, 1,500, 2,000) wake it at 30,396: CPU 1 has been idle for 28,096. A
    /// table with a slope of one gives a wake-up of exactly that; points around it, the line between them.
    @Test func theLatencyFollowsTheIdleTimeOfTheCPUTheThreadGoesTo() throws {
        let none = try observed(run(cpus: 2, [(0, 0)], threads: reader))
        let plain = try observed(run(cpus: 2, [], threads: reader))
        #expect(plain - none == 3_000)  // no table: wakeupLatency
        #expect(try observed(run(cpus: 2, [(0, 0), (1_000_000, 1_000_000)], threads: reader)) - none == 28_096)
        #expect(try observed(run(cpus: 2, [(0, 0), (1_000_000, 2_000_000)], threads: reader)) - none == 56_192)
        // Between 10 us (5 us) and 50 us (25 us): 5,000 + 18,096 / 40,000 x 20,000.
        #expect(try observed(run(cpus: 2, [(10_000, 5_000), (50_000, 25_000)], threads: reader)) - none == 14_048)
        // Flat beyond the ends.
        #expect(try observed(run(cpus: 2, [(100_000, 7_000), (200_000, 9_000)], threads: reader)) - none == 7_000)
        #expect(try observed(run(cpus: 2, [(1_000, 4_000), (2_000, 6_000)], threads: reader)) - none == 6_000)
    }

    /// One CPU: the deferred routine runs on the reader's own idle CPU: the local wake-up (unset: wakeupLatency),
    /// whatever the table says.
    @Test func theLocalWakeupIsNotInTheTable() throws {
        let plain = try observed(run(cpus: 1, [], threads: reader))
        #expect(try observed(run(cpus: 1, [(0, 50_000)], threads: reader)) == plain)
    }

    /// One CPU busy with another thread's work when the reader is woken: no CPU is idle, so `wakeupLatency`.
    @Test func aWakeupWithNoIdleCPUTakesTheWakeupLatency() throws {
        let threads = [
            ThreadSpec(name: "reader", program: [read4k(.blocking)]),
            ThreadSpec(name: "worker", program: [.compute(.constant(30_000))]),
        ]
        let plain = try run(cpus: 1, [], threads: threads)
        let table = try run(cpus: 1, [(0, 50_000)], threads: threads)
        #expect(try observed(table) == observed(plain))
        #expect(table.elapsed == plain.elapsed)
    }

    /// The same read with per-CPU run queues: the reader goes back to its own CPU 1, idle since it blocked, and
    /// the curve gives the same 28,096.
    @Test func perCPURunQueuesTakeTheIdleTimeOfTheLastCPU() throws {
        func observedPerCPU(_ points: [(Int64, Int64)]) throws -> Int64 {
            var s = constantCostScenario(cpus: 2)
            s.machine.runQueues = .perCPU
            s.machine.wakeupAfterIdle = points.map { WakeupAfterIdle(idle: .nanoseconds($0.0), latency: .nanoseconds($0.1)) }
            s.threads = reader
            return try observed(Simulator(s).run())
        }
        #expect(try observedPerCPU([(0, 0), (1_000_000, 1_000_000)]) - observedPerCPU([(0, 0)]) == 28_096)
    }

    @Test func interpolation() {
        func curve(_ points: [(Int64, Int64)]) -> [WakeupAfterIdle] {
            points.map { WakeupAfterIdle(idle: .nanoseconds($0.0), latency: .nanoseconds($0.1)) }
        }
        let points = curve([(10, 100), (20, 200), (40, 100)])
        #expect([0, 10, 15, 20, 30, 40, 1_000].map { WakeupAfterIdle.latency(afterIdle: $0, on: points) }
            == [100, 100, 150, 200, 150, 100, 100])
        #expect(WakeupAfterIdle.latency(afterIdle: 5, on: curve([(7, 9)])) == 9)
        // Rounded to the nanosecond: a third of the way from 0 to 1.
        #expect(WakeupAfterIdle.latency(afterIdle: 1, on: curve([(0, 0), (3, 1)])) == 0)
        #expect(WakeupAfterIdle.latency(afterIdle: 2, on: curve([(0, 0), (3, 1)])) == 1)
    }

    @Test func idleTimesThatDoNotAscendOrNegativeLatenciesAreRefused() {
        for points: [(Int64, Int64)] in [[(5_000, 1_000), (5_000, 2_000)], [(5_000, 1_000), (1_000, 2_000)], [(0, -1)]] {
            #expect(throws: SimulationError.self) { try run(cpus: 2, points, threads: reader) }
        }
    }

    /// The reader blocks on CPU 1 at 2,300; a worker, waking from a sleep onto the idle CPU 1, computes there
    /// from before the read is done until long after. So when CPU 0's deferred routine wakes the reader at
    /// 30,396, the only CPU without a thread is CPU 0, in interrupt context: awake, so idle for no time. The
    /// curve gives 7,000 at 0 and 8,000 from 1 us of idle on (the worker's own wake-up, after 5 us of idle).
    @Test func aCPUInInterruptContextHasIdledForNoTime() throws {
        let threads = [
            ThreadSpec(name: "reader", program: [read4k(.blocking)]),
            ThreadSpec(name: "worker", program: [.sleep(.constant(5_000)), .compute(.constant(100_000))]),
        ]
        let none = try run(cpus: 2, [], threads: threads)
        let steep = try run(cpus: 2, [(0, 7_000), (1_000, 8_000)], threads: threads)
        #expect(try observed(steep) - observed(none) == 7_000 - 3_000)
        // Where each ran: the reader's request and the worker's work on CPU 1; the deferred routine, and the
        // reader's syscall exit after its wake-up, on CPU 0.
        for r in [none, steep] {
            #expect(r.perCPU[1][.user] == .nanoseconds(100_000) && r.perCPU[1][.syscall] == .nanoseconds(1_300))
            #expect(r.perCPU[0][.deferred] == .nanoseconds(2_000) && r.perCPU[0][.syscall] == .nanoseconds(200))
        }
    }
}
