//! Storage for the world's hot state with element access that skips copy-on-write checks.
//!
//! Arrays of structs checked for uniqueness on every mutation cost the event loop a fifth of its time
//! (measured with callgrind on the reference workload). A table holds its elements at a fixed address and
//! mutates them in place through a nonmutating accessor. Copies of a table share storage, so a `World`
//! must never be copied once it runs: `Simulator` is a class for that reason. Indices never come from user
//! input (only from the model's own bookkeeping), so bounds are checked in debug builds, where every test runs.

final class TableStorage<Element> {
    var base: UnsafeMutablePointer<Element>
    var count: Int
    var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        base = UnsafeMutablePointer<Element>.allocate(capacity: self.capacity)
        count = 0
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }
}

struct UnsafeTable<Element> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count: Int
    private let storage: TableStorage<Element>

    init(capacity: Int = 8) {
        storage = TableStorage(capacity: capacity)
        base = storage.base
        count = 0
    }

    init(repeating value: Element, count: Int) {
        self.init(capacity: count)
        base.initialize(repeating: value, count: count)  // one pass, not `count` appends
        self.count = count
        storage.count = count
    }

    init<S: Sequence>(_ elements: S) where S.Element == Element {
        self.init()
        for e in elements { append(e) }
    }

    var isEmpty: Bool { count == 0 }

    subscript(index: Int) -> Element {
        @inline(__always) unsafeAddress {
            #if IOSIM_INTERNAL_CHECKS
            precondition(index >= 0 && index < count, "table index \(index) out of range 0..<\(count)")
            #endif
            return UnsafePointer(base + index)
        }
        @inline(__always) nonmutating unsafeMutableAddress {
            #if IOSIM_INTERNAL_CHECKS
            precondition(index >= 0 && index < count, "table index \(index) out of range 0..<\(count)")
            #endif
            return base + index
        }
    }

    mutating func append(_ element: Element) {
        if count == storage.capacity {
            let bigger = UnsafeMutablePointer<Element>.allocate(capacity: storage.capacity * 2)
            bigger.moveInitialize(from: base, count: count)
            base.deallocate()
            storage.base = bigger
            storage.capacity *= 2
            base = bigger
        }
        (base + count).initialize(to: element)
        count += 1
        storage.count = count
    }

    /// The elements as an array (for results, not the hot path).
    var array: [Element] { (0..<count).map { base[$0] } }
}
