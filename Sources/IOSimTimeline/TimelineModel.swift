//! A recorded trace turned into lanes of state intervals, for the SVG picture and the terminal Gantt.

import IOSimCore
import IOSimModel

/// What a lane shows during an interval.
enum Mark: Int, CaseIterable {
    // CPU lanes (same order as CPUCategory).
    case user, syscall, irq, deferred, polling, contextSwitch, idle
    // Thread lanes.
    case running, runnable, blocked, alertable, waking

    init(_ category: CPUCategory) {
        switch category {
        case .user: self = .user
        case .syscall: self = .syscall
        case .irq: self = .irq
        case .deferred: self = .deferred
        case .polling: self = .polling
        case .contextSwitch: self = .contextSwitch
        case .idle: self = .idle
        }
    }

    /// One character for the terminal Gantt.
    var symbol: Character {
        switch self {
        case .user: "U"
        case .syscall: "S"
        case .irq: "I"
        case .deferred: "D"
        case .polling: "P"
        case .contextSwitch: "w"
        case .idle: "."
        case .running: "R"
        case .runnable: "r"
        case .blocked: "b"
        case .alertable: "a"
        case .waking: "k"
        }
    }

    /// Fill colour in the SVG.
    var colour: String {
        switch self {
        case .user: "#4e79a7"
        case .syscall: "#f28e2b"
        case .irq: "#e15759"
        case .deferred: "#b07aa1"
        case .polling: "#edc948"
        case .contextSwitch: "#9c755f"
        case .idle: "#ffffff"
        case .running: "#59a14f"
        case .runnable: "#ff9da7"
        case .blocked: "#bab0ac"
        case .alertable: "#76b7b2"
        case .waking: "#a0cbe8"
        }
    }

    /// ANSI SGR colour for the terminal.
    var ansi: String {
        switch self {
        case .user: "34"
        case .syscall: "33"
        case .irq: "1;31"
        case .deferred: "35"
        case .polling: "36"
        case .contextSwitch: "37"
        case .idle: "2"
        case .running: "32"
        case .runnable: "33"
        case .blocked: "2"
        case .alertable: "35"
        case .waking: "36"
        }
    }
}

/// One interval of a lane, clipped to the window.
struct Segment {
    var start: Int64
    var end: Int64
    /// A `Mark` raw value, or for the device lane the number of requests in service.
    var value: Int
}

struct TimelineLane {
    enum Kind { case cpu, thread, device, interrupt }
    var kind: Kind
    var name: String
    var segments: [Segment] = []
    /// Interrupt line: the instants at which an ISR started (one per CPU and instant).
    var instants: [Int64] = []
}

/// Lanes built from a recorded trace: CPUs, threads (up to a limit), the device, the interrupt line.
struct TimelineModel {
    var from: Int64
    var to: Int64
    var lanes: [TimelineLane] = []
    /// Threads left out by the lane limit.
    var hiddenThreads = 0
    /// Most requests in service at once within the window.
    var maxInService = 0

    init(events: [TraceEvent], end: SimInstant?, from: SimInstant?, to: SimInstant?, maxThreads: Int) {
        var last: Int64 = 0
        for e in events {
            let t: Int64
            switch e {
            case .deviceService(_, _, let end): t = end.nanosecondsSinceStart
            default: t = ChromeTraceWriter.instant(of: e)
            }
            last = max(last, t)
        }
        let runEnd = end?.nanosecondsSinceStart ?? last
        let lo = max(0, from?.nanosecondsSinceStart ?? 0)
        let hi = max(lo, to?.nanosecondsSinceStart ?? runEnd)
        self.from = lo
        self.to = hi

        var cpuLanes: [TimelineLane] = []
        var cpuOpen: [(start: Int64, mark: Int)] = []
        var threadLanes: [Int: TimelineLane] = [:]
        var threadOpen: [Int: (start: Int64, mark: Int)] = [:]
        var threadOrder: [Int] = []
        var deltas: [(t: Int64, d: Int)] = []
        var interrupts = TimelineLane(kind: .interrupt, name: "interrupt line")
        var lastISR: (Int, Int64) = (-1, -1)

        func add(_ lane: inout TimelineLane, _ start: Int64, _ end: Int64, _ value: Int) {
            let s = max(start, lo)
            let e = min(end, hi)
            guard e > s else { return }
            if let prev = lane.segments.last, prev.value == value, prev.end == s {
                lane.segments[lane.segments.count - 1].end = e
            } else {
                lane.segments.append(Segment(start: s, end: e, value: value))
            }
        }
        func ensureCPU(_ c: Int) {
            while cpuLanes.count <= c {
                cpuLanes.append(TimelineLane(kind: .cpu, name: "CPU \(cpuLanes.count)"))
                cpuOpen.append((0, Mark.idle.rawValue))
            }
        }

        for e in events {
            switch e {
            case .threadCreated(let thread, let name, let kernel, _):
                if threadLanes[thread] == nil { threadOrder.append(thread) }
                threadLanes[thread] = TimelineLane(kind: .thread, name: kernel ? "\(name) [k]" : name)
            case .cpu(let c, let category, _, let at):
                ensureCPU(c)
                let t = at.nanosecondsSinceStart
                add(&cpuLanes[c], cpuOpen[c].start, t, cpuOpen[c].mark)
                cpuOpen[c] = (t, Mark(category).rawValue)
            case .thread(let thread, let state, let at):
                let t = at.nanosecondsSinceStart
                if threadLanes[thread] == nil {
                    threadOrder.append(thread)
                    threadLanes[thread] = TimelineLane(kind: .thread, name: "thread \(thread)")
                }
                if let open = threadOpen[thread] { add(&threadLanes[thread]!, open.start, t, open.mark) }
                let mark: Mark?
                switch state {
                case .running: mark = .running
                case .runnable: mark = .runnable
                case .blocked: mark = .blocked
                case .alertable: mark = .alertable
                case .waking: mark = .waking
                case .finished: mark = nil
                }
                threadOpen[thread] = mark.map { (t, $0.rawValue) }
            case .deviceService(_, let start, let end):
                deltas.append((start.nanosecondsSinceStart, 1))
                deltas.append((end.nanosecondsSinceStart, -1))
            case .ioInterrupt(_, let c, let at):
                let t = at.nanosecondsSinceStart
                if lastISR != (c, t) && t >= lo && t < hi {
                    interrupts.instants.append(t)
                }
                lastISR = (c, t)
            default:
                break
            }
        }
        for c in cpuLanes.indices { add(&cpuLanes[c], cpuOpen[c].start, runEnd, cpuOpen[c].mark) }
        for (thread, open) in threadOpen { add(&threadLanes[thread]!, open.start, runEnd, open.mark) }

        var device = TimelineLane(kind: .device, name: "device")
        deltas.sort { $0.t != $1.t ? $0.t < $1.t : $0.d < $1.d }
        var level = 0
        var since: Int64 = 0
        var i = 0
        while i < deltas.count {
            let t = deltas[i].t
            var next = level
            while i < deltas.count && deltas[i].t == t {
                next += deltas[i].d
                i += 1
            }
            if next != level {
                if level > 0 { add(&device, since, t, level) }
                level = next
                since = t
            }
        }
        maxInService = device.segments.map(\.value).max() ?? 0

        lanes = cpuLanes
        // Threads alive in the window, in creation order, up to the limit.
        var shown = 0
        for thread in threadOrder {
            guard let lane = threadLanes[thread], !lane.segments.isEmpty else { continue }
            if shown < maxThreads {
                lanes.append(lane)
                shown += 1
            } else {
                hiddenThreads += 1
            }
        }
        lanes.append(device)
        lanes.append(interrupts)
    }

    /// Per bucket of `count` equal buckets over the window: the value with the most time (ties: lowest
    /// value), or nil when the lane has nothing there. CPU lanes: interrupt-context work (ISR, deferred
    /// routine) is never hidden by idle time, so a 2 us ISR in a mostly idle bucket still shows. Device lane:
    /// the most requests in service at any point of the bucket. Interrupt line: the number of ISR starts.
    func buckets(_ lane: TimelineLane, count: Int) -> [Int?] {
        let span = Double(max(1, to - from))
        let width = span / Double(count)
        if lane.kind == .interrupt {
            var out = [Int?](repeating: nil, count: count)
            for t in lane.instants {
                let b = min(count - 1, max(0, Int(Double(t - from) / width)))
                out[b] = (out[b] ?? 0) + 1
            }
            return out
        }
        if lane.kind == .device {
            var out = [Int?](repeating: 0, count: count)
            for s in lane.segments {
                let (b0, b1) = range(s, width: width, count: count)
                for b in b0...b1 { out[b] = max(out[b]!, s.value) }
            }
            return out
        }
        let marks = Mark.allCases.count
        var time = [Double](repeating: 0, count: count * marks)
        var present = [Bool](repeating: false, count: count)
        for s in lane.segments {
            let (b0, b1) = range(s, width: width, count: count)
            for b in b0...b1 {
                let bs = Double(b) * width
                let be = bs + width
                let overlap = min(be, Double(s.end - from)) - max(bs, Double(s.start - from))
                if overlap > 0 || b0 == b1 {
                    time[b * marks + s.value] += max(overlap, 1e-9)
                    present[b] = true
                }
            }
        }
        var out = [Int?](repeating: nil, count: count)
        for b in 0..<count where present[b] {
            var best = -1
            var bestTime = 0.0
            for m in 0..<marks where time[b * marks + m] > bestTime {
                best = m
                bestTime = time[b * marks + m]
            }
            out[b] = best
        }
        if lane.kind == .cpu {
            // Interrupt-context work shows even when short: each ISR or deferred routine, in time order, takes
            // the first bucket it touches that idle time (or unclaimed interrupt-context time) won, so an ISR
            // followed by its DPC reads "ID" even when both fit in one bucket's width.
            let irq = Mark.irq.rawValue
            let dpc = Mark.deferred.rawValue
            let idle = Mark.idle.rawValue
            var claimed = [Bool](repeating: false, count: count)
            for s in lane.segments where s.value == irq || s.value == dpc {
                let (b0, b1) = range(s, width: width, count: count)
                for b in b0...b1 where !claimed[b] {
                    guard let w = out[b], w == idle || w == irq || w == dpc else { continue }
                    out[b] = s.value
                    claimed[b] = true
                    break
                }
            }
        }
        return out
    }

    func range(_ s: Segment, width: Double, count: Int) -> (Int, Int) {
        let b0 = min(count - 1, max(0, Int(Double(s.start - from) / width)))
        var b1 = min(count - 1, max(0, Int((Double(s.end - from) / width).rounded(.up)) - 1))
        if b1 < b0 { b1 = b0 }
        return (b0, b1)
    }
}
