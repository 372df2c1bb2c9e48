//! The user-thread actor: an interpreter of the compiled program. Each instruction is a small state
//! machine (`phase`) that starts CPU bursts, blocks, or moves on; a burst's end re-enters it.

import IOSimCore
import IOSimEngine

extension World {
    /// Runs the thread's program from where it stands until it starts a burst, blocks or finishes.
    /// Called only while the thread is on a CPU with no burst in progress.
    @inline(never)
    mutating func runThread(_ t: Int32, engine: inout Engine) {
        let ti = Int(t)
        let base = Int(programBase[Int(threads[ti].program)])
        var steps = 0
        if enteredTooOftenAtThisInstant(t) { return }
        // Wake-ups made from here are this thread's, even when it runs inside an interrupt's delivery (switched in
        // at no cost, or its spin ended there): not the deferred routine's.
        let outerThreadCPU = runningThreadCPU, outerInterruptCPU = interruptWakerCPU
        runningThreadCPU = Int(threads[ti].cpu)
        interruptWakerCPU = -1
        defer { runningThreadCPU = outerThreadCPU; interruptWakerCPU = outerInterruptCPU }
        while !isFinished {
            steps += 1
            if steps > 1_000_000 {
                fail(t, "the program loops without taking any virtual time (a repeat whose body costs nothing)")
                return
            }
            let pc = Int(threads[ti].pc)
            switch instructions[base &+ pc] {
            case .compute(let d):
                let ns = d.sample(&threads[ti].rng, distributions)
                threads[ti].pc += 1
                if ns > 0 {
                    startBurst(t, .user, ns, engine: &engine)
                    return
                }
            case .sleep(let d):
                if threads[ti].phase == 0 {
                    let ns = d.sample(&threads[ti].rng, distributions)
                    threads[ti].phase = 1
                    if ns > 0 {
                        block(t, .sleep, object: -1, engine: &engine)
                        engine.schedule(
                            after: .nanoseconds(ns), priority: Priority.timer, kind: EventKind.timer.rawValue,
                            target: UInt32(t), generation: threads[ti].waitGeneration)
                        return
                    }
                }
                advance(ti)
            case .open:
                if threads[ti].phase == 0 {
                    threads[ti].phase = 1
                    let cost = syscallEntry + scenario.kernel.openFile.nanoseconds + syscallExit
                    if cost > 0 {
                        startBurst(t, .syscall, cost, engine: &engine)
                        return
                    }
                }
                advance(ti)
            case .io(let index):
                if runIO(t, index, steps: &steps, engine: &engine) { return }
            case .getResult(let slot, let wait):
                if stepWait(t, slot: slot, poll: true, wait: wait, exit: -1, engine: &engine) { return }
            case .waitEvent(let slot):
                if stepWait(t, slot: slot, poll: false, wait: true, exit: -1, engine: &engine) { return }
            case .pollUntil(let slot, let exit):
                if stepWait(t, slot: slot, poll: true, wait: false, exit: exit, engine: &engine) { return }
            case .alertableWait(let timeout):
                if stepAlertableWait(t, timeout: timeout, engine: &engine) { return }
            case .dequeue(let port):
                if stepDequeue(t, port: port, engine: &engine) { return }
            case .post(let port):
                if threads[ti].phase == 0 {
                    threads[ti].phase = 1
                    let cost = syscallEntry + syscallExit
                    if cost > 0 {
                        startBurst(t, .syscall, cost, engine: &engine)
                        return
                    }
                }
                let packet = threads[ti].contextRequest
                if packet >= 0 {
                    retain(packet)
                    if requests[Int(packet)].number == narrateNumber {
                        narrate(
                            packet, step: 11, cpu: threads[ti].cpu, actor: "thread \(threads[ti].name)",
                            "posts the continuation of IO \(narrateNumber) to port '\(scenario.ports[Int(port)].name)'")
                    }
                }
                postPacket(Int(port), packet, engine: &engine)
                advance(ti)
            case .loopStart(let count, let end):
                loopStart(ti, count: count, end: end)
            case .loopEnd(let start):
                loopEnd(ti, start: start)
            case .jump(let to):
                threads[ti].pc = to
            case .spawn(let template):
                if threads[ti].phase == 0 {
                    threads[ti].phase = 1
                    let cost = scenario.machine.threadCreate.nanoseconds
                    if cost > 0 {
                        startBurst(t, .syscall, cost, engine: &engine)
                        return
                    }
                }
                let instance = instancesPerSpec[Int(template)]  // was a count over the thread table: see its declaration
                instancesPerSpec[Int(template)] += 1
                let child = createThread(spec: template, instance: instance)
                advance(ti)
                makeRunnable(child, engine: &engine)
            case .report:
                progressReports += 1
                let last = threads[ti].lastReportAt
                let gap = now - (last < 0 ? 0 : last)
                if gap > progressMaxGap { progressMaxGap = gap }
                threads[ti].lastReportAt = now
                threads[ti].pc += 1
            case .uringLoop(let index):
                if stepUringLoop(t, index, engine: &engine) { return }
            case .sqPoller(let ring):
                if stepSQPoller(t, ring: Int(ring), engine: &engine) { return }
            case .ioWorker(let ring):
                if stepIOWorker(t, ring: Int(ring), engine: &engine) { return }
            case .end:
                finishThread(t, engine: &engine)
                return
            }
        }
    }

    /// The zero-time guard across events: `runThread`'s step count trips within one call, but a loop whose
    /// every pass waits for something that takes no virtual time (a blocking read from a zero-latency device on
    /// a machine with no costs) re-enters through events at one instant and never trips it: the run hung.
    /// Count the entries at one instant too; a real program is resumed a handful of times per instant.
    /// - Returns: true when the run failed.
    @inline(__always) mutating func enteredTooOftenAtThisInstant(_ t: Int32) -> Bool {
        let ti = Int(t)
        if threads[ti].zeroTimeInstant != now {  // the first entry at this instant (the common case)
            threads[ti].zeroTimeInstant = now
            threads[ti].zeroTimeEntries = 1
            return false
        }
        threads[ti].zeroTimeEntries += 1
        if threads[ti].zeroTimeEntries > 100_000 {
            fail(t, "the program loops without taking any virtual time (every pass waits for something that takes none)")
            return true
        }
        return false
    }

    /// A counted repeat begins: skipped when its count is 0, else the count goes on the loop stack.
    @inline(__always) mutating func loopStart(_ ti: Int, count: Int64, end: Int32) {
        if count == 0 {
            threads[ti].pc = end + 1
        } else {
            threads[ti].loops.append(count)
            threads[ti].pc += 1
        }
    }

    /// The end of a counted repeat: back to the body's start while passes remain.
    @inline(__always) mutating func loopEnd(_ ti: Int, start: Int32) {
        let top = threads[ti].loops[threads[ti].loops.count - 1]
        if top > 1 {
            threads[ti].loops[threads[ti].loops.count - 1] = top - 1
            threads[ti].pc = start + 1
        } else {
            threads[ti].loops.removeLast()
            threads[ti].pc += 1
        }
    }

    @inline(__always) mutating func advance(_ ti: Int) {
        threads[ti].phase = 0
        threads[ti].pc += 1
    }

    /// Runs the phases of one IO back to back (one call, not one per phase), with the checks `runThread` makes
    /// before every step between two phases. - Returns: true when the thread started a burst, blocked, or the
    /// run ended; false when the IO is over and the program goes on with its next instruction.
    @inline(never)
    mutating func runIO(_ t: Int32, _ index: Int32, steps: inout Int, engine: inout Engine) -> Bool {
        while true {
            if stepIO(t, index, engine: &engine) { return true }
            if threads[Int(t)].phase == 0 { return false }  // the IO is over: on to the next instruction
            if isFinished { return true }
            steps += 1
            if steps > 1_000_000 {
                fail(t, "the program loops without taking any virtual time (a repeat whose body costs nothing)")
                return true
            }
        }
    }

    /// Issue (phase 0), hand to the driver (1), ring the doorbell and block (4), wake (2), return (3);
    /// synchronous completion (10).
    /// - Returns: true when the thread started a burst or blocked.
    @inline(__always)
    mutating func stepIO(_ t: Int32, _ index: Int32, engine: inout Engine) -> Bool {
        let ti = Int(t)
        // Read in place: a copy of the operation on every phase was a measurable share of the hot loop.
        let io = ioOperations.base + Int(index)
        switch threads[ti].phase {
        case 0:
            let r = issue(t, io.pointee)
            let ri = Int(r)
            let synchronous = io.pointee.buffered && (io.pointee.direction == .write || isCached(r))
            if synchronous {
                requests[ri].synchronous = true
                threads[ti].phase = 10
                let cost = syscallEntry + copyNanoseconds(io.pointee.sizeBytes) + syscallExit
                if requests[ri].number == narrateNumber { narrateSynchronousIssue(r, t) }
                return burstIfAny(t, .syscall, cost, engine: &engine)
            }
            threads[ti].phase = 1
            if requests[ri].number == narrateNumber { narrateIssue(r, t) }
            let cost = syscallEntry + requestBuildCost(r) + driverSubmit
            return burstIfAny(t, .syscall, cost, engine: &engine)
        case 1:
            let r = threads[ti].currentRequest
            let traced = requests[Int(r)].number == narrateNumber
            let bell = doorbellCost()
            if io.pointee.blocking {
                // The waiter is named before the hand-off (the device's narration names it); the completion
                // wakes it only once it has blocked (see `deliver`).
                requests[Int(r)].waiter = t
                threads[ti].phase = bell > 0 ? 4 : 2  // set first: the device's narration reads it
                if _slowPath(traced) { narrateHandOff(r, t, blocking: true, doorbell: bell) }
                submit(r, from: t, engine: &engine)
                if bell > 0 {  // the thread rings it, running for its request, then blocks (phase 4)
                    attach(r)
                    startBurst(t, .syscall, bell, engine: &engine)
                    return true
                }
                block(t, .io, object: r, engine: &engine)
                return true
            }
            threads[ti].phase = 3
            if _slowPath(traced) { narrateHandOff(r, t, blocking: false, doorbell: bell) }
            submit(r, from: t, engine: &engine)
            return burstIfAny(t, .syscall, syscallExit + bell, engine: &engine)
        case 4:  // a blocking read after its doorbell
            threads[ti].phase = 2
            return blockUnlessDone(t, threads[ti].currentRequest, engine: &engine)
        case 2:
            threads[ti].phase = 3
            let r = Int(threads[ti].currentRequest)
            let copy = requests[r].buffered && io.pointee.direction == .read ? copyNanoseconds(io.pointee.sizeBytes) : 0
            return burstIfAny(t, .syscall, syscallExit + copy, engine: &engine)
        case 10:
            let r = threads[ti].currentRequest
            completeSynchronously(r, engine: &engine)
            if !io.pointee.blocking { observe(r, by: t) }
            threads[ti].phase = 3
            return false
        default:  // 3: back in user mode
            let r = threads[ti].currentRequest
            if io.pointee.blocking { observe(r, by: t) }
            threads[ti].currentRequest = -1
            release(r)
            advance(ti)
            return false
        }
    }

    /// Creates the request for an IO instruction (its offset drawn or advanced), numbered in issue order.
    /// - Parameter writtenAt: when the program handed it over, if before now (an io_uring SQE written before
    ///   the kernel takes it): its `issued` time and the trace's issue mark.
    @inline(__always)
    mutating func issue(_ t: Int32, _ io: CompiledIO, writtenAt: Int64? = nil) -> Int32 {
        let ti = Int(t)
        var offset: Int64
        switch io.offset {
        case .fixed(let o):
            offset = o
        case .sequential:
            let fileSize = fileSizes[Int(io.file)]
            offset = threads[ti].fileCursors[Int(io.file)]
            if offset + io.sizeBytes > fileSize { offset = 0 }
            threads[ti].fileCursors[Int(io.file)] = offset + io.sizeBytes
        case .random:
            offset = Int64(threads[ti].rng.nextInt(below: io.randomOffsetSlots)) * io.sizeBytes
        }
        ioIssued += 1
        let r = newRequest(RequestState(
            number: ioIssued, thread: t, direction: io.direction, file: io.file, offsetBytes: offset,
            sizeBytes: io.sizeBytes, buffered: io.buffered, blocking: io.blocking, notice: io.notice, port: io.port,
            operation: io.index, issued: writtenAt ?? now,
            references: 1))  // the issuing operation
        threads[ti].currentRequest = r
        if io.slot >= 0 {
            let old = threads[ti].slots[Int(io.slot)]
            if old >= 0 { release(old) }
            threads[ti].slots[Int(io.slot)] = r
            retain(r)
        }
        if _slowPath(recordIOs) { openRecord(thread: ti) }
        trace(.ioIssued(io: ioIssued, thread: ti, cpu: threads[ti].cpu >= 0 ? Int(threads[ti].cpu) : nil,
                        direction: io.direction, bytes: io.sizeBytes, at: SimInstant(nanosecondsSinceStart: writtenAt ?? now)))
        return r
    }

    @inline(never) mutating func openRecord(thread ti: Int) {
        ioRecords.append(IORecord(number: Int(ioIssued), thread: threads[ti].name))
    }

    /// GetOverlappedResult / WaitForSingleObject / the poll of an `untilComplete` loop.
    /// Phases: 0 check (polling time), 1 decide, 2 enter the kernel and block if pending, 3 leave, 4 return.
    mutating func stepWait(_ t: Int32, slot: Int32, poll: Bool, wait: Bool, exit: Int32, engine: inout Engine)
        -> Bool
    {
        let ti = Int(t)
        let r = threads[ti].slots[Int(slot)]
        if r < 0 {
            fail(t, "waits on request '\(programs[Int(threads[ti].program)].slotNames[Int(slot)])', which was never issued")
            return true
        }
        let ri = Int(r)
        switch threads[ti].phase {
        case 0:
            if !poll {
                threads[ti].phase = 2
                return burstIfAny(t, .syscall, syscallEntry, engine: &engine)
            }
            threads[ti].phase = 1
            attach(r)
            return burstIfAny(t, .polling, pollCheck, engine: &engine)
        case 1:
            detach(r)
            if requests[ri].isComplete {
                observe(r, by: t)
                threads[ti].lastPollDone = true
                threads[ti].phase = 0
                threads[ti].pc = exit >= 0 ? exit : threads[ti].pc + 1
                return false
            }
            threads[ti].lastPollDone = false
            if !wait {
                advance(ti)
                return false
            }
            threads[ti].phase = 2
            return burstIfAny(t, .syscall, syscallEntry, engine: &engine)
        case 2:
            threads[ti].phase = 3
            if !requests[ri].isComplete {
                let other = requests[ri].waiter
                if other >= 0 && other != t {
                    fail(t, "waits on a request thread '\(threads[Int(other)].name)' already waits on")
                    return true
                }
                requests[ri].waiter = t
                block(t, .io, object: r, engine: &engine)
                return true
            }
            return false
        case 3:
            threads[ti].phase = 4
            return burstIfAny(t, .syscall, syscallExit, engine: &engine)
        default:
            observe(r, by: t)
            advance(ti)
            return false
        }
    }

    /// SleepEx(timeout, TRUE). Phases: 0 enter, 1 wait unless routines are queued, 2 run queued routines
    /// (user APCs, FIFO), 3 leave the kernel, 4 return.
    mutating func stepAlertableWait(_ t: Int32, timeout: Int64, engine: inout Engine) -> Bool {
        let ti = Int(t)
        switch threads[ti].phase {
        case 0:
            threads[ti].phase = 1
            return burstIfAny(t, .syscall, syscallEntry, engine: &engine)
        case 1:
            if !threads[ti].apcs.isEmpty {
                threads[ti].phase = 2
                return false
            }
            if timeout == 0 {
                threads[ti].phase = 3
                return false
            }
            threads[ti].phase = 2
            block(t, .alertable, object: -1, engine: &engine)
            if timeout > 0 {
                engine.schedule(
                    after: .nanoseconds(timeout), priority: Priority.timer, kind: EventKind.timer.rawValue,
                    target: UInt32(t), generation: threads[ti].waitGeneration)
            }
            return true
        case 2:
            guard let r = threads[ti].apcs.popFirst() else {
                threads[ti].phase = 3
                return false
            }
            observe(r, by: t)
            let ri = Int(r)
            if requests[ri].number == narrateNumber {
                narrate(
                    r, step: 11, cpu: threads[ti].cpu, actor: "thread \(threads[ti].name)",
                    "runs the completion routine of IO \(narrateNumber) inside its alertable wait (WAIT_IO_COMPLETION)")
            }
            var cost: Int64 = 0
            if requests[ri].operation >= 0 {
                cost = ioOperations[Int(requests[ri].operation)].routineCost.sample(&threads[ti].rng, distributions)
            }
            release(r)
            return burstIfAny(t, .user, cost, engine: &engine)
        case 3:
            threads[ti].phase = 4
            return burstIfAny(t, .syscall, syscallExit, engine: &engine)
        default:
            advance(ti)
            return false
        }
    }

    /// GetQueuedCompletionStatus. Phases: 0 enter, 1 take a packet or wait (LIFO), 2 leave, 3 return.
    mutating func stepDequeue(_ t: Int32, port: Int32, engine: inout Engine) -> Bool {
        let ti = Int(t)
        let p = Int(port)
        switch threads[ti].phase {
        case 0:
            threads[ti].phase = 1
            return burstIfAny(t, .syscall, syscallEntry, engine: &engine)
        case 1:
            let old = threads[ti].port
            if old != port {  // a thread is associated with at most one port: the newest
                if old >= 0 {
                    ports[Int(old)].running -= 1
                    releasePortWaiters(Int(old), engine: &engine)
                }
                threads[ti].port = port
                ports[p].running += 1
            }
            ports[p].running -= 1  // waiting on the port is not running
            threads[ti].phase = 2
            if !ports[p].packets.isEmpty && ports[p].running < ports[p].concurrency {
                ports[p].running += 1
                takePacket(t, ports[p].packets.popFirst()!)
                return false
            }
            ports[p].waiters.append(t)
            block(t, .port, object: port, engine: &engine)
            return true
        case 2:
            threads[ti].phase = 3
            return burstIfAny(t, .syscall, syscallExit, engine: &engine)
        default:
            let r = threads[ti].contextRequest
            if r >= 0 {
                let ri = Int(r)
                if requests[ri].number == narrateNumber {
                    let first = requests[ri].observed < 0
                    narrate(
                        r, step: first ? 10 : 11, cpu: threads[ti].cpu, actor: "thread \(threads[ti].name)",
                        first
                            ? "returns from GetQueuedCompletionStatus with the packet of IO \(narrateNumber) from port '\(scenario.ports[p].name)'"
                            : "takes the continuation of IO \(narrateNumber) from port '\(scenario.ports[p].name)' and resumes it")
                }
                observe(r, by: t)
            }
            advance(ti)
            return false
        }
    }

    mutating func takePacket(_ t: Int32, _ packet: Int32) {
        let ti = Int(t)
        if threads[ti].contextRequest >= 0 { release(threads[ti].contextRequest) }
        threads[ti].contextRequest = packet  // the queue's reference moves to the thread
    }

    /// Releases waiting threads, most recent first, while packets are queued and the concurrency allows.
    mutating func releasePortWaiters(_ p: Int, engine: inout Engine) {
        while !ports[p].packets.isEmpty && !ports[p].waiters.isEmpty && ports[p].running < ports[p].concurrency {
            let t = ports[p].waiters.removeLast()
            ports[p].running += 1
            takePacket(t, ports[p].packets.popFirst()!)
            wake(t, engine: &engine)
        }
    }

    mutating func postPacket(_ p: Int, _ packet: Int32, engine: inout Engine) {
        ports[p].packets.append(packet)
        releasePortWaiters(p, engine: &engine)
    }

    mutating func queueAPC(_ r: Int32, engine: inout Engine) {
        let t = requests[Int(r)].thread
        let ti = Int(t)
        if threads[ti].runState == .finished { return }
        retain(r)
        threads[ti].apcs.append(r)
        if threads[ti].runState == .blocked && threads[ti].waitKind == .alertable {
            wake(t, engine: &engine)
        }
    }
}
