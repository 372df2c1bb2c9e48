//! A stream of what happened, for timelines (Perfetto / Chrome trace, SVG, the terminal).
//!
//! Tracing is opt-in: without a sink the model pays one branch per emission point and nothing else. With a
//! sink, events are handed over as they happen, in virtual-time order, so a writer can stream them to a
//! file in bounded memory.

import IOSimCore

/// What a thread is doing, for its lane.
public enum ThreadTraceState: Sendable, Equatable {
    case running(cpu: Int)
    case runnable
    /// Blocked: on an IO, a port, a sleep; `alertable` for an alertable wait.
    case blocked(reason: String)
    case alertable
    /// Woken, waiting out the wake-up latency.
    case waking
    case finished
}

/// One traced happening.
public enum TraceEvent: Sendable, Equatable {
    /// A thread exists from now on (`kernel`: an io_uring SQPOLL or io-wq worker thread).
    case threadCreated(thread: Int, name: String, kernel: Bool, at: SimInstant)
    /// From `at`, the CPU spends its time on `category`, for `thread` when a thread runs.
    case cpu(cpu: Int, category: CPUCategory, thread: Int?, at: SimInstant)
    /// From `at`, the thread is in `state`.
    case thread(thread: Int, state: ThreadTraceState, at: SimInstant)
    /// A program called the kernel to start IO `io`.
    case ioIssued(io: Int64, thread: Int, cpu: Int?, direction: IODirection, bytes: Int64, at: SimInstant)
    /// The driver took it (pending).
    case ioSubmitted(io: Int64, cpu: Int?, at: SimInstant)
    /// The device serves it until `end` (its DMA transfer included).
    case deviceService(io: Int64, start: SimInstant, end: SimInstant)
    /// Its interrupt's ISR started on `cpu`.
    case ioInterrupt(io: Int64, cpu: Int, at: SimInstant)
    /// An interrupt reached `cpu` while a thread ran there, and the CPU stalls `duration` before the ISR
    /// (`interrupts.busyStall`), its time still the thread's.
    case interruptStall(cpu: Int, duration: SimDuration, at: SimInstant)
    /// The deferred routine (or a synchronous call, or a poller) completed it.
    case ioCompleted(io: Int64, cpu: Int?, at: SimInstant)
    /// The program learned of it.
    case ioObserved(io: Int64, thread: Int, at: SimInstant)
    /// A counter's new value: "deviceQueue" (requests in the device), "runnable" (threads waiting for a CPU).
    case counter(name: String, value: Int, at: SimInstant)
}

/// Receives trace events as they happen.
public protocol TraceSink: AnyObject {
    func record(_ event: TraceEvent)
}

/// A sink that keeps every event in memory (for tests and small runs).
public final class TraceRecorder: TraceSink {
    public private(set) var events: [TraceEvent] = []
    public init() {}
    public func record(_ event: TraceEvent) { events.append(event) }
}
