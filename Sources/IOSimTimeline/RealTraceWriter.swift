//! The trace of a real run (`iosim real --trace FILE.json`) as a Chrome Trace Event Format file, written
//! with the same stream as the simulated trace.

import IOSimCore
import IOSimReal

/// Writes what the real backend recorded (`RealMeasurement.trace`) as a Chrome trace for the Perfetto UI and
/// chrome://tracing.
///
/// ```swift
/// let m = try RealRunner().run(job, trace: RealTraceOptions(ios: 10_000))
/// var json = ""
/// RealTraceWriter.write(m, title: "uring-4k-qd1") { json += $0 }
/// ```
///
/// **The file.** `{"traceEvents":[...]}`, one event per line, in time order (metadata
/// first). Times are microseconds with three decimals since the run's start (CLOCK_MONOTONIC, the instant the
/// job threads were released), so they are real nanoseconds, not virtual ones.
/// - pid 1 "<title> (PID n)": the "run" lane (tid 9,000) with one slice over the whole run (args: engine,
///   block size, queue depth, threads, IOs completed and recorded), and the counters (Perfetto names a
///   track by the counter's name and its series): "IOs in flight" (of the recorded IOs, written while
///   every IO issued was recorded: up to the end of the window or the instant the budget of recorded IOs
///   ran out, whichever comes first), and from the thread census, when it ran, "process threads",
///   "iou-wrk threads" and "iou-sqp threads" (io_uring's helpers serving the job threads), one value per
///   change.
/// - pid 2 + i "job thread i (TID t)": one lane per in-flight slot ("slot k", tid 10,000 + 4,096 i + k). Each
///   recorded IO is a complete (`X`) event named "read" or "write" (category "io", args: its number in
///   issue order and its file offset) from just before it was handed to the kernel (or to the pool's
///   queue) to the moment the job thread saw it complete. A slot holds one IO at a time, so events on one
///   lane never overlap; IOs in flight at once on one thread lie on separate lanes, stacked under their
///   thread. (Complete events on slot lanes rather than async `b`/`e` pairs: Perfetto draws both, but the
///   lanes show the queue depth as rows and keep each IO's slot.)
///
/// **Size.** 240 to 320 bytes per recorded IO (its event, about 150 bytes, and up to two changes of the
/// in-flight counter; completions reaped together change it once), plus about 100 bytes per census change.
/// Measured with `--trace-ios 10000` (the default) on 4 KiB O_DIRECT reads: 3.18 MB through io_uring at queue
/// depth 1, 2.40 MB at queue depth 16.
public enum RealTraceWriter {
    static let runPid = 1
    static let runTid = 9_000
    static let firstSlotTid = 10_000
    static let slotsPerThread = 4_096

    /// What was written.
    public struct Summary: Sendable, Equatable {
        public var events: Int
        public var bytes: Int
        public var ios: Int
    }

    /// Writes the trace of `m` (nothing but an empty run slice when it recorded none) to `output`, in chunks
    /// of about 64 KiB.
    @discardableResult
    public static func write(_ m: RealMeasurement, title: String, output: @escaping (String) -> Void) -> Summary {
        let stream = ChromeTraceStream(output: output)
        let trace = m.trace
        let pid = trace?.processID ?? 0
        let end = max(trace?.runNanoseconds ?? m.elapsedNanoseconds, 1)
        let threads = trace?.threads ?? m.job.threads
        let direction = m.job.direction.rawValue

        stream.process(pid: runPid, name: "\(title) (PID \(pid))", sortIndex: 0)
        stream.lane(pid: runPid, tid: runTid, name: "run", sortIndex: 0)
        let ios = (trace?.ios ?? []).enumerated().filter { $0.element.completeNanoseconds >= $0.element.submitNanoseconds }
        for i in 0..<threads {
            let tid = i < (trace?.jobThreadIDs.count ?? 0) ? trace!.jobThreadIDs[i] : "?"
            stream.process(pid: runPid + 1 + i, name: "job thread \(i) (TID \(tid))", sortIndex: 1 + i)
        }
        var usedSlots = Set<Int>()
        for (_, io) in ios { usedSlots.insert(io.thread * slotsPerThread + io.slot) }
        for lane in usedSlots.sorted() {
            let (i, k) = (lane / slotsPerThread, lane % slotsPerThread)
            stream.lane(pid: runPid + 1 + i, tid: firstSlotTid + lane, name: "slot \(k)", sortIndex: k)
        }

        // Every timed event, then written in time order (ties: the run slice, counters going down, IOs, counters going up).
        enum Item {
            case run
            case io(number: Int, RealTrace.IO)
            case counter(name: String, series: String, value: Int)
        }
        var items: [(at: Int64, rank: Int, item: Item)] = [(0, 0, .run)]
        items.reserveCapacity(3 * ios.count + 1)
        for (k, io) in ios { items.append((io.submitNanoseconds, 2, .io(number: k + 1, io))) }

        // IOs in flight among the recorded ones, while every IO issued was recorded.
        let options = trace?.options ?? RealTraceOptions()
        let limit = min(end, options.toNanoseconds, trace?.budgetExhaustedAtNanoseconds ?? .max)
        var changes: [(at: Int64, delta: Int)] = []
        changes.reserveCapacity(2 * ios.count)
        for (_, io) in ios {
            changes.append((io.submitNanoseconds, 1))
            changes.append((io.completeNanoseconds, -1))
        }
        changes.sort { $0.at != $1.at ? $0.at < $1.at : $0.delta < $1.delta }
        var inFlight = 0
        var c = 0
        if !ios.isEmpty { items.append((max(0, options.fromNanoseconds), 1, .counter(name: "IOs", series: "in flight", value: 0))) }
        while c < changes.count {
            let at = changes[c].at
            let before = inFlight
            while c < changes.count && changes[c].at == at {
                inFlight += changes[c].delta
                c += 1
            }
            if at < limit && inFlight != before {
                items.append((at, inFlight < before ? 1 : 3, .counter(name: "IOs", series: "in flight", value: inFlight)))
            }
        }

        // The census: the value at the start (the last sample before it) and each change within the run.
        if let census = trace?.census, !census.isEmpty {
            let series: [(String, (RealTrace.CensusSample) -> Int)] = [
                ("process", { $0.threads }), ("iou-wrk", { $0.ioWorkers }), ("iou-sqp", { $0.sqPollThreads }),
            ]
            for (name, value) in series {
                var last: Int? = nil
                var pending: Int? = nil
                for s in census where s.atNanoseconds <= end {
                    if s.atNanoseconds <= 0 {
                        pending = value(s)
                        continue
                    }
                    if let p = pending {
                        items.append((0, 1, .counter(name: name, series: "threads", value: p)))
                        last = p
                        pending = nil
                    }
                    let v = value(s)
                    if v != last {
                        items.append((s.atNanoseconds, 1, .counter(name: name, series: "threads", value: v)))
                        last = v
                    }
                }
                if let p = pending { items.append((0, 1, .counter(name: name, series: "threads", value: p))) }
            }
        }

        items.sort { $0.at != $1.at ? $0.at < $1.at : $0.rank < $1.rank }
        for (at, _, item) in items {
            switch item {
            case .run:
                var args = "{\"engine\":\(Fmt.json(m.job.engine.name)),\"rw\":\(Fmt.json(direction)),"
                args += "\"blockBytes\":\(m.job.blockBytes),\"queueDepth\":\(m.job.queueDepth),\"threads\":\(m.job.threads),"
                args += "\"iosCompleted\":\(m.ios),\"iosRecorded\":\(ios.count)}"
                stream.complete(pid: runPid, tid: runTid, name: "run", cat: "run", start: 0, end: end, args: args)
            case .io(let number, let io):
                let lane = io.thread * slotsPerThread + io.slot
                stream.complete(
                    pid: runPid + 1 + io.thread, tid: firstSlotTid + lane, name: direction, cat: "io",
                    start: io.submitNanoseconds, end: io.completeNanoseconds,
                    args: "{\"io\":\(number),\"offset\":\(io.offset)}")
            case .counter(let name, let series, let value):
                stream.counter(pid: runPid, tid: runTid, name: name, series: series, value: value, at: at)
            }
        }
        stream.close()
        return Summary(events: stream.eventsWritten, bytes: stream.bytesWritten, ios: ios.count)
    }
}
