//! The commands that touch the real machine: `real` (run a scenario's workload for real) and `validate`
//! (the model against reality, metric by metric).

import Foundation
import IOSimCore
import IOSimModel
import IOSimReal
import IOSimScenario
import IOSimValidation

extension Commands {
    static func duration(_ a: Arguments) throws(UsageError) -> SimDuration? {
        guard let text = a.value("--duration") else { return nil }
        switch Units.parseDuration(text) {
        case .success(let ns) where ns > 0: return .nanoseconds(ns)
        default: throw UsageError(message: "--duration expects a duration such as \"5s\", found '\(text)'", command: a.command)
        }
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

    /// Plans the scenario's real job and runs it; prints the error and returns its exit code on failure.
    static func measure(_ file: ScenarioFile, path: String, directory: String?, duration: SimDuration?, _ o: Output)
        -> Result<RealMeasurement, ExitCode>
    {
        let job: RealJob
        do {
            job = try RealPlan.job(for: file.scenario, directory: directory, duration: duration)
        } catch {
            o.error("error: \(path): \(error.message)")
            return .failure(.dataError)
        }
        do {
            return .success(try RealRunner().run(job))
        } catch {
            return .failure(report(error, o))
        }
    }

    static func real(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(
            args, command: "real", valued: ["--dir", "--duration", "--set", "--seed", "--format"], flags: ["--help"])
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
        let file: ScenarioFile
        do {
            file = try load(path, profile: nil, overrides: overrides, seed: seed)
        } catch {
            return CLI.report(error, o)
        }
        let measurement: RealMeasurement
        switch measure(file, path: path, directory: a.value("--dir"), duration: runFor, o) {
        case .failure(let code): return code
        case .success(let m): measurement = m
        }
        if format == "json" {
            o.print(measurement.document(scenario: file.scenario.name, seed: file.scenario.seed).rendered())
        } else {
            o.write(measurement.textReport(scenario: file.scenario.name))
        }
        return .ok
    }

    static func validate(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(
            args, command: "validate", valued: ["--profile", "--dir", "--duration", "--set", "--seed", "--format"],
            flags: ["--help"])
        if a.has("--help") {
            o.write(Help.text(for: "validate")!)
            return .ok
        }
        guard !a.positionals.isEmpty else { throw UsageError(message: "no scenario file or directory given", command: "validate") }
        let format = try a.format(["text", "json"])
        let overrides = try a.overrides()
        let seed = try a.seed()
        let runFor = try duration(a)
        var worst = ExitCode.ok
        var documents: [JSONValue] = []
        for path in expand(a.positionals) {
            let file: ScenarioFile
            do {
                file = try load(path, profile: a.value("--profile"), overrides: overrides, seed: seed)
            } catch {
                return CLI.report(error, o)
            }
            let modelResult: SimulationResult
            do {
                var scenario = file.scenario
                scenario.narrateIO = nil
                modelResult = try Simulator(scenario).run()
            } catch {
                return CLI.report(error, file: path, o)
            }
            let measurement: RealMeasurement
            switch measure(file, path: path, directory: a.value("--dir"), duration: runFor, o) {
            case .failure(let code): return code
            case .success(let m): measurement = m
            }
            let rows = Validation.compare(model: modelResult, real: measurement)
            let failed = rows.contains { !$0.passes }
            if failed && worst == .ok { worst = .checkFailed }
            if format == "json" {
                documents.append(
                    .object([
                        JSONMember("file", .string(path)),
                        JSONMember("scenario", .string(file.scenario.name)),
                        JSONMember("verdict", .string(failed ? "fail" : "ok")),
                        JSONMember(
                            "metrics",
                            .array(rows.map { r in
                                .object([
                                    JSONMember("name", .string(r.name)), JSONMember("unit", .string(r.unit)),
                                    JSONMember("predicted", .double(r.predicted)), JSONMember("measured", .double(r.measured)),
                                    JSONMember("relativeError", r.relativeError.map { .double($0) } ?? .string("n/a")),
                                    JSONMember("tolerance", .double(r.tolerance)), JSONMember("slack", .double(r.slack)),
                                    JSONMember("ok", .bool(r.passes)),
                                ])
                            })),
                    ]))
            } else {
                o.write(Validation.table(rows, title: "\(path): \(file.scenario.name) (\(failed ? "FAIL" : "ok"))"))
                o.print()
            }
        }
        if format == "json" { o.print(JSONValue.array(documents).rendered()) }
        return worst
    }
}
