import IOSimCore
import IOSimModel
import Testing

/// The IO styles of DOMAIN.md section 2 and what the thread census says about each. Instants are worked out
/// by hand from `constantCostScenario()` (switch 1,000, wake-up 3,000, syscall entry 100 and exit 200,
/// request 400, driver 800, poll 50, device 20,000 + 4,096 for 4 KiB, delivery 500, ISR 1,500, DPC 2,000).
@Suite struct StyleTests {
    // MARK: - Who is attached to an IO in flight

    @Test func blockingReadKeepsItsThreadAttachedForTheWholeFlight() throws {
        var s = constantCostScenario(cpus: 2)
        s.threads = [ThreadSpec(name: "main", program: [.repeatCount(5, [read4k(.blocking, offset: .sequential)])])]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 5)
        #expect(r.threads.attachedShare == 1)
        #expect(r.ioRecords.allSatisfy { $0.attachedShare == 1 })
        #expect(r.threads.blockedOnIO > 0)
    }

    /// Overlapped, then compute for longer than the IO takes, then wait: the IO completes with no thread
    /// attached. With a compute shorter than the IO, the wait blocks on it and the share is no longer 0.
    @Test func overlappedReadWithLongComputeBeforeTheWaitHasNoThreadAttached() throws {
        func run(compute: Int64) throws -> SimulationResult {
            var s = constantCostScenario()
            s.threads = [
                ThreadSpec(
                    name: "main",
                    program: [
                        .repeatCount(
                            3,
                            [
                                read4k(.overlapped, name: "r", offset: .sequential), .compute(.constant(compute)),
                                .getResult(request: "r", wait: true),
                            ])
                    ])
            ]
            return try Simulator(s).run()
        }
        let long = try run(compute: 100_000)
        #expect(long.iosCompleted == 3)
        #expect(long.threads.attachedShare == 0)
        #expect(long.threads.blockedOnIO == 0)
        let short = try run(compute: 5_000)
        #expect(short.threads.attachedShare > 0.5 && short.threads.attachedShare < 1)
        #expect(short.threads.blockedOnIO > 0)
    }

    /// "Async IO done on a background thread": the main thread computes undisturbed while a second thread
    /// does blocking reads, so a thread is attached to every IO for its whole flight and blocked meanwhile.
    @Test func backgroundThreadDoingBlockingReadsIsAttachedAndBlocked() throws {
        var s = constantCostScenario(cpus: 2)
        s.threads = [
            ThreadSpec(name: "main", program: [.compute(.constant(500_000))]),
            ThreadSpec(name: "background", program: [.repeatCount(5, [read4k(.blocking, offset: .sequential)])]),
        ]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 5)
        #expect(r.threads.attachedShare == 1)
        #expect(r.threads.blockedOnIO > 0 && r.threads.blockedOnIO < 1)
        #expect(r.threads.maxAlive == 2)
        #expect(r.totalCPU[.user] == .nanoseconds(500_000))
    }

    /// One thread per request (`spawn` of a template): 8 requests spawned 20 us apart (thread creation)
    /// while each read takes 1 ms on a device with 8 channels, so all 8 are alive together with the
    /// spawner: 9 threads, 9 stacks.
    @Test func threadPerRequestCensusCountsEveryThreadAndStack() throws {
        var s = constantCostScenario(cpus: 2)
        s.device.readLatency = .constant(1_000_000)
        s.device.channels = 8
        s.threads = [
            ThreadSpec(name: "main", program: [.repeatCount(8, [.spawn(thread: "request")])]),
            ThreadSpec(name: "request", template: true, program: [read4k(.blocking, offset: .random)]),
        ]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 8)
        #expect(Set(r.ioRecords.map(\.thread)) == Set((0..<8).map { "request#\($0)" }))
        #expect(r.threads.created == 9)
        #expect(r.threads.maxAlive == 9)
        #expect(r.threads.stackBytesMax == 9 * s.machine.threadStackBytes)
        #expect(r.threads.attachedShare == 1)
        // The spawner paid for creating them: 8 x 20 us of syscall time beyond the reads' own.
        #expect(r.totalCPU[.syscall] >= .microseconds(160))
    }

    // MARK: - Completion ports

    /// Four daemon workers wait on a port; `main` issues overlapped reads whose completions are packets.
    static func portScenario(workers: Int, concurrency: Int, workerCompute: Int64, main: [Operation]) -> Scenario {
        var s = constantCostScenario(cpus: 4)
        s.device.channels = 4
        s.ports = [PortSpec(name: "port", concurrency: concurrency)]
        s.threads = [
            ThreadSpec(
                name: "worker", count: workers, daemon: true,
                program: [.repeatForever([.dequeue(port: "port"), .compute(.constant(workerCompute))])]),
            ThreadSpec(name: "main", program: main),
        ]
        return s
    }

    static func portRead(_ bytes: Int64 = 4096, offset: Int64 = 0) -> Operation {
        .io(IOOperation(.read, file: "data", sizeBytes: bytes, offset: .fixed(offset), style: .overlapped, notice: .port("port")))
    }

    /// The thread that took IO `number`'s packet from the port, read from the narration of that IO.
    static func dequeuer(of number: Int, in scenario: Scenario) throws -> String? {
        var s = scenario
        s.narrateIO = number
        let r = try Simulator(s).run()
        return r.narration.first { $0.clearyStep == 10 && $0.text.contains("GetQueuedCompletionStatus") }?.actor
    }

    /// The workers start waiting in the order worker#0, #1, #2, #3. Three packets arrive a few
    /// microseconds apart: the most recent waiter takes each (LIFO), so #3, then #2, then #1.
    @Test func portReleasesWaitingThreadsLastInFirstOut() throws {
        let s = Self.portScenario(
            workers: 4, concurrency: 0, workerCompute: 100_000,
            main: [Self.portRead(offset: 0), Self.portRead(offset: 4096), Self.portRead(offset: 8192), .sleep(.constant(1_000_000))])
        #expect(try Self.dequeuer(of: 1, in: s) == "thread worker#3")
        #expect(try Self.dequeuer(of: 2, in: s) == "thread worker#2")
        #expect(try Self.dequeuer(of: 3, in: s) == "thread worker#1")
        let r = try Simulator(s).run()
        #expect(r.ioRecords.allSatisfy { $0.observed != nil })
    }

    /// Packets far apart: the worker that just finished is back on top of the waiter stack, so the same
    /// (cache-hot) thread takes every packet and the others never run.
    @Test func portKeepsReusingTheMostRecentWaiter() throws {
        let s = Self.portScenario(
            workers: 4, concurrency: 0, workerCompute: 10_000,
            main: [.repeatCount(3, [Self.portRead(), .sleep(.constant(200_000))])])
        for number in 1...3 {
            #expect(try Self.dequeuer(of: number, in: s) == "thread worker#3", "IO \(number)")
        }
    }

    /// Packets queue FIFO: one busy worker finds three completed packets and takes them in completion
    /// order (the 4 KiB read, then the 16 KiB one, then the 64 KiB write, whose device time is 100 us longer,
    /// issued first), one per 10 us compute.
    @Test func portQueuesPacketsFirstInFirstOut() throws {
        let write = Operation.io(
            IOOperation(.write, file: "data", sizeBytes: 65_536, offset: .fixed(0), style: .overlapped, notice: .port("port")))
        var s = Self.portScenario(
            workers: 1, concurrency: 0, workerCompute: 10_000,
            main: [
                write, Self.portRead(4_096, offset: 1 << 20), Self.portRead(16_384, offset: 2 << 20),
                .sleep(.constant(2_000_000)),
            ])
        s.device.writeLatency = .constant(120_000)
        s.threads[0].program = [.compute(.constant(1_000_000))] + s.threads[0].program  // busy while they complete
        let r = try Simulator(s).run()
        let io = r.ioRecords
        let completed = try io.map { try #require($0.completed) }
        let observed = try io.map { try #require($0.observed) }
        #expect(completed[1] < completed[2] && completed[2] < completed[0])
        #expect(observed[0] > SimInstant.zero + .microseconds(1_000))
        #expect(observed[1] < observed[2] && observed[2] < observed[0])
        // Each packet is taken right after the previous one's 10 us compute (plus the syscall exit/entry).
        #expect(observed[2] - observed[1] == .nanoseconds(200 + 10_000 + 100))
        #expect(observed[0] - observed[2] == .nanoseconds(200 + 10_000 + 100))
    }

    /// With a concurrency value of 1, only one of three workers runs at a time even though three packets
    /// are waiting and CPUs are free: completions are taken at least one 100 us compute apart. With a
    /// value of 3 they are taken within microseconds of each other.
    @Test func portConcurrencyLimitsRunningWorkers() throws {
        func observed(concurrency: Int) throws -> [SimInstant] {
            let s = Self.portScenario(
                workers: 3, concurrency: concurrency, workerCompute: 100_000,
                main: [Self.portRead(offset: 0), Self.portRead(offset: 4096), Self.portRead(offset: 8192), .sleep(.constant(1_000_000))])
            let r = try Simulator(s).run()
            return try r.ioRecords.map { try #require($0.observed) }.sorted()
        }
        let limited = try observed(concurrency: 1)
        #expect(limited.count == 3)
        for i in 1..<limited.count { #expect(limited[i] - limited[i - 1] >= .microseconds(100)) }
        let open = try observed(concurrency: 3)
        #expect(open.count == 3)
        #expect(try #require(open.last) - open[0] < .microseconds(20))
    }

    // MARK: - Completion routines

    static func routineScenario(_ between: [Operation]) -> Scenario {
        var s = constantCostScenario()
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [read4k(.overlapped, notice: .completionRoutine(cost: .constant(5_000)))] + between)
        ]
        return s
    }

    /// The IO completes at 30,396 while the thread computes (2,500 to 206,000, including 3,500 lost to the
    /// ISR and DPC); its routine waits as a queued APC until the thread's alertable wait starts at 206,000,
    /// and runs there after the syscall entry: observed at 206,100, then 5 us of routine in user mode.
    @Test func completionRoutineRunsOnlyInAnAlertableWait() throws {
        let s = Self.routineScenario([.compute(.constant(200_000)), .alertableWait(timeout: nil)])
        let r = try Simulator(s).run()
        let io = try #require(r.ioRecords.first)
        #expect(io.completed == ns(30_396))
        #expect(io.observed == ns(206_000 + 100))
        #expect(r.totalCPU[.user] == .nanoseconds(200_000 + 5_000))
        #expect(r.elapsed == .nanoseconds(206_100 + 5_000 + 200))
    }

    /// A non-alertable sleep leaves the routine queued: it runs only in the alertable wait after the sleep
    /// (sleep 206,000 to 256,000, wake-up 3,000, switch 1,000, entry 100).
    @Test func completionRoutineStaysQueuedThroughANonAlertableWait() throws {
        let s = Self.routineScenario([.compute(.constant(200_000)), .sleep(.constant(50_000)), .alertableWait(timeout: nil)])
        let r = try Simulator(s).run()
        #expect(r.ioRecords.first?.observed == ns(256_000 + 3_000 + 1_000 + 100))
    }

    /// A thread that never waits alertably never runs its routine: the IO completes but the program
    /// never learns of it.
    @Test func completionRoutineNeverRunsWithoutAnAlertableWait() throws {
        let s = Self.routineScenario([.compute(.constant(200_000))])
        let r = try Simulator(s).run()
        let io = try #require(r.ioRecords.first)
        #expect(io.completed == ns(30_396))
        #expect(io.observed == nil)
        #expect(r.totalCPU[.user] == .nanoseconds(200_000))
    }

    /// An alertable wait entered before the completion blocks until the APC is queued (30,396), then
    /// returns after the wake-up and switch: observed at 34,396.
    @Test func alertableWaitReturnsWhenTheRoutineIsQueued() throws {
        let s = Self.routineScenario([.alertableWait(timeout: nil)])
        let r = try Simulator(s).run()
        #expect(r.ioRecords.first?.observed == ns(30_396 + 3_000 + 1_000))
    }

    // MARK: - Synchronous completion

    /// An overlapped read of a cached page of a buffered file completes inside the call (ReadFile returns
    /// TRUE): the kernel copies 4 KiB at 10 GB/s (410 ns) on the calling thread; no device, no interrupt.
    @Test func cacheHitCompletesSynchronouslyWithoutTheDevice() throws {
        var s = constantCostScenario()
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 20, cached: true, buffered: true)]
        s.threads = [ThreadSpec(name: "main", program: [read4k(.overlapped, name: "r"), .getResult(request: "r", wait: true)])]
        let r = try Simulator(s).run()
        let io = try #require(r.ioRecords.first)
        #expect(r.iosSynchronous == 1)
        #expect(r.interrupts == 0)
        #expect(io.synchronous)
        #expect(io.submitted == nil && io.deviceStart == nil && io.deviceDone == nil && io.interruptStart == nil)
        #expect(r.stage(.device).count == 0)
        #expect(io.completed == ns(1_000 + 100 + 410 + 200))
        #expect(r.totalCPU[.irq] == .zero && r.totalCPU[.deferred] == .zero)
        #expect(r.threads.attachedShare == 0)
    }

    /// The same page of a buffered file that is not cached: the first read goes to the device (and fills
    /// the cache), the second is a hit.
    @Test func bufferedMissFillsTheCacheForTheNextRead() throws {
        var s = constantCostScenario()
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 20, cached: false, buffered: true)]
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [.repeatCount(2, [read4k(.overlapped, name: "r"), .getResult(request: "r", wait: true)])])
        ]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 2)
        #expect(r.iosSynchronous == 1)
        #expect(r.interrupts == 1)
        #expect(r.ioRecords.map(\.synchronous) == [false, true])
    }

    // MARK: - PIO and DMA

    /// A 1 MiB read: under PIO at 16.7 MB/s the CPU that takes the interrupt copies every byte in the ISR,
    /// 62,788,983 ns charged to irq on CPU 1 (where `main` computes, so its compute is pushed back by that
    /// much); under DMA the ISR costs its 1,500 ns only and the device's own transfer adds to its time.
    @Test func pioChargesTheTransferToTheInterruptedCPUAndDMADoesNot() throws {
        let size: Int64 = 1 << 20
        let rate: Int64 = 16_700_000
        let copy = (size * 1_000_000_000 + rate - 1) / rate
        #expect(copy == 62_788_983)
        func run(_ transfer: TransferMode) throws -> SimulationResult {
            var s = constantCostScenario(cpus: 2)
            s.device.transfer = transfer
            s.interrupts.target = .fixed(cpu: 1)
            s.threads = [
                ThreadSpec(
                    name: "main",
                    program: [
                        .io(IOOperation(.read, file: "data", sizeBytes: size, offset: .fixed(0), style: .overlapped, name: "r")),
                        .compute(.constant(100_000_000)), .getResult(request: "r", wait: true),
                    ])
            ]
            return try Simulator(s).run()
        }
        let pio = try run(.pio(bytesPerSecond: rate))
        let dma = try run(.dma)
        #expect(pio.perCPU[1][.irq] == .nanoseconds(1_500 + copy))
        #expect(pio.perCPU[0][.irq] == .zero)
        #expect(dma.perCPU[1][.irq] == .nanoseconds(1_500))
        #expect(pio.totalCPU[.user] == .nanoseconds(100_000_000) && dma.totalCPU[.user] == .nanoseconds(100_000_000))
        #expect(pio.stage(.device).max == 20_000)
        #expect(dma.stage(.device).max == 20_000 + size)  // 1 MiB at 1 GB/s by the DMA engine
        #expect(pio.elapsed - dma.elapsed == .nanoseconds(copy))
        #expect(pio.narration.contains { $0.clearyStep == 7 && $0.text.contains("interrupting thread main") })
    }

    // MARK: - Interrupt coalescing

    /// 8 threads x 4 blocking reads on a device with 8 channels: one interrupt per completion without
    /// coalescing; with a threshold of 4 and a 100 us timeout, fewer (at least one per 4 completions).
    @Test func coalescingRaisesFewerInterruptsThanIOs() throws {
        func run(coalesce: Bool) throws -> SimulationResult {
            var s = constantCostScenario(cpus: 4)
            s.device.channels = 8
            s.device.readLatency = .exponential(mean: 20_000)
            if coalesce {
                s.interrupts.coalesceCount = 4
                s.interrupts.coalesceTime = .microseconds(100)
            }
            s.threads = [ThreadSpec(name: "w", count: 8, program: [.repeatCount(4, [read4k(.blocking, offset: .random)])])]
            return try Simulator(s).run()
        }
        let plain = try run(coalesce: false)
        let coalesced = try run(coalesce: true)
        #expect(plain.iosCompleted == 32 && coalesced.iosCompleted == 32)
        #expect(plain.interrupts == 32)
        #expect(coalesced.interrupts < 32)
        #expect(coalesced.interrupts >= 8)
    }

    /// A lone completion under coalescing waits for the timeout: the ISR starts 100 us + 500 ns of delivery
    /// after the device finished.
    @Test func coalescingTimeoutDelaysALoneCompletion() throws {
        var s = constantCostScenario()
        s.interrupts.coalesceCount = 4
        s.interrupts.coalesceTime = .microseconds(100)
        s.threads = [ThreadSpec(name: "main", program: [read4k(.blocking)])]
        let r = try Simulator(s).run()
        let io = try #require(r.ioRecords.first)
        #expect(io.deviceDone == ns(26_396))
        #expect(io.interruptStart == ns(26_396 + 100_000 + 500))
        #expect(r.interrupts == 1)
    }

    // MARK: - Progress and polling

    /// GetOverlappedResult gives no progress while an IO runs; split into 16 chunks, the read reports 16
    /// times and the longest silence shrinks to about one chunk's time.
    @Test func chunkedReadReportsProgressOncePerChunk() throws {
        func run(_ program: [Operation]) throws -> SimulationResult {
            var s = constantCostScenario()
            s.threads = [ThreadSpec(name: "main", program: program)]
            return try Simulator(s).run()
        }
        let chunked = try run([Operation.chunkedRead(file: "data", totalBytes: 1 << 20, chunkBytes: 64 << 10)])
        #expect(chunked.progressReports == 16)
        #expect(chunked.iosCompleted == 16)
        #expect(chunked.bytes == 1 << 20)
        let whole = try run([
            .io(IOOperation(.read, file: "data", sizeBytes: 1 << 20, offset: .fixed(0), style: .overlapped, name: "r")),
            .getResult(request: "r", wait: true), .reportProgress,
        ])
        #expect(whole.progressReports == 1)
        #expect(chunked.progressMaxGap > .zero)
        #expect(chunked.progressMaxGap < whole.progressMaxGap)
    }

    /// `while (!GetOverlappedResult(..., FALSE)) {}`: from 2,500 the thread checks every 50 ns; the ISR
    /// (26,896) interrupts check number 488 for 3,500 ns, which then ends at 30,400 and sees the IO done.
    /// 488 checks = 24,400 ns of polling, and the thread was running for the IO nearly all its flight.
    @Test func pollingLoopChargesPollingTime() throws {
        var s = constantCostScenario()
        s.threads = [ThreadSpec(name: "main", program: [read4k(.overlapped, name: "r"), .untilComplete(request: "r", [])])]
        let r = try Simulator(s).run()
        #expect(r.totalCPU[.polling] == .nanoseconds(24_400))
        #expect(r.ioRecords.first?.observed == ns(30_400))
        #expect(r.threads.attachedShare > 0.99)
        #expect(r.threads.blockedOnIO == 0)

        s.threads = [ThreadSpec(name: "main", program: [read4k(.overlapped, name: "r"), .getResult(request: "r", wait: true)])]
        let waited = try Simulator(s).run()
        #expect(waited.totalCPU[.polling] == .nanoseconds(50))  // one check, then a blocking wait
    }
}
