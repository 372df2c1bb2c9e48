import IOSimCore
import IOSimModel
import Testing

/// Random io_uring loops through fio's loop (`submit: "each"` wherever it is allowed), with compute per
/// completion, cached buffered files, time slices and a second busy thread; and random scenarios bounded by
/// stop.time against the same runs unbounded.
@Suite struct SubmitEachAndRunEndInvariantTests {
    /// Random io_uring loops, always submit "each" where allowed, with compute per completion, cached buffered
    /// files, time slices and a second busy thread.
    func scenario(seed: UInt64) -> (Scenario, Int, String) {
        var (s, summary) = UringInvariantTests().randomUringScenario(seed: seed)
        var d = ScenarioDraw(seed: seed &* 0x9E37_79B9)
        s.files.append(FileSpec(name: "warm", sizeBytes: 1 << 20, cached: true, buffered: true))
        guard case .uring(var loop) = s.threads[0].program[0] else { fatalError() }
        let sqpoll = s.rings[0].sqpoll
        loop.submitEach = !sqpoll
        if d.bool() { loop.file = d.pick(["warm", "cold", "direct"]) }
        if d.bool() { loop.compute = d.pick([.constant(d.int64(0...20_000)), .exponential(mean: d.int64(100...10_000))]) }
        loop.queueDepth = d.pick([1, 3, 8, 21, 32, 64])
        s.rings[0].entries = 64
        s.threads[0].program[0] = .uring(loop)
        if d.bool() { s.machine.timeSlice = .nanoseconds(d.int64(5_000...50_000)) }
        if d.bool() { s.threads.append(ThreadSpec(name: "hog", program: [.compute(.constant(d.int64(10_000...3_000_000)))])) }
        return (s, loop.ios, summary + ", file \(loop.file), depth \(loop.queueDepth), compute \(String(describing: loop.compute))")
    }

    @Test(arguments: Array(UInt64(1)...UInt64(200)))
    func everyIOCompletesOnceAndTheLedgerAddsUp(seed: UInt64) throws {
        let (s, ios, why) = scenario(seed: seed)
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == Int64(ios), "seed \(seed): \(why)")
        #expect(r.iosIssued == Int64(ios), "seed \(seed): \(why)")
        #expect(r.elapsed < .milliseconds(500), "seed \(seed) hit the bound: \(why)")
        #expect(Set(r.ioRecords.map(\.number)).count == ios, "seed \(seed): \(why)")
        #expect(r.ioRecords.allSatisfy { $0.completed != nil && $0.observed != nil && $0.observed! >= $0.completed! }, "seed \(seed): \(why)")
        #expect(r.totalCPU.total.nanoseconds == r.elapsed.nanoseconds * Int64(r.cpuCount), "seed \(seed): \(why)")
        for c in r.perCPU { #expect(c.total == r.elapsed, "seed \(seed)") }
        #expect(try Simulator(s).run() == r, "seed \(seed): not deterministic")
    }

    /// A run bounded by stop.time whose threads all finish first ends where the same run unbounded ends (no daemon
    /// thread, whose idle spin is a real effect after the program's end; runs that do not finish within 500,000
    /// events unbounded are left out).
    @Test func aBoundedRunEndsWhereTheUnboundedOneDoes() throws {
        var compared = 0
        for seed: UInt64 in 1...200 {
            var (s, summary) = randomScenario(seed: seed)
            guard !s.threads.contains(where: { $0.daemon }), !s.rings.contains(where: { $0.sqpoll }) else { continue }
            s.stop.afterTime = nil
            let unbounded = try Simulator(s)
            unbounded.run(maxEvents: 500_000)
            guard unbounded.isFinished || !unbounded.hasPendingEvents else { continue }
            guard case .success(let u) = Result(catching: { try unbounded.result() }) else { continue }
            s.stop.afterTime = .seconds(1)
            guard case .success(let b) = Result(catching: { try Simulator(s).run() }) else {
                Issue.record("seed \(seed): the bounded run failed where the unbounded one did not: \(summary)")
                continue
            }
            compared += 1
            #expect(b.elapsed == u.elapsed, "seed \(seed): \(summary)")
            #expect(b.totalCPU == u.totalCPU, "seed \(seed): \(summary)")
        }
        #expect(compared > 100, "compared \(compared) of 200")
    }

    /// randomScenario(seed: 101): a shared host's device speeds up when the last threads finish, and the request's
    /// first-scheduled end fires later, stale.
    @Test func aStaleDeviceEndOnASharedHostDoesNotExtendTheRun() throws {
        var (s, _) = randomScenario(seed: 101)
        #expect(s.machine.hostMilliCPUs > 0)
        s.stop.afterTime = nil
        let unbounded = try Simulator(s).run()
        s.stop.afterTime = .seconds(1)
        #expect(try Simulator(s).run().elapsed == unbounded.elapsed)
    }
}
