//! Linux io_uring: rings, the fio-style submit/wait/reap loop, task-work modes, SQPOLL kernel threads,
//! IOPOLL (no interrupts: the waiter polls the device), and io-wq workers (IOSQE_ASYNC, buffered writes).
//!
//! Sources: io_uring_setup(2), io_uring_enter(2), io_uring_setup_flags(7), io_uring_sqpoll(7),
//! io_uring_register_iowq_max_workers(3) (shared/DOMAIN.md section 3). On this machine's 6.18 kernel reads,
//! O_DIRECT or buffered, never take io-wq; buffered writes and IOSQE_ASYNC do (baseline.md).
//!
//! Simplifications: with the default task-run mode the CQE is posted in the deferred routine (its cost is
//! charged there), not by interrupting the task; the owner of a ring is the one thread that runs loops on it
//! (SINGLE_ISSUER); workers are never reaped while the run lasts. With SQPOLL, as in the kernel
//! (io_req_normal_work_add: "SQPOLL doesn't need the task_work added, it'll run it itself"; io_sq_thread's
//! io_sq_tw), a completion is task work of the SQ thread: the deferred routine only notifies that thread (waking
//! it if it sleeps), and the thread posts the CQEs, up to 32 a pass (IORING_TW_CAP_ENTRIES_VALUE), and wakes
//! the waiting owner in its own system time.

import IOSimCore
import IOSimEngine

extension World {
    // Phases of a `.uringLoop` instruction.
    private static let loopStart: UInt8 = 0
    private static let refill: UInt8 = 1
    private static let waitForCompletions: UInt8 = 2
    private static let inEnter: UInt8 = 3
    private static let leaveEnter: UInt8 = 4
    private static let wakeSQThread: UInt8 = 5
    private static let consumeSQE: UInt8 = 6
    private static let handOffSQE: UInt8 = 7
    private static let completePolled: UInt8 = 8
    private static let reap: UInt8 = 9
    private static let spinOnCQ: UInt8 = 10
    private static let afterSubmit: UInt8 = 11
    private static let submittedOne: UInt8 = 12
    private static let leftOneEnter: UInt8 = 13
    private static let prepared: UInt8 = 14
    private static let preparedOne: UInt8 = 15
    /// IO_LOCAL_TW_DEFAULT_MAX: the task-work items DEFER_TASKRUN runs in one go when none are awaited.
    private static let localTaskWorkMax = 20
    /// An io_uring_enter that submits with GETEVENTS runs the task work twice before it would sleep: once after
    /// the submission (io_run_local_work_locked) and once on entering io_cqring_wait, each up to
    /// max(IO_LOCAL_TW_DEFAULT_MAX, min_complete) items (io_uring/io_uring.c since 6.13).
    private static let submittingEnterTaskWorkMax = 2 * localTaskWorkMax
    /// The task-work items the SQPOLL thread runs per pass of its loop (IORING_TW_CAP_ENTRIES_VALUE, io_uring/sqpoll.c).
    private static let sqTaskWorkMax = 32

    // MARK: - Spinning

    /// The thread burns its CPU in `category` until `endSpin`, or until `limit` when it is not nil.
    mutating func startSpin(_ t: Int32, _ category: CPUCategory, until limit: Int64? = nil, engine: inout Engine) {
        let ti = Int(t)
        threads[ti].spinning = true
        if let limit, limit > now {
            startBurst(t, category, limit - now, engine: &engine)
        } else {
            threads[ti].burstCategory = category
            threads[ti].burstEnd = World.spinForever
            setCategory(Int(threads[ti].cpu), category)
        }
    }

    static let spinForever: Int64 = 1 << 60

    /// Ends a spin now: the thread goes on at once (or as soon as its CPU leaves interrupt context, or when
    /// it runs again after being preempted).
    mutating func endSpin(_ t: Int32, engine: inout Engine) {
        let ti = Int(t)
        guard threads[ti].spinning else { return }
        threads[ti].spinning = false
        let c = threads[ti].cpu
        let onCPU = threads[ti].runState == .running && c >= 0 && cpus[Int(c)].occupant == t
        if !onCPU || threads[ti].burstIsSwitch {
            // Preempted mid-spin, waiting for a CPU or switching back in: the spin does not resume (the switch,
            // if under way, runs to its end; its event is left alone).
            if threads[ti].preemptedRemaining >= 0 { threads[ti].preemptedRemaining = 0 }
            return
        }
        threads[ti].generation &+= 1  // cancels a limit event
        if cpus[Int(c)].inInterrupt {
            threads[ti].interruptedRemaining = 0
        } else {
            burstEnded(t, engine: &engine)
        }
    }

    // MARK: - Ring bookkeeping

    func ringAttachedClock(_ g: Int) -> Int64 {
        ringAttachedTotal[g] + (ringAttachedSince[g] >= 0 ? now - ringAttachedSince[g] : 0)
    }

    mutating func setOwnerWaiting(_ g: Int, _ waiting: Bool) {
        rings[g].ownerWaiting = waiting
        if waiting && ringAttachedSince[g] < 0 {
            ringAttachedSince[g] = now
        } else if !waiting && ringAttachedSince[g] >= 0 {
            ringAttachedTotal[g] += now - ringAttachedSince[g]
            ringAttachedSince[g] = -1
        }
    }

    /// Hands the owner a completion: a CQE now (default task-run, or `cqeNow`: an io-wq worker posting it; the
    /// owner is woken if it waits for it), task work for its next io_uring_enter (COOP/DEFER_TASKRUN; woken
    /// too), or task work of the SQ thread (SQPOLL), which posts the CQE and wakes the owner itself.
    mutating func postCompletion(ring g: Int, _ r: Int32, cqeNow: Bool = false, engine: inout Engine) {
        retain(r)
        let spec = rings[g].spec
        if spec.sqpoll && !cqeNow {
            // Task work of the SQ thread, which posts the CQE: it is told (its spin ends), or woken.
            rings[g].taskWork.append(r)
            let sq = rings[g].sqThread
            if sq < 0 { return }  // not started yet: it finds the work when it starts
            if threads[Int(sq)].spinning {
                endSpin(sq, engine: &engine)
            } else {
                wakeSQThread(ring: g, engine: &engine)
            }
            return
        }
        if cqeNow || spec.taskRun == .interrupt {
            rings[g].cq.append(r)
        } else {
            rings[g].taskWork.append(r)
        }
        notifyOwner(ring: g, engine: &engine)
    }

    /// Whether the ring's SQPOLL thread sleeps after its idle spin (IORING_SQ_NEED_WAKEUP).
    @inline(__always) func sqThreadSleeps(_ g: Int) -> Bool {
        let sq = rings[g].sqThread
        return sq >= 0 && threads[Int(sq)].runState == .blocked && threads[Int(sq)].waitKind == .sqpollIdle
    }

    /// Wakes the ring's SQPOLL thread if it sleeps, and clears the need-wakeup flag.
    mutating func wakeSQThread(ring g: Int, engine: inout Engine) {
        rings[g].sqThreadSleeping = false
        if sqThreadSleeps(g) { wake(rings[g].sqThread, engine: &engine) }
    }

    /// Whether the ring's owner sleeps in io_uring_enter waiting for completions (a CQE posted wakes it).
    @inline(__always) func ownerSleepsOnRing(_ g: Int) -> Bool {
        let owner = rings[g].owner
        return rings[g].ownerWaiting && owner >= 0 && threads[Int(owner)].runState == .blocked
            && threads[Int(owner)].waitKind == .ring
    }

    /// Tells the ring's owner, if it waits, that completions are there: a spin on the CQ ends when CQEs are, a
    /// sleep in io_uring_enter is woken.
    mutating func notifyOwner(ring g: Int, engine: inout Engine) {
        guard rings[g].ownerWaiting else { return }
        let owner = rings[g].owner
        if threads[Int(owner)].spinning {
            if !rings[g].cq.isEmpty {
                setOwnerWaiting(g, false)
                endSpin(owner, engine: &engine)
            }
        } else if threads[Int(owner)].runState == .blocked && threads[Int(owner)].waitKind == .ring {
            setOwnerWaiting(g, false)
            wake(owner, engine: &engine)
        }
    }

    /// Runs up to `limit` of the ring's task-work items (COOP/DEFER_TASKRUN): their CQEs are posted.
    /// - Returns: how many were run, and their cost to the thread running them (`taskWorkCost`).
    mutating func postTaskWork(ring g: Int, atMost limit: Int) -> (count: Int, cost: Int64) {
        let n = min(rings[g].taskWork.count, limit)
        var cost: Int64 = 0
        for _ in 0..<n {
            let r = rings[g].taskWork.popFirst()!
            cost += taskWorkCost(r)
            rings[g].cq.append(r)
        }
        return (n, cost)
    }

    /// One completion's task work: its CQE, and for a buffered read that missed the page cache the copy into
    /// the program's buffer. io_uring does not copy in the interrupt's deferred routine: that routine only
    /// unlocks the page and wakes the read's page waiter, io_async_buf_func, which queues the read again as
    /// task work (io_req_task_queue); the retried read copies from the page cache in the task's context.
    /// (With the default task-run mode the model posts the CQE in the deferred routine, and copies there too.)
    func taskWorkCost(_ r: Int32) -> Int64 {
        let copies = missedPageCache(r) && !requests[Int(r)].punted  // a worker copies its own
        return uringCompletePerCQE + (copies ? copyNanoseconds(requests[Int(r)].sizeBytes) : 0)
    }

    /// Creates a request for one SQE of `loop` on behalf of the ring's owner, which wrote the SQE at `writtenAt`
    /// (the request's clock starts there, as fio's and the real backend's do).
    mutating func issueRingRequest(owner: Int32, loop: Int32, writtenAt: Int64) -> Int32 {
        let saved = threads[Int(owner)].currentRequest
        let l = uringLoops[Int(loop)]
        let r = issue(owner, l.io, writtenAt: writtenAt)
        threads[Int(owner)].currentRequest = saved
        requests[Int(r)].ring = l.ring
        requests[Int(r)].polled = rings[Int(l.ring)].spec.iopoll
        requests[Int(r)].punted = l.async || (l.io.buffered && l.io.direction == .write)
        requests[Int(r)].forcedAsync = l.async
        // A buffered read of cached pages completes inline, during the submission (no device, no worker).
        if !requests[Int(r)].punted && l.io.buffered && l.io.direction == .read && isCached(r) {
            requests[Int(r)].synchronous = true
        }
        return r
    }

    /// The kernel's work for one consumed SQE, by the ring's owner in io_uring_enter or by the SQPOLL thread:
    /// the SQE, its request (`plug`), a cached page's copy, and after the batch's last SQE the one doorbell,
    /// if any request of the batch went to the driver. - Returns: its cost to `t`.
    mutating func takeSQE(_ r: Int32, ring g: Int, from t: Int32, last: Bool, engine: inout Engine) -> Int64 {
        var cost = scenario.kernel.uringSubmitPerSQE.nanoseconds + plug(r, ring: g, from: t, engine: &engine)
        if requests[Int(r)].synchronous { cost += copyNanoseconds(requests[Int(r)].sizeBytes) }  // copied inline
        if last && rings[g].pluggedForDriver { cost += driverSubmit }
        return cost
    }

    /// Takes one consumed SQE's request: a request for io-wq is handed over at once (io_queue_sqe ->
    /// io_queue_iowq, as its SQE is consumed), anything else joins the ring's plugged batch. Returns the
    /// submitter's cost: building the block request (none for a page-cache hit completed inline), or for
    /// io-wq, creating a worker when one had to be created (see `activateWorker`).
    mutating func plug(_ r: Int32, ring g: Int, from t: Int32, engine: inout Engine) -> Int64 {
        if requests[Int(r)].punted { return puntRingRequest(r, ring: g, from: t, engine: &engine) }
        rings[g].plugged.append(r)
        if requests[Int(r)].synchronous { return 0 }
        rings[g].pluggedForDriver = true
        return requestBuildCost(r)
    }

    /// Unplugs: the driver takes every request built in this batch (after the one doorbell).
    mutating func unplug(ring g: Int, from t: Int32, engine: inout Engine) {
        if scenario.device.completionBatching == .submission {
            let toDevice = rings[g].plugged.elements.filter { !requests[Int($0)].punted && !requests[Int($0)].synchronous }
            if let leader = toDevice.first {
                for r in toDevice { requests[Int(r)].kickLeader = leader }
                requests[Int(leader)].kickRemaining = Int32(toDevice.count)
                requests[Int(leader)].kickDoneHead = -1
            }
        }
        rings[g].pluggedForDriver = false
        while let r = rings[g].plugged.popFirst() {
            if requests[Int(r)].synchronous {
                completeSynchronously(r, engine: &engine)
                postCompletion(ring: g, r, engine: &engine)
                release(r)  // the issuing hold; the CQE holds its own
            } else {
                submitRingRequest(r, from: t, engine: &engine)
            }
        }
    }

    /// The driver takes a ring request of the plugged batch.
    mutating func submitRingRequest(_ r: Int32, from t: Int32, engine: inout Engine) {
        let ri = Int(r)
        let g = Int(requests[ri].ring)
        submit(r, from: t, engine: &engine)
        requests[ri].ringMark = ringAttachedClock(g)
        release(r)  // the issuing hold; in flight now, and its CQE will hold its own
    }

    /// Hands a request to io-wq. - Returns: the cost to `t` of creating a worker for it, if one was created.
    mutating func puntRingRequest(_ r: Int32, ring g: Int, from t: Int32, engine: inout Engine) -> Int64 {
        let ri = Int(r)
        requests[ri].submitted = now
        requests[ri].submitCPU = max(threads[Int(t)].cpu, 0)
        requests[ri].ringMark = ringAttachedClock(g)
        retain(r)  // in flight
        if requests[ri].buffered && requests[ri].direction == .write {
            rings[g].puntedHashed.append(r)
            if rings[g].hashedBusy || rings[g].hashedSummoned { return 0 }  // the chain's worker takes it next
            rings[g].hashedSummoned = true
            return activateWorker(ring: g, concurrent: false, engine: &engine)
        }
        rings[g].punted.append(r)
        return activateWorker(ring: g, concurrent: requests[ri].forcedAsync, engine: &engine)
    }

    /// io-wq's concurrency management (io_wq_enqueue): a free worker is counted on; else a new one is created, up
    /// to the ring's bound limit, when the work is IO_WQ_WORK_CONCURRENT (io_prep_async_work marks every
    /// IOSQE_ASYNC request so) or none of the ring's workers is running (all blocked). A buffered write is not
    /// concurrent: it waits for the running worker, hence one iou-wrk thread for buffered writes, as measured.
    /// A running worker takes queued work when it is done, and a worker about to block with work queued calls
    /// this again (io_wq_worker_sleeping). - Returns: the cost of the creation, `machine.threadCreate`:
    /// io_wq_create_worker makes the thread (create_io_thread, a copy_process) in the caller's context, so a
    /// submitter creating workers is slower to reach its next SQE, and the first workers are often free again
    /// by then (measured here: 3 to 5 iou-wrk threads at queue depth 16 with IOSQE_ASYNC, not 16).
    mutating func activateWorker(ring g: Int, concurrent: Bool, engine: inout Engine) -> Int64 {
        if let w = rings[g].freeWorkers.last {
            // A free worker is woken (if it sleeps); it stays free until it takes work, so requests enqueued
            // before it runs all count on it, as io_wq_activate_free_worker does.
            if threads[Int(w)].runState == .blocked { wake(w, engine: &engine) }
            return 0
        }
        guard rings[g].workers.count < rings[g].maxWorkers else { return 0 }
        if !concurrent {
            let running = rings[g].workers.contains {
                threads[Int($0)].runState != .blocked && threads[Int($0)].runState != .finished
            }
            if running { return 0 }
        }
        let w = createKernelThread(name: "iou-wrk-\(rings[g].workers.count)", program: ioWorkerProgram[g], ring: g)
        // It keeps the affinity of the program that set the ring up (measured: a pinned job's iou-wrk threads had
        // the job's Cpus_allowed_list; a kernel thread inherits the mask sched_setaffinity set, which binding the
        // SQPOLL thread to its CPU does not change).
        let owner = rings[g].owner
        threads[Int(w)].affinity = owner >= 0 ? threads[Int(owner)].affinity : -1
        rings[g].workers.append(w)
        rings[g].freeWorkers.append(w)  // a new worker starts on the free list (io_init_new_worker)
        // It exists, and runs, once the caller has made it (wake_up_new_task at the end of copy_process).
        let create = scenario.machine.threadCreate.nanoseconds
        if create > 0 {
            engine.schedule(
                at: SimInstant(nanosecondsSinceStart: now &+ create), priority: Priority.timer,
                kind: EventKind.threadReady.rawValue, target: UInt32(w))
        } else {
            makeRunnable(w, engine: &engine)
        }
        return create
    }

    mutating func createKernelThread(name: String, program: Int32, ring g: Int) -> Int32 {
        var thread = ThreadState(
            spec: -1, name: name, program: program, slots: [], rng: SeededGenerator(seed: scenario.seed, streamName: name),
            daemon: true, fileCursors: [])
        thread.kernelRing = Int32(g)
        thread.lastWorkAt = now
        threads.append(thread)
        trace(.threadCreated(thread: threads.count - 1, name: name, kernel: true, at: at))
        alive += 1
        threadsCreated += 1
        kernelThreadsCreated += 1
        if alive > maxAlive { maxAlive = alive }
        return Int32(threads.count - 1)
    }

    mutating func startRings(engine: inout Engine) {
        for g in 0..<rings.count where rings[g].spec.sqpoll {
            let t = createKernelThread(name: "iou-sqp-\(g)", program: sqPollerProgram[g], ring: g)
            threads[Int(t)].affinity = ringAffinity[g]  // IORING_SETUP_SQ_AFF
            rings[g].sqThread = t
            makeRunnable(t, engine: &engine)
        }
    }

    // MARK: - The program's loop

    /// When the SQE written `fromEnd` places before the end of the thread's last writing started: the program
    /// writes its SQEs one after another, `kernel.uringPreparePerSQE` each, and the real backend starts an IO's
    /// latency as it writes that IO's SQE.
    func sqeWrittenAt(_ ti: Int, fromEnd: Int) -> Int64 {
        threads[ti].uringPreparedAt - Int64(fromEnd) * scenario.kernel.uringPreparePerSQE.nanoseconds
    }

    /// - Returns: true when the thread started a burst, a spin, or blocked.
    mutating func stepUringLoop(_ t: Int32, _ index: Int32, engine: inout Engine) -> Bool {
        let ti = Int(t)
        let loop = uringLoops[Int(index)]
        let g = Int(loop.ring)
        let spec = rings[g].spec
        switch threads[ti].phase {
        case World.loopStart:
            if rings[g].owner < 0 { rings[g].owner = t }
            if rings[g].owner != t {
                fail(t, "ring '\(spec.name)' is already used by thread '\(threads[Int(rings[g].owner)].name)' (SINGLE_ISSUER)")
                return true
            }
            threads[ti].uringIssued = 0
            threads[ti].uringDone = 0
            threads[ti].uringInFlight = 0
            threads[ti].uringWokeInWait = false
            threads[ti].uringSubmittedInEnter = false
            threads[ti].phase = World.refill
            return false
        case World.refill:
            let n = Int(min(Int64(loop.queueDepth - threads[ti].uringInFlight), loop.ios - threads[ti].uringIssued))
            threads[ti].uringIssued += Int64(n)
            threads[ti].uringInFlight += n
            threads[ti].uringToSubmit = n
            // Writing the SQEs, one after another (fio's loop writes each just before its own io_uring_enter: one
            // now); each IO's latency starts as its SQE is written (see `sqeWrittenAt`).
            let written = loop.submitEach ? min(n, 1) : n
            let prepare = Int64(written) * scenario.kernel.uringPreparePerSQE.nanoseconds
            if prepare > 0 {
                threads[ti].phase = World.prepared
                return burstIfAny(t, .user, prepare, engine: &engine)
            }
            fallthrough
        case World.prepared:  // the SQEs are in the ring (the SQ tail is stored): submit them, or let SQPOLL
            let n = threads[ti].uringToSubmit
            threads[ti].uringPreparedAt = now  // the writing's end
            if spec.sqpoll {
                threads[ti].uringToSubmit = 0  // the SQ thread submits them
                rings[g].sqPending += n
                for k in 0..<n { rings[g].sqPreparedAt.append(sqeWrittenAt(ti, fromEnd: n - k)) }
                rings[g].sqLoop = index
                let sq = rings[g].sqThread
                if n > 0 && rings[g].sqThreadSleeping {
                    // io_uring_enter(IORING_ENTER_SQ_WAKEUP): peeking, it returns at once; else the same call
                    // waits (GETEVENTS, min_complete 1), as one syscall.
                    threads[ti].phase = World.wakeSQThread
                    ringEnters &+= 1
                    let cost = loop.peek ? syscallEntry + syscallExit : syscallEntry
                    return burstIfAny(t, .syscall, cost, engine: &engine)
                }
                // The SQ thread may not exist yet (the program's thread ran first, at the start): when it
                // starts it finds the pending SQEs.
                if n > 0 && sq >= 0 { endSpin(sq, engine: &engine) }
                threads[ti].phase = World.waitForCompletions
                return false
            }
            if n == 0 && loop.peek {  // nothing to submit: keep peeking, no syscall
                threads[ti].phase = World.spinOnCQ
                return false
            }
            // Under DEFER_TASKRUN an enter that submits runs the task work after the submission too (not with
            // IOPOLL, which polls instead).
            threads[ti].uringSubmittedInEnter = n > 0 && !spec.iopoll
            threads[ti].phase = World.consumeSQE
            ringEnters &+= 1
            return burstIfAny(t, .syscall, syscallEntry, engine: &engine)
        case World.wakeSQThread:
            wakeSQThread(ring: g, engine: &engine)
            threads[ti].phase = loop.peek ? World.waitForCompletions : World.inEnter
            return false
        case World.consumeSQE:
            if threads[ti].uringToSubmit == 0 {
                threads[ti].phase = World.afterSubmit
                return false
            }
            threads[ti].uringToSubmit -= 1
            // The batch's SQEs go in the order they were written; fio's loop wrote only this one.
            let fromEnd = loop.submitEach ? 1 : threads[ti].uringToSubmit + 1
            let r = issueRingRequest(owner: t, loop: index, writtenAt: sqeWrittenAt(ti, fromEnd: fromEnd))
            let last = loop.submitEach || threads[ti].uringToSubmit == 0
            threads[ti].phase = last ? World.handOffSQE : World.consumeSQE
            let cost = takeSQE(r, ring: g, from: t, last: last, engine: &engine)
            return burstIfAny(t, .syscall, cost, engine: &engine)
        case World.handOffSQE:
            let bell = rings[g].pluggedForDriver ? doorbellCost() : 0
            unplug(ring: g, from: t, engine: &engine)
            threads[ti].phase = loop.submitEach ? World.submittedOne : World.afterSubmit
            return burstIfAny(t, .syscall, bell, engine: &engine)
        case World.submittedOne:
            // fio's loop: io_uring_enter(1, 0, GETEVENTS) runs the task work that is due (DEFER_TASKRUN: at most
            // 20 items after the submission and 20 in io_cqring_wait), so those CQEs are posted, and returns
            // without waiting (min_complete 0).
            let limit = spec.taskRun == .deferred ? World.submittingEnterTaskWorkMax : Int.max
            threads[ti].phase = World.leftOneEnter
            let posted = postTaskWork(ring: g, atMost: limit)
            return burstIfAny(t, .syscall, posted.cost + syscallExit, engine: &engine)
        case World.leftOneEnter:
            if threads[ti].uringToSubmit > 0 {  // the next SQE, written now and submitted in its own io_uring_enter
                threads[ti].phase = World.preparedOne
                let prepare = scenario.kernel.uringPreparePerSQE.nanoseconds
                if prepare > 0 { return burstIfAny(t, .user, prepare, engine: &engine) }
                return false
            }
            // Reap what the CQ holds; wait in io_uring_enter (min_complete 1) only when it is empty.
            threads[ti].phase = rings[g].cq.isEmpty ? World.waitForCompletions : World.reap
            return false
        case World.preparedOne:
            threads[ti].uringPreparedAt = now  // the writing's end
            threads[ti].phase = World.consumeSQE
            ringEnters &+= 1
            return burstIfAny(t, .syscall, syscallEntry, engine: &engine)
        case World.afterSubmit:
            // Still inside io_uring_enter: with GETEVENTS wait there; peeking leaves the kernel first.
            if loop.peek {
                threads[ti].phase = World.spinOnCQ
                return burstIfAny(t, .syscall, syscallExit, engine: &engine)
            }
            threads[ti].phase = World.inEnter
            return false
        case World.waitForCompletions:
            if loop.peek {
                threads[ti].phase = World.spinOnCQ
                return false
            }
            threads[ti].phase = World.inEnter  // io_uring_enter(GETEVENTS, min_complete = 1)
            ringEnters &+= 1
            return burstIfAny(t, .syscall, syscallEntry, engine: &engine)
        case World.inEnter:
            let woke = threads[ti].uringWokeInWait
            if woke && !threads[ti].uringWaitPaid && uringWaitCost > 0 {
                // Woken from the wait: its cost first (`kernel.uringWait`), then this step again.
                threads[ti].uringWaitPaid = true
                return burstIfAny(t, .syscall, uringWaitCost, engine: &engine)
            }
            threads[ti].uringWaitPaid = false
            threads[ti].uringWokeInWait = false
            var limit = Int.max
            if spec.taskRun == .deferred {
                // io_cqring_wait: on entry it runs at most max(IO_LOCAL_TW_DEFAULT_MAX = 20, min_complete) items
                // (twice that when this enter submitted); woken from its sleep, only the ones still awaited
                // (min_complete less the CQEs already there).
                let entry = threads[ti].uringSubmittedInEnter ? World.submittingEnterTaskWorkMax : World.localTaskWorkMax
                limit = woke ? max(0, 1 - rings[g].cq.count) : entry
            }
            threads[ti].uringSubmittedInEnter = false
            // With SQPOLL the task work is the SQ thread's: the owner only waits for the CQEs it posts.
            let posted = spec.sqpoll ? (count: 0, cost: 0) : postTaskWork(ring: g, atMost: limit)
            if posted.count > 0 {  // the task work ran: CQEs posted, in this thread's context
                if spec.taskRun == .deferred { threads[ti].phase = World.leaveEnter }  // min_complete is met: return
                return burstIfAny(t, .syscall, posted.cost, engine: &engine)
            }

            if spec.iopoll, let r = rings[g].polled.popFirst() {
                // The poller finds a finished request and completes it itself: no interrupt, no ISR.
                threads[ti].uringReaping = r
                threads[ti].phase = World.completePolled
                let cost = deferredCost + directIOCompleteCost(r) + uringCompletePerCQE
                return burstIfAny(t, .syscall, cost, engine: &engine)
            }
            if !rings[g].cq.isEmpty {
                threads[ti].phase = World.leaveEnter
                return false
            }
            if spec.iopoll {
                setOwnerWaiting(g, true)
                startSpin(t, .polling, engine: &engine)
                return true
            }
            setOwnerWaiting(g, true)
            threads[ti].uringWokeInWait = true
            block(t, .ring, object: Int32(g), engine: &engine)
            return true
        case World.completePolled:
            let r = threads[ti].uringReaping
            threads[ti].uringReaping = -1
            requests[Int(r)].isrStart = now
            completeRequest(r, cpu: Int(threads[ti].cpu), engine: &engine)
            _ = postTaskWork(ring: g, atMost: .max)  // posted by the poller itself (its cost is in the burst before)
            threads[ti].phase = World.inEnter
            return false
        case World.leaveEnter:
            threads[ti].phase = World.reap
            return burstIfAny(t, .syscall, syscallExit, engine: &engine)
        case World.spinOnCQ:
            if !rings[g].cq.isEmpty {
                threads[ti].phase = World.reap
                return false
            }
            setOwnerWaiting(g, true)
            startSpin(t, .polling, engine: &engine)
            return true
        default:  // reap: one CQE at a time, with the program's work for it
            guard let r = rings[g].cq.popFirst() else {
                if threads[ti].uringDone >= loop.ios {
                    advance(ti)
                } else {
                    threads[ti].phase = World.refill
                }
                return false
            }
            observe(r, by: t)
            release(r)
            threads[ti].uringInFlight -= 1
            threads[ti].uringDone += 1
            let cost = scenario.kernel.uringReapPerCQE.nanoseconds + loop.compute.sample(&threads[ti].rng, distributions)
            return burstIfAny(t, .user, cost, engine: &engine)
        }
    }

    // MARK: - Kernel threads

    /// The SQPOLL thread: submit what the program put in the SQ; spin for `sqThreadIdle` after the last
    /// work; then sleep until woken with IORING_ENTER_SQ_WAKEUP.
    mutating func stepSQPoller(_ t: Int32, ring g: Int, engine: inout Engine) -> Bool {
        let ti = Int(t)
        if threads[ti].phase == 1 {  // the batch goes to the driver and the doorbell is rung
            threads[ti].phase = 0
            let bell = rings[g].pluggedForDriver ? doorbellCost() : 0
            unplug(ring: g, from: t, engine: &engine)
            threads[ti].lastWorkAt = now + bell  // its idle spin counts from the doorbell's end
            return burstIfAny(t, .syscall, bell, engine: &engine)
        }
        if threads[ti].phase == 2 {  // the task work ran: its CQEs are posted, and the owner told
            threads[ti].phase = 0
            while let r = rings[g].sqTaskWorkRunning.popFirst() { rings[g].cq.append(r) }
            threads[ti].lastWorkAt = now
            notifyOwner(ring: g, engine: &engine)
        }
        if rings[g].sqPending > 0 {
            rings[g].sqPending -= 1
            let r = issueRingRequest(owner: rings[g].owner, loop: rings[g].sqLoop, writtenAt: rings[g].sqPreparedAt.popFirst()!)
            let last = rings[g].sqPending == 0
            if last { threads[ti].phase = 1 }
            let cost = takeSQE(r, ring: g, from: t, last: last, engine: &engine)
            return burstIfAny(t, .syscall, cost, engine: &engine)
        }
        if !rings[g].taskWork.isEmpty {  // io_sq_tw: the completions' task work, a CQE each, and the owner's wake-up
            // Taken now, so that no one else (an IOPOLL owner reaping) runs the same items meanwhile.
            var cost: Int64 = ownerSleepsOnRing(g) ? deferredWake : 0
            for _ in 0..<min(rings[g].taskWork.count, World.sqTaskWorkMax) {
                let r = rings[g].taskWork.popFirst()!
                cost += taskWorkCost(r)
                rings[g].sqTaskWorkRunning.append(r)
            }
            threads[ti].phase = 2
            return burstIfAny(t, .syscall, cost, engine: &engine)
        }
        let idleUntil = threads[ti].lastWorkAt + rings[g].spec.sqThreadIdle.nanoseconds
        if now < idleUntil {
            startSpin(t, .polling, until: idleUntil, engine: &engine)
            // A thread woken onto this CPU meanwhile set need_resched: the loop's cond_resched() yields to it.
            // (Another SQPOLL thread waiting here was preempted, not woken: it waits for a slice's end.)
            let c = Int(threads[ti].cpu)
            if !cpus[c].inInterrupt && wokenThreadWaits(for: c) { preempt(cpu: c, engine: &engine) }
            return true
        }
        rings[g].sqThreadSleeping = true  // sets IORING_SQ_NEED_WAKEUP
        block(t, .sqpollIdle, object: Int32(g), engine: &engine)
        return true
    }

    /// An io-wq worker: take a punted request, do it as a blocking operation (there IS a thread: it runs
    /// for the request and, for a buffered read that misses the page cache, blocks on the device for it), post
    /// its completion, repeat; sleep when idle. An O_DIRECT request is only issued by the worker: the block
    /// layer takes the bio and the worker moves on (the kiocb is asynchronous even in io-wq), so a few
    /// workers serve a deep queue (measured: 3 to 5 iou-wrk threads at QD16) and the IO completes through
    /// the interrupt like any other.
    mutating func stepIOWorker(_ t: Int32, ring g: Int, engine: inout Engine) -> Bool {
        let ti = Int(t)
        switch threads[ti].phase {
        case 0:
            var next: Int32? = nil
            if !rings[g].hashedBusy, let h = rings[g].puntedHashed.popFirst() {
                rings[g].hashedBusy = true
                rings[g].hashedSummoned = false
                threads[ti].uringReaping = -2  // marks this worker as the one on the hashed chain
                next = h
            } else {
                next = rings[g].punted.popFirst()
            }
            guard let r = next else {
                if !rings[g].freeWorkers.contains(t) { rings[g].freeWorkers.append(t) }
                block(t, .workerIdle, object: Int32(g), engine: &engine)
                return true
            }
            rings[g].freeWorkers.removeAll { $0 == t }  // busy with work (__io_worker_busy)
            threads[ti].currentRequest = r
            attach(r)
            let ri = Int(r)
            let synchronous = requests[ri].buffered && (requests[ri].direction == .write || isCached(r))
            var cost = requestBuildCost(r)
            if synchronous {
                cost += copyNanoseconds(requests[ri].sizeBytes)
                threads[ti].phase = 2
            } else {
                cost += driverSubmit
                threads[ti].phase = requests[ri].buffered ? 1 : 5
            }
            return burstIfAny(t, .syscall, cost, engine: &engine)
        case 5:  // O_DIRECT: the worker issues the bio and moves on; it completes as any ring request does
            let r = threads[ti].currentRequest
            detach(r)
            requests[Int(r)].punted = false  // from here on the interrupt path completes it and posts its CQE
            requests[Int(r)].submitCPU = max(threads[ti].cpu, 0)
            let bell = doorbellCost()
            handToDriver(r, engine: &engine)
            release(r)  // the issuing hold the worker carried; it stays in flight
            threads[ti].currentRequest = -1
            threads[ti].phase = 0
            return burstIfAny(t, .syscall, bell, engine: &engine)
        case 1:  // blocking IO from the worker
            let r = threads[ti].currentRequest
            requests[Int(r)].waiter = t  // woken only once it has blocked (see `deliver`)
            requests[Int(r)].submitCPU = max(threads[ti].cpu, 0)
            let bell = doorbellCost()
            handToDriver(r, engine: &engine)
            threads[ti].phase = 6
            if bell > 0 {  // still running for the request (attached)
                startBurst(t, .syscall, bell, engine: &engine)
                return true
            }
            return false
        case 6:  // the worker blocks until its request is done
            threads[ti].phase = 3
            if !blockUnlessDone(t, threads[ti].currentRequest, engine: &engine) { return false }
            let hashedWaiting = !rings[g].puntedHashed.isEmpty && !rings[g].hashedBusy
            // It sleeps with work queued: io_wq_worker_sleeping may create a worker (by task work on the ring's
            // task, later; its cost is not charged here).
            if !rings[g].punted.isEmpty || hashedWaiting { _ = activateWorker(ring: g, concurrent: false, engine: &engine) }
            return true
        case 2:  // done without the device (buffered write into the page cache, or a cache hit)
            let r = threads[ti].currentRequest
            detach(r)
            completeInWorker(r, engine: &engine)
            threads[ti].phase = 3
            return false
        case 3:
            threads[ti].phase = 4
            let r = Int(threads[ti].currentRequest)
            var cost = workerPostsCQE(ring: g) ? uringCompletePerCQE : 0
            if missedPageCache(threads[ti].currentRequest) { cost += copyNanoseconds(requests[r].sizeBytes) }
            return burstIfAny(t, .syscall, cost, engine: &engine)
        default:
            let r = threads[ti].currentRequest
            threads[ti].currentRequest = -1
            threads[ti].phase = 0
            if threads[ti].uringReaping == -2 {
                threads[ti].uringReaping = -1
                rings[g].hashedBusy = false
                if !rings[g].puntedHashed.isEmpty { rings[g].hashedSummoned = true }  // this worker goes on
            }
            postCompletion(ring: g, r, cqeNow: workerPostsCQE(ring: g), engine: &engine)
            release(r)  // the worker's hold; the CQE holds its own
            return false
        }
    }

    /// Whether an io-wq worker that finished a request itself posts its CQE (io_req_complete_post, under the
    /// completion lock). With DEFER_TASKRUN the CQ is the owner's alone (lockless_cq): the worker queues task
    /// work, and the owner posts the CQE, as for any completion.
    func workerPostsCQE(ring g: Int) -> Bool { rings[g].spec.sqpoll || rings[g].spec.taskRun != .deferred }

    /// A punted request finished by its worker without the device.
    mutating func completeInWorker(_ r: Int32, engine: inout Engine) {
        let ri = Int(r)
        requests[ri].completed = now
        requests[ri].isComplete = true
        requests[ri].synchronous = true
        trace(.ioCompleted(io: requests[ri].number, cpu: nil, at: at))
        closeAttachment(r)
        recorder.recordLatency(now - requests[ri].issued)
        recorder.record(.submission, requests[ri].submitted - requests[ri].issued)
        ioCompleted &+= 1
        bytesCompleted &+= requests[ri].sizeBytes
        if requests[ri].buffered { markCached(r) }
        if recordsIO(r) { updateRecord(r) }
        if let n = scenario.stop.afterIOs, ioCompleted >= Int64(n) { stop(engine: &engine) }
        release(r)  // no longer in flight (taken when it was punted); the worker still holds it
    }

    /// Adds the request's attached time (threads blocked or running for it, and its ring owner's waits) to
    /// the census at completion.
    @inline(__always)
    mutating func closeAttachment(_ r: Int32) {
        let ri = Int(r)
        if requests[ri].attachCount > 0 { requests[ri].attachedTotal += now - requests[ri].attachSince }
        requests[ri].attachCount = 0
        let g = Int(requests[ri].ring)
        if g >= 0 { requests[ri].attachedTotal += ringAttachedClock(g) - requests[ri].ringMark }
        let inFlight = now - requests[ri].submitted
        if inFlight > 0 {
            requests[ri].attachedTotal = min(requests[ri].attachedTotal, inFlight)  // threads overlap; a union
            let share = Double(requests[ri].attachedTotal) / Double(inFlight)
            attachedShareSum += share
            attachedShareCount += 1
            attachedTotal += requests[ri].attachedTotal
            inFlightTotal += inFlight
        }
    }
}
