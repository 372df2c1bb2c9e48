//! Where a run's files live, and the guarantees around them.
//!
//! Safety rules, each enforced here:
//! - Files are laid out only inside a new subdirectory (`iosim-real-XXXXXX`, made by mkdtemp) of the
//!   directory the job names, or of $TMPDIR (or /tmp) when it names none.
//! - Files are created with O_CREAT|O_EXCL, so an existing file is never opened for writing; an
//!   `existingFile` is opened O_RDONLY only and never removed.
//! - Free space is checked with statvfs before anything is created; if it is short, nothing is created.
//! - Everything created is removed by `remove()` (called on every exit path of a run, errors included),
//!   and, if SIGINT or SIGTERM kills the process first, by the async-signal-safe handler of
//!   `SignalCleanupRegistration`, which unlinks the files and removes the directory before re-raising.

import Glibc
import IOSimCore
import IOSimURing

/// A run's private directory and the files in it.
final class Workspace {
    /// The directory this run created.
    let directory: String
    /// Files created in it (absolute paths), in creation order.
    private(set) var files: [String] = []
    private var registrations: [SignalCleanupRegistration] = []
    private var removed = false

    /// Headroom kept free beyond the file: 16 MiB plus 1% of the file, so the run never fills a disk.
    static func neededBytes(forFileBytes fileBytes: Int64) -> Int64 { fileBytes + max(16 << 20, fileBytes / 100) }

    /// The parent used when the job names no directory: $TMPDIR, else /tmp.
    static var defaultParent: String {
        if let t = getenv("TMPDIR"), t.pointee != 0 { return String(cString: t) }
        return "/tmp"
    }

    /// Checks `parent` and its free space, then creates the private subdirectory.
    /// - Throws: `RealError` `.directoryUnusable`, `.notEnoughSpace` (nothing created then).
    init(parent: String, fileBytes: Int64, faults: FaultInjection) throws(RealError) {
        var st = stat()
        if stat(parent, &st) != 0 { throw .directoryUnusable(parent, .current, doing: "use the directory") }
        if st.st_mode & S_IFMT != S_IFDIR { throw .directoryUnusable(parent, .init(rawValue: ENOTDIR), doing: "use the directory") }
        var fs = statvfs()
        if statvfs(parent, &fs) != 0 { throw .directoryUnusable(parent, .current, doing: "read free space (statvfs)") }
        let available = faults.availableBytes ?? UInt64(fs.f_bavail) * UInt64(fs.f_frsize)
        let needed = Workspace.neededBytes(forFileBytes: fileBytes)
        if available < UInt64(needed) {
            throw .notEnoughSpace(directory: parent, neededBytes: needed, availableBytes: available)
        }
        var template = Array("\(parent)/iosim-real-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let made else { throw .directoryUnusable(parent, .current, doing: "create a directory") }
        directory = String(cString: made)
        do {
            registrations.append(try SignalCleanupRegistration(path: directory, isDirectory: true))
        } catch {
            rmdir(directory)
            throw .systemCall("registering for cleanup", error, path: directory)
        }
    }

    deinit { remove() }

    /// Creates `name` exclusively and fills it with `bytes` bytes of pseudo-random data, then fsyncs it.
    ///
    /// Data, not a hole: ext4 answers reads of unwritten extents with zeros without touching the device, so
    /// only written blocks measure the disk. Each 4 KiB block is stamped with its offset so blocks differ.
    /// - Returns: the file's absolute path.
    /// - Throws: `RealError` `.noSpace` (the partial file is removed), `.systemCallFailed`.
    func layOutFile(named name: String, bytes: Int64, seed: UInt64, faults: FaultInjection) throws(RealError) -> String {
        let path = "\(directory)/\(name)"
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .exclusiveCreate, .noFollow])
        } catch {
            throw .systemCall("open(O_CREAT|O_EXCL)", error, path: path)
        }
        files.append(path)
        if let r = try? SignalCleanupRegistration(path: path, isDirectory: false) { registrations.append(r) }
        defer { try? fd.close() }

        let chunkBytes = 1 << 20
        guard let chunk = try? AlignedBuffer(byteCount: chunkBytes) else { throw .systemCall("posix_memalign", .noMemory) }
        var generator = SeededGenerator(seed: seed, streamName: "layout")
        for i in stride(from: 0, to: chunkBytes, by: 8) {
            chunk.bytes.storeBytes(of: generator.next(), toByteOffset: i, as: UInt64.self)
        }
        var offset: Int64 = 0
        while offset < bytes {
            let n = Int(min(Int64(chunkBytes), bytes - offset))
            for block in stride(from: 0, to: n, by: 4096) {
                chunk.bytes.storeBytes(of: UInt64(offset) + UInt64(block), toByteOffset: block, as: UInt64.self)
            }
            do throws(Errno) {
                if offset > 0, let e = faults.layoutWriteErrno { throw e }
                let written = try fd.write(toAbsoluteOffset: offset, from: UnsafeRawBufferPointer(start: chunk.baseAddress, count: n))
                if written < n { throw Errno.noSpace }  // a short write here means the disk is full
                offset += Int64(written)
            } catch {
                removeFile(path)
                if [Errno.noSpace, .diskQuotaExceeded, .fileTooLarge].contains(error) {
                    throw .noSpace(path: path, error)
                }
                throw .systemCall("pwrite", error, path: path)
            }
        }
        do {
            try fd.synchronize()
        } catch {
            removeFile(path)
            throw error == .noSpace ? .noSpace(path: path, error) : .systemCall("fsync", error, path: path)
        }
        return path
    }

    private func removeFile(_ path: String) {
        unlink(path)
        files.removeAll { $0 == path }
    }

    /// Removes every file created, then the directory, and stops watching them for signals. Idempotent.
    func remove() {
        guard !removed else { return }
        removed = true
        for f in files.reversed() { unlink(f) }
        rmdir(directory)
        for r in registrations { r.forget() }
        registrations = []
    }
}
