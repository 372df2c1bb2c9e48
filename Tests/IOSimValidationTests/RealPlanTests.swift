//! From a scenario to the real job: thread entries of blocking reads.

import IOSimCore
import IOSimModel
import IOSimReal
import Testing

@testable import IOSimValidation

@Suite struct RealPlanThreads {
    func readers(count: Int, stopAfter ios: Int? = nil) -> Scenario {
        var s = Scenario(name: "readers")
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 30)]
        s.threads = [
            ThreadSpec(
                name: "worker", count: count,
                program: [.repeatCount(100, [.io(IOOperation(.read, file: "data", sizeBytes: 4096, offset: .random))])])
        ]
        if let ios { s.stop = StopCondition(afterIOs: ios) }
        return s
    }

    /// `count: N` runs N independent blocking threads, as the model does, not a dispatcher and a pool.
    @Test func aThreadEntryRunsThatManyBlockingThreads() throws {
        let job = try RealPlan.job(for: readers(count: 4))
        #expect(job.engine == .blocking)
        #expect(job.threads == 4)
        #expect(job.queueDepth == 1)
        #expect(job.stop == .ioCount(400))
    }

    /// Every real thread does at least one IO, so a stop before that many is raised to the thread count.
    @Test func aStopBeforeOneIOPerThreadIsRaisedToIt() throws {
        #expect(try RealPlan.job(for: readers(count: 8, stopAfter: 3)).stop == .ioCount(8))
    }

    /// More threads than a real run takes: a plan error that names the entry and says what to do.
    @Test func moreThan256ThreadsIsAPlanError() {
        do {
            _ = try RealPlan.job(for: readers(count: 300))
            Issue.record("a plan for 300 threads was made")
        } catch {
            #expect("\(error)".contains("at most 256"), "\(error)")
        }
    }
}

/// A `uring` step's loop becomes the real ring's wait mode: batch waits for one, `each` submits each SQE alone.
@Suite struct RealPlanURingLoops {
    func uring(submitEach: Bool, peek: Bool = false) -> Scenario {
        var s = Scenario(name: "uring")
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 30)]
        s.rings = [RingSpec(name: "ring", taskRun: peek ? .interrupt : .deferred)]
        s.threads = [
            ThreadSpec(
                name: "job",
                program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, queueDepth: 8, ios: 100, peek: peek, submitEach: submitEach))])
        ]
        return s
    }

    func waitMode(_ s: Scenario) throws -> RealJob.URingOptions.WaitMode? {
        guard case .ioUring(let options) = try RealPlan.job(for: s).engine else { return nil }
        return options.waitMode
    }

    @Test func eachLoopMapsToItsWaitMode() throws {
        #expect(try waitMode(uring(submitEach: false)) == .waitForOne)
        #expect(try waitMode(uring(submitEach: true)) == .submitEach)
        #expect(try waitMode(uring(submitEach: false, peek: true)) == .peekAndSpin)
    }
}
