//! Shared helpers of the ring tests: io_uring availability (computed once), temporary directories, data.

import Glibc
import IOSimCore
import IOSimURing
import Testing

/// Whether this process can create an io_uring, and if not, why; probed once per test process.
enum URingAvailability {
    static let probe: Result<Void, Errno> = URing.probe()
    static var isAvailable: Bool { if case .success = probe { return true } else { return false } }
    /// The skip reason shown by `.enabled(if:)`.
    static var skipReason: Comment {
        switch probe {
        case .success: return "io_uring is available"
        case .failure(let e):
            return Comment(rawValue: "io_uring unavailable here (io_uring_setup: \(e)); kernel.io_uring_disabled, a seccomp filter or an old kernel")
        }
    }
}

/// A fresh directory under /tmp, removed with everything in it by `remove()`.
struct TemporaryDirectory {
    let path: String
    init(_ prefix: String = "iosim-uring-test") {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(p != nil, "mkdtemp failed: \(Errno.current)")
        path = String(cString: p!)
    }
    func file(_ name: String) -> String { "\(path)/\(name)" }
    func remove() {
        if let d = opendir(path) {
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name != "." && name != ".." { unlink(file(name)) }
            }
            closedir(d)
        }
        rmdir(path)
    }
}

/// Fills `buffer` with SplitMix64 bytes of `seed`.
func fillPseudoRandom(_ buffer: UnsafeMutableRawBufferPointer, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    var i = 0
    while i + 8 <= buffer.count {
        buffer.storeBytes(of: g.next(), toByteOffset: i, as: UInt64.self)
        i += 8
    }
    while i < buffer.count {
        buffer[i] = UInt8(truncatingIfNeeded: g.next())
        i += 1
    }
}

/// FNV-1a 64 of the bytes.
func checksum(_ buffer: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in buffer { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return h
}

/// Names of this process's threads (/proc/self/task/*/comm).
func threadNames() -> [String] {
    var names: [String] = []
    guard let d = opendir("/proc/self/task") else { return names }
    defer { closedir(d) }
    while let e = readdir(d) {
        let tid = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if tid.first == "." { continue }
        let fd = open("/proc/self/task/\(tid)/comm", O_RDONLY)
        if fd < 0 { continue }
        var buf = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &buf, 64)
        close(fd)
        if n > 0 { names.append(String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: "\n")) }
    }
    return names
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.last == set { s.removeLast() }
        return s
    }
}

/// Polls `condition` every 10 ms for up to 2 s.
func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<200 {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}
