//! The closed-loop fast path: the same model, written for the commonest shape of scenario.
//!
//! Threads that compute and issue blocking direct reads and writes in loops (the blocking read of Cleary's
//! argument, the background thread, a thread pool of blocking readers, the engine benchmark) use a small
//! part of the model: no rings, ports, events, routines, page cache, coalescing or passes. For
//! such a scenario the handlers below replace the general ones. They are the general handlers with every
//! branch this shape cannot take removed, and one request slot per thread (a blocking thread has one request
//! in flight at most) instead of the reference-counted request table. They schedule the same events in the
//! same order and touch the ledger, histograms and census in the same way, so a run gives the same result,
//! field for field, as the general path (ClosedLoopFastPathTests compares both on random scenarios of this
//! shape); `Simulator(_:fastPath: false)` and `iosim bench --general` run the general path.

import IOSimCore
import IOSimEngine

/// An instruction as the fast path dispatches on it: one flag per common kind, tested one after the other.
///
/// Why not a `switch`: its jump table is one indirect branch whose target changes at every step of a loop
/// (compute, IO, jump, compute...), which the processor mispredicts; tests of distinct flags are conditional
/// branches it predicts from their history (measured: about a tenth of the reference workload's wall time).
/// A chain of `if case` tests on the enum's tag does not help: the compiler turns it back into the table.
struct ClosedLoopStep {
    var isCompute = false
    var isIO = false
    var isJump = false
    var sampler = Sampler.zero
    /// The IO operation's index, or the jump's target.
    var operand: Int32 = 0

    init(_ instruction: Instruction) {
        switch instruction {
        case .compute(let d):
            isCompute = true
            sampler = d
        case .io(let index):
            isIO = true
            operand = index
        case .jump(let to):
            isJump = true
            operand = to
        default: break
        }
    }
}

/// The event kinds as stored values, for the same reason: compared with constants, the tests of the kind
/// become a jump table again.
struct EventKindCodes {
    var burstEnd = EventKind.burstEnd.rawValue
    var deviceDone = EventKind.deviceDone.rawValue
    var isrDone = EventKind.isrDone.rawValue
    var deferredDone = EventKind.deferredDone.rawValue
    var threadReady = EventKind.threadReady.rawValue
    var interruptArrive = EventKind.interruptArrive.rawValue
    var sliceEnd = EventKind.sliceEnd.rawValue
}

extension World {
    /// Whether the scenario has the closed-loop shape, or why not (for tests and `bench`).
    static func closedLoopShape(_ scenario: Scenario, _ programs: [CompiledProgram], tracing: Bool) -> String? {
        if tracing { return "tracing" }
        if !scenario.rings.isEmpty { return "io_uring rings" }
        if !scenario.ports.isEmpty { return "completion ports" }
        let i = scenario.interrupts, d = scenario.device
        if i.coalesceCount > 1 && i.coalesceTime.nanoseconds > 0 { return "interrupt coalescing" }
        if i.suppressWhileServicing { return "interrupt suppression" }
        if d.completionBatching != .none { return "completion batching" }
        if d.stallInterval > .zero { return "device stalls (device.stallInterval)" }
        if scenario.machine.hostMilliCPUs > 0 { return "a shared host (machine.hostCPUs)" }
        if scenario.machine.idleExit > .zero { return "a cost of leaving idle (machine.idleExit)" }
        if scenario.machine.idleExitUser > .zero { return "a user cost of leaving idle (machine.idleExitUser)" }
        if scenario.machine.localWakeup != nil { return "a local wake-up (machine.localWakeup)" }
        if !scenario.machine.wakeupAfterIdle.isEmpty { return "a wake-up latency by idle time (machine.wakeupAfterIdle)" }
        if scenario.interrupts.busyStall > .zero { return "a busy CPU's stall at an interrupt (interrupts.busyStall)" }
        if scenario.interrupts.idleDelivery > .zero { return "an idle CPU's later interrupt (interrupts.idleDelivery)" }
        if scenario.interrupts.deferredWakeRemote > .zero { return "a wake-up IPI (interrupts.deferredWakeRemote)" }
        if scenario.machine.runQueues == .perCPU { return "per-CPU run queues (machine.runQueues)" }
        for spec in scenario.threads where spec.template { return "thread templates" }
        for spec in scenario.threads where spec.cpus != nil { return "CPU affinity (threads[].cpus)" }
        for p in programs {
            for instruction in p.instructions {
                switch instruction {
                case .compute, .loopStart, .loopEnd, .jump, .end: continue
                case .io(let index):
                    let io = p.ioOperations.first { $0.index == index }!
                    if !io.blocking || io.buffered || io.slot >= 0 || io.notice != .statusOnly {
                        return "an IO that is not a blocking direct one"
                    }
                default: return "an operation other than compute, blocking direct IO and repeat"
                }
            }
        }
        return nil
    }

    // MARK: - Start and dispatch

    /// One request slot per thread (slot t belongs to thread t), then `start`: each thread is created and
    /// made runnable in turn (it may run, and even finish, before the next is created).
    mutating func closedLoopStart(engine: inout Engine) {
        for spec in scenario.threads {
            for _ in 0..<spec.count {
                var slot = RequestState()
                slot.inUse = true
                slot.references = 1
                requests.append(slot)
            }
        }
        for (index, spec) in scenario.threads.enumerated() {
            for instance in 0..<spec.count {
                closedLoopMakeRunnable(createThread(spec: Int32(index), instance: instance), engine: &engine)
            }
        }
        if nonDaemonAlive == 0 && scenario.stop.afterIOs == nil && scenario.stop.afterTime == nil {
            stop(engine: &engine)
        }
    }

    @inline(__always)
    mutating func closedLoopHandle(_ event: Event, engine: inout Engine) {
        // Tests of stored values rather than a `switch` (see `EventKindCodes`).
        // As `handle`: an event that finds nothing to do returns before `lastEffectAt`.
        let kind = event.kind
        if kind == eventKindCodes.burstEnd {
            if !closedLoopBurstEnd(event, engine: &engine) { return }
        } else if kind == eventKindCodes.deviceDone {
            closedLoopDeviceDone(event, engine: &engine)
        } else if kind == eventKindCodes.deferredDone {
            closedLoopDeferredDone(event, engine: &engine)
        } else if kind == eventKindCodes.isrDone {
            closedLoopISRDone(event, engine: &engine)
        } else if kind == eventKindCodes.interruptArrive {
            closedLoopInterruptArrive(event, engine: &engine)
        } else if kind == eventKindCodes.threadReady {
            closedLoopThreadReady(event, engine: &engine)
        } else if kind == eventKindCodes.sliceEnd {
            if !sliceEnded(cpu: Int(event.target), generation: event.generation, engine: &engine) { return }
        } else {
            preconditionFailure("event kind \(event.kind) outside the closed-loop shape")
        }
        lastEffectAt = now
    }

    /// - Returns: false for a stale event (nothing happened).
    @inline(never) mutating func closedLoopBurstEnd(_ event: Event, engine: inout Engine) -> Bool {
        let t = Int(event.target)
        if threads[t].generation != event.generation { return false }  // stale: the burst was suspended
        closedLoopBurstEnded(Int32(t), engine: &engine)
        return true
    }

    /// `burstEnded`: after a context switch the thread resumes what a time slice took from it, if anything.
    @_transparent
    mutating func closedLoopBurstEnded(_ t: Int32, engine: inout Engine) {
        if threads[Int(t)].burstIsSwitch {
            closedLoopResumeAfterSwitch(t, engine: &engine)
        } else {
            closedLoopRunThread(t, engine: &engine)
        }
    }

    /// `resumeAfterSwitch` (no thread of this shape spins).
    @_transparent
    mutating func closedLoopResumeAfterSwitch(_ t: Int32, engine: inout Engine) {
        let ti = Int(t)
        threads[ti].burstIsSwitch = false
        let remaining = threads[ti].preemptedRemaining
        if remaining >= 0 {
            threads[ti].preemptedRemaining = -1
            if remaining > 0 {
                startBurst(t, threads[ti].preemptedCategory, remaining, engine: &engine)
                return
            }
        }
        closedLoopRunThread(t, engine: &engine)
    }

    /// A thread woken after the wake-up latency becomes runnable.
    @inline(never) mutating func closedLoopThreadReady(_ event: Event, engine: inout Engine) {
        closedLoopMakeRunnable(Int32(event.target), engine: &engine)
    }

    @inline(never) mutating func closedLoopISRDone(_ event: Event, engine: inout Engine) {
        let c = Int(event.target)
        cpus[c].batchCursor = cpus[c].batchHead
        closedLoopStartDeferred(cpu: c, engine: &engine)
    }

    @inline(never) mutating func closedLoopDeferredDone(_ event: Event, engine: inout Engine) {
        let c = Int(event.target)
        let r = cpus[c].batchCursor
        cpus[c].batchCursor = requests[Int(r)].next
        closedLoopComplete(r, cpu: c, engine: &engine)
        closedLoopStartDeferred(cpu: c, engine: &engine)
    }

    // MARK: - Scheduler


    @_transparent
    mutating func closedLoopMakeRunnable(_ t: Int32, engine: inout Engine) {
        var c = cpuCount - 1
        while c >= 0 {
            if cpus[c].occupant < 0 && !cpus[c].inInterrupt {
                closedLoopRunOn(t, cpu: c, engine: &engine)
                return
            }
            c -= 1
        }
        threads[Int(t)].runState = .runnable
        runQueue.append(t)
        if timeSlice > 0 { armSlices(engine: &engine) }
    }

    /// `runOn`: a free switch resumes the thread at once, nesting at most 16 deep (see there).
    @_transparent
    mutating func closedLoopRunOn(_ t: Int32, cpu c: Int, engine: inout Engine) {
        let ti = Int(t)
        cpus[c].occupant = t
        cpus[c].dispatchedAt = now
        cpus[c].sliceArmed = false
        cpus[c].sliceGeneration &+= 1
        threads[ti].cpu = Int32(c)
        threads[ti].runState = .running
        contextSwitches &+= 1
        if timeSlice > 0 && runQueue.count > 0 { armSlice(cpu: c, engine: &engine) }
        if contextSwitchCost > 0 || nestedDispatches >= 16 {
            threads[ti].burstIsSwitch = true
            startBurst(t, .contextSwitch, contextSwitchCost, engine: &engine)
            return
        }
        nestedDispatches += 1
        closedLoopResumeAfterSwitch(t, engine: &engine)
        nestedDispatches -= 1
    }

    @_transparent
    mutating func closedLoopLeaveCPU(_ t: Int32, engine: inout Engine) {
        let c = Int(threads[Int(t)].cpu)
        threads[Int(t)].cpu = -1
        cpus[c].occupant = -1
        cpus[c].sliceArmed = false
        cpus[c].sliceGeneration &+= 1
        if let next = runQueue.popFirst() {
            closedLoopRunOn(next, cpu: c, engine: &engine)
        } else {
            contextSwitches &+= 1  // to the idle task
            chargeLedger(c, .idle)
        }
    }

    @_transparent
    mutating func closedLoopBlock(_ t: Int32, on r: Int32, engine: inout Engine) {
        let ti = Int(t)
        threads[ti].runState = .blocked
        threads[ti].waitKind = .io
        threads[ti].waitObject = r
        noteBlockedOnIO(+1)
        attach(r)
        closedLoopLeaveCPU(t, engine: &engine)
    }

    // MARK: - The program

    /// `runThread` for compute, blocking direct IO and loops.
    @inline(never)
    mutating func closedLoopRunThread(_ t: Int32, engine: inout Engine) {
        let ti = Int(t)
        let base = Int(programBase[Int(threads[ti].program)])
        var steps = 0
        if enteredTooOftenAtThisInstant(t) { return }
        while !isFinished {
            steps += 1
            if steps > 1_000_000 {
                _ = failLooping(t)
                return
            }
            let at = base &+ Int(threads[ti].pc)
            let step = closedLoopSteps.base + at  // in place: the step is not copied
            if step.pointee.isCompute {
                let ns = step.pointee.sampler.sample(&threads[ti].rng, distributions)
                threads[ti].pc += 1
                if ns > 0 {
                    startBurst(t, .user, ns, engine: &engine)
                    return
                }
            } else if step.pointee.isIO {
                if closedLoopStepIO(t, step.pointee.operand, steps: &steps, engine: &engine) { return }
            } else if step.pointee.isJump {
                threads[ti].pc = step.pointee.operand
            } else {
                switch instructions[at] {
                case .loopStart(let count, let end): loopStart(ti, count: count, end: end)
                case .loopEnd(let start): loopEnd(ti, start: start)
                case .end:
                    finishThread(t, engine: &engine)
                    return
                default: preconditionFailure("instruction outside the closed-loop shape")
                }
            }
        }
    }

    /// `stepIO` for a blocking direct IO, every phase in one call as `runIO` runs them: issue (0), hand to
    /// the driver and block (1), after the doorbell (4), woken (2), back in user mode (3). The phases are
    /// straight-line code in their order, each entered from the one before it when that one took no time,
    /// with `runIO`'s checks between two phases.
    /// - Returns: true when the thread started a burst, blocked, or the run ended.
    @_transparent
    mutating func closedLoopStepIO(_ t: Int32, _ index: Int32, steps: inout Int, engine: inout Engine) -> Bool {
        let ti = Int(t)
        let ri = ti  // the thread's request slot
        let r = t
        var phase = threads[ti].phase
        if phase == 0 {
            let io = ioOperations.base + Int(index)
            var offset: Int64
            switch io.pointee.offset {
            case .random:
                offset = Int64(threads[ti].rng.nextInt(below: io.pointee.randomOffsetSlots)) * io.pointee.sizeBytes
            case .sequential:
                let fileSize = scenario.files[Int(io.pointee.file)].sizeBytes
                offset = threads[ti].fileCursors[Int(io.pointee.file)]
                if offset + io.pointee.sizeBytes > fileSize { offset = 0 }
                threads[ti].fileCursors[Int(io.pointee.file)] = offset + io.pointee.sizeBytes
            case .fixed(let o):
                offset = o
            }
            ioIssued &+= 1
            let q = requests.base + ri
            q.pointee.number = ioIssued
            q.pointee.thread = t
            q.pointee.direction = io.pointee.direction
            q.pointee.file = io.pointee.file
            q.pointee.offsetBytes = offset
            q.pointee.sizeBytes = io.pointee.sizeBytes
            q.pointee.operation = index
            q.pointee.issued = now
            q.pointee.submitted = -1
            q.pointee.completed = -1
            q.pointee.observed = -1
            q.pointee.isComplete = false
            q.pointee.attachCount = 0
            q.pointee.attachedTotal = 0
            threads[ti].currentRequest = r
            if _slowPath(scenario.recordIOs) { openRecord(thread: ti) }
            threads[ti].phase = 1
            if _slowPath(ioIssued == narrateNumber) { narrateIssue(r, t) }
            let cost = issueCost[Int(index)]  // syscallEntry + requestBuildCost(r) + driverSubmit
            if cost > 0 {
                startBurst(t, .syscall, cost, engine: &engine)
                return true
            }
            if isFinished { return true }
            steps += 1
            if steps > 1_000_000 { return failLooping(t) }
            phase = 1
        }
        if phase == 1 {
            let bell = doorbell
            requests[ri].waiter = t
            threads[ti].phase = bell > 0 ? 4 : 2
            if _slowPath(requests[ri].number == narrateNumber) { narrateHandOff(r, t, blocking: true, doorbell: bell) }
            closedLoopSubmit(r, from: t, engine: &engine)
            if bell > 0 {
                attach(r)
                startBurst(t, .syscall, bell, engine: &engine)
                return true
            }
            closedLoopBlock(t, on: r, engine: &engine)
            return true
        }
        if phase == 4 {
            threads[ti].phase = 2
            detach(r)
            if !requests[ri].isComplete {
                closedLoopBlock(t, on: r, engine: &engine)
                return true
            }
            if isFinished { return true }
            steps += 1
            if steps > 1_000_000 { return failLooping(t) }
            phase = 2
        }
        if phase == 2 {
            threads[ti].phase = 3
            if syscallExit > 0 {
                startBurst(t, .syscall, syscallExit, engine: &engine)
                return true
            }
            if isFinished { return true }
            steps += 1
            if steps > 1_000_000 { return failLooping(t) }
        }
        if requests[ri].observed < 0 {  // observe
            requests[ri].observed = now
            recorder.record(.delivery, now - requests[ri].completed)
            if _slowPath(scenario.recordIOs) { updateRecord(r) }
            if _slowPath(requests[ri].number == narrateNumber) { narrateObservation(r, by: t) }
        }
        threads[ti].currentRequest = -1
        threads[ti].phase = 0
        threads[ti].pc += 1
        return false
    }

    @inline(never) mutating func failLooping(_ t: Int32) -> Bool {
        fail(t, "the program loops without taking any virtual time (a repeat whose body costs nothing)")
        return true
    }

    // MARK: - Driver, device, interrupt, completion

    @_transparent
    mutating func closedLoopSubmit(_ r: Int32, from t: Int32, engine: inout Engine) {
        let ri = Int(r)
        requests[ri].submitted = now
        requests[ri].submitCPU = max(threads[Int(t)].cpu, 0)
        if device.accepted < scenario.device.queueDepth {
            closedLoopAccept(r, engine: &engine)
        } else {
            device.driverQueue.append(r)
        }
    }

    @_transparent
    mutating func closedLoopAccept(_ r: Int32, engine: inout Engine) {
        device.accepted += 1
        requests[Int(r)].accepted = now
        if device.inService < scenario.device.channels {
            closedLoopStartService(r, engine: &engine)
        } else {
            device.deviceQueue.append(r)
        }
    }

    /// `startService` with no pass (so no dispatch wait), no narration and no tracing.
    @_transparent
    mutating func closedLoopStartService(_ r: Int32, engine: inout Engine) {
        if deviceIsHDD {
            startService(r, engine: &engine)
            return
        }
        let ri = Int(r)
        device.inService += 1
        var service: Int64
        if requests[ri].direction == .write {
            service = writeLatency.sample(&device.rng, distributions)
        } else {
            service = readLatency.sample(&device.rng, distributions)
        }
        var transfer: Int64 = 0
        if dmaBytesPerSecond > 0 {
            transfer = Self.nanoseconds(bytes: requests[ri].sizeBytes, atBytesPerSecond: dmaBytesPerSecond)
            service = linkTransferEnd(accessDone: now + service, transfer: transfer) - now
        }
        if _slowPath(requests[ri].number == narrateNumber) { narrateService(r, mechanics: 0, transfer: transfer) }
        engine.schedule(
            at: SimInstant(nanosecondsSinceStart: now &+ service), priority: Priority.hardware,
            kind: EventKind.deviceDone.rawValue, target: UInt32(r))
    }

    /// `deviceFinished`, `signalDone` and the interrupt controller with no coalescing, no delivery latency and
    /// no suppression: the completion interrupts its CPU at once.
    @inline(never) mutating func closedLoopDeviceDone(_ event: Event, engine: inout Engine) {
        let r = Int32(event.target)
        let ri = Int(r)
        device.inService -= 1
        device.accepted -= 1
        requests[ri].deviceDone = now
        if let next = device.deviceQueue.popFirst() { closedLoopStartService(next, engine: &engine) }
        if device.accepted < scenario.device.queueDepth, let next = device.driverQueue.popFirst() {
            closedLoopAccept(next, engine: &engine)
        }
        if _slowPath(requests[ri].number == narrateNumber) { narrateDeviceSignal(r) }
        var c = interruptCPU
        if c < 0 {
            switch scenario.interrupts.target {
            case .fixed(let cpu): c = cpu
            case .roundRobin:
                c = device.roundRobin
                device.roundRobin = (device.roundRobin + 1) % cpuCount
            case .submittingCPU: c = Int(requests[ri].submitCPU)
            }
        }
        requests[ri].next = -1
        if deliveryLatency > 0 {
            engine.schedule(
                after: .nanoseconds(deliveryLatency), priority: Priority.interruptArrival,
                kind: EventKind.interruptArrive.rawValue, target: UInt32(c), generation: UInt32(bitPattern: r))
        } else {
            closedLoopInterruptArrived(cpu: c, request: r, engine: &engine)
        }
    }

    @inline(never) mutating func closedLoopInterruptArrive(_ event: Event, engine: inout Engine) {
        closedLoopInterruptArrived(cpu: Int(event.target), request: Int32(bitPattern: event.generation), engine: &engine)
    }

    /// `interruptArrived`: the ISR runs beneath whatever runs on the CPU, or waits while the CPU is in
    /// interrupt context.
    @_transparent
    mutating func closedLoopInterruptArrived(cpu c: Int, request r: Int32, engine: inout Engine) {
        if cpus[c].inInterrupt {
            cpus[c].pendingBatches.append(r)
            return
        }
        cpus[c].inInterrupt = true
        let t = cpus[c].occupant
        if t >= 0 {
            let ti = Int(t)
            threads[ti].interruptedRemaining = threads[ti].burstEnd - now
            threads[ti].generation &+= 1
        }
        closedLoopStartISR(cpu: c, request: r, engine: &engine)
    }

    @_transparent
    mutating func closedLoopStartISR(cpu c: Int, request r: Int32, engine: inout Engine) {
        cpus[c].batchHead = r
        cpus[c].batchTail = r
        interrupts &+= 1
        cpus[c].batchSerial = interrupts
        chargeLedger(c, .irq)
        requests[Int(r)].isrStart = now
        if _slowPath(requests[Int(r)].number == narrateNumber) { narrateISR(r, cpu: c, stalledSince: -1) }
        let cost = isrCostPerIO[Int(requests[Int(r)].operation)]  // with PIO, the copy too
        if cost > 0 {
            engine.schedule(
                at: SimInstant(nanosecondsSinceStart: now &+ cost), priority: Priority.interruptContext,
                kind: EventKind.isrDone.rawValue, target: UInt32(c))
        } else {
            cpus[c].batchCursor = r
            closedLoopStartDeferredOutOfLine(cpu: c, engine: &engine)
        }
    }

    /// A call, not an inlined copy: the ISR and the deferred routine start each other (a queued interrupt after
    /// a deferred routine, a deferred routine after an ISR that costs nothing).
    @inline(never)
    mutating func closedLoopStartDeferredOutOfLine(cpu c: Int, engine: inout Engine) {
        closedLoopStartDeferred(cpu: c, engine: &engine)
    }

    @_transparent
    mutating func closedLoopStartDeferred(cpu c: Int, engine: inout Engine) {
        while !isFinished {
            let r = cpus[c].batchCursor
            if r < 0 {
                cpus[c].batchHead = -1
                cpus[c].batchTail = -1
                if let next = cpus[c].pendingBatches.popFirst() {
                    closedLoopStartISR(cpu: c, request: next, engine: &engine)
                } else {
                    closedLoopLeaveInterrupt(cpu: c, engine: &engine)
                }
                return
            }
            let ri = Int(r)
            chargeLedger(c, .deferred)
            var cost = deferredCostPerIO[Int(requests[ri].operation)]  // deferredCost + directIOCompleteCost(r)
            let waiter = requests[ri].waiter
            if waiter >= 0 && threads[Int(waiter)].runState == .blocked {
                deferredWakeUps &+= 1  // counted as the general path counts them (no IPIs: a shared run queue)
                cost += deferredWake
            }
            if cost > 0 {
                engine.schedule(
                    at: SimInstant(nanosecondsSinceStart: now &+ cost), priority: Priority.interruptContext,
                    kind: EventKind.deferredDone.rawValue, target: UInt32(c))
                return
            }
            cpus[c].batchCursor = requests[ri].next
            closedLoopComplete(r, cpu: c, engine: &engine)
        }
    }

    @_transparent
    mutating func closedLoopLeaveInterrupt(cpu c: Int, engine: inout Engine) {
        cpus[c].inInterrupt = false
        let t = cpus[c].occupant
        if t >= 0 {
            let ti = Int(t)
            let remaining = threads[ti].interruptedRemaining
            threads[ti].interruptedRemaining = -1
            chargeLedger(c, threads[ti].burstCategory)
            if remaining > 0 {
                threads[ti].burstEnd = now + remaining
                engine.schedule(
                    at: SimInstant(nanosecondsSinceStart: now &+ remaining), priority: Priority.threadBurst,
                    kind: EventKind.burstEnd.rawValue, target: UInt32(t), generation: threads[ti].generation)
            } else {
                closedLoopBurstEnded(t, engine: &engine)
            }
        } else if let next = runQueue.popFirst() {
            closedLoopRunOn(next, cpu: c, engine: &engine)
        } else {
            chargeLedger(c, .idle)
        }
    }

    /// `completeRequest` and `deliver` for a blocking direct IO: wake its thread if it has blocked.
    @_transparent
    mutating func closedLoopComplete(_ r: Int32, cpu c: Int, engine: inout Engine) {
        let ri = Int(r)
        if _slowPath(requests[ri].isComplete) { completedTwice(r) }
        requests[ri].completed = now
        requests[ri].isComplete = true
        recordCompletion(r)
        if _slowPath(requests[ri].number == narrateNumber) { narrateCompletion(r, cpu: c) }
        // Before the wake-up: the woken thread may run at once and reuse the slot for its next IO.
        if _slowPath(scenario.recordIOs) { updateRecord(r) }
        let waiter = requests[ri].waiter
        if waiter >= 0 {
            requests[ri].waiter = -1
            if threads[Int(waiter)].runState == .blocked {  // one still ringing the doorbell finds it done
                let wi = Int(waiter)
                noteBlockedOnIO(-1)
                threads[wi].waitKind = .none
                threads[wi].waitObject = -1
                threads[wi].waitGeneration &+= 1
                if wakeupLatency > 0 {
                    threads[wi].runState = .waking
                    engine.schedule(
                        after: .nanoseconds(wakeupLatency), priority: Priority.timer,
                        kind: EventKind.threadReady.rawValue, target: UInt32(waiter))
                } else {
                    closedLoopMakeRunnable(waiter, engine: &engine)
                }
            }
        }
        if ioCompleted >= stopAfterIOs { stop(engine: &engine) }
    }
}
