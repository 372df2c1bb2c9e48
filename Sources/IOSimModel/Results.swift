//! What a run reports, as typed values.

import IOSimCore

/// The stages of an IO's latency, in order.
public enum IOStage: Int, Sendable, CaseIterable {
    /// From the call to the driver taking the request: syscall entry, request creation, device programming.
    case submission
    /// Waiting in the kernel's driver queue for a device queue slot.
    case kernelQueue
    /// In the device: internal queueing, service, DMA transfer.
    case device
    /// From the device's signal to the ISR starting: coalescing, delivery, a busy interrupt context.
    case interrupt
    /// From the ISR starting to the deferred routine completing the request.
    case deferred
    /// From completion to the program learning of it (wake-up, scheduling, syscall exit, poll or dequeue).
    case delivery

    /// The key used in reports and JSON.
    public var key: String {
        switch self {
        case .submission: "submission"
        case .kernelQueue: "kernelQueue"
        case .device: "device"
        case .interrupt: "interrupt"
        case .deferred: "deferred"
        case .delivery: "delivery"
        }
    }
}

/// Summary of a latency distribution in nanoseconds (percentiles within 1.6%, mean and max exact).
public struct LatencySummary: Sendable, Equatable {
    public var count: Int64
    public var mean: Double
    public var p50: Int64
    public var p90: Int64
    public var p99: Int64
    public var p999: Int64
    public var max: Int64

    init(_ h: Histogram) {
        count = Int64(h.count)
        mean = h.mean
        p50 = h.percentile(partsPerMillion: 500_000)
        p90 = h.percentile(partsPerMillion: 900_000)
        p99 = h.percentile(partsPerMillion: 990_000)
        p999 = h.percentile(partsPerMillion: 999_000)
        max = h.max
    }
}

/// CPU time by category for one CPU or all of them.
public struct CPUTime: Sendable, Equatable {
    /// Nanoseconds per category, indexed by `CPUCategory.rawValue`.
    public var nanoseconds: [Int64]

    public init(nanoseconds: [Int64] = [Int64](repeating: 0, count: CPUCategory.allCases.count)) {
        self.nanoseconds = nanoseconds
    }

    public subscript(category: CPUCategory) -> SimDuration { .nanoseconds(nanoseconds[category.rawValue]) }

    /// Everything but idle.
    public var busy: SimDuration { .nanoseconds(nanoseconds.reduce(0, +) - nanoseconds[CPUCategory.idle.rawValue]) }
    /// All categories: elapsed time for one CPU, elapsed times CPUs for the total.
    public var total: SimDuration { .nanoseconds(nanoseconds.reduce(0, +)) }

    /// The share of `total` spent in `category` (0 when total is 0).
    public func fraction(_ category: CPUCategory) -> Double {
        let all = total.nanoseconds
        return all == 0 ? 0 : Double(nanoseconds[category.rawValue]) / Double(all)
    }
    /// The busy share of `total`.
    public var busyFraction: Double {
        let all = total.nanoseconds
        return all == 0 ? 0 : Double(busy.nanoseconds) / Double(all)
    }
}

/// Who was running or blocked on behalf of the IOs.
public struct ThreadCensus: Sendable, Equatable {
    /// Most threads alive at once.
    public var maxAlive: Int
    /// Threads created in the run.
    public var created: Int
    /// Time-weighted mean number of threads blocked on an IO.
    public var blockedOnIO: Double
    /// Mean over the IOs that went to the device of the share of their in-flight time (driver took it to
    /// completion) during which some thread was blocked on it or running for it (polling it): 0 for pure
    /// asynchronous IO, 1 for a blocking read.
    public var attachedShare: Double
    /// Stack memory reserved by the most threads alive at once.
    public var stackBytesMax: Int64
    /// Kernel threads created for io_uring (iou-sqp SQPOLL threads and iou-wrk io-wq workers), included
    /// in `maxAlive` and `created` as they are in the process's thread list.
    public var kernelCreated: Int = 0
}

/// The timeline of one IO (kept when `Scenario.recordIOs` is set).
public struct IORecord: Sendable, Equatable {
    /// 1 for the first IO issued.
    public var number: Int
    public var thread: String
    public var direction: IODirection = .read
    public var sizeBytes: Int64 = 0
    public var offsetBytes: Int64 = 0
    /// The program's call.
    public var issued: SimInstant = .zero
    /// The driver took it (pending); nil for a synchronous completion.
    public var submitted: SimInstant? = nil
    /// The device accepted it.
    public var deviceStart: SimInstant? = nil
    /// The device finished it.
    public var deviceDone: SimInstant? = nil
    /// Its ISR started.
    public var interruptStart: SimInstant? = nil
    /// The deferred routine (or the synchronous call) completed it.
    public var completed: SimInstant? = nil
    /// The program learned of it.
    public var observed: SimInstant? = nil
    public var synchronous = false
    public var attachedShare: Double? = nil

    public init(number: Int, thread: String) {
        self.number = number
        self.thread = thread
    }
}

/// Everything a run measured.
public struct SimulationResult: Sendable, Equatable {
    public var scenario: String
    public var seed: UInt64
    /// From the start to the stop condition.
    public var elapsed: SimDuration
    /// Events the engine processed (stale ones included).
    public var events: UInt64
    public var cpuCount: Int
    /// CPU time per CPU; each adds up to `elapsed`.
    public var perCPU: [CPUTime]
    /// CPU time of all CPUs; adds up to `elapsed * cpuCount` exactly.
    public var totalCPU: CPUTime
    public var iosIssued: Int64
    public var iosCompleted: Int64
    /// Completed without going to the device (cache hits, buffered writes).
    public var iosSynchronous: Int64
    public var bytes: Int64
    /// Completed IOs per second of virtual time.
    public var iops: Double
    /// From the call to completion (the deferred routine's delivery, or the synchronous return).
    public var latency: LatencySummary
    /// The distribution `latency` summarizes (to pool several runs' IOs: `IOSimValidation.ModelPrediction`).
    public var latencyHistogram = Histogram()
    /// Per stage, indexed by `IOStage.rawValue`.
    public var stages: [LatencySummary]
    public var interrupts: Int64
    /// Threads the deferred routines woke or signalled, each paying `interrupts.deferredWake`.
    public var deferredWakeUps: Int64 = 0
    /// Of those, the wake-ups that sent an IPI to another, idle CPU, each paying `interrupts.deferredWakeRemote`.
    public var wakeIPIs: Int64 = 0
    /// The device's stalls (`device.stallInterval`).
    public var deviceStalls: Int64 = 0
    /// The instants of the stalls' process that passed, those that made no stall (the device holding fewer than
    /// `device.stallMinimumRequests`, or stalled already) included.
    public var deviceStallInstants: Int64 = 0
    /// The times from the start of each of the device's stalls to the next's (the stalls the instants made, so
    /// less regular than the instants when some made none).
    public var deviceStallIntervals = IntervalSpread()
    /// Changes of the task on a CPU, the idle task included (thread to idle, idle to thread, thread to thread).
    public var contextSwitches: Int64
    /// io_uring_enter calls of the programs' ring loops (0 without io_uring).
    public var ringEnters: Int64 = 0
    public var threads: ThreadCensus
    public var progressReports: Int64
    /// The longest time between two progress reports of one thread (or from the start to the first).
    public var progressMaxGap: SimDuration
    /// The narrated life of the IO `Scenario.narrateIO` names.
    public var narration: [NarrationStep]
    /// Every IO's timeline, when `Scenario.recordIOs` is set.
    public var ioRecords: [IORecord]

    /// The summary of one stage.
    public func stage(_ s: IOStage) -> LatencySummary { stages[s.rawValue] }
}
