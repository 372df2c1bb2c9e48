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

/// A binary min-heap of `Event` keyed by `(time, priority, sequence)`, with the earliest event held in
/// a slot in front of it when it was scheduled ahead of every other one.
///
/// The front slot: in an IO model most new events are the very next to happen (an ISR of 2 us, a deferred
/// routine of 1 us, while the device and the threads' bursts are tens of microseconds away): on the
/// reference workload six pushes in ten went all the way up to the root and were popped right after. Such
/// an event now waits in `front` and costs neither the climb nor the sift-down. Invariant: when
/// `hasFront`, `front` precedes every event in the heap.
///
/// Noncopyable, so it owns its buffer outright: mutations need no copy-on-write uniqueness check and no
/// bounds check of an array, which together cost about a third of every push and pop on the reference
/// workload (callgrind). Indices stay within `0..<heapCount` by construction of the heap.
public struct EventQueue: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<Event>
    @usableFromInline var capacity: Int
    @usableFromInline var heapCount = 0
    @usableFromInline var front = Event(time: 0, order: 0, kind: 0, target: 0, generation: 0)
    @usableFromInline var hasFront = false
    /// Debug builds check the whole heap on every 256th mutation: a full check on each one is O(n) per
    /// operation and made long simulations in the test suite many times slower.
    @usableFromInline var mutations: UInt64 = 0

    public init() {
        capacity = 64
        base = UnsafeMutablePointer<Event>.allocate(capacity: capacity)
    }

    deinit { base.deallocate() }  // `Event` is a trivial type: nothing to deinitialize

    /// Number of pending events.
    @inlinable public var count: Int { hasFront ? heapCount &+ 1 : heapCount }
    /// Whether no event is pending.
    @inlinable public var isEmpty: Bool { !hasFront && heapCount == 0 }
    /// The first event, without removing it.
    @inlinable public var first: Event? { hasFront ? front : heapCount > 0 ? base[0] : nil }

    /// Adds an event. - Complexity: O(log n), amortized; O(1) for an event ahead of all others.
    @inlinable @inline(__always) public mutating func push(_ event: Event) {
        if hasFront {
            if event.precedes(front) {
                heapPush(front)
                front = event
            } else {
                heapPush(event)
            }
        } else if heapCount == 0 || event.precedes(base[0]) {
            front = event
            hasFront = true
        } else {
            heapPush(event)
        }
        #if IOSIM_INTERNAL_CHECKS
        mutations &+= 1
        if mutations & 255 == 0 || heapCount <= 16 { checkInvariants() }
        #endif
    }

    /// Removes and returns the first event. - Complexity: O(log n); O(1) for the front event.
    @inlinable @inline(__always) public mutating func pop() -> Event? {
        if hasFront {
            hasFront = false
            return front
        }
        if heapCount == 0 { return nil }
        let top = base[0]
        let n = heapCount &- 1
        heapCount = n
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
        if mutations & 255 == 0 || heapCount <= 16 { checkInvariants() }
        #endif
        return top
    }

    /// Adds an event to the heap proper.
    @inlinable @inline(__always) mutating func heapPush(_ event: Event) {
        if heapCount == capacity { grow() }
        var i = heapCount
        heapCount = i &+ 1
        while i > 0 {
            let parent = (i &- 1) >> 1
            if !event.precedes(base[parent]) { break }
            base[i] = base[parent]
            i = parent
        }
        base[i] = event
    }

    @usableFromInline mutating func grow() {
        let bigger = UnsafeMutablePointer<Event>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: heapCount)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    /// Traps, naming the offending events, if a parent does not precede its children or the front event
    /// does not precede the heap.
    public func checkInvariants() {
        if hasFront && heapCount > 0 {
            precondition(front.precedes(base[0]), "event queue out of order: front \(front) does not precede \(base[0])")
        }
        for i in 1..<max(heapCount, 1) {
            let parent = (i - 1) >> 1
            precondition(
                base[parent].precedes(base[i]),
                "event queue out of order: \(base[parent]) at \(parent) does not precede \(base[i]) at \(i)")
        }
    }
}
