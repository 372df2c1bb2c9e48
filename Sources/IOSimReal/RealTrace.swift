//! What a real run can report while it runs (progress) and record for a timeline (a trace of its first IOs).
//!
//! Both are written by the job threads on their hot path, so both cost a few plain stores per IO:
//! - progress: each job thread stores its completed count into its own counter (an `Atomic<Int>` padded to a
//!   cache line of its own, relaxed store); the runner's thread reads them while it waits for the job.
//! - trace: the first `RealTraceOptions.ios` IOs (issued in the window) take a ticket from one shared atomic
//!   counter and store their submit and completion instants (CLOCK_MONOTONIC), offset and lane into arrays
//!   allocated before the run; once the tickets are gone a job thread stops asking (a local flag), so later
//!   IOs pay one branch. The arrays are read after the job threads were joined.

import Glibc
import IOSimCore
import Synchronization

/// Progress of a real run, as the runner reports it to its observer.
public struct RealProgress: Sendable, Hashable {
    /// IOs completed so far (all job threads).
    public var completedIOs: Int
    /// Nanoseconds since the run started (CLOCK_MONOTONIC).
    public var elapsedNanoseconds: Int64
    /// IOs the run will complete (an `.ioCount` job), or nil (a `.duration` job).
    public var totalIOs: Int?
    /// The run's length (a `.duration` job), or nil.
    public var durationNanoseconds: Int64?
    /// Whether this is the last report (the job threads have finished).
    public var isFinal: Bool

    public init(completedIOs: Int, elapsedNanoseconds: Int64, totalIOs: Int?, durationNanoseconds: Int64?, isFinal: Bool) {
        self.completedIOs = completedIOs
        self.elapsedNanoseconds = elapsedNanoseconds
        self.totalIOs = totalIOs
        self.durationNanoseconds = durationNanoseconds
        self.isFinal = isFinal
    }

    /// The share of the run done, from 0 to 1: IOs over the total, or time over the duration.
    public var fraction: Double {
        if isFinal { return 1 }
        if let t = totalIOs, t > 0 { return min(1, Double(completedIOs) / Double(t)) }
        if let d = durationNanoseconds, d > 0 { return min(1, Double(elapsedNanoseconds) / Double(d)) }
        return 0
    }
}

/// What to record for a trace of a real run.
public struct RealTraceOptions: Sendable, Hashable {
    /// IOs recorded when nothing is said.
    public static let defaultIOs = 10_000
    /// The most IOs one trace records (the arrays take 32 bytes per IO, allocated before the run).
    public static let maxIOs = 1_000_000

    /// The first this many IOs issued in the window are recorded (1...`maxIOs`).
    public var ios: Int
    /// Only IOs issued at or after this many nanoseconds after the run's start are recorded.
    public var fromNanoseconds: Int64
    /// Only IOs issued before this many nanoseconds after the run's start are recorded (`Int64.max`: no end).
    public var toNanoseconds: Int64

    public init(ios: Int = RealTraceOptions.defaultIOs, fromNanoseconds: Int64 = 0, toNanoseconds: Int64 = .max) {
        self.ios = ios
        self.fromNanoseconds = fromNanoseconds
        self.toNanoseconds = toNanoseconds
    }
}

/// The recorded timeline of a real run. Instants are nanoseconds after the run's start (CLOCK_MONOTONIC).
public struct RealTrace: Sendable {
    /// One recorded IO.
    public struct IO: Sendable, Hashable {
        /// The job thread that issued it (0-based).
        public var thread: Int
        /// Its in-flight slot on that thread (0..<queue depth; 0 for blocking calls): a slot holds one IO at
        /// a time, so the IOs of one slot never overlap.
        public var slot: Int
        /// Just before it was handed to the kernel (or to the pool's queue).
        public var submitNanoseconds: Int64
        /// When the job thread saw its completion; -1 if it never did (the run failed).
        public var completeNanoseconds: Int64
        /// Its file offset in bytes.
        public var offset: Int64
    }

    /// One sample of the thread census.
    public struct CensusSample: Sendable, Hashable {
        /// When it was taken (may be slightly before 0: the census starts before the run).
        public var atNanoseconds: Int64
        /// Threads of the process (the census thread excluded).
        public var threads: Int
        /// `iou-wrk-*` threads of the job threads.
        public var ioWorkers: Int
        /// `iou-sqp-*` threads of the job threads.
        public var sqPollThreads: Int
    }

    /// What was asked.
    public var options: RealTraceOptions
    /// The recorded IOs in the order they took their ticket (about issue order).
    public var ios: [IO]
    /// When the IO budget ran out: the issue instant of the first IO not recorded for lack of room (nil: every
    /// IO issued in the window was recorded). Before it, the recorded IOs are all the IOs issued in the window.
    public var budgetExhaustedAtNanoseconds: Int64?
    /// The run's length.
    public var runNanoseconds: Int64
    /// Job threads.
    public var threads: Int
    /// In-flight slots per job thread.
    public var slotsPerThread: Int
    /// Kernel thread ids of the job threads, by index.
    public var jobThreadIDs: [String]
    /// This process's id.
    public var processID: Int32
    /// Census samples over the run, in order (at most `maxCensusSamples`; empty without the census).
    public var census: [CensusSample]

    /// Most census samples kept (at 10 ms a sample, the first 1,000 s).
    public static let maxCensusSamples = 100_000
}

// MARK: Recording (internal)

/// One job thread's completed-IO count, alone on its cache line.
final class ProgressCounter: Sendable {
    let completed = Atomic<Int>(0)
    // 7 words after the counter: the next counter of another thread never shares its 64-byte line.
    private let padding: (Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0)
}

/// The preallocated arrays the job threads record the first IOs into.
///
/// Access discipline: entry k is written only by the thread that took ticket k (from `next`), and read only
/// after every job thread was joined; `from` and `to` are written by the runner before the "go" barrier and
/// only read after it.
final class IOTraceBuffer: @unchecked Sendable {
    let capacity: Int
    let lanes: UnsafeMutablePointer<Int32>
    let submits: UnsafeMutablePointer<Int64>
    let completes: UnsafeMutablePointer<Int64>
    let offsets: UnsafeMutablePointer<Int64>
    let next = Atomic<Int>(0)
    /// CLOCK_MONOTONIC instant of the first IO refused for lack of room (Int64.max: none).
    let exhaustedAt = Atomic<Int64>(.max)
    /// Absolute CLOCK_MONOTONIC window (set between the barrier waits).
    var from: Int64 = .min
    var to: Int64 = .max
    static let slotsPerLane = 4096

    init(capacity: Int) {
        self.capacity = capacity
        lanes = .allocate(capacity: capacity)
        submits = .allocate(capacity: capacity)
        completes = .allocate(capacity: capacity)
        offsets = .allocate(capacity: capacity)
        // Touch every page now rather than on the hot path.
        lanes.initialize(repeating: 0, count: capacity)
        submits.initialize(repeating: 0, count: capacity)
        completes.initialize(repeating: -1, count: capacity)
        offsets.initialize(repeating: 0, count: capacity)
    }

    deinit {
        lanes.deallocate()
        submits.deallocate()
        completes.deallocate()
        offsets.deallocate()
    }

    /// The recorded IOs, instants made relative to `start` (call after the job threads were joined).
    func ios(start: Int64) -> [RealTrace.IO] {
        let n = min(capacity, next.load(ordering: .acquiring))
        var out: [RealTrace.IO] = []
        out.reserveCapacity(n)
        for k in 0..<n {
            let lane = Int(lanes[k])
            let c = completes[k]
            out.append(
                RealTrace.IO(
                    thread: lane / Self.slotsPerLane, slot: lane % Self.slotsPerLane, submitNanoseconds: submits[k] - start,
                    completeNanoseconds: c < 0 ? -1 : c - start, offset: offsets[k]))
        }
        return out
    }
}

/// A job thread's handle on the trace buffer: which ticket each of its slots holds.
struct TraceTap {
    private let buffer: IOTraceBuffer?
    private var active: Bool
    private let laneBase: Int
    private var tickets: [Int]

    init(plan: JobPlan, thread index: Int, slots: Int) {
        buffer = plan.trace
        active = plan.trace != nil
        laneBase = index * IOTraceBuffer.slotsPerLane
        tickets = [Int](repeating: -1, count: max(1, slots))
    }

    /// The IO in `slot` was issued at `t` (CLOCK_MONOTONIC) to `offset`.
    @inline(__always)
    mutating func issued(slot: Int, at t: Int64, offset: Int64) {
        if active { take(slot: slot, at: t, offset: offset) }
    }

    @inline(never)
    private mutating func take(slot: Int, at t: Int64, offset: Int64) {
        guard let b = buffer else { return }
        if t < b.from { return }
        if t >= b.to {
            active = false
            return
        }
        let k = b.next.wrappingAdd(1, ordering: .relaxed).oldValue
        if k >= b.capacity {
            active = false
            b.exhaustedAt.min(t, ordering: .relaxed)
            return
        }
        b.lanes[k] = Int32(laneBase + slot)
        b.submits[k] = t
        b.offsets[k] = offset
        tickets[slot] = k
    }

    /// The IO in `slot` was seen completed at `t`.
    @inline(__always)
    mutating func completed(slot: Int, at t: Int64) {
        let k = tickets[slot]
        if k >= 0 {
            buffer.unsafelyUnwrapped.completes[k] = t
            tickets[slot] = -1
        }
    }
}

/// Lets the runner wait for the job threads with a timeout (pthread_cond_timedwait on CLOCK_MONOTONIC).
final class FinishLatch: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var remaining: Int  // guarded by `mutex`

    init(count: Int) {
        remaining = count
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// One thread is done.
    func arrive() {
        pthread_mutex_lock(mutex)
        remaining -= 1
        let last = remaining == 0
        pthread_mutex_unlock(mutex)
        if last { pthread_cond_broadcast(condition) }
    }

    /// Waits until every thread arrived or the CLOCK_MONOTONIC instant `deadline` passed; true if all arrived.
    func wait(until deadline: Int64) -> Bool {
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while remaining > 0 {
            if pthread_cond_timedwait(condition, mutex, &ts) == ETIMEDOUT { return remaining == 0 }
        }
        return true
    }
}
