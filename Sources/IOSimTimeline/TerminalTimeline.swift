//! A compact Gantt chart of a recorded trace for the terminal.

import IOSimCore
import IOSimModel

/// A text Gantt chart of a recorded trace: one row per CPU, per thread, the device and the interrupt line,
/// one character per time bucket, within a fixed total width (100 columns by default, labels included).
///
/// ```text
/// CPU 0  |ww..........IDD....wwSUUSS........|
/// ui     |RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR|
/// device |....1111111111....................|
/// ```
/// Each character shows the state with the most time in its bucket; on a CPU row an ISR or deferred routine
/// is never hidden by idle time (a 2 us ISR in a mostly idle bucket still shows as `I`); the device row
/// shows the most requests in service at any point of the bucket. Deterministic: the same events give the
/// same text. ANSI colour only when asked (see `shouldUseColour`).
public struct TerminalTimeline {
    let model: TimelineModel
    let deferredName: String

    /// - Parameters:
    ///   - events: a recorded trace (`TraceRecorder.events`).
    ///   - end: the end of the run (`SimulationResult.elapsed` after the start); nil: the last event.
    ///   - from: the window's start (nil: the start of the run).
    ///   - to: the window's end (nil: `end`).
    ///   - maxThreads: at most this many thread rows (the first threads alive in the window); a line says how
    ///     many more there were.
    ///   - deferredName: what the legend calls the deferred routine ("DPC", "softirq").
    public init(
        events: [TraceEvent], end: SimInstant? = nil, from: SimInstant? = nil, to: SimInstant? = nil,
        maxThreads: Int = 24, deferredName: String = "DPC"
    ) {
        model = TimelineModel(events: events, end: end, from: from, to: to, maxThreads: maxThreads)
        self.deferredName = deferredName
    }

    /// Whether to colour: only on a terminal, and never when NO_COLOR is set (to anything non-empty).
    public static func shouldUseColour(isTTY: Bool, environment: [String: String]) -> Bool {
        isTTY && (environment["NO_COLOR"] ?? "").isEmpty
    }

    /// The chart, legend included, every line at most `width` columns (at least 40) when `colour` is false;
    /// with colour, the same text with ANSI escapes around the bars. Ends with a newline.
    public func render(width: Int = 100, colour: Bool = false) -> String {
        let width = max(40, width)
        let longest = model.lanes.map { $0.name.count }.max() ?? 6
        let labelWidth = min(18, max(8, longest))
        let bars = width - labelWidth - 3
        let span = model.to - model.from
        let unit = TimeUnit.forSpan(span)
        var lines: [String] = []

        let perColumn = Double(span) / Double(bars)
        let column = Int64(perColumn.rounded())
        let header =
            "time \(unit.format(model.from, decimals: 2)) to \(unit.format(model.to, decimals: 2)), "
            + "1 column = \(TimeUnit.forSpan(column).format(column, decimals: 2))"
        lines.append(String(header.prefix(width)))

        let lastThread = model.lanes.lastIndex { $0.kind == .thread }
        for (index, lane) in model.lanes.enumerated() {
            let cells = model.buckets(lane, count: bars)
            var row: [(Character, String)] = []
            for cell in cells {
                switch lane.kind {
                case .cpu, .thread:
                    if let m = cell.flatMap(Mark.init(rawValue:)) {
                        row.append((m.symbol, m.ansi))
                    } else {
                        row.append((" ", ""))
                    }
                case .device:
                    let n = cell ?? 0
                    row.append(n == 0 ? (".", "2") : n > 9 ? ("+", "1;36") : (Character("\(n)"), "36"))
                case .interrupt:
                    row.append(cell == nil ? (" ", "") : ("^", "1;31"))
                }
            }
            lines.append(pad(lane.name, labelWidth) + " |" + paint(row, colour) + "|")
            if index == lastThread && model.hiddenThreads > 0 {
                lines.append("(\(model.hiddenThreads) more thread\(model.hiddenThreads == 1 ? "" : "s") not shown)")
            }
        }

        // Axis: ticks every 10 columns, start, middle and end labels.
        let indent = String(repeating: " ", count: labelWidth + 1)
        var ticks = ""
        for i in 0..<(bars + 2) { ticks.append(i == 0 || i == bars + 1 || (i % 10 == 0) ? "+" : "-") }
        lines.append(indent + ticks)
        let start = unit.format(model.from, decimals: 2)
        let end = unit.format(model.to, decimals: 2)
        let middle = unit.format(model.from + span / 2, decimals: 2)
        var axis = [Character](repeating: " ", count: bars + 2)
        func place(_ text: String, at column: Int) {
            let c = min(max(0, column), axis.count - text.count)
            for (k, ch) in text.enumerated() where c + k >= 0 && c + k < axis.count { axis[c + k] = ch }
        }
        place(start, at: 0)
        if bars > start.count + middle.count + end.count + 6 { place(middle, at: (bars + 2) / 2 - middle.count / 2) }
        place(end, at: bars + 2 - end.count)
        lines.append(indent + String(axis))

        lines.append(
            "CPU:    U user  S syscall  I ISR (irq)  D \(deferredName) (deferred)  P polling  w switch  . idle")
        lines.append("thread: R running  r runnable  b blocked  a alertable wait  k waking  (blank: not alive)")
        lines.append("device: 1-9 requests in service, + 10 or more, . none   interrupt line: ^ an ISR starts")
        lines.append("A column shows what took most of its time; an ISR or \(deferredName) shows even when brief.")
        return lines.map { $0.count > width && !colour ? String($0.prefix(width)) : $0 }.joined(separator: "\n") + "\n"
    }

    func pad(_ s: String, _ n: Int) -> String {
        if s.count > n { return String(s.prefix(n - 1)) + "~" }
        return s + String(repeating: " ", count: n - s.count)
    }

    func paint(_ row: [(Character, String)], _ colour: Bool) -> String {
        guard colour else { return String(row.map(\.0)) }
        var out = ""
        var i = 0
        while i < row.count {
            var j = i
            var run = ""
            while j < row.count && row[j].1 == row[i].1 {
                run.append(row[j].0)
                j += 1
            }
            out += row[i].1.isEmpty ? run : "\u{1B}[\(row[i].1)m\(run)\u{1B}[0m"
            i = j
        }
        return out
    }
}
