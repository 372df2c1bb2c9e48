//! The public entry point: build a simulation from a `Scenario`, run it, read the result.

import IOSimCore
import IOSimEngine

/// One simulation run.
///
/// ```swift
/// let sim = try Simulator(scenario)
/// let result = try sim.run()
/// #expect(result.ioRecords[0].completed == SimInstant(nanosecondsSinceStart: 112_400))
/// ```
/// Deterministic: the same scenario (seed included) gives an identical result. A class, because the
/// world it runs holds its state at fixed addresses (`UnsafeTable`) and must never be copied.
public final class Simulator {
    var engine = Engine()
    var world: World
    var started = false

    /// Checks the scenario and compiles its programs.
    /// - Throws: `SimulationError` naming the key or the thread and step that cannot work.
    /// - Parameter trace: where to send trace events as they happen (nil: no tracing, no cost).
    /// - Parameter fastPath: run a scenario of the closed-loop shape (threads computing and issuing blocking
    ///   direct IO) on the handlers written for it; false runs every scenario on the general ones. The result
    ///   is the same either way.
    public init(_ scenario: Scenario, trace: TraceSink? = nil, fastPath: Bool = true) throws(SimulationError) {
        var compiler = Compiler(scenario: scenario)
        try compiler.validateConfiguration()
        var programs: [CompiledProgram] = []
        for spec in scenario.threads { programs.append(try compiler.compile(spec)) }
        fastPathUnavailable = fastPath
            ? World.closedLoopShape(scenario, programs, tracing: trace != nil) : "the general path was asked for"
        world = World(
            scenario: scenario, programs: programs, distributions: compiler.distributions, tracer: trace,
            fastPath: fastPath)
    }

    /// Why the run does not use the closed-loop fast path (nil when it does).
    public let fastPathUnavailable: String?

    /// Whether this run uses the closed-loop fast path (see `init`).
    public var usesFastPath: Bool { world.closedLoop }

    /// The current virtual instant.
    public var now: SimInstant { engine.now }
    /// Whether the stop condition was reached (or the run failed).
    public var isFinished: Bool { world.isFinished }
    /// IOs completed so far (for progress reports).
    public var iosCompleted: Int64 { world.ioCompleted }
    /// Whether events are still pending.
    public var hasPendingEvents: Bool { engine.pendingCount > 0 }

    func startIfNeeded() {
        if !started {
            started = true
            world.start(engine: &engine)
        }
    }

    /// Handles one event. - Returns: false when nothing is left to do.
    @discardableResult public func step() -> Bool {
        startIfNeeded()
        if world.isFinished { return false }
        return engine.step(&world)
    }

    /// Handles events up to and including `instant` (or until the run finishes).
    public func run(until instant: SimInstant) {
        startIfNeeded()
        engine.run(until: instant, &world)
    }

    /// Handles at most `maxEvents` events.
    public func run(maxEvents: UInt64) {
        startIfNeeded()
        engine.run(maxEvents: maxEvents, &world)
    }

    /// Runs to the stop condition and returns the result.
    /// - Throws: `SimulationError` for a program that fails at run time or a deadlock (every remaining
    ///   thread waits for something that can no longer happen), with the blocked threads listed.
    public func run() throws(SimulationError) -> SimulationResult {
        startIfNeeded()
        if let limit = world.scenario.stop.afterTime {
            let end = SimInstant.zero + limit
            engine.run(until: end, &world)
            if !world.isFinished && !eventsRanOut {
                world.stopReached = true
                world.finishedAt = end.nanosecondsSinceStart
            }
        } else {
            engine.run(maxEvents: .max, &world)  // one exclusive access to the class's fields for the whole loop
        }
        return try result()
    }

    /// Whether nothing is left that could change the world: no events, or only host poll ends and an instant of
    /// the device's stalls (bookkeeping; with no request in service, which would have its own event pending,
    /// they change nothing).
    var eventsRanOut: Bool { engine.pendingCount == world.pendingPollEnds + (world.device.stallArmed ? 1 : 0) }

    /// The result so far (after `run()`, the final one).
    /// - Throws: the run's failure or deadlock, if any.
    public func result() throws(SimulationError) -> SimulationResult {
        if let failure = world.failure { throw failure }
        if !world.isFinished && eventsRanOut && started {
            let blocked = world.blockedThreadDescriptions()
            if !blocked.isEmpty {
                // At the last change: stale events (a host poll's end, a cancelled timer) may run after it.
                throw SimulationError(
                    .deadlock, subject: "at \(World.formatNs(world.lastEffectAt))",
                    message: "deadlock: every remaining thread waits for something that can no longer happen",
                    blockedThreads: blocked)
            }
        }
        // A run that ran out of events ends at its last change, not at a stale event left pending when the last
        // thread finished (see `World.handle`); one stopped part way (run(until:)) ends where it stopped.
        let end =
            world.isFinished
            ? world.finishedAt : eventsRanOut ? world.lastEffectAt : engine.now.nanosecondsSinceStart
        return world.makeResult(end: end, engine: engine)
    }
}

extension World {
    func blockedThreadDescriptions() -> [String] {
        var lines: [String] = []
        for th in threads.array where !th.daemon && th.runState != .finished {
            let step = stepName(th)
            let what: String
            switch th.waitKind {
            case .io: what = "waits for an IO"
            case .port: what = "waits on a port with no packet coming"
            case .alertable: what = "waits alertably with no completion routine coming"
            case .sleep: what = "sleeps"
            case .ring: what = "waits in io_uring_enter for completions that will not come"
            case .sqpollIdle, .workerIdle: what = "is an idle kernel thread"
            case .none: what = "is \(th.runState)"
            }
            lines.append("thread '\(th.name)' \(step): \(what)")
        }
        return lines
    }

    func makeResult(end: Int64, engine: borrowing Engine) -> SimulationResult {
        let ledger = closedLedger(at: end)
        let blockedArea = blockedOnIOArea + Double(blockedOnIO) * Double(end - blockedOnIOSince)
        var perCPU: [CPUTime] = []
        var total = CPUTime()
        let n = CPUCategory.allCases.count
        for c in 0..<cpuCount {
            let slice = Array(ledger[(c * n)..<((c + 1) * n)])
            perCPU.append(CPUTime(nanoseconds: slice))
            for k in 0..<n { total.nanoseconds[k] += slice[k] }
        }
        let elapsed = end
        let latencies = recorder.histogram(0)
        return SimulationResult(
            scenario: scenario.name, seed: scenario.seed, elapsed: .nanoseconds(elapsed), events: engine.eventsProcessed,
            cpuCount: cpuCount, perCPU: perCPU, totalCPU: total, iosIssued: ioIssued, iosCompleted: ioCompleted,
            iosSynchronous: ioSynchronous, bytes: bytesCompleted,
            iops: elapsed > 0 ? Double(ioCompleted) * 1e9 / Double(elapsed) : 0,
            latency: LatencySummary(latencies), latencyHistogram: latencies,
            stages: IOStage.allCases.map { LatencySummary(recorder.histogram(1 + $0.rawValue)) },
            interrupts: interrupts, deferredWakeUps: deferredWakeUps, wakeIPIs: wakeIPIs, deviceStalls: device.stalls,
            deviceStallInstants: device.stallInstants, deviceStallIntervals: device.stallIntervals,
            contextSwitches: contextSwitches, ringEnters: ringEnters,
            threads: ThreadCensus(
                maxAlive: maxAlive, created: threadsCreated,
                blockedOnIO: elapsed > 0 ? Double(blockedArea) / Double(elapsed) : 0,
                attachedShare: attachedShareCount > 0 ? attachedShareSum / Double(attachedShareCount) : 0,
                stackBytesMax: Int64(maxAlive) * scenario.machine.threadStackBytes, kernelCreated: kernelThreadsCreated),
            progressReports: progressReports, progressMaxGap: .nanoseconds(progressMaxGap),
            narration: narration.enumerated().sorted { a, b in
                a.element.instant == b.element.instant ? a.offset < b.offset : a.element.instant < b.element.instant
            }.map(\.element),
            ioRecords: ioRecords)
    }
}
