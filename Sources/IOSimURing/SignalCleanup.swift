//! Removal of created files when the process is killed by SIGINT or SIGTERM.
//!
//! The handler itself is C (CIOUring/cleanup.c): it must make only async-signal-safe calls (unlink, rmdir,
//! sigaction, raise), which Swift cannot promise. This file is the Swift face of its path table.

import CIOUring

/// A path that will be removed if SIGINT or SIGTERM kills the process before `forget()`.
///
/// On the signal the handler unlinks registered files, then removes registered directories (newest first),
/// restores the previous disposition and re-raises the signal, so the process still ends the way the user
/// asked (exit status "killed by SIGINT"), or a program's own handler runs. The handlers are installed with
/// the first registration and removed with the last `forget()`.
public struct SignalCleanupRegistration: Sendable {
    /// The registered path.
    public let path: String
    private let slot: CInt

    /// Registers `path` for removal on SIGINT/SIGTERM.
    /// - Parameters:
    ///   - path: an absolute path this process created.
    ///   - isDirectory: remove with rmdir (after all files) instead of unlink.
    /// - Throws: `Errno.noSpace` when 256 paths are already registered, `.noMemory`.
    public init(path: String, isDirectory: Bool) throws(Errno) {
        let r = ciouring_cleanup_register(path, isDirectory ? 1 : 0)
        if r < 0 { throw Errno(rawValue: -r) }
        self.path = path
        self.slot = r
    }

    /// Stops watching the path (call after removing it normally, or when it must be kept).
    public func forget() { ciouring_cleanup_forget(slot) }

    /// Paths currently registered in the process.
    public static var registeredCount: Int { Int(ciouring_cleanup_count()) }
}
