import IOSimCore
import IOSimModel
import Testing

/// The program's work per IO in an io_uring loop is split around the IO's latency: writing the SQE
/// (`uringPreparePerSQE`) is inside it, since the latency starts as the SQE is written; reading the CQE and the
/// loop's work up to the next SQE (`uringReapPerCQE`) is outside it. Moving work from one to the other leaves
/// the loop's time and user time as they were and moves each IO's latency by exactly the moved part.
@Suite struct UringPrepareTests {
    static let ios = 200

    /// A buffered read of cached pages at queue depth `depth`: completed inline, no device, so every IO takes the
    /// same CPU path.
    func cachedLoop(
        prepare: Int64, reap: Int64, depth: Int = 1, sqpoll: Bool = false, submitEach: Bool = false
    ) throws -> SimulationResult {
        var s = constantCostScenario(cpus: 2)
        s.kernel.uringPreparePerSQE = .nanoseconds(prepare)
        s.kernel.uringReapPerCQE = .nanoseconds(reap)
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 20, cached: true, buffered: true)]
        s.rings = [RingSpec(name: "ring", entries: 64, sqpoll: sqpoll, taskRun: .deferred)]
        var loop = UringLoop(ring: "ring", file: "data", sizeBytes: 4_096, offset: .fixed(0), queueDepth: depth, ios: Self.ios)
        loop.submitEach = submitEach
        s.threads = [ThreadSpec(name: "main", program: [.uring(loop)])]
        return try Simulator(s).run()
    }

    @Test func writingTheSQEIsInsideTheLatencyAndReapingIsNot() throws {
        let outside = try cachedLoop(prepare: 0, reap: 300)
        let split = try cachedLoop(prepare: 200, reap: 100)
        #expect(outside.iosCompleted == Int64(Self.ios) && split.iosCompleted == Int64(Self.ios))
        #expect(split.elapsed == outside.elapsed)
        #expect(split.totalCPU[.user] == outside.totalCPU[.user])
        #expect(split.totalCPU[.user] == .nanoseconds(300 * Int64(Self.ios)))
        #expect(split.latency.mean - outside.latency.mean == 200)
        #expect(split.latency.max - outside.latency.max == 200)
    }

    /// The same at queue depth 4: a refill writes four SQEs one after another before its enter, each IO's
    /// latency starting as its own SQE is written, so 4, 3, 2 and 1 writings before the enter: 2.5 on average
    /// (the latency ends at the kernel's completion, inline in the enter here). The loop's time per round is
    /// unchanged, so are the IOPS.
    @Test func aBatchIsWrittenBeforeItsEnter() throws {
        let outside = try cachedLoop(prepare: 0, reap: 300, depth: 4)
        let split = try cachedLoop(prepare: 200, reap: 100, depth: 4)
        #expect(split.elapsed == outside.elapsed)
        #expect(split.totalCPU[.user] == outside.totalCPU[.user])
        #expect(split.latency.mean - outside.latency.mean == 2.5 * 200)
        #expect(split.latency.max - outside.latency.max == 4 * 200)
    }

    /// fio's loop writes each SQE just before its own io_uring_enter: one SQE's writing per IO, whatever the
    /// depth.
    @Test func fiosLoopWritesOneSQEPerEnter() throws {
        let without = try cachedLoop(prepare: 0, reap: 100, depth: 4, submitEach: true)
        let with = try cachedLoop(prepare: 200, reap: 100, depth: 4, submitEach: true)
        #expect(with.iosCompleted == Int64(Self.ios))
        #expect(with.totalCPU[.user] - without.totalCPU[.user] == .nanoseconds(200 * Int64(Self.ios)))
        #expect(with.elapsed - without.elapsed == .nanoseconds(200 * Int64(Self.ios)))
        #expect(with.latency.mean - without.latency.mean == 200)  // each IO's own SQE, just before its enter
    }

    /// With SQPOLL the SQ thread sees the SQEs once they are written: the IO starts as the writing does, and the
    /// program's user time holds it.
    @Test func theSQThreadSeesTheSQEsOnceWritten() throws {
        let without = try cachedLoop(prepare: 0, reap: 100, sqpoll: true)
        let with = try cachedLoop(prepare: 200, reap: 100, sqpoll: true)
        #expect(with.iosCompleted == Int64(Self.ios))
        #expect(with.totalCPU[.user] - without.totalCPU[.user] == .nanoseconds(200 * Int64(Self.ios)))
        #expect(with.latency.mean - without.latency.mean == 200)
    }
}
