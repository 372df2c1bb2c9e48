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
    /// - Parameter job: the workload.
    /// - Returns: the measurements.
    /// - Throws: `RealError`, with `description` and `hint`.
    public func run(_ job: RealJob) throws(RealError) -> RealMeasurement {
        try validate(job)
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
        let plan = JobPlan(
            job: job, descriptor: descriptor, path: path, blockCount: status.sizeBytes / Int64(job.blockBytes),
            busyWork: busy, deviceNote: irqLines.method == .deviceMSI ? irqLines.note : nil)
        let boxes = (0..<job.threads).map { _ in OutcomeBox() }
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
            })
        }
        plan.barrier.wait()  // every thread is set up (or failed to)
        let setupFailure = boxes.lazy.compactMap(\.outcome.error).first
        if setupFailure != nil { plan.abort.store(true, ordering: .releasing) }
        // Started now, when the job threads' TIDs are known (helpers are attributed by them) and their
        // rings exist; it covers the whole timed run.
        let census = job.threadCensus && setupFailure == nil
            ? ThreadCensus(intervalMicroseconds: job.censusIntervalMicroseconds, jobThreadIDs: Set(boxes.map(\.threadID)))
            : nil
        census?.start()
        let statBefore = ProcStat.read()
        let interruptsBefore = readSmallFile("/proc/interrupts")
        let usageBefore = ResourceUsage.process()
        let start = monotonicNanoseconds()
        if case .duration(let d) = job.stop { plan.deadlineNanoseconds = start + d.nanoseconds }
        plan.barrier.wait()  // go
        for t in threads { t.join() }
        let end = monotonicNanoseconds()
        let usageAfter = ResourceUsage.process()
        let interruptsAfter = readSmallFile("/proc/interrupts")
        let statAfter = ProcStat.read()
        let censusResult = census?.finish()

        if let setupFailure { throw setupFailure }
        if let failure = boxes.lazy.compactMap(\.outcome.error).first { throw failure }

        var latency = Histogram()
        var ios = 0
        var bytes: Int64 = 0
        var jobCPU: Int64 = 0
        for b in boxes {
            latency.merge(b.outcome.latency)
            ios += b.outcome.ios
            bytes += b.outcome.bytes
            jobCPU += b.outcome.cpu.userNanoseconds + b.outcome.cpu.systemNanoseconds
        }
        let usage = usageAfter - usageBefore
        let cpuCount = min(statBefore.perCPU.count, statAfter.perCPU.count)
        return RealMeasurement(
            job: job, path: path, fileWasCreated: created, ios: ios, bytes: bytes, elapsedNanoseconds: end - start,
            latency: latency, processUserNanoseconds: usage.userNanoseconds,
            processSystemNanoseconds: usage.systemNanoseconds, jobThreadsCPUNanoseconds: jobCPU,
            voluntaryContextSwitches: usage.voluntarySwitches, involuntaryContextSwitches: usage.involuntarySwitches,
            systemContextSwitches: statAfter.contextSwitches &- statBefore.contextSwitches,
            systemCPU: statAfter.total - statBefore.total,
            perCPU: (0..<cpuCount).map { statAfter.perCPU[$0] - statBefore.perCPU[$0] },
            diskInterrupts: irqLines.count(in: interruptsAfter) &- irqLines.count(in: interruptsBefore),
            diskIRQLines: irqLines, threads: censusResult)
    }

    private func validate(_ job: RealJob) throws(RealError) {
        if job.blockBytes <= 0 || job.blockBytes % 512 != 0 {
            throw .invalidJob("blockBytes \(job.blockBytes) must be a positive multiple of 512")
        }
        if job.blockBytes > 1 << 30 { throw .invalidJob("blockBytes \(job.blockBytes) exceeds 1 GiB") }
        if job.queueDepth < 1 || job.queueDepth > 4096 { throw .invalidJob("queueDepth \(job.queueDepth) must be in 1...4096") }
        if job.threads < 1 || job.threads > 256 { throw .invalidJob("threads \(job.threads) must be in 1...256") }
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
