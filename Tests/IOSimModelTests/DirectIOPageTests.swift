import IOSimCore
import IOSimModel
import Testing

/// The per-page costs of unbuffered IO: each 4 KiB page of the buffer beyond the first costs
/// `kernel.directIOPerPage` in the submitting syscall (pinning and mapping the user page) and
/// `interrupts.deferredPerPage` in the deferred routine (releasing it); buffered IO pays neither.
@Suite struct DirectIOPageTimeline {
    /// One blocking 16 KiB O_DIRECT read (three pages beyond the first), constant costs, 100 ns per page at
    /// submission and 50 ns per page at completion. The thread starts at 1,000 (its switch-in); entry 100,
    /// request 400, three pages 300 and driver 800 hand it to the device at 2,600. Service 20,000 plus the
    /// transfer of 16,384 bytes at 1 GB/s ends at 38,984; delivery 500 starts the ISR at 39,484; ISR 1,500
    /// and the deferred routine 2,000 + 3 x 50 complete it at 43,134.
    @Test func unbufferedReadPaysPerPageAtSubmissionAndCompletion() throws {
        let r = try oneRead(sizeBytes: 16_384, buffered: false)
        let io = try #require(r.ioRecords.first)
        #expect(io.issued == ns(1_000))
        #expect(io.submitted == ns(2_600))
        #expect(io.deviceDone == ns(38_984))
        #expect(io.interruptStart == ns(39_484))
        #expect(io.completed == ns(43_134))
        #expect(r.totalCPU[.deferred] == .nanoseconds(2_150))
        // Entry, request, pages and driver before the device; exit after the wake-up.
        #expect(r.totalCPU[.syscall] == .nanoseconds(100 + 400 + 300 + 800 + 200))
    }

    /// A one-page read pays no per-page cost: `requestCreate` and `deferredPerRequest` are a 4 KiB request's.
    @Test func onePageReadPaysNoPerPageCost() throws {
        let r = try oneRead(sizeBytes: 4_096, buffered: false)
        let io = try #require(r.ioRecords.first)
        #expect(io.submitted == ns(2_300))
        #expect(r.totalCPU[.deferred] == .nanoseconds(2_000))
    }

    /// A buffered read that misses the page cache reads page-cache pages, which are never pinned: submitted at
    /// 2,300 as a 4 KiB read is, and its deferred routine costs `deferredPerRequest` alone.
    @Test func bufferedMissPaysNoPerPageCost() throws {
        let r = try oneRead(sizeBytes: 16_384, buffered: true)
        let io = try #require(r.ioRecords.first)
        #expect(io.submitted == ns(2_300))
        #expect(r.totalCPU[.deferred] == .nanoseconds(2_000))
    }

    /// A buffered read that misses pays `kernel.pageCacheMiss` per page at submission (1,000 here: a 16 KiB miss
    /// is submitted at 2,300 + 4 x 1,000 = 6,300); read again, its pages are cached and it pays none (a hit is a
    /// copy, completed in the call).
    @Test func bufferedMissPaysThePageCacheMissPerPage() throws {
        var s = constantCostScenario()
        s.kernel.pageCacheMiss = .nanoseconds(1_000)
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 20, buffered: true)]
        let read = Operation.io(IOOperation(.read, file: "data", sizeBytes: 16_384, offset: .fixed(0), style: .blocking))
        s.threads = [ThreadSpec(name: "main", program: [read, read])]
        let r = try Simulator(s).run()
        let ios = r.ioRecords.sorted { $0.number < $1.number }
        try #require(ios.count == 2)
        #expect(ios[0].submitted == ns(6_300))
        #expect(ios[1].deviceDone == nil)  // the hit never reaches the device
        s.kernel.pageCacheMiss = .zero
        #expect(try Simulator(s).run().ioRecords.min { $0.number < $1.number }?.submitted == ns(2_300))
    }

    /// One 16 KiB O_DIRECT read through io_uring (default task run: the CQE is posted in the deferred
    /// routine; per-SQE and per-CQE costs 0): the thread starts at 1,000, enters at 1,100, and the SQE's
    /// request 400, pages 300 and doorbell 800 hand it to the device at 2,600, as the blocking read above.
    @Test func uringSubmissionPaysPerPage() throws {
        let r = try oneUringRead(sizeBytes: 16_384)
        let io = try #require(r.ioRecords.first)
        #expect(io.submitted == ns(2_600))
        #expect(r.totalCPU[.deferred] == .nanoseconds(2_150))
    }

    /// Through an io-wq worker (IOSQE_ASYNC) and through the SQPOLL thread the request is built by that kernel
    /// thread, which pays the pages: a 16 KiB read reaches the device 300 ns later than a 4 KiB one (the
    /// device takes it as the driver does: `deviceStart`; a punted request's `submitted` is its punt).
    @Test func kernelThreadSubmissionsPayPerPage() throws {
        for (async, sqpoll) in [(true, false), (false, true)] {
            let small = try #require(try oneUringRead(sizeBytes: 4_096, async: async, sqpoll: sqpoll).ioRecords.first)
            let large = try #require(try oneUringRead(sizeBytes: 16_384, async: async, sqpoll: sqpoll).ioRecords.first)
            let gap = try #require(large.deviceStart) - (try #require(small.deviceStart))
            #expect(gap == .nanoseconds(300), "async \(async), sqpoll \(sqpoll)")
        }
    }

    func pagedScenario() -> Scenario {
        var s = constantCostScenario()
        s.kernel.directIOPerPage = .nanoseconds(100)
        s.interrupts.deferredPerPage = .nanoseconds(50)
        return s
    }

    func oneRead(sizeBytes: Int64, buffered: Bool) throws -> SimulationResult {
        var s = pagedScenario()
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [.io(IOOperation(.read, file: "data", sizeBytes: sizeBytes, offset: .fixed(0), buffered: buffered))])
        ]
        return try Simulator(s).run()
    }

    func oneUringRead(sizeBytes: Int64, async: Bool = false, sqpoll: Bool = false) throws -> SimulationResult {
        var s = pagedScenario()
        s.machine.cpuCount = 2
        s.kernel.uringSubmitPerSQE = .zero
        s.kernel.uringCompletePerCQE = .zero
        s.kernel.uringReapPerCQE = .zero
        s.rings = [RingSpec(name: "ring", entries: 8, sqpoll: sqpoll, taskRun: .interrupt)]
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: sizeBytes, offset: .fixed(0), ios: 1, async: async))])
        ]
        s.stop = StopCondition(afterIOs: 1)
        return try Simulator(s).run()
    }

    /// A 1 PiB O_DIRECT read at the largest per-page costs: the costs saturate at the longest duration and the
    /// run ends in the typed "past the longest run" error; the product of pages and cost never wraps around.
    @Test func hugeRequestsAtHugePerPageCostsEndInAnError() throws {
        var s = constantCostScenario()
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 50)]
        s.kernel.directIOPerPage = .longest
        s.interrupts.deferredPerPage = .longest
        s.threads = [ThreadSpec(name: "main", program: [read4k(.blocking).resized(1 << 50)])]
        #expect(throws: SimulationError.self) { try Simulator(s).run() }
    }
}

/// Buffered IO is refused on a file too large for the page-cache bitmap, with a message that says what to do;
/// O_DIRECT IO on the same file runs.
@Test func bufferedIOOnAFileBeyond64GiBIsRefused() throws {
    var s = constantCostScenario()
    s.files = [FileSpec(name: "data", sizeBytes: (64 << 30) + 4096)]
    for buffered in [true, false] {
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [.io(IOOperation(.read, file: "data", sizeBytes: 4096, offset: .fixed(0), buffered: buffered))])
        ]
        if buffered {
            do {
                _ = try Simulator(s).run()
                Issue.record("buffered IO on a file beyond 64 GiB ran")
            } catch {
                #expect(error.message.contains("up to 64GiB"), "\(error.message)")
            }
        } else {
            #expect(try Simulator(s).run().iosCompleted == 1)
        }
    }
}

extension Operation {
    /// The same IO operation with another size.
    func resized(_ bytes: Int64) -> Operation {
        guard case .io(var io) = self else { return self }
        io.sizeBytes = bytes
        return .io(io)
    }
}
