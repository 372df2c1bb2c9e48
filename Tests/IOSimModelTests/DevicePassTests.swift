import IOSimCore
import IOSimModel
import Testing

/// `CompletionBatching.pass`: the device serves the requests waiting when a pass starts, and those arriving
/// while it runs (Firecracker's process_queue pops its ring until it is empty), and signals them together
/// when the last is done.
@Suite struct DevicePassTimeline {
    /// Three overlapped reads from one thread on one CPU, constant costs (see `constantCostScenario`: 20,000 ns
    /// of access, then 4,096 ns of transfer on the link the channels share), two channels: IO 1 is submitted
    /// at 2,300 and starts a pass; IO 2 (3,800) joins it on the free channel and IO 3 (5,300) joins it waiting
    /// for a channel, which IO 1 frees at 2,300 + 24,096 = 26,396. IO 2's access ends at 23,800, but IO 1
    /// holds the link until 26,396, so IO 2 is done at 30,492; IO 3 at 26,396 + 24,096 = 50,492, and the pass
    /// raises one interrupt.
    @Test func requestsArrivingDuringAPassJoinIt() throws {
        let r = try threeOverlappedReadsWithPasses()
        let ios = r.ioRecords.sorted { $0.number < $1.number }
        try #require(ios.count == 3)
        #expect(ios.map(\.submitted) == [ns(2_300), ns(3_800), ns(5_300)])
        #expect(ios.map(\.deviceStart) == ios.map(\.submitted))  // accepted at once; waiting in a pass is device time
        #expect(ios.map(\.deviceDone) == [ns(26_396), ns(30_492), ns(50_492)])
        #expect(r.interrupts == 1)
    }

    /// The same reads with the device taking 1,000 ns to dispatch each request, one after another: IO 1 is
    /// taken at 3,300 and done at 27,396; IO 2 is taken at 4,800 (1,000 after it came), its access ends at
    /// 24,800 and its transfer waits for IO 1's (done at 31,492); IO 3 is taken at 6,300, waits for IO 1's
    /// channel and is done at 27,396 + 24,096 = 51,492.
    @Test func passDispatchStaggersTheStarts() throws {
        let r = try threeOverlappedReadsWithPasses(dispatch: .nanoseconds(1_000))
        let ios = r.ioRecords.sorted { $0.number < $1.number }
        try #require(ios.count == 3)
        #expect(ios.map(\.deviceDone) == [ns(27_396), ns(31_492), ns(51_492)])
        #expect(r.interrupts == 1)
    }

    /// Three overlapped reads issued back to back by one thread, then waited for; two channels, passes.
    func threeOverlappedReadsWithPasses(dispatch: SimDuration = .zero, wakeup: SimDuration = .zero) throws
        -> SimulationResult
    {
        try overlappedReads(["a", "b", "c"], channels: 2, batching: .pass) {
            $0.device.passDispatch = dispatch
            $0.device.passWakeup = wakeup
        }
    }

    /// Two threads on two CPUs each make one blocking read, the second 3,000 ns after the first (it computes
    /// first); one channel. IO 1 (submitted at 2,300) starts a pass and IO 2 (5,300) joins it: the channel
    /// serves them one after the other (24,096 each: done at 26,396 and 50,492), signalled together with one
    /// interrupt. With `passWakeup` 5,000 the idle device starts its pass at 7,300, with both (done at 31,396
    /// and 55,492).
    @Test func separateSubmittersShareAPass() throws {
        let apart = try twoThreadsReadingApart(wakeup: .zero)
        #expect(inOrder(apart).map(\.submitted) == [ns(2_300), ns(5_300)])
        expectPasses(apart, deviceDone: [26_396, 50_492], interrupts: 1)
        let grouped = try twoThreadsReadingApart(wakeup: .nanoseconds(5_000))
        #expect(inOrder(grouped).map(\.submitted) == [ns(2_300), ns(5_300)])
        expectPasses(grouped, deviceDone: [31_396, 55_492], interrupts: 1)
    }

    /// The wake-up is paid only by an idle device: a request arriving after the pass started joins it at
    /// once. Three reads from one thread (as `requestsArrivingDuringAPassJoinIt`) with `passWakeup` 1,000: the
    /// pass starts at 3,300 with IO 1 (done at 27,396); IO 2 (3,800) starts on the free channel at once (its
    /// transfer after IO 1's: done at 31,492) and IO 3 (5,300) when IO 1 frees its channel (done at 51,492);
    /// one interrupt. With `passWakeup` 5,000 all three arrive before the pass starts at 7,300 (IOs 1 and 2
    /// end their access at 27,300 and take the link in turn: done at 31,396 and 35,492; IO 3 at 55,492).
    @Test func passWakeupIsPaidOnlyByAnIdleDevice() throws {
        expectPasses(
            try threeOverlappedReadsWithPasses(wakeup: .nanoseconds(1_000)), deviceDone: [27_396, 31_492, 51_492],
            interrupts: 1)
        expectPasses(
            try threeOverlappedReadsWithPasses(wakeup: .nanoseconds(5_000)), deviceDone: [31_396, 35_492, 55_492],
            interrupts: 1)
    }

    /// The doorbell (`kernel.doorbell`, 700 ns here) is rung after the hand-off, and only when the device's
    /// pass is closed. In `twoThreadsReadingApart` thread "a" submits IO 1 at 2,300 to an idle device and
    /// rings (its syscall time grows by 700); "b" submits IO 2 at 5,300 into the open pass and does not. The
    /// hand-offs keep their instants, and IO 1's completion still reaches "a", which blocked at 3,000.
    @Test func theDoorbellIsRungOnlyForAClosedPass() throws {
        let silent = try twoThreadsReadingApart(wakeup: .zero)
        let rung = try twoThreadsReadingApart(wakeup: .zero, doorbell: .nanoseconds(700))
        #expect(inOrder(rung).map(\.submitted) == [ns(2_300), ns(5_300)])
        expectPasses(rung, deviceDone: [26_396, 50_492], interrupts: 1)
        #expect(rung.totalCPU[.syscall] == silent.totalCPU[.syscall] + .nanoseconds(700))
        #expect(rung.iosCompleted == 2)
        // Without passes every hand-off rings: both threads pay.
        let always = try twoThreadsReadingApart(wakeup: .zero, doorbell: .nanoseconds(700), batching: .none)
        let never = try twoThreadsReadingApart(wakeup: .zero, batching: .none)
        #expect(always.totalCPU[.syscall] == never.totalCPU[.syscall] + .nanoseconds(1_400))
    }

    /// A blocking read whose device finishes while its thread is still ringing the doorbell does not block:
    /// a 1,000 ns device, a 30,000 ns doorbell, one CPU. IO 1 is handed over at 2,300 and done at 2,300 +
    /// 1,000 + 4,096 = 7,396; its ISR and deferred routine (3,500 from 7,896) interrupt the doorbell, which
    /// ends at 32,300 + 3,500 = 35,800; the thread leaves the kernel at 36,000 with no wake-up.
    @Test func aReadDoneDuringItsDoorbellDoesNotBlock() throws {
        var s = constantCostScenario()
        s.device.completionBatching = .pass
        s.device.readLatency = .constant(1_000)
        s.kernel.doorbell = .nanoseconds(30_000)
        s.threads = [ThreadSpec(name: "a", program: [read4k(.blocking)])]
        let r = try Simulator(s).run()
        #expect(inOrder(r).map(\.deviceDone) == [ns(7_396)])
        #expect(r.contextSwitches == 2)  // onto the CPU at the start, and to idle at the end
        #expect(r.elapsed == .nanoseconds(36_000))
        // On two CPUs the thread rings on CPU 1 while CPU 0 takes the interrupt: the doorbell ends at 32,300 and the
        // completion, which must not wake a thread that never blocked, leaves it to return at 32,500.
        s.machine.cpuCount = 2
        let two = try Simulator(s).run()
        #expect(two.contextSwitches == 2)
        #expect(two.elapsed == .nanoseconds(32_500))
        #expect(two.totalCPU.total.nanoseconds == two.elapsed.nanoseconds * 2)
    }

    /// The narration of a blocking read names its thread as the device starts: blocked, or still ringing the
    /// doorbell (which then finds the request done and does not block).
    @Test func theNarrationNamesTheWaitingThread() throws {
        func steps(doorbell: Int64) throws -> [NarrationStep] {
            var s = constantCostScenario()
            s.device.readLatency = .constant(1_000)
            s.kernel.doorbell = .nanoseconds(doorbell)
            s.narrateIO = 1
            s.threads = [ThreadSpec(name: "a", program: [read4k(.blocking)])]
            return try Simulator(s).run().narration
        }
        let plain = try steps(doorbell: 0)
        #expect(plain.contains { $0.clearyStep == 5 && $0.text.contains("but thread a is blocked waiting for it") })
        #expect(plain.contains { $0.clearyStep == 9 && $0.text.contains("wakes thread a, blocked on it") })
        let ringing = try steps(doorbell: 30_000)
        #expect(ringing.contains { $0.clearyStep == 5 && $0.text.contains("but thread a rings the doorbell for it") })
        #expect(ringing.contains { $0.clearyStep == 9 && $0.text.contains("thread a, still ringing the doorbell") })
    }

    /// The IO records in issue order.
    func inOrder(_ r: SimulationResult) -> [IORecord] { r.ioRecords.sorted { $0.number < $1.number } }

    /// The instants the device finished each IO (in issue order) and the interrupts raised.
    func expectPasses(
        _ r: SimulationResult, deviceDone: [Int64], interrupts: Int64, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(inOrder(r).map(\.deviceDone) == deviceDone.map { ns($0) }, sourceLocation: sourceLocation)
        #expect(r.interrupts == interrupts, sourceLocation: sourceLocation)
    }


    /// Without passes the device starts each request on a free channel at once and signals each alone (IO 2's
    /// transfer waits for IO 1's on the shared link: done at 26,396 + 4,096).
    @Test func withoutPassesEachRequestIsSignalledAlone() throws {
        let r = try overlappedReads(["a", "b"], channels: 2, batching: .none)
        let ios = r.ioRecords.sorted { $0.number < $1.number }
        #expect(ios.map(\.deviceDone) == [ns(26_396), ns(30_492)])
        #expect(r.interrupts == 2)
    }
}

/// Threads "a" and "b" on two CPUs each make one blocking read; "b" computes 3,000 ns first. One channel,
/// passes unless told otherwise.
func twoThreadsReadingApart(
    wakeup: SimDuration, doorbell: SimDuration = .zero, batching: CompletionBatching = .pass,
    configure: (inout Scenario) -> Void = { _ in }
) throws -> SimulationResult {
    var s = constantCostScenario(cpus: 2)
    s.device.completionBatching = batching
    s.device.passWakeup = wakeup
    s.kernel.doorbell = doorbell
    configure(&s)
    s.threads = [
        ThreadSpec(name: "a", program: [read4k(.blocking)]),
        ThreadSpec(name: "b", program: [.compute(.constant(3_000)), read4k(.blocking)]),
    ]
    return try Simulator(s).run()
}

/// Overlapped reads named `names` issued back to back by one thread on one CPU, then waited for in order.
func overlappedReads(
    _ names: [String], channels: Int, batching: CompletionBatching, configure: (inout Scenario) -> Void = { _ in }
) throws -> SimulationResult {
    var s = constantCostScenario()
    s.device.channels = channels
    s.device.completionBatching = batching
    configure(&s)
    s.threads = [
        ThreadSpec(
            name: "main",
            program: names.map { read4k(.overlapped, name: $0) } + names.map { .getResult(request: $0, wait: true) })
    ]
    return try Simulator(s).run()
}

/// `CompletionBatching.asyncPass`: a pass takes requests only until it has taken its last one (then re-arms the
/// doorbell and ends); taking one costs `passDispatch` and its transfer. Later requests wait for a pass of their
/// own, which signals apart.
@Suite struct AsyncDevicePassTimeline {
    /// Three overlapped reads from one thread (submitted at 2,300, 3,800 and 5,300; 20,000 ns of access each,
    /// two channels), a 1,000 ns wake-up, a 200 ns dispatch and 512 ns of transfer (8 GB/s). IO 1 wakes the
    /// device: the pass starts at 3,300 and has taken IO 1 (its data moved) at 4,012; its access ends at 24,012.
    /// IO 2 arrives at 3,800, while the pass is still taking, and joins it (taken at 4,724, done at 24,724). IO 3
    /// arrives at 5,300, after the pass took its last request: it waits for a pass of its own (starting at
    /// 6,300, taken at 7,012), served when IO 1 frees its channel at 24,012 (done at 44,012). Two passes, two
    /// interrupts; `.pass` would have taken IO 3 into the running pass and raised one.
    @Test func aRequestAfterThePassHasTakenItsLastWaitsForTheNext() throws {
        func reads(_ batching: CompletionBatching) throws -> SimulationResult {
            try overlappedReads(["a", "b", "c"], channels: 2, batching: batching) {
                $0.device.passWakeup = .nanoseconds(1_000)
                $0.device.passDispatch = .nanoseconds(200)
                $0.device.bandwidthBytesPerSecond = 8_000_000_000
            }
        }
        let async = try reads(.asyncPass)
        let ios = async.ioRecords.sorted { $0.number < $1.number }
        try #require(ios.count == 3)
        #expect(ios.map(\.submitted) == [ns(2_300), ns(3_800), ns(5_300)])
        #expect(ios.map(\.deviceDone) == [ns(24_012), ns(24_724), ns(44_012)])
        #expect(async.interrupts == 2)
        // The first pass's two requests are signalled together, when IO 2 is done; IO 3 alone, 19,288 later.
        let isr = ios.compactMap(\.interruptStart)
        try #require(isr.count == 3)
        #expect(isr[0] == isr[1])
        #expect(isr[2] - isr[1] == .nanoseconds(19_288))
        let joined = try reads(.pass)
        #expect(joined.interrupts == 1)
        #expect(Set(joined.ioRecords.compactMap(\.interruptStart)).count == 1)
    }

    /// Passes overlap: four overlapped reads 1,500 ns apart (2,300 to 6,800), no wake-up or dispatch and 512 ns
    /// of transfer, four channels. Each read comes after the pass before it took its last request, so each has
    /// a pass of its own (taken at 2,812, 4,312, 5,812 and 7,312), started while the earlier ones are still
    /// served; each is done 20,000 after it was taken and signalled alone: four interrupts.
    @Test func laterPassesStartWhileEarlierOnesAreServed() throws {
        let r = try overlappedReads(["a", "b", "c", "d"], channels: 4, batching: .asyncPass) {
            $0.device.bandwidthBytesPerSecond = 8_000_000_000
        }
        let ios = r.ioRecords.sorted { $0.number < $1.number }
        #expect(ios.map(\.submitted) == [ns(2_300), ns(3_800), ns(5_300), ns(6_800)])
        #expect(ios.map(\.deviceDone) == [ns(22_812), ns(24_312), ns(25_812), ns(27_312)])
        #expect(r.interrupts == 4)
    }

    /// A transfer holds the pass open: at 1 GB/s (4,096 ns a read) the pass that starts at 3,300 has taken IO 1
    /// at 7,596 (done at 27,596), so IO 2 (3,800) and IO 3 (5,300) join it, taken at 11,892 and 16,188; IO 2 is
    /// done at 31,892, and IO 3, waiting for IO 1's channel, at 47,596. One pass, one interrupt.
    @Test func aLongTransferKeepsThePassTaking() throws {
        let r = try overlappedReads(["a", "b", "c"], channels: 2, batching: .asyncPass) {
            $0.device.passWakeup = .nanoseconds(1_000)
            $0.device.passDispatch = .nanoseconds(200)
        }
        #expect(r.ioRecords.sorted { $0.number < $1.number }.map(\.deviceDone) == [ns(27_596), ns(31_892), ns(47_596)])
        #expect(r.interrupts == 1)
    }

    /// The doorbell (700 ns) is rung by a submission that finds no pass waking or taking, even with requests in
    /// the device. In `twoThreadsReadingApart` (one channel, 512 ns of transfer here), thread "b" submits IO 2 at
    /// 5,300 while IO 1 is being served: with `.pass` it joins the pass and does not ring; with `.asyncPass` the
    /// pass ended when it had taken IO 1 at 2,812, so "b" rings too and IO 2 has its own pass and interrupt (done
    /// at 22,812 and 42,812: the channel serves IO 2 after IO 1).
    @Test func theDoorbellIsRungOnceThePassHasTakenItsRequests() throws {
        func run(_ batching: CompletionBatching, doorbell: SimDuration) throws -> SimulationResult {
            try twoThreadsReadingApart(wakeup: .zero, doorbell: doorbell, batching: batching) {
                $0.device.bandwidthBytesPerSecond = 8_000_000_000
            }
        }
        let silent = try run(.asyncPass, doorbell: .zero)
        let rung = try run(.asyncPass, doorbell: .nanoseconds(700))
        #expect(rung.ioRecords.sorted { $0.number < $1.number }.map(\.deviceDone) == [ns(22_812), ns(42_812)])
        #expect(rung.interrupts == 2)
        #expect(rung.totalCPU[.syscall] == silent.totalCPU[.syscall] + .nanoseconds(1_400))
        let joined = try run(.pass, doorbell: .nanoseconds(700))
        #expect(joined.interrupts == 1)
        #expect(joined.totalCPU[.syscall] == silent.totalCPU[.syscall] + .nanoseconds(700))
    }
}
