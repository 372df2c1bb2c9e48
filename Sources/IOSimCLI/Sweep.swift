//! `iosim sweep`: the key results for every combination of parameter values, runs spread over all cores.

import Foundation
import IOSimModel
import IOSimScenario
import IOSimTimeline

/// Results written by concurrent runs, each to its own slot.
final class SweepSlots: @unchecked Sendable {
    // Each index is written by exactly one concurrentPerform iteration and read after all finished.
    var results: [Result<SimulationResult, SweepFailure>?]
    init(count: Int) { results = .init(repeating: nil, count: count) }
}

struct SweepFailure: Error {
    var text: String
    var code: ExitCode
}

extension Commands {
    static let sweepColumns: [(title: String, key: String)] = [
        ("iops", "io.iops"), ("mean", "io.latencyNs.mean"), ("p50", "io.latencyNs.p50"), ("p99", "io.latencyNs.p99"),
        ("cpuBusy", "cpu.total.busy"), ("irqPerIO", "interruptsPerIO"), ("switchPerIO", "contextSwitchesPerIO"),
        ("threadsMax", "threads.max"), ("attached", "threads.attachedShare"),
    ]

    static func sweep(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(
            args, command: "sweep", valued: ["--param", "--set", "--seed", "--format", "--svg"], flags: ["--help", "--quiet"])
        if a.has("--help") {
            o.write(Help.text(for: "sweep")!)
            return .ok
        }
        guard a.positionals.count == 1 else { throw UsageError(message: "sweep takes one scenario file", command: "sweep") }
        let path = a.positionals[0]
        let format = try a.format(["text", "json", "csv"])
        let base = try a.overrides()
        let seed = try a.seed()
        var params: [(key: String, values: [String])] = []
        for p in a.values("--param") {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
                throw UsageError(message: "--param expects KEY=V1,V2,... (such as device.queueDepth=1,4,16), found '\(p)'", command: "sweep")
            }
            let values = p[p.index(after: eq)...].split(separator: ",").map(String.init)
            if values.isEmpty { throw UsageError(message: "--param \(p[..<eq]) has no values", command: "sweep") }
            params.append((String(p[..<eq]), values))
        }
        guard !params.isEmpty else { throw UsageError(message: "no --param given", command: "sweep") }
        var combinations: [[String]] = [[]]
        for p in params { combinations = combinations.flatMap { c in p.values.map { c + [$0] } } }
        if combinations.count > 10_000 { throw UsageError(message: "\(combinations.count) combinations; at most 10,000", command: "sweep") }

        // Load once up front so a bad file or key fails before any run.
        do {
            _ = try ScenarioLoader.load(path: path, overrides: base + params.map { Override(keyPath: $0.key, value: $0.values[0]) })
        } catch {
            return CLI.report(error, o)
        }
        let slots = SweepSlots(count: combinations.count)
        let fixedParams = params, fixedCombinations = combinations
        let lock = NSLock()
        let progress = ProgressLine(
            total: Int64(combinations.count), label: "sweep",
            isEnabled: ProgressLine.shouldShow(stderrIsTTY: ProgressLine.stderrIsTTY, quiet: a.has("--quiet")),
            unit: "runs", delay: 2)
        nonisolated(unsafe) var finished: Int64 = 0
        DispatchQueue.concurrentPerform(iterations: combinations.count) { i in
            let overrides = base + zip(fixedParams, fixedCombinations[i]).map { Override(keyPath: $0.key, value: $1) }
            let outcome: Result<SimulationResult, SweepFailure>
            do {
                var scenario = try ScenarioLoader.load(path: path, overrides: overrides, seed: seed).scenario
                scenario.narrateIO = nil
                outcome = .success(try Simulator(scenario).run())
            } catch let e as LoadError {
                outcome = .failure(SweepFailure(text: e.description, code: .dataError))
            } catch {
                outcome = .failure(SweepFailure(text: "\(error)", code: .dataError))
            }
            lock.lock()
            slots.results[i] = outcome
            finished += 1
            progress.update(done: finished)
            lock.unlock()
        }
        progress.finish()
        var rows: [[String: JSONValue]] = []
        var documents: [JSONValue] = []
        for (i, r) in slots.results.enumerated() {
            switch r! {
            case .failure(let f):
                o.error("error: \(path) with \(zip(params, combinations[i]).map { "\($0.key)=\($1)" }.joined(separator: " ")): \(f.text)")
                return f.code
            case .success(let result):
                let d = result.document
                documents.append(d)
                var row: [String: JSONValue] = [:]
                for c in sweepColumns { row[c.key] = d.lookup(c.key) }
                rows.append(row)
            }
        }
        if let svgPath = a.value("--svg") {
            let labels = combinations.map { $0.joined(separator: ",") }
            func column(_ key: String) -> [Double?] { documents.map { $0.lookup(key)?.number } }
            let chart = SVGLineChart.sweep(
                parameter: params.map(\.key).joined(separator: ","), xLabels: labels, iops: column("io.iops"),
                p50Nanoseconds: column("io.latencyNs.p50"), p99Nanoseconds: column("io.latencyNs.p99"),
                cpuBusyShare: column("cpu.total.busy"), title: path)
            guard Visuals.write(Data(chart.render().utf8), to: svgPath) else {
                o.error("error: \(svgPath): cannot be written")
                return .ioError
            }
        }
        switch format {
        case "json":
            let items = zip(combinations, documents).map { combo, d in
                JSONValue.object([
                    JSONMember("parameters", .object(zip(params, combo).map { JSONMember($0.key, .string($1)) })),
                    JSONMember("result", d),
                ])
            }
            o.print(JSONValue.array(items).rendered())
        case "csv":
            o.print((params.map(\.key) + sweepColumns.map(\.key)).joined(separator: ","))
            for (combo, row) in zip(combinations, rows) {
                o.print((combo + sweepColumns.map { row[$0.key].map { formatActual($0.number ?? 0) } ?? "" }).joined(separator: ","))
            }
        default:
            let titles = params.map(\.key) + sweepColumns.map(\.title)
            var table: [[String]] = [titles]
            for (combo, row) in zip(combinations, rows) {
                var cells = combo
                for c in sweepColumns {
                    let v = row[c.key]?.number ?? 0
                    switch c.title {
                    case "mean", "p50", "p99": cells.append(Units.formatDuration(nanoseconds: Int64(v.rounded())))
                    case "cpuBusy", "attached": cells.append(String(format: "%.3f", v))
                    case "irqPerIO", "switchPerIO": cells.append(String(format: "%.2f", v))
                    default: cells.append(String(format: "%.0f", v))
                    }
                }
                table.append(cells)
            }
            let widths = (0..<titles.count).map { c in table.map { $0[c].count }.max()! }
            for r in table {
                o.print(r.enumerated().map { c, cell in
                    c < params.count ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[c] - cell.count) + cell
                }.joined(separator: "  "))
            }
        }
        return .ok
    }
}
