//! `Errno`: an open set of POSIX error numbers with readable names (swift-system's shape).
//!
//! The errno space is open (a kernel can return numbers this file never heard of), so `Errno` is a
//! `RawRepresentable` struct, not an enum. The C spellings stay reachable as `unavailable, renamed` aliases,
//! so typing `.EPERM` leads to `.notPermitted`.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A POSIX error number, as returned by a failed system call or in a negative `cqe.res`.
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    /// The C `errno` value.
    public let rawValue: CInt

    /// Wraps a C `errno` value.
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// The calling thread's current `errno`.
    public static var current: Errno { Errno(rawValue: errno) }

    /// "EPERM (Operation not permitted)": the C name, then the C library's message.
    public var description: String {
        let message = String(cString: strerror(rawValue))
        if let name = Errno.names[rawValue] { return "\(name) (\(message))" }
        return "errno \(rawValue) (\(message))"
    }

    /// The C spelling, e.g. "EOPNOTSUPP", or "errno N" when unknown.
    public var cName: String { Errno.names[rawValue] ?? "errno \(rawValue)" }

    /// Operation not permitted. The corresponding C error is `EPERM`.
    public static var notPermitted: Errno { Errno(rawValue: Glibc.EPERM) }
    /// No such file or directory. The corresponding C error is `ENOENT`.
    public static var noSuchFileOrDirectory: Errno { Errno(rawValue: Glibc.ENOENT) }
    /// Interrupted system call. The corresponding C error is `EINTR`.
    public static var interrupted: Errno { Errno(rawValue: Glibc.EINTR) }
    /// Input/output error. The corresponding C error is `EIO`.
    public static var ioError: Errno { Errno(rawValue: Glibc.EIO) }
    /// Bad file descriptor. The corresponding C error is `EBADF`.
    public static var badFileDescriptor: Errno { Errno(rawValue: Glibc.EBADF) }
    /// Try again. The corresponding C error is `EAGAIN`.
    public static var resourceTemporarilyUnavailable: Errno { Errno(rawValue: Glibc.EAGAIN) }
    /// Out of memory (also: locked-memory limit reached). The corresponding C error is `ENOMEM`.
    public static var noMemory: Errno { Errno(rawValue: Glibc.ENOMEM) }
    /// Permission denied. The corresponding C error is `EACCES`.
    public static var permissionDenied: Errno { Errno(rawValue: Glibc.EACCES) }
    /// Bad address. The corresponding C error is `EFAULT`.
    public static var badAddress: Errno { Errno(rawValue: Glibc.EFAULT) }
    /// Device or resource busy. The corresponding C error is `EBUSY`.
    public static var resourceBusy: Errno { Errno(rawValue: Glibc.EBUSY) }
    /// File exists. The corresponding C error is `EEXIST`.
    public static var fileExists: Errno { Errno(rawValue: Glibc.EEXIST) }
    /// Is a directory. The corresponding C error is `EISDIR`.
    public static var isDirectory: Errno { Errno(rawValue: Glibc.EISDIR) }
    /// Invalid argument. The corresponding C error is `EINVAL`.
    public static var invalidArgument: Errno { Errno(rawValue: Glibc.EINVAL) }
    /// Too many open files. The corresponding C error is `EMFILE`.
    public static var tooManyOpenFiles: Errno { Errno(rawValue: Glibc.EMFILE) }
    /// File too large. The corresponding C error is `EFBIG`.
    public static var fileTooLarge: Errno { Errno(rawValue: Glibc.EFBIG) }
    /// No space left on device. The corresponding C error is `ENOSPC`.
    public static var noSpace: Errno { Errno(rawValue: Glibc.ENOSPC) }
    /// Read-only file system. The corresponding C error is `EROFS`.
    public static var readOnlyFileSystem: Errno { Errno(rawValue: Glibc.EROFS) }
    /// Function not implemented. The corresponding C error is `ENOSYS`.
    public static var noFunction: Errno { Errno(rawValue: Glibc.ENOSYS) }
    /// Operation not supported. The corresponding C error is `EOPNOTSUPP` (same value as `ENOTSUP` on Linux).
    public static var notSupported: Errno { Errno(rawValue: Glibc.EOPNOTSUPP) }
    /// Operation canceled. The corresponding C error is `ECANCELED`.
    public static var canceled: Errno { Errno(rawValue: Glibc.ECANCELED) }
    /// Disk quota exceeded. The corresponding C error is `EDQUOT`.
    public static var diskQuotaExceeded: Errno { Errno(rawValue: Glibc.EDQUOT) }
    /// No data available. The corresponding C error is `ENODATA`.
    public static var noData: Errno { Errno(rawValue: Glibc.ENODATA) }
    /// Value too large for defined data type. The corresponding C error is `EOVERFLOW`.
    public static var overflow: Errno { Errno(rawValue: Glibc.EOVERFLOW) }

    @available(*, unavailable, renamed: "notPermitted") public static var EPERM: Errno { .notPermitted }
    @available(*, unavailable, renamed: "noSuchFileOrDirectory") public static var ENOENT: Errno { .noSuchFileOrDirectory }
    @available(*, unavailable, renamed: "interrupted") public static var EINTR: Errno { .interrupted }
    @available(*, unavailable, renamed: "ioError") public static var EIO: Errno { .ioError }
    @available(*, unavailable, renamed: "badFileDescriptor") public static var EBADF: Errno { .badFileDescriptor }
    @available(*, unavailable, renamed: "resourceTemporarilyUnavailable") public static var EAGAIN: Errno {
        .resourceTemporarilyUnavailable
    }
    @available(*, unavailable, renamed: "noMemory") public static var ENOMEM: Errno { .noMemory }
    @available(*, unavailable, renamed: "permissionDenied") public static var EACCES: Errno { .permissionDenied }
    @available(*, unavailable, renamed: "badAddress") public static var EFAULT: Errno { .badAddress }
    @available(*, unavailable, renamed: "resourceBusy") public static var EBUSY: Errno { .resourceBusy }
    @available(*, unavailable, renamed: "fileExists") public static var EEXIST: Errno { .fileExists }
    @available(*, unavailable, renamed: "isDirectory") public static var EISDIR: Errno { .isDirectory }
    @available(*, unavailable, renamed: "invalidArgument") public static var EINVAL: Errno { .invalidArgument }
    @available(*, unavailable, renamed: "noSpace") public static var ENOSPC: Errno { .noSpace }
    @available(*, unavailable, renamed: "noFunction") public static var ENOSYS: Errno { .noFunction }
    @available(*, unavailable, renamed: "notSupported") public static var EOPNOTSUPP: Errno { .notSupported }
    @available(*, unavailable, renamed: "canceled") public static var ECANCELED: Errno { .canceled }

    // Why a table and not strerrorname_np: that is glibc 2.32+ only, and the names are what users search for.
    private static let names: [CInt: String] = [
        Glibc.EPERM: "EPERM", Glibc.ENOENT: "ENOENT", Glibc.EINTR: "EINTR", Glibc.EIO: "EIO", Glibc.EBADF: "EBADF", Glibc.EAGAIN: "EAGAIN",
        Glibc.ENOMEM: "ENOMEM", Glibc.EACCES: "EACCES", Glibc.EFAULT: "EFAULT", Glibc.EBUSY: "EBUSY", Glibc.EEXIST: "EEXIST",
        Glibc.EISDIR: "EISDIR", Glibc.EINVAL: "EINVAL", Glibc.EMFILE: "EMFILE", Glibc.EFBIG: "EFBIG", Glibc.ENOSPC: "ENOSPC",
        Glibc.EROFS: "EROFS", Glibc.ENOSYS: "ENOSYS", Glibc.EOPNOTSUPP: "EOPNOTSUPP", Glibc.ECANCELED: "ECANCELED",
        Glibc.EDQUOT: "EDQUOT", Glibc.ENODATA: "ENODATA", Glibc.EOVERFLOW: "EOVERFLOW", Glibc.ENXIO: "ENXIO", Glibc.ENODEV: "ENODEV",
        Glibc.ENOTDIR: "ENOTDIR", Glibc.ENFILE: "ENFILE", Glibc.ETIME: "ETIME", Glibc.EOWNERDEAD: "EOWNERDEAD",
    ]
}
