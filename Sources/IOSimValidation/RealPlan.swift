//! From a scenario to the workload the real backend runs: the same file, block size, queue depth, threads,
//! engine and caching. Only the shapes that have a real counterpart translate: an io_uring loop per thread,
//! or threads looping over blocking reads or writes (each its own blocking `pread`/`pwrite` loop, as the model
//! runs them: `count: 4` is four independent threads, not a dispatcher handing requests to a pool).

import IOSimCore
import IOSimModel
import IOSimReal

/// Why a scenario cannot run for real.
public struct PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

public enum RealPlan {
    /// The real job for `scenario`.
    /// - Parameters: `directory`: where to lay the file out (nil: a new temporary directory);
    ///   `duration`: run for this long instead of the scenario's IO count.
    public static func job(for scenario: Scenario, directory: String? = nil, duration: SimDuration? = nil)
        throws(PlanError) -> RealJob
    {
        let workers = scenario.threads.filter { !$0.template }
        guard workers.count == 1, let spec = workers.first else {
            throw PlanError(
                message: "a real run needs exactly one thread entry (with a count), found \(workers.count); "
                    + "the real backend runs one workload shape per scenario")
        }
        var job = RealJob()
        job.seed = scenario.seed
        job.cpus = spec.cpus
        job.directory = directory
        var ios = 0
        func file(_ name: String) throws(PlanError) -> FileSpec {
            guard let f = scenario.files.first(where: { $0.name == name }) else {
                throw PlanError(message: "no file named '\(name)'")
            }
            return f
        }
        func caching(_ f: FileSpec, buffered: Bool?) -> RealJob.Caching {
            if !(buffered ?? f.buffered) { return .direct }
            return f.cached ? .bufferedWarm : .bufferedCold
        }
        func pattern(_ o: OffsetSpec) -> RealJob.Pattern {
            if case .random = o { return .random }
            return .sequential
        }
        func mean(_ d: Distribution?) -> SimDuration { .nanoseconds(Int64((d?.mean ?? 0).rounded())) }

        switch spec.program.first {
        case .uring(let loop)? where spec.program.count == 1:
            guard let ring = scenario.rings.first(where: { $0.name == loop.ring }) else {
                throw PlanError(message: "no ring named '\(loop.ring)'")
            }
            let f = try file(loop.file)
            var options = RealJob.URingOptions()
            options.submissionQueuePolling = ring.sqpoll
            options.sqThreadIdleMilliseconds = UInt32(max(1, ring.sqThreadIdle.nanoseconds / 1_000_000))
            options.ioPolling = ring.iopoll
            options.asyncFlag = loop.async
            options.deferTaskRun = ring.taskRun == .deferred
            options.sqThreadCPU = ring.sqThreadCPU
            options.waitMode = loop.peek ? .peekAndSpin : loop.submitEach ? .submitEach : .waitForOne
            job.engine = .ioUring(options)
            job.direction = loop.direction == .read ? .read : .write
            job.pattern = pattern(loop.offset)
            job.blockBytes = Int(loop.sizeBytes)
            job.queueDepth = loop.queueDepth
            job.threads = spec.count
            job.caching = caching(f, buffered: loop.buffered)
            job.computePerIO = mean(loop.compute)
            job.fileBytes = f.sizeBytes
            ios = loop.ios * spec.count
        default:
            // [repeat N { read|write (blocking) [, compute] }] or repeat forever with stop.ios
            var body: [Operation] = []
            var count = 0
            switch spec.program.first {
            case .repeatCount(let n, let b)? where spec.program.count == 1:
                body = b
                count = n * spec.count
            case .repeatForever(let b)? where spec.program.count == 1:
                body = b
                count = scenario.stop.afterIOs ?? 0
            default: break
            }
            var io: IOOperation? = nil
            var compute: Distribution? = nil
            for op in body {
                switch op {
                case .io(let x) where io == nil && x.style == .blocking: io = x
                case .compute(let d) where compute == nil: compute = d
                default:
                    throw PlanError(message: unsupported)
                }
            }
            guard let io, count > 0 else { throw PlanError(message: unsupported) }
            let f = try file(io.file)
            // Each thread of the entry blocks in its own call, as in the model. (RealJob's `.threadPool` adds a
            // dispatching thread and two condition-variable hand-offs per IO, which the scenario does not have:
            // for four threads, measured here in interleaved runs, it took 2.8-3.3 context switches and 26-40 us
            // of process CPU per IO and raised 0.48-0.60 interrupts per IO, where four independent threads took
            // 1.3-1.6 and 13-17 us and raised 0.27-0.35.)
            if spec.count > RealJob.maxThreads {
                throw PlanError(
                    message: "thread entry '\(spec.name)' has count \(spec.count): a real run takes at most \(RealJob.maxThreads) threads of "
                        + "blocking reads (the model takes more; lower count to run it for real)")
            }
            job.engine = .blocking
            job.threads = spec.count
            job.queueDepth = 1
            job.direction = io.direction == .read ? .read : .write
            job.pattern = pattern(io.offset)
            job.blockBytes = Int(io.sizeBytes)
            job.caching = caching(f, buffered: io.buffered)
            job.computePerIO = mean(compute)
            job.fileBytes = f.sizeBytes
            ios = count
        }
        if let n = scenario.stop.afterIOs { ios = min(ios, n) }
        // Every job thread does at least one IO (the runner's rule), so a stop before that many IOs is raised to it.
        job.stop = duration.map { .duration($0) } ?? .ioCount(max(ios, job.threads, 1))
        return job
    }

    static let unsupported =
        "this program has no real counterpart: a real run needs one thread entry whose program is one "
        + "{ uring: ... } loop, or one repeat of a blocking read or write (and an optional compute)"
}
