//! The narrated life of one IO, step by step in the order of Cleary's argument, in plain words.

import IOSimCore
import IOSimEngine

/// One step of the narrated life of an IO.
public struct NarrationStep: Sendable, Equatable, CustomStringConvertible {
    /// When it happened.
    public var instant: SimInstant
    /// The CPU it happened on, or nil for the device (which needs none).
    public var cpu: Int?
    /// Who acted: "thread main", "kernel", "driver", "device", "interrupt controller", "ISR", "DPC"...
    public var actor: String
    /// The step of Cleary's walk-through it illustrates (1 to 11).
    public var clearyStep: Int
    /// What happened.
    public var text: String

    public var description: String {
        let where_ = cpu.map { "cpu\($0)" } ?? "  - "
        return "\(World.formatNs(instant.nanosecondsSinceStart).padded(to: 10)) \(where_.padded(to: 5)) "
            + "[\(clearyStep)] \(actor): \(text)"
    }
}

extension String {
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

extension World {
    mutating func narrate(_ r: Int32, step: Int, cpu: Int32, actor: String, at instant: Int64? = nil, _ text: String) {
        narration.append(
            NarrationStep(
                instant: SimInstant(nanosecondsSinceStart: instant ?? now), cpu: cpu >= 0 ? Int(cpu) : nil,
                actor: actor, clearyStep: step, text: text))
    }

    var requestWord: String { scenario.kernel.personality == .windows ? "an IRP" : "a bio" }
    var deferredWord: String { scenario.kernel.personality == .windows ? "DPC" : "block softirq" }

    mutating func narrateIssue(_ r: Int32, _ t: Int32) {
        let ti = Int(t)
        let ri = Int(r)
        let cpu = threads[ti].cpu
        let win = scenario.kernel.personality == .windows
        let isRead = requests[ri].direction == .read
        let call: String
        if requests[ri].blocking {
            call = win ? "\(isRead ? "ReadFile" : "WriteFile") on a synchronous handle" : (isRead ? "pread" : "pwrite")
        } else {
            call = "\(isRead ? "ReadFile" : "WriteFile") with an OVERLAPPED"
        }
        let verb = requests[ri].direction == .read ? "read" : "write"
        narrate(
            r, step: 1, cpu: cpu, actor: "thread \(threads[ti].name)",
            "calls \(call) (\(verb) \(requests[ri].sizeBytes) bytes at offset \(requests[ri].offsetBytes)); enters the kernel")
        narrate(
            r, step: 2, cpu: cpu, actor: "kernel", at: now + syscallEntry,
            "builds \(requestWord) for IO \(requests[ri].number) and passes it to the driver")
        narrate(
            r, step: 3, cpu: cpu, actor: "driver",
            at: now + syscallEntry + requestBuildCost(r),
            "programs the device (DMA descriptors\(doorbell > 0 ? "; the doorbell follows the hand-off" : ", doorbell")), "
                + "marks the request pending and returns; "
                + "drivers never block on a request")
    }

    /// Step 4: the issuing thread blocks in the kernel, or returns pending and goes on.
    @inline(never)
    mutating func narrateHandOff(_ r: Int32, _ t: Int32, blocking: Bool, doorbell: Int64) {
        let ti = Int(t)
        let bell = doorbell > 0 ? "rings the doorbell (\(Self.formatNs(doorbell))), then " : ""
        if blocking {
            narrate(
                r, step: 4, cpu: threads[ti].cpu, actor: "thread \(threads[ti].name)",
                bell + "blocks in the kernel until IO \(narrateNumber) completes; its CPU is free for others")
        } else {
            narrate(
                r, step: 4, cpu: threads[ti].cpu, actor: "thread \(threads[ti].name)",
                bell + "returns from \(scenario.kernel.personality == .windows ? "the call with ERROR_IO_PENDING" : "the submit call")"
                    + " at \(Self.formatNs(now + doorbell + syscallExit)) and goes on with its own work")
        }
    }

    mutating func narrateSynchronousIssue(_ r: Int32, _ t: Int32) {
        let ti = Int(t)
        let ri = Int(r)
        narrate(
            r, step: 1, cpu: threads[ti].cpu, actor: "thread \(threads[ti].name)",
            "issues IO \(requests[ri].number) (\(requests[ri].direction.rawValue) \(requests[ri].sizeBytes) bytes); the data is "
                + (requests[ri].direction == .read ? "in the page cache" : "absorbed by the cache")
                + ", so the kernel copies it on this thread and the call completes synchronously (ReadFile returns TRUE)")
    }

    mutating func narrateISR(_ r: Int32, cpu c: Int, stalledSince: Int64) {
        let t = cpus[c].occupant
        var victim = t >= 0 ? "interrupting thread \(threads[Int(t)].name), whose work is suspended" : "which was idle"
        if stalledSince >= 0 {
            let done = requests[Int(r)].deviceDone
            if done > stalledSince {  // completed during the stall: it joined the pending interrupt
                victim += ", after its completion waited \(Self.formatNs(now - done)) in an interrupt already pending "
                    + "while the CPU stalled (interrupts.busyStall)"
            } else {
                victim += ", after the CPU stalled \(Self.formatNs(now - stalledSince)) (interrupts.busyStall: the host "
                    + "completing the request and injecting the interrupt; counted as the thread's time)"
            }
        }
        narrate(
            r, step: 7, cpu: Int32(c), actor: "ISR",
            "runs on CPU \(c), \(victim); it acknowledges the device and queues the \(deferredWord) "
                + "(\(Self.formatNs(isrCost)) charged to irq, borrowed from whatever was there)")
    }

    mutating func narrateCompletion(_ r: Int32, cpu c: Int) {
        let ri = Int(r)
        narrate(
            r, step: 8, cpu: Int32(c), actor: deferredWord,
            "completes IO \(requests[ri].number) (\(Self.formatNs(deferredCost + directIOCompleteCost(r))) charged to deferred"
                + (deferredWake > 0 && completionWakesAThread(r)
                    ? ", and \(Self.formatNs(deferredWake)) to \(requests[ri].ring >= 0 && rings[Int(requests[ri].ring)].spec.sqpoll ? "signal the SQ thread" : "wake its thread")"
                    : "")
                + (cpus[c].deferredWakeIPI > 0
                    ? ", and \(Self.formatNs(cpus[c].deferredWakeIPI)) for the IPI to the idle CPU it wakes on" : "")
                + "); "
                + "it was in flight \(Self.formatNs(now - requests[ri].submitted)), during which "
                + attachedPhrase(r))
        let what: String
        let waiter = requests[ri].waiter
        if waiter >= 0 && threads[Int(waiter)].runState == .blocked {
            what = "wakes thread \(threads[Int(waiter)].name), blocked on it"
        } else if waiter >= 0 {
            what = "marks it done; thread \(threads[Int(waiter)].name), still ringing the doorbell, finds it so and does not block"
        } else {
            switch requests[ri].notice {
            case .statusOnly: what = "sets the status block (Internal = STATUS_SUCCESS) and signals the event; nobody is woken"
            case .completionRoutine:
                what = "queues a user APC (the completion routine) to thread \(threads[Int(requests[ri].thread)].name); "
                    + "it runs only when that thread enters an alertable wait"
            case .port: what = "posts a completion packet to port '\(scenario.ports[Int(requests[ri].port)].name)'"
            case .ring:
                let spec = rings[Int(requests[ri].ring)].spec
                what = spec.sqpoll || spec.taskRun == .interrupt
                    ? "posts a CQE to ring '\(spec.name)'"
                    : "queues task work to post its CQE when the ring's thread next enters io_uring_enter"
            }
        }
        narrate(r, step: 9, cpu: Int32(c), actor: "kernel", what)
    }

    func attachedPhrase(_ r: Int32) -> String {
        let ri = Int(r)
        let inFlight = now - requests[ri].submitted
        let attached = requests[ri].attachedTotal
        if attached == 0 { return "no thread was running or blocked for it" }
        let percent = inFlight > 0 ? Int((Double(attached) * 100 / Double(inFlight)).rounded()) : 0
        return "a thread was running or blocked for it \(percent)% of the time"
    }

    func whoIsAttached(_ r: Int32) -> String {
        let ri = Int(r)
        let w = requests[ri].waiter
        // A blocking read's thread still ringing its doorbell (phase 4 of the IO; see `stepIO`); otherwise it blocks
        // at this very instant, once its hand-off returns.
        if w >= 0 && threads[Int(w)].runState != .blocked && threads[Int(w)].phase == 4 {
            return "but thread \(threads[Int(w)].name) rings the doorbell for it and then blocks waiting for it"
        }
        if w >= 0 { return "but thread \(threads[Int(w)].name) is blocked waiting for it (a thread, doing nothing)" }
        return "there is no thread"
    }

    func observationPhrase(_ r: Int32, _ t: Int32) -> String {
        let ri = Int(r)
        if requests[ri].synchronous { return "the call returned TRUE" }
        if requests[ri].blocking { return "its blocking call returns" }
        switch requests[ri].notice {
        case .port: return "dequeued from the port"
        case .completionRoutine: return "its completion routine runs"
        case .statusOnly: return "GetOverlappedResult returns TRUE"
        case .ring: return "its CQE is reaped"
        }
    }

    /// Formats nanoseconds for people with integer arithmetic only: 250ns, 112.4us, 1.5ms, 2s.
    static func formatNs(_ ns: Int64) -> String {
        let units: [(Int64, String)] = [(1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "us")]
        for (scale, name) in units where abs(ns) >= scale {
            let whole = ns / scale
            let tenths = abs(ns % scale) * 10 / scale
            return tenths == 0 ? "\(whole)\(name)" : "\(whole).\(tenths)\(name)"
        }
        return "\(ns)ns"
    }

    @inline(__always) func recordsIO(_ r: Int32) -> Bool { recordIOs }

    @inline(never)
    mutating func updateRecord(_ r: Int32) {
        let ri = Int(r)
        let q = requests[ri]
        let i = Int(q.number - 1)
        func at(_ v: Int64) -> SimInstant? { v < 0 ? nil : SimInstant(nanosecondsSinceStart: v) }
        ioRecords[i].direction = q.direction
        ioRecords[i].sizeBytes = q.sizeBytes
        ioRecords[i].offsetBytes = q.offsetBytes
        ioRecords[i].issued = at(q.issued)!
        ioRecords[i].submitted = at(q.submitted)
        ioRecords[i].deviceStart = at(q.accepted)
        ioRecords[i].deviceDone = at(q.deviceDone)
        ioRecords[i].interruptStart = at(q.isrStart)
        ioRecords[i].completed = at(q.completed)
        ioRecords[i].observed = at(q.observed)
        ioRecords[i].synchronous = q.synchronous
        if q.isComplete && q.submitted >= 0 && q.completed > q.submitted {
            ioRecords[i].attachedShare = Double(q.attachedTotal) / Double(q.completed - q.submitted)
        }
    }
}
