//! The commands: run, check, explain, sweep, list, profiles, bench.

import Foundation
import IOSimCore
import IOSimModel
import IOSimScenario
import IOSimTimeline

#if canImport(Glibc)
import Glibc
#endif

public enum Commands {
    /// Loads and simulates one file; prints the error and returns its exit code on failure.
    static func simulate(
        _ path: String, profile: String? = nil, overrides: [Override], seed: UInt64?, narrate: Int? = nil,
        visuals: Visuals? = nil, _ o: Output
    ) -> Result<(ScenarioFile, SimulationResult), ExitCode> {
        let file: ScenarioFile
        do {
            file = try load(path, profile: profile, overrides: overrides, seed: seed)
        } catch {
            return .failure(CLI.report(error, o))
        }
        var scenario = file.scenario
        if let n = narrate { scenario.narrateIO = n }
        do {
            let sink = try visuals?.start(o)
            let sim = try Simulator(scenario, trace: sink)
            if let total = scenario.stop.afterIOs, scenario.stop.afterTime == nil, visuals?.progressEnabled ?? false {
                let progress = ProgressLine(total: Int64(total), label: file.scenario.name, isEnabled: true, delay: 2)
                while !sim.isFinished && sim.hasPendingEvents {
                    sim.run(maxEvents: 500_000)
                    progress.update(done: sim.iosCompleted)
                }
                progress.finish()
            }
            let result = try sim.run()
            try visuals?.finish(result, o)
            return .success((file, result))
        } catch let e as SimulationError {
            visuals?.abandon()
            return .failure(CLI.report(e, file: path, o))
        } catch let e as VisualsError {
            visuals?.abandon()
            o.error("error: \(e.message)")
            return .failure(.ioError)
        } catch {
            visuals?.abandon()
            o.error("error: \(error)")
            return .failure(.dataError)
        }
    }

    static func run(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(
            args, command: "run", valued: ["--profile", "--set", "--seed", "--format"] + Visuals.valuedOptions,
            flags: ["--help"] + Visuals.flags)
        if a.has("--help") {
            o.write(Help.text(for: "run")!)
            return .ok
        }
        guard !a.positionals.isEmpty else { throw UsageError(message: "no scenario file given", command: "run") }
        let format = try a.format(["text", "json"])
        let overrides = try a.overrides()
        let seed = try a.seed()
        let visuals = try Visuals(a)
        if visuals.wantsPictures && a.positionals.count > 1 {
            throw UsageError(message: "--trace, --svg and --timeline take one scenario file", command: "run")
        }
        var documents: [JSONValue] = []
        var texts: [String] = []
        for path in a.positionals {
            switch simulate(path, profile: a.value("--profile"), overrides: overrides, seed: seed, visuals: visuals, o) {
            case .failure(let code): return code
            case .success(let (file, result)):
                if format == "json" {
                    documents.append(result.document)
                } else {
                    texts.append(result.textReport(description: file.description.firstLine))
                }
            }
        }
        if format == "json" {
            o.print(documents.count == 1 ? documents[0].rendered() : JSONValue.array(documents).rendered())
        } else {
            o.write(texts.joined(separator: "\n"))
            if let t = visuals.timelineText { o.print(); o.write(t) }
        }
        return .ok
    }

    /// Scenario files named by the arguments: files as given, directories searched (recursively, sorted)
    /// for `*.json5` files whose name does not start with `_` (partial files meant to be extended).
    static func expand(_ paths: [String]) -> [String] {
        var result: [String] = []
        for p in paths {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDirectory), isDirectory.boolValue {
                let found = (FileManager.default.enumerator(atPath: p)?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix(".json5") && !(($0 as NSString).lastPathComponent.hasPrefix("_")) }
                    .sorted()
                result += found.map { p.hasSuffix("/") ? p + $0 : p + "/" + $0 }
            } else {
                result.append(p)
            }
        }
        return result
    }

    static func check(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(args, command: "check", valued: ["--profile", "--set", "--seed"], flags: ["--help"])
        if a.has("--help") {
            o.write(Help.text(for: "check")!)
            return .ok
        }
        guard !a.positionals.isEmpty else { throw UsageError(message: "no scenario file or directory given", command: "check") }
        let overrides = try a.overrides()
        let seed = try a.seed()
        let files = expand(a.positionals)
        if files.isEmpty {
            o.error("error: no scenario files in \(a.positionals.joined(separator: " "))")
            return .ioError
        }
        var worst = ExitCode.ok
        var passed = 0, failed = 0
        for path in files {
            switch simulate(path, profile: a.value("--profile"), overrides: overrides, seed: seed, o) {
            case .failure(let code):
                if code.rawValue > worst.rawValue || worst == .checkFailed { worst = code }
            case .success(let (file, result)):
                let document = result.document
                var fileFailed = false
                var lines: [String] = []
                for e in file.expectations {
                    guard let actual = document.lookup(e.keyPath)?.number else {
                        let guess = closest(e.keyPath, document.numericPaths)
                        let location = e.location.map { "\($0): " } ?? "\(path): "
                        o.error("error: \(location)expect.\(e.keyPath): no such result key")
                        o.error("hint: \(guess.map { "did you mean '\($0)'? " } ?? "")keys are those of 'iosim run --format json'")
                        if worst == .ok || worst == .checkFailed { worst = .dataError }
                        fileFailed = true
                        continue
                    }
                    let ok = e.holds(for: actual)
                    if !ok { fileFailed = true }
                    lines.append("  \(ok ? "ok  " : "FAIL") \(e.keyPath) \(e.text) (actual \(formatActual(actual)))")
                }
                let verdict = fileFailed ? "FAIL" : "PASS"
                o.print("\(verdict) \(path) (\(file.expectations.count) expectations, seed \(result.seed))")
                for l in lines { o.print(l) }
                if fileFailed {
                    failed += 1
                    var command = "iosim run \(path) --seed \(result.seed)"
                    if let profile = a.value("--profile") { command += " --profile \(profile)" }
                    for ov in overrides { command += " --set \(ov.keyPath)=\(ov.value)" }
                    o.print("  reproduce: \(command)")
                    if worst == .ok { worst = .checkFailed }
                } else {
                    passed += 1
                }
            }
        }
        o.print("\(passed) passed, \(failed) failed")
        return worst
    }

    static func closest(_ key: String, _ candidates: [String]) -> String? {
        let best = candidates.min { editDistance($0, key) < editDistance($1, key) }
        guard let b = best, editDistance(b, key) <= max(3, key.count / 3) else { return nil }
        return b
    }

    static func formatActual(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func explain(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(
            args, command: "explain", valued: ["--profile", "--set", "--seed", "--io"] + Visuals.valuedOptions,
            flags: ["--help"] + Visuals.flags)
        if a.has("--help") {
            o.write(Help.text(for: "explain")!)
            return .ok
        }
        guard a.positionals.count == 1 else { throw UsageError(message: "explain takes one scenario file", command: "explain") }
        let io = try a.int("--io", range: 1...Int(Int32.max)) ?? 1
        let visuals = try Visuals(a)
        switch simulate(
            a.positionals[0], profile: a.value("--profile"), overrides: try a.overrides(), seed: try a.seed(), narrate: io,
            visuals: visuals, o)
        {
        case .failure(let code): return code
        case .success(let (file, result)):
            o.print("The life of IO \(io) in \(file.scenario.name) (seed \(result.seed)); [n] is the step of Cleary's \"There Is No Thread\":")
            o.print()
            o.write(result.narrationText)
            o.print()
            o.print(
                "Over the whole run: attached share \(Commands.formatActual((result.threads.attachedShare * 1000).rounded() / 1000)), "
                    + "\(result.interrupts) interrupts for \(result.iosCompleted) IOs.")
            if let t = visuals.timelineText { o.print(); o.write(t) }
            return .ok
        }
    }

    static func list(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(args, command: "list", valued: [], flags: ["--help"])
        if a.has("--help") {
            o.write(Help.text(for: "list")!)
            return .ok
        }
        let dirs = a.positionals.isEmpty ? ["Scenarios"] : a.positionals
        let files = expand(dirs)
        var worst = ExitCode.ok
        for path in files {
            do {
                let f = try ScenarioLoader.load(path: path)
                o.print("\(path)")
                o.print("    \(f.scenario.name)" + (f.description.isEmpty ? "" : ": \(f.description.firstLine)"))
            } catch {
                worst = CLI.report(error, o)
            }
        }
        if files.isEmpty { o.print("no scenarios in \(dirs.joined(separator: " "))") }
        return worst
    }

    static func profiles(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(args, command: "profiles", valued: [], flags: ["--help"])
        if a.has("--help") {
            o.write(Help.text(for: "profiles")!)
            return .ok
        }
        for p in DeviceProfile.all { o.print(p.name.padding(toLength: 11, withPad: " ", startingAt: 0) + p.summary) }
        return .ok
    }

    static func bench(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(args, command: "bench", valued: ["--ios", "--seed"], flags: ["--help", "--general"])
        if a.has("--help") {
            o.write(Help.text(for: "bench")!)
            return .ok
        }
        let ios = try a.int("--ios", range: 1...1_000_000_000) ?? 1_000_000
        var scenario: Scenario
        if let path = a.positionals.first {
            do {
                scenario = try ScenarioLoader.load(path: path, overrides: [Override(keyPath: "stop.ios", value: String(ios))]).scenario
            } catch {
                return CLI.report(error, o)
            }
        } else {
            scenario = Scenario.closedLoopReference(ios: ios)
        }
        if let s = try a.seed() { scenario.seed = s }
        scenario.narrateIO = nil
        let result: SimulationResult
        let wall: Double
        let path: String
        let generalBecause: String?
        do {
            let sim = try Simulator(scenario, fastPath: !a.has("--general"))
            path = sim.usesFastPath ? "closed-loop" : "general"
            generalBecause = sim.fastPathUnavailable
            let start = DispatchTime.now().uptimeNanoseconds
            result = try sim.run()
            wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } catch {
            return CLI.report(error, file: a.positionals.first ?? "reference", o)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let document = JSONValue.object([
            JSONMember("ios", .int(result.iosCompleted)),
            JSONMember("events", .int(Int64(result.events))),
            JSONMember("wallSeconds", .double(wall)),
            JSONMember("iosPerSecond", .double(Double(result.iosCompleted) / wall)),
            JSONMember("eventsPerSecond", .double(Double(result.events) / wall)),
            JSONMember("peakMemoryBytes", .int(Int64(usage.ru_maxrss) * 1024)),
            JSONMember("meanLatencyNs", .double(result.latency.mean)),
            JSONMember("cpuUtilization", .double(result.totalCPU.busyFraction)),
            JSONMember("seed", .int(Int64(bitPattern: result.seed))),
        ] + (generalBecause.map { [JSONMember("generalBecause", .string($0))] } ?? []) + [
            JSONMember("path", .string(path)),
        ])
        o.print(document.rendered())
        return .ok
    }
}

extension String {
    var firstLine: String { split(separator: "\n", maxSplits: 1).first.map(String.init) ?? "" }
}
