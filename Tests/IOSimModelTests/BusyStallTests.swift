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
    @Test func completionsDuringTheStallJoinThePendingInterrupt() throws {
        func run(stall: Int64) throws -> SimulationResult {
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
            return try Simulator(s).run()
        }
        let plain = try run(stall: 0)
        let stalled = try run(stall: 30_000)
        #expect(plain.interrupts == 2)
        #expect(stalled.interrupts == 1)
        #expect(stalled.iosCompleted == 2)
        let ios = stalled.ioRecords.sorted { $0.number < $1.number }
        try #require(ios.count == 2)
        #expect(ios[0].interruptStart == ios[1].interruptStart)
    }

    @Test func aNegativeStallIsRefused() throws {
        var s = constantCostScenario()
        s.interrupts.busyStall = .nanoseconds(-1)
        s.threads = [ThreadSpec(name: "main", program: [.compute(.constant(1))])]
        let e = try #require(buildError(s))
        #expect(e.subject == "interrupts.busyStall")
    }
}
