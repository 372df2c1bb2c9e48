//! The commands that touch the real machine: `real` (run a scenario's workload for real) and `validate`
//! (the model against reality, metric by metric).

import Foundation
import IOSimCore
import IOSimModel
import IOSimReal
import IOSimScenario
import IOSimTimeline
import IOSimValidation

extension Commands {
    static func duration(_ a: Arguments) throws(UsageError) -> SimDuration? {
        guard let text = a.value("--duration") else { return nil }
        switch Units.parseDuration(text) {
        case .success(let ns) where ns > 0: return .nanoseconds(ns)
        default: throw UsageError(message: "--duration expects a duration such as \"5s\", found '\(text)'", command: a.command)
        }
    }

    /// `--irq-time ticks|trace` (default ticks).
    static func interruptTime(_ a: Arguments) throws(UsageError) -> InterruptTimeSource {
        guard let text = a.value("--irq-time") else { return .ticks }
        guard let source = InterruptTimeSource(rawValue: text) else {
            throw UsageError(message: "--irq-time expects ticks or trace, found '\(text)'", command: a.command)
        }
        return source
    }

    static func load(_ path: String, profile: String?, overrides: [Override], seed: UInt64?) throws(LoadError) -> ScenarioFile {
        if let profile { return try ScenarioLoader.load(path: path, profile: profile, overrides: overrides, seed: seed) }
        return try ScenarioLoader.load(path: path, overrides: overrides, seed: seed)
    }

    static func report(_ e: RealError, _ o: Output) -> ExitCode {
        o.error("error: \(e.description)")
        o.error("hint: \(e.hint)")
        return .ioError
    }

    /// A progress line on stderr, drawn only when stderr is a terminal and `--quiet` was not given.
    static func progressLine(label: String, total: Int64, unit: String = "IOs", quiet: Bool, _ o: Output) -> ProgressLine {
        ProgressLine(
            total: total, label: label, isEnabled: ProgressLine.shouldShow(stderrIsTTY: o.stderrIsTTY, quiet: quiet),
            unit: unit, delay: o.progressDelay, output: o.progressOutput)
    }

    /// Plans the scenario's real job and runs it, with a progress line unless `quiet` (or stderr is not a
    /// terminal); prints the error and returns its exit code on failure.
    static func measure(
        _ file: ScenarioFile, path: String, directory: String?, duration: SimDuration?, trace: RealTraceOptions? = nil,
        interruptTime: InterruptTimeSource = .ticks, quiet: Bool, _ o: Output
    ) -> Result<RealMeasurement, ExitCode> {
        var job: RealJob
        do {
            job = try RealPlan.job(for: file.scenario, directory: directory, duration: duration)
            job.interruptTime = interruptTime
        } catch {
            o.error("error: \(path): \(error.message)")
            return .failure(.dataError)
        }
        var total: Int64 = 0
        if case .ioCount(let n) = job.stop { total = Int64(n) }
        let line = progressLine(label: file.scenario.name, total: total, quiet: quiet, o)
        defer { line.finish() }
        // Without a line the runner just joins its threads (no reports, no wake-ups during the run).
        let observer: ((RealProgress) -> Void)? =
            line.isEnabled ? { p in line.update(done: Int64(p.completedIOs), fraction: p.fraction) } : nil
        do {
            return .success(try RealRunner().run(job, trace: trace, progress: observer))
        } catch {
            line.finish()
            return .failure(report(error, o))
        }
    }

    /// `--trace-ios N` and `--trace-window A..B` of `real`, when `--trace` is given.
    static func realTraceOptions(_ a: Arguments) throws(UsageError) -> RealTraceOptions? {
        let ios = try a.int("--trace-ios", range: 1...RealTraceOptions.maxIOs)
        var options = RealTraceOptions(ios: ios ?? RealTraceOptions.defaultIOs)
        if let w = a.value("--trace-window") {
            let parts = w.components(separatedBy: "..")
            guard parts.count == 2, case .success(let from) = Units.parseDuration(parts[0]),
                case .success(let to) = Units.parseDuration(parts[1]), from >= 0, to > from
            else {
                throw UsageError(message: "--trace-window expects FROM..TO such as 0ms..5ms, found '\(w)'", command: a.command)
            }
            options.fromNanoseconds = from
            options.toNanoseconds = to
        }
        guard a.value("--trace") != nil else {
            if ios != nil || a.value("--trace-window") != nil {
                throw UsageError(message: "--trace-ios and --trace-window need --trace FILE.json", command: a.command)
            }
            return nil
        }
        return options
    }

    /// Writes the real run's trace to `path`; prints the error and returns false on failure.
    static func writeRealTrace(_ m: RealMeasurement, title: String, to path: String, _ o: Output) -> Bool {
        guard let handle = Visuals.openForWriting(path)?.handle else {
            o.error("error: \(path): cannot be created for the trace")
            return false
        }
        var failure: Error? = nil
        RealTraceWriter.write(m, title: title) { text in
            guard failure == nil else { return }
            do { try handle.write(contentsOf: Data(text.utf8)) } catch { failure = error }
        }
        do { try handle.close() } catch { failure = failure ?? error }
        if let failure {
            o.error("error: \(path): the trace could not be written (\(failure.localizedDescription))")
            return false
        }
        return true
    }

    static func real(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(
            args, command: "real",
            valued: ["--dir", "--duration", "--set", "--seed", "--format", "--trace", "--trace-ios", "--trace-window", "--irq-time"],
            flags: ["--help", "--quiet"])
        if a.has("--help") {
            o.write(Help.text(for: "real")!)
            return .ok
        }
        guard a.positionals.count == 1 else { throw UsageError(message: "real takes one scenario file", command: "real") }
        let format = try a.format(["text", "json"])
        let path = a.positionals[0]
        let overrides = try a.overrides()
        let seed = try a.seed()
        let runFor = try duration(a)
        let traceOptions = try realTraceOptions(a)
        let irqTime = try interruptTime(a)
        let file: ScenarioFile
        do {
            file = try load(path, profile: nil, overrides: overrides, seed: seed)
        } catch {
            return CLI.report(error, o)
        }
        // A trace path that cannot be written fails before the run; nothing is written to it until the run
        // has succeeded, so a failed run leaves an existing file as it was.
        let tracePath = a.value("--trace")
        if let tracePath, !canWrite(tracePath) {
            o.error("error: \(tracePath): cannot be written for the trace (no such directory, or no permission)")
            return .ioError
        }
        let measurement: RealMeasurement
        switch measure(
            file, path: path, directory: a.value("--dir"), duration: runFor, trace: traceOptions, interruptTime: irqTime,
            quiet: a.has("--quiet"), o)
        {
        case .failure(let code):
            return code
        case .success(let m): measurement = m
        }
        if let tracePath {
            guard writeRealTrace(measurement, title: file.scenario.name, to: tracePath, o) else { return .ioError }
        }
        if format == "json" {
            o.print(measurement.document(scenario: file.scenario.name, seed: file.scenario.seed).rendered())
        } else {
            o.write(measurement.textReport(scenario: file.scenario.name))
        }
        return .ok
    }

    /// Whether `path` can be written: an existing file writable by us, or a new name in a writable directory.
    static func canWrite(_ path: String) -> Bool {
        if FileManager.default.fileExists(atPath: path) { return access(path, W_OK) == 0 }
        let directory = (path as NSString).deletingLastPathComponent
        return access(directory.isEmpty ? "." : directory, W_OK) == 0
    }

    static func validate(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(
            args, command: "validate",
            valued: ["--profile", "--dir", "--duration", "--set", "--seed", "--format", "--repeats", "--model-seeds", "--irq-time", "--measured"],
            flags: ["--help", "--quiet"])
        if a.has("--help") {
            o.write(Help.text(for: "validate")!)
            return .ok
        }
        guard !a.positionals.isEmpty else { throw UsageError(message: "no scenario file or directory given", command: "validate") }
        let format = try a.format(["text", "json"])
        let overrides = try a.overrides()
        let seed = try a.seed()
        let runFor = try duration(a)
        let repeats = try a.int("--repeats", range: 1...50) ?? 1
        let modelSeeds = try a.int("--model-seeds", range: 1...100) ?? Self.defaultModelSeeds
        let irqTime = try interruptTime(a)
        // The machine's side from an earlier validation: nothing runs for real.
        let measuredFrom = a.value("--measured")
        if measuredFrom != nil {
            for option in ["--dir", "--duration", "--repeats", "--irq-time"] where a.has(option) {
                throw UsageError(
                    message: "\(option) is for running the machine; --measured takes its side from an earlier validation",
                    command: "validate")
            }
        }
        // A trace that cannot be made stops the command before the model's runs, not at the first real one.
        if measuredFrom == nil {
            do { try irqTime.checkAvailable() } catch { return report(error, o) }
        }
        // Every file loaded and modelled first, so a bad file stops the command before anything runs for real.
        // The model's side pools runs with `modelSeeds` seeds from the scenario's own (`ModelPrediction`).
        var cases: [(path: String, file: ScenarioFile, model: ModelPrediction)] = []
        for path in expand(a.positionals) {
            let file: ScenarioFile
            do {
                file = try load(path, profile: a.value("--profile"), overrides: overrides, seed: seed)
            } catch {
                return CLI.report(error, o)
            }
            do {
                var runs: [SimulationResult] = []
                for n in 0..<UInt64(modelSeeds) {
                    var scenario = file.scenario
                    scenario.narrateIO = nil
                    scenario.seed = file.scenario.seed &+ n
                    runs.append(try Simulator(scenario).run())
                }
                cases.append((path, file, ModelPrediction(runs)))
            } catch {
                return CLI.report(error, file: path, o)
            }
        }
        var earlier: [(rows: [MetricComparison], steal: HostSteal?, probes: CPUProbes?)]? = nil
        if let measuredFrom {
            do {
                earlier = try measuredSides(from: measuredFrom, cases: cases.map { ($0.path, $0.file, $0.model) })
            } catch {
                return CLI.report(error, o)
            }
        }
        // The real runs, interleaved over the repeats (every scenario once per round), so a slow spell of a
        // shared host spreads over all of them; each metric's measured value is its median over the rounds.
        var runs: [[RealMeasurement]] = Array(repeating: [], count: cases.count)
        var probes: [[CPUProbe]] = Array(repeating: [], count: cases.count)
        for _ in 0..<(earlier == nil ? repeats : 0) {
            for (n, c) in cases.enumerated() {
                // How fast the CPUs run just before the run (some 15 ms): a shared host slows them unannounced.
                if let probe = CPUProbe.measure() { probes[n].append(probe) }
                switch measure(
                    c.file, path: c.path, directory: a.value("--dir"), duration: runFor, interruptTime: irqTime,
                    quiet: a.has("--quiet"), o)
                {
                case .failure(let code): return code
                case .success(let m): runs[n].append(m)
                }
            }
        }
        var worst = ExitCode.ok
        var documents: [JSONValue] = []
        var compared: [(name: String, rows: [MetricComparison])] = []
        var steals: [(name: String, steal: HostSteal?)] = []
        var allProbes: [CPUProbes] = []
        let recorded = recordedFigures(profile: a.value("--profile"), o)
        let medians = earlier?.map(\.rows)
            ?? zip(cases, runs).map { c, real in Validation.medianRows(real.map { Validation.compare(model: c.model, real: $0) }) }
        let drifts = calibrationDrift(recorded: recorded, cases: cases.map { ($0.path, $0.file) }, rows: medians)
        for (n, c) in cases.enumerated() {
            let path = c.path, file = c.file
            let rows = medians[n]
            compared.append((shortName(path), rows))
            let failed = rows.contains { !$0.passes }
            if failed && worst == .ok { worst = .checkFailed }
            let stalls = earlier == nil ? StallComparison(model: c.model, real: runs[n]) : nil
            let steal = earlier.map { $0[n].steal } ?? HostSteal(real: runs[n])
            steals.append((shortName(path), steal))
            var cpu = earlier.map { $0[n].probes } ?? CPUProbes(probes[n])
            cpu?.setCalibration(from: recorded?.figures ?? [])
            if let cpu { allProbes.append(cpu) }
            if format == "json" {
                documents.append(
                    .object([
                        JSONMember("file", .string(path)),
                        JSONMember("scenario", .string(file.scenario.name)),
                    ] + (measuredFrom.map { [JSONMember("measuredFrom", .string($0))] } ?? [JSONMember("repeats", .int(Int64(repeats)))]) + [
                        JSONMember("modelSeeds", .int(Int64(modelSeeds))),
                        JSONMember("verdict", .string(failed ? "fail" : "ok")),
                        JSONMember("metrics", .array(rows.map { $0.document() })),
                    ] + (drifts[n].map { d in [JSONMember("atCalibration", Self.driftDocument(d))] } ?? [])
                        + (stalls.map { [JSONMember("deviceStalls", $0.document)] } ?? [])
                        + (steal.map { [JSONMember("hostSteal", $0.document)] } ?? [])
                        + (cpu.map { [JSONMember("cpuProbe", $0.document)] } ?? [])))
            } else {
                let machine = measuredFrom.map { ", the machine's side from \($0)" } ?? (repeats > 1 ? ", medians of \(repeats) runs" : "")
                let rounds = machine + (modelSeeds > 1 ? ", the model's \(modelSeeds) seeds pooled" : "")
                o.write(Validation.table(rows, title: "\(path): \(file.scenario.name) (\(failed ? "FAIL" : "ok")\(rounds))"))
                if let stalls { o.write(stalls.text) }
                if let steal { o.write(steal.text) }
                if let cpu { o.write(cpu.text) }
                o.print()
            }
        }
        if format == "json" {
            o.print(JSONValue.array(documents).rendered())
        } else {
            if cases.count > 1 {
                o.write(Validation.summary(compared))
                if let line = HostSteal.summary(steals) { o.write(line) }
                if let line = CPUProbes.summary(allProbes) { o.write(line) }
            }
            o.write(Validation.driftText(drifts.compactMap { $0 }, when: measuredFrom.map { "in \($0)" } ?? "now"))
        }
        return worst
    }

    /// `validate --measured FILE`: each scenario's rows with the model's side from `cases` and the machine's from the
    /// validation in FILE (its medians and their ranges), matched by the scenario's file and the metric's name,
    /// with the host's steal over its runs when it was written.
    /// - Throws: `LoadError.data` when FILE is not validate's JSON, or lacks a scenario or one of its metrics.
    static func measuredSides(
        from path: String, cases: [(path: String, file: ScenarioFile, model: ModelPrediction)]
    ) throws(LoadError) -> [(rows: [MetricComparison], steal: HostSteal?, probes: CPUProbes?)] {
        let record = try ValidationRecord.read(at: path)
        let hint = "give --measured a `validate --format json` output over the same scenario files"
        func missing(_ what: String) -> LoadError {
            .data(ScenarioError(location: nil, keyPath: "", message: "\(path): \(what)", hint: hint))
        }
        var all: [(rows: [MetricComparison], steal: HostSteal?, probes: CPUProbes?)] = []
        for c in cases {
            guard let entry = record.entry(for: c.path) else { throw missing("no entry for \(c.path)") }
            let job: RealJob
            do {
                job = try RealPlan.job(for: c.file.scenario)
            } catch {
                throw .data(ScenarioError(location: nil, keyPath: "", message: "\(c.path): \(error)"))
            }
            var rows = Validation.predictions(c.model, ioUring: job.usesIOUring)
            for i in rows.indices {
                guard let old = entry.rows.first(where: { $0.name == rows[i].name }) else {
                    throw .data(
                        ScenarioError(
                            location: entry.location, keyPath: entry.keyPath + ".metrics",
                            message: "expected the metric \"\(rows[i].name)\" for \(c.path)", hint: hint))
                }
                rows[i].measured = old.measured
                rows[i].measuredRange = old.measuredRange
            }
            all.append((rows, entry.hostSteal, entry.cpuProbes))
        }
        return all
    }

    /// How many seeds the model's side of `validate` pools by default: a device's stalls, which set depth 64's
    /// p99 where they hit about 1% of its IOs, are drawn some 250 times instead of some 50 (README, the
    /// fifteenth day).
    static let defaultModelSeeds = 5

    /// `atCalibration` of a scenario in `validate`'s JSON (`change` left out when the recorded median is 0).
    static func driftDocument(_ d: CalibrationDrift) -> JSONValue {
        var members = [
            JSONMember("figure", .string(d.atCalibration.name)),
            JSONMember("median", .double(d.atCalibration.median)),
            JSONMember("minimum", .double(d.atCalibration.minimum)),
            JSONMember("maximum", .double(d.atCalibration.maximum)),
            JSONMember("repeats", .int(Int64(d.atCalibration.repeats))),
            JSONMember("measuredNow", .double(d.measured)),
        ]
        if let change = d.change { members.append(JSONMember("change", .double(change))) }
        members.append(JSONMember("outsideSpread", .bool(d.outsideSpread)))
        return .object(members)
    }

    /// The figures the profile at `path` recorded at its calibration: nil without a profile or with one that
    /// records no figures (written by hand, or before calibrate recorded them). A profile whose figures calibrate
    /// wrote but that do not read (edited, or from a calibrate that records other figures) gets a warning on
    /// stderr; the validation itself stands.
    static func recordedFigures(profile path: String?, _ o: Output) -> RecordedFigures? {
        guard let path else { return nil }
        do {
            return try Calibration.recordedFigures(inProfileAt: path)
        } catch {
            let text = (try? ScenarioLoader.readFile(path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            if text.contains(Calibration.figuresHeading) {
                o.error("warning: \(path): its recorded figures do not read, so the IOPS at calibration are not shown: \(error)")
            }
            return nil
        }
    }

    /// For each validated workload that calibrate measured too, its IOPS now (the median in `rows`) beside the
    /// profile's `recorded` figure (nil for the others, and for all without recorded figures).
    static func calibrationDrift(
        recorded: RecordedFigures?, cases: [(path: String, file: ScenarioFile)], rows: [[MetricComparison]]
    ) -> [CalibrationDrift?] {
        guard let recorded else { return [CalibrationDrift?](repeating: nil, count: cases.count) }
        return cases.enumerated().map { (n, c) -> CalibrationDrift? in
            guard let job = try? RealPlan.job(for: c.file.scenario),
                let iops = rows[n].first(where: { $0.name == "IOPS" })?.measured
            else { return nil }
            return Calibration.drift(recorded: recorded, scenario: shortName(c.path), job: job, iops: iops)
        }
    }

    /// A scenario file's name without its directory and extension, for the summary.
    static func shortName(_ path: String) -> String {
        var name = String(path.split(separator: "/").last ?? Substring(path))
        if name.hasSuffix(".json5") { name.removeLast(6) } else if name.hasSuffix(".json") { name.removeLast(5) }
        return name
    }
}
