//! `FileDescriptor`: a strong type over a raw `CInt` descriptor, with the few calls the real backend needs.
//!
//! Like swift-system's, it is a value: copying it does not duplicate the kernel descriptor, and `close()` is
//! explicit. Each call documents its corresponding C function. EINTR is retried by default.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CIOUring

/// An open file descriptor.
public struct FileDescriptor: RawRepresentable, Hashable, Sendable {
    /// The C descriptor.
    public let rawValue: CInt

    /// Wraps a C descriptor (no ownership is taken: the caller decides when to `close()`).
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// How a file is opened: for reading, writing or both.
    public struct AccessMode: RawRepresentable, Hashable, Sendable {
        public let rawValue: CInt
        public init(rawValue: CInt) { self.rawValue = rawValue }
        /// The corresponding C flag is `O_RDONLY`.
        public static let readOnly = AccessMode(rawValue: O_RDONLY)
        /// The corresponding C flag is `O_WRONLY`.
        public static let writeOnly = AccessMode(rawValue: O_WRONLY)
        /// The corresponding C flag is `O_RDWR`.
        public static let readWrite = AccessMode(rawValue: O_RDWR)
    }

    /// Options of `open`.
    public struct OpenOptions: OptionSet, Hashable, Sendable {
        public let rawValue: CInt
        public init(rawValue: CInt) { self.rawValue = rawValue }
        /// Create the file if missing. The corresponding C flag is `O_CREAT`.
        public static let create = OpenOptions(rawValue: O_CREAT)
        /// With `create`: fail with EEXIST if the file exists. The corresponding C flag is `O_EXCL`.
        public static let exclusiveCreate = OpenOptions(rawValue: O_EXCL)
        /// Truncate to zero length. The corresponding C flag is `O_TRUNC`.
        public static let truncate = OpenOptions(rawValue: O_TRUNC)
        /// Bypass the page cache: buffers, offsets and lengths must be aligned to the logical block size.
        /// The corresponding C flag is `O_DIRECT`.
        public static let direct = OpenOptions(rawValue: ciouring_o_direct)
        /// Fail with ENOTDIR unless the path is a directory. The corresponding C flag is `O_DIRECTORY`.
        public static let directory = OpenOptions(rawValue: O_DIRECTORY)
        /// Do not follow a symbolic link in the last component. The corresponding C flag is `O_NOFOLLOW`.
        public static let noFollow = OpenOptions(rawValue: O_NOFOLLOW)
    }

    /// Opens (or creates) a file. `O_CLOEXEC` is always added, so a spawned child never inherits it.
    ///
    /// The corresponding C function is `open`.
    /// - Parameters:
    ///   - path: the file.
    ///   - mode: read, write or both.
    ///   - options: creation and caching options.
    ///   - permissions: mode bits for a created file.
    ///   - retryOnInterrupt: retry on EINTR.
    /// - Returns: the new descriptor.
    /// - Throws: the `Errno` of `open` (ENOENT, EACCES, EEXIST, EINVAL for O_DIRECT on a file system without
    ///   it, ...).
    public static func open(
        _ path: String, _ mode: AccessMode, options: OpenOptions = [], permissions: mode_t = 0o600,
        retryOnInterrupt: Bool = true
    ) throws(Errno) -> FileDescriptor {
        let flags = mode.rawValue | options.rawValue | O_CLOEXEC
        let result = valueOrErrno(retryOnInterrupt: retryOnInterrupt) { Glibc.open(path, flags, permissions) }
        return FileDescriptor(rawValue: try result.get())
    }

    /// Closes the descriptor. EINTR is not retried: Linux has released the descriptor already.
    ///
    /// The corresponding C function is `close`.
    /// - Throws: `Errno` (EIO from a delayed write error).
    public func close() throws(Errno) {
        if Glibc.close(rawValue) == -1 {
            let e = Errno.current
            if e == .interrupted { return }
            throw trapOnProgrammingError(e, call: "close")
        }
    }

    /// Reads up to `buffer.count` bytes at `offset` without moving the file position.
    ///
    /// The corresponding C function is `pread`.
    /// - Parameters:
    ///   - offset: byte offset in the file.
    ///   - buffer: destination; page-aligned for O_DIRECT (see `AlignedBuffer`).
    ///   - retryOnInterrupt: retry on EINTR.
    /// - Returns: bytes read; fewer than asked at end of file.
    /// - Throws: `Errno` (EIO, EINVAL for a misaligned O_DIRECT request, ...).
    @inlinable
    public func read(
        fromAbsoluteOffset offset: Int64, into buffer: UnsafeMutableRawBufferPointer, retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        let result = valueOrErrno(retryOnInterrupt: retryOnInterrupt) {
            pread(rawValue, buffer.baseAddress, buffer.count, off_t(offset))
        }
        switch result {
        case .success(let n): return n
        case .failure(let e): throw trapOnProgrammingError(e, call: "pread")
        }
    }

    /// Writes up to `buffer.count` bytes at `offset` without moving the file position.
    ///
    /// The corresponding C function is `pwrite`.
    /// - Parameters:
    ///   - offset: byte offset in the file.
    ///   - buffer: source.
    ///   - retryOnInterrupt: retry on EINTR.
    /// - Returns: bytes written.
    /// - Throws: `Errno` (ENOSPC, EDQUOT, EIO, ...).
    @inlinable
    public func write(
        toAbsoluteOffset offset: Int64, from buffer: UnsafeRawBufferPointer, retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        let result = valueOrErrno(retryOnInterrupt: retryOnInterrupt) {
            pwrite(rawValue, buffer.baseAddress, buffer.count, off_t(offset))
        }
        switch result {
        case .success(let n): return n
        case .failure(let e): throw trapOnProgrammingError(e, call: "pwrite")
        }
    }

    /// Flushes the file's data and metadata to the device.
    ///
    /// The corresponding C function is `fsync`.
    /// - Throws: `Errno` (EIO, ENOSPC).
    public func synchronize() throws(Errno) {
        let result = valueOrErrno { fsync(rawValue) }
        if case .failure(let e) = result { throw trapOnProgrammingError(e, call: "fsync") }
    }

    /// Asks the kernel to drop this file's clean pages from the page cache (dirty pages stay: call
    /// `synchronize()` first).
    ///
    /// The corresponding C function is `posix_fadvise(POSIX_FADV_DONTNEED)`.
    /// - Parameters:
    ///   - offset: first byte.
    ///   - length: bytes, 0 for "to the end".
    /// - Throws: `Errno` (ESPIPE for a pipe).
    public func adviseDontNeed(offset: Int64 = 0, length: Int64 = 0) throws(Errno) {
        // posix_fadvise returns the error number instead of setting errno.
        let r = posix_fadvise(rawValue, off_t(offset), off_t(length), POSIX_FADV_DONTNEED)
        if r != 0 { throw trapOnProgrammingError(Errno(rawValue: r), call: "posix_fadvise") }
    }

    /// The facts of `fstat` the real backend uses.
    public struct Status: Hashable, Sendable {
        /// File size in bytes.
        public var sizeBytes: Int64
        /// Major number of the device holding the file (`st_dev`).
        public var deviceMajor: UInt32
        /// Minor number of the device holding the file (`st_dev`).
        public var deviceMinor: UInt32
        /// True for a regular file.
        public var isRegularFile: Bool
        /// True for a directory.
        public var isDirectory: Bool
        /// Inode number, with the device it identifies the file.
        public var inode: UInt64
    }

    /// The file's size, kind and device.
    ///
    /// The corresponding C function is `fstat`.
    /// - Throws: `Errno`.
    public func status() throws(Errno) -> Status {
        var st = stat()
        let result = valueOrErrno { fstat(rawValue, &st) }
        if case .failure(let e) = result { throw trapOnProgrammingError(e, call: "fstat") }
        // glibc's major()/minor() are macros Swift cannot import; this is their definition.
        let dev = UInt64(st.st_dev)
        let major = UInt32(truncatingIfNeeded: ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff)))
        let minor = UInt32(truncatingIfNeeded: (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))
        return Status(
            sizeBytes: Int64(st.st_size), deviceMajor: major, deviceMinor: minor, isRegularFile: (st.st_mode & S_IFMT) == S_IFREG,
            isDirectory: (st.st_mode & S_IFMT) == S_IFDIR, inode: UInt64(st.st_ino))
    }
}
