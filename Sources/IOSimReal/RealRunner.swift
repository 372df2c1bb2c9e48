//! The real-IO runner: lays out (or opens) the file, starts the job threads, measures, cleans up.
//!
//! Fault model: every failure the environment can cause becomes a `RealError` with a cause and a remedy
//! (see RealError.swift); nothing the run created survives it. What it does not do: fsync during write
//! jobs (writes are measured as the engine completes them), multiple files per job, mixed reads and writes,
//! CPU pinning.

import Glibc
import IOSimCore
import IOSimURing

/// Runs `RealJob`s on this machine.
public struct RealRunner: Sendable {
    public init() {}

    /// Runs `job` and returns its measurements. Blocks the calling thread for the run's duration.
    ///
    /// Steps: validate the job; open the existing file read-only, or check free space, make a private
    /// directory and lay a file out in it; drop or warm the page cache; open the file for IO (O_DIRECT when
    /// asked); start the census and the job threads; when all are set up, snapshot /proc/stat,
    /// /proc/interrupts and getrusage, release the threads, wait for them, snapshot again; remove what was
    /// created.
    ///
    /// ```swift
    /// let m = try RealRunner().run(job, trace: RealTraceOptions(ios: 1_000)) { p in
    ///     print(p.completedIOs, p.elapsedNanoseconds)   // on the calling thread, about every 100 ms
    /// }
    /// m.trace?.ios.first?.submitNanoseconds
    /// ```
    /// - Parameters:
    ///   - job: the workload.
    ///   - trace: record the first IOs (and the census samples) into `RealMeasurement.trace`; nil: nothing.
    ///   - progressInterval: how often `progress` is called while the job runs.
    ///   - progress: called on the calling thread while it waits for the job: once when the run starts (0
    ///     IOs), every `progressInterval`, and once after the job threads finished (`isFinal`, the final
    ///     count, also when the run then throws). Counts never decrease. Without it the calling thread just
    ///     joins the job threads.
    /// - Returns: the measurements.
    /// - Throws: `RealError`, with `description` and `hint`.
    public func run(
        _ job: RealJob, trace: RealTraceOptions? = nil, progressInterval: SimDuration = .milliseconds(100),
        progress: ((RealProgress) -> Void)? = nil
    ) throws(RealError) -> RealMeasurement {
        try validate(job)
        if let trace {
            if trace.ios < 1 || trace.ios > RealTraceOptions.maxIOs {
                throw .invalidJob("trace IOs \(trace.ios) must be in 1...\(RealTraceOptions.maxIOs)")
            }
            if trace.fromNanoseconds < 0 || trace.toNanoseconds <= trace.fromNanoseconds {
                throw .invalidJob("trace window \(trace.fromNanoseconds)..\(trace.toNanoseconds) ns must be non-negative and not empty")
            }
        }
        var workspace: Workspace? = nil
        defer { workspace?.remove() }

        // 1. The file.
        let path: String
        let created: Bool
        if let existing = job.existingFile {
            if job.direction == .write { throw .refusedToWrite(existing) }
            path = existing
            created = false
        } else {
            let ws = try Workspace(parent: job.directory ?? Workspace.defaultParent, fileBytes: job.fileBytes, faults: job.faults)
            workspace = ws
            path = try ws.layOutFile(named: "data-0.bin", bytes: job.fileBytes, seed: job.seed, faults: job.faults)
            created = true
        }

        // 2. Page cache state, through a buffered read-only descriptor.
        let probe: FileDescriptor
        do {
            probe = try FileDescriptor.open(path, .readOnly)
        } catch {
            throw created ? .systemCall("open", error, path: path) : .existingFileUnusable(path, error, doing: "open")
        }
        defer { try? probe.close() }
        let status: FileDescriptor.Status
        do { status = try probe.status() } catch { throw .existingFileUnusable(path, error, doing: "stat") }
        if !status.isRegularFile { throw .existingFileUnusable(path, .invalidArgument, doing: "use (not a regular file)") }
        if status.sizeBytes < Int64(job.blockBytes) {
            throw .existingFileUnusable(path, .invalidArgument, doing: "use (shorter than one \(job.blockBytes)-byte block)")
        }
        switch job.caching {
        case .direct, .bufferedCold:
            try? probe.adviseDontNeed()  // the layout fsynced the file, so every page is clean and can go
        case .bufferedWarm:
            try warm(probe, bytes: status.sizeBytes)
        }

        // 3. The IO descriptor: read-only for reads (always for an existing file), write-only for writes.
        let descriptor: FileDescriptor
        let mode: FileDescriptor.AccessMode = job.direction == .read ? .readOnly : .writeOnly
        let direct = job.caching == .direct
        do throws(Errno) {
            if direct, let e = job.faults.openDirectErrno { throw e }
            // O_NOFOLLOW: the path must still be the regular file checked above, not a link swapped in.
            descriptor = try FileDescriptor.open(path, mode, options: direct ? [.direct, .noFollow] : [.noFollow])
        } catch {
            if direct && error == .invalidArgument { throw .directIORefused(path: path, error) }
            throw created ? .systemCall("open", error, path: path) : .existingFileUnusable(path, error, doing: "open")
        }
        defer { try? descriptor.close() }

        // 4. Threads and measurement.
        let irqLines = DiskIRQLines.find(major: status.deviceMajor, minor: status.deviceMinor)
        let busy = job.computePerIO.nanoseconds > 0 ? BusyWork.calibrated : BusyWork(iterationsPerMicrosecond: 1)
        let traceBuffer = trace.map { IOTraceBuffer(capacity: $0.ios) }
        let plan = JobPlan(
            job: job, descriptor: descriptor, path: path, blockCount: status.sizeBytes / Int64(job.blockBytes),
            busyWork: busy, deviceNote: irqLines.method == .deviceMSI ? irqLines.note : nil, trace: traceBuffer)
        let boxes = (0..<job.threads).map { _ in OutcomeBox() }
        let latch = FinishLatch(count: job.threads)
        var threads: [JoinableThread] = []
        for i in 0..<job.threads {
            let box = boxes[i]
            threads.append(JoinableThread(name: "iosim-job-\(i)") {
                box.threadID = currentThreadID()
                switch job.engine {
                case .blocking: box.outcome = runBlocking(plan: plan, thread: i)
                case .threadPool(let workers): box.outcome = runThreadPool(plan: plan, thread: i, workers: workers)
                case .ioUring(let options): box.outcome = runURing(plan: plan, thread: i, options: options)
                }
                box.outcome.cpusAllowed = Affinity.allowedCPUs()
                latch.arrive()
            })
        }
        plan.barrier.wait()  // every thread is set up (or failed to)
        let setupFailure = boxes.lazy.compactMap(\.outcome.error).first
        if setupFailure != nil { plan.abort.store(true, ordering: .releasing) }
        // Started now, when the job threads' TIDs are known (helpers are attributed by them) and their
        // rings exist; it covers the whole timed run.
        let census = job.threadCensus && setupFailure == nil
            ? ThreadCensus(
                intervalMicroseconds: job.censusIntervalMicroseconds, jobThreadIDs: Set(boxes.map(\.threadID)),
                keepSamples: trace == nil ? 0 : RealTrace.maxCensusSamples)
            : nil
        // The interrupt trace's instance is made before the census starts (making it allocates the buffers) and
        // read after the census has stopped, so the census's own time stays inside the window.
        var interruptTrace: InterruptTimeTrace? = nil
        if job.interruptTime == .trace && setupFailure == nil {
            do throws(RealError) {
                let t = try InterruptTimeTrace(roots: job.faults.tracefsRoots ?? InterruptTimeTrace.roots)
                try t.start()
                interruptTrace = t
            } catch {
                plan.abort.store(true, ordering: .releasing)
                plan.barrier.wait()
                for t in threads { t.join() }
                throw error
            }
        }
        census?.start()
        let statBefore = ProcStat.read()
        let interruptsBefore = readSmallFile("/proc/interrupts")
        let usageBefore = ResourceUsage.process()
        let start = monotonicNanoseconds()
        if case .duration(let d) = job.stop { plan.deadlineNanoseconds = start + d.nanoseconds }
        if let trace, let b = traceBuffer {
            b.from = start + trace.fromNanoseconds
            b.to = trace.toNanoseconds == .max ? .max : start + trace.toNanoseconds
        }
        var total: Int? = nil
        var duration: Int64? = nil
        switch job.stop {
        case .ioCount(let n): total = n
        case .duration(let d): duration = d.nanoseconds
        }
        func report(final: Bool, at t: Int64) {
            // At `start` (before the release) nothing was done yet, whatever the threads did since.
            let done = t == start ? 0 : plan.progress.reduce(0) { $0 + $1.completed.load(ordering: .relaxed) }
            progress?(RealProgress(
                completedIOs: done, elapsedNanoseconds: t - start, totalIOs: total, durationNanoseconds: duration,
                isFinal: final))
        }
        plan.barrier.wait()  // go
        if progress != nil && setupFailure == nil {
            report(final: false, at: start)
            let step = max(1_000_000, progressInterval.nanoseconds)
            var next = start + step
            while !latch.wait(until: next) {
                let now = monotonicNanoseconds()
                report(final: false, at: now)
                next = max(next + step, now + step / 2)
            }
        }
        for t in threads { t.join() }
        let end = monotonicNanoseconds()
        let usageAfter = ResourceUsage.process()
        let interruptsAfter = readSmallFile("/proc/interrupts")
        let statAfter = ProcStat.read()
        var traceStopFailure: RealError? = nil
        do throws(RealError) { try interruptTrace?.stop() } catch { traceStopFailure = error }
        let censusResult = census?.finish()
        let interruptsTraced: Result<InterruptTime, RealError>? = interruptTrace.map { t in
            if let traceStopFailure { return .failure(traceStopFailure) }
            do throws(RealError) { return .success(try t.collect()) } catch { return .failure(error) }
        }
        // After the measurement window closed, so the observer's work is not measured.
        report(final: true, at: end)
        let recorded = traceBuffer.map { b in
            let refused = b.exhaustedAt.load(ordering: .relaxed)
            let samples = (census?.samples ?? []).map {
                RealTrace.CensusSample(
                    atNanoseconds: $0.atNanoseconds - start, threads: $0.threads, ioWorkers: $0.ioWorkers,
                    sqPollThreads: $0.sqPollThreads)
            }
            return RealTrace(
                options: trace!, ios: b.ios(start: start), budgetExhaustedAtNanoseconds: refused == .max ? nil : refused - start,
                runNanoseconds: end - start, threads: job.threads,
                slotsPerThread: job.engine == .blocking ? 1 : job.queueDepth, jobThreadIDs: boxes.map(\.threadID),
                processID: getpid(), census: samples)
        }

        if let setupFailure { throw setupFailure }
        if let failure = boxes.lazy.compactMap(\.outcome.error).first { throw failure }
        var tracedInterruptTime: InterruptTime? = nil
        switch interruptsTraced {
        case .success(let t): tracedInterruptTime = t
        case .failure(let e): throw e
        case nil: break
        }
        let diskInterrupts = irqLines.count(in: interruptsAfter) &- irqLines.count(in: interruptsBefore)
        if let t = tracedInterruptTime, t.handlers == 0 && diskInterrupts > 0 {
            throw .interruptTraceUnavailable(
                "the trace recorded no interrupt handler while the disk raised \(diskInterrupts) interrupts "
                    + "(its text not as this parser reads it?)", errno: nil)
        }

        var latency = Histogram()
        var ios = 0
        var bytes: Int64 = 0
        var jobCPU: Int64 = 0
        var ringEnters = 0
        var completionGaps = Histogram()
        for b in boxes {
            ringEnters += b.outcome.ringEnters
            completionGaps.merge(b.outcome.completionGaps)
            latency.merge(b.outcome.latency)
            ios += b.outcome.ios
            bytes += b.outcome.bytes
            jobCPU += b.outcome.cpu.userNanoseconds + b.outcome.cpu.systemNanoseconds
        }
        let usage = usageAfter - usageBefore
        let cpuCount = min(statBefore.perCPU.count, statAfter.perCPU.count)
        var measurement = RealMeasurement(
            job: job, path: path, fileWasCreated: created, ios: ios, bytes: bytes, elapsedNanoseconds: end - start,
            latency: latency, processUserNanoseconds: usage.userNanoseconds,
            processSystemNanoseconds: usage.systemNanoseconds, jobThreadsCPUNanoseconds: jobCPU,
            voluntaryContextSwitches: usage.voluntarySwitches, involuntaryContextSwitches: usage.involuntarySwitches,
            systemContextSwitches: statAfter.contextSwitches &- statBefore.contextSwitches,
            systemCPU: statAfter.total - statBefore.total,
            perCPU: (0..<cpuCount).map { statAfter.perCPU[$0] - statBefore.perCPU[$0] },
            diskInterrupts: diskInterrupts,
            diskInterruptsPerCPU: zip(irqLines.countPerCPU(in: interruptsAfter), irqLines.countPerCPU(in: interruptsBefore))
                .map { $0 &- $1 },
            diskIRQLines: irqLines, tracedInterruptTime: tracedInterruptTime, threads: censusResult, ringEnters: ringEnters,
            trace: recorded, completionGaps: completionGaps)
        measurement.jobThreadCPUs = boxes.map(\.outcome.cpusAllowed)
        measurement.longCompletionGaps = boxes.map(\.outcome.longCompletionGaps)
        measurement.sqThreadCPUs = boxes.flatMap(\.outcome.sqThreadCPUsAllowed)
        return measurement
    }

    private func validate(_ job: RealJob) throws(RealError) {
        if job.blockBytes <= 0 || job.blockBytes % 512 != 0 {
            throw .invalidJob("blockBytes \(job.blockBytes) must be a positive multiple of 512")
        }
        if job.blockBytes > 1 << 30 { throw .invalidJob("blockBytes \(job.blockBytes) exceeds 1 GiB") }
        if job.queueDepth < 1 || job.queueDepth > 4096 { throw .invalidJob("queueDepth \(job.queueDepth) must be in 1...4096") }
        if job.threads < 1 || job.threads > RealJob.maxThreads {
            throw .invalidJob("threads \(job.threads) must be in 1...\(RealJob.maxThreads)")
        }
        if case .threadPool(let w) = job.engine, w < 1 || w > 1024 {
            throw .invalidJob("thread pool workers \(w) must be in 1...1024")
        }
        switch job.stop {
        case .ioCount(let n) where n < job.threads:
            throw .invalidJob("ioCount \(n) must be at least the number of threads (\(job.threads))")
        case .duration(let d) where d.nanoseconds <= 0:
            throw .invalidJob("duration \(d) must be positive")
        default: break
        }
        // Checked before anything is laid out; the threads' own sched_setaffinity may still refuse (cpusRefused).
        let allowed = Affinity.allowedCPUs()
        if let cpus = job.cpus {
            if cpus.isEmpty { throw .invalidJob("cpus must name at least one CPU") }
            if let c = cpus.first(where: { !allowed.contains($0) }) { throw .cpuNotAllowed(c, for: "a job thread", allowed: allowed) }
        }
        if case .ioUring(let o) = job.engine, let c = o.sqThreadCPU {
            if !o.submissionQueuePolling { throw .invalidJob("sqThreadCPU binds the SQPOLL thread: it needs submissionQueuePolling") }
            if !allowed.contains(c) { throw .cpuNotAllowed(c, for: "the SQPOLL thread", allowed: allowed) }
        }
        if job.existingFile == nil && job.fileBytes < Int64(job.blockBytes) {
            throw .invalidJob("fileBytes \(job.fileBytes) is smaller than one block (\(job.blockBytes))")
        }
    }

    /// Reads the whole file once so its pages are cached ("warm").
    private func warm(_ fd: FileDescriptor, bytes: Int64) throws(RealError) {
        guard let chunk = try? AlignedBuffer(byteCount: 1 << 20) else { throw .systemCall("posix_memalign", .noMemory) }
        var offset: Int64 = 0
        while offset < bytes {
            let n: Int
            do { n = try fd.read(fromAbsoluteOffset: offset, into: chunk.bytes) } catch { throw .systemCall("pread", error) }
            if n <= 0 { break }
            offset += Int64(n)
        }
    }
}
