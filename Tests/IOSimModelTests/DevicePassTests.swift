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
    func threeOverlappedReadsWithPasses(dispatch: SimDuration = .zero) throws -> SimulationResult {
        var s = constantCostScenario()
        s.device.channels = 2
        s.device.completionBatching = .pass
        s.device.passDispatch = dispatch
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [
                    read4k(.overlapped, name: "a"), read4k(.overlapped, name: "b"), read4k(.overlapped, name: "c"),
                    .getResult(request: "a", wait: true), .getResult(request: "b", wait: true),
                    .getResult(request: "c", wait: true),
                ])
        ]
        return try Simulator(s).run()
    }

    /// Without passes the device starts each request on a free channel at once and signals each alone.
    @Test func withoutPassesEachRequestIsSignalledAlone() throws {
        var s = constantCostScenario()
        s.device.channels = 2
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [
                    read4k(.overlapped, name: "a"), read4k(.overlapped, name: "b"),
                    .getResult(request: "a", wait: true), .getResult(request: "b", wait: true),
                ])
        ]
        let r = try Simulator(s).run()
        let ios = r.ioRecords.sorted { $0.number < $1.number }
        #expect(ios.map(\.deviceDone) == [ns(26_396), ns(27_896)])
        #expect(r.interrupts == 2)
    }
}
