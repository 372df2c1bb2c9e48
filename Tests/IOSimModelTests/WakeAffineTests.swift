import IOSimCore
import IOSimModel
import Testing

/// `machine.wakeAffine`: a thread woken by a thread running on the CPU the woken one last ran on is queued on
/// that CPU at once (no IPI, no wake-up latency) and runs when the waker leaves it; an idle CPU may take it from
/// there only once woken itself, `wakeupLatency` later. The scenario: a producer posts to a port that a
/// consumer waits on; the consumer then starts a read, whose `issued` instant says when it ran again.
@Suite struct WakeAffineTests {
    /// Two CPUs with per-CPU queues: `hog` takes CPU 1 (placed first) for `hogNs`, `consumer` CPU 0, where it
    /// waits on the port; `producer`, queued behind `hog`, is taken by CPU 0 once the consumer waits (it never
    /// ran, so it is not cache-hot). So the producer runs on the CPU the consumer last ran on. It computes
    /// 10,000, posts (entry 100 and exit 200), then computes `afterPostNs` and ends.
    func run(wakeAffine: Bool, hogNs: Int64, afterPostNs: Int64) throws -> SimulationResult {
        var s = constantCostScenario(cpus: 2)  // contextSwitch 1,000, wakeupLatency 3,000
        s.machine.runQueues = .perCPU
        s.machine.migrationCost = .zero
        s.machine.wakeAffine = wakeAffine
        s.ports = [PortSpec(name: "p")]
        s.threads = [
            ThreadSpec(name: "hog", program: [.compute(.constant(hogNs))]),
            ThreadSpec(name: "consumer", program: [.dequeue(port: "p"), read4k(.blocking)]),
            ThreadSpec(name: "producer", program: [.compute(.constant(10_000)), .post(port: "p"), .compute(.constant(afterPostNs))]),
        ]
        return try Simulator(s).run()
    }

    func consumerRuns(_ r: SimulationResult) throws -> Int64 { try #require(r.ioRecords.first?.issued).nanosecondsSinceStart }

    /// The consumer is switched in on CPU 0 at 1,000, enters its wait (entry 100) and blocks at 1,100; CPU 0 takes
    /// the producer (switch 1,000), which computes from 2,100 to 12,100 and posts (300): P = 12,400. Affine, the
    /// consumer waits on CPU 0 until the producer ends at 13,400, is switched in at 14,400 and leaves its wait
    /// (exit 200): its read is issued at 14,600. Woken instead, it is ready at P + 3,000 = 15,400 on CPU 0, idle
    /// by then: 16,600, 2,000 later.
    @Test func aWakeupOnTheWakersCPURunsWhenTheWakerLeaves() throws {
        #expect(try consumerRuns(run(wakeAffine: true, hogNs: 1_000_000, afterPostNs: 1_000)) == 14_600)
        #expect(try consumerRuns(run(wakeAffine: false, hogNs: 1_000_000, afterPostNs: 1_000)) == 16_600)
    }

    /// The producer computes on for 100,000 after its post, and CPU 1 is idle (the hog ends early): the
    /// consumer, queued on the producer's CPU, is taken by the idle CPU 1 only after that CPU's own wake-up, at
    /// P + 3,000, as a woken thread would run there: the same instant either way (taken at once, it would be
    /// 3,000 sooner).
    @Test func anIdleCPUTakesItNoSoonerThanAWakeup() throws {
        let plain = try run(wakeAffine: false, hogNs: 5_000, afterPostNs: 100_000)
        let affine = try run(wakeAffine: true, hogNs: 5_000, afterPostNs: 100_000)
        #expect(try consumerRuns(affine) == consumerRuns(plain))
        #expect(affine.elapsed == plain.elapsed)
    }

    /// A wake-up by a thread on another CPU than the woken one's last is not affine: with the hog on CPU 1
    /// posting instead of a producer on CPU 0, both runs are the same.
    @Test func aWakeupFromAnotherCPUIsNotAffine() throws {
        func run(_ wakeAffine: Bool) throws -> SimulationResult {
            var s = constantCostScenario(cpus: 2)
            s.machine.runQueues = .perCPU
            s.machine.wakeAffine = wakeAffine
            s.ports = [PortSpec(name: "p")]
            s.threads = [
                ThreadSpec(name: "poster", program: [.compute(.constant(10_000)), .post(port: "p"), .compute(.constant(1_000))]),
                ThreadSpec(name: "consumer", program: [.dequeue(port: "p"), read4k(.blocking)]),
            ]
            return try Simulator(s).run()
        }
        #expect(try consumerRuns(run(true)) == consumerRuns(run(false)))
    }

    /// With the shared run queue there is no CPU of its own to queue on: the scenario is refused (so is one with
    /// `machine.wakePacking`, which queues on the interrupt's CPU).
    @Test(arguments: ["machine.wakeAffine", "machine.wakePacking"])
    func itNeedsPerCPURunQueues(key: String) throws {
        var s = constantCostScenario(cpus: 2)
        if key == "machine.wakeAffine" { s.machine.wakeAffine = true } else { s.machine.wakePacking = true }
        s.threads = [ThreadSpec(name: "main", program: [.compute(.constant(1))])]
        let e = try #require(buildError(s))
        #expect(e.kind == .invalidConfiguration && e.subject == key)
        s.machine.runQueues = .perCPU
        #expect(buildError(s) == nil)
    }
}
