import IOSimCore
import IOSimModel
import Testing

/// CPU affinity (`threads[].cpus`, `rings[].sqThreadCPU`): a thread runs only on the CPUs it may use, with either
/// kind of run queue; and an SQPOLL thread in its idle spin yields its CPU at once to a thread woken there.
@Suite struct AffinityTests {
    /// Two threads, each computing 10,000 then one blocking read, on two CPUs with constant costs (switch 1,000;
    /// syscall entry 100, request 400, driver 800; interrupts on CPU 0). Both pinned to CPU 0: `a` is switched
    /// in at 1,000, computes to 11,000 and issues its read; it blocks at 12,300 (entry, request, driver), and `b`,
    /// waiting for CPU 0 while CPU 1 idles, is switched in then: it computes from 13,300 and issues at 23,300.
    /// Unpinned, `b` takes CPU 0 and `a` CPU 1 (the highest-numbered idle first): both issue at 11,000.
    func run(pinned: Bool, runQueues: RunQueues) throws -> SimulationResult {
        var s = constantCostScenario(cpus: 2)
        s.machine.runQueues = runQueues
        s.machine.migrationCost = .zero
        let program: [Operation] = [.compute(.constant(10_000)), read4k(.blocking)]
        s.threads = [
            ThreadSpec(name: "a", cpus: pinned ? [0] : nil, program: program),
            ThreadSpec(name: "b", cpus: pinned ? [0] : nil, program: program),
        ]
        return try Simulator(s).run()
    }

    func issued(_ r: SimulationResult, _ thread: String) throws -> Int64 {
        try #require(r.ioRecords.first { $0.thread == thread }).issued.nanosecondsSinceStart
    }

    @Test(arguments: [RunQueues.shared, .perCPU])
    func threadsPinnedToOneCPUTakeTurnsOnIt(runQueues: RunQueues) throws {
        let pinned = try run(pinned: true, runQueues: runQueues)
        #expect(try issued(pinned, "a") == 11_000)
        #expect(try issued(pinned, "b") == 23_300)
        // CPU 1 never ran anything: the interrupts go to CPU 0 as well.
        #expect(pinned.perCPU[1].busy == .zero)
        #expect(pinned.iosCompleted == 2)

        let free = try run(pinned: false, runQueues: runQueues)
        #expect(try issued(free, "a") == 11_000)
        #expect(try issued(free, "b") == 11_000)
        #expect(free.perCPU[1].busy > .zero)
    }

    /// Random programs of compute and blocking reads on one to four CPUs, each thread pinned to a random set
    /// (the interrupts on a random CPU), with either run queue, with or without time slices: every IO completes
    /// once, CPU time adds up to the elapsed time on every CPU, each thread runs only on its own CPUs (every
    /// dispatch in the trace), and a CPU that neither a thread nor the interrupts may use never leaves idle.
    @Test(arguments: 0..<300)
    func pinnedThreadsNeverRunElsewhere(seed: Int) throws {
        var g = SeededGenerator(seed: UInt64(seed) &+ 0xAFF1)
        func draw(_ n: Int) -> Int { Int(g.nextInt(below: UInt64(n))) }
        let cpus = 1 + draw(4)
        var s = constantCostScenario(cpus: cpus)
        s.seed = UInt64(seed)
        s.machine.runQueues = draw(2) == 0 ? .shared : .perCPU
        s.machine.migrationCost = .nanoseconds(Int64(draw(20_000)))
        s.machine.wakeAffine = s.machine.runQueues == .perCPU && draw(2) == 0
        if draw(2) == 0 { s.machine.timeSlice = .microseconds(Int64(5 + draw(50))) }
        let irq = draw(cpus)
        s.interrupts.target = .fixed(cpu: irq)
        s.device.channels = 1 + draw(4)
        var used = Set([irq])
        var allowedByName: [String: Set<Int>] = [:]
        var total: Int64 = 0
        for n in 0..<(1 + draw(5)) {
            var allowed = (0..<cpus).filter { _ in draw(2) == 0 }
            if allowed.isEmpty { allowed = [draw(cpus)] }
            used.formUnion(allowed)
            allowedByName["t\(n)"] = Set(allowed)
            let reads = 1 + draw(6)
            total += Int64(reads)
            let body: [Operation] = [.compute(.constant(Int64(draw(30_000)))), read4k(.blocking, offset: .random)]
            s.threads.append(ThreadSpec(name: "t\(n)", cpus: allowed, program: [.repeatCount(reads, body)]))
        }
        let why = "seed \(seed): \(cpus) CPUs, \(s.machine.runQueues), slice \(s.machine.timeSlice), irq on \(irq)"
        let recorder = TraceRecorder()
        let r = try Simulator(s, trace: recorder).run()
        #expect(r.iosCompleted == total, "\(why)")
        var names: [Int: String] = [:]
        var dispatches = 0
        for e in recorder.events {
            switch e {
            case .threadCreated(let t, let name, _, _): names[t] = name
            case .thread(let t, .running(let cpu), _):
                dispatches += 1
                let name = names[t] ?? "?"
                #expect(allowedByName[name]?.contains(cpu) == true, "\(why): \(name) ran on CPU \(cpu)")
            default: break
            }
        }
        #expect(dispatches >= s.threads.count, "\(why)")
        for (c, cpu) in r.perCPU.enumerated() {
            #expect(cpu.total == r.elapsed, "\(why): CPU \(c)")
            if !used.contains(c) { #expect(cpu.busy == .zero, "\(why): CPU \(c) ran a thread pinned elsewhere") }
        }
    }

    /// A shared queue whose head may not run on the CPU that frees: that CPU takes the next one. Two CPUs, every
    /// read's device slow enough (1 s) that nothing else happens meanwhile: `a` (CPU 0) computes 50,000, `b` (CPU
    /// 1) 10,000, then `y` (CPU 0 only) and `w` (any CPU) 10,000 each, all then reading once. `y` and `w` wait, in
    /// that order. CPU 1 frees when `b` blocks in its read at 12,300 (its read issued at 11,000: entry, request and
    /// driver take 1,300): it skips `y` and takes `w`, which issues at 12,300 + 1,000 + 10,000 = 23,300. `y` waits
    /// for CPU 0: `a` issues at 51,000 and blocks at 52,300, so `y` issues at 63,300.
    @Test func aCPUSkipsAQueuedThreadItMayNotRun() throws {
        var s = constantCostScenario(cpus: 2)
        s.device.readLatency = .constant(1_000_000_000)
        func thread(_ name: String, _ cpus: [Int]?, _ ns: Int64) -> ThreadSpec {
            ThreadSpec(name: name, cpus: cpus, program: [.compute(.constant(ns)), read4k(.blocking)])
        }
        s.threads = [thread("a", [0], 50_000), thread("b", [1], 10_000), thread("y", [0], 10_000), thread("w", nil, 10_000)]
        let r = try Simulator(s).run()
        #expect(try issued(r, "a") == 51_000)
        #expect(try issued(r, "b") == 11_000)
        #expect(try issued(r, "w") == 23_300)
        #expect(try issued(r, "y") == 63_300)
    }

    /// One CPU, the poller spinning for a second after its work, 3 ms time slices, constant costs. Each read
    /// completes on the device; the deferred routine hands it to the poller as task work, which interrupts its
    /// spin: the CQE costs 500 (`uringCompletePerCQE`) and wakes the program, ready 3,000 later, when the poller
    /// spins again. It takes the CPU at once (the poller's cond_resched): switch 1,000, exit from
    /// io_uring_enter 200. So each read is observed 4,700 after it completed. Before, the program waited for the
    /// poller's slice to end: about 3 ms a read.
    @Test func aThreadWokenOnTheSQPollersCPUTakesItAtOnce() throws {
        var s = constantCostScenario(cpus: 1)
        s.machine.timeSlice = .milliseconds(3)
        s.rings = [RingSpec(name: "ring", entries: 8, sqpoll: true, sqThreadIdle: .seconds(1), taskRun: .interrupt)]
        s.threads = [
            ThreadSpec(name: "job", program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .random, queueDepth: 1, ios: 10))])
        ]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 10)
        for io in r.ioRecords {
            let observed = try #require(io.observed).nanosecondsSinceStart
            let completed = try #require(io.completed).nanosecondsSinceStart
            #expect(observed - completed == 4_700, "IO \(io.number)")
        }
        #expect(r.elapsed < .milliseconds(1))
    }

    /// `sqThreadCPU` binds the poller: with the program pinned to the other CPU of two, the poller's spin (its
    /// polling time) is all on its own CPU, whichever CPU that is.
    @Test(arguments: [0, 1], [RunQueues.shared, .perCPU])
    func theSQPollerStaysOnItsCPU(sqCPU: Int, runQueues: RunQueues) throws {
        var s = constantCostScenario(cpus: 2)
        s.machine.runQueues = runQueues
        s.rings = [RingSpec(name: "ring", entries: 8, sqpoll: true, sqThreadIdle: .microseconds(200), taskRun: .interrupt, sqThreadCPU: sqCPU)]
        s.threads = [
            ThreadSpec(
                name: "job", cpus: [1 - sqCPU],
                program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .random, queueDepth: 2, ios: 50))])
        ]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 50)
        let polling = CPUCategory.polling.rawValue
        #expect(r.perCPU[sqCPU].nanoseconds[polling] > 0)
        #expect(r.perCPU[1 - sqCPU].nanoseconds[polling] == 0)
    }

    /// Kernel threads keep the affinity of the task they work for (measured: a pinned job's iou-sqp and iou-wrk
    /// threads had the job's Cpus_allowed_list): a program pinned to CPU 0 of two, its interrupts on CPU 0 too,
    /// with an unbound SQPOLL poller, or with IOSQE_ASYNC's io-wq workers: CPU 1 never leaves idle.
    @Test(arguments: [false, true], [RunQueues.shared, .perCPU])
    func kernelThreadsKeepTheirTasksAffinity(sqpoll: Bool, runQueues: RunQueues) throws {
        var s = constantCostScenario(cpus: 2)
        s.machine.runQueues = runQueues
        s.rings = [RingSpec(name: "ring", entries: 16, sqpoll: sqpoll, sqThreadIdle: .microseconds(100), taskRun: .interrupt)]
        s.threads = [
            ThreadSpec(
                name: "job", cpus: [0],
                program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .random, queueDepth: 8, ios: 200, async: !sqpoll))])
        ]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 200)
        #expect(r.threads.kernelCreated >= 1)
        #expect(r.perCPU[1].busy == .zero)
        #expect(r.perCPU[0].total == r.elapsed)
    }

    @Test func unknownCPUsAreRefused() throws {
        func subject(_ s: Scenario) -> String? {
            do {
                _ = try Simulator(s).run()
                return nil
            } catch {
                return error.subject
            }
        }
        var s = constantCostScenario(cpus: 2)
        s.threads = [ThreadSpec(name: "job", cpus: [2], program: [read4k(.blocking)])]
        #expect(subject(s) == "threads[0].cpus")
        s.threads = [ThreadSpec(name: "job", cpus: [], program: [read4k(.blocking)])]
        #expect(subject(s) == "threads[0].cpus")
        s.threads = [ThreadSpec(name: "job", program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .random, ios: 1))])]
        s.rings = [RingSpec(name: "ring", sqpoll: false, sqThreadCPU: 0)]
        #expect(subject(s) == "rings[0].sqThreadCPU")
        s.rings = [RingSpec(name: "ring", sqpoll: true, sqThreadCPU: 2)]
        #expect(subject(s) == "rings[0].sqThreadCPU")
    }
}
