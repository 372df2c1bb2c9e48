//! `expect` blocks: assertions on result key paths, such as `"threads.attachedShare": "== 0"`.

import IOSimCore

/// One assertion on a number of the result document.
public struct Expectation: Sendable, Equatable {
    public enum Comparison: String, Sendable, Equatable {
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        /// `~ X ± T`: within a tolerance (absolute, or relative when written as a percentage).
        case approximately = "~"
    }
    /// The result key path, as in the JSON output.
    public var keyPath: String
    public var comparison: Comparison
    /// The target, in the key's own unit (nanoseconds, bytes, fractions, counts).
    public var target: Double
    /// For `~`: the allowed difference; relative (a fraction of the target) when `relative`.
    public var tolerance: Double
    public var relative: Bool
    /// As written, for reports.
    public var text: String
    public var location: SourceLocation?

    /// Whether `actual` satisfies the expectation.
    public func holds(for actual: Double) -> Bool {
        switch comparison {
        case .equal: return actual == target
        case .notEqual: return actual != target
        case .less: return actual < target
        case .lessOrEqual: return actual <= target
        case .greater: return actual > target
        case .greaterOrEqual: return actual >= target
        case .approximately:
            let allowed = relative ? abs(target) * tolerance : tolerance
            return abs(actual - target) <= allowed
        }
    }

    static func parseAll(_ v: JSON5Value) throws(ScenarioError) -> [Expectation] {
        let f = try Fields(v, path: "expect")
        var result: [Expectation] = []
        for m in f.members {
            let path = "expect.\(m.key)"
            switch m.value.kind {
            case .number(let n):
                result.append(
                    Expectation(
                        keyPath: m.key, comparison: .equal, target: n.doubleValue, tolerance: 0, relative: false,
                        text: "== \(n.text)", location: m.keyLocation))
            case .string(let s):
                var e = try parse(s, at: m.value.location, path: path)
                e.keyPath = m.key
                e.location = m.keyLocation
                result.append(e)
            default:
                throw Read.fail(
                    m.value, path, "expected a condition such as \"== 0\" or \"< 100us\", found \(m.value.briefDescription)")
            }
        }
        return result
    }

    /// Parses "== 0", "< 100us", "<= 5%", "> 4KiB", "~ 83us ± 2%" (also "+-").
    public static func parse(_ text: String, at location: SourceLocation?, path: String) throws(ScenarioError) -> Expectation {
        let trimmed = text.trimmingSpaces
        let operators: [Comparison] = [.equal, .notEqual, .lessOrEqual, .greaterOrEqual, .less, .greater, .approximately]
        guard let op = operators.first(where: { trimmed.hasPrefix($0.rawValue) }) else {
            throw ScenarioError(
                location: location, keyPath: path, message: "expected a condition such as \"== 0\" or \"< 100us\", found \"\(text)\"",
                hint: "conditions start with ==, !=, <, <=, >, >= or ~ (approximately: \"~ 83us ± 2%\")")
        }
        var rest = String(trimmed.dropFirst(op.rawValue.count)).trimmingSpaces
        var tolerance = 0.0
        var relative = false
        if op == .approximately {
            let normalized = rest.replacingPlusMinus
            guard let sep = normalized.firstIndex(of: "±") else {
                throw ScenarioError(
                    location: location, keyPath: path, message: "expected a tolerance such as \"~ 83us ± 2%\", found \"\(text)\"")
            }
            let tol = String(normalized[normalized.index(after: sep)...]).trimmingSpaces
            rest = String(normalized[..<sep]).trimmingSpaces
            if tol.hasSuffix("%") {
                relative = true
                tolerance = try number(tol, location, path, text)
            } else {
                tolerance = try number(tol, location, path, text)
            }
        }
        let target = try number(rest, location, path, text)
        return Expectation(
            keyPath: path, comparison: op, target: target, tolerance: tolerance, relative: relative, text: trimmed,
            location: location)
    }

    /// A number with an optional unit: durations to ns, sizes to bytes, percentages to fractions.
    static func number(_ s: String, _ location: SourceLocation?, _ path: String, _ whole: String) throws(ScenarioError) -> Double {
        if s.hasSuffix("%"), case .success(let ppm) = Units.parsePercentPPM(s) { return Double(ppm) / 1_000_000 }
        if let d = Double(s), d.isFinite { return d }
        if case .success(let ns) = Units.parseDuration(s) { return Double(ns) }
        if case .success(let bytes) = Units.parseSize(s) { return Double(bytes) }
        throw ScenarioError(
            location: location, keyPath: path, message: "expected a number such as 0.5, \"80us\", \"4KiB\" or \"5%\" in \"\(whole)\", found \"\(s)\"")
    }
}

extension String {
    /// "+-" written as "±".
    var replacingPlusMinus: String {
        var out = ""
        var previous: Character? = nil
        for c in self {
            if previous == "+" && c == "-" {
                out.removeLast()
                out.append("±")
            } else {
                out.append(c)
            }
            previous = c
        }
        return out
    }

    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
