//! Shared helpers of the real-backend tests.

import Glibc
import IOSimCore
import IOSimReal
import IOSimURing
import Testing

/// Whether io_uring can be used here; probed once per test process.
enum URingAvailability {
    static let probe: Result<Void, Errno> = URing.probe()
    static var isAvailable: Bool { if case .success = probe { return true } else { return false } }
    static var skipReason: Comment {
        switch probe {
        case .success: return "io_uring is available"
        case .failure(let e):
            return Comment(rawValue: "io_uring unavailable here (io_uring_setup: \(e)); the io_uring engine cannot run")
        }
    }
}

/// A fresh directory under /tmp (or `parent`), removed with its contents (one level) by `remove()`.
struct TemporaryDirectory {
    let path: String
    init(_ prefix: String = "iosim-real-test", parent: String = "/tmp") {
        var template = Array("\(parent)/\(prefix)-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(p != nil, "mkdtemp failed: \(Errno.current)")
        path = String(cString: p!)
    }
    func file(_ name: String) -> String { "\(path)/\(name)" }
    /// Entries in the directory.
    var entries: [String] {
        guard let d = opendir(path) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
    func remove() {
        for name in entries {
            let p = file(name)
            if unlink(p) != 0 {
                // a leftover run directory: remove its files, then it
                if let d = opendir(p) {
                    while let e = readdir(d) {
                        let n = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                        if n != "." && n != ".." { unlink("\(p)/\(n)") }
                    }
                    closedir(d)
                }
                rmdir(p)
            }
        }
        rmdir(path)
    }
}

func fileExists(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0
}

/// A small job in `directory`: `count` 4 KiB IOs over an 8 MiB file, census on.
func smallJob(_ engine: RealJob.Engine, in directory: String, count: Int = 300) -> RealJob {
    var job = RealJob()
    job.engine = engine
    job.directory = directory
    job.fileBytes = 8 << 20
    job.stop = .ioCount(count)
    job.queueDepth = 8
    return job
}

/// Asserts the invariants every successful run must satisfy, and that nothing was left behind.
func expectSane(_ m: RealMeasurement, ios: Int? = nil, in directory: TemporaryDirectory,
                sourceLocation: SourceLocation = #_sourceLocation) {
    if let ios { #expect(m.ios == ios, sourceLocation: sourceLocation) }
    #expect(m.ios > 0, sourceLocation: sourceLocation)
    #expect(m.latency.count == UInt64(m.ios), "one latency sample per IO", sourceLocation: sourceLocation)
    #expect(m.bytes == Int64(m.ios) * Int64(m.job.blockBytes), sourceLocation: sourceLocation)
    #expect(m.elapsedNanoseconds > 0, sourceLocation: sourceLocation)
    #expect(m.latency.min > 0, sourceLocation: sourceLocation)
    #expect(m.iops > 0 && m.bandwidthBytesPerSecond > 0, sourceLocation: sourceLocation)
    #expect(m.processUserNanoseconds >= 0 && m.processSystemNanoseconds >= 0, sourceLocation: sourceLocation)
    #expect(m.jobThreadsCPUNanoseconds >= 0, sourceLocation: sourceLocation)
    #expect(m.cpuPerIONanoseconds >= 0, sourceLocation: sourceLocation)
    #expect(m.voluntaryContextSwitches >= 0 && m.involuntaryContextSwitches >= 0, sourceLocation: sourceLocation)
    for t in [m.systemCPU] + m.perCPU {
        #expect(t.userNanoseconds >= 0 && t.systemNanoseconds >= 0 && t.irqNanoseconds >= 0, sourceLocation: sourceLocation)
        #expect(t.softirqNanoseconds >= 0 && t.iowaitNanoseconds >= 0 && t.idleNanoseconds >= 0, sourceLocation: sourceLocation)
        #expect(t.stealNanoseconds >= 0, sourceLocation: sourceLocation)
    }
    #expect(m.perCPU.count == Int(sysconf(CInt(_SC_NPROCESSORS_ONLN))), sourceLocation: sourceLocation)
    #expect(m.diskIRQLines.names.count == m.diskIRQLines.numbers.count, sourceLocation: sourceLocation)
    if let t = m.threads {
        #expect(t.samples > 0 && t.threadsMax >= 1, sourceLocation: sourceLocation)
        #expect(t.samplerCPUNanoseconds >= 0, sourceLocation: sourceLocation)
    }
    #expect(m.fileWasCreated, sourceLocation: sourceLocation)
    #expect(m.path.hasPrefix(directory.path + "/iosim-real-"), "laid out inside the given directory", sourceLocation: sourceLocation)
    #expect(!fileExists(m.path), "the data file was removed", sourceLocation: sourceLocation)
    #expect(directory.entries.isEmpty, "nothing left in \(directory.path): \(directory.entries)", sourceLocation: sourceLocation)
}
