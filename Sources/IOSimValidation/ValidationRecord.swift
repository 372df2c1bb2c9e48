//! A validation read back from the JSON `validate --format json` wrote, and two of them set side by side
//! (`iosim compare`): the machine against itself minutes or days apart, judged with the tolerances the model is
//! judged with. A machine whose own runs miss those tolerances sets the floor under any model's error.

import IOSimScenario

/// One `validate --format json` output: each scenario's compared metrics, in the file's order.
public struct ValidationRecord: Sendable, Equatable {
    /// One scenario's entry.
    public struct Scenario: Sendable, Equatable {
        /// The scenario file as validate was given it (`file`), which entries are matched by.
        public var file: String
        /// The scenario's name (`scenario`).
        public var name: String
        /// Its metrics (`metrics`), `measuredRange` from `measuredMinimum` and `measuredMaximum` when written.
        public var rows: [MetricComparison]
        /// Where the entry is in its file ("[3]", and the place of its `{`), for errors; empty and nil when made
        /// in code.
        public var keyPath = ""
        public var location: SourceLocation? = nil
        /// The host's steal over the machine's runs (`hostSteal`), when written.
        public var hostSteal: HostSteal? = nil
        /// The CPU probes beside the machine's runs (`cpuProbe`), when written, without the calibration's figures.
        public var cpuProbes: CPUProbes? = nil

        public init(
            file: String, name: String, rows: [MetricComparison], keyPath: String = "", location: SourceLocation? = nil,
            hostSteal: HostSteal? = nil, cpuProbes: CPUProbes? = nil
        ) {
            self.file = file
            self.name = name
            self.rows = rows
            self.hostSteal = hostSteal
            self.cpuProbes = cpuProbes
            self.keyPath = keyPath
            self.location = location
        }
    }

    public var scenarios: [Scenario]

    /// The entry for the scenario file at `path`: the one written with that path, else the only one whose path and
    /// `path` end alike, one being the other's last components (a validation run from another directory, or given
    /// absolute paths); nil when none is, or several are.
    public func entry(for path: String) -> Scenario? {
        if let exact = scenarios.first(where: { $0.file == path }) { return exact }
        let components = path.split(separator: "/")
        let alike = scenarios.filter { s in
            let other = s.file.split(separator: "/")
            let shorter = min(other.count, components.count)
            return shorter > 0 && other.suffix(shorter).elementsEqual(components.suffix(shorter))
        }
        return alike.count == 1 ? alike[0] : nil
    }

    /// Which side of two validations `compare` sets against each other.
    public enum Side: String, Sendable, CaseIterable {
        /// The machine's values: how far it moved between the two.
        case measured
        /// The model's values: how far a change of the model or profile moved it.
        case predicted
    }

    /// The validation in the file at `path`.
    /// - Throws: `LoadError.file` when it cannot be read, `LoadError.data` (line, column and key path) when it
    ///   is not what `validate --format json` writes.
    public static func read(at path: String) throws(LoadError) -> ValidationRecord {
        let bytes = try ScenarioLoader.readFile(path)
        return try read(text: String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// As `read(at:)`, from the file's text (`path` names it in errors).
    public static func read(text: String, path: String) throws(LoadError) -> ValidationRecord {
        let tree = try ScenarioLoader.tree(text: text, path: path)
        func expected(_ value: JSON5Value, _ keyPath: String, _ what: String) -> LoadError {
            .data(
                ScenarioError(
                    location: value.location, keyPath: keyPath, message: "expected \(what), found \(value.briefDescription)",
                    hint: "compare reads what `iosim validate --format json` writes"))
        }
        func member(_ object: JSON5Value, _ key: String, _ keyPath: String) throws(LoadError) -> JSON5Value {
            guard let m = object.member(key) else {
                let keyPath = keyPath.isEmpty ? key : "\(keyPath).\(key)"
                throw .data(
                    ScenarioError(
                        location: object.location, keyPath: keyPath, message: "expected a member \"\(key)\" in this object",
                        hint: "compare reads what `iosim validate --format json` writes"))
            }
            return m.value
        }
        func string(_ object: JSON5Value, _ key: String, _ keyPath: String) throws(LoadError) -> String {
            let v = try member(object, key, keyPath)
            guard case .string(let s) = v.kind else { throw expected(v, "\(keyPath).\(key)", "a string") }
            return s
        }
        func number(_ object: JSON5Value, _ key: String, _ keyPath: String) throws(LoadError) -> Double {
            let v = try member(object, key, keyPath)
            guard case .number(let n) = v.kind, n.doubleValue.isFinite else { throw expected(v, "\(keyPath).\(key)", "a finite number") }
            return n.doubleValue
        }
        /// `runs` of a summary over the runs: a whole number, at least 1.
        func runCount(_ object: JSON5Value, _ keyPath: String) throws(LoadError) -> Int {
            let runs = try number(object, "runs", keyPath)
            guard runs >= 1, runs == runs.rounded(), runs <= 1e6 else {
                throw expected(try member(object, "runs", keyPath), "\(keyPath).runs", "a whole number of runs, at least 1")
            }
            return Int(runs)
        }
        /// The numbers under `keys` (least, median, most), each `valid` (`what`) and none under the one before.
        func ordered(
            _ object: JSON5Value, _ keys: [String], _ keyPath: String, _ what: String, valid: (Double) -> Bool
        ) throws(LoadError) -> [Double] {
            var values: [Double] = []
            for key in keys {
                let v = try number(object, key, keyPath)
                guard valid(v), v >= (values.last ?? v) else {
                    throw expected(try member(object, key, keyPath), "\(keyPath).\(key)", values.isEmpty ? what : what + ", at least the one before it")
                }
                values.append(v)
            }
            return values
        }
        guard case .array(let entries) = tree.kind else { throw expected(tree, "", "an array of validated scenarios") }
        var scenarios: [Scenario] = []
        for (i, entry) in entries.enumerated() {
            let at = "[\(i)]"
            guard case .object = entry.kind else { throw expected(entry, at, "a validated scenario (an object)") }
            let metrics = try member(entry, "metrics", at)
            guard case .array(let items) = metrics.kind else { throw expected(metrics, "\(at).metrics", "an array of metrics") }
            var rows: [MetricComparison] = []
            for (j, item) in items.enumerated() {
                let path = "\(at).metrics[\(j)]"
                guard case .object = item.kind else { throw expected(item, path, "a metric (an object)") }
                var row = MetricComparison(
                    name: try string(item, "name", path), unit: try string(item, "unit", path),
                    predicted: try number(item, "predicted", path), measured: try number(item, "measured", path),
                    tolerance: try number(item, "tolerance", path), slack: try number(item, "slack", path))
                if item.member("measuredMinimum") != nil || item.member("measuredMaximum") != nil {
                    let low = try number(item, "measuredMinimum", path), high = try number(item, "measuredMaximum", path)
                    guard low <= high else {
                        throw expected(try member(item, "measuredMinimum", path), "\(path).measuredMinimum", "at most measuredMaximum (\(high))")
                    }
                    row.measuredRange = low...high
                }
                if let figure = item.member("figure") {
                    guard case .bool(let b) = figure.value.kind else { throw expected(figure.value, "\(path).figure", "true or false") }
                    row.isFigure = b
                }
                rows.append(row)
            }
            var steal: HostSteal? = nil
            if let written = entry.member("hostSteal") {
                let path = "\(at).hostSteal"
                guard case .object = written.value.kind else { throw expected(written.value, path, "the host's steal (an object)") }
                let runs = try runCount(written.value, path)
                let shares = try ordered(written.value, ["minimum", "median", "maximum"], path, "a share from 0 to 1") { $0 >= 0 && $0 <= 1 }
                steal = HostSteal(median: shares[1], minimum: shares[0], maximum: shares[2], runs: runs)
            }
            var probes: CPUProbes? = nil
            if let written = entry.member("cpuProbe") {
                let path = "\(at).cpuProbe"
                guard case .object = written.value.kind else { throw expected(written.value, path, "the CPU probes (an object)") }
                let runs = try runCount(written.value, path)
                let calls = try ordered(
                    written.value, ["nullSyscallMinimumNs", "nullSyscallNs", "nullSyscallMaximumNs"], path, "a number above 0") { $0 > 0 }
                let copies = try ordered(
                    written.value, ["memcpyMinimumGBps", "memcpyGBps", "memcpyMaximumGBps"], path, "a number above 0") { $0 > 0 }
                probes = CPUProbes(
                    nullSyscallMedian: calls[1], nullSyscall: calls[0]...calls[2], memcpyMedian: copies[1], memcpy: copies[0]...copies[2],
                    runs: runs)
            }
            scenarios.append(
                Scenario(
                    file: try string(entry, "file", at), name: try string(entry, "scenario", at), rows: rows, keyPath: at,
                    location: entry.location, hostSteal: steal, cpuProbes: probes))
        }
        return ValidationRecord(scenarios: scenarios)
    }
}

/// Two validations side by side: each scenario of the later one that the earlier one has too (by file), each
/// metric both have (by name), the earlier value standing where validate puts the model's. The error is then
/// (before - after) / after, judged with the later validation's tolerances.
public struct ValidationChange: Sendable, Equatable {
    /// A scenario in both, with its rows: `predicted` holds the earlier value, `measured` the later one; its
    /// `hostSteal` is the later one's.
    public var compared: [ValidationRecord.Scenario]
    /// The earlier validation's `hostSteal` of each compared scenario, in the same order.
    public var hostStealBefore: [HostSteal?] = []
    /// The earlier validation's `cpuProbe` of each compared scenario, in the same order (the later one's is the
    /// compared scenario's `cpuProbes`).
    public var cpuProbesBefore: [CPUProbes?] = []
    /// Files of the later validation the earlier one does not have (or with no metric in common), in order.
    public var onlyAfter: [String]
    /// Files of the earlier validation that no compared scenario came from, in order.
    public var onlyBefore: [String]
    /// Metrics of a compared scenario that one side lacks: "FILE: NAME", the later's first, then the earlier's.
    public var metricsOnlyAfter: [String] = []
    public var metricsOnlyBefore: [String] = []

    public init(before: ValidationRecord, after: ValidationRecord, side: ValidationRecord.Side) {
        compared = []
        onlyAfter = []
        var matched: [String] = []  // the earlier entries' files that were compared
        for scenario in after.scenarios {
            guard let earlier = before.entry(for: scenario.file),
                scenario.rows.contains(where: { row in earlier.rows.contains { $0.name == row.name } })
            else {
                onlyAfter.append(scenario.file)
                continue
            }
            matched.append(earlier.file)
            metricsOnlyAfter += scenario.rows.filter { row in !earlier.rows.contains { $0.name == row.name } }.map { "\(scenario.file): \($0.name)" }
            metricsOnlyBefore += earlier.rows.filter { row in !scenario.rows.contains { $0.name == row.name } }.map { "\(earlier.file): \($0.name)" }
            var rows: [MetricComparison] = []
            for row in scenario.rows {
                guard let old = earlier.rows.first(where: { $0.name == row.name }) else { continue }
                var r = row
                switch side {
                case .measured:
                    r.predicted = old.measured
                case .predicted:
                    r.predicted = old.predicted
                    r.measured = row.predicted
                    r.measuredRange = nil  // the model's pooled seeds have no spread written
                }
                rows.append(r)
            }
            compared.append(
                ValidationRecord.Scenario(
                    file: scenario.file, name: scenario.name, rows: rows, hostSteal: scenario.hostSteal, cpuProbes: scenario.cpuProbes))
            hostStealBefore.append(earlier.hostSteal)
            cpuProbesBefore.append(earlier.cpuProbes)
        }
        onlyBefore = before.scenarios.map(\.file).filter { !matched.contains($0) }
    }
}
