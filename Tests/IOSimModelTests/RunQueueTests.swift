import IOSimCore
import IOSimModel
import Testing

/// `machine.runQueues`: one shared queue, or a queue per CPU as Linux keeps them.
@Suite struct RunQueueTests {
    /// Constant costs on two CPUs (switch 1,000, wake-up 3,000, no time slice). Threads are placed in order:
    /// "sleeper" on CPU 1 (the highest-numbered idle), "short" on CPU 0, and "hog" (no CPU idle) waits on
    /// CPU 1's queue (the fewest waiting: a tie, the highest-numbered). "sleeper" computes 5,000 from 1,000,
    /// then sleeps 10,000 from 6,000 (a sleep costs no CPU here): CPU 1 takes "hog", which computes 100,000
    /// after its switch, to 107,000. "sleeper" is runnable at 19,000 (3,000 of wake-up) while both CPUs are
    /// busy, so it waits on CPU 1, the one it ran on; "short" ends at 31,000 and CPU 0 idles.
    /// Returns when each thread finished and the CPU it finished on.
    static let threads = [
        ThreadSpec(
            name: "sleeper",
            program: [.compute(.constant(5_000)), .sleep(.constant(10_000)), .compute(.constant(10_000))]),
        ThreadSpec(name: "short", program: [.compute(.constant(30_000))]),
        ThreadSpec(name: "hog", program: [.compute(.constant(100_000))]),
    ]

    func run(_ runQueues: RunQueues, migrationCost: Int64 = 500_000) throws -> [String: (at: Int64, cpu: Int)] {
        var s = constantCostScenario(cpus: 2)
        s.machine.runQueues = runQueues
        s.machine.migrationCost = .nanoseconds(migrationCost)
        s.threads = RunQueueTests.threads
        let recorder = TraceRecorder()
        _ = try Simulator(s, trace: recorder).run()
        var names: [Int: String] = [:]
        var lastCPU: [Int: Int] = [:]
        var finished: [String: (at: Int64, cpu: Int)] = [:]
        for e in recorder.events {
            switch e {
            case .threadCreated(let t, let name, _, _): names[t] = name
            case .thread(let t, .running(let cpu), _): lastCPU[t] = cpu
            case .thread(let t, .finished, let at): finished[names[t]!] = (at.nanosecondsSinceStart, lastCPU[t]!)
            default: break
            }
        }
        return finished
    }

    /// Shared: the woken "sleeper" runs on CPU 0 as soon as "short" leaves it.
    @Test func aSharedQueueRunsTheWokenThreadOnTheFirstCPUThatFrees() throws {
        let r = try run(.shared)
        #expect(r["short"]! == (31_000, 0))
        // CPU 0 frees at 31,000: a switch of 1,000, then 10,000 of compute.
        #expect(r["sleeper"]! == (42_000, 0))
        #expect(r["hog"]! == (107_000, 1))
    }

    /// Per CPU: "sleeper" waits on CPU 1's queue while CPU 0 idles (it is cache-hot: it left a CPU 500 us ago
    /// at most), and runs when "hog" ends at 107,000.
    @Test func perCPUQueuesKeepAHotThreadOnItsCPU() throws {
        let r = try run(.perCPU)
        #expect(r["short"]! == (31_000, 0))
        #expect(r["hog"]! == (107_000, 1))
        #expect(r["sleeper"]! == (107_000 + 1_000 + 10_000, 1))
    }

    /// Per CPU with a migration cost of 40,000: "sleeper" left CPU 1 at 6,000 and cools at 46,000, when idle
    /// CPU 0 (a balance event) takes it.
    @Test func anIdleCPUTakesAThreadOnceItHasCooled() throws {
        let r = try run(.perCPU, migrationCost: 40_000)
        #expect(r["sleeper"]! == (46_000 + 1_000 + 10_000, 0))
        #expect(r["hog"]! == (107_000, 1))
    }

    /// A thread that never ran is not hot: an idle CPU takes it from another's queue at once.
    @Test func aThreadThatNeverRanMovesAtOnce() throws {
        var s = constantCostScenario(cpus: 2)
        s.machine.runQueues = .perCPU
        s.threads = [
            ThreadSpec(name: "long", program: [.compute(.constant(100_000))]),
            ThreadSpec(name: "brief", program: [.compute(.constant(10_000))]),
            ThreadSpec(name: "waiting", program: [.compute(.constant(10_000))]),
        ]
        // "long" on CPU 1, "brief" on CPU 0, "waiting" queued on CPU 1; CPU 0 frees at 11,000 and takes it:
        // everything ends with "long" at 101,000, and "waiting" at 11,000 + 1,000 + 10,000.
        let r = try Simulator(s).run()
        #expect(r.elapsed == .nanoseconds(101_000))
        let shared = try Simulator({ var t = s; t.machine.runQueues = .shared; return t }()).run()
        #expect(shared.elapsed == r.elapsed)
        #expect(r.perCPU[0][.user] == .nanoseconds(20_000), "CPU 0 ran \"brief\" and \"waiting\"")
    }

    /// A thread placed on a CPU in interrupt context (idle to the scheduler) while another CPU idles waits there
    /// for the interrupt work to end, however long it slept: the idle CPU does not take it (Linux's
    /// `select_task_rq_fair` chose that CPU as idle, and balancing moves tasks only off a CPU with more than one
    /// runnable). Here a PIO read of 64 KiB at 1 MB/s keeps CPU 1 in its ISR for about 65 ms. "x" left CPU 1 at
    /// 2,000 and wakes from its 5 ms sleep at 5,002,000 into CPU 1's queue; CPU 0 stays idle, and "x" runs on
    /// CPU 1 when the ISR and its deferred routine end: a switch and 10,000 of compute later it is done.
    @Test func aThreadQueuedOnACPUInInterruptContextWaitsForTheInterruptWork() throws {
        let run = try Self.queuedDuringAnInterrupt()
        #expect(run.interruptEnd > 60_000_000, "the PIO read's ISR takes its 65 ms: \(run.interruptEnd)")
        #expect(run.done[0] == run.interruptEnd + 11_000, "\(run.done[0])")
        #expect(run.cpus[0] == [1, 1], "x ran on CPU 1 both times: \(run.cpus[0])")
        #expect(run.result.elapsed > .milliseconds(60), "the PIO read itself takes its 65 ms")
    }

    /// The same, and a third thread "y", pinned to CPU 0, that runs there until after "x" has been queued: CPU 0,
    /// idle again when "y" finishes, does not take "x" either, cooled as it is: a CPU's balancing takes a thread
    /// only off a CPU with more than one runnable, and "x" is the only one on CPU 1. A second thread queued there
    /// would be taken (`holdsMoreThanOneRunnable`).
    @Test func aCPUGoingIdleLeavesTheOnlyThreadOfACPUInInterruptContext() throws {
        let y = ThreadSpec(name: "y", cpus: [0], program: [.sleep(.constant(100_000)), .compute(.constant(8_000_000))])
        let run = try Self.queuedDuringAnInterrupt(also: y)
        #expect(run.cpus[2] == [0, 0], "y ran on CPU 0, before its sleep and after: \(run.cpus[2])")
        #expect(run.done[2] > 5_002_000 && run.done[2] < run.interruptEnd - 10_000_000, "y is done while x waits: \(run.done[2])")
        #expect(run.cpus[0] == [1, 1], "x ran on CPU 1 both times: \(run.cpus[0])")
        #expect(run.done[0] == run.interruptEnd + 11_000, "\(run.done[0])")
    }

    /// Two CPUs with per-CPU queues; a PIO read of 64 KiB at 1 MB/s ("io") keeps CPU 1 in its ISR for about
    /// 65 ms while "x" (thread 0, last on CPU 1) sleeps 5 ms; `also` joins them. Each thread's CPUs in the order
    /// it ran on them and when it finished, and when CPU 1 left interrupt context after x woke.
    static func queuedDuringAnInterrupt(also: ThreadSpec? = nil) throws
        -> (result: SimulationResult, cpus: [[Int]], done: [Int64], interruptEnd: Int64)
    {
        var s = constantCostScenario(cpus: 2)
        s.machine.runQueues = .perCPU
        s.machine.wakeupLatency = .zero
        s.interrupts.target = .fixed(cpu: 1)
        s.device.transfer = .pio(bytesPerSecond: 1_000_000)
        let read = IOOperation(.read, file: "data", sizeBytes: 65_536, offset: .fixed(0), style: .blocking)
        s.threads = [
            ThreadSpec(name: "x", program: [.compute(.constant(1_000)), .sleep(.constant(5_000_000)), .compute(.constant(10_000))]),
            ThreadSpec(name: "io", program: [.io(read)]),
        ] + (also.map { [$0] } ?? [])
        let recorder = TraceRecorder()
        let r = try Simulator(s, trace: recorder).run()
        var cpus = [[Int]](repeating: [], count: s.threads.count), done = [Int64](repeating: -1, count: s.threads.count)
        var interruptEnd: Int64 = -1  // CPU 1 leaves interrupt context (the ISR, then the deferred routine)
        for event in recorder.events {
            switch event {
            case .thread(let t, .finished, let at) where t < done.count: done[t] = at.nanosecondsSinceStart
            case .thread(let t, .running(let cpu), _) where t < cpus.count: cpus[t].append(cpu)
            case .cpu(1, let category, _, let at)
            where category != .irq && category != .deferred && interruptEnd < 0 && at.nanosecondsSinceStart > 5_002_000:
                interruptEnd = at.nanosecondsSinceStart
            default: break
            }
        }
        return (r, cpus, done, interruptEnd)
    }
}


/// A run with `stop.time` whose threads all finish first ends at its last change when the events run out, not at
/// an event that finds nothing to do.
@Suite struct StaleEventEndTests {
    /// Per-CPU queues as in RunQueueTests: idle CPU 0 arms a balance event for "sleeper" at 506,000 (it left CPU 1
    /// at 6,000; migration cost 500,000), but CPU 1 takes it at 107,000 and it finishes at 118,000. The balance
    /// event still fires at 506,000 and finds no one.
    @Test func aStaleBalanceEventDoesNotExtendTheRun() throws {
        var s = constantCostScenario(cpus: 2)
        s.machine.runQueues = .perCPU
        s.threads = RunQueueTests.threads
        let untimed = try Simulator(s).run()
        #expect(untimed.elapsed == .nanoseconds(118_000))
        s.stop = StopCondition(afterTime: .milliseconds(10))
        let simulator = try Simulator(s)
        let timed = try simulator.run()
        #expect(timed.elapsed == .nanoseconds(118_000))
        #expect(timed.totalCPU.total.nanoseconds == 2 * 118_000)  // the ledger closes at the same end
        // The event queue went on to 506,000 (the stale event was handled).
        #expect(simulator.now == SimInstant(nanosecondsSinceStart: 506_000))
    }
}

extension StaleEventEndTests {
    /// Coalescing by count (2) and time (500 us): two completions raise the interrupt by count, and the timer armed
    /// for the first fires later on a vector with nothing pending. The run bounded by stop.time ends where the
    /// unbounded one does.
    @Test func aStaleCoalescingTimerDoesNotExtendTheRun() throws {
        var s = constantCostScenario()
        s.device.channels = 2
        s.interrupts.coalesceCount = 2
        s.interrupts.coalesceTime = .microseconds(500)
        s.rings = [RingSpec(name: "ring", entries: 8, taskRun: .deferred)]
        s.threads = [
            ThreadSpec(name: "job", program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, queueDepth: 2, ios: 2))])
        ]
        let untimed = try Simulator(s).run()
        #expect(untimed.elapsed < .microseconds(500))
        s.stop = StopCondition(afterTime: .milliseconds(10))
        let timed = try Simulator(s).run()
        #expect(timed.elapsed == untimed.elapsed)
        #expect(timed.totalCPU[.idle] == untimed.totalCPU[.idle])
    }
}
