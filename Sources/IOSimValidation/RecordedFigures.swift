//! The figures a profile records: `iosim calibrate` writes every measured figure into the profile's header
//! comment ("//   read latency 4KiB QD1   77.42us (75.38us - 78.73us, 5 repeats)"), so the fit can run again
//! on the same measurement (`iosim calibrate --from PROFILE`), with other given costs or a changed fit, without
//! measuring the machine again, whose state moves between measurements.

import IOSimCore
import IOSimReal
import IOSimScenario

extension Calibration {
    /// The header line that opens the figures in a profile (`profile(for:)`).
    public static let figuresHeading = "// Figures are medians (minimum - maximum over the repeats)."

    /// The header line that says how the profile's irq + softirq figures were measured.
    static func interruptTimeLine(_ source: InterruptTimeSource) -> String {
        switch source {
        case .trace: return "// irq+softirq figures: traced (the irq tracepoints, --irq-time trace)."
        case .ticks: return "// irq+softirq figures: /proc/stat's irq and softirq (tick samples unless the kernel accounts IRQ time)."
        }
    }

    /// The header line that says the profile's system figures are the busy time the idle time leaves, less the
    /// traced irq + softirq and the user time (`RealMeasurement.machineSystemNanoseconds`); without it they are
    /// /proc/stat's system ticks, as in every profile written before it.
    static let systemFromIdleLine =
        "// system figures: the busy time the idle time leaves (elapsed on every CPU less idle, iowait and steal), "
        + "less the traced irq + softirq and /proc/stat's user time."

    /// The figures recorded in the profile at `path`, to the precision printed there, the CPU count of its
    /// `machine.cpus`, and the costs it was given (a value whose comment reads "given (--given KEY)").
    /// - Throws: `LoadError.file` when the file cannot be read; `LoadError.data` (with the line and column) when
    ///   it is not JSON5, names no CPU count, records no figures, or a figure line is not as calibrate writes it.
    public static func recordedFigures(inProfileAt path: String) throws(LoadError) -> RecordedFigures {
        let bytes = try ScenarioLoader.readFile(path)
        return try recordedFigures(text: String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// As `recordedFigures(inProfileAt:)`, from the profile's text (`path` names it in errors).
    public static func recordedFigures(text: String, path: String) throws(LoadError) -> RecordedFigures {
        let tree = try ScenarioLoader.tree(text: text, path: path)
        func dataError(_ line: Int, _ column: Int, _ keyPath: String, _ message: String, hint: String? = nil) -> LoadError {
            .data(ScenarioError(location: SourceLocation(file: path, line: line, column: column), keyPath: keyPath, message: message, hint: hint))
        }
        guard let machine = tree.member("machine")?.value, let cpus = machine.member("cpus") else {
            throw dataError(
                tree.location.line, tree.location.column, "machine.cpus", "expected the CPU count the profile was measured on",
                hint: "a profile written by `iosim calibrate -o` has it")
        }
        guard case .number(let n) = cpus.value.kind, let count = n.int64Value, count >= 1, count <= 4096 else {
            throw dataError(
                cpus.value.location.line, cpus.value.location.column, "machine.cpus",
                "expected a whole number of CPUs in 1...4096, found \(cpus.value.briefDescription)")
        }

        // By LF, as the JSON5 reader counts lines ("\r\n" is one Character: split on both).
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard let heading = lines.firstIndex(where: { $0.trimmingTrailingSpaces == figuresHeading }) else {
            throw dataError(
                1, 1, "", "expected the figures calibrate recorded, after the line \"\(figuresHeading)\"",
                hint: "only a profile written by `iosim calibrate` records its figures")
        }
        let known = Set(FigureName.all)
        var figures: [CalibrationFigure] = []
        for index in lines.index(after: heading)..<lines.endIndex {
            let line = Array(lines[index].utf8)
            let number = index + 1
            // "//   name<two or more spaces>spread"; the first line that is not one ends the figures.
            guard line.count > 5, line[0] == UInt8(ascii: "/"), line[1] == UInt8(ascii: "/"), line[2] == UInt8(ascii: " "),
                line[3] == UInt8(ascii: " "), line[4] == UInt8(ascii: " ")
            else { break }
            var nameEnd = 5
            while nameEnd < line.count,
                !(nameEnd + 1 < line.count && line[nameEnd] == UInt8(ascii: " ") && line[nameEnd + 1] == UInt8(ascii: " "))
            {
                nameEnd += 1
            }
            let name = String(decoding: line[5..<nameEnd], as: UTF8.self)
            guard known.contains(name) || FigureName.roundTripCPU(name) != nil || FigureName.wokenElsewhereCPU(name) != nil else {
                throw dataError(
                    number, 6, "", "expected the name of a figure calibrate measures, found \(JSON5Text.quoted(name))",
                    hint: "the names are those `iosim calibrate` prints, such as \"\(FigureName.readLatency(bytes: 4096))\"")
            }
            var spreadStart = nameEnd
            while spreadStart < line.count, line[spreadStart] == UInt8(ascii: " ") { spreadStart += 1 }
            let spread = String(decoding: line[spreadStart...], as: UTF8.self).trimmingTrailingSpaces
            switch parseSpread(spread, name: name) {
            case .success(let f): figures.append(f)
            case .failure(let e):
                throw dataError(
                    number, spreadStart + 1, "", "\(name): expected a figure as calibrate writes it, such as "
                        + "\"77.42us (75.38us - 78.73us, 5 repeats)\" or \"12828 IOPS (12614 - 13188, 5 repeats)\"; \(e.message)")
            }
        }
        if figures.isEmpty {
            throw dataError(
                heading + 2, 1, "", "expected the figures calibrate recorded after the line \"\(figuresHeading)\", found none")
        }
        // The given costs: each value whose comment names its --given (`profile(for:)` writes them so).
        var given: [GivenCost] = []
        for key in GivenCost.Key.allCases where text.contains("// " + key.note) {
            let parts = key.rawValue.split(separator: ".").map(String.init)
            guard let member = tree.member(parts[0])?.value.member(parts[1]) else { continue }
            guard case .string(let written) = member.value.kind, case .success(let ns) = Units.parseDuration(written) else {
                throw dataError(
                    member.value.location.line, member.value.location.column, key.rawValue,
                    "expected the duration it was given, such as \"15us\", found \(member.value.briefDescription)")
            }
            given.append(GivenCost(key: key, value: .nanoseconds(ns)))
        }
        func headerHas(_ line: String) -> Bool { lines.prefix(heading).contains { $0.trimmingTrailingSpaces == line } }
        return RecordedFigures(
            figures: figures, cpuCount: Int(count), given: given, interruptTime: headerHas(interruptTimeLine(.trace)) ? .trace : .ticks,
            systemFromIdle: headerHas(systemFromIdleLine))
    }

    /// One figure from its recorded spread: "4.28us (3.72us - 4.5us, 5 repeats)" (a duration, unit "ns") or
    /// "12828 IOPS (12614 - 13188, 5 repeats)" (a number and its unit); the failure says what did not read.
    static func parseSpread(_ text: String, name: String) -> Result<CalibrationFigure, RecordedFigureError> {
        guard text.hasSuffix(")"), let open = text.ranges(of: " (").last else {
            return .failure(RecordedFigureError(message: "found \(JSON5Text.quoted(text))"))
        }
        let head = String(text[..<open.lowerBound])
        let inner = text[open.upperBound..<text.index(before: text.endIndex)]
        let parts = inner.split(separator: ", ", omittingEmptySubsequences: false).map(String.init)
        let range = parts.first?.split(separator: " - ", omittingEmptySubsequences: false).map(String.init) ?? []
        guard parts.count == 2, range.count == 2 else {
            return .failure(RecordedFigureError(message: "found \(JSON5Text.quoted(String(inner))) in the parentheses"))
        }
        let countText = parts[1].hasSuffix(" repeats") ? parts[1].dropLast(8) : parts[1].hasSuffix(" repeat") ? parts[1].dropLast(7) : ""
        guard let repeats = Int(countText), repeats >= 1 else {
            return .failure(RecordedFigureError(message: "found \(JSON5Text.quoted(parts[1])) where the repeats are"))
        }
        // A duration has no space before its unit; anything else is "number unit" ("12828 IOPS", "1.00 per IO").
        let unit: String
        let read: (String) -> Double?
        if let space = head.firstIndex(of: " ") {
            unit = String(head[head.index(after: space)...])
            read = plainNumber
        } else {
            unit = "ns"
            read = { t in if case .success(let ns) = Units.parseDuration(t) { Double(ns) } else { nil } }
        }
        let medianText = head.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
        guard let median = read(medianText), let minimum = read(range[0]), let maximum = read(range[1]),
            median <= maxValue, minimum <= maxValue, maximum <= maxValue
        else {
            return .failure(RecordedFigureError(message: "found \(JSON5Text.quoted(text))"))
        }
        guard minimum <= median, median <= maximum else {
            return .failure(RecordedFigureError(message: "the median is not between the minimum and the maximum in \(JSON5Text.quoted(text))"))
        }
        if unit == "CPU", median.rounded() != median {
            return .failure(RecordedFigureError(message: "a CPU is a whole number, found \(JSON5Text.quoted(medianText))"))
        }
        if unit == "share", maximum > 1 {
            return .failure(RecordedFigureError(message: "a share is at most 1, found \(JSON5Text.quoted(range[1]))"))
        }
        return .success(
            CalibrationFigure(name: name, unit: unit, median: median, minimum: minimum, maximum: maximum, repeats: repeats))
    }

    /// The largest figure read back: beyond it the fit's conversions to whole numbers would overflow.
    static let maxValue = 1e15

    /// A number as calibrate writes one: digits, a point and digits; no sign, exponent or other base.
    static func plainNumber(_ text: String) -> Double? {
        var digits = 0, points = 0
        for c in text.utf8 {
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") { digits += 1 } else if c == UInt8(ascii: ".") { points += 1 } else { return nil }
        }
        guard digits > 0, points <= 1, text.first != ".", text.last != "." else { return nil }
        return Double(text)
    }

    /// Fits the figures recorded in the profile at `path` again, as `run` fits what it measured (`quick`: on
    /// the small search grid), with the costs the profile was given and `given` over them; nothing is
    /// measured. The test file's size is not recorded: the buffered cold run is modelled on calibrate's default
    /// file (256 MiB).
    /// `searched` is called after each candidate device the search has run the model on.
    public static func refit(
        profileAt path: String, given: [GivenCost] = [], quick: Bool = false, searched: (() -> Void)? = nil
    ) throws(LoadError) -> CalibrationReport {
        let recorded = try recordedFigures(inProfileAt: path)
        let costs = recorded.given.filter { !given.contains($0.key) } + given
        return fit(
            recorded.figures, cpuCount: recorded.cpuCount, parallelism: searchGrid(quick: quick), given: costs,
            interruptTime: recorded.interruptTime, systemFromIdle: recorded.systemFromIdle, searched: searched)
    }
}

/// What a profile records of the calibration that wrote it (`Calibration.recordedFigures`).
public struct RecordedFigures: Sendable, Equatable {
    /// The measured figures, to the precision printed.
    public var figures: [CalibrationFigure]
    /// `machine.cpus`.
    public var cpuCount: Int
    /// The costs the calibration was given, in `GivenCost.Key` order.
    public var given: [GivenCost]
    /// How its irq + softirq figures were measured (the profile's header line says so; ticks when it does not).
    public var interruptTime: InterruptTimeSource = .ticks
    /// Whether its system figures were taken from the idle time (`Calibration.systemFromIdleLine`).
    public var systemFromIdle = false
}

/// Why a recorded figure did not read (`Calibration.parseSpread`).
struct RecordedFigureError: Error, Equatable {
    var message: String
}

extension StringProtocol {
    fileprivate var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\r" || last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
