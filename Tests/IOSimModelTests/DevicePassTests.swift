import IOSimCore
import IOSimModel
import Testing

/// `CompletionBatching.pass`: the device serves the requests waiting when a pass starts and signals them
/// together when the last is done; what arrives during a pass waits for the next one.
@Suite struct DevicePassTimeline {
    /// Three overlapped reads from one thread on one CPU, constant costs (see `constantCostScenario`):
    /// IO 1 is submitted at 2,300 and starts a pass alone; IO 2 (3,800) and IO 3 (5,300) arrive during it.
    /// Pass 1 ends at 2,300 + 24,096 = 26,396 and raises one interrupt; pass 2 takes IOs 2 and 3 at once
    /// (two channels) and ends at 26,396 + 24,096 = 50,492 with one interrupt for both.
    @Test func requestsArrivingDuringAPassWaitForTheNext() throws {
        let r = try threeOverlappedReadsWithPasses()
        let ios = r.ioRecords.sorted { $0.number < $1.number }
        try #require(ios.count == 3)
        #expect(ios.map(\.submitted) == [ns(2_300), ns(3_800), ns(5_300)])
        #expect(ios.map(\.deviceStart) == ios.map(\.submitted))  // accepted at once; waiting for a pass is device time
        #expect(ios.map(\.deviceDone) == [ns(26_396), ns(50_492), ns(50_492)])
        #expect(r.interrupts == 2)
    }

    /// The same reads with the device taking 1,000 ns to dispatch each request of a pass: IO 1 starts at
    /// 3,300 and is done at 27,396; pass 2 takes IO 2 at 28,396 and IO 3 at 29,396.
    @Test func passDispatchStaggersTheStarts() throws {
        let r = try threeOverlappedReadsWithPasses(dispatch: .nanoseconds(1_000))
        let ios = r.ioRecords.sorted { $0.number < $1.number }
        try #require(ios.count == 3)
        #expect(ios.map(\.deviceDone) == [ns(27_396), ns(52_492), ns(53_492)])
        #expect(r.interrupts == 2)
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
    /// first). Without a wake-up time, IO 1 (submitted at 2,300) starts a pass alone and IO 2 (5,300) waits for
    /// the next one: two interrupts. With `passWakeup` 5,000 the idle device starts its pass at 7,300, IO 2 has
    /// joined it, the one channel serves them one after the other (24,096 each: done at 31,396 and 55,492) and
    /// both are signalled together with one interrupt.
    @Test func passWakeupGroupsSeparateSubmitters() throws {
        let apart = try twoThreadsReadingApart(wakeup: .zero)
        #expect(inOrder(apart).map(\.submitted) == [ns(2_300), ns(5_300)])
        expectPasses(apart, deviceDone: [26_396, 50_492], interrupts: 2)
        let grouped = try twoThreadsReadingApart(wakeup: .nanoseconds(5_000))
        #expect(inOrder(grouped).map(\.submitted) == [ns(2_300), ns(5_300)])
        expectPasses(grouped, deviceDone: [31_396, 55_492], interrupts: 1)
    }

    /// A pass that follows another starts at once: the wake-up is paid only by an idle device. Three reads
    /// from one thread (as `requestsArrivingDuringAPassWaitForTheNext`) with `passWakeup` 1,000: pass 1 starts
    /// at 3,300 with IO 1 alone (IO 2 comes at 3,800) and ends at 27,396; pass 2 takes IOs 2 and 3 at 27,396,
    /// not 1,000 later, and ends at 51,492. With `passWakeup` 5,000 all three arrive before the pass
    /// starts at 7,300: one pass, two channels (IOs 1 and 2 done at 31,396, IO 3 at 55,492), one interrupt.
    @Test func passWakeupIsPaidOnlyByAnIdleDevice() throws {
        expectPasses(
            try threeOverlappedReadsWithPasses(wakeup: .nanoseconds(1_000)), deviceDone: [27_396, 51_492, 51_492],
            interrupts: 2)
        expectPasses(
            try threeOverlappedReadsWithPasses(wakeup: .nanoseconds(5_000)), deviceDone: [31_396, 31_396, 55_492],
            interrupts: 1)
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

    /// Threads "a" and "b" on two CPUs each make one blocking read; "b" computes 3,000 ns first. One channel,
    /// passes.
    func twoThreadsReadingApart(wakeup: SimDuration) throws -> SimulationResult {
        var s = constantCostScenario(cpus: 2)
        s.device.completionBatching = .pass
        s.device.passWakeup = wakeup
        s.threads = [
            ThreadSpec(name: "a", program: [read4k(.blocking)]),
            ThreadSpec(name: "b", program: [.compute(.constant(3_000)), read4k(.blocking)]),
        ]
        return try Simulator(s).run()
    }

    /// Without passes the device starts each request on a free channel at once and signals each alone.
    @Test func withoutPassesEachRequestIsSignalledAlone() throws {
        let r = try overlappedReads(["a", "b"], channels: 2, batching: .none)
        let ios = r.ioRecords.sorted { $0.number < $1.number }
        #expect(ios.map(\.deviceDone) == [ns(26_396), ns(27_896)])
        #expect(r.interrupts == 2)
    }
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
