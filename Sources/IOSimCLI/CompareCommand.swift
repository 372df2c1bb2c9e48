//! `iosim compare BEFORE AFTER`: two validations side by side, judged as validate judges the model. With the
//! machine's side (the default) it tells how far the machine moved between them: the floor under the model's error.

import IOSimScenario
import IOSimValidation

extension Commands {
    static func compare(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(args, command: "compare", valued: ["--side", "--format"], flags: ["--help"])
        if a.has("--help") {
            o.write(Help.text(for: "compare")!)
            return .ok
        }
        guard a.positionals.count == 2 else {
            throw UsageError(
                message: "compare takes two files, BEFORE and AFTER, each written by `iosim validate --format json` "
                    + "(found \(a.positionals.count))",
                command: "compare")
        }
        let format = try a.format(["text", "json"])
        let sideName = a.value("--side") ?? ValidationRecord.Side.measured.rawValue
        guard let side = ValidationRecord.Side(rawValue: sideName) else {
            throw UsageError(message: "--side is measured or predicted, found '\(sideName)'", command: "compare")
        }
        let beforePath = a.positionals[0], afterPath = a.positionals[1]
        let before: ValidationRecord, after: ValidationRecord
        do {
            before = try ValidationRecord.read(at: beforePath)
            after = try ValidationRecord.read(at: afterPath)
        } catch {
            return CLI.report(error, o)
        }
        let change = ValidationChange(before: before, after: after, side: side)
        guard !change.compared.isEmpty else {
            o.error("error: \(afterPath): none of its scenarios is in \(beforePath) (they are matched by their file)")
            o.error("hint: compare two outputs of `iosim validate --format json` over the same scenario files")
            return .dataError
        }
        let failed = change.compared.contains { $0.rows.contains { !$0.passes } }
        if format == "json" {
            o.print(
                JSONValue.object([
                    JSONMember("before", .string(beforePath)), JSONMember("after", .string(afterPath)),
                    JSONMember("side", .string(side.rawValue)), JSONMember("verdict", .string(failed ? "fail" : "ok")),
                    JSONMember(
                        "scenarios",
                        .array(change.compared.indices.map { i -> JSONValue in
                            let s = change.compared[i]
                            return .object([
                                JSONMember("file", .string(s.file)), JSONMember("scenario", .string(s.name)),
                                JSONMember("verdict", .string(s.rows.contains { !$0.passes } ? "fail" : "ok")),
                                JSONMember("metrics", .array(s.rows.map { $0.document(keys: ("before", "after")) })),
                            ] + hostMembers(change, i, side: side))
                        })),
                    JSONMember("onlyBefore", .array(change.onlyBefore.map { .string($0) })),
                    JSONMember("onlyAfter", .array(change.onlyAfter.map { .string($0) })),
                    JSONMember("metricsOnlyBefore", .array(change.metricsOnlyBefore.map { .string($0) })),
                    JSONMember("metricsOnlyAfter", .array(change.metricsOnlyAfter.map { .string($0) })),
                ]).rendered())
        } else {
            let whose = side == .measured ? "the machine's" : "the model's"
            o.print("before: \(beforePath)")
            o.print("after:  \(afterPath)")
            o.print("\(whose) values of each, the error (before - after) / after, judged with validate's tolerances")
            o.print()
            for (i, s) in change.compared.enumerated() {
                let verdict = s.rows.contains { !$0.passes } ? "FAIL" : "ok"
                o.write(Validation.table(s.rows, title: "\(s.file): \(s.name) (\(verdict))", columns: ("before", "after")))
                let stealBefore = change.hostStealBefore[i], probesBefore = change.cpuProbesBefore[i]
                if side == .measured && (stealBefore != nil || s.hostSteal != nil) {
                    o.write(HostSteal.changeText(before: stealBefore, after: s.hostSteal))
                }
                if side == .measured && (probesBefore != nil || s.cpuProbes != nil) {
                    o.write(CPUProbes.changeText(before: probesBefore, after: s.cpuProbes))
                }
                o.print()
            }
            for file in change.onlyBefore { o.print("only before: \(file)") }
            for file in change.onlyAfter { o.print("only after: \(file)") }
            for metric in change.metricsOnlyBefore { o.print("metric only before: \(metric)") }
            for metric in change.metricsOnlyAfter { o.print("metric only after: \(metric)") }
            if change.compared.count > 1 { o.write(Validation.summary(change.compared.map { (shortName($0.file), $0.rows) })) }
        }
        return failed ? .checkFailed : .ok
    }

    /// `hostStealBefore`, `hostStealAfter`, `cpuProbeBefore` and `cpuProbeAfter` of the compared scenario `i` in
    /// compare's JSON, those written (the machine's side only: they are about the machine's runs).
    static func hostMembers(_ change: ValidationChange, _ i: Int, side: ValidationRecord.Side) -> [JSONMember] {
        guard side == .measured else { return [] }
        let after = change.compared[i]
        return (change.hostStealBefore[i].map { [JSONMember("hostStealBefore", $0.document)] } ?? [])
            + (after.hostSteal.map { [JSONMember("hostStealAfter", $0.document)] } ?? [])
            + (change.cpuProbesBefore[i].map { [JSONMember("cpuProbeBefore", $0.document)] } ?? [])
            + (after.cpuProbes.map { [JSONMember("cpuProbeAfter", $0.document)] } ?? [])
    }
}
