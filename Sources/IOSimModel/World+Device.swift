//! The driver, the device with its DMA engine, the interrupt controller and the completion path.

import IOSimCore
import IOSimEngine

extension World {
    // MARK: - Driver and device

    /// The driver takes the request (it is now pending; Cleary's step 3): the device accepts it if it has
    /// a free queue slot, else it waits in the kernel's driver queue.
    @inline(__always)
    mutating func submit(_ r: Int32, from t: Int32, engine: inout Engine) {
        let ri = Int(r)
        requests[ri].submitted = now
        requests[ri].submitCPU = max(threads[Int(t)].cpu, 0)
        retain(r)  // in flight
        trace(.ioSubmitted(io: requests[ri].number, cpu: Int(requests[ri].submitCPU), at: at))
        handToDriver(r, engine: &engine)
    }

    /// The CPU cost of ringing the doorbell for requests about to be handed to the driver: `kernel.doorbell`, or
    /// nothing when the device works in passes and its pass is open (waking or running; with `.asyncPass`, waking
    /// or taking). A virtio device asks
    /// to be notified only once it has found its ring empty (VIRTIO_F_EVENT_IDX; Firecracker re-enables
    /// notifications when its queue is drained), so a request added meanwhile needs no kick. Measured here with
    /// the block and scheduler tracepoints: from block_rq_issue to the submitter's next event 9 us with no
    /// request outstanding, 5 us with one or more (README "Validation on this machine"). With `.asyncPass` the
    /// pass re-arms the doorbell once it has taken its last request, before that request is served.
    @inline(__always)
    func doorbellCost() -> Int64 {
        if doorbell == 0 { return 0 }
        switch scenario.device.completionBatching {
        case .pass: return device.passOpen ? 0 : doorbell
        case .asyncPass: return device.passOpen || asyncPassTaking ? 0 : doorbell
        case .none, .submission: return doorbell
        }
    }

    /// `.asyncPass`: a pass is taking requests; one arriving now joins it (it takes until `passLastTaken`, and a
    /// request arriving as it takes its last one is still taken).
    @inline(__always)
    var asyncPassTaking: Bool { device.takingPass >= 0 && now <= device.passLastTaken }

    /// The device accepts the request if it has a free queue slot, else it waits in the driver queue.
    @inline(__always)
    mutating func handToDriver(_ r: Int32, engine: inout Engine) {
        if device.accepted < scenario.device.queueDepth {
            accept(r, engine: &engine)
        } else {
            device.driverQueue.append(r)
        }
    }

    @inline(__always)
    mutating func accept(_ r: Int32, engine: inout Engine) {
        device.accepted += 1
        if _slowPath(stallInterval > 0) && !device.stallArmed && device.accepted >= scenario.device.stallMinimumRequests {
            armStall(engine: &engine)
        }
        requests[Int(r)].accepted = now
        let batching = scenario.device.completionBatching
        if batching.hasPasses {
            // Firecracker's process_queue pops the ring until it is empty: a request arriving while the pass runs
            // (with `.asyncPass`, while it is still taking) joins it, taken after the ones before it.
            if batching == .pass ? device.passRunning : asyncPassTaking {
                takeIntoPass(r, after: max(now, device.passLastTaken), engine: &engine)
                return
            }
            // Else it waits for the next pass. An idle device starts one `passWakeup` later, after the submitting
            // code's other work at that instant (threads' bursts come before timers), so one doorbell's requests,
            // and those of other submitters arriving while the device wakes, share a pass. On a shared host the
            // wake-up is the device's work too (the VMM's thread needs a host CPU to wake on): the pass starts at
            // once and its first dispatch waits for the wake-up (`startPass`), slowed with the rest.
            device.deviceQueue.append(r)
            if !device.passOpen {
                device.passOpen = true
                engine.schedule(
                    after: hostMilliCPUs > 0 ? .zero : scenario.device.passWakeup, priority: Priority.timer,
                    kind: EventKind.passStart.rawValue, target: 0)
            }
            return
        }
        if device.inService < scenario.device.channels {
            startService(r, engine: &engine)
        } else {
            device.deviceQueue.append(r)
        }
    }

    /// Service time: the latency draw, plus the DMA transfer at the device bandwidth, plus seek and rotation
    /// on a hard disk. Under PIO the transfer is done later by a CPU in the ISR instead.
    @inline(__always)
    mutating func startService(_ r: Int32, engine: inout Engine) {
        let ri = Int(r)
        let d = scenario.device
        device.inService += 1
        let size = requests[ri].sizeBytes
        // With pass batching, the channel waits until the pass has taken the request.
        let dispatchWait = max(0, requests[ri].passTaken - now)
        var service: Int64
        if requests[ri].direction == .write {
            service = writeLatency.sample(&device.rng, distributions)
        } else {
            service = readLatency.sample(&device.rng, distributions)
        }
        // With `.asyncPass` the data moved as the pass took the request.
        let transfer: Int64 = d.completionBatching == .asyncPass ? 0 : dmaTransfer(r)
        var mechanics: Int64 = 0
        if let hdd = d.hdd {
            var position = requests[ri].offsetBytes
            for f in 0..<Int(requests[ri].file) { position += scenario.files[f].sizeBytes }
            let distance = abs(position - device.headPosition)
            if distance > 0 {
                let fraction = min(1.0, Double(distance) / Double(d.capacityBytes))
                let t2t = hdd.trackToTrackSeek.nanoseconds, full = hdd.fullStrokeSeek.nanoseconds
                mechanics += t2t + Int64((Double(full - t2t) * fraction.squareRoot()).rounded())
            }
            let revolution = 60_000_000_000 / hdd.rpm
            mechanics += Int64(device.rng.nextInt(below: UInt64(revolution)))
            device.headPosition = position + size
            service += mechanics
        }
        if _slowPath(requests[ri].number == narrateNumber) { narrateService(r, mechanics: mechanics, transfer: dmaTransfer(r)) }
        if _slowPath(hostMilliCPUs > 0) {
            startSharedService(r, work: dispatchWait + service, transfer: transfer, start: now + dispatchWait, engine: &engine)
            return
        }
        // The data moves after the access (latency, seek and rotation), on the link the channels share.
        service = linkTransferEnd(accessDone: now + dispatchWait + service, transfer: transfer) - now - dispatchWait
        if _slowPath(tracer != nil) { traceService(ri, after: dispatchWait, for: service) }
        engine.schedule(
            at: SimInstant(nanosecondsSinceStart: now &+ dispatchWait + service), priority: Priority.hardware, kind: EventKind.deviceDone.rawValue,
            target: UInt32(r))
    }

    // MARK: - Stalls

    /// Schedules the next instant of the stalls' process (`nextStallInterval`) not before now (instants that passed while
    /// the device held too few requests are skipped: no stall came then). Armed only while the device holds
    /// enough requests; the one left pending when the work ends is bookkeeping (`Simulator.eventsRanOut`), and
    /// none is scheduled past the horizon.
    @inline(never) mutating func armStall(engine: inout Engine) {
        if device.nextStallAt < 0 { device.nextStallAt = nextStallInterval() }
        while device.nextStallAt < now {
            device.stallInstants &+= 1
            // With `stallWindow`, an instant that passed while the device held too few still stalls it now, if its
            // stall would not have ended yet: until then.
            if scenario.device.stallWindow {
                let end = device.nextStallAt &+ scenario.device.stallDuration.nanoseconds
                if now < end && now >= device.stalledUntil { startStall(at: device.nextStallAt, until: end) }
            }
            device.nextStallAt &+= nextStallInterval()
        }
        if device.nextStallAt > World.horizon { return }
        device.stallArmed = true
        engine.schedule(
            at: SimInstant(nanosecondsSinceStart: device.nextStallAt), priority: Priority.timer,
            kind: EventKind.deviceStall.rawValue, target: 0)
    }

    /// An instant of the stalls' process: a device holding enough requests stalls from now for
    /// `device.stallDuration`; one already stalled is not stalled again (so a stall ends, however often the
    /// instants come). The next instant is armed while the device still holds enough.
    /// - Returns: false when nothing happened (too few requests, or stalled already).
    @inline(never) mutating func onDeviceStall(engine: inout Engine) -> Bool {
        device.stallArmed = false
        // An instant that finds too few requests is counted when `armStall` skips it (or here, when it is armed
        // again at this very instant and finds enough).
        guard device.accepted >= scenario.device.stallMinimumRequests else { return false }
        device.stallInstants &+= 1
        let stalls = now >= device.stalledUntil
        if stalls { startStall(at: now, until: now &+ scenario.device.stallDuration.nanoseconds) }
        device.nextStallAt &+= nextStallInterval()
        armStall(engine: &engine)
        return stalls
    }

    /// A stall from the instant `at` (its times apart are taken from the instants) holding the device until `until`.
    mutating func startStall(at instant: Int64, until end: Int64) {
        device.stalls &+= 1
        if device.lastStallAt >= 0 { device.stallIntervals.record(instant - device.lastStallAt) }
        device.lastStallAt = instant
        device.stalledUntil = end
    }

    /// The time from one instant of the stalls' process to the next: `stallIntervalShape` exponential stages of
    /// `stallInterval` over the shape each (one stage: the Poisson process, one draw of the whole mean).
    @inline(__always) mutating func nextStallInterval() -> Int64 {
        let stage = Distribution.exponential(mean: stallInterval / Int64(stallIntervalShape))
        var sum: Int64 = 0
        for _ in 0..<stallIntervalShape { sum &+= stage.sample(&device.stallRNG) }
        return sum
    }

    /// The DMA transfer of `r` at the device's bandwidth (0 under PIO or without a bandwidth). At most the longest
    /// duration: a longer one ends the run at the horizon anyway, and sums of them stay far from overflowing.
    @inline(__always)
    func dmaTransfer(_ r: Int32) -> Int64 {
        let d = scenario.device
        guard case .dma = d.transfer, d.bandwidthBytesPerSecond > 0 else { return 0 }
        return min(Self.nanoseconds(bytes: requests[Int(r)].sizeBytes, atBytesPerSecond: d.bandwidthBytesPerSecond), SimDuration.longest.nanoseconds)
    }

    // MARK: - The device's share of a shared host (`machine.hostCPUs`)

    /// The device's speed, in thousandths of full speed, while `busy` of the machine's CPUs are busy: the host's
    /// CPUs shared evenly among them and the device's thread, at most full speed, at least a thousandth.
    @inline(__always)
    func deviceSpeed(busy: Int) -> Int64 {
        max(1, min(1_000, hostMilliCPUs / Int64(busy + 1)))
    }

    /// Brings the device's work count up to now at the speed in effect since it was last brought up to date.
    @inline(__always)
    mutating func updateDeviceWork() {
        device.work += (now - device.workUpdatedAt) * deviceSpeed(busy: device.workBusyCPUs)
        device.workUpdatedAt = now
    }

    /// Starts serving `r` on a shared host: `work` ns of service at full speed (the dispatch wait, access, seek
    /// and rotation), then the transfer on the link, all counted in the device's work (so the link's bookings
    /// are in work time too); its end is scheduled at the current speed and scheduled again whenever the speed
    /// changes (`deviceShareChanged`).
    @inline(never)
    mutating func startSharedService(_ r: Int32, work: Int64, transfer: Int64, start: Int64, engine: inout Engine) {
        updateDeviceWork()
        let workNow = device.work / 1_000  // in ns of work, for the link's bookings
        let end = linkTransferEnd(accessDone: workNow + work, transfer: transfer, clock: workNow)
        let doneAtWork = device.work + min(end - workNow, 4 * SimDuration.longest.nanoseconds) * 1_000  // past the horizon
        device.servingGeneration &+= 1
        device.serving.append((r, doneAtWork, device.servingGeneration, start))
        scheduleSharedDone(device.serving.count - 1, engine: &engine)
        // The service itself is traced when it ends (its end is not known before); the queue's depth now.
        if _slowPath(tracer != nil) { trace(.counter(name: "deviceQueue", value: device.accepted, at: at)) }
    }

    /// Schedules the end of `device.serving[index]` at the current speed.
    @inline(__always)
    mutating func scheduleSharedDone(_ index: Int, engine: inout Engine) {
        let speed = deviceSpeed(busy: device.workBusyCPUs)
        let remaining = max(0, device.serving[index].doneAtWork - device.work)
        let delay = (remaining + speed - 1) / speed
        engine.schedule(
            at: SimInstant(nanosecondsSinceStart: now &+ delay), priority: Priority.hardware, kind: EventKind.deviceDone.rawValue,
            target: UInt32(device.serving[index].request), generation: device.serving[index].generation)
    }

    /// The number of busy CPUs changed while handling an event: the device's work is brought up to date at the
    /// old speed, and the requests in service are scheduled again at the new one.
    @inline(never)
    mutating func deviceShareChanged(engine: inout Engine) {
        updateDeviceWork()
        let oldSpeed = deviceSpeed(busy: device.workBusyCPUs)
        device.workBusyCPUs = busyCPUs
        if deviceSpeed(busy: busyCPUs) == oldSpeed { return }
        for i in device.serving.indices {
            device.servingGeneration &+= 1
            device.serving[i].generation = device.servingGeneration
            scheduleSharedDone(i, engine: &engine)
        }
    }

    /// When a transfer of `transfer` ns that can start at `accessDone` ends. With one channel the link is free
    /// whenever a request is served, so it ends at `accessDone + transfer`. With more, the channels share the
    /// device's one data link: the transfer takes the first gap of the link's bookings at or after `accessDone`
    /// long enough for it (a transfer booked earlier keeps its place: the link is not preempted, and one that
    /// is ready first but was booked later can still take a gap before it).
    /// `clock` is the time the bookings are in: now, or the device's work on a shared host.
    @inline(__always)
    mutating func linkTransferEnd(accessDone: Int64, transfer: Int64, clock: Int64? = nil) -> Int64 {
        if scenario.device.channels == 1 || transfer == 0 { return accessDone + transfer }
        return bookLink(accessDone: accessDone, transfer: transfer, clock: clock ?? now)
    }

    @inline(never)
    mutating func bookLink(accessDone: Int64, transfer: Int64, clock: Int64) -> Int64 {
        device.linkBookings.removeAll { $0.end <= clock }
        // Bookings past the horizon end the run; capping them there keeps the sums from overflowing.
        let cap = World.horizon + SimDuration.longest.nanoseconds
        var start = min(accessDone, cap)
        var index = 0
        while index < device.linkBookings.count {
            let booking = device.linkBookings[index]
            if start + transfer <= booking.start { break }
            start = min(max(start, booking.end), cap)
            index += 1
        }
        device.linkBookings.insert((start, start + transfer), at: index)
        return start + transfer
    }

    @inline(never)
    mutating func narrateService(_ r: Int32, mechanics: Int64, transfer: Int64) {
        let ri = Int(r)
        var text = "starts serving IO \(narrateNumber) (\(requests[ri].direction.rawValue) of \(requests[ri].sizeBytes) bytes)"
        if mechanics > 0 { text += "; seek and rotation \(Self.formatNs(mechanics))" }
        if case .dma = scenario.device.transfer {
            let direction = requests[ri].direction == .read ? "into memory" : "out of memory"
            text += scenario.device.completionBatching == .asyncPass
                ? "; the data moves \(direction) as its pass takes it (\(Self.formatNs(transfer))), with no CPU of this machine. "
                : "; its DMA engine moves the data \(direction) (\(Self.formatNs(transfer))) with no CPU. "
        } else {
            text += "; under PIO a CPU will have to copy every byte. "
        }
        text += "No thread runs for this IO: " + whoIsAttached(r)
        narrate(r, step: 5, cpu: -1, actor: "device", text)
    }

    /// The narrated request is done but the device is stalled (`device.stallInterval`).
    @inline(never) mutating func narrateStall(_ r: Int32) {
        narrate(
            r, step: 5, cpu: -1, actor: "device",
            "has served IO \(narrateNumber), but is stalled (device.stallInterval): it comes back at the stall's end, "
                + "\(Self.formatNs(device.stalledUntil - now)) later, with everything else the device holds. Still no thread runs for it")
    }

    @inline(never) mutating func traceService(_ ri: Int, after dispatchWait: Int64, for service: Int64) {
        let start = at + .nanoseconds(dispatchWait)
        trace(.deviceService(io: requests[ri].number, start: start, end: start + .nanoseconds(service)))
        trace(.counter(name: "deviceQueue", value: device.accepted, at: at))
    }

    /// A pass starts: it takes every request waiting in the device and serves `channels` of them at a time.
    /// `woken`: the device was idle and woke for it (on a shared host its first dispatch waits for the wake-up;
    /// a pass that follows the previous one at once has none).
    mutating func startPass(woken: Bool = true, engine: inout Engine) {
        let async = scenario.device.completionBatching == .asyncPass
        // Nothing to take (never expected). With `.asyncPass` earlier passes' requests may still be in service.
        if device.deviceQueue.isEmpty && (async || device.passUnfinished == 0) {
            device.passOpen = false
            return
        }
        // One asynchronous pass takes at a time: a request arriving while one takes joins it.
        assert(!async || !asyncPassTaking)
        device.passLastTaken = hostMilliCPUs > 0 && woken ? now + scenario.device.passWakeup.nanoseconds : now
        if async {
            // No longer waking: from here the pass takes until its last request, then ends.
            device.passOpen = false
            device.takingPass = newAsyncPass()
        } else {
            device.passOpen = true
            device.passRunning = true
        }
        while let r = device.deviceQueue.popFirst() { takeIntoPass(r, after: device.passLastTaken, engine: &engine) }
    }

    /// `.asyncPass`: a slot for a new pass, reusing a free one.
    mutating func newAsyncPass() -> Int32 {
        if let slot = device.freeAsyncPasses.popLast() { return slot }
        device.asyncPasses.append((unfinished: 0, doneHead: -1))
        return Int32(device.asyncPasses.count - 1)
    }

    /// The running pass takes request `r`: its dispatch ends `passDispatch` after `instant` (the pass takes its
    /// requests one after another; with `.asyncPass` taking one also moves its data, at the device's bandwidth);
    /// it is served on a free channel, else when one frees.
    mutating func takeIntoPass(_ r: Int32, after instant: Int64, engine: inout Engine) {
        var taken = instant + passDispatch
        if scenario.device.completionBatching == .asyncPass { taken += dmaTransfer(r) }
        device.passLastTaken = taken
        requests[Int(r)].passTaken = taken
        device.passUnfinished += 1
        if device.takingPass >= 0 {
            requests[Int(r)].passSlot = device.takingPass
            device.asyncPasses[Int(device.takingPass)].unfinished += 1
        }
        if device.inService < scenario.device.channels {
            startService(r, engine: &engine)
        } else {
            device.passWaiting.append(r)
        }
    }

    @inline(__always)
    mutating func deviceFinished(_ r: Int32, engine: inout Engine) {
        let ri = Int(r)
        device.inService -= 1
        device.accepted -= 1
        requests[ri].deviceDone = now
        trace(.counter(name: "deviceQueue", value: device.accepted, at: at))
        // The freed channel takes the next request of its pass, or without passes the next one waiting.
        let passes = scenario.device.completionBatching.hasPasses
        if let next = passes ? device.passWaiting.popFirst() : device.deviceQueue.popFirst() {
            startService(next, engine: &engine)
        }
        if device.accepted < scenario.device.queueDepth, let next = device.driverQueue.popFirst() {
            accept(next, engine: &engine)
        }
        if passes {
            passMemberFinished(r, engine: &engine)
        } else {
            signalDone(r, engine: &engine)
        }
    }

    /// `CompletionBatching.pass`: the request joins its pass's finished ones; the last one ends the pass,
    /// which signals them all and starts the next pass if requests arrived meanwhile.
    mutating func passMemberFinished(_ r: Int32, engine: inout Engine) {
        if scenario.device.completionBatching == .asyncPass {
            asyncPassMemberFinished(r, engine: &engine)
            return
        }
        requests[Int(r)].next = device.passDoneHead
        device.passDoneHead = r
        device.passUnfinished -= 1
        if device.passUnfinished > 0 { return }
        let members = finishedInOrder(newestFirst: device.passDoneHead)
        device.passDoneHead = -1
        device.passRunning = false
        // The pass stays open while it signals: with nothing costing time, the completion can run through to
        // a thread that submits again at this instant, and that request waits for the next pass, below.
        signalDone(together: members, "with its pass", engine: &engine)
        device.passOpen = false
        if !device.deviceQueue.isEmpty { startPass(woken: false, engine: &engine) }
    }

    /// `CompletionBatching.asyncPass`: the request joins its own pass's finished ones; the last one signals them
    /// all. Later passes, started while this one's requests were served, signal theirs apart.
    mutating func asyncPassMemberFinished(_ r: Int32, engine: inout Engine) {
        let slot = requests[Int(r)].passSlot
        let si = Int(slot)
        requests[Int(r)].passSlot = -1
        requests[Int(r)].next = device.asyncPasses[si].doneHead
        device.asyncPasses[si].doneHead = r
        device.asyncPasses[si].unfinished -= 1
        device.passUnfinished -= 1
        if device.asyncPasses[si].unfinished > 0 { return }
        let members = finishedInOrder(newestFirst: device.asyncPasses[si].doneHead)
        device.asyncPasses[si].doneHead = -1
        // A pass whose requests are all done is over, even if it could still take one (zero service times).
        if device.takingPass == slot { device.takingPass = -1 }
        device.freeAsyncPasses.append(slot)
        signalDone(together: members, "with its pass", engine: &engine)
    }

    /// The requests of a list linked through `RequestState.next`, newest first, in the order they finished.
    func finishedInOrder(newestFirst head: Int32) -> [Int32] {
        var members: [Int32] = []
        var m = head
        while m >= 0 {
            members.append(m)
            m = requests[Int(m)].next
        }
        return members.reversed()
    }

    /// The device is done with `r`: IOPOLL requests wait for a poller; others are signalled (held until the
    /// whole submission batch is done with `CompletionBatching.submission`).
    @inline(__always)
    mutating func signalDone(_ r: Int32, engine: inout Engine) {
        let ri = Int(r)
        if requests[ri].polled {
            waitForPoller(r, engine: &engine)
            return
        }
        let leader = requests[ri].kickLeader
        if leader >= 0 {  // hold the signal until the whole submission batch is done
            let li = Int(leader)
            requests[ri].next = requests[li].kickDoneHead
            requests[li].kickDoneHead = r
            requests[li].kickRemaining -= 1
            if requests[li].kickRemaining > 0 { return }
            let members = finishedInOrder(newestFirst: requests[li].kickDoneHead)
            for member in members { requests[Int(member)].kickLeader = -1 }
            signalDone(together: members, "with its batch", engine: &engine)
            return
        }
        if _slowPath(requests[ri].number == narrateNumber) { narrateDeviceSignal(r) }
        signalCompletion(r, engine: &engine)
    }

    @inline(never)
    mutating func narrateDeviceSignal(_ r: Int32) {
        narrate(r, step: 6, cpu: -1, actor: "device", "finishes IO \(narrateNumber) and signals completion (MSI)")
    }

    /// Requests the device finished as a group: polled ones wait for a poller, the others are signalled together.
    mutating func signalDone(together members: [Int32], _ how: String, engine: inout Engine) {
        var signalled: [Int32] = []
        signalled.reserveCapacity(members.count)
        for member in members {
            if requests[Int(member)].number == narrateNumber {
                narrate(member, step: 6, cpu: -1, actor: "device", "finishes IO \(narrateNumber) \(how) and signals completion")
            }
            if requests[Int(member)].polled {
                waitForPoller(member, engine: &engine)
            } else {
                signalled.append(member)
            }
        }
        signalCompletions(together: signalled, engine: &engine)
    }

    /// IOPOLL: no interrupt; the request waits in its ring's poll queue for a poller.
    mutating func waitForPoller(_ r: Int32, engine: inout Engine) {
        let g = Int(requests[Int(r)].ring)
        rings[g].polled.append(r)
        if rings[g].ownerWaiting && threads[Int(rings[g].owner)].spinning {
            setOwnerWaiting(g, false)
            endSpin(rings[g].owner, engine: &engine)
        }
    }

    // MARK: - Interrupt controller

    /// Queues the completion on its vector; raises the interrupt now, or when coalescing says so.
    @inline(__always)
    mutating func signalCompletion(_ r: Int32, engine: inout Engine) {
        if let v = queueCompletion(r) { vectorHasCompletions(v, engine: &engine) }
    }

    /// Signals requests that complete together (a submission batch or a pass): each vector they reach raises
    /// at most one interrupt for them, after all are queued.
    mutating func signalCompletions(together members: [Int32], engine: inout Engine) {
        var vectorsReached: [Int] = []
        for r in members {
            if let v = queueCompletion(r), !vectorsReached.contains(v) { vectorsReached.append(v) }
        }
        for v in vectorsReached { vectorHasCompletions(v, engine: &engine) }
    }

    /// Puts the completion on the queue of its vector and returns the vector, or nil when it joined a batch
    /// the driver is already draining.
    @inline(__always)
    mutating func queueCompletion(_ r: Int32) -> Int? {
        let v: Int
        switch scenario.interrupts.target {
        case .fixed(let cpu): v = cpu
        case .roundRobin:
            v = device.roundRobin
            device.roundRobin = (device.roundRobin + 1) % cpuCount
        case .submittingCPU: v = Int(requests[Int(r)].submitCPU)
        }
        requests[Int(r)].next = -1
        if scenario.interrupts.suppressWhileServicing && cpus[v].inInterrupt && cpus[v].batchHead >= 0 {
            // The driver is draining this queue with notifications off: the completion joins the batch.
            requests[Int(cpus[v].batchTail)].next = r
            cpus[v].batchTail = r
            // Joining an interrupt still pending in a stall: its ISR, when it starts, takes (and traces) it.
            if cpus[v].stallStartedAt >= 0 { return nil }
            requests[Int(r)].isrStart = now
            trace(.ioInterrupt(io: requests[Int(r)].number, cpu: v, at: at))
            return nil
        }
        if vectors[v].tail >= 0 { requests[Int(vectors[v].tail)].next = r } else { vectors[v].head = r }
        vectors[v].tail = r
        vectors[v].count += 1
        return v
    }

    /// Raises vector `v`'s interrupt now, or arms the coalescing timer.
    @inline(__always)
    mutating func vectorHasCompletions(_ v: Int, engine: inout Engine) {
        // NVMe feature 08h: coalesce only when both the count threshold and the time are set.
        let coalescing = coalesceCount > 1 && coalesceTime > 0
        if !coalescing || vectors[v].count >= coalesceCount {
            raiseInterrupt(vector: v, engine: &engine)
        } else if !vectors[v].timerArmed {  // the first completions since the last interrupt
            vectors[v].timerArmed = true
            vectors[v].timerGeneration &+= 1
            engine.schedule(
                after: .nanoseconds(coalesceTime), priority: Priority.interruptArrival,
                kind: EventKind.coalesceTimer.rawValue, target: UInt32(v), generation: vectors[v].timerGeneration)
        }
    }

    @inline(__always)
    mutating func raiseInterrupt(vector v: Int, engine: inout Engine) {
        let head = vectors[v].head
        vectors[v].head = -1
        vectors[v].tail = -1
        vectors[v].count = 0
        vectors[v].timerArmed = false
        vectors[v].timerGeneration &+= 1
        // A halted vCPU takes longer to reach (`interrupts.idleDelivery`); one the host still polls does not.
        var delivery = deliveryLatency
        if idleDelivery > 0 {
            if cpus[v].occupant < 0 && !cpus[v].inInterrupt && !cpus[v].hostPolling { delivery &+= idleDelivery }
            delivery = max(delivery, lastArrival[v] &- now)
            lastArrival[v] = now &+ delivery
        }
        if delivery > 0 {
            engine.schedule(
                after: .nanoseconds(delivery), priority: Priority.interruptArrival,
                kind: EventKind.interruptArrive.rawValue, target: UInt32(v), generation: UInt32(bitPattern: head))
        } else {
            interruptArrived(cpu: v, batch: head, engine: &engine)
        }
    }

    /// The interrupt reaches its CPU: whatever runs there is suspended (its remaining time kept) and the
    /// ISR runs beneath it. Interrupt context is not re-entrant: a CPU already in it queues the batch.
    @inline(__always)
    mutating func interruptArrived(cpu c: Int, batch: Int32, engine: inout Engine) {
        if cpus[c].inInterrupt {
            cpus[c].pendingBatches.append(batch)
            return
        }
        cpus[c].inInterrupt = true
        let t = cpus[c].occupant
        if t >= 0 {
            let ti = Int(t)
            threads[ti].interruptedRemaining = threads[ti].burstEnd - now
            threads[ti].generation &+= 1
            if busyStall > 0 {
                // The vCPU waits for the host (`interrupts.busyStall`), its time counted as the thread's: the CPU
                // keeps its category until the ISR starts. The interrupt is pending: completions meanwhile join
                // its batch, as with a draining ISR (`suppressWhileServicing`).
                cpus[c].batchHead = batch
                var tail = batch
                while requests[Int(tail)].next >= 0 { tail = requests[Int(tail)].next }
                cpus[c].batchTail = tail
                cpus[c].stallStartedAt = now
                trace(.interruptStall(cpu: c, duration: .nanoseconds(busyStall), at: at))
                engine.schedule(
                    after: .nanoseconds(busyStall), priority: Priority.interruptContext, kind: EventKind.stallDone.rawValue,
                    target: UInt32(c))
                return
            }
        }
        startISR(cpu: c, batch: batch, engine: &engine)
    }

    /// - Parameter stalledSince: when the CPU began to stall before it (`interrupts.busyStall`), -1 for no stall;
    ///   for the narration.
    @inline(__always)
    mutating func startISR(cpu c: Int, batch: Int32, stalledSince: Int64 = -1, engine: inout Engine) {
        cpus[c].batchHead = batch
        interrupts &+= 1
        cpus[c].batchSerial = interrupts
        setCategory(c, .irq)
        var pioBytes: Int64 = 0
        var r = batch
        while r >= 0 {
            let ri = Int(r)
            cpus[c].batchTail = r
            requests[ri].isrStart = now
            trace(.ioInterrupt(io: requests[ri].number, cpu: c, at: at))
            pioBytes += requests[ri].sizeBytes
            if requests[ri].number == narrateNumber { narrateISR(r, cpu: c, stalledSince: stalledSince) }
            r = requests[ri].next
        }
        var cost = isrCost
        if pioBytesPerSecond > 0 { cost += Self.nanoseconds(bytes: pioBytes, atBytesPerSecond: pioBytesPerSecond) }
        if cost > 0 {
            engine.schedule(
                at: SimInstant(nanosecondsSinceStart: now &+ cost), priority: Priority.interruptContext, kind: EventKind.isrDone.rawValue,
                target: UInt32(c))
        } else {
            isrFinished(cpu: c, engine: &engine)
        }
    }

    @inline(__always)
    mutating func isrFinished(cpu c: Int, engine: inout Engine) {
        cpus[c].batchCursor = cpus[c].batchHead
        startDeferred(cpu: c, engine: &engine)
    }

    /// Runs the deferred routine for each request of the batch in turn (a loop, not recursion: batches can
    /// be long when every cost is zero).
    @inline(__always)
    mutating func startDeferred(cpu c: Int, engine: inout Engine) {
        while !isFinished {
            let r = cpus[c].batchCursor
            if r < 0 {
                batchDone(cpu: c, engine: &engine)
                return
            }
            let ri = Int(r)
            setCategory(c, .deferred)
            var cost = deferredCost + directIOCompleteCost(r)
            if copiesInDeferredRoutine(r) { cost += copyNanoseconds(requests[ri].sizeBytes) }
            if requests[ri].notice == .ring && !requests[ri].punted {
                let spec = rings[Int(requests[ri].ring)].spec
                if !spec.sqpoll && spec.taskRun == .interrupt { cost += uringCompletePerCQE }  // the CQE is posted here
            }
            let woken = threadWokenByCompletion(r)
            cpus[c].deferredWakeIPI = 0
            cpus[c].packedThread = -1
            if woken >= 0 {
                deferredWakeUps &+= 1
                cost += deferredWake
                if wakeSendsIPI(woken, from: c) {
                    wakeIPIs &+= 1
                    cost += deferredWakeRemote
                    cpus[c].deferredWakeIPI = deferredWakeRemote
                }
            }
            if cost > 0 {
                engine.schedule(
                    at: SimInstant(nanosecondsSinceStart: now &+ cost), priority: Priority.interruptContext,
                    kind: EventKind.deferredDone.rawValue, target: UInt32(c))
                return
            }
            cpus[c].batchCursor = requests[ri].next
            completeRequest(r, cpu: c, engine: &engine)
        }
    }

    /// Whether `r` is a buffered read that missed the page cache: its data is copied into the program's buffer
    /// once the device has read it (a hit is copied inline, and is `synchronous`).
    @inline(__always) func missedPageCache(_ r: Int32) -> Bool {
        let ri = Int(r)
        return requests[ri].buffered && requests[ri].direction == .read && !requests[ri].synchronous
    }

    /// Whether the deferred routine copies `r`'s data into the program's buffer: an overlapped buffered read that
    /// missed the page cache, unless it is a ring request whose copy is done elsewhere (see `taskWorkCost`; an
    /// io-wq worker copies its own).
    @inline(__always) func copiesInDeferredRoutine(_ r: Int32) -> Bool {
        let ri = Int(r)
        guard missedPageCache(r) && !requests[ri].blocking else { return false }
        guard requests[ri].notice == .ring else { return true }
        if requests[ri].punted { return false }
        let spec = rings[Int(requests[ri].ring)].spec
        return !spec.sqpoll && spec.taskRun == .interrupt
    }

    /// Whether completing `r` will wake a thread, or signal one (`interrupts.deferredWake`): one blocked on it,
    /// its ring's owner waiting for completions (only the batch's first completion wakes it), or with SQPOLL the
    /// SQ thread.
    @inline(__always) func completionWakesAThread(_ r: Int32) -> Bool { threadWokenByCompletion(r) >= 0 }

    /// The thread completing `r` wakes or signals (see `completionWakesAThread`), or -1. With SQPOLL the SQ
    /// thread runs the completions' task work: the first one queued to its empty list signals it, asleep or
    /// spinning (io_req_normal_work_add: __set_notify_signal sets TIF_NOTIFY_SIGNAL, calls wake_up_state, and
    /// kicks the CPU it runs on), which costs the deferred routine about what a wake-up does. Traced on the
    /// README's second machine: SQPOLL's irq + softirq per IO was 2.8-3.2 us, queue depth 1's 2.3-2.8 (five validations).
    @inline(__always) func threadWokenByCompletion(_ r: Int32) -> Int32 {
        let ri = Int(r)
        let waiter = requests[ri].waiter
        if waiter >= 0 && threads[Int(waiter)].runState == .blocked { return waiter }
        guard requests[ri].notice == .ring && !requests[ri].punted else { return -1 }
        let g = Int(requests[ri].ring)
        if rings[g].spec.sqpoll { return sqThreadSleeps(g) || rings[g].taskWork.isEmpty ? rings[g].sqThread : -1 }
        return ownerSleepsOnRing(g) ? rings[g].owner : -1
    }

    /// Whether CPU `c`'s deferred routine, waking `t`, sends an IPI (`interrupts.deferredWakeRemote`): with
    /// per-CPU run queues (Linux's, which put a woken thread on the CPU it last ran on when that one is idle),
    /// `t` last ran on another CPU, idle now, to which this interrupt's batch has not sent one yet (with
    /// `machine.wakePacking`, the CPU that rule picks, kept for the wake-up). With the shared queue a woken thread
    /// goes to whichever CPU is idle, and no IPI is modelled.
    @inline(__always)
    mutating func wakeSendsIPI(_ t: Int32, from c: Int) -> Bool {
        if !perCPURunQueues { return false }
        var target = Int(threads[Int(t)].lastCPU)
        if wakePacking && threads[Int(t)].runState == .blocked {  // a spinning SQPOLL thread is not woken
            let packed = packedWakeTarget(t, from: c)
            cpus[c].packedThread = packed >= 0 ? t : -1
            cpus[c].packedTarget = Int32(packed)
            if packed >= 0 { target = packed }
        }
        guard target >= 0 && target != c && cpus[target].occupant < 0 && !cpus[target].inInterrupt else { return false }
        if cpus[target].wakeIPIFromBatch == cpus[c].batchSerial { return false }
        cpus[target].wakeIPIFromBatch = cpus[c].batchSerial
        return true
    }

    @inline(__always)
    mutating func deferredFinished(cpu c: Int, engine: inout Engine) {
        let r = cpus[c].batchCursor
        cpus[c].batchCursor = requests[Int(r)].next
        completeRequest(r, cpu: c, engine: &engine)
        startDeferred(cpu: c, engine: &engine)
    }

    @inline(__always)
    mutating func batchDone(cpu c: Int, engine: inout Engine) {
        cpus[c].batchHead = -1
        cpus[c].batchTail = -1
        if let next = cpus[c].pendingBatches.popFirst() {
            startISR(cpu: c, batch: next, engine: &engine)
        } else {
            leaveInterrupt(cpu: c, engine: &engine)
        }
    }

    /// The CPU leaves interrupt context: the interrupted burst resumes with its remaining time, or the CPU
    /// takes the run-queue head, or idles.
    @inline(__always)
    mutating func leaveInterrupt(cpu c: Int, engine: inout Engine) {
        cpus[c].inInterrupt = false
        let t = cpus[c].occupant
        if t >= 0 {
            let ti = Int(t)
            let remaining = threads[ti].interruptedRemaining
            threads[ti].interruptedRemaining = -1
            setCategory(c, threads[ti].burstCategory)
            if threads[ti].spinning && threads[ti].burstEnd >= World.spinForever {
                // an open-ended spin goes on; whatever ends it will
            } else if remaining > 0 {
                threads[ti].burstEnd = now + remaining
                engine.schedule(
                    at: SimInstant(nanosecondsSinceStart: now &+ remaining), priority: Priority.threadBurst, kind: EventKind.burstEnd.rawValue,
                    target: UInt32(t), generation: threads[ti].generation)
            } else {
                burstEnded(t, engine: &engine)
            }
        } else if let next = nextRunnable(for: c, engine: &engine) {
            runOn(next, cpu: c, engine: &engine)
        } else {
            setCategory(c, .idle)
        }
    }

    // MARK: - Completion

    /// The deferred routine completes the request (Cleary's step 8) and delivers it (step 9).
    @inline(__always)
    mutating func completeRequest(_ r: Int32, cpu c: Int, engine: inout Engine) {
        let ri = Int(r)
        if _slowPath(requests[ri].isComplete) { completedTwice(r) }
        requests[ri].completed = now
        requests[ri].isComplete = true
        trace(.ioCompleted(io: requests[ri].number, cpu: c, at: at))
        recordCompletion(r)
        if requests[ri].buffered { markCached(r) }
        if requests[ri].number == narrateNumber { narrateCompletion(r, cpu: c) }
        let outer = interruptWakerCPU  // a completion inside another's delivery (a woken poller's) restores it
        interruptWakerCPU = c
        deliver(r, engine: &engine)
        interruptWakerCPU = outer
        cpus[c].packedThread = -1  // `machine.wakePacking`'s choice for this request, used or not
        if recordsIO(r) { updateRecord(r) }
        release(r)  // no longer in flight
        if ioCompleted >= stopAfterIOs { stop(engine: &engine) }
    }

    /// The completed request's attachment, latency and stages, and the run's counts.
    @inline(__always)
    mutating func recordCompletion(_ r: Int32) {
        let ri = Int(r)
        closeAttachment(r)
        recorder.recordLatency(now - requests[ri].issued)
        recorder.record(.submission, requests[ri].submitted - requests[ri].issued)
        recorder.record(.kernelQueue, requests[ri].accepted - requests[ri].submitted)
        recorder.record(.device, requests[ri].deviceDone - requests[ri].accepted)
        recorder.record(.interrupt, requests[ri].isrStart - requests[ri].deviceDone)
        recorder.record(.deferred, now - requests[ri].isrStart)
        ioCompleted &+= 1
        bytesCompleted &+= requests[ri].sizeBytes
    }

    /// A model bug, never an input error: out of line so that the completion path stays small.
    @inline(never) func completedTwice(_ r: Int32) -> Never {
        preconditionFailure("IO \(requests[Int(r)].number) completed twice at \(now)ns")
    }

    /// A request that never went to the device (a cache hit, a buffered write): ReadFile returned TRUE.
    /// The notification machinery still fires: the event, the completion routine, and the port packet
    /// unless FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is set.
    mutating func completeSynchronously(_ r: Int32, engine: inout Engine) {
        let ri = Int(r)
        requests[ri].completed = now
        requests[ri].isComplete = true
        trace(.ioCompleted(io: requests[ri].number, cpu: nil, at: at))
        recorder.recordLatency(now - requests[ri].issued)
        ioCompleted &+= 1
        ioSynchronous &+= 1
        bytesCompleted &+= requests[ri].sizeBytes
        if requests[ri].direction == .write { markCached(r) }
        var skipPort = false
        if requests[ri].operation >= 0 { skipPort = ioOperations[Int(requests[ri].operation)].skipPortOnSynchronousSuccess }
        if requests[ri].notice == .port && !skipPort {
            retain(r)
            postPacket(Int(requests[ri].port), r, engine: &engine)
        } else if requests[ri].notice == .completionRoutine {
            queueAPC(r, engine: &engine)
        }
        if recordsIO(r) { updateRecord(r) }
        if ioCompleted >= stopAfterIOs { stop(engine: &engine) }
    }

    /// Wakes the waiter, queues the APC, or posts the packet.
    @inline(__always)
    mutating func deliver(_ r: Int32, engine: inout Engine) {
        let ri = Int(r)
        let waiter = requests[ri].waiter
        if waiter >= 0 {
            requests[ri].waiter = -1
            // A thread still ringing the doorbell for it has not blocked: it finds the request done.
            if threads[Int(waiter)].runState == .blocked { wake(waiter, engine: &engine) }
        }
        switch requests[ri].notice {
        case .statusOnly: break
        case .port:
            retain(r)
            postPacket(Int(requests[ri].port), r, engine: &engine)
        case .completionRoutine:
            queueAPC(r, engine: &engine)
        case .ring:
            if !requests[ri].punted { postCompletion(ring: Int(requests[ri].ring), r, engine: &engine) }  // else its worker posts it
        }
    }

    // MARK: - Page cache

    @inline(__always) func isCached(_ r: Int32) -> Bool {
        let ri = Int(r)
        let f = Int(requests[ri].file)
        let first = requests[ri].offsetBytes / 4096
        let last = (requests[ri].offsetBytes + requests[ri].sizeBytes - 1) / 4096
        for page in first...last where pageCache[f][Int(page / 64)] & (1 << UInt64(page % 64)) == 0 {
            return false
        }
        return true
    }

    mutating func markCached(_ r: Int32) {
        let ri = Int(r)
        let f = Int(requests[ri].file)
        let first = requests[ri].offsetBytes / 4096
        let last = (requests[ri].offsetBytes + requests[ri].sizeBytes - 1) / 4096
        for page in first...last { pageCache[f][Int(page / 64)] |= 1 << UInt64(page % 64) }
    }

    func copyNanoseconds(_ bytes: Int64) -> Int64 {
        Self.nanoseconds(bytes: bytes, atBytesPerSecond: scenario.kernel.pageCacheCopyBytesPerSecond)
    }

    /// `bytes / rate` in nanoseconds, rounded up, exact in 128-bit arithmetic.
    static func nanoseconds(bytes: Int64, atBytesPerSecond rate: Int64) -> Int64 {
        if rate <= 0 || bytes <= 0 { return 0 }
        let product = UInt64(bytes).multipliedFullWidth(by: 1_000_000_000)
        if product.high >= UInt64(rate) { return Int64.max / 4 }  // beyond any run; never trap on input
        let (q, rem) = UInt64(rate).dividingFullWidth(product)
        return Int64(min(q, UInt64(Int64.max / 2))) + (rem > 0 ? 1 : 0)
    }
}

extension DeviceConfig {
    /// The DMA transfer of `bytes` at the device's bandwidth in nanoseconds, as the model adds it to a request's
    /// service (rounded up; 0 without a bandwidth).
    public func transferNanoseconds(bytes: Int64) -> Int64 {
        World.nanoseconds(bytes: bytes, atBytesPerSecond: bandwidthBytesPerSecond)
    }
}
