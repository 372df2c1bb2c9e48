import Glibc
import IOSimCore
import IOSimReal
import IOSimURing
import Testing

/// Runs `job` expecting a `RealError`; returns it.
func expectFailure(_ job: RealJob, sourceLocation: SourceLocation = #_sourceLocation) throws -> RealError {
    try #require(throws: RealError.self, sourceLocation: sourceLocation) { try RealRunner().run(job) }
}

@Suite("Error paths: each failure names its likely cause and a remedy")
struct ErrorPathTests {
    // MARK: io_uring unavailable (injected: this machine has io_uring)

    @Test func ENOSYSFromSetupSaysTheKernelHasNoIOUring() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.ioUring(.init()), in: dir.path)
        job.faults.ioUringSetupErrno = .noFunction
        let e = try expectFailure(job)
        #expect(e.kind == .ioUringUnavailable)
        #expect(e.errno == .noFunction)
        #expect(e.description.contains("ENOSYS"))
        #expect(e.hint.contains("older than Linux 5.1") && e.hint.contains("seccomp"))
        #expect(dir.entries.isEmpty)
    }

    @Test(arguments: [
        ("2", "disabled for every process"),
        ("1", "io_uring_group"),
        ("0", "seccomp filter"),
    ])
    func EPERMFromSetupSaysWhichOfTheSysctlOrSeccompDeniesIt(sysctl: String, cause: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.ioUring(.init()), in: dir.path)
        job.faults.ioUringSetupErrno = .notPermitted
        job.faults.ioUringDisabledSysctl = sysctl + "\n"
        let e = try expectFailure(job)
        #expect(e.kind == .ioUringUnavailable)
        #expect(e.hint.contains("kernel.io_uring_disabled = \(sysctl)"))
        #expect(e.hint.contains(cause), "\(e.hint)")
        #expect(dir.entries.isEmpty)
    }

    @Test func EPERMWithTheRealSysctlValueNamesIt() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.ioUring(.init()), in: dir.path)
        job.faults.ioUringSetupErrno = .notPermitted
        let e = try expectFailure(job)
        #expect(e.kind == .ioUringUnavailable)
        #expect(e.hint.contains("io_uring_disabled"))
    }

    // MARK: O_DIRECT refused

    @Test func directIORefusedByTheFileSystemSuggestsABlockDeviceOrBufferedIO() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.blocking, in: dir.path)
        job.faults.openDirectErrno = .invalidArgument  // what tmpfs answered before Linux 6.6
        let e = try expectFailure(job)
        #expect(e.kind == .directIORefused)
        #expect(e.errno == .invalidArgument)
        #expect(e.hint.contains("tmpfs") && e.hint.contains("buffered"))
        #expect(dir.entries.isEmpty, "the laid-out file was removed")
    }

    @Test func directIOOnTmpfsEitherWorksOrIsRefusedClearly() throws {
        guard fileExists("/dev/shm") else { return }
        let dir = TemporaryDirectory(parent: "/dev/shm")
        defer { dir.remove() }
        do {
            let m = try RealRunner().run(smallJob(.blocking, in: dir.path, count: 20))
            #expect(m.ios == 20)  // tmpfs accepts O_DIRECT since Linux 6.6
        } catch {
            #expect(error.kind == .directIORefused)
        }
        #expect(dir.entries.isEmpty)
    }

    // MARK: IOPOLL

    @Test(.enabled(if: URingAvailability.isAvailable, URingAvailability.skipReason))
    func ioPollingEitherWorksOrSaysTheDeviceHasNoPollQueues() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        do {
            let m = try RealRunner().run(smallJob(.ioUring(.init(ioPolling: true)), in: dir.path, count: 50))
            #expect(m.ios == 50)
        } catch {
            // Real on this machine: virtio-blk has no poll queues.
            #expect(error.kind == .ioPollUnsupported)
            #expect(error.errno == .notSupported)
            #expect(error.hint.contains("not supported on this device: no poll queues (virtio-blk, or nvme.poll_queues=0)"))
        }
        #expect(dir.entries.isEmpty)
    }

    @Test(.enabled(if: URingAvailability.isAvailable, URingAvailability.skipReason))
    func anInjectedEOPNOTSUPPUnderIOPollIsReportedAsUnsupportedPolling() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.ioUring(.init(ioPolling: true)), in: dir.path)
        job.faults.completionIndex = 0
        job.faults.completionResult = -EOPNOTSUPP
        let e = try expectFailure(job)
        #expect(e.kind == .ioPollUnsupported)
        #expect(e.hint.contains("no poll queues"))
    }

    // MARK: RLIMIT_MEMLOCK (injected: root has CAP_IPC_LOCK, so the limit never bites here)

    @Test(.enabled(if: URingAvailability.isAvailable, URingAvailability.skipReason),
          arguments: [Errno.noMemory, .notPermitted])
    func aMemlockLimitTooLowForRegisteredBuffersSaysHowToRaiseIt(errno: Errno) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.ioUring(.init(registeredBuffers: true)), in: dir.path)
        job.faults.registerBuffersErrno = errno
        let e = try expectFailure(job)
        #expect(e.kind == .memoryLockLimitTooLow)
        #expect(e.errno == errno)
        #expect(e.description.contains("RLIMIT_MEMLOCK"))
        #expect(e.hint.contains("ulimit -l") && e.hint.contains("registeredBuffers"))
        #expect(dir.entries.isEmpty)
    }

    // MARK: short reads and completion errors (injected into real completions), every engine

    static var engines: [RealJob.Engine] {
        var e: [RealJob.Engine] = [.blocking, .threadPool(workers: 2)]
        if URingAvailability.isAvailable { e.append(.ioUring(.init())) }
        return e
    }

    @Test(arguments: engines)
    func aShortReadIsAnErrorWithTheOffsetAndCounts(engine: RealJob.Engine) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(engine, in: dir.path)
        job.faults.completionIndex = 5
        job.faults.completionResult = 1000
        let e = try expectFailure(job)
        #expect(e.kind == .shortRead, "\(engine.name)")
        #expect(e.description.contains("1000 of 4096 bytes"))
        #expect(dir.entries.isEmpty)
    }

    @Test(arguments: engines)
    func aShortWriteIsAnError(engine: RealJob.Engine) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(engine, in: dir.path)
        job.direction = .write
        job.faults.completionIndex = 2
        job.faults.completionResult = 512
        let e = try expectFailure(job)
        #expect(e.kind == .shortWrite, "\(engine.name)")
        #expect(dir.entries.isEmpty)
    }

    @Test(arguments: engines)
    func anEIOCompletionIsAnIOErrorPointingAtTheDevice(engine: RealJob.Engine) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(engine, in: dir.path)
        job.faults.completionIndex = 7
        job.faults.completionResult = -EIO
        let e = try expectFailure(job)
        #expect(e.kind == .ioFailed, "\(engine.name)")
        #expect(e.errno == .ioError)
        #expect(e.hint.contains("dmesg"))
        #expect(dir.entries.isEmpty)
    }

    @Test(arguments: engines)
    func anENOSPCCompletionOfAWriteIsOutOfSpace(engine: RealJob.Engine) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(engine, in: dir.path)
        job.direction = .write
        job.faults.completionIndex = 0
        job.faults.completionResult = -ENOSPC
        let e = try expectFailure(job)
        #expect(e.kind == .noSpace, "\(engine.name)")
        #expect(dir.entries.isEmpty)
    }

    // MARK: the job itself

    @Test func nonsenseJobParametersAreRejectedBeforeAnyIO() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.blocking, in: dir.path)
        job.blockBytes = 1000
        #expect(try expectFailure(job).kind == .invalidJob)
        job = smallJob(.blocking, in: dir.path)
        job.queueDepth = 0
        #expect(try expectFailure(job).kind == .invalidJob)
        job = smallJob(.blocking, in: dir.path)
        job.fileBytes = 100
        #expect(try expectFailure(job).kind == .invalidJob)
        #expect(dir.entries.isEmpty)
    }

    @Test func anExistingFileShorterThanABlockIsRefused() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        _ = try makeForeignFile(dir.file("tiny"), bytes: 100)
        var job = RealJob()
        job.engine = .blocking
        job.existingFile = dir.file("tiny")
        let e = try expectFailure(job)
        #expect(e.kind == .existingFileUnusable)
    }

    @Test func everyErrorCarriesTheExitCode74() {
        #expect(RealError.exitCode == 74)
    }
}
