//! The state each actor owns. All of it lives in arrays of small structs inside one `World` value, so the
//! event loop mutates it in place with no reference counting and no allocation per event.

import IOSimCore

/// What a CPU's time is spent on. Every nanosecond of every CPU is in exactly one of these.
public enum CPUCategory: Int, Sendable, CaseIterable {
    /// A thread in user mode (its compute, completion routines).
    case user
    /// The kernel on behalf of a thread: syscall entry and exit, building and submitting requests, copies.
    case syscall
    /// Interrupt service routines (and, under PIO, the CPU copying the data).
    case irq
    /// Deferred routines: DPCs on Windows, the block softirq on Linux.
    case deferred
    /// A thread spinning on a completion check (GetOverlappedResult with bWait=FALSE in a loop).
    case polling
    /// Switching from one thread to another.
    case contextSwitch
    /// Nothing to run.
    case idle

    /// The key used in reports and JSON.
    public var key: String {
        switch self {
        case .user: "user"
        case .syscall: "syscall"
        case .irq: "irq"
        case .deferred: "deferred"
        case .polling: "polling"
        case .contextSwitch: "switch"
        case .idle: "idle"
        }
    }
}

enum ThreadRunState: UInt8 {
    case notStarted, runnable, running, blocked, waking, finished
}

enum WaitKind: UInt8 {
    case none, io, port, alertable, sleep
    /// In io_uring_enter waiting for CQEs; an SQPOLL thread asleep; an idle io-wq worker.
    case ring, sqpollIdle, workerIdle
}

struct ThreadState {
    var spec: Int32
    var name: String
    var program: Int32
    var pc: Int32 = 0
    var phase: UInt8 = 0
    var runState = ThreadRunState.notStarted
    var cpu: Int32 = -1
    /// The CPU it last ran on, and when it left it (-1: never ran), for per-CPU run queues.
    var lastCPU: Int32 = -1
    var leftCPUAt: Int64 = -1
    /// Queued on a busy CPU by an affine wake-up (`machine.wakeAffine`): no other CPU takes it before this.
    var pullableAt: Int64 = 0
    /// With `machine.wakePacking`: the CPU an interrupt's wake-up sends it to (chosen when the deferred routine
    /// takes its request, or at the wake-up for another completion path), kept until it is placed there (-1: none).
    var wakeTarget: Int32 = -1
    /// Its CPU affinity: an index into `World.affinitySets` (-1: any CPU).
    var affinity: Int32 = -1
    // The burst in progress on its CPU.
    var burstCategory = CPUCategory.user
    var burstIsSwitch = false
    /// User time still to run after the switch that took this thread's CPU out of idle (`machine.idleExitUser`).
    var idleExitUserPending: Int64 = 0
    var burstEnd: Int64 = 0
    var generation: UInt32 = 0
    /// Remaining time of a burst suspended by an interrupt on this thread's CPU (-1: none).
    var interruptedRemaining: Int64 = -1
    /// Remaining time of a work burst taken off the CPU at the end of a time slice (-1: none).
    var preemptedRemaining: Int64 = -1
    var preemptedCategory = CPUCategory.user
    // Waiting.
    var waitKind = WaitKind.none
    var waitObject: Int32 = -1
    var waitGeneration: UInt32 = 0
    var wokenByAPC = false
    // Program state.
    var currentRequest: Int32 = -1
    var contextRequest: Int32 = -1
    var slots: [Int32]
    var loops: [Int64] = []
    var apcs = RingBuffer(capacity: 2)
    var lastPollDone = false
    var rng: SeededGenerator
    var daemon: Bool
    var port: Int32 = -1
    var fileCursors: [Int64]
    var lastReportAt: Int64 = -1
    /// Entries into `runThread` at the instant `zeroTimeInstant` (the zero-time guard across events).
    var zeroTimeInstant: Int64 = -1
    var zeroTimeEntries = 0
    var pendingCopyNanoseconds: Int64 = 0
    /// A burst of unbounded length (spinning on a CQ or an SQ) that an arrival ends early.
    var spinning = false
    // io_uring loop state.
    var uringIssued: Int64 = 0
    var uringDone: Int64 = 0
    var uringInFlight = 0
    var uringToSubmit = 0
    /// When the program wrote the SQEs it is submitting (its requests' `issued`: the program's clock starts
    /// there, as fio's and the real backend's do, not when the kernel consumes the SQE).
    var uringPreparedAt: Int64 = 0
    /// The ring's owner slept in io_uring_enter's wait and was woken (DEFER_TASKRUN then runs only the awaited items).
    var uringWokeInWait = false
    /// Whether the wake-up's `kernel.uringWait` was paid (the step after it runs again).
    var uringWaitPaid = false
    /// This io_uring_enter submits SQEs before its wait (DEFER_TASKRUN then runs twice the task work).
    var uringSubmittedInEnter = false
    var uringReaping: Int32 = -1
    /// For a kernel thread (SQPOLL, io-wq): its ring, else -1.
    var kernelRing: Int32 = -1
    var lastWorkAt: Int64 = 0
}

/// The state of one io_uring instance.
struct RingState {
    var spec: RingSpec
    var maxWorkers: Int
    var owner: Int32 = -1
    /// SQEs written by the program and not yet consumed by the kernel (SQPOLL), with their loop.
    var sqPending = 0
    var sqLoop: Int32 = -1
    /// When the program wrote each pending SQE, oldest first (their requests' `issued`).
    var sqPreparedAt = RingBuffer<Int64>(capacity: 16, placeholder: 0)
    /// Completed requests whose CQE awaits task work (COOP/DEFER_TASKRUN, or the SQ thread's).
    var taskWork = RingBuffer(capacity: 16)
    /// The task work the SQ thread is running (taken off `taskWork` as its burst starts), posted as it ends.
    var sqTaskWorkRunning = RingBuffer(capacity: 16)
    /// Posted CQEs not yet reaped.
    var cq = RingBuffer(capacity: 16)
    /// Requests done in the device's poll queue (IOPOLL), not yet found by a poller.
    var polled = RingBuffer(capacity: 16)
    var ownerWaiting = false
    var sqThread: Int32 = -1
    var sqThreadSleeping = false
    var workers: [Int32] = []
    /// io-wq's free list: workers that have no work in hand, newest last. A worker is on it from its creation
    /// until it takes work, and again when it finds none; waking it does not take it off (io_wq_activate_free_worker).
    var freeWorkers: [Int32] = []
    var punted = RingBuffer(capacity: 16)
    /// Hashed work (buffered writes to a regular file): io-wq runs it serially, one worker at a time,
    /// because such writes serialize on the inode anyway (io_wq_hash_work); hence one iou-wrk thread.
    var puntedHashed = RingBuffer(capacity: 16)
    var hashedBusy = false
    /// A worker has been woken or created for the hashed chain and has not started yet.
    var hashedSummoned = false
    /// Requests built in this io_uring_enter (or SQPOLL pass) and held by the block layer's plug until the
    /// doorbell at the end of the batch: blk-mq plugging, one virtio kick / NVMe doorbell per batch.
    var plugged = RingBuffer(capacity: 16)
    /// Whether a request of the plugged batch goes to the driver (so the batch ends with a doorbell).
    var pluggedForDriver = false
}

struct RequestState {
    var number: Int64 = 0
    var thread: Int32 = -1
    var direction = IODirection.read
    var file: Int32 = 0
    var offsetBytes: Int64 = 0
    var sizeBytes: Int64 = 0
    var buffered = false
    var blocking = true
    var notice = NoticeKind.statusOnly
    var port: Int32 = -1
    /// Index of the IO operation in `World.ioOperations`.
    var operation: Int32 = -1
    var issued: Int64 = -1
    var submitted: Int64 = -1
    var accepted: Int64 = -1
    var deviceDone: Int64 = -1
    var isrStart: Int64 = -1
    var completed: Int64 = -1
    var observed: Int64 = -1
    var submitCPU: Int32 = 0
    var waiter: Int32 = -1
    var attachCount: Int32 = 0
    var attachSince: Int64 = 0
    var attachedTotal: Int64 = 0
    var references: Int32 = 0
    var isComplete = false
    var synchronous = false
    /// The io_uring this request belongs to, or -1.
    var ring: Int32 = -1
    /// Done in the device's poll queue (IOPOLL): no interrupt.
    var polled = false
    /// Handed to an io-wq worker.
    var punted = false
    /// Punted because of IOSQE_ASYNC (REQ_F_FORCE_ASYNC): io-wq may create a worker for it even while others run.
    var forcedAsync = false
    /// The ring owner's cumulative waiting time when the request was submitted (for the attached share).
    var ringMark: Int64 = 0
    /// With completion batching: the first request of its submission batch (-1: none), and on that first
    /// request, how many of the batch are still in the device and the finished ones (linked by `next`).
    var kickLeader: Int32 = -1
    var kickRemaining: Int32 = 0
    var kickDoneHead: Int32 = -1
    /// With pass batching: when the device's pass has taken the request (its dispatch done), in ns.
    var passTaken: Int64 = 0
    /// With `CompletionBatching.asyncPass`: the slot of the pass that took the request (`DeviceState.asyncPasses`).
    var passSlot: Int32 = -1
    var next: Int32 = -1
    var inUse = false
}

struct CPUState {
    var occupant: Int32 = -1
    var inInterrupt = false
    var category = CPUCategory.idle
    var since: Int64 = 0
    var pendingBatches = RingBuffer(capacity: 4)
    var batchHead: Int32 = -1
    var batchTail: Int32 = -1
    var batchCursor: Int32 = -1
    /// While the CPU stalls before an ISR (`interrupts.busyStall`): when the stall began; -1 otherwise.
    var stallStartedAt: Int64 = -1
    var sliceArmed = false
    var sliceGeneration: UInt32 = 0
    var dispatchedAt: Int64 = 0
    var interruptedThreadName: String? = nil
    /// With per-CPU run queues (`machine.runQueues`): the threads waiting for this CPU, and the generation of
    /// its pending balance event (an idle CPU's next look at the others' queues).
    var runQueue = RingBuffer(capacity: 4)
    var balanceGeneration: UInt32 = 0
    /// When that balance event is due (Int64.max: none pending).
    var balanceAt = Int64.max
    /// Idle, and still polled by the host (`machine.hostHaltPoll`): counted as busy for the device's share.
    var hostPolling = false
    var hostPollGeneration: UInt32 = 0
    /// The idle task runs here (no thread since the last one left, or since the start): the next dispatch
    /// leaves idle and pays `machine.idleExit`.
    var inIdleTask = true
    /// The interrupt (the count of ISRs started, `World.interrupts`) whose batch this CPU's deferred routine runs.
    var batchSerial: Int64 = -1
    /// The interrupt whose deferred routine last sent this CPU a wake-up IPI (`interrupts.deferredWakeRemote`).
    var wakeIPIFromBatch: Int64 = -1
    /// The wake-up IPI the request in this CPU's deferred routine paid (for the narration).
    var deferredWakeIPI: Int64 = 0
    /// With `machine.wakePacking`: threads woken toward this CPU, not yet placed on it.
    var wakingToward: Int32 = 0
    /// With `machine.wakePacking`: the thread the request in this CPU's deferred routine wakes, and the CPU
    /// chosen for it when the routine took the request (its IPI is paid then), so the wake-up keeps that choice.
    var packedThread: Int32 = -1
    var packedTarget: Int32 = -1
}

struct VectorState {
    var head: Int32 = -1
    var tail: Int32 = -1
    var count = 0
    var timerGeneration: UInt32 = 0
    /// The coalescing timer runs for the completions queued here.
    var timerArmed = false
}

struct PortState {
    var concurrency: Int
    var running = 0
    var packets = RingBuffer(capacity: 8)
    var waiters: [Int32] = []
}

struct DeviceState {
    var driverQueue = RingBuffer(capacity: 16)
    var deviceQueue = RingBuffer(capacity: 16)
    var accepted = 0
    var inService = 0
    /// Passes: members taken but not yet in service (of every pass), members still in the device (of every pass),
    /// the finished ones of the current `.pass` (linked through `RequestState.next`, newest first), and whether a
    /// pass is open (with `.asyncPass`: waking; a pass that takes is `takingPass`).
    var passWaiting = RingBuffer(capacity: 16)
    var passUnfinished = 0
    var passDoneHead: Int32 = -1
    var passOpen = false
    /// `.pass`: the pass has started taking requests (after its wake-up) and not yet signalled them.
    var passRunning = false
    /// When the running pass has taken (dispatched) its latest request, in ns.
    var passLastTaken: Int64 = 0
    /// `CompletionBatching.asyncPass`: passes whose requests are not all done yet, each with how many are still
    /// in the device and the finished ones (linked through `RequestState.next`, newest first); the slots free for
    /// new passes; the slot of the pass taking requests (-1: none; it takes until `passLastTaken`).
    var asyncPasses: [(unfinished: Int32, doneHead: Int32)] = []
    var freeAsyncPasses: [Int32] = []
    var takingPass: Int32 = -1
    var headPosition: Int64 = 0
    /// With more than one channel: the transfers booked on the device's one data link, as (start, end) in ns
    /// sorted by start; those ended are dropped as new ones are booked (see `World.linkTransferEnd`).
    var linkBookings: [(start: Int64, end: Int64)] = []
    /// With `machine.hostMilliCPUs`: the device's work done since the start, in thousandths of a ns of
    /// service at full speed (it advances at the host's share for the device), when it was last brought up
    /// to date, and how many of the machine's CPUs were busy since then; the requests in service with the
    /// work count at which each is done and the generation of its scheduled `deviceDone` (an event of another
    /// generation is stale: the share changed and it was scheduled again).
    var work: Int64 = 0
    var workUpdatedAt: Int64 = 0
    var workBusyCPUs = 0
    var serving: [(request: Int32, doneAtWork: Int64, generation: UInt32, started: Int64)] = []
    var servingGeneration: UInt32 = 0
    var rng: SeededGenerator
    var roundRobin = 0
    /// Stalls (`DeviceConfig.stallInterval`): the device finishes nothing before this instant (ns); the next
    /// instant of the stalls' process (`World.nextStallInterval`) (-1: not drawn yet), drawn from a stream of its own so stalls
    /// leave the service times' draws as they were; whether a stall event is scheduled; stalls so far, and the
    /// process's instants passed so far, those that made no stall included.
    var stalledUntil: Int64 = 0
    var nextStallAt: Int64 = -1
    var stallArmed = false
    var stalls: Int64 = 0
    var stallInstants: Int64 = 0
    /// The start of the last stall (-1: none yet), and the times from each stall's start to the next's.
    var lastStallAt: Int64 = -1
    var stallIntervals = IntervalSpread()
    var stallRNG: SeededGenerator
}
