//! What a simulated thread runs: a list of operations, written in Swift or read from a scenario file.

import IOSimCore

/// Read or write.
public enum IODirection: String, Sendable, Equatable {
    case read, write
}

/// Where an IO lands in its file.
public enum OffsetSpec: Sendable, Equatable {
    /// Always this byte offset.
    case fixed(Int64)
    /// Each IO of this thread on this file follows the previous one, wrapping at the end of the file.
    case sequential
    /// Uniform over the file, aligned to the IO size (from the thread's own random stream).
    case random
}

/// How the program issues an IO.
public enum IOStyle: String, Sendable, Equatable {
    /// A synchronous call: the thread blocks in the kernel until the data is there (ReadFile on a
    /// synchronous handle, pread).
    case blocking
    /// An overlapped call: ReadFile with an OVERLAPPED returns ERROR_IO_PENDING (or TRUE when it completed
    /// synchronously, as on a cache hit) and the thread goes on.
    case overlapped
}

/// How an overlapped IO tells the program it is done, besides its status block.
public enum CompletionNotice: Sendable, Equatable {
    /// Only the status block (poll it with GetOverlappedResult) and the manual-reset event / handle.
    case statusOnly
    /// A completion routine (ReadFileEx): a user APC queued to the issuing thread, run only when that
    /// thread enters an alertable wait; `cost` is the routine's own CPU time.
    case completionRoutine(cost: Distribution)
    /// A packet on the named completion port (the handle is associated with it).
    case port(String)
}

/// One IO request in a program.
public struct IOOperation: Sendable, Equatable {
    public var direction: IODirection
    public var file: String
    public var sizeBytes: Int64
    public var offset: OffsetSpec
    public var style: IOStyle
    public var notice: CompletionNotice
    /// Through the page cache (nil: the file's default).
    public var buffered: Bool?
    /// A name other operations use to wait on or poll this request (the OVERLAPPED it was issued with).
    public var name: String?
    /// FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: no packet when the IO completes synchronously.
    public var skipPortOnSynchronousSuccess: Bool

    public init(
        _ direction: IODirection = .read, file: String, sizeBytes: Int64, offset: OffsetSpec = .sequential,
        style: IOStyle = .blocking, notice: CompletionNotice = .statusOnly, buffered: Bool? = nil,
        name: String? = nil, skipPortOnSynchronousSuccess: Bool = false
    ) {
        self.direction = direction
        self.file = file
        self.sizeBytes = sizeBytes
        self.offset = offset
        self.style = style
        self.notice = notice
        self.buffered = buffered
        self.name = name
        self.skipPortOnSynchronousSuccess = skipPortOnSynchronousSuccess
    }
}

/// How io_uring runs the completion work (the "task work" that posts CQEs): io_uring_setup_flags(7).
public enum TaskRunMode: String, Sendable, Equatable {
    /// Default: the completion interrupts the task (TWA_SIGNAL); the model posts the CQE in the deferred
    /// routine, charging its cost there.
    case interrupt
    /// IORING_SETUP_COOP_TASKRUN: posted at the ring thread's next entry to the kernel.
    case cooperative
    /// IORING_SETUP_DEFER_TASKRUN (+SINGLE_ISSUER): posted only inside io_uring_enter, in the thread's context.
    case deferred
}

/// An io_uring instance (io_uring_setup).
public struct RingSpec: Sendable, Equatable {
    public var name: String
    /// SQ entries (the CQ has twice as many).
    public var entries: Int
    /// IORING_SETUP_SQPOLL: a kernel thread (iou-sqp) polls the SQ and submits; it spins for `sqThreadIdle`
    /// after its last work, then sleeps and sets IORING_SQ_NEED_WAKEUP.
    public var sqpoll: Bool
    public var sqThreadIdle: SimDuration
    /// IORING_SETUP_IOPOLL: no completion interrupts; the waiter polls the device (needs poll queues).
    public var iopoll: Bool
    public var taskRun: TaskRunMode
    /// io-wq bounded workers at most (default min(entries, 4 x CPUs), as the kernel).
    public var maxWorkers: Int?
    /// IORING_SETUP_SQ_AFF: the CPU the SQPOLL thread is bound to (`sq_thread_cpu`); nil: it keeps the CPU
    /// affinity of the thread that uses the ring (`ThreadSpec.cpus`), as the kernel's poller does.
    public var sqThreadCPU: Int?

    public init(
        name: String, entries: Int = 64, sqpoll: Bool = false, sqThreadIdle: SimDuration = .milliseconds(1),
        iopoll: Bool = false, taskRun: TaskRunMode = .deferred, maxWorkers: Int? = nil, sqThreadCPU: Int? = nil
    ) {
        self.name = name
        self.entries = entries
        self.sqpoll = sqpoll
        self.sqThreadIdle = sqThreadIdle
        self.iopoll = iopoll
        self.taskRun = taskRun
        self.maxWorkers = maxWorkers
        self.sqThreadCPU = sqThreadCPU
    }
}

/// The loop a program runs on an io_uring, as fio's io_uring engine does: keep `queueDepth` requests in
/// flight; submit the prepared SQEs and wait for at least one completion (or spin on the CQ with `peek`);
/// reap every CQE, do `compute` for each, refill; until `ios` have completed.
public struct UringLoop: Sendable, Equatable {
    public var ring: String
    public var direction: IODirection
    public var file: String
    public var sizeBytes: Int64
    public var offset: OffsetSpec
    public var queueDepth: Int
    public var ios: Int
    /// IOSQE_ASYNC: always punt to an io-wq worker.
    public var async: Bool
    public var buffered: Bool?
    /// Work per completion, in user mode.
    public var compute: Distribution?
    /// Spin on the CQ in user mode instead of waiting in io_uring_enter.
    public var peek: Bool
    /// fio's loop: each SQE in its own io_uring_enter(1, 0, GETEVENTS) as soon as a completion frees its slot;
    /// wait in io_uring_enter only when the CQ is empty. Otherwise one enter submits every SQE prepared since
    /// the last and waits for one completion.
    public var submitEach: Bool

    public init(
        ring: String, _ direction: IODirection = .read, file: String, sizeBytes: Int64, offset: OffsetSpec = .random,
        queueDepth: Int = 1, ios: Int, async: Bool = false, buffered: Bool? = nil, compute: Distribution? = nil,
        peek: Bool = false, submitEach: Bool = false
    ) {
        self.ring = ring
        self.direction = direction
        self.file = file
        self.sizeBytes = sizeBytes
        self.offset = offset
        self.queueDepth = queueDepth
        self.ios = ios
        self.async = async
        self.buffered = buffered
        self.compute = compute
        self.peek = peek
        self.submitEach = submitEach
    }
}

/// One step of a thread's program.
public indirect enum Operation: Sendable, Equatable {
    /// Run in user mode for a drawn duration.
    case compute(Distribution)
    /// Sleep (not alertable) for a drawn duration.
    case sleep(Distribution)
    /// Open a file (CreateFile / open): a syscall.
    case open(file: String)
    /// Issue an IO.
    case io(IOOperation)
    /// GetOverlappedResult on a named request: with `wait` false it only checks (ERROR_IO_INCOMPLETE when
    /// pending); with `wait` true it blocks until the request is done.
    case getResult(request: String, wait: Bool)
    /// WaitForSingleObject on the request's event (blocks until the request is done).
    case waitEvent(request: String)
    /// SleepEx(timeout, TRUE): an alertable wait; queued completion routines run, then it returns.
    /// A nil timeout waits until a routine is queued.
    case alertableWait(timeout: SimDuration?)
    /// GetQueuedCompletionStatus on a port: take the oldest packet, or wait (threads are released LIFO).
    case dequeue(port: String)
    /// PostQueuedCompletionStatus: put a packet on a port; it carries the request this thread last took
    /// from a port, so a continuation can be followed to the thread that runs it.
    case post(port: String)
    /// The body `count` times.
    case repeatCount(Int, [Operation])
    /// The body until the run stops.
    case repeatForever([Operation])
    /// `while (!GetOverlappedResult(h, &ov, &n, FALSE)) { body }`: check the request, run the body while
    /// it is pending.
    case untilComplete(request: String, [Operation])
    /// Create a thread running the named thread template.
    case spawn(thread: String)
    /// Report progress (recorded with its instant; the result gives the count and the largest gap).
    case reportProgress
    /// Run an io_uring loop (see `UringLoop`).
    case uring(UringLoop)

    /// A large read split into `chunkBytes` pieces, each waited for and reported, so progress is visible:
    /// the remedy the seed note proposes since GetOverlappedResult gives no progress while an IO runs.
    public static func chunkedRead(file: String, totalBytes: Int64, chunkBytes: Int64, style: IOStyle = .overlapped)
        -> Operation
    {
        let chunks = Int((totalBytes + chunkBytes - 1) / max(chunkBytes, 1))
        return .repeatCount(
            chunks,
            [
                .io(IOOperation(.read, file: file, sizeBytes: chunkBytes, offset: .sequential, style: style, name: "chunk")),
                .getResult(request: "chunk", wait: true),
                .reportProgress,
            ])
    }
}

/// A thread (or `count` identical threads) and its program.
public struct ThreadSpec: Sendable, Equatable {
    public var name: String
    public var count: Int
    public var program: [Operation]
    /// A daemon (a pool worker, say) may still be waiting when the run ends; the run does not wait for it.
    public var daemon: Bool
    /// A template is not started at the beginning; `spawn` operations create instances of it.
    public var template: Bool
    /// The CPUs its threads may run on (sched_setaffinity, fio's `cpus_allowed`); nil: any CPU.
    public var cpus: [Int]?
    public init(
        name: String, count: Int = 1, daemon: Bool = false, template: Bool = false, cpus: [Int]? = nil,
        program: [Operation]
    ) {
        self.name = name
        self.count = count
        self.program = program
        self.daemon = daemon
        self.template = template
        self.cpus = cpus
    }
}
