//! Reading typed values out of a parsed JSON5 tree, with the position and key path of every error, and
//! unknown keys reported with a did-you-mean suggestion.

import IOSimCore

/// The members of one JSON5 object, read key by key; `finish()` rejects the keys nobody asked for.
struct Fields {
    let object: JSON5Value
    let path: String
    let members: [JSON5Member]
    private var used: [String] = []
    private var known: [String] = []

    init(_ value: JSON5Value, path: String) throws(ScenarioError) {
        guard case .object(let members) = value.kind else {
            throw ScenarioError(
                location: value.location, keyPath: path, message: "expected an object, found \(value.briefDescription)",
                hint: "an object is written { key: value, ... }")
        }
        self.object = value
        self.path = path
        self.members = members
    }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value of `key`, if present; marks the key as known either way.
    mutating func take(_ key: String) -> JSON5Value? {
        known.append(key)
        for m in members where m.key == key {
            used.append(key)
            return m.value
        }
        return nil
    }

    /// Marks keys as allowed without reading them (read elsewhere).
    mutating func allow(_ keys: String...) {
        for key in keys {
            known.append(key)
            if members.contains(where: { $0.key == key }) { used.append(key) }
        }
    }

    /// Throws for the first member whose key was never asked for, suggesting the closest known key.
    func finish() throws(ScenarioError) {
        for m in members where !used.contains(m.key) {
            let suggestion = Fields.closest(to: m.key, in: known)
            var hint = "known keys here: \(known.joined(separator: ", "))"
            if let s = suggestion { hint = "did you mean '\(s)'? " + hint }
            throw ScenarioError(location: m.keyLocation, keyPath: child(m.key), message: "unknown key '\(m.key)'", hint: hint)
        }
    }

    /// The known key within edit distance 2 (or a third of the key's length) of `key`, if any.
    static func closest(to key: String, in candidates: [String]) -> String? {
        var best: (String, Int)? = nil
        let lower = key.lowercased()
        for c in candidates {
            let d = editDistance(lower, c.lowercased())
            if d <= max(2, key.count / 3) && (best == nil || d < best!.1) { best = (c, d) }
        }
        return best?.0
    }
}

/// Converters from JSON5 values to typed values; each throws a positioned error naming what it expected.
enum Read {
    static func fail(_ v: JSON5Value, _ path: String, _ message: String, hint: String? = nil) -> ScenarioError {
        ScenarioError(location: v.location, keyPath: path, message: message, hint: hint)
    }

    static func string(_ v: JSON5Value, _ path: String) throws(ScenarioError) -> String {
        guard case .string(let s) = v.kind else {
            throw fail(v, path, "expected a string, found \(v.briefDescription)", hint: "strings are quoted: \"name\"")
        }
        return s
    }

    static func bool(_ v: JSON5Value, _ path: String) throws(ScenarioError) -> Bool {
        guard case .bool(let b) = v.kind else {
            throw fail(v, path, "expected true or false, found \(v.briefDescription)")
        }
        return b
    }

    static func int(_ v: JSON5Value, _ path: String, _ range: ClosedRange<Int64>) throws(ScenarioError) -> Int {
        guard case .number(let n) = v.kind, let i = n.int64Value else {
            throw fail(v, path, "expected a whole number, found \(v.briefDescription)")
        }
        guard range.contains(i) else {
            throw fail(v, path, "expected a whole number in \(range.lowerBound)...\(range.upperBound), found \(i)")
        }
        return Int(i)
    }

    static func double(_ v: JSON5Value, _ path: String, _ range: ClosedRange<Double>) throws(ScenarioError) -> Double {
        guard case .number(let n) = v.kind, n.doubleValue.isFinite else {
            throw fail(v, path, "expected a number, found \(v.briefDescription)")
        }
        guard range.contains(n.doubleValue) else {
            throw fail(v, path, "expected a number in \(range.lowerBound)...\(range.upperBound), found \(n.text)")
        }
        return n.doubleValue
    }

    private static func unit(
        _ v: JSON5Value, _ path: String, _ parse: (String) -> Result<Int64, UnitError>, example: String, what: String,
        bareNumbersAre: String? = nil
    ) throws(ScenarioError) -> Int64 {
        switch v.kind {
        case .string(let s):
            switch parse(s) {
            case .success(let x): return x
            case .failure(let e): throw fail(v, path, e.message, hint: e.hint)
            }
        case .number(let n):
            if bareNumbersAre != nil, let i = n.int64Value, i >= 0 { return i }
            if n.int64Value == 0 { return 0 }
            throw fail(
                v, path, "expected \(what) such as \"\(example)\", found \(n.text)",
                hint: "write the unit: \"\(n.text)\(example.drop(while: { $0.isNumber || $0 == "." }))\"")
        default:
            throw fail(v, path, "expected \(what) such as \"\(example)\", found \(v.briefDescription)")
        }
    }

    /// "250ns", "80us", "1.5ms", "2s"; 0 alone is allowed.
    static func duration(_ v: JSON5Value, _ path: String) throws(ScenarioError) -> SimDuration {
        .nanoseconds(try unit(v, path, Units.parseDuration, example: "80us", what: "a duration"))
    }

    /// 512, "4KiB", "1MiB", "4k".
    static func size(_ v: JSON5Value, _ path: String) throws(ScenarioError) -> Int64 {
        try unit(v, path, Units.parseSize, example: "4KiB", what: "a size", bareNumbersAre: "bytes")
    }

    /// "2GB/s", "500MiB/s"; 0 means unlimited where a key says so.
    static func rate(_ v: JSON5Value, _ path: String) throws(ScenarioError) -> Int64 {
        try unit(v, path, Units.parseRate, example: "2GB/s", what: "a rate")
    }

    /// A duration distribution: "80us" (constant), { exponential: "80us" }, { uniform: ["10us", "20us"] },
    /// { normal: { mean: "80us", sd: "10us" } }, { lognormal: { mean: "80us", sigma: 0.5 } },
    /// { percentiles: { "50": "30us", "99": "70us", "100": "1ms" } }.
    static func distribution(_ v: JSON5Value, _ path: String) throws(ScenarioError) -> Distribution {
        if case .object(let members) = v.kind {
            guard members.count == 1, let m = members.first else {
                throw fail(
                    v, path, "expected one distribution, found an object with \(members.count) keys",
                    hint: "write { exponential: \"80us\" }, { uniform: [\"10us\", \"20us\"] }, { normal: { mean, sd } }, "
                        + "{ lognormal: { mean, sigma } } or { percentiles: { \"50\": \"30us\", ... } }")
            }
            let p = "\(path).\(m.key)"
            switch m.key {
            case "constant":
                return .constant(try duration(m.value, p).nanoseconds)
            case "exponential":
                return .exponential(mean: try duration(m.value, p).nanoseconds)
            case "uniform":
                guard case .array(let bounds) = m.value.kind, bounds.count == 2 else {
                    throw fail(m.value, p, "expected [min, max], found \(m.value.briefDescription)")
                }
                let lo = try duration(bounds[0], p + "[0]").nanoseconds
                let hi = try duration(bounds[1], p + "[1]").nanoseconds
                if hi < lo { throw fail(bounds[1], p + "[1]", "the maximum is below the minimum") }
                return .uniform(min: lo, max: hi)
            case "normal":
                var f = try Fields(m.value, path: p)
                guard let mean = f.take("mean"), let sd = f.take("sd") else {
                    throw fail(m.value, p, "expected { mean: \"80us\", sd: \"10us\" }")
                }
                let result = Distribution.normal(
                    mean: try duration(mean, p + ".mean").nanoseconds, standardDeviation: try duration(sd, p + ".sd").nanoseconds)
                try f.finish()
                return result
            case "lognormal":
                var f = try Fields(m.value, path: p)
                guard let mean = f.take("mean"), let sigma = f.take("sigma") else {
                    throw fail(m.value, p, "expected { mean: \"80us\", sigma: 0.5 }")
                }
                let meanNs = try duration(mean, p + ".mean").nanoseconds
                if meanNs <= 0 { throw fail(mean, p + ".mean", "a log-normal needs a positive mean") }
                let result = Distribution.logNormal(mean: meanNs, sigma: try double(sigma, p + ".sigma", 0...10))
                try f.finish()
                return result
            case "percentiles":
                var f = try Fields(m.value, path: p)
                var points: [Distribution.PercentilePoint] = []
                for member in f.members {
                    f.allow(member.key)
                    guard let pct = Double(member.key), pct >= 0, pct <= 100 else {
                        throw ScenarioError(
                            location: member.keyLocation, keyPath: "\(p).\(member.key)",
                            message: "expected a percentile between 0 and 100 as the key, found '\(member.key)'")
                    }
                    let value = try duration(member.value, "\(p).\(member.key)").nanoseconds
                    if let last = points.last, pct <= last.percentile || value < last.value {
                        throw fail(member.value, "\(p).\(member.key)", "percentiles must ascend, in order, with their values")
                    }
                    points.append(.init(percentile: pct, value: value))
                }
                if points.isEmpty { throw fail(m.value, p, "expected at least one percentile") }
                return .empirical(points)
            default:
                let kinds = ["constant", "exponential", "uniform", "normal", "lognormal", "percentiles"]
                let guess = Fields.closest(to: m.key, in: kinds).map { "did you mean '\($0)'? " } ?? ""
                throw ScenarioError(
                    location: m.keyLocation, keyPath: p, message: "unknown distribution '\(m.key)'",
                    hint: guess + "distributions: " + kinds.joined(separator: ", "))
            }
        }
        return .constant(try duration(v, path).nanoseconds)
    }

    /// One of `choices` (a string).
    static func choice(_ v: JSON5Value, _ path: String, _ choices: [String]) throws(ScenarioError) -> String {
        let s = try string(v, path)
        guard choices.contains(s) else {
            throw fail(
                v, path, "expected one of \(choices.map { "\"\($0)\"" }.joined(separator: ", ")), found \"\(s)\"",
                hint: Fields.closest(to: s, in: choices).map { "did you mean '\($0)'?" })
        }
        return s
    }

    static func array(_ v: JSON5Value, _ path: String) throws(ScenarioError) -> [JSON5Value] {
        guard case .array(let items) = v.kind else {
            throw fail(v, path, "expected an array, found \(v.briefDescription)", hint: "an array is written [a, b, ...]")
        }
        return items
    }
}
