import Glibc
import IOSimCore
import IOSimReal
import IOSimURing
import Testing

/// Creates `path` with `bytes` bytes of a fixed pattern, as a file the run did NOT create.
func makeForeignFile(_ path: String, bytes: Int) throws -> UInt64 {
    let fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .exclusiveCreate])
    defer { try? fd.close() }
    var data = [UInt8](repeating: 0, count: bytes)
    var g = SeededGenerator(seed: 99)
    for i in data.indices { data[i] = UInt8(truncatingIfNeeded: g.next()) }
    _ = try data.withUnsafeBytes { try fd.write(toAbsoluteOffset: 0, from: $0) }
    try fd.synchronize()
    return fingerprint(path)
}

/// FNV-1a of the file's bytes, mixed with its size and modification time.
func fingerprint(_ path: String) -> UInt64 {
    var st = stat()
    guard stat(path, &st) == 0 else { return 0 }
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    func mix(_ v: UInt64) { h = (h ^ v) &* 0x0000_0100_0000_01B3 }
    mix(UInt64(st.st_size))
    mix(UInt64(st.st_mtim.tv_sec))
    mix(UInt64(st.st_mtim.tv_nsec))
    let fd = open(path, O_RDONLY)
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        for b in buffer[0..<n] { mix(UInt64(b)) }
    }
    return h
}

@Suite("Safety: where files go, what is never written, what is left behind")
struct SafetyTests {
    @Test func filesAreLaidOutOnlyInsideTheGivenDirectoryAndRemovedAfterwards() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let bystander = dir.file("bystander.txt")
        let before = try makeForeignFile(bystander, bytes: 1000)
        let m = try RealRunner().run(smallJob(.blocking, in: dir.path, count: 20))
        #expect(m.path.hasPrefix(dir.path + "/iosim-real-"))
        #expect(dir.entries == ["bystander.txt"], "only the bystander remains: \(dir.entries)")
        #expect(fingerprint(bystander) == before, "a file the run did not create is untouched")
    }

    @Test func anExistingFileIsReadButNeverWrittenNorRemoved() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("existing.bin")
        let before = try makeForeignFile(path, bytes: 1 << 20)
        for caching in [RealJob.Caching.direct, .bufferedCold, .bufferedWarm] {
            var job = RealJob()
            job.engine = .blocking
            job.existingFile = path
            job.caching = caching
            job.stop = .ioCount(50)
            let m = try RealRunner().run(job)
            #expect(m.ios == 50 && m.path == path && !m.fileWasCreated)
            #expect(fingerprint(path) == before, "\(caching): content and mtime unchanged")
        }
        #expect(dir.entries == ["existing.bin"])
    }

    @Test func aWriteJobOnAnExistingFileIsRefusedBeforeAnythingIsOpened() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("existing.bin")
        let before = try makeForeignFile(path, bytes: 65536)
        var job = RealJob()
        job.engine = .blocking
        job.existingFile = path
        job.direction = .write
        let error = try #require(throws: RealError.self) { try RealRunner().run(job) }
        #expect(error.kind == .refusedToWriteExistingFile)
        #expect(error.hint.contains("only to files it created") || error.description.contains("only to files it created"))
        #expect(fingerprint(path) == before)
    }

    @Test func notEnoughFreeSpaceIsReportedBeforeAnythingIsCreated() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        // Real statvfs: no file system here has an exabyte free.
        var job = smallJob(.blocking, in: dir.path)
        job.fileBytes = 1 << 60
        let real = try #require(throws: RealError.self) { try RealRunner().run(job) }
        #expect(real.kind == .notEnoughSpace)
        #expect(real.description.contains("nothing was created"))
        #expect(dir.entries.isEmpty)
        // Injected: statvfs says 1 MiB is free.
        job = smallJob(.blocking, in: dir.path)
        job.faults.availableBytes = 1 << 20
        let injected = try #require(throws: RealError.self) { try RealRunner().run(job) }
        #expect(injected.kind == .notEnoughSpace)
        #expect(injected.hint.contains("--dir"))
        #expect(dir.entries.isEmpty)
    }

    @Test func runningOutOfSpaceWhileLayingOutLeavesNothingBehind() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.blocking, in: dir.path)
        job.faults.layoutWriteErrno = .noSpace
        let error = try #require(throws: RealError.self) { try RealRunner().run(job) }
        #expect(error.kind == .noSpace)
        #expect(error.errno == .noSpace)
        #expect(dir.entries.isEmpty, "partial file and directory removed: \(dir.entries)")
    }

    @Test func aMissingDirectoryIsAClearError() throws {
        var job = smallJob(.blocking, in: "/nonexistent/iosim-\(getpid())")
        job.stop = .ioCount(1)
        let error = try #require(throws: RealError.self) { try RealRunner().run(job) }
        #expect(error.kind == .directoryUnusable)
        #expect(error.errno == .noSuchFileOrDirectory)
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aFatalSignalRemovesTheCreatedFilesAndStillKillsTheProcess(signal: CInt) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let directory = dir.path
        await #expect(processExitsWith: .signal(signal)) { [directory = directory as String, signal = signal as CInt] in
            runUntilKilled(in: directory, by: signal)
        }
        #expect(dir.entries.isEmpty, "the signal handler removed the run's files and directory: \(dir.entries)")
    }
}

/// In an exit test's child process: starts a minute-long run in `directory`, and from another thread sends
/// `signal` to the process once the run's directory exists and its timed phase has begun.
func runUntilKilled(in directory: String, by signal: CInt) {
    _ = Thread {
        for _ in 0..<500 {
            usleep(10_000)
            if listNames(directory).contains(where: { $0.hasPrefix("iosim-real-") }) { break }
        }
        usleep(300_000)  // past the layout of the small file, into the timed run
        kill(getpid(), signal)
    }
    var job = smallJob(.blocking, in: directory)
    job.stop = .duration(.seconds(60))
    _ = try? RealRunner().run(job)
}

func listNames(_ path: String) -> [String] {
    guard let d = opendir(path) else { return [] }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
        names.append(withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) })
    }
    return names
}

/// A detached pthread for the signal test's child.
final class Thread: @unchecked Sendable {
    init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var t: pthread_t = 0
        pthread_create(&t, nil, { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, box)
        pthread_detach(t)
    }
    final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
