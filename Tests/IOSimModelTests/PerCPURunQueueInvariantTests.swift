import IOSimCore
import IOSimModel
import Testing

/// Checks from a trace: no runnable thread that has cooled (or never ran) waits while a CPU stays idle for
/// longer than `slack` together with it; CPU "runnable" counter never negative.
func perCPUTraceViolations(_ events: [TraceEvent], cpus: Int, migrationCost: Int64, slack: Int64) -> [String] {
    var out: [String] = []
    var runnableSince: [Int: Int64] = [:]
    var leftAt: [Int: Int64] = [:]
    var running: Set<Int> = []
    var idleSince = [Int64?](repeating: 0, count: cpus)
    var now: Int64 = 0
    func check() {
        for (t, since) in runnableSince.sorted(by: { $0.key < $1.key }) {
            let cool = leftAt[t].map { $0 + migrationCost } ?? 0
            let stealable = max(since, cool)
            for c in 0..<cpus {
                guard let idle = idleSince[c] else { continue }
                let together = now - max(stealable, idle)
                if together > slack {
                    out.append("at \(now): thread \(t) runnable since \(since) (cool \(cool)) while CPU \(c) idle since \(idle)")
                }
            }
        }
    }
    func time(_ e: TraceEvent) -> Int64? {
        switch e {
        case .cpu(_, _, _, let at), .thread(_, _, let at), .threadCreated(_, _, _, let at), .counter(_, _, let at):
            return at.nanosecondsSinceStart
        case .ioIssued(_, _, _, _, _, let at), .ioSubmitted(_, _, let at), .ioInterrupt(_, _, let at),
            .ioCompleted(_, _, let at), .ioObserved(_, _, let at), .interruptStall(_, _, let at):
            return at.nanosecondsSinceStart
        case .deviceService: return nil
        }
    }
    for e in events {
        if let t = time(e), t > now {
            now = t
            check()  // the state held over the open interval before t
        }
        switch e {
        case .cpu(let c, let category, _, let at):
            if category == .idle {
                if idleSince[c] == nil { idleSince[c] = at.nanosecondsSinceStart }
            } else {
                idleSince[c] = nil
            }
        case .thread(let t, let state, let at):
            let wasRunning = running.contains(t)
            if case .running = state {
                running.insert(t)
            } else {
                running.remove(t)
                if wasRunning { leftAt[t] = at.nanosecondsSinceStart }
            }
            if case .runnable = state {
                if runnableSince[t] == nil { runnableSince[t] = at.nanosecondsSinceStart }
            } else {
                runnableSince[t] = nil
            }
        case .counter(let name, let value, let at):
            if name == "runnable" && value < 0 { out.append("at \(at): runnable counter \(value)") }
        default: break
        }
    }
    check()
    return out
}

/// Per-CPU run queues under random scenarios (`randomScenario` with per-CPU queues forced, migration costs from
/// 0 to 5 ms, up to 8 CPUs): every thread finishes, every IO completes once, the CPU time adds up, runs are
/// deterministic, and, from the trace, no thread that has cooled (or never ran) waits while a CPU idles.
@Suite struct PerCPURunQueueInvariantTests {
    static let seeds: [UInt64] = Array(1...100)

    @Test(arguments: seeds)
    func randomPerCPU(seed: UInt64) throws {
        var (s, summary) = randomScenario(seed: seed)
        var d = ScenarioDraw(seed: seed &* 7919)
        s.machine.runQueues = .perCPU
        s.machine.migrationCost = .nanoseconds(d.pick([0, 1_000, 50_000, 500_000, 5_000_000]))
        if d.bool() { s.machine.cpuCount = max(s.machine.cpuCount, d.pick([1, 2, 3, 8])) }
        if d.bool() {  // a wake-up latency by idle time
            s.machine.wakeupAfterIdle = [
                WakeupAfterIdle(idle: .microseconds(5), latency: .nanoseconds(d.pick([0, 2_000]))),
                WakeupAfterIdle(idle: .microseconds(200), latency: .microseconds(9)),
            ]
        }
        if s.machine.hostMilliCPUs > 0 { return }  // 5 s runs
        s.stop.afterTime = .milliseconds(100)
        var sh = s
        sh.machine.runQueues = .shared
        guard let shared = try? Simulator(sh).run(),
            shared.progressReports == Int64(s.threads.filter { !$0.daemon && !$0.template }.map(\.count).reduce(0, +)),
            shared.events < 2_000_000
        else { return }  // not a per-CPU matter
        let table = s.machine.wakeupAfterIdle.map { "\($0.idle.nanoseconds):\($0.latency.nanoseconds)" }.joined(separator: ",")
        let why = "seed \(seed) mc \(s.machine.migrationCost.nanoseconds) cpus \(s.machine.cpuCount) wakeupAfterIdle [\(table)]: \(summary)"
        let recorder = TraceRecorder()
        let r: SimulationResult
        do { r = try Simulator(s, trace: recorder).run() } catch {
            Issue.record("\(why): \(error)")
            return
        }
        #expect(r.iosCompleted == r.iosIssued, "\(why)")
        #expect(r.progressReports == Int64(s.threads.filter { !$0.daemon && !$0.template }.map(\.count).reduce(0, +)), "\(why)")
        #expect(r.totalCPU.total.nanoseconds == r.elapsed.nanoseconds * Int64(r.cpuCount), "\(why)")
        let v = perCPUTraceViolations(
            recorder.events, cpus: s.machine.cpuCount, migrationCost: s.machine.migrationCost.nanoseconds, slack: 2_000_000)
        #expect(v.isEmpty, "\(why): \(v.prefix(3))")
        // Determinism.
        let again = try Simulator(s).run()
        let notTraced = try Simulator(s).run()
        #expect(again == notTraced, "\(why)")
    }

    /// CPU-bound threads, sleeps and time slices on many CPUs.
    @Test(arguments: Array(UInt64(1)...UInt64(50)))
    func computeAndSleep(seed: UInt64) throws {
        var d = ScenarioDraw(seed: seed)
        var s = Scenario(name: "cs \(seed)")
        s.seed = seed
        s.machine.cpuCount = d.pick([1, 2, 3, 4, 8])
        s.machine.runQueues = .perCPU
        s.machine.migrationCost = .nanoseconds(d.pick([0, 10_000, 500_000]))
        s.machine.timeSlice = d.bool() ? .nanoseconds(d.int64(5_000...200_000)) : .zero
        s.machine.contextSwitch = .nanoseconds(d.pick([0, 1_000]))
        s.machine.wakeupLatency = .nanoseconds(d.pick([0, 3_000]))
        s.stop.afterTime = .seconds(2)
        var threads: [ThreadSpec] = []
        for i in 0..<d.int(1...6) {
            threads.append(
                ThreadSpec(
                    name: "t\(i)", count: d.int(1...6),
                    program: [
                        .repeatCount(
                            d.int(1...20),
                            [.compute(.exponential(mean: d.int64(1_000...300_000))), .sleep(.exponential(mean: d.int64(1_000...1_000_000)))]),
                        .reportProgress,
                    ]))
        }
        s.threads = threads
        let why = "seed \(seed) cpus \(s.machine.cpuCount) mc \(s.machine.migrationCost.nanoseconds) slice \(s.machine.timeSlice.nanoseconds)"
        let recorder = TraceRecorder()
        let r = try Simulator(s, trace: recorder).run()
        #expect(r.progressReports == Int64(threads.map(\.count).reduce(0, +)), "\(why)")
        #expect(r.elapsed < .seconds(2), "\(why)")
        let v = perCPUTraceViolations(
            recorder.events, cpus: s.machine.cpuCount, migrationCost: s.machine.migrationCost.nanoseconds, slack: 0)
        #expect(v.isEmpty, "\(why): \(v.prefix(3))")
    }
}

/// On one CPU a queue per CPU is the shared queue: the same results, to the byte.
@Suite struct OneCPURunQueueTests {
    @Test(arguments: Array(UInt64(1)...UInt64(120)))
    func oneCPUIsTheSame(seed: UInt64) throws {
        var (s, summary) = randomScenario(seed: seed)
        if s.machine.cpuCount != 1 || s.machine.hostMilliCPUs > 0 { return }
        s.stop.afterTime = .milliseconds(100)
        s.machine.runQueues = .shared
        guard let a = try? Simulator(s).run(), a.events < 2_000_000 else { return }
        s.machine.runQueues = .perCPU
        let b = try Simulator(s).run()
        #expect(a == b, "seed \(seed): \(summary)")
    }
}
