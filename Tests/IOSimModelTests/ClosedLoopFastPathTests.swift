import IOSimCore
import IOSimModel
import Testing

/// The closed-loop fast path (World+ClosedLoop.swift) must give the general path's result, field for field,
/// events processed included, for every scenario of its shape.
@Suite struct ClosedLoopFastPathTests {
    /// A random scenario of the closed-loop shape: 1-4 CPUs, context-switch costs, wake-up latencies and time
    /// slices or none, interrupt delivery latencies or none, every interrupt target, small device queues (so
    /// the driver and device queues are used), DMA, PIO and a hard disk, every kernel and interrupt cost zero
    /// or not (so bursts, doorbells, zero-cost hand-offs and interrupt-context queues all occur), constant
    /// latencies (ties at one instant) and random ones, reads and writes, fixed, sequential and random offsets,
    /// counted and forever loops, daemon threads, stops by IO count, by time, or by the threads finishing;
    /// narration of one IO and IO records on or off.
    static func closedLoopScenario(seed: UInt64) -> Scenario {
        var d = ScenarioDraw(seed: seed)
        var s = Scenario(name: "closed loop \(seed)")
        s.seed = seed
        let cpus = d.int(1...4)
        s.machine.cpuCount = cpus
        s.machine.contextSwitch = .nanoseconds(d.pick([0, 0, 500, 2_000]))
        s.machine.wakeupLatency = .nanoseconds(d.pick([0, 0, 1_000, 5_000]))
        s.machine.timeSlice = d.bool() ? .nanoseconds(d.int64(5_000...100_000)) : .zero
        s.kernel.syscallEntry = .nanoseconds(d.pick([0, 150]))
        s.kernel.syscallExit = .nanoseconds(d.pick([0, 120]))
        s.kernel.requestCreate = .nanoseconds(d.pick([0, 4_000]))
        s.kernel.driverSubmit = .nanoseconds(d.pick([0, 800]))
        s.kernel.doorbell = .nanoseconds(d.pick([0, 0, 4_000, 30_000]))
        s.kernel.directIOPerPage = .nanoseconds(d.pick([0, 420]))
        s.interrupts.isr = .nanoseconds(d.pick([0, 1_500, 2_000]))
        s.interrupts.deliveryLatency = .nanoseconds(d.pick([0, 0, 500, 2_000]))
        s.interrupts.deferredPerRequest = .nanoseconds(d.pick([0, 1_000]))
        s.interrupts.deferredPerPage = .nanoseconds(d.pick([0, 370]))
        s.interrupts.deferredWake = .nanoseconds(d.pick([0, 0, 500]))
        s.interrupts.target = d.pick([.fixed(cpu: d.int(0...(cpus - 1))), .roundRobin, .submittingCPU])
        drawDevice(&d, into: &s)
        if d.int(0...9) == 0 {  // a device that takes no time: zero-time loops, the guards' failures
            s.device.readLatency = .constant(0)
            s.device.writeLatency = nil
            s.device.bandwidthBytesPerSecond = 0
        }
        s.files = [FileSpec(name: "a", sizeBytes: 16 << 20), FileSpec(name: "b", sizeBytes: 1 << 20)]

        func body(_ d: inout ScenarioDraw) -> [Operation] {
            var ops: [Operation] = []
            for _ in 0..<d.int(1...3) {
                if d.bool() {
                    ops.append(.compute(d.pick([.constant(0), .constant(5_000), .exponential(mean: 20_000), .uniform(min: 0, max: 9_000)])))
                } else {
                    ops.append(.io(IOOperation(
                        d.int(0...3) == 0 ? .write : .read, file: d.pick(["a", "b"]),
                        sizeBytes: d.pick([512, 4096, 65_536]), offset: d.pick([.random, .sequential, .fixed(8192)]),
                        style: .blocking)))
                }
            }
            return ops
        }
        var forever = false
        for k in 0..<d.int(1...3) {
            let loop: Operation
            if d.int(0...2) == 0 {
                loop = .repeatForever(body(&d))
                forever = true
            } else {
                var inner = body(&d)
                if d.int(0...3) == 0 { inner.append(.repeatCount(d.int(0...3), body(&d))) }
                loop = .repeatCount(d.int(1...20), inner)
            }
            // Now and then 17 threads, so that free switches nest 16 deep and become zero-length bursts.
            let count = d.int(0...9) == 0 ? 17 : d.int(1...4)
            s.threads.append(ThreadSpec(name: "t\(k)", count: count, daemon: d.int(0...4) == 0, program: [loop]))
        }
        switch d.int(0...2) {
        case 0: s.stop = StopCondition(afterIOs: d.int(1...400), afterTime: .milliseconds(50))
        case 1: s.stop = StopCondition(afterTime: .microseconds(d.int64(1...3_000)))
        default:
            // Ends when the non-daemon threads finish, or after a count of IOs alone; bounded by time when one of
            // them loops forever.
            if forever {
                s.stop = StopCondition(afterIOs: 300, afterTime: .milliseconds(50))
            } else if d.bool() {
                s.stop = StopCondition(afterIOs: d.int(1...400))
            }
        }
        s.narrateIO = d.pick([nil, 1, 2, 7])
        s.recordIOs = d.bool()
        return s
    }

    static func run(_ s: Scenario, fastPath: Bool) -> (Result<SimulationResult, SimulationError>, Bool) {
        do {
            let sim = try Simulator(s, fastPath: fastPath)
            let result = Result { () throws(SimulationError) in try sim.run() }
            return (result, sim.usesFastPath)
        } catch {
            return (.failure(error), false)
        }
    }

    /// The fields in which two outcomes differ, named (the whole values are too long to read in a report).
    static func difference(
        _ a: Result<SimulationResult, SimulationError>, _ b: Result<SimulationResult, SimulationError>
    ) -> String {
        guard case .success(let x) = a, case .success(let y) = b else { return "outcome: \(a) against \(b)" }
        var fields: [String] = []
        if x.elapsed != y.elapsed { fields.append("elapsed \(x.elapsed) against \(y.elapsed)") }
        if x.events != y.events { fields.append("events \(x.events) against \(y.events)") }
        if x.perCPU != y.perCPU { fields.append("CPU time \(x.perCPU) against \(y.perCPU)") }
        if x.iosIssued != y.iosIssued || x.iosCompleted != y.iosCompleted { fields.append("IO counts") }
        if x.latency != y.latency { fields.append("latency") }
        if x.stages != y.stages { fields.append("stages") }
        if x.interrupts != y.interrupts { fields.append("interrupts") }
        if x.deferredWakeUps != y.deferredWakeUps { fields.append("wake-ups \(x.deferredWakeUps) against \(y.deferredWakeUps)") }
        if x.wakeIPIs != y.wakeIPIs { fields.append("wake-up IPIs \(x.wakeIPIs) against \(y.wakeIPIs)") }
        if x.contextSwitches != y.contextSwitches { fields.append("context switches \(x.contextSwitches) against \(y.contextSwitches)") }
        if x.threads != y.threads { fields.append("census \(x.threads) against \(y.threads)") }
        if x.narration != y.narration {
            let pairs = zip(x.narration, y.narration).first { $0.0 != $0.1 }
            fields.append("narration (\(x.narration.count) against \(y.narration.count) steps; first differing: \(pairs.map { "\($0.0) against \($0.1)" } ?? "none"))")
        }
        if x.ioRecords != y.ioRecords {
            let pairs = zip(x.ioRecords, y.ioRecords).first { $0.0 != $0.1 }
            fields.append("IO records (first differing: \(pairs.map { "\($0.0) against \($0.1)" } ?? "none"))")
        }
        return fields.isEmpty ? "a field not listed here" : fields.joined(separator: "; ")
    }

    @Test func randomScenariosGiveTheGeneralPathsResult() {
        var usedFastPath = 0
        var completed = 0
        var failed = 0
        for seed: UInt64 in 1...400 {
            let s = Self.closedLoopScenario(seed: seed)
            let (fast, fastUsed) = Self.run(s, fastPath: true)
            let (general, generalUsed) = Self.run(s, fastPath: false)
            #expect(!generalUsed)
            if fastUsed { usedFastPath += 1 }
            if case .success(let r) = general, r.iosCompleted > 0 { completed += 1 }
            if case .failure = general { failed += 1 }
            if fast != general {
                Issue.record("seed \(seed): the fast path differs from the general path in \(Self.difference(fast, general))")
            }
        }
        #expect(usedFastPath == 400, "every drawn scenario has the closed-loop shape")
        #expect(completed > 250, "most drawn scenarios complete IOs (\(completed) of 400)")
        #expect(failed > 0, "some drawn scenarios fail the zero-time guards (on both paths alike)")
    }

    @Test func theReferenceWorkloadGivesTheGeneralPathsResult() throws {
        let s = Scenario.closedLoopReference(ios: 20_000)
        let fast = try Simulator(s)
        let general = try Simulator(s, fastPath: false)
        #expect(fast.usesFastPath, "\(fast.fastPathUnavailable ?? "")")
        #expect(try fast.run() == general.run())
    }

    @Test func otherShapesRunOnTheGeneralPath() throws {
        var s = Scenario.closedLoopReference(ios: 100)
        #expect(try Simulator(s).usesFastPath)
        s.recordIOs = true  // records and narration are kept on the fast path too
        s.narrateIO = 3
        #expect(try Simulator(s).usesFastPath)
        s.machine.contextSwitch = .nanoseconds(1)  // so are switch costs, wake-up latencies and time slices
        s.machine.wakeupLatency = .nanoseconds(1)
        s.machine.timeSlice = .milliseconds(1)
        s.interrupts.deliveryLatency = .nanoseconds(1)  // and an interrupt delivery latency
        #expect(try Simulator(s).usesFastPath)
        s.interrupts.coalesceCount = 4
        s.interrupts.coalesceTime = .microseconds(10)
        #expect(try !Simulator(s).usesFastPath)
        s.interrupts.coalesceCount = 1
        s.threads[0].program = [.repeatForever([read4k(.overlapped, name: "r"), .getResult(request: "r", wait: true)])]
        #expect(try !Simulator(s).usesFastPath)
        s.threads[0].program = [.repeatForever([read4k(.blocking), .sleep(.constant(1_000))])]
        #expect(try !Simulator(s).usesFastPath)
    }
}
