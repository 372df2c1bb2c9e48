//! A recorded trace as a standalone SVG picture.

import IOSimCore
import IOSimModel

/// A timeline picture of a recorded trace: one lane per CPU (coloured by what the CPU spends its time on),
/// per thread (running, runnable, blocked, alertable wait, waking), the device (requests in service, the
/// bar's height is their number) and the interrupt line (a tick at each ISR start); a time axis with ticks
/// and a unit chosen from the span (ns, us, ms, s); a legend. Lane names at the left in a 12 px font.
///
/// ```swift
/// let recorder = TraceRecorder()
/// let result = try Simulator(scenario, trace: recorder).run()
/// let svg = SVGTimeline(events: recorder.events, end: .zero + result.elapsed, title: scenario.name).render()
/// ```
/// Deterministic (fixed number formatting); well-formed XML (names are escaped). A lane with more intervals
/// than four per pixel is drawn one pixel column at a time, each column showing the state with the most
/// time (interrupt-context work is never hidden by idle time).
public struct SVGTimeline {
    let model: TimelineModel
    let title: String?
    let deferredName: String
    /// Picture width in pixels.
    public var width: Int = 1200

    /// - Parameters:
    ///   - events: a recorded trace (`TraceRecorder.events`).
    ///   - end: the end of the run (`SimulationResult.elapsed` after the start); nil: the last event.
    ///   - from: the window's start (nil: the start of the run).
    ///   - to: the window's end (nil: `end`).
    ///   - title: a heading (the scenario's name, say).
    ///   - maxThreads: at most this many thread lanes (the first threads alive in the window).
    ///   - deferredName: what the legend calls the deferred routine ("DPC", "softirq").
    public init(
        events: [TraceEvent], end: SimInstant? = nil, from: SimInstant? = nil, to: SimInstant? = nil,
        title: String? = nil, maxThreads: Int = 48, deferredName: String = "DPC"
    ) {
        model = TimelineModel(events: events, end: end, from: from, to: to, maxThreads: maxThreads)
        self.title = title
        self.deferredName = deferredName
    }

    static let labelWidth = 170.0
    static let rightMargin = 24.0
    static let laneHeight = 18.0
    static let laneGap = 6.0

    /// The SVG document.
    public func render() -> String {
        let left = Self.labelWidth
        let plotWidth = Double(width) - left - Self.rightMargin
        let span = max(1, model.to - model.from)
        let scale = plotWidth / Double(span)
        var top = 16.0
        var body: [String] = []

        if let title {
            body.append(SVG.text(title, x: 12, y: 26, size: 16, bold: true))
            top = 44
        }
        var y = top
        var previousKind: TimelineLane.Kind? = nil
        for lane in model.lanes {
            if let p = previousKind, p != lane.kind { y += 6 }  // a little air between groups
            previousKind = lane.kind
            let label = lane.kind == .device ? "device (max \(model.maxInService))" : lane.name
            body.append(SVG.text(label, x: left - 8, y: y + 13, anchor: "end"))
            body.append(SVG.rect(left, y, plotWidth, Self.laneHeight, fill: Self.laneColour))
            body += laneShapes(lane, y: y, left: left, plotWidth: plotWidth, scale: scale)
            y += Self.laneHeight + Self.laneGap
        }
        if model.hiddenThreads > 0 {
            body.append(
                SVG.text("(\(model.hiddenThreads) more threads not shown)", x: left, y: y + 10, fill: "#555555"))
            y += 18
        }

        // Time axis: ticks at 1, 2 or 5 times a power of ten, labelled in the unit of the span.
        let axisY = y + 2
        body.append(SVG.line(left, axisY, left + plotWidth, axisY))
        let unit = TimeUnit.forSpan(span)
        let step = niceStep(span: span, target: 8)
        var tick = (model.from + step - 1) / step * step
        while tick <= model.to {
            let x = left + Double(tick - model.from) * scale
            body.append(SVG.line(x, axisY, x, axisY + 5))
            let value = Fmt.trimmed(Double(tick) / Double(unit.nanoseconds), 3)
            body.append(SVG.text(value, x: x, y: axisY + 18, size: 11, anchor: "middle"))
            tick += step
        }
        body.append(SVG.text("time (\(unit.name))", x: left + plotWidth / 2, y: axisY + 36, anchor: "middle"))

        // Legend.
        var ly = axisY + 56
        let groups: [(String, [(String, String)])] = [
            (
                "CPU",
                [
                    ("user", Mark.user.colour), ("syscall", Mark.syscall.colour), ("irq (ISR)", Mark.irq.colour),
                    ("deferred (\(deferredName))", Mark.deferred.colour), ("polling", Mark.polling.colour),
                    ("switch", Mark.contextSwitch.colour), ("idle", Self.laneColour),
                ]
            ),
            (
                "thread",
                [
                    ("running", Mark.running.colour), ("runnable", Mark.runnable.colour),
                    ("blocked", Mark.blocked.colour), ("alertable wait", Mark.alertable.colour),
                    ("waking", Mark.waking.colour),
                ]
            ),
            (
                "device",
                [
                    ("requests in service (height: count)", Self.deviceColour),
                    ("interrupt (ISR start)", Mark.irq.colour),
                ]
            ),
        ]
        for (heading, entries) in groups {
            body.append(SVG.text(heading, x: 12, y: ly + 11, bold: true))
            var x = left
            for (name, colour) in entries {
                let w = 22 + Double(name.count) * 7.0
                if x + w > Double(width) - Self.rightMargin {
                    x = left
                    ly += 20
                }
                body.append(SVG.rect(x, ly, 14, 14, fill: colour, stroke: "#888888"))
                body.append(SVG.text(name, x: x + 19, y: ly + 11))
                x += w + 14
            }
            ly += 22
        }
        return SVG.document(width: width, height: Int((ly + 8).rounded(.up)), body: body)
    }

    static let deviceColour = "#499894"
    static let laneColour = "#f3f3f3"

    func laneShapes(_ lane: TimelineLane, y: Double, left: Double, plotWidth: Double, scale: Double) -> [String] {
        var out: [String] = []
        let h = Self.laneHeight
        switch lane.kind {
        case .interrupt:
            var lastX = -1.0
            for t in lane.instants {
                let x = ((left + Double(t - model.from) * scale) * 2).rounded() / 2
                if x == lastX { continue }
                lastX = x
                out.append(SVG.line(x, y + 1, x, y + h - 1, stroke: Mark.irq.colour, width: 1.5))
            }
        case .device:
            let maxN = Double(max(1, model.maxInService))
            if lane.segments.count <= Int(plotWidth) * 4 {
                for s in lane.segments {
                    let x = left + Double(s.start - model.from) * scale
                    let w = max(0.5, Double(s.end - s.start) * scale)
                    let bh = h * Double(s.value) / maxN
                    out.append(SVG.rect(x, y + h - bh, w, bh, fill: Self.deviceColour))
                }
            } else {
                let columns = model.buckets(lane, count: Int(plotWidth))
                for (i, n) in columns.enumerated() where (n ?? 0) > 0 {
                    let bh = h * Double(n!) / maxN
                    out.append(SVG.rect(left + Double(i), y + h - bh, 1, bh, fill: Self.deviceColour))
                }
            }
        case .cpu, .thread:
            if lane.segments.count <= Int(plotWidth) * 4 {
                for s in lane.segments where s.value != Mark.idle.rawValue {
                    let x = left + Double(s.start - model.from) * scale
                    let w = max(0.5, Double(s.end - s.start) * scale)
                    out.append(SVG.rect(x, y, w, h, fill: Mark(rawValue: s.value)!.colour))
                }
            } else {
                let columns = model.buckets(lane, count: Int(plotWidth))
                var i = 0
                while i < columns.count {
                    var j = i + 1
                    while j < columns.count && columns[j] == columns[i] { j += 1 }
                    if let m = columns[i], m != Mark.idle.rawValue {
                        out.append(SVG.rect(left + Double(i), y, Double(j - i), h, fill: Mark(rawValue: m)!.colour))
                    }
                    i = j
                }
            }
        }
        return out
    }
}
