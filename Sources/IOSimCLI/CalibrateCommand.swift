//! `iosim calibrate`: measure this machine's costs and write a profile that scenarios can extend.

import Foundation
import IOSimCore
import IOSimReal
import IOSimScenario
import IOSimTimeline
import IOSimValidation

extension Commands {
    static func calibrate(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(
            args, command: "calibrate", valued: ["--dir", "-o", "--repeats", "--given", "--from", "--irq-time"], flags: ["--help", "--quick", "--quiet"])
        if a.has("--help") {
            o.write(Help.text(for: "calibrate")!)
            return .ok
        }
        if !a.positionals.isEmpty { throw UsageError(message: "calibrate takes no file arguments", command: "calibrate") }
        if let from = a.value("--from") {
            // The recorded figures of an earlier calibration, fitted again: nothing is measured.
            for option in ["--dir", "--repeats", "--irq-time"] where a.has(option) {
                throw UsageError(
                    message: "\(option) is for measuring; --from fits the figures a profile recorded and measures nothing",
                    command: "calibrate")
            }
            let given = try givenCosts(a.values("--given"))
            let report: CalibrationReport
            // The device search is most of the minute: a line counts the candidate devices it has run.
            let line = progressLine(label: "calibrate --from", total: 0, unit: "devices searched", quiet: a.has("--quiet"), o)
            var searched: Int64 = 0
            do {
                defer { line.finish() }
                report = try Calibration.refit(profileAt: from, given: given, quick: a.has("--quick")) {
                    searched += 1
                    line.update(done: searched)
                }
            } catch {
                return CLI.report(error, o)
            }
            // The costs the profile was given are given again (a --given of the same key wins): say which.
            let costs = report.given.map { "\($0.key.rawValue)=\(Units.formatDuration(nanoseconds: $0.value.nanoseconds))" }
            o.print("the figures recorded in \(from), fitted again; given: \(costs.isEmpty ? "nothing" : costs.joined(separator: ", "))")
            return write(report, a, o)
        }
        var options = CalibrationOptions()
        options.directory = a.value("--dir")
        options.quick = a.has("--quick")
        if let r = try a.int("--repeats", range: 1...100) { options.repeats = r }
        options.given = try givenCosts(a.values("--given"))
        options.interruptTime = try interruptTime(a)
        // The step count is known once the calibration starts: the line is made at its first report.
        let steps = StepProgress { total in progressLine(label: "calibrate", total: Int64(total), unit: "steps", quiet: a.has("--quiet"), o) }
        options.progress = { done, total in steps.update(done: done, total: total) }
        let report: CalibrationReport
        do {
            defer { steps.finish() }
            report = try Calibration.run(options)
        } catch {
            return Commands.report(error, o)
        }
        return write(report, a, o)
    }

    /// Prints the figures' table and the profile, or writes the profile to `-o`.
    private static func write(_ report: CalibrationReport, _ a: Arguments, _ o: Output) -> ExitCode {
        o.write(report.table)
        for warning in report.warnings { o.error(warning) }
        if let path = a.value("-o") {
            guard Visuals.write(Data(report.profileText.utf8), to: path) else {
                o.error("error: \(path): cannot be written")
                return .ioError
            }
            o.print("profile written to \(path); use it with `iosim validate --profile \(path)` or `extends` in a scenario")
        } else {
            o.print()
            o.write(report.profileText)
        }
        return .ok
    }
}

extension Commands {
    /// `--given KEY=DURATION` values: a known key and a duration of at most `SimDuration.longest`, each once.
    static func givenCosts(_ values: [String]) throws(UsageError) -> [GivenCost] {
        let keys = GivenCost.Key.allCases.map(\.rawValue).joined(separator: ", ")
        var result: [GivenCost] = []
        for v in values {
            guard let o = Override(argument: v) else {
                throw UsageError(message: "--given expects KEY=DURATION (such as kernel.doorbell=4us), found '\(v)'", command: "calibrate")
            }
            guard let key = GivenCost.Key(rawValue: o.keyPath) else {
                throw UsageError(message: "--given: '\(o.keyPath)' cannot be given; expected one of \(keys)", command: "calibrate")
            }
            if result.contains(where: { $0.key == key }) {
                throw UsageError(message: "--given: \(key.rawValue) is given twice", command: "calibrate")
            }
            switch Units.parseDuration(o.value) {
            case .success(let ns) where ns <= SimDuration.longest.nanoseconds:
                result.append(GivenCost(key: key, value: .nanoseconds(ns)))
            case .success:
                throw UsageError(message: "--given \(key.rawValue): \(o.value) is longer than the model's longest duration (2^50 ns)", command: "calibrate")
            case .failure(let e):
                throw UsageError(message: "--given \(key.rawValue): \(e.message)\(e.hint.map { " (\($0))" } ?? "")", command: "calibrate")
            }
        }
        return result
    }
}

/// A progress line made when the total is first known.
/// Safety: `Calibration.run` reports on its calling thread only; the lock makes that not matter.
final class StepProgress: @unchecked Sendable {
    private let make: (Int) -> ProgressLine
    private let lock = NSLock()
    private var line: ProgressLine? = nil

    init(_ make: @escaping (Int) -> ProgressLine) { self.make = make }

    func update(done: Int, total: Int) {
        lock.withLock {
            if line == nil { line = make(total) }
            line?.update(done: Int64(done))
        }
    }

    func finish() { lock.withLock { line?.finish() } }
}
