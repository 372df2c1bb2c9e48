//! The trace as a Chrome Trace Event Format file, for the Perfetto UI (ui.perfetto.dev) and chrome://tracing,
//! written as the simulation runs.

import Foundation
import IOSimCore
import IOSimModel

/// Streams trace events to a Chrome Trace Event Format JSON object as the simulation emits them.
///
/// ```swift
/// var json = ""
/// let writer = ChromeTraceWriter { json += $0 }
/// let result = try Simulator(scenario, trace: writer).run()
/// writer.finish(at: SimInstant.zero + result.elapsed)
/// ```
///
/// **The file.** `{"traceEvents":[...]}`, one event per line. Times are microseconds with exactly three
/// decimals (virtual nanoseconds / 1000, formatted without a locale, so the same run gives the same bytes).
/// There is no `displayTimeUnit`: Perfetto ignores it (recording a stat), and older versions of it read
/// "ns" there as the unit of `ts`. Three processes:
/// - pid 1 "CPUs": one lane per CPU (tid = 100 + CPU). Complete (`X`) slices named by what runs:
///   `"<thread>: user"`, `": syscall"`, `": polling"`, `": switch"`, `"ISR"`, and the deferred routine
///   (`"DPC"`, or `Options.deferredName` such as "softirq"); idle time has no slice. The `runnable` counter
///   (threads waiting for a CPU) lives here, and an instant (`i`) "stall before the ISR" where an interrupt
///   found the CPU running a thread and it stalled first (`interrupts.busyStall`).
/// - pid 2 "Threads": one lane per thread (tid = 10,000 + thread index; kernel threads such as io_uring's SQPOLL
///   or io-wq workers are marked `[kernel]`), slices `running` (args: cpu), `runnable`, `blocked:io`,
///   `blocked:port`, `blocked:sleep`, `blocked:io_uring_enter`, `blocked:idle`, `alertable`, `waking`.
/// - pid 3 "Device": the "Interrupt line" lane (tid 10) with an instant (`i`) event at each ISR start, then
///   one lane per concurrent request ("Request slot k", tid 5,000 + k): each request in service (its DMA
///   transfer included) is a slice on the lowest slot free at its start, so slices on one slot never
///   overlap. The `deviceQueue` counter (requests in the device) lives here.
///
/// Flow arrows (`s`/`f` pairs with `"bp":"e"`, one unique id per pair, category "io", named "IO n") link
/// one IO's milestones in order: the issuing thread's lane at the submit call, its device service slice,
/// the ISR slice on the interrupted CPU, the deferred routine's slice (or the poller's) that completed it,
/// and the lane of the thread that learned of it. A flow point sits at its event's instant, moved by at
/// most one nanosecond so that it lies strictly inside the slice it binds to; a milestone with no
/// enclosing slice (an instantaneous routine, outside the window) is skipped and the arrow goes from the
/// milestone before it to the one after it. Slices on one lane never overlap, zero-length slices are not
/// written, and every lane and process is named by metadata (`M`) events, so the file opens in Perfetto and
/// chrome://tracing without import warnings.
///
/// **Memory.** Bounded whatever the run length: the open slice of each CPU, live thread and request slot,
/// the milestones of the IOs in flight (at most 65,536 unfinished IOs are followed; older ones lose their
/// remaining arrows), and the output buffer (flushed every 64 KiB).
///
/// **Size.** About 2.3 KB per IO. Measured on `Scenarios/08a-no-coalescing.json5` (2 CPUs, 8 threads
/// reading 4 KiB at random from an NVMe device, one interrupt per IO):
/// - full trace of the 20,000 IOs: 47.6 MB, 2,381 bytes per IO;
/// - the run stopped after 1,000 IOs (`stop.ios=1000`): 2.33 MB, 2,329 bytes per IO;
/// - `firstIOs: 1000, endWithFirstIOs: true` on the full run: 2.33 MB, 2,330 bytes per IO;
/// - `firstIOs: 1000` alone: 29.6 MB (IO events stop after IO 1,000, the CPU and thread lanes go on).
/// Of an IO's 2.3 KB: flow arrows 0.69 KB (four `s`/`f` pairs), CPU slices 0.63 KB (switch, syscalls,
/// user, ISR, DPC), thread states 0.38 KB, counters 0.40 KB, the device slice 0.12 KB, the interrupt
/// instant 0.10 KB. A window (`from`, `to`) costs in proportion to its share of the run.
public final class ChromeTraceWriter: TraceSink {
    /// What to write.
    public struct Options: Sendable, Equatable {
        /// Only slices overlapping `[from, to)` are written, clipped to it (nil: from the start).
        public var from: SimInstant?
        /// The end of the window (nil: to the end of the run).
        public var to: SimInstant?
        /// IO events (device slices, interrupts, flows) only for IOs numbered 1...firstIOs (nil: all).
        /// CPU and thread lanes and counters are still written for the whole window.
        public var firstIOs: Int64?
        /// With `firstIOs`, also end the trace (every lane) at the instant the last of those IOs is learned
        /// of, so the file's size follows the IO count.
        public var endWithFirstIOs: Bool
        /// The name of deferred-routine slices on CPU lanes: "DPC" (Windows) or "softirq" (Linux).
        public var deferredName: String

        public init(
            from: SimInstant? = nil, to: SimInstant? = nil, firstIOs: Int64? = nil, endWithFirstIOs: Bool = false,
            deferredName: String = "DPC"
        ) {
            self.from = from
            self.to = to
            self.firstIOs = firstIOs
            self.endWithFirstIOs = endWithFirstIOs
            self.deferredName = deferredName
        }
    }

    // MARK: Lanes

    // Thread ids are unique across the three processes (Perfetto names a thread by its tid alone), never
    // 0, and never equal to a pid.
    static let cpuPid = 1
    static let threadPid = 2
    static let devicePid = 3
    static let interruptTid = 10
    static let firstCPUTid = 100  // up to 4,096 CPUs
    static let firstSlotTid = 5_000
    static let maxSlots = 5_000
    static let firstThreadTid = 10_000
    /// Most unfinished IOs followed for flows.
    static let maxFollowedIOs = 1 << 16

    struct Slice {
        var start: Int64
        var name: String
        var cat: String
        var args: String?
        /// Consecutive states with the same key extend one slice.
        var key: Int64
        /// Whether the slice is written (idle CPU time is not).
        var visible: Bool
    }

    struct Lane {
        var pid: Int
        var tid: Int
        var label: String
        var sortIndex: Int
        var named = false
        var open: Slice? = nil
    }

    struct Anchor {
        var pid: Int
        var tid: Int
        var ts: Int64
        var sliceStart: Int64
    }

    enum Hop {
        case pending
        case resolved(Anchor)
        case skipped
    }

    /// One followed IO: its milestones in order, resolved as their slices become known.
    struct Chain {
        var hops: [Hop] = []
        /// Hops already drained from the front.
        var base = 0
        var last: Anchor? = nil
        var observed = false
        var direction: IODirection
        var bytes: Int64
    }

    struct Pending {
        var io: Int64
        var hop: Int
        var pid: Int
        var tid: Int
        var ts: Int64
        var sliceStart: Int64
    }

    let options: Options
    let from: Int64
    let to: Int64
    let firstIOs: Int64
    static let flushBytes = ChromeTraceStream.flushBytes

    let stream: ChromeTraceStream
    var ended = false
    var closed = false
    var now: Int64 = 0

    var cpus: [Lane] = []
    var threads: [Int: Lane] = [:]
    var threadNames: [Int: String] = [:]
    /// Request slots of the device lane: each holds at most one request in service (`slotEnds`: its end).
    var slots: [Lane] = []
    var slotEnds: [Int64] = []
    /// The earliest end of a request in service (Int64.max: none).
    var nextSlotEnd = Int64.max
    var interruptNamed = false
    var lastInterrupt: (cpu: Int, at: Int64) = (-1, -1)
    /// Counters: the value now, the last value written, whether it changed at the current instant (only
    /// the last value of an instant is written).
    var counters: [(name: String, value: Int, written: Int?, dirty: Bool)] = []
    var chains: [Int64: Chain] = [:]
    var evictCursor: Int64 = 1
    var pending: [Pending] = []
    var nextFlowID = 1
    var observedFirst: Int64 = 0

    /// Bytes handed to the output so far (UTF-8).
    public var bytesWritten: Int { stream.bytesWritten }
    /// Trace events written so far.
    public var eventsWritten: Int { stream.eventsWritten }

    /// A writer that hands the JSON text to `output` in chunks of about 64 KiB as the run goes (and the rest
    /// at `finish`). The header is written at once.
    public init(options: Options = Options(), output: @escaping (String) -> Void) {
        self.options = options
        stream = ChromeTraceStream(output: output)
        from = max(0, options.from?.nanosecondsSinceStart ?? 0)
        to = options.to?.nanosecondsSinceStart ?? Int64.max
        firstIOs = options.firstIOs ?? Int64.max
        for (pid, name) in [(Self.cpuPid, "CPUs"), (Self.threadPid, "Threads"), (Self.devicePid, "Device")] {
            stream.process(pid: pid, name: name, sortIndex: pid)
        }
    }

    /// A writer that writes the JSON to `fileHandle` as the run goes (it does not close the handle).
    public convenience init(options: Options = Options(), fileHandle: FileHandle) {
        self.init(options: options) { text in fileHandle.write(Data(text.utf8)) }
    }

    // MARK: TraceSink

    /// Takes the next event (events come in virtual-time order). Ignored after `finish`.
    public func record(_ event: TraceEvent) {
        if ended { return }
        let t = Self.instant(of: event)
        if t > now { advance(to: t) }
        if t >= to {
            cut(at: to)
            return
        }
        switch event {
        case .threadCreated(let thread, let name, let kernel, _):
            threadNames[thread] = name
            threads[thread] = Lane(
                pid: Self.threadPid, tid: Self.firstThreadTid + thread, label: kernel ? "\(name) [kernel]" : name,
                sortIndex: thread)
        case .cpu(let c, let category, let thread, let at):
            cpuEvent(c, category, thread, at.nanosecondsSinceStart)
        case .thread(let thread, let state, let at):
            threadEvent(thread, state, at.nanosecondsSinceStart)
        case .ioIssued(let io, let thread, _, let direction, let bytes, let at):
            guard io <= firstIOs else { return }
            if chains.count >= Self.maxFollowedIOs { evictOldest() }
            chains[io] = Chain(direction: direction, bytes: bytes)
            if let lane = threads[thread] { addHop(io, lane: lane, at: at.nanosecondsSinceStart) } else { skipHop(io) }
        case .ioSubmitted:
            break
        case .deviceService(let io, let start, let end):
            guard io <= firstIOs else { return }
            deviceService(io, start.nanosecondsSinceStart, end.nanosecondsSinceStart)
        case .ioInterrupt(let io, let c, let at):
            guard io <= firstIOs else { return }
            let a = at.nanosecondsSinceStart
            if lastInterrupt != (c, a) && a >= from {
                lastInterrupt = (c, a)
                nameInterruptLine()
                write(
                    "{\"name\":\"IRQ to CPU \(c)\",\"cat\":\"irq\",\"ph\":\"i\",\"s\":\"t\",\"ts\":\(Fmt.micros(a)),"
                        + "\"pid\":\(Self.devicePid),\"tid\":\(Self.interruptTid),\"args\":{\"cpu\":\(c)}}")
            }
            if c < cpus.count { addHop(io, lane: cpus[c], at: a) } else { skipHop(io) }
        case .interruptStall(let c, let duration, let at):
            // An instant on the CPU's lane where the stall starts; the lane's slice stays the thread's, as the
            // stall's time is.
            let a = at.nanosecondsSinceStart
            guard a >= from && a < to && c < cpus.count else { return }
            nameLane(&cpus[c])
            write(
                "{\"name\":\"stall before the ISR (\(Fmt.micros(duration.nanoseconds)) us)\",\"cat\":\"irq\",\"ph\":\"i\","
                    + "\"s\":\"t\",\"ts\":\(Fmt.micros(a)),\"pid\":\(Self.cpuPid),\"tid\":\(cpus[c].tid),"
                    + "\"args\":{\"cpu\":\(c),\"busyStall_us\":\(Fmt.micros(duration.nanoseconds))}}")
        case .ioCompleted(let io, let c, let at):
            guard io <= firstIOs, let c else { return }
            if c < cpus.count { addHop(io, lane: cpus[c], at: at.nanosecondsSinceStart) } else { skipHop(io) }
        case .ioObserved(let io, let thread, let at):
            guard io <= firstIOs else { return }
            if chains[io] != nil {
                if let lane = threads[thread] {
                    addHop(io, lane: lane, at: at.nanosecondsSinceStart)
                } else {
                    skipHop(io)
                }
                chains[io]?.observed = true
                drain(io)
            }
            if options.endWithFirstIOs, let n = options.firstIOs {
                observedFirst += 1
                if observedFirst >= n { cut(at: at.nanosecondsSinceStart) }
            }
        case .counter(let name, let value, let at):
            counterEvent(name, value, at.nanosecondsSinceStart)
        }
    }

    /// Closes the open slices at `end` (the run's end: `SimulationResult.elapsed` after the start), writes
    /// the remaining flows, closes the JSON and hands everything left to the output. Idempotent.
    public func finish(at end: SimInstant) {
        if closed { return }
        let e = max(end.nanosecondsSinceStart, now)
        if !ended {
            if e > now { advance(to: e) }
            cut(at: min(e, to))
        }
        closed = true
        stream.close()
    }

    /// Hands the buffered text to the output now.
    public func flush() { stream.flush() }

    // MARK: Events

    static func instant(of event: TraceEvent) -> Int64 {
        switch event {
        case .threadCreated(_, _, _, let at), .cpu(_, _, _, let at), .thread(_, _, let at),
            .ioIssued(_, _, _, _, _, let at), .ioSubmitted(_, _, let at), .ioInterrupt(_, _, let at),
            .ioCompleted(_, _, let at), .ioObserved(_, _, let at), .counter(_, _, let at), .interruptStall(_, _, let at):
            return at.nanosecondsSinceStart
        case .deviceService(_, let start, _):
            return start.nanosecondsSinceStart
        }
    }

    func cpuEvent(_ c: Int, _ category: CPUCategory, _ thread: Int?, _ t: Int64) {
        while cpus.count <= c {
            cpus.append(
                Lane(
                    pid: Self.cpuPid, tid: Self.firstCPUTid + cpus.count, label: "CPU \(cpus.count)",
                    sortIndex: cpus.count))
        }
        let key = Int64(category.rawValue) << 40 | Int64((thread ?? -1) + 1)
        // One slice per ISR and per deferred routine; other repeated states extend the open slice.
        if let open = cpus[c].open, open.key == key, category != .irq, category != .deferred { return }
        close(&cpus[c], at: t)
        let name: String
        switch category {
        case .irq: name = "ISR"
        case .deferred: name = options.deferredName
        case .idle: name = "idle"
        default:
            let label = category.key
            if let thread { name = "\(threadNames[thread] ?? "thread \(thread)"): \(label)" } else { name = label }
        }
        cpus[c].open = Slice(start: t, name: name, cat: category.key, args: nil, key: key, visible: category != .idle)
    }

    func threadEvent(_ thread: Int, _ state: ThreadTraceState, _ t: Int64) {
        if threads[thread] == nil {
            threads[thread] = Lane(
                pid: Self.threadPid, tid: Self.firstThreadTid + thread, label: "thread \(thread)", sortIndex: thread)
        }
        let key: Int64
        let name: String
        var args: String? = nil
        switch state {
        case .running(let cpu):
            key = 1 << 20 | Int64(cpu)
            name = "running"
            args = "{\"cpu\":\(cpu)}"
        case .runnable: (key, name) = (2, "runnable")
        case .blocked(let reason): (key, name) = (Self.reasonKey(reason), "blocked:\(reason)")
        case .alertable: (key, name) = (3, "alertable")
        case .waking: (key, name) = (4, "waking")
        case .finished: (key, name) = (5, "finished")
        }
        if let open = threads[thread]!.open, open.key == key, open.name == name { return }
        close(&threads[thread]!, at: t)
        if case .finished = state {
            threads[thread] = nil
            threadNames[thread] = nil
            return
        }
        threads[thread]!.open = Slice(start: t, name: name, cat: "thread", args: args, key: key, visible: true)
    }

    static func reasonKey(_ reason: String) -> Int64 {
        switch reason {
        case "io": 10
        case "port": 11
        case "sleep": 12
        case "io_uring_enter": 13
        case "idle": 14
        case "wait": 15
        default: 16  // any other reason (merged only with the same name)
        }
    }

    /// A request in service from `start` to `end`: a slice on the lowest free request slot, written when
    /// time reaches its end (or clipped at the end of the trace), so the trace never runs past the run.
    func deviceService(_ io: Int64, _ start: Int64, _ end: Int64) {
        guard end > start else {
            skipHop(io)
            return
        }
        // A slot free since the slice's start (a slice can arrive when it ends, its start in the past: a shared
        // host's device traces its services so).
        var slot = slots.indices.first { slots[$0].open == nil && slotEnds[$0] <= start } ?? -1
        if slot < 0 && slots.count >= Self.maxSlots {
            skipHop(io)
            return
        }
        if slot < 0 {
            slot = slots.count
            slots.append(
                Lane(
                    pid: Self.devicePid, tid: Self.firstSlotTid + slot, label: "Request slot \(slot)",
                    sortIndex: slot + 1))
            slotEnds.append(0)
        }
        slotEnds[slot] = end
        nextSlotEnd = min(nextSlotEnd, end)
        let chain = chains[io]
        let name = chain.map { $0.direction.rawValue } ?? "IO"
        let bytes = chain.map { ",\"bytes\":\($0.bytes)" } ?? ""
        slots[slot].open = Slice(
            start: start, name: name, cat: "device", args: "{\"io\":\(io)\(bytes)}", key: 0, visible: true)
        addHop(io, lane: slots[slot], at: start)
    }

    /// Closes the request slots whose service ended by `t`, in order of their ends.
    func closeSlots(upTo t: Int64) {
        while nextSlotEnd <= t {
            var best = -1
            nextSlotEnd = Int64.max
            for k in slots.indices where slots[k].open != nil {
                if best < 0 || slotEnds[k] < slotEnds[best] { best = k }
            }
            guard best >= 0 else { return }
            if slotEnds[best] > t {
                nextSlotEnd = slotEnds[best]
                return
            }
            close(&slots[best], at: slotEnds[best])
            for k in slots.indices where slots[k].open != nil { nextSlotEnd = min(nextSlotEnd, slotEnds[k]) }
        }
    }

    func counterEvent(_ name: String, _ value: Int, _ t: Int64) {
        if let i = counters.firstIndex(where: { $0.name == name }) {
            counters[i].value = value
            counters[i].dirty = true
        } else {
            counters.append((name, value, nil, true))
        }
    }

    /// Writes the counters that changed, at `t`.
    func flushCounters(at t: Int64) {
        for i in counters.indices where counters[i].dirty {
            counters[i].dirty = false
            writeCounter(i, at: t)
        }
    }

    func writeCounter(_ i: Int, at t: Int64) {
        let c = counters[i]
        if c.written == c.value { return }
        counters[i].written = c.value
        let pid: Int
        let tid: Int
        let series: String
        if c.name == "runnable" {
            (pid, tid, series) = (Self.cpuPid, Self.firstCPUTid, "threads")
            if cpus.isEmpty { cpus.append(Lane(pid: Self.cpuPid, tid: Self.firstCPUTid, label: "CPU 0", sortIndex: 0)) }
            nameLane(&cpus[0])
        } else {
            (pid, tid, series) = (Self.devicePid, Self.interruptTid, c.name == "deviceQueue" ? "requests" : "value")
            nameInterruptLine()
        }
        stream.counter(pid: pid, tid: tid, name: c.name, series: series, value: c.value, at: t)
    }

    /// Time moves on to `t`: request slots whose service ended close; flow points placed before `t` on
    /// slices still open are final; the counters' values at the instant left are written (at the window's
    /// start, the values then).
    /// at the window's start.
    func advance(to t: Int64) {
        closeSlots(upTo: t)
        if !pending.isEmpty {
            var keep: [Pending] = []
            var done: [Pending] = []
            for p in pending {
                if p.ts < t { done.append(p) } else { keep.append(p) }
            }
            pending = keep
            for p in done {
                resolve(p, .resolved(Anchor(pid: p.pid, tid: p.tid, ts: p.ts, sliceStart: p.sliceStart)))
            }
        }
        if now >= from {
            flushCounters(at: now)
        } else if t >= from {
            for i in counters.indices { counters[i].dirty = true }
            if t > from { flushCounters(at: from) }  // else at `from`, once its own changes are in
        }
        now = t
    }

    /// Ends the trace at `t`: every open slice closes there, nothing after it is written.
    func cut(at t: Int64) {
        if ended { return }
        if now >= from && now < to { flushCounters(at: now) }
        for c in cpus.indices { close(&cpus[c], at: t) }
        for key in threads.keys.sorted() { close(&threads[key]!, at: t) }
        closeSlots(upTo: t)
        for k in slots.indices { close(&slots[k], at: t) }
        for p in pending { resolve(p, .skipped) }
        pending = []
        for io in chains.keys.sorted() { drain(io) }
        chains = [:]
        ended = true
    }

    // MARK: Slices and flows

    /// Closes the lane's open slice at `end`: writes it (clipped to the window) and settles the flow points
    /// waiting on it.
    func close(_ lane: inout Lane, at end: Int64) {
        guard let open = lane.open else { return }
        lane.open = nil
        if open.visible && max(open.start, from) < min(end, to) {
            nameLane(&lane)
            slice(
                pid: lane.pid, tid: lane.tid, name: open.name, cat: open.cat, start: open.start, end: end,
                args: open.args)
        }
        guard !pending.isEmpty else { return }
        var keep: [Pending] = []
        var settled: [(Pending, Hop)] = []
        for var p in pending {
            guard p.pid == lane.pid && p.tid == lane.tid else {
                keep.append(p)
                continue
            }
            if p.ts >= end { p.ts = end - 1 }
            if p.ts > open.start && p.ts > from && p.ts < to {
                settled.append((p, .resolved(Anchor(pid: p.pid, tid: p.tid, ts: p.ts, sliceStart: p.sliceStart))))
            } else {
                settled.append((p, .skipped))
            }
        }
        pending = keep
        for (p, hop) in settled { resolve(p, hop) }
    }

    /// Writes a complete slice clipped to the window (nothing when nothing of it is left).
    func slice(pid: Int, tid: Int, name: String, cat: String, start: Int64, end: Int64, args: String?) {
        let s = max(start, from)
        let e = min(end, to)
        guard e > s else { return }
        stream.complete(pid: pid, tid: tid, name: name, cat: cat, start: s, end: e, args: args)
    }

    /// The next milestone of `io` is on `lane` at `t`: it binds to the lane's open slice.
    func addHop(_ io: Int64, lane: Lane, at t: Int64) {
        guard chains[io] != nil else { return }
        guard let open = lane.open, open.visible else {
            appendHop(io, .skipped)
            return
        }
        let p = max(t, open.start + 1)
        if p <= from || p >= to {
            appendHop(io, .skipped)
            return
        }
        let index = chains[io]!.base + chains[io]!.hops.count
        chains[io]!.hops.append(.pending)
        pending.append(Pending(io: io, hop: index, pid: lane.pid, tid: lane.tid, ts: p, sliceStart: open.start))
    }

    func skipHop(_ io: Int64) {
        if chains[io] != nil { appendHop(io, .skipped) }
    }

    func appendHop(_ io: Int64, _ hop: Hop) {
        chains[io]?.hops.append(hop)
        drain(io)
    }

    func resolve(_ p: Pending, _ hop: Hop) {
        guard var chain = chains[p.io] else { return }
        let i = p.hop - chain.base
        guard i >= 0 && i < chain.hops.count else { return }
        chain.hops[i] = hop
        chains[p.io] = chain
        drain(p.io)
    }

    /// Writes the flows between consecutive settled milestones of `io`; forgets the IO once it was learned of
    /// and everything is settled.
    func drain(_ io: Int64) {
        guard var chain = chains[io] else { return }
        var k = 0
        while k < chain.hops.count {
            if case .pending = chain.hops[k] { break }
            if case .resolved(let a) = chain.hops[k] {
                // An arrow needs two slices and must point forward in time (a viewer that sorts by time would
                // otherwise meet its end before its start).
                if let last = chain.last, !(last.pid == a.pid && last.tid == a.tid && last.sliceStart == a.sliceStart),
                    a.ts > last.ts
                {
                    flow(io, from: last, to: a)
                }
                chain.last = a
            }
            k += 1
        }
        if k > 0 {
            chain.hops.removeFirst(k)
            chain.base += k
        }
        chains[io] = chain.observed && chain.hops.isEmpty ? nil : chain
    }

    func flow(_ io: Int64, from a: Anchor, to b: Anchor) {
        let id = nextFlowID
        nextFlowID += 1
        let head = "{\"name\":\"IO \(io)\",\"cat\":\"io\",\"id\":\(id),"
        write(head + "\"ph\":\"s\",\"ts\":\(Fmt.micros(a.ts)),\"pid\":\(a.pid),\"tid\":\(a.tid)}")
        write(head + "\"ph\":\"f\",\"bp\":\"e\",\"ts\":\(Fmt.micros(b.ts)),\"pid\":\(b.pid),\"tid\":\(b.tid)}")
    }

    func evictOldest() {
        while chains.count >= Self.maxFollowedIOs {
            if chains.removeValue(forKey: evictCursor) != nil {
                pending.removeAll { $0.io == evictCursor }
            }
            evictCursor += 1
        }
    }

    // MARK: Output

    func nameLane(_ lane: inout Lane) {
        if lane.named { return }
        lane.named = true
        stream.lane(pid: lane.pid, tid: lane.tid, name: lane.label, sortIndex: lane.sortIndex)
    }

    func nameInterruptLine() {
        if interruptNamed { return }
        interruptNamed = true
        stream.lane(pid: Self.devicePid, tid: Self.interruptTid, name: "Interrupt line", sortIndex: 0)
    }

    func write(_ line: String) { stream.write(line) }
}
