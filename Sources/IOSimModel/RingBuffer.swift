//! A FIFO of small integers that grows by doubling and never shrinks: no allocation in steady state.

struct RingBuffer: Sendable {
    private var storage: ContiguousArray<Int32>
    private var head = 0
    private(set) var count = 0

    init(capacity: Int = 8) { storage = ContiguousArray(repeating: -1, count: max(capacity, 1)) }

    var isEmpty: Bool { count == 0 }
    var first: Int32? { count == 0 ? nil : storage[head] }

    @inline(__always) mutating func append(_ value: Int32) {
        if count == storage.count { grow() }
        var i = head + count
        if i >= storage.count { i -= storage.count }
        storage[i] = value
        count += 1
    }

    @inline(__always) mutating func popFirst() -> Int32? {
        guard count > 0 else { return nil }
        let v = storage[head]
        head += 1
        if head == storage.count { head = 0 }
        count -= 1
        return v
    }

    /// The element `offset` places from the head (0 is the head).
    func element(at offset: Int) -> Int32 { storage[(head + offset) % storage.count] }

    /// Removes and returns the element `offset` places from the head, keeping the others' order (O(count)).
    mutating func remove(at offset: Int) -> Int32 {
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
    var elements: [Int32] { (0..<count).map { element(at: $0) } }

    private mutating func grow() {
        var bigger = ContiguousArray<Int32>(repeating: -1, count: storage.count * 2)
        for i in 0..<count { bigger[i] = storage[(head + i) % storage.count] }
        storage = bigger
        head = 0
    }
}
