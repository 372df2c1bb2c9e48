//! The simulated machine: every actor's state and the handlers for the messages the engine delivers.
//!
//! The path of one IO, in the order of Cleary's "There Is No Thread" (shared/DOMAIN.md section 1):
//! 1. a user thread calls the kernel (syscall entry, `syscall` CPU time);
//! 2. the kernel builds the request (IRP / bio);
//! 3. the driver programs the device (DMA descriptors, doorbell) and marks the request pending;
//! 4. the call returns pending (overlapped) or the thread blocks (blocking read);
//! 5. the device serves the request and its DMA engine moves the data: no CPU and no thread is involved;
//! 6. the device signals completion; the interrupt controller (after coalescing and delivery latency)
//!    interrupts a CPU;
//! 7. the ISR runs on that CPU, "beneath" whatever thread was running (its time is charged to `irq`, and
//!    the interrupted burst resumes later);
//! 8. the deferred routine (DPC / softirq) completes the request;
//! 9. delivery: wake the waiter, signal the event, queue an APC to the issuing thread, or post a packet;
//! 10-11. a thread observes the completion (returns from its wait, dequeues the packet, runs the routine).
//!
//! Simplifications (documented, not hidden): interrupt context is not re-entrant (an interrupt arriving
//! while a CPU runs an ISR or deferred routine waits until they finish, as the reference workload in
//! shared/bench specifies); deferred routines run right after their ISR on the same CPU; a buffered miss
//! is copied by the issuing thread after it wakes (blocking) or in the deferred routine (overlapped); no
//! read-ahead, no write-back, no NUMA, no IRQ priorities, no cancellation, no device errors.

import IOSimCore
import IOSimEngine

enum EventKind: UInt32 {
    case burstEnd, threadReady, timer, deviceDone, interruptArrive, isrDone, deferredDone, coalesceTimer, sliceEnd
    case passStart, balance, hostPollEnd, stallDone, deviceStall
}

/// Tie rule among events at the same nanosecond (lower first): hardware (a device finishing) before the
/// interrupt it raises, interrupt arrival before work finishing in interrupt context, that before CPU bursts
/// of threads, and timers (wake-ups, time slices, coalescing timeouts) last. Within a class: scheduling order.
enum Priority {
    static var hardware: EventPriority { EventPriority(rawValue: 0) }
    static var interruptArrival: EventPriority { EventPriority(rawValue: 1) }
    static var interruptContext: EventPriority { EventPriority(rawValue: 2) }
    static var threadBurst: EventPriority { EventPriority(rawValue: 3) }
    static var timer: EventPriority { EventPriority(rawValue: 4) }
}

struct World: EventHandler {
    let scenario: Scenario
    let programs: [CompiledProgram]
    /// Every program's instructions in one table (program p starts at `programBase[p]`).
    let instructions: UnsafeTable<Instruction>
    /// The IO operations of every program (an `.io` instruction holds an index here).
    let ioOperations: UnsafeTable<CompiledIO>
    /// The io_uring loops of every program (a `.uringLoop` instruction holds an index here).
    let uringLoops: [CompiledUring]
    /// Start of the body of ring g's SQPOLL thread and io-wq workers in `instructions`.
    let sqPollerProgram: [Int32]
    let ioWorkerProgram: [Int32]
    var rings: UnsafeTable<RingState>
    /// Cumulative time each ring's owner spent waiting for its completions (for the attached share).
    var ringAttachedTotal: [Int64]
    var ringAttachedSince: [Int64]
    var kernelThreadsCreated = 0
    var uringCompletePerCQE: Int64 { scenario.kernel.uringCompletePerCQE.nanoseconds }
    let programBase: UnsafeTable<Int32>
    let distributions: [Distribution]
    let readLatency: Sampler
    let writeLatency: Sampler
    let cpuCount: Int
    let contextSwitchCost: Int64
    /// `machine.idleExit` in ns.
    let idleExitCost: Int64
    /// `machine.idleExitUser` in ns.
    let idleExitUserCost: Int64
    /// `kernel.uringWait` in ns.
    let uringWaitCost: Int64
    let wakeupLatency: Int64
    /// `machine.localWakeup` in ns (`wakeupLatency` when unset).
    let localWakeup: Int64
    /// `machine.wakeupAfterIdle` (empty: unset).
    let wakeupAfterIdle: [WakeupAfterIdle]
    /// `machine.wakeAffine`, with per-CPU run queues.
    let wakeAffine: Bool
    /// `machine.wakePacking`, with per-CPU run queues.
    let wakePacking: Bool
    /// The CPU of the thread whose program runs now (`runThread`), -1 outside it: a wake-up it makes is a
    /// thread's, for `wakeAffine`.
    var runningThreadCPU = -1
    /// The CPU completing a request, while it delivers it (-1 otherwise): a deferred routine's, or an IOPOLL
    /// poller's (whose CPU is busy, so never local). A wake-up from an idle one may be local (`localWakeup`).
    var interruptWakerCPU = -1
    let timeSlice: Int64
    let syscallEntry: Int64
    let syscallExit: Int64
    let requestCreate: Int64
    /// `kernel.directIOPerPage` and `interrupts.deferredPerPage` in ns (see `pioBytesPerSecond`).
    let directIOPerPage: Int64
    let deferredPerPage: Int64
    let driverSubmit: Int64
    let doorbell: Int64
    let pollCheck: Int64
    let isrCost: Int64
    let deferredCost: Int64
    let deferredWake: Int64
    /// `interrupts.deferredWakeRemote` in ns.
    let deferredWakeRemote: Int64
    /// `interrupts.busyStall` in ns.
    let busyStall: Int64
    let deliveryLatency: Int64
    let coalesceCount: Int
    let coalesceTime: Int64
    let passDispatch: Int64
    /// `device.stallInterval` in ns (0: no stalls).
    let stallInterval: Int64
    /// `device.stallIntervalShape`: the exponential stages of one interval between the stalls' instants.
    let stallIntervalShape: Int
    let narrateNumber: Int64
    /// `machine.hostMilliCPUs` (0: the device does not share the machine's CPUs).
    let hostMilliCPUs: Int64

    var threads = UnsafeTable<ThreadState>()
    var cpus: UnsafeTable<CPUState>
    var requests = UnsafeTable<RequestState>(capacity: 64)
    /// Head of the free list of request slots, linked through `RequestState.next`.
    var freeRequest: Int32 = -1
    /// The shared run queue (`machine.runQueues` "shared"); with per-CPU queues, each CPU's is in `CPUState`.
    var runQueue = RingBuffer(capacity: 16)
    let perCPURunQueues: Bool
    let migrationCost: Int64
    /// `machine.hostHaltPoll` in ns.
    let hostHaltPoll: Int64
    /// CPUs that went idle and whose host poll-end event is still to be scheduled (by `handle`).
    var pollEndsToSchedule: [Int] = []
    /// Host poll-end events scheduled and not yet handled: bookkeeping only (a poll end with no request in
    /// service changes nothing), so a run whose other events ran out has ended (`Simulator`) even while some
    /// are pending.
    var pendingPollEnds = 0
    /// With per-CPU run queues: the threads waiting in all of them.
    var queuedOnCPUs = 0
    var vectors: UnsafeTable<VectorState>
    var ports: UnsafeTable<PortState>
    var device: DeviceState
    var pageCache: [[UInt64]]
    var interruptRNG: SeededGenerator

    // Results being accumulated.
    var ledger: UnsafeTable<Int64>
    let recorder = LatencyRecorder()
    var ioIssued: Int64 = 0
    var ioCompleted: Int64 = 0
    var ioSynchronous: Int64 = 0
    var bytesCompleted: Int64 = 0
    var interrupts: Int64 = 0
    /// Threads the deferred routines woke or signalled (`interrupts.deferredWake` each), and of them the ones
    /// woken by an IPI to another idle CPU (`interrupts.deferredWakeRemote` each), counted whatever those cost.
    var deferredWakeUps: Int64 = 0
    var wakeIPIs: Int64 = 0
    var contextSwitches: Int64 = 0
    /// io_uring_enter calls of the programs' ring loops.
    var ringEnters: Int64 = 0
    /// With `hostMilliCPUs`: the machine's CPUs not idle. When it differs from `device.workBusyCPUs` once an
    /// event is handled, the device's share is brought up to date (`deviceShareChanged`).
    var busyCPUs = 0
    var alive = 0
    var maxAlive = 0
    var nonDaemonAlive = 0
    var threadsCreated = 0
    /// Instances created so far per thread spec (static ones included), so `spawn` names the next one in
    /// O(1): counting the live table made a zero-cost spawn loop quadratic, a hang before the zero-time
    /// guard could trip.
    var instancesPerSpec: [Int] = []
    var blockedOnIO = 0
    /// Threads blocked on IO, integrated over time (thread-ns); a Double so a million threads over the
    /// longest run cannot overflow (exact below 2^53, beyond any ordinary run).
    var blockedOnIOArea: Double = 0
    /// `runOn` calls in progress on the stack (see there).
    var nestedDispatches = 0
    var blockedOnIOSince: Int64 = 0
    var attachedShareSum = 0.0
    var attachedShareCount: Int64 = 0
    var attachedTotal: Int64 = 0
    var inFlightTotal: Int64 = 0
    var progressReports: Int64 = 0
    var progressMaxGap: Int64 = 0
    var narration: [NarrationStep] = []
    var ioRecords: [IORecord] = []
    var failure: SimulationError? = nil { didSet { isFinished = stopReached || failure != nil } }
    var stopReached = false { didSet { isFinished = stopReached || failure != nil } }
    var finishedAt: Int64 = 0
    /// The instant of the last event that changed anything: where a run that ran out of events ends.
    var lastEffectAt: Int64 = 0
    var now: Int64 = 0
    /// The scenario has the closed-loop shape and runs on its fast path (World+ClosedLoop.swift).
    let closedLoop: Bool
    /// `instructions` decoded for the fast path's dispatch, and the event kinds it compares with (see there).
    let closedLoopSteps: UnsafeTable<ClosedLoopStep>
    let eventKindCodes: EventKindCodes
    /// For the fast path: the device's DMA bandwidth (0: none, or PIO), whether it is a hard disk, the
    /// stop's IO count (Int64.max: none).
    let dmaBytesPerSecond: Int64
    let deviceIsHDD: Bool
    let stopAfterIOs: Int64
    /// Read on every IO or interrupt, kept here rather than read through `scenario`: the PIO rate (0: DMA), each
    /// file's size, whether IOs are recorded, and the two per-page costs of unbuffered requests.
    let pioBytesPerSecond: Int64
    let fileSizes: [Int64]
    let recordIOs: Bool
    /// For the fast path: the CPU every interrupt goes to (-1: round robin or the submitting CPU's), and per IO
    /// operation the CPU costs that depend only on its size: issue (syscall entry, building the request,
    /// submitting it), ISR (with PIO, the copy) and deferred routine (with the pinned pages released).
    let interruptCPU: Int
    let issueCost: UnsafeTable<Int64>
    let isrCostPerIO: UnsafeTable<Int64>
    let deferredCostPerIO: UnsafeTable<Int64>
    /// Where trace events go; nil when not tracing (the common case: one branch per emission point).
    let tracer: TraceSink?

    @inline(__always) func trace(_ event: @autoclosure () -> TraceEvent) {
        if let tracer { tracer.record(event()) }
    }

    var at: SimInstant { SimInstant(nanosecondsSinceStart: now) }

    /// `stopReached || failure != nil`, kept stored because the engine tests it after every event.
    private(set) var isFinished = false

    /// CPU affinities (`threads[].cpus`, `rings[].sqThreadCPU`): each set as a flag per CPU; a thread's
    /// `affinity` indexes it (-1: any CPU). Without any, `allows` is one branch on `anyAffinity`.
    let affinitySets: [[Bool]]
    let anyAffinity: Bool
    /// The affinity set of each thread spec and of each ring's SQPOLL thread (-1: none; see `init`).
    let specAffinity: [Int32]
    let ringAffinity: [Int32]
    /// With `interrupts.idleDelivery`, per vector: when the last interrupt raised there reaches its CPU, so that a
    /// later one never overtakes it (an interrupt to an idle CPU takes longer than the next one may). Empty without.
    var lastArrival: [Int64]
    /// `interrupts.idleDelivery` in ns.
    let idleDelivery: Int64

    init(
        scenario: Scenario, programs: [CompiledProgram], distributions: [Distribution], tracer: TraceSink? = nil,
        fastPath: Bool = true
    ) {
        self.scenario = scenario
        closedLoop = fastPath && World.closedLoopShape(scenario, programs, tracing: tracer != nil) == nil
        if case .dma = scenario.device.transfer {
            dmaBytesPerSecond = max(scenario.device.bandwidthBytesPerSecond, 0)
        } else {
            dmaBytesPerSecond = 0
        }
        deviceIsHDD = scenario.device.hdd != nil
        stopAfterIOs = scenario.stop.afterIOs.map { Int64($0) } ?? .max
        if case .pio(let rate) = scenario.device.transfer { pioBytesPerSecond = rate } else { pioBytesPerSecond = 0 }
        fileSizes = scenario.files.map(\.sizeBytes)
        recordIOs = scenario.recordIOs
        self.tracer = tracer
        self.programs = programs
        var flat: [Instruction] = []
        var bases: [Int32] = []
        for p in programs {
            bases.append(Int32(flat.count))
            flat += p.instructions
        }
        var sqp: [Int32] = []
        var wrk: [Int32] = []
        for g in 0..<scenario.rings.count {
            bases.append(Int32(flat.count))
            sqp.append(Int32(bases.count - 1))
            flat += [.sqPoller(ring: Int32(g)), .end]
            bases.append(Int32(flat.count))
            wrk.append(Int32(bases.count - 1))
            flat += [.ioWorker(ring: Int32(g)), .end]
        }
        sqPollerProgram = sqp
        ioWorkerProgram = wrk
        instructions = UnsafeTable(flat)
        closedLoopSteps = UnsafeTable(flat.map(ClosedLoopStep.init))
        eventKindCodes = EventKindCodes()
        var ios: [CompiledIO] = []
        var loops: [CompiledUring] = []
        for p in programs {
            ios += p.ioOperations
            loops += p.uringLoops
        }
        ioOperations = UnsafeTable(ios)
        if case .fixed(let cpu) = scenario.interrupts.target { interruptCPU = cpu } else { interruptCPU = -1 }
        var sets: [[Bool]] = []
        func affinity(_ allowed: [Int]?) -> Int32 {
            guard let allowed else { return -1 }
            var set = [Bool](repeating: false, count: scenario.machine.cpuCount)
            for c in allowed where c >= 0 && c < set.count { set[c] = true }
            if let same = sets.firstIndex(of: set) { return Int32(same) }
            sets.append(set)
            return Int32(sets.count - 1)
        }
        specAffinity = scenario.threads.map { affinity($0.cpus) }
        // An SQPOLL thread not bound by sqThreadCPU keeps the affinity of the task that set the ring up (measured
        // here: a job pinned with taskset or sched_setaffinity, its iou-sqp thread's Cpus_allowed_list is the
        // job's): the first thread whose program uses the ring. A ring without SQPOLL has no such thread.
        ringAffinity = scenario.rings.indices.map { g in
            let ring = scenario.rings[g]
            guard ring.sqpoll else { return -1 }
            if let cpu = ring.sqThreadCPU { return affinity([cpu]) }
            let user = programs.firstIndex { $0.uringLoops.contains { Int($0.ring) == g } }
            return user.map { affinity(scenario.threads[$0].cpus) } ?? -1
        }
        affinitySets = sets
        anyAffinity = !sets.isEmpty
        let kernel = scenario.kernel, ints = scenario.interrupts
        issueCost = UnsafeTable(ios.map { io in
            kernel.syscallEntry.nanoseconds + kernel.requestCreate.nanoseconds
                + World.pagesCost(World.furtherDirectPages(bytes: io.sizeBytes, buffered: io.buffered), kernel.directIOPerPage.nanoseconds)
                + kernel.driverSubmit.nanoseconds
        })
        isrCostPerIO = UnsafeTable(ios.map { io in
            guard case .pio(let rate) = scenario.device.transfer else { return ints.isr.nanoseconds }
            return ints.isr.nanoseconds + World.nanoseconds(bytes: io.sizeBytes, atBytesPerSecond: rate)
        })
        deferredCostPerIO = UnsafeTable(ios.map { io in
            ints.deferredPerRequest.nanoseconds
                + World.pagesCost(World.furtherDirectPages(bytes: io.sizeBytes, buffered: io.buffered), ints.deferredPerPage.nanoseconds)
        })
        uringLoops = loops
        rings = UnsafeTable(scenario.rings.map { spec in
            RingState(spec: spec, maxWorkers: spec.maxWorkers ?? min(spec.entries, 4 * scenario.machine.cpuCount))
        })
        ringAttachedTotal = [Int64](repeating: 0, count: scenario.rings.count)
        ringAttachedSince = [Int64](repeating: -1, count: scenario.rings.count)
        programBase = UnsafeTable(bases)
        var table = distributions
        readLatency = Sampler(scenario.device.readLatency, table: &table)
        writeLatency = Sampler(scenario.device.writeLatency ?? scenario.device.readLatency, table: &table)
        self.distributions = table
        let m = scenario.machine, k = scenario.kernel, i = scenario.interrupts
        cpuCount = m.cpuCount
        contextSwitchCost = m.contextSwitch.nanoseconds
        idleExitCost = m.idleExit.nanoseconds
        idleExitUserCost = m.idleExitUser.nanoseconds
        uringWaitCost = k.uringWait.nanoseconds
        wakeupLatency = m.wakeupLatency.nanoseconds
        localWakeup = m.localWakeup?.nanoseconds ?? m.wakeupLatency.nanoseconds
        wakeupAfterIdle = m.wakeupAfterIdle
        perCPURunQueues = m.runQueues == .perCPU
        wakeAffine = m.wakeAffine  // with per-CPU run queues (the compiler checks)
        wakePacking = m.wakePacking && perCPURunQueues  // only with them (the compiler checks too)
        timeSlice = m.timeSlice.nanoseconds
        hostMilliCPUs = m.hostMilliCPUs
        migrationCost = m.migrationCost.nanoseconds
        hostHaltPoll = m.hostHaltPoll.nanoseconds
        syscallEntry = k.syscallEntry.nanoseconds
        syscallExit = k.syscallExit.nanoseconds
        requestCreate = k.requestCreate.nanoseconds
        directIOPerPage = k.directIOPerPage.nanoseconds
        deferredPerPage = i.deferredPerPage.nanoseconds
        driverSubmit = k.driverSubmit.nanoseconds
        doorbell = k.doorbell.nanoseconds
        pollCheck = k.pollCheck.nanoseconds
        isrCost = i.isr.nanoseconds
        deferredCost = i.deferredPerRequest.nanoseconds
        deferredWake = i.deferredWake.nanoseconds
        deferredWakeRemote = i.deferredWakeRemote.nanoseconds
        busyStall = i.busyStall.nanoseconds
        idleDelivery = i.idleDelivery.nanoseconds
        deliveryLatency = i.deliveryLatency.nanoseconds
        coalesceCount = i.coalesceCount
        coalesceTime = i.coalesceTime.nanoseconds
        passDispatch = scenario.device.passDispatch.nanoseconds
        stallInterval = scenario.device.stallInterval.nanoseconds
        stallIntervalShape = scenario.device.stallIntervalShape
        narrateNumber = Int64(scenario.narrateIO ?? -1)
        cpus = UnsafeTable(repeating: CPUState(), count: m.cpuCount)
        vectors = UnsafeTable(repeating: VectorState(), count: m.cpuCount)
        lastArrival = [Int64](repeating: 0, count: i.idleDelivery > .zero ? m.cpuCount : 0)
        ports = UnsafeTable(scenario.ports.map { PortState(concurrency: $0.concurrency == 0 ? m.cpuCount : $0.concurrency) })
        device = DeviceState(
            rng: SeededGenerator(seed: scenario.seed, streamName: "device"),
            stallRNG: SeededGenerator(seed: scenario.seed, streamName: "device stalls"))
        interruptRNG = SeededGenerator(seed: scenario.seed, streamName: "interrupts")
        pageCache = scenario.files.map { f in
            // A bitmap of the file's pages; none for a file too large for buffered IO (the compiler refuses it).
            if f.sizeBytes > World.pageCacheFileLimit { return [] }
            let pages = Int((f.sizeBytes + 4095) / 4096)
            return [UInt64](repeating: f.cached ? ~0 : 0, count: (pages + 63) / 64)
        }
        ledger = UnsafeTable(repeating: 0, count: m.cpuCount * CPUCategory.allCases.count)
        instancesPerSpec = scenario.threads.map { $0.template ? 0 : $0.count }
    }

    // MARK: - Start

    mutating func start(engine: inout Engine) {
        if closedLoop {
            closedLoopStart(engine: &engine)
            return
        }
        for (index, spec) in scenario.threads.enumerated() where !spec.template {
            for instance in 0..<spec.count {
                let t = createThread(spec: Int32(index), instance: instance)
                makeRunnable(t, engine: &engine)
            }
        }
        startRings(engine: &engine)
        if !pollEndsToSchedule.isEmpty { schedulePollEnds(engine: &engine) }
        if busyCPUs != device.workBusyCPUs { deviceShareChanged(engine: &engine) }
        if nonDaemonAlive == 0 && scenario.stop.afterIOs == nil && scenario.stop.afterTime == nil {
            stop(engine: &engine)
        }
    }

    /// "step 3 (read)" for a program's instruction; "kernel thread" for SQPOLL and io-wq threads.
    func stepName(_ th: ThreadState) -> String {
        th.kernelRing >= 0 ? "(kernel thread)" : programs[Int(th.program)].stepNames[Int(th.pc)]
    }

    mutating func createThread(spec: Int32, instance: Int) -> Int32 {
        let s = scenario.threads[Int(spec)]
        let name = s.count > 1 || s.template ? "\(s.name)#\(instance)" : s.name
        var thread = ThreadState(
            spec: spec, name: name, program: spec,
            slots: [Int32](repeating: -1, count: programs[Int(spec)].slotNames.count),
            rng: SeededGenerator(seed: scenario.seed, streamName: "thread:\(name)"), daemon: s.daemon,
            fileCursors: [Int64](repeating: 0, count: scenario.files.count))
        thread.affinity = specAffinity[Int(spec)]
        threads.append(thread)
        trace(.threadCreated(thread: threads.count - 1, name: name, kernel: false, at: at))
        alive += 1
        threadsCreated += 1
        if alive > maxAlive { maxAlive = alive }
        if !s.daemon { nonDaemonAlive += 1 }
        return Int32(threads.count - 1)
    }

    // MARK: - Event dispatch

    mutating func handle(_ event: Event, engine: inout Engine) {
        if event.time > World.horizon {
            passedHorizon()
            return
        }
        now = event.time
        if closedLoop {
            closedLoopHandle(event, engine: &engine)
            return
        }
        // Every case is a call out of line, so that this dispatch needs no stack frame of its own: inlined
        // handlers made every event pay for saving and restoring the registers of the largest one.
        // An event that finds nothing to do (a stale burst end, device end, timer, coalescing timer, slice or
        // balance) returns early: it changes nothing, and the run's end (`lastEffectAt`, when the events run out)
        // does not move to it.
        switch EventKind(rawValue: event.kind)! {
        case .burstEnd: if !onBurstEnd(event, engine: &engine) { return }
        case .threadReady: onThreadReady(event, engine: &engine)
        case .timer: if !onTimer(event, engine: &engine) { return }
        case .deviceDone: if !onDeviceDone(event, engine: &engine) { return }
        case .interruptArrive: onInterruptArrive(event, engine: &engine)
        case .isrDone: onISRDone(event, engine: &engine)
        case .deferredDone: onDeferredDone(event, engine: &engine)
        case .coalesceTimer: if !onCoalesceTimer(event, engine: &engine) { return }
        case .sliceEnd: if !sliceEnded(cpu: Int(event.target), generation: event.generation, engine: &engine) { return }
        case .passStart: startPass(engine: &engine)
        case .balance: if !onBalance(event, engine: &engine) { return }
        case .hostPollEnd: if !onHostPollEnd(event, engine: &engine) { return }
        case .stallDone: onStallDone(event, engine: &engine)
        case .deviceStall: if !onDeviceStall(engine: &engine) { return }
        }
        if _slowPath(!pollEndsToSchedule.isEmpty) { schedulePollEnds(engine: &engine) }
        lastEffectAt = now
        if _slowPath(busyCPUs != device.workBusyCPUs) { deviceShareChanged(engine: &engine) }
    }

    /// - Returns: false for a stale event (nothing happened).
    @inline(never) mutating func onBurstEnd(_ event: Event, engine: inout Engine) -> Bool {
        let t = Int(event.target)
        if threads[t].generation != event.generation { return false }  // stale: the burst was suspended
        // A spin with a limit ends by itself here (endSpin clears the mark only when it cuts a spin short); the
        // switch back in of a preempted spin is not its end.
        if !threads[t].burstIsSwitch { threads[t].spinning = false }
        burstEnded(Int32(t), engine: &engine)
        return true
    }

    @inline(never) mutating func onThreadReady(_ event: Event, engine: inout Engine) {
        makeRunnable(Int32(event.target), engine: &engine)
    }

    /// - Returns: false for a stale event (the wait ended otherwise).
    @inline(never) mutating func onTimer(_ event: Event, engine: inout Engine) -> Bool {
        let t = Int(event.target)
        if threads[t].waitGeneration != event.generation || threads[t].runState != .blocked { return false }
        wake(Int32(t), engine: &engine)
        return true
    }

    /// - Returns: false for a stale event (a shared host's device rescheduled the request's end; when the device
    /// sped up, the stale end comes after the real one).
    @inline(never) mutating func onDeviceDone(_ event: Event, engine: inout Engine) -> Bool {
        if _slowPath(now < device.stalledUntil) {
            // The device is stalled: the request it finished comes back at the stall's end, its channel held.
            if _slowPath(requests[Int(event.target)].number == narrateNumber) { narrateStall(Int32(event.target)) }
            engine.schedule(
                at: SimInstant(nanosecondsSinceStart: device.stalledUntil), priority: Priority.hardware,
                kind: EventKind.deviceDone.rawValue, target: event.target, generation: event.generation)
            return false
        }
        if hostMilliCPUs > 0 {
            let r = Int32(event.target)
            guard let i = device.serving.firstIndex(where: { $0.request == r && $0.generation == event.generation })
            else { return false }  // stale: the device's share changed and the request's end was scheduled again
            let started = device.serving.remove(at: i).started
            if _slowPath(tracer != nil) {
                // Traced at its end, with a start in the past (a shared host's device speed is known only then).
                trace(.deviceService(io: requests[Int(r)].number, start: .init(nanosecondsSinceStart: min(started, now)), end: at))
            }
        }
        deviceFinished(Int32(event.target), engine: &engine)
        return true
    }

    @inline(never) mutating func onInterruptArrive(_ event: Event, engine: inout Engine) {
        interruptArrived(cpu: Int(event.target), batch: Int32(bitPattern: event.generation), engine: &engine)
    }

    /// A busy CPU's stall at an interrupt ends (`interrupts.busyStall`): the ISR takes the batch, with what
    /// joined it meanwhile.
    @inline(never) mutating func onStallDone(_ event: Event, engine: inout Engine) {
        let c = Int(event.target)
        let since = cpus[c].stallStartedAt
        cpus[c].stallStartedAt = -1
        startISR(cpu: c, batch: cpus[c].batchHead, stalledSince: since, engine: &engine)
    }

    @inline(never) mutating func onDeferredDone(_ event: Event, engine: inout Engine) {
        deferredFinished(cpu: Int(event.target), engine: &engine)
    }

    @inline(never) mutating func onISRDone(_ event: Event, engine: inout Engine) {
        isrFinished(cpu: Int(event.target), engine: &engine)
    }

    /// - Returns: false for a stale timer (the count raised the interrupt first).
    @inline(never) mutating func onCoalesceTimer(_ event: Event, engine: inout Engine) -> Bool {
        let v = Int(event.target)
        guard vectors[v].timerGeneration == event.generation && vectors[v].count > 0 else { return false }
        raiseInterrupt(vector: v, engine: &engine)
        return true
    }

    mutating func stop(engine: inout Engine) {
        stopReached = true
        finishedAt = now
    }

    static var horizon: Int64 { SimInstant.horizon.nanosecondsSinceStart }

    /// The largest file buffered IO may use: its page-cache bitmap takes 2 MiB. (A bitmap for every file of up to
    /// 1 PiB, as files may be, took up to 32 GiB and ended the process.)
    static var pageCacheFileLimit: Int64 { 64 << 30 }

    /// The next event lies beyond the longest run the model takes; every duration is at most
    /// `SimDuration.longest`, so computing that instant did not overflow.
    mutating func passedHorizon() {
        failure = SimulationError(
            .invalidConfiguration, subject: "at \(World.formatNs(now))",
            message: "the run would go past \(World.horizon)ns of virtual time (about 13 days), the longest the model "
                + "takes; shorten it (stop.time, fewer repeats, shorter durations or larger bandwidths)")
        finishedAt = now
    }

    mutating func fail(_ t: Int32, _ message: String) {
        let th = threads[Int(t)]
        let step = stepName(th)
        failure = SimulationError(.invalidProgram, subject: "thread '\(th.name)' \(step)", message: message)
        finishedAt = now
    }

    // MARK: - CPU ledger

    @inline(__always) mutating func setCategory(_ c: Int, _ category: CPUCategory) {
        if _slowPath(hostMilliCPUs > 0) { noteBusy(c, category) }
        chargeLedger(c, category)
        if _slowPath(tracer != nil) { traceCategory(c, category) }
    }

    /// Counts the CPUs that are not idle, for the device's share of the host (`hostMilliCPUs`).
    @inline(never) mutating func noteBusy(_ c: Int, _ category: CPUCategory) {
        let wasIdle = cpus[c].category == .idle
        let isIdle = category == .idle
        if wasIdle == isIdle { return }
        if hostHaltPoll > 0 {
            // The host polls an idle vCPU for a while: it stays counted until its poll ends.
            if isIdle {
                cpus[c].hostPollGeneration &+= 1
                cpus[c].hostPolling = true
                pollEndsToSchedule.append(c)
                return
            }
            if cpus[c].hostPolling {
                cpus[c].hostPolling = false
                cpus[c].hostPollGeneration &+= 1
                return
            }
        }
        busyCPUs += isIdle ? -1 : 1
    }

    /// Schedules the end of each new host poll.
    @inline(never) mutating func schedulePollEnds(engine: inout Engine) {
        // A poll that would end past the horizon never ends within the model's time: the CPU stays counted.
        let end = now &+ hostHaltPoll
        for c in pollEndsToSchedule where cpus[c].hostPolling && end <= World.horizon {
            pendingPollEnds += 1
            engine.schedule(
                at: SimInstant(nanosecondsSinceStart: end), priority: Priority.timer,
                kind: EventKind.hostPollEnd.rawValue, target: UInt32(c), generation: cpus[c].hostPollGeneration)
        }
        pollEndsToSchedule.removeAll(keepingCapacity: true)
    }

    /// The host stops polling an idle CPU: it no longer counts against the device's share.
    /// - Returns: false when stale (the CPU went busy first), or when no request is in service (nothing moves).
    @inline(never) mutating func onHostPollEnd(_ event: Event, engine: inout Engine) -> Bool {
        let c = Int(event.target)
        pendingPollEnds -= 1
        guard cpus[c].hostPollGeneration == event.generation, cpus[c].hostPolling else { return false }
        cpus[c].hostPolling = false
        busyCPUs -= 1
        let serving = !device.serving.isEmpty
        deviceShareChanged(engine: &engine)
        return serving
    }

    /// CPU `c`'s time since its last change goes to the ledger under its category, and it now does `category`
    /// (`setCategory` without telling the tracer: the fast path never traces).
    @inline(__always) mutating func chargeLedger(_ c: Int, _ category: CPUCategory) {
        let since = cpus[c].since
        if since != now {
            ledger[c &* 7 &+ cpus[c].category.rawValue] &+= now &- since
            cpus[c].since = now
        }
        cpus[c].category = category
    }

    @inline(never) mutating func traceCategory(_ c: Int, _ category: CPUCategory) {
        let t = cpus[c].occupant
        let byThread = t >= 0 && !cpus[c].inInterrupt && category != .idle
        trace(.cpu(cpu: c, category: category, thread: byThread ? Int(t) : nil, at: at))
    }

    /// The ledger with the time since each CPU's last change added, up to `instant` (nothing is mutated).
    func closedLedger(at instant: Int64) -> [Int64] {
        var result = ledger.array
        for c in 0..<cpuCount { result[c * 7 + cpus[c].category.rawValue] += instant - cpus[c].since }
        return result
    }

    // MARK: - Scheduler

    /// A thread becomes runnable: the highest-numbered CPU that is idle and not in interrupt context takes
    /// it, else it joins the FIFO run queue (with per-CPU run queues, `placeRunnable` decides).
    @inline(__always)
    mutating func makeRunnable(_ t: Int32, engine: inout Engine) {
        if perCPURunQueues {
            placeRunnable(t, engine: &engine)
            return
        }
        var c = cpuCount - 1
        while c >= 0 {
            if cpus[c].occupant < 0 && !cpus[c].inInterrupt && allows(t, c) {
                runOn(t, cpu: c, engine: &engine)
                return
            }
            c -= 1
        }
        threads[Int(t)].runState = .runnable
        runQueue.append(t)
        trace(.thread(thread: Int(t), state: .runnable, at: at))
        trace(.counter(name: "runnable", value: runQueue.count, at: at))
        if !rings.isEmpty { preemptSpinningPoller(for: t, engine: &engine) }
        // Still waiting (another was ahead of it), or the poller now is: the busy CPUs' slices end for them.
        if timeSlice > 0 { armSlices(engine: &engine) }
    }

    /// The shared queue: `t`, just queued, takes a CPU from an SQPOLL thread in its idle spin, if one may
    /// (`spinningPollerCPU`). Out of line: most scenarios have no ring.
    @inline(never) mutating func preemptSpinningPoller(for t: Int32, engine: inout Engine) {
        let poller = spinningPollerCPU(for: t)
        if poller >= 0 { preempt(cpu: poller, engine: &engine) }
    }

    /// Runnable threads waiting for a CPU, in every queue.
    var runnableWaiting: Int { perCPURunQueues ? queuedOnCPUs : runQueue.count }

    /// Whether a thread waits that CPU `c` could take next: in its own queue, or in the shared queue (one
    /// allowed on it).
    @inline(__always) func anyWaiting(for c: Int) -> Bool {
        if perCPURunQueues { return !cpus[c].runQueue.isEmpty }
        return anyAffinity ? sharedQueueIndex(allowedOn: c) >= 0 : !runQueue.isEmpty
    }

    /// Whether thread `t` may run on CPU `c` (its affinity).
    @inline(__always) func allows(_ t: Int32, _ c: Int) -> Bool {
        if !anyAffinity { return true }
        let a = threads[Int(t)].affinity
        return a < 0 || affinitySets[Int(a)][c]
    }

    /// Whether a thread other than an SQPOLL poller waits that CPU `c` could take (see `stepSQPoller`).
    mutating func wokenThreadWaits(for c: Int) -> Bool {
        func woken(_ t: Int32) -> Bool {
            let k = threads[Int(t)].kernelRing
            return (k < 0 || rings[Int(k)].sqThread != t) && allows(t, c)
        }
        return (perCPURunQueues ? cpus[c].runQueue : runQueue).firstIndex(where: woken) != nil
    }

    /// The position in the shared run queue of the first thread allowed on CPU `c`; -1 when none is.
    @inline(__always) func sharedQueueIndex(allowedOn c: Int) -> Int {
        runQueue.firstIndex { allows($0, c) } ?? -1
    }

    /// Per-CPU run queues: places a runnable thread as Linux's `select_task_rq_fair` does for a wake-up (see
    /// `RunQueues.perCPU`): the CPU it last ran on if idle; else an idle CPU (one not in interrupt context
    /// first, which runs it at once; the highest-numbered first); else, every CPU busy, the one with the
    /// fewest waiting (the last one it ran on winning ties, then the highest-numbered). A CPU in interrupt
    /// context with nothing else is idle to the scheduler (its current task is the idle task): the thread
    /// runs there when the interrupt work ends.
    @inline(never) mutating func placeRunnable(_ t: Int32, engine: inout Engine) {
        let packed = Int(threads[Int(t)].wakeTarget)
        if packed >= 0 {  // `machine.wakePacking` chose its CPU when it was woken
            threads[Int(t)].wakeTarget = -1
            cpus[packed].wakingToward -= 1
            if takesAThreadAtOnce(packed) {
                runOn(t, cpu: packed, engine: &engine)
            } else {
                enqueue(t, on: packed, engine: &engine)
            }
            return
        }
        let last = Int(threads[Int(t)].lastCPU)
        var chosen = idleCPU(for: t)
        if chosen < 0 {
            chosen = last >= 0 && allows(t, last) ? last : highestAllowedCPU(t)
            var c = cpuCount - 1
            while c >= 0 {
                if cpus[c].runQueue.count < cpus[chosen].runQueue.count && allows(t, c) { chosen = c }
                c -= 1
            }
        }
        if cpus[chosen].occupant < 0 && !cpus[chosen].inInterrupt {
            runOn(t, cpu: chosen, engine: &engine)
            return
        }
        if cpus[chosen].occupant >= 0 {  // every CPU it may take is busy
            let poller = spinningPollerCPU(for: t)
            if poller >= 0 {
                enqueue(t, on: poller, engine: &engine)
                preempt(cpu: poller, engine: &engine)
                return
            }
        }
        enqueue(t, on: chosen, engine: &engine)
    }

    /// The idle CPU a runnable `t` goes to: the one it last ran on if idle (with `preferringLast`, as
    /// `placeRunnable` places it; the shared queue does not), else the highest-numbered idle one not in interrupt
    /// context, else the highest-numbered one in interrupt context; -1 when none is idle.
    @inline(__always) func idleCPU(for t: Int32, preferringLast: Bool = true) -> Int {
        let last = Int(threads[Int(t)].lastCPU)
        if preferringLast && last >= 0 && cpus[last].occupant < 0 && cpus[last].runQueue.isEmpty && allows(t, last) {
            return last
        }
        var idleInInterrupt = -1
        var c = cpuCount - 1
        while c >= 0 {
            if cpus[c].occupant < 0 && cpus[c].runQueue.isEmpty && allows(t, c) {
                if !cpus[c].inInterrupt { return c }
                if idleInInterrupt < 0 { idleInInterrupt = c }
            }
            c -= 1
        }
        return idleInInterrupt
    }

    /// The highest-numbered CPU thread `t` may run on.
    @inline(__always) func highestAllowedCPU(_ t: Int32) -> Int {
        var c = cpuCount - 1
        while c > 0 && !allows(t, c) { c -= 1 }
        return c
    }

    /// Per-CPU run queues: `t` waits at the back of CPU `c`'s queue. Behind a running thread, a CPU idle (and not
    /// in interrupt context) meanwhile looks at it once it has cooled (and not before `pullableAt`): `c` may stay
    /// busy for long. Alone on a CPU idle but in interrupt context it runs there when the interrupt work ends, and
    /// no other CPU takes it, however long it slept: Linux placed it there because that CPU counts as idle
    /// (`idle_cpu()`: its current task is the idle task), and balancing moves tasks only off a CPU with more than
    /// one runnable (`holdsMoreThanOneRunnable`). (Linux runs it after the softirq pass under way, `__do_softirq`
    /// stopping its restarts at `need_resched()`; the model after the interrupt work queued on that CPU, one batch
    /// at a time.) Sending the idle CPU for it made a thread that slept through a device stall move off the
    /// interrupts' CPU for good, every wake-up after that one a cross-CPU one.
    mutating func enqueue(_ t: Int32, on c: Int, pullableAt: Int64 = 0, engine: inout Engine) {
        threads[Int(t)].runState = .runnable
        threads[Int(t)].pullableAt = pullableAt
        cpus[c].runQueue.append(t)
        queuedOnCPUs += 1
        trace(.thread(thread: Int(t), state: .runnable, at: at))
        trace(.counter(name: "runnable", value: queuedOnCPUs, at: at))
        if timeSlice > 0 && cpus[c].occupant >= 0 && !cpus[c].sliceArmed { armSlice(cpu: c, engine: &engine) }
        if !holdsMoreThanOneRunnable(c) { return }
        let cool = coolsAt(t)
        for other in 0..<cpuCount where other != c && cpus[other].occupant < 0 && !cpus[other].inInterrupt && allows(t, other) {
            armBalance(cpu: other, at: max(now, cool), engine: &engine)
        }
    }

    /// Whether CPU `c` has more than one runnable thread, the one running on it counted: Linux's balancing moves
    /// tasks only off such a CPU (`load_balance`: `busiest->nr_running > 1`), so the one thread queued on a CPU
    /// idle in interrupt context stays for it.
    @inline(__always) func holdsMoreThanOneRunnable(_ c: Int) -> Bool {
        (cpus[c].occupant >= 0 ? 1 : 0) + cpus[c].runQueue.count > 1
    }

    /// Whether CPU `c` is idle, out of interrupt context, with nothing queued: a thread placed there runs at once.
    @inline(__always) func takesAThreadAtOnce(_ c: Int) -> Bool {
        cpus[c].occupant < 0 && !cpus[c].inInterrupt && cpus[c].runQueue.isEmpty
    }

    /// `machine.wakePacking`: the CPU a thread woken by CPU `c`'s deferred routine goes to; -1 when the usual
    /// placement applies (a thread runs on `c`, or the thread may not run on the CPU the rule picks). While
    /// nothing is queued or waking toward `c` (idle to the scheduler, awake in interrupt context), `c`; else
    /// the CPU the thread last ran on if idle (a wake-up may already be on its way there); else, with two or
    /// more queued or waking toward `c`, an idle CPU that nothing is waking toward (the highest-numbered); else `c`.
    func packedWakeTarget(_ t: Int32, from c: Int) -> Int {
        guard cpus[c].occupant < 0 else { return -1 }
        let towardC = cpus[c].runQueue.count + Int(cpus[c].wakingToward)
        if towardC == 0 { return allows(t, c) ? c : -1 }
        let last = Int(threads[Int(t)].lastCPU)
        if last >= 0 && last != c && takesAThreadAtOnce(last) && allows(t, last) { return last }
        if towardC >= 2 {
            var o = cpuCount - 1
            while o >= 0 {
                if o != c && takesAThreadAtOnce(o) && cpus[o].wakingToward == 0 && allows(t, o) { return o }
                o -= 1
            }
        }
        return allows(t, c) ? c : -1
    }

    /// When `t`, waiting, may be taken by another CPU: once it stops being cache-hot (at once if it never ran),
    /// and not before its `pullableAt`.
    @inline(__always) func coolsAt(_ t: Int32) -> Int64 {
        let left = threads[Int(t)].leftCPUAt
        return max(left < 0 ? 0 : left &+ migrationCost, threads[Int(t)].pullableAt)
    }

    /// Makes sure CPU `c` has a balance event due no later than `time` (one pending earlier is kept).
    mutating func armBalance(cpu c: Int, at time: Int64, engine: inout Engine) {
        if cpus[c].balanceAt <= time { return }
        cpus[c].balanceAt = time
        cpus[c].balanceGeneration &+= 1
        engine.schedule(
            at: SimInstant(nanosecondsSinceStart: time), priority: Priority.timer, kind: EventKind.balance.rawValue,
            target: UInt32(c), generation: cpus[c].balanceGeneration)
    }

    /// The thread CPU `c` runs next, taken off its queue: the shared queue's head; with per-CPU queues, its
    /// own queue's head, else a thread waiting on another CPU with more than one runnable
    /// (`holdsMoreThanOneRunnable`) that is no longer cache-hot (off a CPU for `migrationCost`; one that never
    /// ran is not hot). When only hot ones wait elsewhere, a balance event looks again when the first of them
    /// cools.
    @inline(__always)
    mutating func nextRunnable(for c: Int, engine: inout Engine) -> Int32? {
        if !perCPURunQueues { return nextShared(for: c) }
        if let t = cpus[c].runQueue.popFirst() {
            queuedOnCPUs -= 1
            return t
        }
        if queuedOnCPUs == 0 { return nil }
        return takeCooledThread(for: c, engine: &engine)
    }

    /// The shared queue's first thread allowed on CPU `c`, taken off it (nil: none); its head without affinities.
    @inline(__always) mutating func nextShared(for c: Int) -> Int32? {
        anyAffinity ? nextAllowedShared(for: c) : runQueue.popFirst()
    }

    @inline(never) mutating func nextAllowedShared(for c: Int) -> Int32? {
        let i = sharedQueueIndex(allowedOn: c)
        return i < 0 ? nil : runQueue.remove(at: i)
    }

    @inline(never) mutating func takeCooledThread(for c: Int, engine: inout Engine) -> Int32? {
        var firstCool = Int64.max
        for other in 0..<cpuCount where other != c && holdsMoreThanOneRunnable(other) {
            for i in 0..<cpus[other].runQueue.count where allows(cpus[other].runQueue.element(at: i), c) {
                let cool = coolsAt(cpus[other].runQueue.element(at: i))
                if cool <= now {
                    queuedOnCPUs -= 1
                    return cpus[other].runQueue.remove(at: i)
                }
                firstCool = min(firstCool, cool)
            }
        }
        if firstCool < Int64.max { armBalance(cpu: c, at: firstCool, engine: &engine) }
        return nil
    }

    /// An idle CPU's balance event (per-CPU run queues): it takes a thread that has cooled, if it is still idle.
    /// - Returns: false when it found nothing to do.
    @inline(never) mutating func onBalance(_ event: Event, engine: inout Engine) -> Bool {
        let c = Int(event.target)
        guard cpus[c].balanceGeneration == event.generation else { return false }
        cpus[c].balanceAt = Int64.max
        guard cpus[c].occupant < 0, !cpus[c].inInterrupt, queuedOnCPUs > 0 else { return false }
        // nextRunnable may arm the next balance event when no queued thread has cooled yet: that is an effect.
        if let t = nextRunnable(for: c, engine: &engine) { runOn(t, cpu: c, engine: &engine) }
        return true
    }

    @inline(__always)
    mutating func runOn(_ t: Int32, cpu c: Int, engine: inout Engine) {
        let ti = Int(t)
        cpus[c].occupant = t
        cpus[c].dispatchedAt = now
        cpus[c].sliceArmed = false
        cpus[c].sliceGeneration &+= 1
        threads[ti].cpu = Int32(c)
        threads[ti].lastCPU = Int32(c)
        threads[ti].runState = .running
        contextSwitches &+= 1
        if _slowPath(tracer != nil) { traceRunning(ti, cpu: c) }
        if timeSlice > 0 && anyWaiting(for: c) { armSlice(cpu: c, engine: &engine) }
        // Leaving the idle task costs `idleExit` more (tick restart, the idle loop's exit).
        // A free switch resumes the thread at once, unless dispatches already nest here: threads that hand
        // work to each other on one CPU with nothing costing time would recurse without bound, so past a few
        // levels the switch becomes a zero-length event.
        let switchCost = cpus[c].inIdleTask ? contextSwitchCost &+ idleExitCost : contextSwitchCost
        // A kernel thread (SQPOLL, io-wq) has no user mode to pay it in.
        if cpus[c].inIdleTask && idleExitUserCost > 0 && threads[ti].kernelRing < 0 {
            threads[ti].idleExitUserPending = idleExitUserCost
        }
        cpus[c].inIdleTask = false
        if switchCost > 0 || nestedDispatches >= 16 {
            threads[ti].burstIsSwitch = true
            startBurst(t, .contextSwitch, switchCost, engine: &engine)
            return
        }
        nestedDispatches += 1
        resumeAfterSwitch(t, engine: &engine)
        nestedDispatches -= 1
    }

    @inline(never) mutating func traceRunning(_ ti: Int, cpu c: Int) {
        trace(.thread(thread: ti, state: .running(cpu: c), at: at))
        trace(.counter(name: "runnable", value: runnableWaiting, at: at))
    }

    @inline(__always)
    mutating func resumeAfterSwitch(_ t: Int32, engine: inout Engine) {
        let ti = Int(t)
        let idleUser = threads[ti].idleExitUserPending
        if idleUser > 0 {  // the user time of leaving idle, then this again (still part of the switch)
            threads[ti].idleExitUserPending = 0
            threads[ti].burstIsSwitch = true
            startBurst(t, .user, idleUser, engine: &engine)
            return
        }
        threads[ti].burstIsSwitch = false
        let remaining = threads[ti].preemptedRemaining
        if remaining >= 0 {
            threads[ti].preemptedRemaining = -1
            if threads[ti].spinning && remaining >= World.spinForever / 2 {
                threads[ti].burstEnd = World.spinForever
                setCategory(Int(threads[ti].cpu), threads[ti].preemptedCategory)
                return
            }
            if remaining > 0 {
                startBurst(t, threads[ti].preemptedCategory, remaining, engine: &engine)
                return
            }
        }
        runThread(t, engine: &engine)
    }

    /// The thread leaves its CPU (it blocked or finished); the CPU takes the run-queue head or idles.
    @inline(__always)
    mutating func leaveCPU(_ t: Int32, engine: inout Engine) {
        let c = Int(threads[Int(t)].cpu)
        threads[Int(t)].cpu = -1
        threads[Int(t)].leftCPUAt = now
        cpus[c].occupant = -1
        cpus[c].sliceArmed = false
        cpus[c].sliceGeneration &+= 1
        if let next = nextRunnable(for: c, engine: &engine) {
            runOn(next, cpu: c, engine: &engine)
        } else {
            contextSwitches &+= 1  // to the idle task
            cpus[c].inIdleTask = true
            setCategory(c, .idle)
        }
    }

    /// Starts a CPU burst of the running thread; `duration` must be positive.
    @inline(__always)
    mutating func startBurst(_ t: Int32, _ category: CPUCategory, _ duration: Int64, engine: inout Engine) {
        let ti = Int(t)
        let end = now &+ duration
        threads[ti].burstCategory = category
        threads[ti].burstEnd = end
        setCategory(Int(threads[ti].cpu), category)
        engine.schedule(
            at: SimInstant(nanosecondsSinceStart: end), priority: Priority.threadBurst,
            kind: EventKind.burstEnd.rawValue, target: UInt32(t), generation: threads[ti].generation)
    }

    /// Starts a burst of `duration` when it is positive (a step that costs nothing goes straight on).
    /// - Returns: whether a burst started, as the program steps return it.
    @inline(__always)
    mutating func burstIfAny(_ t: Int32, _ category: CPUCategory, _ duration: Int64, engine: inout Engine) -> Bool {
        if duration <= 0 { return false }
        startBurst(t, category, duration, engine: &engine)
        return true
    }

    @inline(__always)
    mutating func burstEnded(_ t: Int32, engine: inout Engine) {
        if threads[Int(t)].burstIsSwitch {
            resumeAfterSwitch(t, engine: &engine)
        } else {
            runThread(t, engine: &engine)
        }
    }

    mutating func armSlices(engine: inout Engine) {
        for c in 0..<cpuCount where cpus[c].occupant >= 0 && !cpus[c].sliceArmed {
            armSlice(cpu: c, engine: &engine)
        }
    }

    mutating func armSlice(cpu c: Int, engine: inout Engine) {
        cpus[c].sliceArmed = true
        let at = max(now, cpus[c].dispatchedAt + timeSlice)
        engine.schedule(
            at: SimInstant(nanosecondsSinceStart: at), priority: Priority.timer, kind: EventKind.sliceEnd.rawValue,
            target: UInt32(c), generation: cpus[c].sliceGeneration)
    }

    /// Round-robin: at the end of a slice, if threads wait, the running thread goes to the back of the queue.
    /// (The fast path shares it.)
    /// - Returns: false when the slice's end found nothing to do (stale, or nobody waiting).
    @inline(never) mutating func sliceEnded(cpu c: Int, generation: UInt32, engine: inout Engine) -> Bool {
        guard cpus[c].sliceGeneration == generation, cpus[c].sliceArmed else { return false }
        cpus[c].sliceArmed = false
        let t = cpus[c].occupant
        guard t >= 0, anyWaiting(for: c) else { return false }
        if cpus[c].inInterrupt {  // try again when the interrupt work is over
            cpus[c].dispatchedAt = now
            armSlice(cpu: c, engine: &engine)
            return true
        }
        preempt(cpu: c, engine: &engine)
        return true
    }

    /// The thread running on CPU `c` (not in interrupt context) goes to the back of the run queue, its burst's
    /// rest kept, and the next thread waiting that `c` may run takes the CPU (one must wait).
    mutating func preempt(cpu c: Int, engine: inout Engine) {
        let t = cpus[c].occupant
        let ti = Int(t)
        threads[ti].generation &+= 1
        if !threads[ti].burstIsSwitch {
            threads[ti].preemptedRemaining = threads[ti].burstEnd - now
            threads[ti].preemptedCategory = threads[ti].burstCategory
            if threads[ti].kernelRing >= 0 && threads[ti].spinning && threads[ti].burstCategory == .polling
                && threads[ti].burstEnd < World.spinForever
            {
                // The poller's idle time is a deadline (sq_thread_idle from its last work): back on a CPU, its
                // loop looks again rather than spinning the rest.
                threads[ti].preemptedRemaining = 0
                threads[ti].spinning = false
            }
        }
        threads[ti].burstIsSwitch = false
        threads[ti].idleExitUserPending = 0  // it leaves this CPU: no exit from idle to pay for on the next
        threads[ti].cpu = -1
        threads[ti].leftCPUAt = now
        threads[ti].runState = .runnable
        cpus[c].occupant = -1
        let next: Int32
        if perCPURunQueues {
            cpus[c].runQueue.append(t)
            next = cpus[c].runQueue.popFirst()!
        } else {
            runQueue.append(t)
            next = nextShared(for: c)!  // `t` at least, allowed on `c`
        }
        trace(.thread(thread: ti, state: .runnable, at: at))
        if closedLoop {
            closedLoopRunOn(next, cpu: c, engine: &engine)
        } else {
            runOn(next, cpu: c, engine: &engine)
        }
    }

    /// A CPU that runnable `t` may take from an SQPOLL thread in its idle spin (the highest-numbered; -1:
    /// none). The kernel's wake-up preemption sets need_resched on the poller's CPU, and io_sq_thread calls
    /// cond_resched() on every pass of its loop, so the woken thread runs at once (measured here: a depth-1 job
    /// pinned with its poller to the interrupts' CPU made 22-26k IOPS, more than the two apart). Not a poller
    /// whose spin has ended (at this instant, its flag not yet cleared) nor one on the CPU of the thread being
    /// stepped (it yields when it starts its spin, `stepSQPoller`). A thread spinning in user mode is not taken
    /// off its CPU so (only at the end of its time slice): not modelled.
    @inline(never) mutating func spinningPollerCPU(for t: Int32) -> Int {
        if rings.isEmpty { return -1 }
        var c = cpuCount - 1
        while c >= 0 {
            let o = cpus[c].occupant
            if o >= 0 && c != runningThreadCPU && !cpus[c].inInterrupt && allows(t, c) {
                let p = Int(o)
                if threads[p].kernelRing >= 0 && threads[p].spinning && !threads[p].burstIsSwitch
                    && threads[p].burstCategory == .polling && threads[p].burstEnd > now
                {
                    return c
                }
            }
            c -= 1
        }
        return -1
    }

    // MARK: - Blocking and waking

    @inline(__always)
    mutating func block(_ t: Int32, _ kind: WaitKind, object: Int32, engine: inout Engine) {
        let ti = Int(t)
        threads[ti].runState = .blocked
        threads[ti].waitKind = kind
        threads[ti].waitObject = object
        threads[ti].wokenByAPC = false
        if _slowPath(tracer != nil) { traceBlocked(ti, kind) }
        if kind == .io {
            noteBlockedOnIO(+1)
            attach(object)
        } else if kind == .ring {
            noteBlockedOnIO(+1)  // waiting in io_uring_enter for the ring's completions
        }
        let p = threads[ti].port
        if p >= 0 && kind != .port {  // an associated thread blocking elsewhere frees a concurrency slot
            ports[Int(p)].running -= 1
            releasePortWaiters(Int(p), engine: &engine)
        }
        leaveCPU(t, engine: &engine)
    }

    /// After ringing the doorbell for request `r`, whose waiter it already is (running for it, attached): blocks
    /// `t` on `r` unless the device finished it meanwhile. - Returns: true when it blocked.
    mutating func blockUnlessDone(_ t: Int32, _ r: Int32, engine: inout Engine) -> Bool {
        detach(r)
        if requests[Int(r)].isComplete { return false }
        block(t, .io, object: r, engine: &engine)
        return true
    }

    @inline(never) mutating func traceBlocked(_ ti: Int, _ kind: WaitKind) {
        let state: ThreadTraceState
        switch kind {
        case .io: state = .blocked(reason: "io")
        case .port: state = .blocked(reason: "port")
        case .alertable: state = .alertable
        case .sleep: state = .blocked(reason: "sleep")
        case .none: state = .blocked(reason: "wait")
        case .ring: state = .blocked(reason: "io_uring_enter")
        case .sqpollIdle, .workerIdle: state = .blocked(reason: "idle")
        }
        trace(.thread(thread: ti, state: state, at: at))
    }

    /// Ends a wait: the thread becomes runnable after the wake-up latency (`localWakeup` when an interrupt's
    /// deferred routine wakes it on the idle CPU it last ran on, or, with `machine.wakePacking`, packs it onto
    /// that routine's CPU; else, with `machine.wakeupAfterIdle`, by how long the idle CPU it goes to has been idle).
    @inline(__always)
    mutating func wake(_ t: Int32, engine: inout Engine) {
        let ti = Int(t)
        let kind = threads[ti].waitKind
        if kind == .io {
            noteBlockedOnIO(-1)
            detach(threads[ti].waitObject)
        } else if kind == .ring {
            noteBlockedOnIO(-1)
        }
        let p = threads[ti].port
        if p >= 0 && kind != .port { ports[Int(p)].running += 1 }
        threads[ti].waitKind = .none
        threads[ti].waitObject = -1
        threads[ti].waitGeneration &+= 1
        let c = interruptWakerCPU
        if wakeAffine && c < 0 {
            let w = runningThreadCPU
            if w >= 0 && Int(threads[ti].lastCPU) == w && cpus[w].occupant >= 0 && allows(t, w) {
                // Queued on the waker's CPU, which is busy: no IPI; an idle CPU takes it by load balancing, after
                // the plain wake-up latency (not `wakeupAfterIdle`'s: no wake-up is sent to that CPU).
                enqueue(t, on: w, pullableAt: now &+ wakeupLatency, engine: &engine)
                return
            }
        }
        var latency: Int64
        var packed = -1
        if wakePacking && c >= 0 {
            // The choice made when the deferred routine took the request, if it was this thread's.
            packed = cpus[c].packedThread == t ? Int(cpus[c].packedTarget) : packedWakeTarget(t, from: c)
            cpus[c].packedThread = -1
        }
        threads[ti].wakeTarget = Int32(packed)
        if packed >= 0 {
            cpus[packed].wakingToward += 1
            latency =
                packed == c ? localWakeup
                : wakeupAfterIdle.isEmpty ? wakeupLatency : wakeupLatencyAfterIdle(onto: packed)
        } else {
            latency =
                c >= 0 && Int(threads[ti].lastCPU) == c && cpus[c].occupant < 0
                ? localWakeup : wakeupAfterIdle.isEmpty ? wakeupLatency : wakeupLatencyAfterIdle(ti)
        }
        if latency > 0 {
            trace(.thread(thread: ti, state: .waking, at: at))
            threads[ti].runState = .waking
            engine.schedule(
                after: .nanoseconds(latency), priority: Priority.timer, kind: EventKind.threadReady.rawValue,
                target: UInt32(t))
        } else {
            makeRunnable(t, engine: &engine)
        }
    }

    /// `machine.wakeupAfterIdle`: the wake-up latency of thread `ti` by how long the idle CPU it would go to now
    /// (`idleCPU(for:)`) has been idle; `wakeupLatency` when every CPU is busy.
    @inline(never) func wakeupLatencyAfterIdle(_ ti: Int) -> Int64 {
        let target = idleCPU(for: Int32(ti), preferringLast: perCPURunQueues)
        if target < 0 { return wakeupLatency }
        return wakeupLatencyAfterIdle(onto: target)
    }

    /// `machine.wakeupAfterIdle`: the wake-up latency onto CPU `target` by how long it has been idle.
    @inline(never) func wakeupLatencyAfterIdle(onto target: Int) -> Int64 {
        // A CPU in interrupt context is awake: idle for no time.
        let idle = cpus[target].category == .idle && !cpus[target].inInterrupt ? now &- cpus[target].since : 0
        return WakeupAfterIdle.latency(afterIdle: idle, on: wakeupAfterIdle)
    }

    @inline(__always) mutating func noteBlockedOnIO(_ delta: Int) {
        blockedOnIOArea += Double(blockedOnIO) * Double(now &- blockedOnIOSince)
        blockedOnIOSince = now
        blockedOnIO += delta
    }

    /// A thread starts running or waiting on behalf of request `r` (only in-flight time counts).
    @inline(__always) mutating func attach(_ r: Int32) {
        let ri = Int(r)
        if requests[ri].isComplete || requests[ri].submitted < 0 { return }
        if requests[ri].attachCount == 0 { requests[ri].attachSince = now }
        requests[ri].attachCount += 1
    }

    @inline(__always) mutating func detach(_ r: Int32) {
        let ri = Int(r)
        if requests[ri].isComplete || requests[ri].attachCount == 0 { return }
        requests[ri].attachCount -= 1
        if requests[ri].attachCount == 0 { requests[ri].attachedTotal += now - requests[ri].attachSince }
    }

    mutating func finishThread(_ t: Int32, engine: inout Engine) {
        let ti = Int(t)
        threads[ti].runState = .finished
        trace(.thread(thread: ti, state: .finished, at: at))
        for s in threads[ti].slots where s >= 0 { release(s) }
        threads[ti].slots = []
        if threads[ti].contextRequest >= 0 { release(threads[ti].contextRequest) }
        threads[ti].contextRequest = -1
        alive -= 1
        let p = threads[ti].port
        if p >= 0 {
            ports[Int(p)].running -= 1
            releasePortWaiters(Int(p), engine: &engine)
        }
        if !threads[ti].daemon {
            nonDaemonAlive -= 1
            if nonDaemonAlive == 0 && scenario.stop.afterIOs == nil && scenario.stop.afterTime == nil {
                leaveCPUOnPath(t, engine: &engine)
                stop(engine: &engine)
                return
            }
        }
        leaveCPUOnPath(t, engine: &engine)
    }

    /// The thread leaves its CPU on the path in use (`finishThread` serves both).
    mutating func leaveCPUOnPath(_ t: Int32, engine: inout Engine) {
        if closedLoop {
            closedLoopLeaveCPU(t, engine: &engine)
        } else {
            leaveCPU(t, engine: &engine)
        }
    }

    // MARK: - Requests

    /// Stores `request` (marked in use) in a free slot and returns the slot.
    @inline(__always)
    mutating func newRequest(_ request: RequestState) -> Int32 {
        var request = request
        request.inUse = true
        let r = freeRequest
        if r >= 0 {
            freeRequest = requests[Int(r)].next
            requests[Int(r)] = request
            return r
        }
        requests.append(request)
        return Int32(requests.count - 1)
    }

    @inline(__always) mutating func retain(_ r: Int32) { requests[Int(r)].references += 1 }

    @inline(__always) mutating func release(_ r: Int32) {
        let ri = Int(r)
        requests[ri].references -= 1
        if requests[ri].references == 0 && requests[ri].isComplete {
            requests[ri].inUse = false
            requests[ri].next = freeRequest
            freeRequest = r
        }
    }

    /// The program learns that its request is done (returns from a wait, sees it on a poll, dequeues the
    /// packet, runs the routine). Only the first observation is recorded.
    @inline(__always)
    mutating func observe(_ r: Int32, by t: Int32) {
        let ri = Int(r)
        guard requests[ri].observed < 0, requests[ri].isComplete else { return }
        requests[ri].observed = now
        trace(.ioObserved(io: requests[ri].number, thread: Int(t), at: at))
        recorder.record(.delivery, now - requests[ri].completed)
        if recordsIO(r) { updateRecord(r) }
        // Dequeues and completion routines narrate themselves, with more to say.
        if _slowPath(requests[ri].number == narrateNumber) && requests[ri].notice == .statusOnly {
            narrateObservation(r, by: t)
        }
    }

    @inline(never)
    mutating func narrateObservation(_ r: Int32, by t: Int32) {
        let ri = Int(r)
        narrate(
            r, step: requests[ri].blocking ? 11 : 10, cpu: threads[Int(t)].cpu, actor: "thread \(threads[Int(t)].name)",
            "learns that IO \(requests[ri].number) is done: \(observationPhrase(r, t)); "
                + "\(Self.formatNs(now - requests[ri].completed)) after completion")
    }
}
