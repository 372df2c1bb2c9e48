//! A FIFO of small values (request and thread indices, instants) that grows by doubling and never shrinks: no
//! allocation in steady state.

struct RingBuffer<Element: BitwiseCopyable & Sendable>: Sendable {
    private var storage: ContiguousArray<Element>
    private var head = 0
    private(set) var count = 0
    /// What fills unused slots (never read).
    private let placeholder: Element

    init(capacity: Int = 8, placeholder: Element) {
        self.placeholder = placeholder
        storage = ContiguousArray(repeating: placeholder, count: max(capacity, 1))
    }

    var isEmpty: Bool { count == 0 }
    var first: Element? { count == 0 ? nil : storage[head] }

    @inline(__always) mutating func append(_ value: Element) {
        if count == storage.count { grow() }
        var i = head + count
        if i >= storage.count { i -= storage.count }
        storage[i] = value
        count += 1
    }

    @inline(__always) mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let v = storage[head]
        head += 1
        if head == storage.count { head = 0 }
        count -= 1
        return v
    }

    /// The element `offset` places from the head (0 is the head).
    func element(at offset: Int) -> Element { storage[(head + offset) % storage.count] }

    /// The offset of the first element (from the head) that satisfies `predicate`; nil when none does.
    @inline(__always) func firstIndex(where predicate: (Element) -> Bool) -> Int? {
        for i in 0..<count where predicate(element(at: i)) { return i }
        return nil
    }

    /// Removes and returns the element `offset` places from the head, keeping the others' order (O(count)).
    mutating func remove(at offset: Int) -> Element {
        precondition(offset >= 0 && offset < count)
        let v = element(at: offset)
        var i = offset
        while i + 1 < count {
            storage[(head + i) % storage.count] = storage[(head + i + 1) % storage.count]
            i += 1
        }
        count -= 1
        return v
    }

    /// The elements in FIFO order (for reports, not the hot path).
    var elements: [Element] { (0..<count).map { element(at: $0) } }

    private mutating func grow() {
        var bigger = ContiguousArray<Element>(repeating: placeholder, count: storage.count * 2)
        for i in 0..<count { bigger[i] = storage[(head + i) % storage.count] }
        storage = bigger
        head = 0
    }
}

extension RingBuffer where Element == Int32 {
    /// A FIFO of indices (requests, threads, packets); -1 fills the unused slots.
    init(capacity: Int = 8) { self.init(capacity: capacity, placeholder: -1) }
}
