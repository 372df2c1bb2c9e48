//! Line charts of a sweep: the swept parameter against IOPS, latency percentiles and CPU busy share.

import Foundation

/// Line charts for a sweep, one panel per metric, as a standalone SVG: each panel has a y axis from zero
/// with "nice" ticks and the metric's unit, an x axis labelled with the swept parameter and its values,
/// one coloured line (with dots) per series and a legend. A nil value leaves a gap in its line.
///
/// ```swift
/// let chart = SVGLineChart.sweep(
///     parameter: "interrupts.coalesceCount", xLabels: ["1", "2", "4", "8"],
///     iops: [...], p50Nanoseconds: [...], p99Nanoseconds: [...], cpuBusyShare: [...])
/// try chart.render().write(toFile: "sweep.svg", atomically: true, encoding: .utf8)
/// ```
/// Deterministic (fixed number formatting); well-formed XML (names are escaped).
public struct SVGLineChart: Sendable {
    /// How x values are placed.
    public enum XScale: Sendable, Equatable {
        /// Evenly, in the given order (any labels).
        case even
        /// At their numeric values (falls back to `even` if a label is not a number).
        case linear
        /// At the logarithm of their values (falls back to `even` unless every label is a positive number).
        case logarithmic
    }

    /// One line.
    public struct Series: Sendable, Equatable {
        /// The legend's name for the line.
        public var name: String
        /// One value per x value (nil: no point there).
        public var values: [Double?]
        public init(name: String, values: [Double?]) {
            self.name = name
            self.values = values
        }
    }

    /// One chart.
    public struct Panel: Sendable, Equatable {
        /// The panel's heading (the unit is added in parentheses).
        public var title: String
        /// The y axis unit ("IO/s", "us", "%").
        public var unit: String
        /// The lines, coloured in order.
        public var series: [Series]
        public init(title: String, unit: String, series: [Series]) {
            self.title = title
            self.unit = unit
            self.series = series
        }
    }

    /// The swept parameter's name: the x axis title.
    public var parameter: String
    /// The swept values, in order (one per point of every series).
    public var xLabels: [String]
    /// How the values are placed on the x axis.
    public var xScale: XScale
    /// The charts, laid out `columns` per row.
    public var panels: [Panel]
    /// A heading over all panels.
    public var title: String?
    /// Panels per row.
    public var columns: Int = 2

    /// - Parameters:
    ///   - parameter: the swept parameter's name (the x axis title).
    ///   - xLabels: its values, in order.
    ///   - xScale: how to place them.
    ///   - panels: the charts.
    ///   - title: a heading over all panels.
    public init(parameter: String, xLabels: [String], xScale: XScale = .even, panels: [Panel], title: String? = nil) {
        self.parameter = parameter
        self.xLabels = xLabels
        self.xScale = xScale
        self.panels = panels
        self.title = title
    }

    /// The usual sweep charts: IOPS; p50 and p99 latency (in us, or ms when p99 reaches 10 ms); CPU busy
    /// share (in %).
    /// - Parameters:
    ///   - p50Nanoseconds: latency percentiles in nanoseconds.
    ///   - cpuBusyShare: busy share of all CPUs, 0...1.
    public static func sweep(
        parameter: String, xLabels: [String], xScale: XScale = .even, iops: [Double?], p50Nanoseconds: [Double?],
        p99Nanoseconds: [Double?], cpuBusyShare: [Double?], title: String? = nil
    ) -> SVGLineChart {
        let worst = (p99Nanoseconds + p50Nanoseconds).compactMap { $0 }.max() ?? 0
        let (unit, divisor) = worst >= 10_000_000 ? ("ms", 1e6) : ("us", 1e3)
        return SVGLineChart(
            parameter: parameter, xLabels: xLabels, xScale: xScale,
            panels: [
                Panel(title: "IOPS", unit: "IO/s", series: [Series(name: "IOPS", values: iops)]),
                Panel(
                    title: "Latency", unit: unit,
                    series: [
                        Series(name: "p50", values: p50Nanoseconds.map { $0.map { $0 / divisor } }),
                        Series(name: "p99", values: p99Nanoseconds.map { $0.map { $0 / divisor } }),
                    ]),
                Panel(
                    title: "CPU busy", unit: "%",
                    series: [Series(name: "CPU busy", values: cpuBusyShare.map { $0.map { $0 * 100 } })]),
            ], title: title)
    }

    static let palette = ["#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948", "#9c755f"]
    static let panelWidth = 560.0
    static let panelHeight = 300.0

    /// The SVG document.
    public func render() -> String {
        let cols = max(1, min(columns, panels.count))
        let rows = (panels.count + cols - 1) / cols
        let top = title == nil ? 8.0 : 40.0
        let width = Int(Double(cols) * Self.panelWidth + 16)
        let height = Int(top + Double(rows) * Self.panelHeight + 8)
        var body: [String] = []
        if let title { body.append(SVG.text(title, x: 12, y: 26, size: 16, bold: true)) }
        let positions = xPositions()
        for (i, panel) in panels.enumerated() {
            let ox = 8 + Double(i % cols) * Self.panelWidth
            let oy = top + Double(i / cols) * Self.panelHeight
            body += draw(panel, ox: ox, oy: oy, positions: positions)
        }
        return SVG.document(width: width, height: height, body: body)
    }

    /// x positions in 0...1.
    func xPositions() -> [Double] {
        let n = xLabels.count
        if n == 0 { return [] }
        if n == 1 { return [0.5] }
        let even = (0..<n).map { Double($0) / Double(n - 1) }
        let numbers = xLabels.compactMap { Double($0.filter { $0 != "_" && $0 != "," }) }
        guard xScale != .even, numbers.count == n else { return even }
        var values = numbers
        if xScale == .logarithmic {
            guard values.allSatisfy({ $0 > 0 }) else { return even }
            values = values.map { log10($0) }
        }
        let lo = values.min()!
        let hi = values.max()!
        guard hi > lo else { return even }
        return values.map { ($0 - lo) / (hi - lo) }
    }

    func draw(_ panel: Panel, ox: Double, oy: Double, positions: [Double]) -> [String] {
        var out: [String] = []
        let plotLeft = ox + 70
        let plotRight = ox + Self.panelWidth - 20
        let plotTop = oy + 50
        let plotBottom = oy + Self.panelHeight - 70
        let plotW = plotRight - plotLeft
        let plotH = plotBottom - plotTop
        out.append(SVG.text("\(panel.title) (\(panel.unit))", x: ox + 10, y: oy + 22, size: 14, bold: true))

        // y axis: 0 to a nice maximum, grid lines at each tick.
        let maxValue = panel.series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite).max() ?? 0
        let (step, top) = Self.niceAxis(max(maxValue, 0))
        var k = 0
        while Double(k) * step <= top * (1 + 1e-9) {
            let v = Double(k) * step
            let y = plotBottom - v / top * plotH
            out.append(SVG.line(plotLeft, y, plotRight, y, stroke: "#e0e0e0"))
            out.append(SVG.text(Self.compact(v), x: plotLeft - 6, y: y + 4, size: 11, anchor: "end"))
            k += 1
        }
        out.append(SVG.text(panel.unit, x: ox + 16, y: plotTop + plotH / 2, anchor: "middle", rotate: true))
        out.append(SVG.line(plotLeft, plotTop, plotLeft, plotBottom))
        out.append(SVG.line(plotLeft, plotBottom, plotRight, plotBottom))

        // x axis: a tick per value, labels thinned to fit.
        let inset = 12.0
        func xAt(_ i: Int) -> Double { plotLeft + inset + positions[i] * (plotW - 2 * inset) }
        let longest = Double(xLabels.map(\.count).max() ?? 1)
        let every = max(1, Int((Double(xLabels.count) * (longest * 6.5 + 8) / plotW).rounded(.up)))
        for i in xLabels.indices {
            let x = xAt(i)
            out.append(SVG.line(x, plotBottom, x, plotBottom + 5))
            if i % every == 0 {
                out.append(SVG.text(xLabels[i], x: x, y: plotBottom + 18, size: 11, anchor: "middle"))
            }
        }
        out.append(SVG.text(parameter, x: plotLeft + plotW / 2, y: plotBottom + 38, anchor: "middle"))

        // Lines and dots; a missing value breaks the line.
        for (k, series) in panel.series.enumerated() {
            let colour = Self.palette[k % Self.palette.count]
            var run: [String] = []
            func flush() {
                if run.count > 1 {
                    let points = run.joined(separator: " ")
                    out.append("<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>")
                }
                run = []
            }
            for i in xLabels.indices {
                guard i < series.values.count, let value = series.values[i], value.isFinite else {
                    flush()
                    continue
                }
                let x = xAt(i)
                let y = plotBottom - max(0, value) / top * plotH
                run.append("\(SVG.n(x)),\(SVG.n(y))")
                out.append("<circle cx=\"\(SVG.n(x))\" cy=\"\(SVG.n(y))\" r=\"3\" fill=\"\(colour)\"/>")
            }
            flush()
        }

        // Legend, top right.
        var lx = plotRight
        for (k, series) in panel.series.enumerated().reversed() {
            lx -= 26 + Double(series.name.count) * 7
            out.append(SVG.line(lx, oy + 36, lx + 16, oy + 36, stroke: Self.palette[k % Self.palette.count], width: 2))
            out.append(SVG.text(series.name, x: lx + 20, y: oy + 40))
        }
        return out
    }

    /// A tick step (1, 2, 2.5 or 5 times a power of ten) and the axis top (a multiple of it) for data up to `value`.
    static func niceAxis(_ value: Double) -> (step: Double, top: Double) {
        guard value > 0 else { return (1, 1) }
        let raw = value / 5
        var power = 1.0
        while power * 10 <= raw { power *= 10 }
        while power > raw { power /= 10 }
        var step = power * 10
        for m in [1.0, 2.0, 2.5, 5.0, 10.0] where power * m >= raw {
            step = power * m
            break
        }
        let top = (value / step).rounded(.up) * step
        return (step, top == 0 ? step : top)
    }

    /// 1234567 -> "1.23M", 45000 -> "45k", 12.5 -> "12.5".
    static func compact(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e9 { return Fmt.trimmed(v / 1e9, 2) + "G" }
        if a >= 1e6 { return Fmt.trimmed(v / 1e6, 2) + "M" }
        if a >= 1e4 { return Fmt.trimmed(v / 1e3, 1) + "k" }
        return Fmt.trimmed(v, 2)
    }
}
