//! `URing`: one io_uring instance (ring descriptor, the three shared mappings), owned by Swift.
//!
//! The ring is the kernel's (io_uring(7), io_uring_setup(2), io_uring_enter(2)): a submission queue of SQE
//! indices and a completion queue of CQEs in memory shared with the kernel. Naming follows liburing:
//! pointers into kernel-shared memory are `kernelHead`, `kernelTail`, `kernelFlags`; plain names are this
//! side's cached copies. Ordering rules (from the kernel's comment, quoted in CIOUring.h): SQEs are written
//! before the SQ tail is stored with release; the CQ tail is loaded with acquire before CQEs are read, and
//! the CQ head is stored with release after.
//!
//! What it does not do: linked SQEs, buffer rings, multishot, SQE128/CQE32, registered ring fds. Not
//! thread-safe: one thread prepares, submits and reaps (and with SINGLE_ISSUER/DEFER_TASKRUN it must be the
//! thread that created the ring, or the kernel answers EEXIST, which traps here as a programming error).

#if canImport(Glibc)
import Glibc
#endif
import CIOUring

/// An io_uring instance: set up in `init`, unmapped and closed in `deinit`.
public final class URing {
    // MARK: Setup

    /// Flags of io_uring_setup(2) this backend uses (`io_uring_params.flags`).
    public struct SetupFlags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// Completions are polled from the device instead of signalled by an interrupt; needs O_DIRECT and a
        /// driver with poll queues (NVMe with `nvme.poll_queues` > 0; not virtio-blk, which answers each IO
        /// with EOPNOTSUPP). The corresponding C flag is `IORING_SETUP_IOPOLL`.
        public static let ioPolling = SetupFlags(rawValue: IORING_SETUP_IOPOLL)
        /// A kernel thread (`iou-sqp-<pid>`) polls the SQ, so submission needs no syscall while it is awake;
        /// it sleeps after `sqThreadIdleMilliseconds` and sets IORING_SQ_NEED_WAKEUP. Burns a CPU while
        /// awake. The corresponding C flag is `IORING_SETUP_SQPOLL`.
        public static let submissionQueuePolling = SetupFlags(rawValue: IORING_SETUP_SQPOLL)
        /// Completion task work runs at the next kernel entry of the task instead of interrupting it with an
        /// IPI. Not valid with SQPOLL. The corresponding C flag is `IORING_SETUP_COOP_TASKRUN`.
        public static let cooperativeTaskRun = SetupFlags(rawValue: IORING_SETUP_COOP_TASKRUN)
        /// The kernel sets IORING_SQ_TASKRUN when task work is pending, so a thread that peeks the CQ without
        /// a syscall knows when it must enter. Needs COOP_TASKRUN or DEFER_TASKRUN.
        /// The corresponding C flag is `IORING_SETUP_TASKRUN_FLAG`.
        public static let taskRunFlag = SetupFlags(rawValue: IORING_SETUP_TASKRUN_FLAG)
        /// Only the creating task submits (lets the kernel skip locking). The corresponding C flag is
        /// `IORING_SETUP_SINGLE_ISSUER` (Linux 6.0).
        public static let singleIssuer = SetupFlags(rawValue: IORING_SETUP_SINGLE_ISSUER)
        /// Completion task work is deferred until the task waits in io_uring_enter with GETEVENTS, so it runs
        /// in batches at a time the application chose. Needs SINGLE_ISSUER; not valid with SQPOLL.
        /// The corresponding C flag is `IORING_SETUP_DEFER_TASKRUN` (Linux 6.1).
        public static let deferTaskRun = SetupFlags(rawValue: IORING_SETUP_DEFER_TASKRUN)
        /// Clamp too-large sizes instead of failing. The corresponding C flag is `IORING_SETUP_CLAMP`.
        public static let clamp = SetupFlags(rawValue: IORING_SETUP_CLAMP)

        /// fio 3.33's io_uring engine setup (checked with strace on this machine):
        /// COOP_TASKRUN | SINGLE_ISSUER | DEFER_TASKRUN.
        public static let fioDefaults: SetupFlags = [.cooperativeTaskRun, .singleIssuer, .deferTaskRun]
    }

    /// Flags of one SQE (`io_uring_sqe.flags`).
    public struct SQEFlags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// `fd` is an index into the registered file table. The corresponding C flag is `IOSQE_FIXED_FILE`.
        /// Set automatically by `FileTarget.registered`.
        public static let fixedFile = SQEFlags(rawValue: 1 << UInt8(IOSQE_FIXED_FILE_BIT))
        /// Do not try the request inline: hand it to an io-wq worker (`iou-wrk-*`) at once.
        /// The corresponding C flag is `IOSQE_ASYNC`.
        public static let async = SQEFlags(rawValue: 1 << UInt8(IOSQE_ASYNC_BIT))
        /// Start only after every earlier SQE completed. The corresponding C flag is `IOSQE_IO_DRAIN`.
        public static let drain = SQEFlags(rawValue: 1 << UInt8(IOSQE_IO_DRAIN_BIT))
    }

    /// The operations this backend submits, with their kernel opcodes.
    public enum Opcode: UInt8, Sendable, CaseIterable {
        /// Does nothing; completes with 0. `IORING_OP_NOP`.
        case nop = 0
        /// `pread` into an address. `IORING_OP_READ`.
        case read = 22
        /// `pwrite` from an address. `IORING_OP_WRITE`.
        case write = 23
        /// `pread` into a registered buffer. `IORING_OP_READ_FIXED`.
        case readFixed = 4
        /// `pwrite` from a registered buffer. `IORING_OP_WRITE_FIXED`.
        case writeFixed = 5
    }

    /// The file an SQE targets: a plain descriptor, or an index into the registered file table.
    public enum FileTarget: Hashable, Sendable {
        /// A descriptor; the kernel takes a reference to its file per request.
        case descriptor(FileDescriptor)
        /// An index registered with `registerFiles`; saves the per-request file reference (fget/fput).
        case registered(index: UInt32)
    }

    /// Features the kernel reported at setup (`io_uring_params.features`).
    public struct Features: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// SQ and CQ rings share one mapping. `IORING_FEAT_SINGLE_MMAP`.
        public static let singleMmap = Features(rawValue: IORING_FEAT_SINGLE_MMAP)
        /// CQEs are never dropped on overflow. `IORING_FEAT_NODROP`.
        public static let noDrop = Features(rawValue: IORING_FEAT_NODROP)
        /// io-wq workers are threads of this process (`iou-wrk-*`). `IORING_FEAT_NATIVE_WORKERS`.
        public static let nativeWorkers = Features(rawValue: IORING_FEAT_NATIVE_WORKERS)
    }

    /// The ring's descriptor (owned: closed in deinit).
    public let ringDescriptor: FileDescriptor
    /// The flags the ring was set up with.
    public let setupFlags: SetupFlags
    /// Features reported by the kernel.
    public let features: Features
    /// Entries in the SQ (a power of two, possibly rounded up from the request).
    public let submissionQueueEntries: UInt32
    /// Entries in the CQ (twice the SQ unless asked otherwise).
    public let completionQueueEntries: UInt32

    // Shared mappings, unmapped in deinit.
    private let sqRingMapping: UnsafeMutableRawBufferPointer
    private let cqRingMapping: UnsafeMutableRawBufferPointer?  // nil with IORING_FEAT_SINGLE_MMAP
    private let sqeMapping: UnsafeMutableRawBufferPointer

    // Submission queue: kernel-shared words and this side's copies.
    private let sqKernelHead: UnsafeMutablePointer<UInt32>
    private let sqKernelTail: UnsafeMutablePointer<UInt32>
    private let sqKernelFlags: UnsafeMutablePointer<UInt32>
    private let sqKernelDropped: UnsafeMutablePointer<UInt32>
    private let sqRingMask: UInt32
    private let sqes: UnsafeMutablePointer<io_uring_sqe>
    /// Next free SQE (this side only; published to `sqKernelTail` by `submit`).
    private var sqTail: UInt32 = 0

    // Completion queue.
    private let cqKernelHead: UnsafeMutablePointer<UInt32>
    private let cqKernelTail: UnsafeMutablePointer<UInt32>
    private let cqKernelOverflow: UnsafeMutablePointer<UInt32>
    private let cqRingMask: UInt32
    private let cqes: UnsafeMutablePointer<io_uring_cqe>
    /// Cached copy of the CQ head (only this side moves it).
    private var cqHead: UInt32 = 0

    /// Creates a ring.
    ///
    /// The corresponding C function is `io_uring_setup`.
    /// - Parameters:
    ///   - entries: SQ entries wanted (rounded up to a power of two by the kernel; at most 32768).
    ///   - flags: setup flags; see `SetupFlags` for which combinations the kernel refuses.
    ///   - sqThreadIdleMilliseconds: with SQPOLL, how long the poller spins on an empty SQ before sleeping.
    ///   - sqThreadCPU: with SQPOLL, the CPU the poller is bound to (IORING_SETUP_SQ_AFF, `sq_thread_cpu`);
    ///     nil leaves it to the scheduler. The kernel answers EINVAL for a CPU that is not online and
    ///     without SQPOLL.
    ///   - completionQueueEntries: CQ size (IORING_SETUP_CQSIZE); default twice the SQ.
    /// - Throws: `Errno`: ENOSYS (no io_uring in this kernel, or seccomp), EPERM (`kernel.io_uring_disabled`
    ///   or seccomp), EINVAL (a flag this kernel does not know, or a refused combination), ENOMEM (locked
    ///   memory for the rings), EMFILE.
    public init(
        entries: UInt32, flags: SetupFlags = [], sqThreadIdleMilliseconds: UInt32 = 1000, sqThreadCPU: Int? = nil,
        completionQueueEntries: UInt32? = nil
    ) throws(Errno) {
        precondition(entries > 0, "a ring needs at least one entry")
        var params = io_uring_params()
        params.flags = flags.rawValue
        if flags.contains(.submissionQueuePolling) { params.sq_thread_idle = sqThreadIdleMilliseconds }
        if let sqThreadCPU {
            guard sqThreadCPU >= 0, sqThreadCPU <= Int(UInt32.max) else { throw .invalidArgument }
            params.flags |= IORING_SETUP_SQ_AFF
            params.sq_thread_cpu = UInt32(sqThreadCPU)
        }
        if let completionQueueEntries {
            params.flags |= IORING_SETUP_CQSIZE
            params.cq_entries = completionQueueEntries
        }
        let fd = try valueOrNegatedErrno { ciouring_setup(entries, &params) }.get()
        let ring = FileDescriptor(rawValue: fd)

        let features = Features(rawValue: params.features)
        let sqRingBytes = Int(params.sq_off.array) + Int(params.sq_entries) * MemoryLayout<UInt32>.stride
        let cqRingBytes = Int(params.cq_off.cqes) + Int(params.cq_entries) * MemoryLayout<io_uring_cqe>.stride
        let single = features.contains(.singleMmap)
        // Why MAP_POPULATE: fault the ring pages in now, not on the first IO we time.
        func map(_ bytes: Int, _ offset: UInt64) -> UnsafeMutableRawBufferPointer? {
            let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, off_t(offset))
            guard let p, p != MAP_FAILED else { return nil }
            return UnsafeMutableRawBufferPointer(start: p, count: bytes)
        }
        guard let sqMap = map(single ? max(sqRingBytes, cqRingBytes) : sqRingBytes, IORING_OFF_SQ_RING) else {
            let e = Errno.current
            _ = try? ring.close()
            throw e
        }
        var cqMap: UnsafeMutableRawBufferPointer? = nil
        if !single {
            guard let m = map(cqRingBytes, IORING_OFF_CQ_RING) else {
                let e = Errno.current
                munmap(sqMap.baseAddress, sqMap.count)
                _ = try? ring.close()
                throw e
            }
            cqMap = m
        }
        let sqeBytes = Int(params.sq_entries) * MemoryLayout<io_uring_sqe>.stride
        guard let sqeMap = map(sqeBytes, IORING_OFF_SQES) else {
            let e = Errno.current
            munmap(sqMap.baseAddress, sqMap.count)
            if let cqMap { munmap(cqMap.baseAddress, cqMap.count) }
            _ = try? ring.close()
            throw e
        }

        let sqBase = sqMap.baseAddress!
        let cqBase = (cqMap ?? sqMap).baseAddress!
        func word(_ base: UnsafeMutableRawPointer, _ offset: UInt32) -> UnsafeMutablePointer<UInt32> {
            (base + Int(offset)).assumingMemoryBound(to: UInt32.self)
        }
        self.ringDescriptor = ring
        self.setupFlags = SetupFlags(rawValue: params.flags)
        self.features = features
        self.submissionQueueEntries = params.sq_entries
        self.completionQueueEntries = params.cq_entries
        self.sqRingMapping = sqMap
        self.cqRingMapping = cqMap
        self.sqeMapping = sqeMap
        self.sqKernelHead = word(sqBase, params.sq_off.head)
        self.sqKernelTail = word(sqBase, params.sq_off.tail)
        self.sqKernelFlags = word(sqBase, params.sq_off.flags)
        self.sqKernelDropped = word(sqBase, params.sq_off.dropped)
        self.sqRingMask = word(sqBase, params.sq_off.ring_mask).pointee
        self.sqes = sqeMap.baseAddress!.assumingMemoryBound(to: io_uring_sqe.self)
        self.cqKernelHead = word(cqBase, params.cq_off.head)
        self.cqKernelTail = word(cqBase, params.cq_off.tail)
        self.cqKernelOverflow = word(cqBase, params.cq_off.overflow)
        self.cqRingMask = word(cqBase, params.cq_off.ring_mask).pointee
        self.cqes = (cqBase + Int(params.cq_off.cqes)).assumingMemoryBound(to: io_uring_cqe.self)
        // The SQ array maps ring slots to SQE indices. Filling it once with the identity (as liburing does)
        // means SQE i always sits in slot i, so submission only writes the SQE and the tail.
        let array = word(sqBase, params.sq_off.array)
        for i in 0..<params.sq_entries { array[Int(i)] = i }
        self.sqTail = sqKernelTail.pointee
        self.cqHead = cqKernelHead.pointee
    }

    deinit {
        munmap(sqeMapping.baseAddress, sqeMapping.count)
        if let cqRingMapping { munmap(cqRingMapping.baseAddress, cqRingMapping.count) }
        munmap(sqRingMapping.baseAddress, sqRingMapping.count)
        _ = try? ringDescriptor.close()
    }

    /// Whether this process may create an io_uring instance: sets up and tears down a one-entry ring.
    /// - Returns: `.success` or the setup errno (ENOSYS, EPERM, ...).
    public static func probe() -> Result<Void, Errno> {
        var params = io_uring_params()
        let r = valueOrNegatedErrno { ciouring_setup(1, &params) }
        return r.map { fd in _ = Glibc.close(fd) }
    }

    // MARK: Submission

    /// io_uring_enter calls made on this ring so far (retries after EINTR included): fio's loop makes one per
    /// SQE, a batching loop fewer than one per IO.
    public private(set) var enterCalls = 0

    /// SQEs prepared but not yet handed to the kernel by `submit`, plus any the kernel has not consumed.
    public var pendingSubmissionCount: Int {
        Int(sqTail &- ciouring_load_acquire_u32(sqKernelHead))
    }

    /// Free SQ slots.
    public var submissionQueueSpaceLeft: Int { Int(submissionQueueEntries) - pendingSubmissionCount }

    /// Takes the next free SQE, or nil when the SQ is full.
    @inline(__always)
    private func nextSQE() -> UnsafeMutablePointer<io_uring_sqe>? {
        // With SQPOLL the poller moves the head concurrently, hence acquire (free on x86).
        let head = ciouring_load_acquire_u32(sqKernelHead)
        guard sqTail &- head < submissionQueueEntries else { return nil }
        let sqe = sqes + Int(sqTail & sqRingMask)
        sqTail &+= 1
        return sqe
    }

    @inline(__always)
    private func prepare(
        _ opcode: Opcode, _ target: FileTarget, address: UInt64, length: UInt32, offset: UInt64,
        bufferIndex: UInt16, userData: UInt64, flags: SQEFlags
    ) -> Bool {
        guard let sqe = nextSQE() else { return false }
        var flags = flags
        let fd: Int32
        switch target {
        case .descriptor(let d): fd = d.rawValue
        case .registered(let index):
            fd = Int32(bitPattern: index)
            flags.insert(.fixedFile)
        }
        ciouring_prep_rw(sqe, opcode.rawValue, fd, address, length, offset, flags.rawValue, bufferIndex, userData)
        return true
    }

    /// Prepares a NOP. Returns false (and prepares nothing) when the SQ is full.
    /// - Parameters:
    ///   - userData: echoed in the CQE.
    ///   - flags: SQE flags.
    @discardableResult
    public func prepareNop(userData: UInt64, flags: SQEFlags = []) -> Bool {
        prepare(.nop, .descriptor(FileDescriptor(rawValue: -1)), address: 0, length: 0, offset: 0, bufferIndex: 0,
                userData: userData, flags: flags)
    }

    /// Prepares a READ of `count` bytes at `offset` into `buffer`. Returns false when the SQ is full.
    /// - Parameters:
    ///   - target: the file.
    ///   - buffer: destination; must stay valid until the CQE is reaped.
    ///   - count: bytes to read.
    ///   - offset: byte offset in the file.
    ///   - userData: echoed in the CQE.
    ///   - flags: SQE flags (e.g. `.async`).
    @discardableResult
    public func prepareRead(
        _ target: FileTarget, into buffer: UnsafeMutableRawPointer, count: UInt32, offset: UInt64, userData: UInt64,
        flags: SQEFlags = []
    ) -> Bool {
        prepare(.read, target, address: UInt64(UInt(bitPattern: buffer)), length: count, offset: offset,
                bufferIndex: 0, userData: userData, flags: flags)
    }

    /// Prepares a WRITE of `count` bytes from `buffer` at `offset`. Returns false when the SQ is full.
    /// - Parameters: as `prepareRead`, with `buffer` the source.
    @discardableResult
    public func prepareWrite(
        _ target: FileTarget, from buffer: UnsafeRawPointer, count: UInt32, offset: UInt64, userData: UInt64,
        flags: SQEFlags = []
    ) -> Bool {
        prepare(.write, target, address: UInt64(UInt(bitPattern: buffer)), length: count, offset: offset,
                bufferIndex: 0, userData: userData, flags: flags)
    }

    /// Prepares a READ_FIXED into registered buffer `bufferIndex` (the range `buffer..<buffer+count` must lie
    /// inside it, or the CQE carries EFAULT). Returns false when the SQ is full.
    /// - Parameters: as `prepareRead`, plus `bufferIndex` into the table of `registerBuffers`.
    @discardableResult
    public func prepareReadFixed(
        _ target: FileTarget, into buffer: UnsafeMutableRawPointer, count: UInt32, offset: UInt64,
        bufferIndex: UInt16, userData: UInt64, flags: SQEFlags = []
    ) -> Bool {
        prepare(.readFixed, target, address: UInt64(UInt(bitPattern: buffer)), length: count, offset: offset,
                bufferIndex: bufferIndex, userData: userData, flags: flags)
    }

    /// Prepares a WRITE_FIXED from registered buffer `bufferIndex`. Returns false when the SQ is full.
    /// - Parameters: as `prepareReadFixed`, with `buffer` the source.
    @discardableResult
    public func prepareWriteFixed(
        _ target: FileTarget, from buffer: UnsafeRawPointer, count: UInt32, offset: UInt64,
        bufferIndex: UInt16, userData: UInt64, flags: SQEFlags = []
    ) -> Bool {
        prepare(.writeFixed, target, address: UInt64(UInt(bitPattern: buffer)), length: count, offset: offset,
                bufferIndex: bufferIndex, userData: userData, flags: flags)
    }

    /// Hands prepared SQEs to the kernel and optionally waits for completions, in one io_uring_enter.
    ///
    /// Without SQPOLL this always enters the kernel when there is something to submit or wait for. With
    /// SQPOLL the tail store alone submits; the syscall is made only to wake a sleeping poller
    /// (IORING_SQ_NEED_WAKEUP, after a full barrier so the poller and we cannot miss each other) or to wait.
    /// With DEFER_TASKRUN or IOPOLL, completions appear only while the task is in io_uring_enter with
    /// GETEVENTS, so `waitFor: 0` still enters with GETEVENTS to run that work without blocking.
    ///
    /// The corresponding C function is `io_uring_enter`.
    /// - Parameters:
    ///   - minComplete: block until at least this many CQEs are ready (0: do not block).
    ///   - getEvents: pass IORING_ENTER_GETEVENTS even when neither `minComplete`, DEFER_TASKRUN nor IOPOLL needs it
    ///     (fio's submissions always do).
    ///   - retryOnInterrupt: retry when a signal interrupts the wait (nothing was submitted in that call).
    /// - Returns: the number of SQEs the kernel consumed.
    /// - Throws: `Errno`: EAGAIN/EBUSY (the CQ is full or the kernel is short of memory: reap, then retry),
    ///   EINTR when not retrying. EBADF, EFAULT, EINVAL and EEXIST (wrong thread for SINGLE_ISSUER) trap:
    ///   they mean this code misused the ring.
    @discardableResult
    public func submit(waitFor minComplete: UInt32 = 0, getEvents: Bool = false, retryOnInterrupt: Bool = true) throws(Errno) -> Int {
        let toSubmit = UInt32(truncatingIfNeeded: pendingSubmissionCount)
        // Publish the SQEs written since the last submit (release: SQE stores before the tail store).
        ciouring_store_release_u32(sqKernelTail, sqTail)
        var enterFlags: UInt32 = 0
        let sqPolling = setupFlags.contains(.submissionQueuePolling)
        if minComplete > 0 || getEvents || setupFlags.contains(.deferTaskRun) || setupFlags.contains(.ioPolling) {
            enterFlags |= IORING_ENTER_GETEVENTS
        }
        if sqPolling {
            ciouring_full_barrier()
            if ciouring_load_relaxed_u32(sqKernelFlags) & IORING_SQ_NEED_WAKEUP != 0 {
                enterFlags |= IORING_ENTER_SQ_WAKEUP
            }
            // The poller consumes the SQEs on its own; enter only to wake it or to wait.
            if enterFlags & IORING_ENTER_SQ_WAKEUP == 0 && minComplete == 0 { return Int(toSubmit) }
        } else if toSubmit == 0 && enterFlags == 0 {
            return 0
        }
        let fd = ringDescriptor.rawValue
        let result = valueOrNegatedErrno(retryOnInterrupt: retryOnInterrupt) {
            enterCalls += 1
            return ciouring_enter(fd, toSubmit, minComplete, enterFlags)
        }
        switch result {
        case .success(let consumed): return sqPolling ? Int(toSubmit) : Int(consumed)
        case .failure(let e):
            switch e {
            case .invalidArgument: preconditionFailure("io_uring_enter: EINVAL: bad flags or SQE indices")
            case .fileExists:
                preconditionFailure("io_uring_enter: EEXIST: a SINGLE_ISSUER ring used from another thread")
            default: throw trapOnProgrammingError(e, call: "io_uring_enter")
            }
        }
    }

    /// SQEs the kernel dropped as invalid since setup (`sq_ring->dropped`).
    public var droppedSubmissionCount: UInt32 { ciouring_load_relaxed_u32(sqKernelDropped) }

    // MARK: Completion

    /// One completion (a copy of the CQE).
    public struct Completion: Hashable, Sendable {
        /// The SQE's `user_data`.
        public var userData: UInt64
        /// `cqe.res`: >= 0 on success (bytes for reads and writes), `-errno` on failure.
        public var result: Int32
        /// `cqe.flags` (IORING_CQE_F_*).
        public var flags: UInt32

        public init(userData: UInt64, result: Int32, flags: UInt32) {
            self.userData = userData
            self.result = result
            self.flags = flags
        }

        /// Decodes `result` for the operation that produced it.
        ///
        /// Each opcode has its own meaning of `res`: a NOP has nothing to report and cannot fail but for a
        /// malformed SQE; reads and writes report bytes transferred (possibly short) or an errno. Errnos
        /// that only a bug here can cause trap (EFAULT: a buffer outside the registered range or the
        /// process; EBADF: an unregistered or closed file); the rest are returned: EIO, EINVAL (O_DIRECT
        /// misalignment for the device), EOPNOTSUPP (IOPOLL on a device without poll queues, or IOPOLL on
        /// buffered IO), EAGAIN, ENOSPC, EISDIR, ECANCELED, EINTR.
        /// - Parameter opcode: the SQE's operation.
        /// - Returns: byte count (0 for NOP), or the environmental errno.
        public func decoded(for opcode: Opcode) -> Result<Int, Errno> {
            switch opcode {
            case .nop:
                if result >= 0 { return .success(0) }
                preconditionFailure("NOP completed with \(Errno(rawValue: -result)) (user_data \(userData))")
            case .read, .readFixed, .write, .writeFixed:
                if result >= 0 { return .success(Int(result)) }
                let e = Errno(rawValue: -result)
                switch e {
                case .badAddress:
                    preconditionFailure("\(opcode) user_data \(userData): EFAULT: buffer outside the registered range")
                case .badFileDescriptor:
                    preconditionFailure("\(opcode) user_data \(userData): EBADF: file not open or not registered")
                default:
                    return .failure(e)
                }
            }
        }
    }

    /// CQEs ready to reap (no syscall).
    public var completionsReady: Int { Int(ciouring_load_acquire_u32(cqKernelTail) &- cqHead) }

    /// True when completions may be waiting in the kernel and a syscall is needed to see them: always with
    /// IOPOLL (completions are found by polling inside io_uring_enter) and with DEFER_TASKRUN unless
    /// TASKRUN_FLAG lets the kernel say so; otherwise when the kernel flags pending task work
    /// (IORING_SQ_TASKRUN, with TASKRUN_FLAG) or CQEs parked after a CQ overflow (IORING_SQ_CQ_OVERFLOW).
    /// Without COOP_TASKRUN or DEFER_TASKRUN the kernel interrupts the task to post completions, so a
    /// thread spinning in user space sees them without entering.
    public var completionsNeedEnter: Bool {
        if setupFlags.contains(.ioPolling) { return true }
        if setupFlags.contains(.deferTaskRun) && !setupFlags.contains(.taskRunFlag) { return true }
        return ciouring_load_relaxed_u32(sqKernelFlags) & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW) != 0
    }

    /// The oldest unreaped CQE, without consuming it (no syscall); nil when the CQ is empty.
    public func peekCompletion() -> Completion? {
        let tail = ciouring_load_acquire_u32(cqKernelTail)
        guard tail != cqHead else { return nil }
        let cqe = cqes[Int(cqHead & cqRingMask)]
        return Completion(userData: cqe.user_data, result: cqe.res, flags: cqe.flags)
    }

    /// Marks `count` CQEs consumed (release store of the CQ head, so the kernel may reuse their slots).
    public func advanceCompletions(by count: Int) {
        precondition(count >= 0 && count <= completionsReady, "advancing the CQ by \(count) past its tail")
        cqHead &+= UInt32(count)
        ciouring_store_release_u32(cqKernelHead, cqHead)
    }

    /// Consumes and returns the oldest CQE, or nil when the CQ is empty (no syscall).
    public func popCompletion() -> Completion? {
        guard let c = peekCompletion() else { return nil }
        advanceCompletions(by: 1)
        return c
    }

    /// Calls `body` for every ready CQE, then releases them all with one head store (no syscall).
    /// - Parameter body: called once per CQE, oldest first.
    /// - Returns: the number of CQEs reaped.
    @inline(__always)
    @discardableResult
    public func reapCompletions<E: Error>(_ body: (Completion) throws(E) -> Void) throws(E) -> Int {
        let tail = ciouring_load_acquire_u32(cqKernelTail)
        var head = cqHead
        defer {
            if head != cqHead {
                cqHead = head
                ciouring_store_release_u32(cqKernelHead, head)
            }
        }
        while head != tail {
            let cqe = cqes[Int(head & cqRingMask)]
            head &+= 1
            try body(Completion(userData: cqe.user_data, result: cqe.res, flags: cqe.flags))
        }
        return Int(tail &- cqHead)
    }

    /// Waits for one CQE (io_uring_enter with GETEVENTS if none is ready) and consumes it.
    /// - Throws: as `submit`.
    public func waitForCompletion() throws(Errno) -> Completion {
        while true {
            if let c = popCompletion() { return c }
            try submit(waitFor: 1)
        }
    }

    /// CQEs the kernel could not post because the CQ was full (`cq_ring->overflow`; with
    /// IORING_FEAT_NODROP they are parked, not lost).
    public var completionOverflowCount: UInt32 { ciouring_load_relaxed_u32(cqKernelOverflow) }

    // MARK: Registration

    /// Registers buffers for READ_FIXED/WRITE_FIXED: the kernel pins their pages once instead of per IO.
    ///
    /// The pinned pages count against RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK.
    /// The corresponding C call is `io_uring_register(IORING_REGISTER_BUFFERS)`.
    /// - Parameter buffers: at most 16384 buffers of at most 1 GiB each; they must outlive the registration.
    /// - Throws: `Errno`: ENOMEM (RLIMIT_MEMLOCK too low, or out of memory), EPERM (no CAP_IPC_LOCK and a
    ///   zero limit), EBUSY (already registered), EINVAL, EOVERFLOW.
    public func registerBuffers(_ buffers: [UnsafeMutableRawBufferPointer]) throws(Errno) {
        let vectors = buffers.map { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
        let fd = ringDescriptor.rawValue
        let r = vectors.withUnsafeBufferPointer { v in
            valueOrNegatedErrno {
                ciouring_register(fd, UInt32(IORING_REGISTER_BUFFERS), v.baseAddress, UInt32(v.count))
            }
        }
        if case .failure(let e) = r { throw trapOnProgrammingError(e, call: "io_uring_register(BUFFERS)") }
    }

    /// Unregisters all buffers. The corresponding C call is `io_uring_register(IORING_UNREGISTER_BUFFERS)`.
    /// - Throws: `Errno` (ENXIO when none are registered).
    public func unregisterBuffers() throws(Errno) {
        let fd = ringDescriptor.rawValue
        let r = valueOrNegatedErrno { ciouring_register(fd, UInt32(IORING_UNREGISTER_BUFFERS), nil, 0) }
        if case .failure(let e) = r { throw trapOnProgrammingError(e, call: "io_uring_register(UNREGISTER_BUFFERS)") }
    }

    /// Registers files; an SQE then names one by index (`FileTarget.registered`), sparing the kernel a file
    /// reference count update per request.
    ///
    /// The corresponding C call is `io_uring_register(IORING_REGISTER_FILES)`.
    /// - Parameter files: the descriptors, registered at indices 0, 1, ...
    /// - Throws: `Errno` (EBUSY already registered, EMFILE, EINVAL).
    public func registerFiles(_ files: [FileDescriptor]) throws(Errno) {
        let raw = files.map(\.rawValue)
        let fd = ringDescriptor.rawValue
        let r = raw.withUnsafeBufferPointer { v in
            valueOrNegatedErrno { ciouring_register(fd, UInt32(IORING_REGISTER_FILES), v.baseAddress, UInt32(v.count)) }
        }
        if case .failure(let e) = r { throw trapOnProgrammingError(e, call: "io_uring_register(FILES)") }
    }

    /// Unregisters all files. The corresponding C call is `io_uring_register(IORING_UNREGISTER_FILES)`.
    /// - Throws: `Errno` (ENXIO when none are registered).
    public func unregisterFiles() throws(Errno) {
        let fd = ringDescriptor.rawValue
        let r = valueOrNegatedErrno { ciouring_register(fd, UInt32(IORING_UNREGISTER_FILES), nil, 0) }
        if case .failure(let e) = r { throw trapOnProgrammingError(e, call: "io_uring_register(UNREGISTER_FILES)") }
    }
}
