//! The three ways a job thread issues IO: blocking calls, a thread pool, io_uring.
//!
//! Every engine follows the same protocol with the runner: set up (ring, buffers, registrations), wait at
//! the barrier ("ready"), wait again ("go": the runner took its before-snapshots in between), run the IO
//! loop, and return a `ThreadOutcome`. A setup failure is recorded and the thread still meets both barrier
//! waits, so the runner never deadlocks; it then aborts the run.
//!
//! Latency of an IO is CLOCK_MONOTONIC from just before it is handed to the kernel (or to the pool's queue)
//! to the moment the job thread sees its completion.

import Glibc
import IOSimCore
import IOSimURing
import Synchronization

/// Read-only state shared by the job threads (the deadline is written before the "go" barrier).
final class JobPlan: @unchecked Sendable {
    let job: RealJob
    let descriptor: FileDescriptor
    let path: String
    let blockCount: Int64
    let busyWork: BusyWork
    let barrier: Barrier
    let abort = Atomic<Bool>(false)

    /// Binds the calling job thread to the job's CPUs, if it names any.
    func pinJobThread() throws(RealError) {
        guard let cpus = job.cpus, let e = Affinity.pin(to: cpus) else { return }
        throw .cpusRefused(e, cpus: cpus, allowed: Affinity.allowedCPUs())
    }
    /// CLOCK_MONOTONIC deadline of a `.duration` job; written by the runner between the two barrier waits.
    var deadlineNanoseconds: Int64 = .max
    /// The device holding the file, for messages.
    let deviceNote: String?
    /// Each job thread's completed-IO count, for progress reports.
    let progress: [ProgressCounter]
    /// Where the first IOs are recorded, when a trace was asked for.
    let trace: IOTraceBuffer?

    init(
        job: RealJob, descriptor: FileDescriptor, path: String, blockCount: Int64, busyWork: BusyWork, deviceNote: String?,
        trace: IOTraceBuffer? = nil
    ) {
        self.job = job
        self.descriptor = descriptor
        self.path = path
        self.blockCount = blockCount
        self.busyWork = busyWork
        self.barrier = Barrier(count: job.threads + 1)
        self.deviceNote = deviceNote
        self.progress = (0..<job.threads).map { _ in ProgressCounter() }
        self.trace = trace
    }

    /// IOs thread `index` must complete for an `.ioCount` job; nil for a `.duration` job.
    func quota(thread index: Int) -> Int? {
        guard case .ioCount(let n) = job.stop else { return nil }
        return n / job.threads + (index < n % job.threads ? 1 : 0)
    }

    /// Meets both barrier waits; returns false when the run was aborted (a thread's setup failed).
    func waitForGo() -> Bool {
        barrier.wait()
        barrier.wait()
        return !abort.load(ordering: .acquiring)
    }

    /// Maps a completed IO's result (after fault injection) to an error, or nil when it moved a full block.
    @inline(__always)
    func check(result: Int, offset: Int64) -> RealError? {
        let expected = job.blockBytes
        if result == expected { return nil }
        return checkSlow(result: result, offset: offset)
    }

    @inline(never)
    private func checkSlow(result: Int, offset: Int64) -> RealError? {
        let expected = job.blockBytes
        if result >= 0 {
            return job.direction == .read
                ? .shortRead(path: path, offset: offset, expected: expected, got: result)
                : .shortWrite(path: path, offset: offset, expected: expected, got: result)
        }
        let e = Errno(rawValue: CInt(-result))
        if case .ioUring(let o) = job.engine, o.ioPolling, e == .notSupported {
            return .ioPollUnsupported(e, device: deviceNote)
        }
        if e == .noSpace || e == .diskQuotaExceeded { return .noSpace(path: path, e) }
        return .ioFailed(
            operation: job.direction == .read ? "read" : "write", path: path, offset: offset, e,
            direct: job.caching == .direct)
    }

    /// The result the job sees for its `completionIndex`-th completion: the real one, or the injected one.
    @inline(__always)
    func injected(_ result: Int, completionIndex: Int) -> Int {
        guard let i = job.faults.completionIndex, i == completionIndex else { return result }
        return Int(job.faults.completionResult)
    }
}

/// What one job thread did.
struct ThreadOutcome {
    var ios = 0
    var bytes: Int64 = 0
    var latency = Histogram()
    var error: RealError? = nil
    var cpu = ResourceUsage(userNanoseconds: 0, systemNanoseconds: 0, voluntarySwitches: 0, involuntarySwitches: 0)
    /// io_uring_enter calls of the thread's ring during the measured run (0 for the other engines).
    var ringEnters = 0
    /// io_uring engine: the time between one reap of completions and the next.
    var completionGaps = Histogram()
    /// io_uring engine: those gaps of `CompletionStalls.shortestThresholdNanoseconds` or more, in order (the first
    /// `CompletionStalls.longGapsKept`).
    var longCompletionGaps: [CompletionGap] = []
    /// The CPUs the job thread may run on, read at its end (its pinning, or the process's).
    var cpusAllowed: [Int] = []
    /// With SQPOLL: the CPUs each iou-sqp thread of the process may run on, read at the end of the run.
    var sqThreadCPUsAllowed: [[Int]] = []
}

/// A job thread's result, written by that thread and read by the runner after join.
final class OutcomeBox: @unchecked Sendable {
    var outcome = ThreadOutcome()
    /// The job thread's kernel TID, set before the "ready" barrier.
    var threadID = ""
}

/// Offsets of one job thread.
struct OffsetStream {
    private var generator: SeededGenerator
    private let pattern: RealJob.Pattern
    private let blockCount: Int64
    private let blockBytes: Int64
    private var nextBlock: Int64

    init(plan: JobPlan, thread index: Int) {
        generator = SeededGenerator(seed: plan.job.seed, streamName: "thread:\(index)")
        pattern = plan.job.pattern
        blockCount = plan.blockCount
        blockBytes = Int64(plan.job.blockBytes)
        nextBlock = plan.blockCount * Int64(index) / Int64(plan.job.threads)
    }

    @inline(__always)
    mutating func next() -> Int64 {
        switch pattern {
        case .random:
            return Int64(generator.nextInt(below: UInt64(blockCount))) * blockBytes
        case .sequential:
            let b = nextBlock
            nextBlock = nextBlock + 1 == blockCount ? 0 : nextBlock + 1
            return b * blockBytes
        }
    }
}

/// IO buffers of one job thread: `slots` page-aligned blocks; random bytes when writing.
func makeSlotBuffers(plan: JobPlan, slots: Int) throws(RealError) -> AlignedBuffer {
    let buffer: AlignedBuffer
    do {
        buffer = try AlignedBuffer(byteCount: slots * plan.job.blockBytes)
    } catch {
        throw .systemCall("posix_memalign", error)
    }
    if plan.job.direction == .write {
        var g = SeededGenerator(seed: plan.job.seed, streamName: "write-data")
        for i in stride(from: 0, to: buffer.byteCount - 7, by: 8) {
            buffer.bytes.storeBytes(of: g.next(), toByteOffset: i, as: UInt64.self)
        }
    }
    return buffer
}

// MARK: Blocking pread/pwrite

func runBlocking(plan: JobPlan, thread index: Int) -> ThreadOutcome {
    var out = ThreadOutcome()
    let job = plan.job
    let buffer: AlignedBuffer
    do {
        try plan.pinJobThread()
        buffer = try makeSlotBuffers(plan: plan, slots: 1)
    } catch {
        out.error = error
        _ = plan.waitForGo()
        return out
    }
    guard plan.waitForGo() else { return out }
    let cpuBefore = ResourceUsage.thread()
    var offsets = OffsetStream(plan: plan, thread: index)
    let quota = plan.quota(thread: index)
    let deadline = plan.deadlineNanoseconds
    let bytes = buffer.bytes
    let fd = plan.descriptor
    let progress = plan.progress[index]
    var tap = TraceTap(plan: plan, thread: index, slots: 1)
    var now = monotonicNanoseconds()
    while quota.map({ out.ios < $0 }) ?? (now < deadline) {
        let offset = offsets.next()
        let start = monotonicNanoseconds()
        tap.issued(slot: 0, at: start, offset: offset)
        var result: Int
        do throws(Errno) {
            result = job.direction == .read
                ? try fd.read(fromAbsoluteOffset: offset, into: bytes)
                : try fd.write(toAbsoluteOffset: offset, from: UnsafeRawBufferPointer(bytes))
        } catch {
            result = -Int(error.rawValue)
        }
        now = monotonicNanoseconds()
        tap.completed(slot: 0, at: now)
        result = plan.injected(result, completionIndex: out.ios)
        if let e = plan.check(result: result, offset: offset) {
            out.error = e
            break
        }
        out.latency.record(now - start)
        out.ios += 1
        progress.completed.store(out.ios, ordering: .relaxed)
        out.bytes += Int64(result)
        if job.computePerIO.nanoseconds > 0 {
            plan.busyWork.spin(for: job.computePerIO)
            now = monotonicNanoseconds()
        }
    }
    out.cpu = ResourceUsage.thread() - cpuBefore
    return out
}

// MARK: Thread pool

/// The pool's queues: requests for the workers, completions for the job thread; one mutex, two conditions.
final class PoolQueues: @unchecked Sendable {
    struct Request { var slot: Int; var offset: Int64 }
    struct Completion { var slot: Int; var result: Int }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let workAvailable = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let completionAvailable = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var requests: [Request] = []
    private var requestHead = 0
    private var completions: [Completion] = []
    private var shutdown = false

    init(capacity: Int) {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(workAvailable, nil)
        pthread_cond_init(completionAvailable, nil)
        requests.reserveCapacity(capacity)
        completions.reserveCapacity(capacity)
    }

    deinit {
        pthread_cond_destroy(workAvailable)
        pthread_cond_destroy(completionAvailable)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        workAvailable.deallocate()
        completionAvailable.deallocate()
    }

    /// Queues requests and wakes one worker per request.
    func enqueue(_ new: [Request]) {
        guard !new.isEmpty else { return }
        pthread_mutex_lock(mutex)
        requests.append(contentsOf: new)
        pthread_mutex_unlock(mutex)
        if new.count == 1 { pthread_cond_signal(workAvailable) } else { pthread_cond_broadcast(workAvailable) }
    }

    /// A worker takes the next request; nil after `close()` once the queue is empty.
    func takeRequest() -> Request? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while requestHead == requests.count && !shutdown { pthread_cond_wait(workAvailable, mutex) }
        guard requestHead < requests.count else { return nil }
        let r = requests[requestHead]
        requestHead += 1
        if requestHead == requests.count {
            requests.removeAll(keepingCapacity: true)
            requestHead = 0
        }
        return r
    }

    /// A worker reports a finished request.
    func complete(_ c: Completion) {
        pthread_mutex_lock(mutex)
        completions.append(c)
        pthread_mutex_unlock(mutex)
        pthread_cond_signal(completionAvailable)
    }

    /// The job thread takes every completion, blocking until there is one.
    func takeCompletions(into out: inout [Completion]) {
        pthread_mutex_lock(mutex)
        while completions.isEmpty { pthread_cond_wait(completionAvailable, mutex) }
        swap(&out, &completions)
        pthread_mutex_unlock(mutex)
    }

    /// Lets the workers return once the queue is drained.
    func close() {
        pthread_mutex_lock(mutex)
        shutdown = true
        pthread_mutex_unlock(mutex)
        pthread_cond_broadcast(workAvailable)
    }
}

func runThreadPool(plan: JobPlan, thread index: Int, workers: Int) -> ThreadOutcome {
    var out = ThreadOutcome()
    let job = plan.job
    let depth = job.queueDepth
    let buffer: AlignedBuffer
    do {
        try plan.pinJobThread()
        buffer = try makeSlotBuffers(plan: plan, slots: depth)
    } catch {
        out.error = error
        _ = plan.waitForGo()
        return out
    }
    let queues = PoolQueues(capacity: depth)
    let fd = plan.descriptor
    let blockBytes = job.blockBytes
    let reading = job.direction == .read
    var pool: [JoinableThread] = []
    for w in 0..<workers {
        pool.append(JoinableThread(name: "iosim-pool-\(index)-\(w)") {
            while let r = queues.takeRequest() {
                let slice = UnsafeMutableRawBufferPointer(start: buffer.baseAddress + r.slot * blockBytes, count: blockBytes)
                var result: Int
                do throws(Errno) {
                    result = reading
                        ? try fd.read(fromAbsoluteOffset: r.offset, into: slice)
                        : try fd.write(toAbsoluteOffset: r.offset, from: UnsafeRawBufferPointer(slice))
                } catch {
                    result = -Int(error.rawValue)
                }
                queues.complete(.init(slot: r.slot, result: result))
            }
        })
    }
    defer {
        queues.close()
        for t in pool { t.join() }
    }
    guard plan.waitForGo() else { return out }
    let cpuBefore = ResourceUsage.thread()
    var offsets = OffsetStream(plan: plan, thread: index)
    let quota = plan.quota(thread: index)
    let deadline = plan.deadlineNanoseconds
    var starts = [Int64](repeating: 0, count: depth)
    var slotOffsets = [Int64](repeating: 0, count: depth)
    var issued = 0, inflight = 0, completedCount = 0
    var batch: [PoolQueues.Request] = []
    var done: [PoolQueues.Completion] = []
    batch.reserveCapacity(depth)
    done.reserveCapacity(depth)
    let progress = plan.progress[index]
    var tap = TraceTap(plan: plan, thread: index, slots: depth)

    func canIssue(_ now: Int64) -> Bool { out.error == nil && (quota.map { issued < $0 } ?? (now < deadline)) }
    func issue(_ slot: Int) {
        let offset = offsets.next()
        slotOffsets[slot] = offset
        starts[slot] = monotonicNanoseconds()
        tap.issued(slot: slot, at: starts[slot], offset: offset)
        batch.append(.init(slot: slot, offset: offset))
        issued += 1
        inflight += 1
    }

    var now = monotonicNanoseconds()
    for slot in 0..<depth where canIssue(now) { issue(slot) }
    queues.enqueue(batch)
    batch.removeAll(keepingCapacity: true)
    while inflight > 0 {
        done.removeAll(keepingCapacity: true)
        queues.takeCompletions(into: &done)
        now = monotonicNanoseconds()
        for c in done {
            inflight -= 1
            tap.completed(slot: c.slot, at: now)
            let result = plan.injected(c.result, completionIndex: completedCount)
            completedCount += 1
            if out.error != nil { continue }  // draining after a failure
            if let e = plan.check(result: result, offset: slotOffsets[c.slot]) {
                out.error = e
                continue
            }
            out.latency.record(now - starts[c.slot])
            out.ios += 1
            progress.completed.store(out.ios, ordering: .relaxed)
            out.bytes += Int64(result)
            if job.computePerIO.nanoseconds > 0 {
                plan.busyWork.spin(for: job.computePerIO)
                now = monotonicNanoseconds()
            }
            if canIssue(now) { issue(c.slot) }
        }
        queues.enqueue(batch)
        batch.removeAll(keepingCapacity: true)
    }
    out.cpu = ResourceUsage.thread() - cpuBefore
    return out
}

// MARK: io_uring

func runURing(plan: JobPlan, thread index: Int, options: RealJob.URingOptions) -> ThreadOutcome {
    var out = ThreadOutcome()
    let job = plan.job
    let depth = job.queueDepth
    let ring: URing
    let buffer: AlignedBuffer
    var target = URing.FileTarget.descriptor(plan.descriptor)
    do throws(RealError) {
        try plan.pinJobThread()  // before the ring: its SQPOLL thread and io-wq workers start from here
        (ring, buffer) = try setUpRing(plan: plan, options: options)
        if options.registeredFiles {
            do {
                try ring.registerFiles([plan.descriptor])
            } catch {
                throw .systemCall("io_uring_register(FILES)", error)
            }
            target = .registered(index: 0)
        }
    } catch {
        out.error = error
        _ = plan.waitForGo()
        return out
    }
    guard plan.waitForGo() else { return out }

    let cpuBefore = ResourceUsage.thread()
    let entersBefore = ring.enterCalls
    var offsets = OffsetStream(plan: plan, thread: index)
    let quota = plan.quota(thread: index)
    let deadline = plan.deadlineNanoseconds
    let blockBytes = job.blockBytes
    let count = UInt32(blockBytes)
    let base = buffer.baseAddress
    let reading = job.direction == .read
    let fixed = options.registeredBuffers
    let sqeFlags: URing.SQEFlags = options.asyncFlag ? .async : []
    let sqPolling = ring.setupFlags.contains(.submissionQueuePolling)
    let compute = job.computePerIO
    var starts = [Int64](repeating: 0, count: depth)
    var slotOffsets = [Int64](repeating: 0, count: depth)
    var issued = 0, inflight = 0, completedCount = 0
    let progress = plan.progress[index]
    var tap = TraceTap(plan: plan, thread: index, slots: depth)

    func canIssue(_ now: Int64) -> Bool { out.error == nil && (quota.map { issued < $0 } ?? (now < deadline)) }
    func issue(_ slot: Int) {
        let offset = offsets.next()
        slotOffsets[slot] = offset
        let address = base + slot * blockBytes
        starts[slot] = monotonicNanoseconds()
        tap.issued(slot: slot, at: starts[slot], offset: offset)
        var queued = prepare(address: address, offset: offset, slot: slot)
        if !queued && sqPolling {
            // The SQPOLL thread commits the SQ head after the batch it submitted, and a request of that batch
            // can complete (and be reaped here) first: with a ring of queue-depth entries the SQ is then full
            // for a moment. Wait for the poller to commit it.
            while ring.submissionQueueSpaceLeft == 0 { sched_yield() }
            queued = prepare(address: address, offset: offset, slot: slot)
        }
        precondition(queued, "SQ full with \(inflight) IOs in flight and \(ring.submissionQueueEntries) entries")
        issued += 1
        inflight += 1
    }
    func prepare(address: UnsafeMutableRawPointer, offset: Int64, slot: Int) -> Bool {
        let queued: Bool
        switch (reading, fixed) {
        case (true, false):
            queued = ring.prepareRead(target, into: address, count: count, offset: UInt64(offset), userData: UInt64(slot), flags: sqeFlags)
        case (true, true):
            queued = ring.prepareReadFixed(target, into: address, count: count, offset: UInt64(offset), bufferIndex: 0,
                                           userData: UInt64(slot), flags: sqeFlags)
        case (false, false):
            queued = ring.prepareWrite(target, from: address, count: count, offset: UInt64(offset), userData: UInt64(slot), flags: sqeFlags)
        case (false, true):
            queued = ring.prepareWriteFixed(target, from: address, count: count, offset: UInt64(offset), bufferIndex: 0,
                                            userData: UInt64(slot), flags: sqeFlags)
        }
        return queued
    }

    var now = monotonicNanoseconds()
    var lastReapAt: Int64 = -1
    let submitEach = options.waitMode == .submitEach
    var freed: [Int] = []  // fio's loop: the slots this round's CQEs freed, refilled once every CQE is reaped
    freed.reserveCapacity(depth)
    do throws(Errno) {
        for slot in 0..<depth where canIssue(now) {
            issue(slot)
            if submitEach { try ring.submit(waitFor: 0, getEvents: true) }
        }
        while inflight > 0 {
            switch options.waitMode {
            case .waitForOne:
                // One syscall: submit what was prepared and sleep until at least one completion.
                try ring.submit(waitFor: 1)
            case .peekAndSpin:
                if ring.pendingSubmissionCount > 0 { try ring.submit(waitFor: 0) }
                while ring.completionsReady == 0 {
                    if ring.completionsNeedEnter { try ring.submit(waitFor: 0) }
                }
            case .submitEach:
                // Each SQE went to the kernel on its own when it was prepared (below, or at the start).
                if ring.completionsReady == 0 { try ring.submit(waitFor: 1) }
            }
            now = monotonicNanoseconds()
            var firstOfReap = true
            ring.reapCompletions { c in
                if firstOfReap {
                    firstOfReap = false
                    if lastReapAt >= 0 {
                        let gap = now - lastReapAt
                        out.completionGaps.record(gap)
                        if gap >= CompletionStalls.shortestThresholdNanoseconds && out.longCompletionGaps.count < CompletionStalls.longGapsKept {
                            out.longCompletionGaps.append(CompletionGap(startNanoseconds: lastReapAt, nanoseconds: gap))
                        }
                    }
                    lastReapAt = now
                }
                let slot = Int(truncatingIfNeeded: c.userData)
                inflight -= 1
                tap.completed(slot: slot, at: now)
                let result = plan.injected(Int(c.result), completionIndex: completedCount)
                completedCount += 1
                if out.error != nil { return }  // draining after a failure
                if let e = plan.check(result: result, offset: slotOffsets[slot]) {
                    out.error = e
                    return
                }
                out.latency.record(now - starts[slot])
                out.ios += 1
                progress.completed.store(out.ios, ordering: .relaxed)
                out.bytes += Int64(result)
                if compute.nanoseconds > 0 {
                    plan.busyWork.spin(for: compute)
                    now = monotonicNanoseconds()
                }
                if submitEach {
                    freed.append(slot)
                } else if canIssue(now) {
                    issue(slot)
                }
            }
            // fio's loop: every CQE of the round reaped (and its compute done) first, then each replacement in its
            // own io_uring_enter(1, 0, GETEVENTS), which also posts the completions that are due.
            for slot in freed where canIssue(now) {
                issue(slot)
                try ring.submit(waitFor: 0, getEvents: true)
            }
            freed.removeAll(keepingCapacity: true)
        }
    } catch {
        out.error = .systemCall("io_uring_enter", error)
        // IOs may still be in flight into `buffer`: keep it alive rather than let the kernel write into
        // freed memory (a leak on a path that ends the run anyway).
        if inflight > 0 { _ = Unmanaged.passRetained(buffer) }
    }
    out.cpu = ResourceUsage.thread() - cpuBefore
    out.ringEnters = ring.enterCalls - entersBefore
    // The kernel names the poller after the task that set the ring up: iou-sqp-<this thread's TID>.
    if options.submissionQueuePolling {
        out.sqThreadCPUsAllowed = Affinity.cpusAllowed(ofThreadsNamed: "iou-sqp-\(currentThreadID())")
    }
    withExtendedLifetime(ring) {}
    return out
}

/// Creates the ring and buffers of one job thread, mapping failures to actionable errors.
private func setUpRing(plan: JobPlan, options: RealJob.URingOptions) throws(RealError) -> (URing, AlignedBuffer) {
    let job = plan.job
    let flags = options.setupFlags
    var entries: UInt32 = 1
    while entries < UInt32(job.queueDepth) { entries <<= 1 }
    let ring: URing
    do throws(Errno) {
        if let e = job.faults.ioUringSetupErrno { throw e }
        ring = try URing(
            entries: entries, flags: flags, sqThreadIdleMilliseconds: options.sqThreadIdleMilliseconds,
            sqThreadCPU: options.submissionQueuePolling ? options.sqThreadCPU : nil)
    } catch {
        switch error {
        case .noFunction, .notPermitted, .permissionDenied:
            throw .ioUringUnavailable(error, sysctl: job.faults.ioUringDisabledSysctl ?? readSmallFile("/proc/sys/kernel/io_uring_disabled"))
        case .invalidArgument:
            throw .setupRefused(error, flags: flags)
        case .noMemory:
            throw .memoryLockLimit(error, neededBytes: 0, limit: memoryLockLimitDescription())
        default:
            throw .systemCall("io_uring_setup", error)
        }
    }
    let buffer = try makeSlotBuffers(plan: plan, slots: job.queueDepth)
    if options.registeredBuffers {
        do throws(Errno) {
            if let e = job.faults.registerBuffersErrno { throw e }
            // One iovec over all slots: READ_FIXED then names buffer 0 with an address inside it.
            try ring.registerBuffers([buffer.bytes])
        } catch {
            if error == .noMemory || error == .notPermitted {
                throw .memoryLockLimit(error, neededBytes: buffer.byteCount, limit: memoryLockLimitDescription())
            }
            throw .systemCall("io_uring_register(BUFFERS)", error)
        }
    }
    return (ring, buffer)
}

/// "8388608 bytes (ulimit -l 8192)" or "unlimited".
func memoryLockLimitDescription() -> String {
    var limit = rlimit()
    getrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &limit)
    if limit.rlim_cur == rlim_t.max { return "unlimited" }  // RLIM_INFINITY
    return "\(limit.rlim_cur) bytes (ulimit -l \(limit.rlim_cur / 1024))"
}
