//! `RealJob`: what the real-IO backend runs on this machine, the counterpart of a scenario's workload.
//!
//! A job is one file, read or written in blocks by one or more job threads through one engine: blocking
//! `pread`/`pwrite`, a thread pool doing blocking calls, or io_uring with its setup options. Everything has
//! a default so a test can name only what it cares about.

import IOSimCore
import IOSimURing

/// A workload to run for real.
public struct RealJob: Sendable, Hashable {
    /// How IO is issued.
    public enum Engine: Sendable, Hashable {
        /// Blocking `pread`/`pwrite` on each job thread, one IO at a time (`queueDepth` is ignored).
        case blocking
        /// Each job thread keeps `queueDepth` IOs outstanding in a queue served by `workers` threads that
        /// each make blocking `pread`/`pwrite` calls (the libuv/tokio "blocking pool" shape).
        case threadPool(workers: Int)
        /// io_uring, `queueDepth` IOs in flight per job thread, one ring per job thread.
        case ioUring(URingOptions)

        /// Short name for reports: "blocking", "pool", "uring".
        public var name: String {
            switch self {
            case .blocking: return "blocking"
            case .threadPool: return "pool"
            case .ioUring: return "uring"
            }
        }
    }

    /// io_uring knobs, each mapped to one kernel flag.
    public struct URingOptions: Sendable, Hashable {
        /// How a job thread learns of completions.
        public enum WaitMode: String, Sendable, Hashable {
            /// io_uring_enter(GETEVENTS, min_complete 1) submits and sleeps until a completion: one syscall
            /// per batch, an interrupt-driven wake-up (fio's default).
            case waitForOne
            /// Reap the CQ without a syscall and spin; enter only when the kernel says work is pending
            /// (IORING_SQ_TASKRUN, DEFER_TASKRUN, IOPOLL). Burns the thread's CPU, saves the sleep/wake.
            case peekAndSpin
            /// fio's loop (iodepth_batch_submit=1): reap what the CQ holds without a syscall, then submit each
            /// replacement in its own io_uring_enter(to_submit 1, GETEVENTS, min_complete 0), which also posts
            /// completions that are due; sleep in io_uring_enter (min_complete 1) only when the CQ is empty.
            case submitEach
        }

        /// IORING_SETUP_SQPOLL: a kernel thread (`iou-sqp-*`) submits. Disables the three task-run flags
        /// below (the kernel refuses them with SQPOLL).
        public var submissionQueuePolling = false
        /// SQPOLL idle time before the poller sleeps (`sq_thread_idle`).
        public var sqThreadIdleMilliseconds: UInt32 = 1000
        /// IORING_SETUP_IOPOLL: poll the device for completions (needs O_DIRECT and poll queues).
        public var ioPolling = false
        /// IOSQE_ASYNC on every SQE: force the io-wq worker path (`iou-wrk-*` threads).
        public var asyncFlag = false
        /// READ_FIXED/WRITE_FIXED on buffers registered once (IORING_REGISTER_BUFFERS).
        public var registeredBuffers = false
        /// IOSQE_FIXED_FILE on a file registered once (IORING_REGISTER_FILES).
        public var registeredFiles = false
        /// DEFER_TASKRUN + SINGLE_ISSUER + COOP_TASKRUN, as fio 3.33 sets up its rings (default on).
        public var deferTaskRun = true
        /// How completions are waited for.
        public var waitMode: WaitMode = .waitForOne
        /// With SQPOLL: the CPU the poller is bound to (IORING_SETUP_SQ_AFF, `sq_thread_cpu`); nil: it keeps the
        /// CPUs of the job thread that set the ring up (`cpus`).
        public var sqThreadCPU: Int? = nil

        public init(
            submissionQueuePolling: Bool = false, sqThreadIdleMilliseconds: UInt32 = 1000, ioPolling: Bool = false,
            asyncFlag: Bool = false, registeredBuffers: Bool = false, registeredFiles: Bool = false,
            deferTaskRun: Bool = true, waitMode: WaitMode = .waitForOne
        ) {
            self.submissionQueuePolling = submissionQueuePolling
            self.sqThreadIdleMilliseconds = sqThreadIdleMilliseconds
            self.ioPolling = ioPolling
            self.asyncFlag = asyncFlag
            self.registeredBuffers = registeredBuffers
            self.registeredFiles = registeredFiles
            self.deferTaskRun = deferTaskRun
            self.waitMode = waitMode
        }

        /// The io_uring_setup flags these options ask for.
        public var setupFlags: URing.SetupFlags {
            var flags: URing.SetupFlags = []
            if submissionQueuePolling {
                flags.insert(.submissionQueuePolling)
            } else if deferTaskRun {
                flags.formUnion(.fioDefaults)
                // Peeking needs to know when deferred work waits in the kernel.
                if waitMode == .peekAndSpin { flags.insert(.taskRunFlag) }
            }
            if ioPolling { flags.insert(.ioPolling) }
            return flags
        }
    }

    /// Reads or writes.
    public enum Direction: String, Sendable, Hashable {
        case read, write
    }

    /// Where the next IO goes.
    public enum Pattern: String, Sendable, Hashable {
        /// A uniformly drawn block of the file (SplitMix64, seeded per job thread).
        case random
        /// The next block, wrapping at the end of the file (each job thread starts at its own share).
        case sequential
    }

    /// Page-cache use.
    public enum Caching: String, Sendable, Hashable {
        /// O_DIRECT: no page cache; buffers, offsets and sizes aligned to the device's logical block.
        case direct
        /// Buffered, this file's pages dropped first (fsync, then posix_fadvise DONTNEED).
        case bufferedCold
        /// Buffered, the file read once first so its pages are cached.
        case bufferedWarm
    }

    /// When the job ends.
    public enum StopCondition: Sendable, Hashable {
        /// After this many IOs in total (split across job threads).
        case ioCount(Int)
        /// After this much wall-clock time (IOs in flight then are completed and counted).
        case duration(SimDuration)
    }

    /// The engine.
    public var engine: Engine = .ioUring(URingOptions())
    /// Whether `engine` is an io_uring loop.
    public var usesIOUring: Bool {
        if case .ioUring = engine { return true }
        return false
    }
    /// Reads or writes.
    public var direction: Direction = .read
    /// Random or sequential offsets.
    public var pattern: Pattern = .random
    /// Bytes per IO; a multiple of 512 (4096 for O_DIRECT on most devices).
    public var blockBytes: Int = 4096
    /// IOs in flight per job thread (io_uring, thread pool).
    public var queueDepth: Int = 1
    /// Job threads, each with its own IO loop (and its own ring); 1 to `maxThreads`.
    public var threads: Int = 1
    /// The most job threads a run takes.
    public static let maxThreads = 256
    /// The CPUs the job threads may run on (sched_setaffinity at each thread's start); nil: any the process
    /// may use. Threads a job thread creates keep its CPUs, as Linux's do: the pool's workers, and the kernel's
    /// iou-wrk and (unless `sqThreadCPU` binds it) iou-sqp threads; the census thread is not pinned.
    public var cpus: [Int]? = nil
    /// O_DIRECT or buffered, cold or warm.
    public var caching: Caching = .direct
    /// Busy CPU work on the job thread after each completion, calibrated (see `BusyWork`).
    public var computePerIO: SimDuration = .zero
    /// When to stop.
    public var stop: StopCondition = .ioCount(1000)
    /// Size of the file laid out (ignored with `existingFile`).
    public var fileBytes: Int64 = 64 << 20
    /// Directory to lay files out in (a new subdirectory is made in it); nil: a new temporary directory.
    public var directory: String? = nil
    /// Read this existing file instead of laying one out; opened read-only, never written, never removed.
    public var existingFile: String? = nil
    /// Seed of the offset streams.
    public var seed: UInt64 = 1
    /// Sample /proc/self/task every `censusIntervalMicroseconds` on a separate thread (its CPU is reported
    /// and excluded from CPU per IO).
    public var threadCensus: Bool = true
    /// Census sampling period: 10 ms, as fio's main thread wakes. Each sample wakes the sampler on an idle CPU,
    /// which in a VM costs far more than the sample's reads: at 1 ms the sampler took 5-7 us of CPU (getrusage)
    /// per 4 KiB read at queue depth 1 on the README's second machine, and /proc/stat's ticks saw about a
    /// third of it (machine-wide system time with and without the census), so taking all of it out of the
    /// workload's CPU left 3-4 us per IO too little. At 10 ms both are a tenth. io-wq workers and the SQPOLL
    /// thread live for the run (an idle worker exits after 5 s), so a coarser census still sees each one; its first
    /// 20 samples come every millisecond at most, for the helpers a short run makes at its start.
    public var censusIntervalMicroseconds: Int = 10_000
    /// How interrupt time is measured: /proc/stat's ticks (always also read), or the irq tracepoints too
    /// (`InterruptTimeTrace`: root and tracefs; the run fails with a clear error without them).
    public var interruptTime: InterruptTimeSource = .ticks
    /// Faults to inject (tests).
    public var faults: FaultInjection = .none

    /// A job with every default: io_uring (fio's setup flags), 4 KiB random O_DIRECT reads at queue depth 1,
    /// 1,000 IOs over a 64 MiB file in a new temporary directory.
    public init() {}
}

/// Faults the tests inject where the real fault cannot be produced on demand (data, not code paths: each
/// field replaces one system answer). Everything defaults to "no fault".
public struct FaultInjection: Sendable, Hashable {
    /// io_uring_setup answers this errno (e.g. ENOSYS, EPERM).
    public var ioUringSetupErrno: Errno? = nil
    /// The content of /proc/sys/kernel/io_uring_disabled, as the error message reads it.
    public var ioUringDisabledSysctl: String? = nil
    /// IORING_REGISTER_BUFFERS answers this errno (ENOMEM or EPERM: RLIMIT_MEMLOCK).
    public var registerBuffersErrno: Errno? = nil
    /// Opening the data file with O_DIRECT answers this errno (EINVAL: a file system without O_DIRECT).
    public var openDirectErrno: Errno? = nil
    /// statvfs reports this many bytes available.
    public var availableBytes: UInt64? = nil
    /// A write while laying out the file answers this errno (after the first chunk; ENOSPC, EDQUOT).
    public var layoutWriteErrno: Errno? = nil
    /// The IO with this index (0-based, per job thread) completes with `completionResult` instead of its
    /// real result: a short count, or `-errno`.
    public var completionIndex: Int? = nil
    /// See `completionIndex`.
    public var completionResult: Int32 = 0
    /// Where tracefs is looked for when interrupt time is traced (a directory without `instances`: no tracefs).
    public var tracefsRoots: [String]? = nil

    /// No faults.
    public static let none = FaultInjection()

    public init(
        ioUringSetupErrno: Errno? = nil, ioUringDisabledSysctl: String? = nil, registerBuffersErrno: Errno? = nil,
        openDirectErrno: Errno? = nil, availableBytes: UInt64? = nil, layoutWriteErrno: Errno? = nil,
        completionIndex: Int? = nil, completionResult: Int32 = 0
    ) {
        self.ioUringSetupErrno = ioUringSetupErrno
        self.ioUringDisabledSysctl = ioUringDisabledSysctl
        self.registerBuffersErrno = registerBuffersErrno
        self.openDirectErrno = openDirectErrno
        self.availableBytes = availableBytes
        self.layoutWriteErrno = layoutWriteErrno
        self.completionIndex = completionIndex
        self.completionResult = completionResult
    }
}
