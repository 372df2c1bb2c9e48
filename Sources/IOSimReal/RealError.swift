//! `RealError`: every way a real run can fail, each with what happened, the likely cause and what to do.
//!
//! A CLI prints `description` then `hint`, and exits with `RealError.exitCode` (74, EX_IOERR).

import IOSimURing

/// A failed real run. Nothing the run created is left behind when one is thrown.
public struct RealError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure, for programs and tests.
    public enum Kind: String, Sendable, Hashable {
        /// io_uring_setup failed with ENOSYS or EPERM: no io_uring for this process.
        case ioUringUnavailable
        /// io_uring_setup refused the requested flags (EINVAL: a kernel older than the flag).
        case ioUringSetupRefused
        /// Opening with O_DIRECT failed (EINVAL: the file system does not support it).
        case directIORefused
        /// IOPOLL on a device without poll queues (EOPNOTSUPP).
        case ioPollUnsupported
        /// Registering buffers failed: RLIMIT_MEMLOCK too low (ENOMEM/EPERM).
        case memoryLockLimitTooLow
        /// Not enough free space to lay the file out (checked before anything is written).
        case notEnoughSpace
        /// The device ran out of space (ENOSPC/EDQUOT) while writing.
        case noSpace
        /// A read returned fewer bytes than asked.
        case shortRead
        /// A write wrote fewer bytes than asked.
        case shortWrite
        /// An IO completed with an error.
        case ioFailed
        /// The directory cannot be used (missing, not a directory, not writable).
        case directoryUnusable
        /// The existing file cannot be read.
        case existingFileUnusable
        /// A write job was pointed at a file this run did not create.
        case refusedToWriteExistingFile
        /// The job's numbers do not make sense.
        case invalidJob
        /// Interrupt time was to be traced (`InterruptTimeSource.trace`) and tracefs cannot be used.
        case interruptTraceUnavailable
        /// The interrupt trace's buffer overflowed: events were lost.
        case interruptTraceOverflowed
        /// The job's CPUs (or its SQPOLL thread's) are not ones this process may run on.
        case cpusUnavailable
        /// Any other failed system call.
        case systemCallFailed
    }

    /// The kind of failure.
    public var kind: Kind
    /// The errno behind it, if any.
    public var errno: Errno?
    /// What happened, with the numbers.
    public var description: String
    /// The likely cause and what to do.
    public var hint: String

    /// The exit status a command should use (EX_IOERR from sysexits.h).
    public static let exitCode: Int32 = 74

    public init(_ kind: Kind, errno: Errno? = nil, description: String, hint: String) {
        self.kind = kind
        self.errno = errno
        self.description = description
        self.hint = hint
    }

    // MARK: Builders, one per cause, so every message is written once.

    /// io_uring_setup failed; `sysctl` is the content of /proc/sys/kernel/io_uring_disabled (nil: unreadable).
    static func ioUringUnavailable(_ e: Errno, sysctl: String?) -> RealError {
        let setting = sysctl?.trimmingWhitespace
        var hint: String
        switch e {
        case .noFunction:
            hint = "ENOSYS: the kernel has no io_uring (older than Linux 5.1, or built without CONFIG_IO_URING), "
                + "or a seccomp filter answers ENOSYS for io_uring_setup. Use --engine pread or pool, or run on a "
                + "kernel with io_uring."
        case .notPermitted, .permissionDenied:
            switch setting {
            case "2":
                hint = "kernel.io_uring_disabled = 2: io_uring is disabled for every process. As root: "
                    + "sysctl -w kernel.io_uring_disabled=0 (or 1 to allow only the io_uring_group)."
            case "1":
                hint = "kernel.io_uring_disabled = 1: only processes with CAP_SYS_ADMIN or in the group "
                    + "kernel.io_uring_group may create rings. Add this user to that group, or as root: "
                    + "sysctl -w kernel.io_uring_disabled=0."
            case "0":
                hint = "kernel.io_uring_disabled = 0, so the sysctl allows io_uring: a seccomp filter denies it "
                    + "(container runtimes such as Docker's default profile block io_uring_setup). Run with a "
                    + "seccomp profile that allows io_uring_setup, io_uring_enter and io_uring_register."
            default:
                hint = "EPERM with /proc/sys/kernel/io_uring_disabled unreadable: either that sysctl (1 or 2) or a "
                    + "seccomp filter denies io_uring. Check `sysctl kernel.io_uring_disabled` and the container's "
                    + "seccomp profile."
            }
        default:
            hint = "io_uring_setup failed unexpectedly; check the kernel log (dmesg)."
        }
        return RealError(
            .ioUringUnavailable, errno: e, description: "io_uring is unavailable: io_uring_setup failed with \(e)",
            hint: hint)
    }

    static func setupRefused(_ e: Errno, flags: URing.SetupFlags) -> RealError {
        RealError(
            .ioUringSetupRefused, errno: e,
            description: "io_uring_setup refused flags 0x\(String(flags.rawValue, radix: 16)) with \(e)",
            hint: "The kernel is older than one of the flags (SINGLE_ISSUER needs 6.0, DEFER_TASKRUN 6.1, "
                + "COOP_TASKRUN 5.19). Turn deferTaskRun off (--no-defer-taskrun) or use a newer kernel. With "
                + "sqThreadCPU (IORING_SETUP_SQ_AFF), the CPU must be online and in the process's cpuset.")
    }

    public static func directIORefused(path: String, _ e: Errno) -> RealError {
        RealError(
            .directIORefused, errno: e, description: "opening \(path) with O_DIRECT failed with \(e)",
            hint: "The file system does not support O_DIRECT (e.g. tmpfs before Linux 6.6, some FUSE and overlay "
                + "file systems). Use a directory on a block-device file system (ext4, xfs) with --dir, or run "
                + "buffered (caching: bufferedCold or bufferedWarm).")
    }

    static func ioPollUnsupported(_ e: Errno, device: String?) -> RealError {
        RealError(
            .ioPollUnsupported, errno: e,
            description: "IOPOLL is not supported on this device\(device.map { " (\($0))" } ?? ""): a polled read completed with \(e)",
            hint: "not supported on this device: no poll queues (virtio-blk, or nvme.poll_queues=0). Polled IO "
                + "needs O_DIRECT on an NVMe device with poll queues (boot with nvme.poll_queues=N). Run without "
                + "ioPolling.")
    }

    static func memoryLockLimit(_ e: Errno, neededBytes: Int, limit: String) -> RealError {
        RealError(
            .memoryLockLimitTooLow, errno: e,
            description: "registering \(neededBytes) bytes of IO buffers failed with \(e) (RLIMIT_MEMLOCK \(limit))",
            hint: "Registered buffers are pinned and count against RLIMIT_MEMLOCK. Raise it (ulimit -l unlimited, "
                + "or LimitMEMLOCK= in a systemd unit, or memlock in /etc/security/limits.conf), lower the queue "
                + "depth or block size, or run without registeredBuffers.")
    }

    static func notEnoughSpace(directory: String, neededBytes: Int64, availableBytes: UInt64) -> RealError {
        RealError(
            .notEnoughSpace, errno: .noSpace,
            description: "not enough free space in \(directory): the job needs \(neededBytes) bytes "
                + "(file plus margin), \(availableBytes) are available; nothing was created",
            hint: "Free space on that file system, point --dir at a larger one, or make the file smaller.")
    }

    static func noSpace(path: String, _ e: Errno) -> RealError {
        RealError(
            .noSpace, errno: e, description: "writing \(path) failed with \(e); the partial file was removed",
            hint: "The file system filled up (or a quota was reached) while writing. Free space, point --dir "
                + "elsewhere, or make the file smaller.")
    }

    public static func shortRead(path: String, offset: Int64, expected: Int, got: Int) -> RealError {
        RealError(
            .shortRead, description: "short read of \(path) at offset \(offset): \(got) of \(expected) bytes",
            hint: "The file is shorter than the job assumed (truncated while running?), or the read crossed its "
                + "end. Check the file size and that nothing else writes to it.")
    }

    static func shortWrite(path: String, offset: Int64, expected: Int, got: Int) -> RealError {
        RealError(
            .shortWrite, description: "short write of \(path) at offset \(offset): \(got) of \(expected) bytes",
            hint: "The file system is nearly full or a file size limit (ulimit -f) was reached.")
    }

    public static func ioFailed(operation: String, path: String, offset: Int64, _ e: Errno, direct: Bool) -> RealError {
        var hint: String
        switch e {
        case .ioError: hint = "EIO: the device reported an error; check dmesg for the device's messages."
        case .invalidArgument where direct:
            hint = "EINVAL with O_DIRECT: the block size or buffer alignment does not suit the device's logical "
                + "block size (see /sys/block/DEV/queue/logical_block_size); use a block size that is a multiple."
        case .resourceTemporarilyUnavailable: hint = "EAGAIN: the kernel could not queue the request; lower the queue depth."
        case .canceled: hint = "ECANCELED: the request was cancelled (ring torn down?)."
        default: hint = "Unexpected completion error; check dmesg and the file system."
        }
        return RealError(
            .ioFailed, errno: e, description: "\(operation) of \(path) at offset \(offset) failed with \(e)",
            hint: hint)
    }

    static func directoryUnusable(_ path: String, _ e: Errno, doing: String) -> RealError {
        RealError(
            .directoryUnusable, errno: e, description: "cannot \(doing) in \(path): \(e)",
            hint: "Give --dir an existing, writable directory (the run makes a subdirectory in it and removes it "
                + "afterwards).")
    }

    static func existingFileUnusable(_ path: String, _ e: Errno, doing: String) -> RealError {
        RealError(
            .existingFileUnusable, errno: e, description: "cannot \(doing) \(path): \(e)",
            hint: "The existing file must be a readable regular file at least one block long.")
    }

    static func refusedToWrite(_ path: String) -> RealError {
        RealError(
            .refusedToWriteExistingFile,
            description: "refusing to write to \(path): the run writes only to files it created",
            hint: "Drop existingFile to let the run lay out its own file (in --dir), or make the job read-only.")
    }

    static func cpusRefused(_ e: Errno, cpus: [Int], allowed: [Int]) -> RealError {
        RealError(
            .cpusUnavailable, errno: e,
            description: "sched_setaffinity refused CPUs \(cpuList(cpus)) for a job thread with \(e)",
            hint: "This process may run on CPUs \(cpuList(allowed)) (taskset, the cgroup's cpuset). Name those in the "
                + "thread's cpus, or leave cpus out.")
    }

    /// A CPU the job names that this process may not run on, found before anything is laid out.
    static func cpuNotAllowed(_ cpu: Int, for what: String, allowed: [Int]) -> RealError {
        RealError(
            .cpusUnavailable,
            description: "CPU \(cpu), named for \(what), is not one this process may run on",
            hint: "This process may run on CPUs \(cpuList(allowed)) (taskset, the cgroup's cpuset, the CPUs online). "
                + "Name those in the thread's cpus or the ring's sqThreadCPU, or leave them out.")
    }

    /// "0-3,6" for [0, 1, 2, 3, 6].
    public static func cpuList(_ cpus: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        let sorted = cpus.sorted()
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(j == i ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
            i = j + 1
        }
        return parts.isEmpty ? "(none)" : parts.joined(separator: ",")
    }

    static func invalidJob(_ what: String) -> RealError {
        RealError(.invalidJob, description: "invalid job: \(what)", hint: "Fix the job's parameters.")
    }

    static func interruptTraceUnavailable(_ reason: String, errno e: Errno?) -> RealError {
        RealError(
            .interruptTraceUnavailable, errno: e,
            description: "cannot trace interrupt time: \(reason)\(e.map { ": \($0)" } ?? "")",
            hint: "Tracing the irq tracepoints needs root (or write access to tracefs) and tracefs mounted at "
                + "/sys/kernel/tracing (mount -t tracefs nodev /sys/kernel/tracing); or measure interrupt time "
                + "from /proc/stat's ticks with --irq-time ticks.")
    }

    static func interruptTraceOverflowed(events: UInt64, cpu: String) -> RealError {
        RealError(
            .interruptTraceOverflowed,
            description: "the interrupt trace lost \(events) events on \(cpu): its buffer filled before the run ended",
            hint: "Run for less time (--duration), or measure interrupt time from /proc/stat's ticks with --irq-time ticks.")
    }

    static func systemCall(_ name: String, _ e: Errno, path: String? = nil) -> RealError {
        RealError(
            .systemCallFailed, errno: e, description: "\(name)\(path.map { " \($0)" } ?? "") failed with \(e)",
            hint: "Unexpected; check permissions and the kernel log.")
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
