import Glibc
import IOSimURing
import Testing

@Suite("Ring round trips", .enabled(if: URingAvailability.isAvailable, URingAvailability.skipReason))
struct RingRoundTripTests {
    @Test(arguments: [URing.SetupFlags(), .fioDefaults, [.cooperativeTaskRun, .taskRunFlag]])
    func aNopComesBackWithItsUserData(flags: URing.SetupFlags) throws {
        let ring = try URing(entries: 8, flags: flags)
        #expect(ring.prepareNop(userData: 0xDEAD_BEEF))
        #expect(ring.pendingSubmissionCount == 1)
        #expect(try ring.submit(waitFor: 1) == 1)
        let c = try #require(ring.popCompletion())
        #expect(c.userData == 0xDEAD_BEEF)
        #expect(try c.decoded(for: .nop).get() == 0)
        #expect(ring.popCompletion() == nil)
        #expect(ring.pendingSubmissionCount == 0)
    }

    @Test func aBatchOfNopsIsReapedWithoutASyscallPerCompletion() throws {
        let ring = try URing(entries: 32)
        for i in 0..<32 { #expect(ring.prepareNop(userData: UInt64(i))) }
        #expect(!ring.prepareNop(userData: 99), "the SQ holds 32 entries")
        #expect(try ring.submit(waitFor: 32) == 32)
        #expect(ring.completionsReady == 32)
        var seen: [UInt64] = []
        let n = ring.reapCompletions { c in seen.append(c.userData) }
        #expect(n == 32)
        #expect(seen.sorted() == (0..<32).map(UInt64.init))
        #expect(ring.completionsReady == 0)
    }

    @Test func aPeekDoesNotConsumeAndAdvanceDoes() throws {
        let ring = try URing(entries: 4)
        ring.prepareNop(userData: 1)
        ring.prepareNop(userData: 2)
        try ring.submit(waitFor: 2)
        #expect(ring.peekCompletion()?.userData == 1)
        #expect(ring.peekCompletion()?.userData == 1)
        ring.advanceCompletions(by: 1)
        #expect(ring.peekCompletion()?.userData == 2)
        #expect(try ring.waitForCompletion().userData == 2)
    }

    enum ReadKind: String, CaseIterable, Sendable { case read, readFixed }

    /// Writes 256 KiB of pseudo-random bytes through WRITE (or WRITE_FIXED), reads them back 4 KiB at a time
    /// at queue depth 16 through READ or READ_FIXED, and compares checksums, for buffered and O_DIRECT files,
    /// with plain and registered file descriptors.
    @Test(arguments: [false, true], ReadKind.allCases)
    func writtenBytesReadBackIdentically(direct: Bool, kind: ReadKind) throws {
        for registeredFile in [false, true] {
            try roundTrip(direct: direct, kind: kind, registeredFile: registeredFile)
        }
    }

    private func roundTrip(direct: Bool, kind: ReadKind, registeredFile: Bool) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let blockBytes = 4096, blocks = 64, depth = 16
        let fd = try FileDescriptor.open(
            dir.file("data"), .readWrite, options: direct ? [.create, .exclusiveCreate, .direct] : [.create, .exclusiveCreate])
        defer { try? fd.close() }
        let source = try AlignedBuffer(byteCount: blockBytes * blocks)
        fillPseudoRandom(source.bytes, seed: 42)
        let ring = try URing(entries: UInt32(depth), flags: .fioDefaults)
        let target: URing.FileTarget
        if registeredFile {
            try ring.registerFiles([fd])
            target = .registered(index: 0)
        } else {
            target = .descriptor(fd)
        }
        let sink = try AlignedBuffer(byteCount: blockBytes * blocks)
        if kind == .readFixed { try ring.registerBuffers([source.bytes, sink.bytes]) }

        // Write all blocks, `depth` at a time.
        var next = 0, done = 0
        while done < blocks {
            while next < blocks && next - done < depth {
                let p = source.baseAddress + next * blockBytes
                let ok = kind == .readFixed
                    ? ring.prepareWriteFixed(target, from: p, count: UInt32(blockBytes), offset: UInt64(next * blockBytes),
                                             bufferIndex: 0, userData: UInt64(next))
                    : ring.prepareWrite(target, from: p, count: UInt32(blockBytes), offset: UInt64(next * blockBytes),
                                        userData: UInt64(next))
                #expect(ok)
                next += 1
            }
            try ring.submit(waitFor: 1)
            var results: [Result<Int, Errno>] = []
            ring.reapCompletions { c in results.append(c.decoded(for: kind == .readFixed ? .writeFixed : .write)) }
            for r in results { #expect(try r.get() == blockBytes) }
            done += results.count
        }
        try fd.synchronize()
        try fd.adviseDontNeed()

        // Read them back in reverse order.
        next = 0
        done = 0
        while done < blocks {
            while next < blocks && next - done < depth {
                let block = blocks - 1 - next
                let p = sink.baseAddress + block * blockBytes
                let ok = kind == .readFixed
                    ? ring.prepareReadFixed(target, into: p, count: UInt32(blockBytes), offset: UInt64(block * blockBytes),
                                            bufferIndex: 1, userData: UInt64(block))
                    : ring.prepareRead(target, into: p, count: UInt32(blockBytes), offset: UInt64(block * blockBytes),
                                       userData: UInt64(block))
                #expect(ok)
                next += 1
            }
            try ring.submit(waitFor: 1)
            var results: [Result<Int, Errno>] = []
            ring.reapCompletions { c in results.append(c.decoded(for: kind == .readFixed ? .readFixed : .read)) }
            for r in results { #expect(try r.get() == blockBytes) }
            done += results.count
        }
        #expect(checksum(UnsafeRawBufferPointer(sink.bytes)) == checksum(UnsafeRawBufferPointer(source.bytes)),
                "direct=\(direct) \(kind) registeredFile=\(registeredFile)")
        if kind == .readFixed { try ring.unregisterBuffers() }
        if registeredFile { try ring.unregisterFiles() }
    }

    @Test func anAsyncFlaggedReadGoesThroughAnIOWorkerAndStillReturnsTheData() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let fd = try FileDescriptor.open(dir.file("data"), .readWrite, options: [.create, .exclusiveCreate])
        defer { try? fd.close() }
        let source = try AlignedBuffer(byteCount: 8192)
        fillPseudoRandom(source.bytes, seed: 7)
        #expect(try fd.write(toAbsoluteOffset: 0, from: UnsafeRawBufferPointer(source.bytes)) == 8192)
        let sink = try AlignedBuffer(byteCount: 8192)
        let ring = try URing(entries: 4, flags: .fioDefaults)
        ring.prepareRead(.descriptor(fd), into: sink.baseAddress, count: 8192, offset: 0, userData: 5, flags: .async)
        try ring.submit(waitFor: 1)
        let c = try #require(ring.popCompletion())
        #expect(try c.decoded(for: .read).get() == 8192)
        #expect(checksum(UnsafeRawBufferPointer(sink.bytes)) == checksum(UnsafeRawBufferPointer(source.bytes)))
        #expect(eventually { threadNames().contains { $0.hasPrefix("iou-wrk-") } }, "IOSQE_ASYNC forces an io-wq worker")
    }

    @Test func aSleepingSQPollThreadIsWokenBySubmit() throws {
        // SQPOLL needed CAP_SYS_NICE before Linux 5.11: EPERM there leaves nothing to test.
        let setup = Result { () throws(Errno) in
            try URing(entries: 4, flags: .submissionQueuePolling, sqThreadIdleMilliseconds: 1)
        }
        if case .failure(.notPermitted) = setup { return }
        let ring = try setup.get()
        // The poller names itself "iou-sqp-PID" when it first runs, which on a busy machine can be a while
        // after io_uring_setup returned; wait for it (bounded).
        #expect(eventually { threadNames().contains { $0.hasPrefix("iou-sqp-") } })
        for round in 0..<3 {
            usleep(20_000)  // well past the 1 ms idle time: the poller sleeps and sets NEED_WAKEUP
            ring.prepareNop(userData: UInt64(round))
            try ring.submit(waitFor: 1)
            #expect(try ring.waitForCompletion().userData == UInt64(round))
        }
    }

    @Test func aReadOfADirectoryCompletesWithEISDIRAsAValue() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let fd = try FileDescriptor.open(dir.path, .readOnly, options: .directory)
        defer { try? fd.close() }
        let sink = try AlignedBuffer(byteCount: 4096)
        let ring = try URing(entries: 2)
        ring.prepareRead(.descriptor(fd), into: sink.baseAddress, count: 4096, offset: 0, userData: 3)
        try ring.submit(waitFor: 1)
        let c = try #require(ring.popCompletion())
        #expect(throws: Errno.isDirectory) { try c.decoded(for: .read).get() }
    }

    @Test func ioPollingEitherWorksOrTheDeviceSaysNotSupported() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let fd = try FileDescriptor.open(dir.file("data"), .readWrite, options: [.create, .exclusiveCreate, .direct])
        defer { try? fd.close() }
        let buffer = try AlignedBuffer(byteCount: 4096)
        #expect(try fd.write(toAbsoluteOffset: 0, from: UnsafeRawBufferPointer(buffer.bytes)) == 4096)
        let ring = try URing(entries: 2, flags: .ioPolling)
        ring.prepareRead(.descriptor(fd), into: buffer.baseAddress, count: 4096, offset: 0, userData: 1)
        try ring.submit(waitFor: 1)
        let c = try ring.waitForCompletion()
        switch c.decoded(for: .read) {
        case .success(let n): #expect(n == 4096)
        case .failure(let e): #expect(e == .notSupported, "virtio-blk without poll queues answers EOPNOTSUPP")
        }
    }

    @Test func theKernelRefusesDeferTaskRunWithSQPollAndTheErrnoIsReturned() {
        #expect(throws: Errno.invalidArgument) {
            _ = try URing(entries: 2, flags: [.submissionQueuePolling, .deferTaskRun, .singleIssuer])
        }
    }
}
