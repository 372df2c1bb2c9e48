import IOSimScenario
import Testing

@testable import IOSimValidation

/// `ValidationRecord` (validate's JSON read back) and `ValidationChange` (two of them side by side, `compare`).
@Suite struct ValidationRecordTests {
    static func row(_ name: String, predicted: Double, measured: Double, tolerance: Double = 0.15, slack: Double = 0) -> MetricComparison {
        MetricComparison(name: name, unit: "", predicted: predicted, measured: measured, tolerance: tolerance, slack: slack)
    }

    /// A validation's JSON as validate writes it: the scenario's members it has and each row's `document()`.
    static func written(_ scenarios: [(file: String, rows: [MetricComparison])]) -> String {
        JSONValue.array(
            scenarios.map { s in
                .object([
                    JSONMember("file", .string(s.file)), JSONMember("scenario", .string("validation: " + s.file)),
                    JSONMember("repeats", .int(3)), JSONMember("modelSeeds", .int(5)), JSONMember("verdict", .string("ok")),
                    JSONMember("metrics", .array(s.rows.map { $0.document() })),
                ])
            }
        ).rendered()
    }

    @Test func whatValidateWritesReadsBack() throws {
        var iops = Self.row("IOPS", predicted: 68892.84, measured: 70817.38)
        iops.measuredRange = 69_500.5...76_000.25
        iops.isFigure = true
        let threads = Self.row("kernel threads", predicted: 2, measured: 0, tolerance: 0, slack: 1)  // relative error "n/a"
        let text = Self.written([("Scenarios/validation/async-qd16.json5", [iops, threads])])
        let record = try ValidationRecord.read(text: text, path: "v.json")
        #expect(record.scenarios.count == 1)
        #expect(record.scenarios[0].file == "Scenarios/validation/async-qd16.json5")
        #expect(record.scenarios[0].name == "validation: Scenarios/validation/async-qd16.json5")
        #expect(record.scenarios[0].rows == [iops, threads])
    }

    @Test func theMachinesSideIsSetAgainstItsEarlierSelf() {
        let before = ValidationRecord(scenarios: [
            .init(file: "a", name: "A", rows: [Self.row("IOPS", predicted: 1000, measured: 1000), Self.row("p99", predicted: 5, measured: 5)]),
            .init(file: "gone", name: "Gone", rows: [Self.row("IOPS", predicted: 1, measured: 1)]),
        ])
        var later = Self.row("IOPS", predicted: 1100, measured: 1200)
        later.measuredRange = 1150...1250
        let after = ValidationRecord(scenarios: [
            .init(file: "a", name: "A", rows: [later, Self.row("new metric", predicted: 1, measured: 1)]),
            .init(file: "new", name: "New", rows: [Self.row("IOPS", predicted: 1, measured: 1)]),
        ])
        let change = ValidationChange(before: before, after: after, side: .measured)
        #expect(change.onlyBefore == ["gone"])
        #expect(change.onlyAfter == ["new"])
        #expect(change.metricsOnlyAfter == ["a: new metric"])
        #expect(change.metricsOnlyBefore == ["a: p99"])
        #expect(change.compared.count == 1)
        let rows = change.compared[0].rows
        #expect(rows.map(\.name) == ["IOPS"])  // a metric the earlier one lacks is left out
        #expect(rows[0].predicted == 1000)
        #expect(rows[0].measured == 1200)
        #expect(rows[0].measuredRange == 1150...1250)
        // (1000 - 1200) / 1200 = -16.7%: past 15%. 1000 against 1150 (-13.0%) would pass.
        #expect(!rows[0].passes)
        var closer = rows[0]
        closer.measured = 1150
        #expect(closer.passes)
    }

    /// A scenario with no metric in common is not compared (an empty table would read "ok"): it is only the later
    /// one's, and the earlier entry it matched only the earlier one's.
    @Test func aScenarioWithNoMetricInCommonIsNotCompared() {
        let before = ValidationRecord(scenarios: [.init(file: "a", name: "A", rows: [Self.row("IOPS", predicted: 1, measured: 1)])])
        let after = ValidationRecord(scenarios: [.init(file: "a", name: "A", rows: [Self.row("latency", predicted: 1, measured: 1)])])
        let change = ValidationChange(before: before, after: after, side: .measured)
        #expect(change.compared.isEmpty)
        #expect(change.onlyAfter == ["a"] && change.onlyBefore == ["a"])
    }

    @Test func theModelsSideIsSetAgainstItsEarlierSelf() {
        let before = ValidationRecord(scenarios: [.init(file: "a", name: "A", rows: [Self.row("IOPS", predicted: 1000, measured: 50)])])
        var after = Self.row("IOPS", predicted: 1100, measured: 5000)
        after.measuredRange = 4000...6000
        let change = ValidationChange(
            before: before, after: ValidationRecord(scenarios: [.init(file: "a", name: "A", rows: [after])]), side: .predicted)
        let row = change.compared[0].rows[0]
        #expect(row.predicted == 1000)
        #expect(row.measured == 1100)
        #expect(row.measuredRange == nil)
        #expect(row.passes)  // -9.1%
    }

    /// A scenario's entry by its file: the same path, else the one whose path ends alike (absolute against
    /// relative, either way round); none when two end alike.
    @Test func anEntryIsFoundByItsFile() {
        let record = ValidationRecord(scenarios: [
            .init(file: "Scenarios/validation/pool-4k.json5", name: "pool", rows: []),
            .init(file: "/home/u/iosim/Scenarios/validation/pread-4k.json5", name: "pread", rows: []),
            .init(file: "a/same.json5", name: "same a", rows: []),
            .init(file: "b/same.json5", name: "same b", rows: []),
        ])
        #expect(record.entry(for: "Scenarios/validation/pool-4k.json5")?.name == "pool")
        #expect(record.entry(for: "/work/main/Scenarios/validation/pool-4k.json5")?.name == "pool")
        #expect(record.entry(for: "validation/pread-4k.json5")?.name == "pread")
        #expect(record.entry(for: "Scenarios/validation/uring-4k-qd1.json5") == nil)
        #expect(record.entry(for: "same.json5") == nil)
        #expect(record.entry(for: "b/same.json5")?.name == "same b")
        #expect(record.entry(for: "x/ool-4k.json5") == nil)  // whole components only
    }

    /// What is not validate's JSON is refused with its place, key path and what was expected.
    @Test(arguments: [
        ("{\"file\": \"a\"}", 1, 1, "", "an array of validated scenarios"),
        ("[{\"file\": \"a\", \"scenario\": \"A\"}]", 1, 2, "[0].metrics", "a member \"metrics\""),
        (
            "[{\"file\": \"a\", \"scenario\": \"A\", \"metrics\": [\n  {\"name\": \"IOPS\", \"unit\": \"IO/s\", \"predicted\": 1, "
                + "\"measured\": \"fast\", \"tolerance\": 0.15, \"slack\": 0}]}]",
            2, 64, "[0].metrics[0].measured", "a finite number"
        ),
        (
            "[{\"file\": \"a\", \"scenario\": \"A\", \"metrics\": [{\"name\": \"IOPS\", \"unit\": \"IO/s\", \"predicted\": 1, "
                + "\"measured\": 1, \"tolerance\": 0.15, \"slack\": 0, \"measuredMinimum\": 3, \"measuredMaximum\": 2}]}]",
            1, 159, "[0].metrics[0].measuredMinimum", "at most measuredMaximum"
        ),
        ("[{\"file\": 7, \"scenario\": \"A\", \"metrics\": []}]", 1, 11, "[0].file", "a string"),
    ])
    func badRecordsSayWhereAndWhat(text: String, line: Int, column: Int, keyPath: String, expected: String) {
        Self.expectRefused(text, line: line, column: column, keyPath: keyPath, expected: expected)
    }

    /// Expects `text` (read as "v.json") to be refused as bad data at that place and key path, the message
    /// starting "expected " + `expected`.
    static func expectRefused(_ text: String, line: Int, column: Int, keyPath: String, expected: String) {
        do {
            _ = try ValidationRecord.read(text: text, path: "v.json")
            Issue.record("read \(text)")
        } catch {
            guard case .data(let e) = error else {
                Issue.record("not a data error: \(error)")
                return
            }
            #expect(e.location == SourceLocation(file: "v.json", line: line, column: column))
            #expect(e.keyPath == keyPath)
            #expect(e.message.hasPrefix("expected " + expected), "\(e.message)")
        }
    }
}
