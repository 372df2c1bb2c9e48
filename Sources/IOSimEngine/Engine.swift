//! The discrete-event engine: a clock that never goes backwards and one event queue.
//!
//! The engine knows nothing about IO. A model is an `EventHandler` (a struct holding all actor state);
//! the engine pops the next event, sets `now` to its time, and hands it to the handler, which may schedule
//! more events. Handlers are generic parameters, not closures, so nothing is allocated per event.
//! Scheduling an event in the past is a precondition failure: it is always a bug in a model.

import IOSimCore

/// A model driven by the engine.
public protocol EventHandler {
    /// Handles one event; `engine.now` is already the event's time.
    mutating func handle(_ event: Event, engine: inout Engine)
    /// Whether the model has reached its stop condition; checked after every event.
    var isFinished: Bool { get }
}

/// The clock, the event queue and the event counters of one run. Noncopyable: it owns its queue's buffer.
public struct Engine: ~Copyable {
    /// The current virtual instant.
    @inlinable public var now: SimInstant { _now }
    @usableFromInline var _now: SimInstant = .zero
    @usableFromInline var queue = EventQueue()
    @usableFromInline var nextSequence: UInt64 = 0
    /// Events scheduled so far.
    @inlinable public var eventsScheduled: UInt64 { nextSequence }
    /// Events popped and handed to the handler so far (stale ones included).
    @inlinable public var eventsProcessed: UInt64 { _eventsProcessed }
    @usableFromInline var _eventsProcessed: UInt64 = 0
    /// Most events pending at once.
    @inlinable public var pendingMax: Int { _pendingMax }
    @usableFromInline var _pendingMax: Int = 0

    public init() {}

    /// Number of pending events.
    public var pendingCount: Int { queue.count }

    /// Schedules a message for `target` at `instant`.
    /// - Precondition: `instant >= now`.
    @_transparent public mutating func schedule(
        at instant: SimInstant, priority: EventPriority, kind: UInt32, target: UInt32, generation: UInt32 = 0
    ) {
        if _slowPath(instant < now) { Engine.scheduledInPast(instant, now: now, kind: kind) }
        let event = Event(
            time: instant.nanosecondsSinceStart, order: UInt64(priority.rawValue) << 56 | nextSequence,
            kind: kind, target: target, generation: generation)
        nextSequence &+= 1
        queue.push(event)
        if queue.count > _pendingMax { _pendingMax = queue.count }
    }

    /// A model bug: an event scheduled before the current instant. Out of line, so that `schedule` stays small
    /// enough to inline everywhere.
    @usableFromInline @inline(never)
    static func scheduledInPast(_ instant: SimInstant, now: SimInstant, kind: UInt32) -> Never {
        preconditionFailure("scheduled in the past: \(instant) < \(now), kind \(kind)")
    }

    /// Schedules a message for `target` after `delay` from now.
    /// - Precondition: `delay >= 0`.
    @inlinable @inline(__always) public mutating func schedule(
        after delay: SimDuration, priority: EventPriority, kind: UInt32, target: UInt32, generation: UInt32 = 0
    ) {
        schedule(at: now + delay, priority: priority, kind: kind, target: target, generation: generation)
    }

    /// The instant of the next pending event, if any.
    @inlinable public func peekNextTime() -> SimInstant? { queue.first?.instant }

    /// Removes the next event and moves the clock to it.
    @inlinable public mutating func popNext() -> Event? {
        guard let event = queue.pop() else { return nil }
        _now = event.instant
        _eventsProcessed &+= 1
        return event
    }

    /// Moves the clock forward to `instant` without an event (used to close a run at its stop time).
    /// - Precondition: `instant >= now` and no pending event is earlier than `instant`.
    public mutating func advance(to instant: SimInstant) {
        precondition(instant >= now, "the clock never goes backwards")
        if let next = peekNextTime() { precondition(next >= instant, "an earlier event is pending") }
        _now = instant
    }

    /// Handles the next event. - Returns: false when no event is pending.
    @inlinable @discardableResult
    public mutating func step<H: EventHandler>(_ handler: inout H) -> Bool {
        guard let event = popNext() else { return false }
        handler.handle(event, engine: &self)
        return true
    }

    /// Handles events until the handler finishes, the queue empties, or the next event lies after `limit`
    /// (events at exactly `limit` are handled). - Returns: the number of events handled.
    @inlinable @discardableResult
    public mutating func run<H: EventHandler>(until limit: SimInstant, _ handler: inout H) -> UInt64 {
        var handled: UInt64 = 0
        while !handler.isFinished, let next = queue.first, next.time <= limit.nanosecondsSinceStart {
            let event = popNext()!
            handler.handle(event, engine: &self)
            handled &+= 1
        }
        return handled
    }

    /// Handles at most `maxEvents` events, stopping early when the handler finishes or the queue empties.
    /// - Returns: the number of events handled.
    @inlinable @discardableResult
    public mutating func run<H: EventHandler>(maxEvents: UInt64, _ handler: inout H) -> UInt64 {
        var handled: UInt64 = 0
        while handled < maxEvents, !handler.isFinished, let event = popNext() {
            handler.handle(event, engine: &self)
            handled &+= 1
        }
        return handled
    }
}
