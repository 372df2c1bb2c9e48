import IOSimCore
import IOSimModel
import Testing

/// `interrupts.busyStall`: a CPU running a thread when a device interrupt reaches it loses that long before the
/// ISR (the host completing the request and injecting the interrupt), counted as the thread's own time; a CPU
/// with no thread loses nothing.
@Suite struct BusyStallTests {
    func run(stall: Int64, program: [Operation]) throws -> SimulationResult {
        var s = constantCostScenario()  // one CPU; ISR 1,500, deferred routine 2,000
        s.interrupts.busyStall = .nanoseconds(stall)
        s.threads = [ThreadSpec(name: "main", program: program)]
        return try Simulator(s).run()
    }

    /// An overlapped read, then 100 us of computing, which the read's interrupt (about 26 us in) interrupts: with a
    /// stall of 5,000 the ISR starts 5,000 later, the computing ends 5,000 later, and the 5,000 is user time;
    /// the interrupt work itself is unchanged.
    @Test func aBusyCPUStallsBeforeTheISRAsTheThreadsTime() throws {
        let program: [Operation] = [read4k(.overlapped, name: "r"), .compute(.constant(100_000)), .getResult(request: "r", wait: true)]
        let plain = try run(stall: 0, program: program)
        let stalled = try run(stall: 5_000, program: program)
        let a = try #require(plain.ioRecords.first), b = try #require(stalled.ioRecords.first)
        let deviceDone = try #require(a.deviceDone)
        #expect(b.deviceDone == deviceDone)
        #expect(try #require(b.interruptStart) - #require(a.interruptStart) == .nanoseconds(5_000))
        #expect(stalled.elapsed - plain.elapsed == .nanoseconds(5_000))
        #expect(stalled.totalCPU[.user] - plain.totalCPU[.user] == .nanoseconds(5_000))
        #expect(stalled.totalCPU[.irq] == plain.totalCPU[.irq] && stalled.totalCPU[.deferred] == plain.totalCPU[.deferred])
    }

    /// The narration of the read says the ISR came after the stall, and how long it was; without one it does not.
    @Test func theNarrationTellsTheStall() throws {
        func isrStep(stall: Int64) throws -> String {
            var s = constantCostScenario()
            s.interrupts.busyStall = .nanoseconds(stall)
            s.narrateIO = 1
            s.threads = [
                ThreadSpec(
                    name: "main",
                    program: [read4k(.overlapped, name: "r"), .compute(.constant(100_000)), .getResult(request: "r", wait: true)])
            ]
            let r = try Simulator(s).run()
            return try #require(r.narration.first { $0.clearyStep == 7 }).text
        }
        let stalled = try isrStep(stall: 5_000)
        #expect(stalled.contains("interrupting thread main"))
        #expect(stalled.contains("after the CPU stalled 5us (interrupts.busyStall"))
        #expect(!(try isrStep(stall: 0)).contains("stalled"))
    }

    /// A blocking read: its thread sleeps, the CPU is idle when the interrupt comes, and nothing changes.
    @Test func anIdleCPUDoesNotStall() throws {
        let plain = try run(stall: 0, program: [read4k(.blocking)])
        let stalled = try run(stall: 5_000, program: [read4k(.blocking)])
        #expect(stalled.ioRecords.first?.interruptStart == plain.ioRecords.first?.interruptStart)
        #expect(stalled.elapsed == plain.elapsed)
    }

    /// Two overlapped reads served one after the other (one channel: the second done 24,096 after the first),
    /// their thread computing: with interrupt suppression, the second completes while the first's interrupt
    /// is pending in a 30,000 stall and joins its batch: one interrupt for both, against two without the stall.
    /// Two overlapped reads, one channel, the thread computing 200 us meanwhile, interrupt suppression on.
    static func twoReadsWhileComputing(stall: Int64) -> Scenario {
        var s = constantCostScenario()
        s.interrupts.suppressWhileServicing = true
        s.interrupts.busyStall = .nanoseconds(stall)
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [
                    read4k(.overlapped, name: "a"), read4k(.overlapped, name: "b", offset: .fixed(8_192)),
                    .compute(.constant(200_000)), .getResult(request: "a", wait: true), .getResult(request: "b", wait: true),
                ])
        ]
        return s
    }

    @Test func completionsDuringTheStallJoinThePendingInterrupt() throws {
        func run(stall: Int64) throws -> SimulationResult { try Simulator(Self.twoReadsWhileComputing(stall: stall)).run() }
        let plain = try run(stall: 0)
        let stalled = try run(stall: 30_000)
        #expect(plain.interrupts == 2)
        #expect(stalled.interrupts == 1)
        #expect(stalled.iosCompleted == 2)
        let ios = stalled.ioRecords.sorted { $0.number < $1.number }
        try #require(ios.count == 2)
        #expect(ios[0].interruptStart == ios[1].interruptStart)
    }

    /// The read that joined the stalled interrupt is traced once at its ISR (not also when it joined), and its
    /// narration says it waited in a pending interrupt; the first read's says the CPU stalled 30,000.
    @Test func aCompletionThatJoinsTheStallIsTracedOnceAndNarratedAsJoining() throws {
        func run(narrate: Int) throws -> (SimulationResult, TraceRecorder) {
            var s = Self.twoReadsWhileComputing(stall: 30_000)
            s.narrateIO = narrate
            let recorder = TraceRecorder()
            return (try Simulator(s, trace: recorder).run(), recorder)
        }
        let (first, recorder) = try run(narrate: 1)
        let interrupts = recorder.events.filter { if case .ioInterrupt = $0 { true } else { false } }
        #expect(interrupts.count == 2)
        let stalls = recorder.events.filter { if case .interruptStall = $0 { true } else { false } }
        #expect(stalls.count == 1)
        let firstISR = try #require(first.narration.first { $0.clearyStep == 7 }).text
        #expect(firstISR.contains("after the CPU stalled 30us"))
        let (second, _) = try run(narrate: 2)
        let secondISR = try #require(second.narration.first { $0.clearyStep == 7 }).text
        #expect(secondISR.contains("in an interrupt already pending while the CPU stalled"))
        #expect(!secondISR.contains("after the CPU stalled"))
    }

    /// Two threads share one CPU in 10,000 slices; one has a read in flight, and its interrupt finds the CPU
    /// computing. A 30,000 stall spans at least one slice's end: the slice waits for the interrupt work, as it
    /// does for an ISR, and the stall is still exactly 30,000 more of user time, with the ISR 30,000 later and
    /// the interrupt work unchanged; every nanosecond of the CPU is in one category.
    @Test func aSliceEndingInTheStallWaitsForTheInterrupt() throws {
        func run(stall: Int64) throws -> SimulationResult {
            var s = constantCostScenario()
            s.machine.timeSlice = .nanoseconds(10_000)
            s.interrupts.busyStall = .nanoseconds(stall)
            s.threads = [
                ThreadSpec(
                    name: "reader",
                    program: [read4k(.overlapped, name: "r"), .compute(.constant(100_000)), .getResult(request: "r", wait: true)]),
                ThreadSpec(name: "other", program: [.compute(.constant(100_000))]),
            ]
            return try Simulator(s).run()
        }
        let plain = try run(stall: 0)
        let stalled = try run(stall: 30_000)
        let a = try #require(plain.ioRecords.first), b = try #require(stalled.ioRecords.first)
        #expect(b.deviceDone == a.deviceDone)
        #expect(try #require(b.interruptStart) - #require(a.interruptStart) == .nanoseconds(30_000))
        #expect(stalled.iosCompleted == 1 && plain.iosCompleted == 1)
        #expect(stalled.totalCPU[.user] - plain.totalCPU[.user] == .nanoseconds(30_000))
        #expect(stalled.totalCPU[.irq] == plain.totalCPU[.irq] && stalled.totalCPU[.deferred] == plain.totalCPU[.deferred])
        #expect(stalled.totalCPU.total == stalled.elapsed)
        #expect(stalled.totalCPU[.idle] == plain.totalCPU[.idle])
    }

    /// The closed-loop fast path has no stall: a scenario of its shape runs on the general path with one, and
    /// says why.
    @Test func theStallKeepsAClosedLoopScenarioOffTheFastPath() throws {
        var s = Scenario.closedLoopReference(ios: 100)
        #expect(try Simulator(s).usesFastPath)
        s.interrupts.busyStall = .nanoseconds(1_000)
        let sim = try Simulator(s)
        #expect(!sim.usesFastPath)
        #expect(sim.fastPathUnavailable == "a busy CPU's stall at an interrupt (interrupts.busyStall)")
    }

    @Test func aNegativeStallIsRefused() throws {
        var s = constantCostScenario()
        s.interrupts.busyStall = .nanoseconds(-1)
        s.threads = [ThreadSpec(name: "main", program: [.compute(.constant(1))])]
        let e = try #require(buildError(s))
        #expect(e.subject == "interrupts.busyStall")
    }
}
