import IOSimCore
import IOSimModel
import Testing

/// A spinning thread (a CQ peek, the SQPOLL poller) preempted at a slice's end and ended while it switches back
/// in: the spin does not resume, and the switch runs to its end. (The open-ended spin's remaining time once
/// became a burst of 2^60 ns, and the run stopped at the model's horizon.)
@Suite struct SpinPreemptionTests {
    /// One CPU, 50 us slices: the peeking program and the SQPOLL poller take turns; the first completion
    /// arrives while the program switches back in.
    @Test func aSpinEndedWhileItsThreadSwitchesBackInDoesNotResume() throws {
        var s = Scenario(name: "sqpoll and peek on one CPU")
        s.machine.cpuCount = 1
        s.machine.timeSlice = .microseconds(50)
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 30)]
        s.rings = [RingSpec(name: "ring", entries: 8, sqpoll: true, sqThreadIdle: .microseconds(30), taskRun: .interrupt)]
        s.threads = [
            ThreadSpec(name: "job", program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .random, queueDepth: 2, ios: 10, peek: true))])
        ]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 10)
        #expect(r.elapsed < .milliseconds(5))
        for cpu in r.perCPU { #expect(cpu.total == r.elapsed) }
    }

    /// Random SQPOLL and peeking loops (one to three on one ring) on one to three CPUs, one CPU with time
    /// slices: every IO completes, and no request is handed to the driver before its SQE was written. (Seeds 692,
    /// 1022, 1446, 1465, 1507, 1746 and 1840 stopped at the horizon before the spin fix.)
    @Test(arguments: 0..<2000)
    func randomSpinningLoopsComplete(seed: Int) throws {
        var g = SeededGenerator(seed: UInt64(seed) &+ 0x5157)
        func draw(_ n: UInt64) -> Int { Int(g.nextInt(below: n)) }
        var s = constantCostScenario(cpus: 1 + draw(3))
        if s.machine.cpuCount == 1 { s.machine.timeSlice = .microseconds(50) }
        s.seed = UInt64(seed)
        s.device.channels = 1 + draw(8)
        s.device.readLatency = .constant(Int64(1_000 + draw(40_000)))
        let sqpoll = draw(4) != 0
        let taskRun: TaskRunMode = sqpoll ? .interrupt : [.interrupt, .cooperative, .deferred][draw(3)]
        s.rings = [RingSpec(name: "ring", entries: 16, sqpoll: sqpoll, sqThreadIdle: .nanoseconds(Int64(draw(50_000))), taskRun: taskRun)]
        var program: [Operation] = []
        var total = 0
        for _ in 0..<(1 + draw(3)) {
            let ios = 1 + draw(40)
            total += ios
            let peek = taskRun == .interrupt && draw(3) == 0
            let each = !sqpoll && !peek && draw(3) == 0
            let compute: Distribution? = draw(2) == 0 ? .constant(Int64(draw(5_000))) : nil
            program.append(.uring(UringLoop(
                ring: "ring", file: "data", sizeBytes: 4096, offset: .random, queueDepth: 1 + draw(16), ios: ios, compute: compute,
                peek: peek, submitEach: each)))
            if draw(3) == 0 { program.append(.compute(.constant(Int64(draw(100_000))))) }
        }
        s.threads = [ThreadSpec(name: "job", program: program)]
        let why = "seed \(seed): \(s.machine.cpuCount) CPUs, sqpoll \(sqpoll), \(taskRun), \(program.count) steps"
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == Int64(total), "\(why)")
        for io in r.ioRecords {
            if let submitted = io.submitted { #expect(io.issued <= submitted, "\(why): IO \(io.number)") }
        }
        for cpu in r.perCPU { #expect(cpu.total == r.elapsed, "\(why)") }
    }
}
