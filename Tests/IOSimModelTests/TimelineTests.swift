import IOSimCore
import IOSimModel
import Testing

@Suite struct BlockingReadTimeline {
    /// One blocking 4 KiB read on one CPU, every cost a distinct constant:
    /// switch in 1,000 -> issue at 1,000; entry 100 + IRP 400 + driver 800 -> pending at 2,300;
    /// device 20,000 + 4,096 (4 KiB at 1 GB/s) -> done at 26,396; delivery 500 -> ISR at 26,896;
    /// ISR 1,500 + DPC 2,000 -> complete at 30,396; wake-up 3,000 + switch 1,000 + exit 200 -> back in user
    /// mode at 34,596.
    @Test func completionInstantIsTheSumOfTheStages() throws {
        var s = constantCostScenario()
        s.threads = [ThreadSpec(name: "main", program: [read4k(.blocking)])]
        let sim = try Simulator(s)
        let r = try sim.run()
        let io = try #require(r.ioRecords.first)
        #expect(io.issued == ns(1_000))
        #expect(io.submitted == ns(2_300))
        #expect(io.deviceStart == ns(2_300))
        #expect(io.deviceDone == ns(26_396))
        #expect(io.interruptStart == ns(26_896))
        #expect(io.completed == ns(30_396))
        #expect(io.observed == ns(34_596))
        #expect(r.elapsed == .nanoseconds(34_596))
        #expect(r.latency.max == 29_396)
        #expect(r.stage(.submission).max == 1_300)
        #expect(r.stage(.device).max == 24_096)
        #expect(r.stage(.interrupt).max == 500)
        #expect(r.stage(.deferred).max == 3_500)
        #expect(r.stage(.delivery).max == 4_200)
    }

    @Test func ledgerChargesEachNanosecondOnce() throws {
        var s = constantCostScenario()
        s.threads = [ThreadSpec(name: "main", program: [read4k(.blocking)])]
        let sim = try Simulator(s)
        let r = try sim.run()
        let cpu = r.perCPU[0]
        #expect(cpu[.contextSwitch] == .nanoseconds(2_000))
        #expect(cpu[.syscall] == .nanoseconds(1_500))
        #expect(cpu[.irq] == .nanoseconds(1_500))
        #expect(cpu[.deferred] == .nanoseconds(2_000))
        #expect(cpu[.user] == .zero)
        #expect(cpu[.polling] == .zero)
        #expect(cpu[.idle] == .nanoseconds(34_596 - 7_000))
        #expect(cpu.total == r.elapsed)
        #expect(r.interrupts == 1)
        #expect(r.contextSwitches == 4)  // idle->main, main->idle, idle->main, main->idle
        #expect(r.threads.attachedShare == 1)
        #expect(r.threads.maxAlive == 1)
    }

    /// The same read, overlapped, with compute after it: the thread never waits, so no thread is attached
    /// to the IO while it is in flight, and the ISR borrows the CPU from the computing thread.
    @Test func overlappedReadLeavesNoThreadAttached() throws {
        var s = constantCostScenario()
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [
                    read4k(.overlapped, name: "r"), .compute(.constant(100_000)), .getResult(request: "r", wait: true),
                ])
        ]
        let sim = try Simulator(s)
        let r = try sim.run()
        let io = try #require(r.ioRecords.first)
        #expect(io.submitted == ns(2_300))
        #expect(io.completed == ns(30_396))
        #expect(r.threads.attachedShare == 0)
        // The compute started at 2,500 (after the syscall exit) and lost 3,500 ns to the ISR and DPC.
        // It ends at 2,500 + 100,000 + 3,500 = 106,000; then poll 50, already complete: observed at 106,050.
        #expect(io.observed == ns(106_050))
        #expect(r.perCPU[0][.user] == .nanoseconds(100_000))
        #expect(r.perCPU[0][.polling] == .nanoseconds(50))
        #expect(r.perCPU[0][.irq] == .nanoseconds(1_500))
        #expect(r.threads.blockedOnIO == 0)
    }

    @Test func narrationFollowsClearysSteps() throws {
        var s = constantCostScenario()
        s.threads = [ThreadSpec(name: "main", program: [read4k(.overlapped, name: "r"), .compute(.constant(100_000)),
                                                         .getResult(request: "r", wait: true)])]
        let sim = try Simulator(s)
        let r = try sim.run()
        let steps = r.narration.map(\.clearyStep)
        #expect(steps == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        #expect(r.narration.map(\.instant) == [ns(1_000), ns(1_100), ns(1_500), ns(2_300), ns(2_300), ns(26_396),
                                              ns(26_896), ns(30_396), ns(30_396), ns(106_050)])
        #expect(r.narration[4].text.contains("there is no thread"))
        #expect(r.narration[6].text.contains("interrupting thread main"))
    }
}
