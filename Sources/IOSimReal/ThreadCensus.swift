//! The thread census: who is in this process while the job runs, sampled from /proc/self/task.
//!
//! io_uring's helpers are threads of the process: `iou-wrk-<pid>` (io-wq workers, for IOSQE_ASYNC,
//! buffered writes, and anything that cannot complete inline) and `iou-sqp-<pid>` (the SQPOLL poller). A
//! sampler thread lists /proc/self/task every `intervalMicroseconds` (10 ms by default; every millisecond at
//! most for its first 20 samples) and reads the `comm` of each thread whose name may still change.
//! Reported: the most threads seen at once (the sampler itself excluded), and for each helper kind the most
//! at once and the number of distinct thread ids over the run. A worker that lives less than one interval
//! can be missed; the sampler's own CPU time is measured so it can be subtracted.
//!
//! Attribution: the kernel names a helper after the thread it serves, "iou-wrk-<TID>" with the TID of the
//! task that owns the io-wq (io_uring/io-wq.c) and "iou-sqp-<TID>" with the TID of the thread that set
//! up the ring (io_uring/sqpoll.c). So helpers are counted only when <TID> is one of this run's job
//! threads: another ring in the same process (a parallel test, a CLI's own) does not leak into the
//! figures. The total thread count cannot be attributed and covers the whole process. A helper that has
//! not run yet still carries its creator's name and is missed until it renames itself.

import CIOUring
import Glibc
import Synchronization

/// What the census saw.
public struct ThreadCensusResult: Sendable, Hashable {
    /// Samples taken.
    public var samples: Int = 0
    /// Most threads of the process at once (the census thread excluded).
    public var threadsMax: Int = 0
    /// Most `iou-wrk-*` threads of the job threads at once.
    public var ioWorkersMax: Int = 0
    /// Distinct `iou-wrk-*` thread ids of the job threads seen.
    public var ioWorkersDistinct: Int = 0
    /// Most `iou-sqp-*` threads of the job threads at once.
    public var sqPollThreadsMax: Int = 0
    /// Distinct `iou-sqp-*` thread ids of the job threads seen.
    public var sqPollThreadsDistinct: Int = 0
    /// CPU time the sampler thread used (included in process CPU, excluded from CPU per IO), and its user and
    /// system parts (getrusage RUSAGE_THREAD).
    public var samplerCPUNanoseconds: Int64 = 0
    public var samplerUserNanoseconds: Int64 = 0
    public var samplerSystemNanoseconds: Int64 = 0
    /// Distinct thread names seen, sorted.
    public var names: [String] = []

    public init() {}
}

/// A sampler thread; `start()` then `finish()`.
final class ThreadCensus: @unchecked Sendable {
    private let intervalMicroseconds: Int
    /// Samples taken at most 1 ms apart at the start of a run.
    static let denseSamples = 20
    private let jobThreadIDs: Set<String>
    private let stopFlag = Atomic<Bool>(false)
    private let keepSamples: Int
    private var thread: JoinableThread?
    // Written by the sampler thread only; read after join (join orders the accesses).
    private var result = ThreadCensusResult()
    private var timeline: [RealTrace.CensusSample] = []

    /// A census counting the io_uring helpers of the threads `jobThreadIDs` (kernel TIDs as strings), keeping
    /// its first `keepSamples` samples with their CLOCK_MONOTONIC instants (for a trace).
    init(intervalMicroseconds: Int, jobThreadIDs: Set<String>, keepSamples: Int = 0) {
        self.intervalMicroseconds = max(100, intervalMicroseconds)
        self.jobThreadIDs = jobThreadIDs
        self.keepSamples = max(0, keepSamples)
    }

    func start() {
        thread = JoinableThread(name: "iosim-census") { [self] in run() }
    }

    func finish() -> ThreadCensusResult {
        stopFlag.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
        return result
    }

    /// The kept samples, instants in CLOCK_MONOTONIC nanoseconds (after `finish`).
    var samples: [RealTrace.CensusSample] { thread == nil ? timeline : [] }

    private func run() {
        let me = Int32(currentThreadID()) ?? -1
        let before = ResourceUsage.thread()
        var workers = Set<Int32>(), pollers = Set<Int32>(), names = Set<String>()
        // What each thread is: a helper of a job thread (worker or poller), or something else. A name is read
        // from `comm` until it is final: a helper's, a job thread's or the main thread's (a helper starts with
        // its creator's name and renames itself when it first runs, so any other name is read again).
        enum Kind { case worker, poller, other }
        var final: [Int32: Kind] = [:]
        let settled = Set(jobThreadIDs.compactMap { Int32($0) } + [getpid()])  // never become helpers
        var r = ThreadCensusResult()
        var comm = [UInt8](repeating: 0, count: 32)
        var kept: [RealTrace.CensusSample] = []
        if keepSamples > 0 { kept.reserveCapacity(min(keepSamples, 4096)) }
        let directory = TaskDirectory()
        var tids: [Int32] = []
        repeat {
            let at = monotonicNanoseconds()
            var threads = 0, workersNow = 0, pollersNow = 0
            directory.list(into: &tids)
            // A thread id no longer listed is forgotten: the kernel may give it to a new thread (a reuse within
            // one interval still goes unseen).
            if final.keys.contains(where: { !tids.contains($0) }) {
                let listed = Set(tids)
                final = final.filter { listed.contains($0.key) }
            }
            for tid in tids where tid != me {
                threads += 1
                var kind = final[tid]
                if kind == nil {
                    let fd = open("/proc/self/task/\(tid)/comm", O_RDONLY | O_CLOEXEC)
                    if fd < 0 { continue }  // the thread just exited
                    let n = comm.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    close(fd)
                    guard n > 0 else { continue }
                    let name = String(decoding: comm[0..<(comm[n - 1] == 10 ? n - 1 : n)], as: UTF8.self)
                    names.insert(name)
                    if name.hasPrefix("iou-wrk-"), jobThreadIDs.contains(String(name.dropFirst(8))) {
                        kind = .worker
                    } else if name.hasPrefix("iou-sqp-"), jobThreadIDs.contains(String(name.dropFirst(8))) {
                        kind = .poller
                    } else if settled.contains(tid) {
                        kind = .other
                    }
                    final[tid] = kind
                }
                switch kind {
                case .worker?:
                    workersNow += 1
                    workers.insert(tid)
                case .poller?:
                    pollersNow += 1
                    pollers.insert(tid)
                default: break
                }
            }
            r.samples += 1
            r.threadsMax = max(r.threadsMax, threads)
            r.ioWorkersMax = max(r.ioWorkersMax, workersNow)
            r.sqPollThreadsMax = max(r.sqPollThreadsMax, pollersNow)
            if kept.count < keepSamples {
                kept.append(.init(atNanoseconds: at, threads: threads, ioWorkers: workersNow, sqPollThreads: pollersNow))
            }
            // Helpers are made as the first requests go in: the first samples come every millisecond at most, so
            // that a run of a few milliseconds still sees them.
            usleep(UInt32(r.samples < ThreadCensus.denseSamples ? min(1_000, intervalMicroseconds) : intervalMicroseconds))
        } while !stopFlag.load(ordering: .acquiring)
        r.ioWorkersDistinct = workers.count
        r.sqPollThreadsDistinct = pollers.count
        r.names = names.sorted()
        let used = ResourceUsage.thread() - before
        r.samplerCPUNanoseconds = used.userNanoseconds + used.systemNanoseconds
        r.samplerUserNanoseconds = used.userNanoseconds
        r.samplerSystemNanoseconds = used.systemNanoseconds
        result = r
        timeline = kept
    }
}

/// /proc/self/task held open and read again from its start for each sample (lseek and getdents64 on one
/// descriptor, where opendir, readdir and closedir open and close it each time).
final class TaskDirectory {
    private let fd: Int32
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 8192, alignment: 8)

    init() { fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC) }

    deinit {
        if fd >= 0 { close(fd) }
        buffer.deallocate()
    }

    /// The thread ids of the process now (none if the directory could not be opened).
    func list(into tids: inout [Int32]) {
        tids.removeAll(keepingCapacity: true)
        guard fd >= 0, lseek(fd, 0, SEEK_SET) == 0 else { return }
        while true {
            let n = ciouring_getdents64(fd, buffer.baseAddress, buffer.count)
            if n <= 0 { return }
            var offset = 0
            while offset < n {
                // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
                let length = Int(buffer.load(fromByteOffset: offset + 16, as: UInt16.self))
                var tid: Int32 = 0, digits = 0
                var i = offset + 19
                while i < offset + length {
                    let c = buffer[i]
                    if c < 48 || c > 57 { break }
                    tid = tid &* 10 &+ Int32(c - 48)
                    digits += 1
                    i += 1
                }
                if digits > 0 && (i == offset + length || buffer[i] == 0) { tids.append(tid) }
                if length <= 0 { return }
                offset += length
            }
        }
    }
}
