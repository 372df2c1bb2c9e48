//! The one place that knows how a failed system call reports itself, and the one EINTR loop.
//!
//! Two conventions meet here: libc calls return -1 and leave the error in `errno`; the io_uring wrappers of
//! CIOUring (like liburing) return `-errno`. Both funnel into `retryingOnInterrupt`, so "retry on EINTR" is
//! written once. Errnos that can only mean a bug in this package (EBADF on a descriptor we own, EFAULT on a
//! buffer we allocated) trap through `trapOnProgrammingError`; environmental ones are returned as values.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Calls `attempt` until it returns anything but `.failure(.interrupted)` (when `retryOnInterrupt` is true).
///
/// This is the package's only EINTR loop. A signal that interrupts a blocking call (a timer, a debugger,
/// SIGCHLD) is not a failure of the call, so the default is to retry; pass `false` to see `.interrupted`.
/// - Parameters:
///   - retryOnInterrupt: retry while the result is `.interrupted`.
///   - attempt: one try of the call.
/// - Returns: the first result that is not an interruption (or any result when not retrying).
@inlinable
public func retryingOnInterrupt<T>(_ retryOnInterrupt: Bool = true, _ attempt: () -> Result<T, Errno>) -> Result<T, Errno> {
    while true {
        let result = attempt()
        if retryOnInterrupt, case .failure(let e) = result, e == .interrupted { continue }
        return result
    }
}

/// Runs a libc call that returns -1 and sets `errno` on failure, retrying on EINTR.
/// - Parameters:
///   - retryOnInterrupt: retry while the call fails with EINTR.
///   - call: the libc call.
/// - Returns: the call's non-negative result, or the `errno` it left.
@inlinable
public func valueOrErrno<T: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ call: () -> T) -> Result<T, Errno> {
    retryingOnInterrupt(retryOnInterrupt) {
        let value = call()
        return value == -1 ? .failure(Errno.current) : .success(value)
    }
}

/// Runs a call that returns `-errno` on failure (the CIOUring and liburing convention), retrying on EINTR.
/// - Parameters:
///   - retryOnInterrupt: retry while the call returns `-EINTR`.
///   - call: the call.
/// - Returns: the call's non-negative result, or the negated errno as an `Errno`.
@inlinable
public func valueOrNegatedErrno(retryOnInterrupt: Bool = true, _ call: () -> CInt) -> Result<CInt, Errno> {
    retryingOnInterrupt(retryOnInterrupt) {
        let value = call()
        return value < 0 ? .failure(Errno(rawValue: -value)) : .success(value)
    }
}

/// Traps when `errno` can only mean a bug in this package, otherwise returns it unchanged.
///
/// EBADF (a descriptor we own was closed or never opened) and EFAULT (a buffer we allocated is not
/// addressable) are programming errors: going on would corrupt measurements or memory, so they stop the
/// process with the call's name. Everything else (EIO, ENOSPC, EAGAIN, ENOSYS, ...) is the environment
/// speaking and goes back to the caller.
/// - Parameters:
///   - errno: the error a call returned.
///   - call: the call's name, for the trap message.
/// - Returns: `errno` when it is environmental.
@inlinable
public func trapOnProgrammingError(_ errno: Errno, call: StaticString) -> Errno {
    switch errno {
    case .badFileDescriptor:
        preconditionFailure("\(call): EBADF: a descriptor owned by IOSimURing is invalid (closed twice?)")
    case .badAddress:
        preconditionFailure("\(call): EFAULT: a buffer owned by IOSimURing is not addressable")
    default:
        return errno
    }
}
