//! The future-event list: a binary min-heap of small value-type events.
//!
//! Order is total and documented: by `time`, then by priority class (lower first), then by the sequence
//! number given when the event was scheduled (earlier first). Heap stability is never relied on: the
//! sequence makes every key unique. With the few tens of pending events an IO model has, a binary heap
//! beats calendar and ladder queues (shared/bench/README.md).

import IOSimCore

/// The priority class of an event: among events at the same nanosecond, lower classes run first.
public struct EventPriority: RawRepresentable, Hashable, Comparable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public static func < (a: EventPriority, b: EventPriority) -> Bool { a.rawValue < b.rawValue }
}

/// One scheduled event: a message to an actor at a virtual instant. 32 bytes, no references.
public struct Event: Sendable, Equatable {
    @inlinable public init(time: Int64, order: UInt64, kind: UInt32, target: UInt32, generation: UInt32) {
        self.time = time
        self.order = order
        self.kind = kind
        self.target = target
        self.generation = generation
    }

    /// When it happens, in nanoseconds since the start of the run.
    public var time: Int64
    /// `priority << 56 | sequence`: the tie-break among events at the same `time`.
    public var order: UInt64
    /// What happens (the model's message kind).
    public var kind: UInt32
    /// To whom (the model's actor index: a thread, a CPU, a device channel).
    public var target: UInt32
    /// The target's generation when scheduled; a model uses it to discard events made stale (lazy cancellation).
    public var generation: UInt32

    /// The instant of the event.
    @inlinable public var instant: SimInstant { SimInstant(nanosecondsSinceStart: time) }
    /// The priority class of the event.
    @inlinable public var priority: EventPriority { EventPriority(rawValue: UInt8(order >> 56)) }
    /// The scheduling sequence number (unique within a run).
    @inlinable public var sequence: UInt64 { order & 0x00FF_FFFF_FFFF_FFFF }

    @inlinable @inline(__always) func precedes(_ other: Event) -> Bool {
        time < other.time || (time == other.time && order < other.order)
    }
}

/// A binary min-heap of `Event` keyed by `(time, priority, sequence)`.
///
/// Noncopyable, so it owns its buffer outright: mutations need no copy-on-write uniqueness check and no
/// bounds check of an array, which together cost about a third of every push and pop on the reference
/// workload (callgrind). Indices stay within `0..<count` by construction of the heap.
public struct EventQueue: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<Event>
    @usableFromInline var capacity: Int
    @usableFromInline var _count = 0
    /// Debug builds check the whole heap on every 256th mutation: a full check on each one is O(n) per
    /// operation and made long simulations in the test suite many times slower.
    @usableFromInline var mutations: UInt64 = 0

    public init() {
        capacity = 64
        base = UnsafeMutablePointer<Event>.allocate(capacity: capacity)
    }

    deinit { base.deallocate() }  // `Event` is a trivial type: nothing to deinitialize

    /// Number of pending events.
    @inlinable public var count: Int { _count }
    /// Whether no event is pending.
    @inlinable public var isEmpty: Bool { _count == 0 }
    /// The first event, without removing it.
    @inlinable public var first: Event? { _count > 0 ? base[0] : nil }

    /// Adds an event. - Complexity: O(log n), amortized.
    @inlinable @inline(__always) public mutating func push(_ event: Event) {
        if _count == capacity { grow() }
        var i = _count
        _count = i &+ 1
        while i > 0 {
            let parent = (i &- 1) >> 1
            if !event.precedes(base[parent]) { break }
            base[i] = base[parent]
            i = parent
        }
        base[i] = event
        #if IOSIM_INTERNAL_CHECKS
        mutations &+= 1
        if mutations & 255 == 0 || _count <= 16 { checkInvariants() }
        #endif
    }

    /// Removes and returns the first event. - Complexity: O(log n).
    @inlinable @inline(__always) public mutating func pop() -> Event? {
        if _count == 0 { return nil }
        let top = base[0]
        let n = _count &- 1
        _count = n
        if n > 0 {
            let last = base[n]
            var i = 0
            while true {
                var child = 2 &* i &+ 1
                if child >= n { break }
                if child &+ 1 < n && base[child &+ 1].precedes(base[child]) { child &+= 1 }
                if !base[child].precedes(last) { break }
                base[i] = base[child]
                i = child
            }
            base[i] = last
        }
        #if IOSIM_INTERNAL_CHECKS
        mutations &+= 1
        if mutations & 255 == 0 || _count <= 16 { checkInvariants() }
        #endif
        return top
    }

    @usableFromInline mutating func grow() {
        let bigger = UnsafeMutablePointer<Event>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: _count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    /// Traps, naming the offending events, if a parent does not precede its children.
    public func checkInvariants() {
        for i in 1..<max(_count, 1) {
            let parent = (i - 1) >> 1
            precondition(
                base[parent].precedes(base[i]),
                "event queue out of order: \(base[parent]) at \(parent) does not precede \(base[i]) at \(i)")
        }
    }
}
