import IOSimCore
@testable import IOSimReal
import IOSimScenario
import Testing

@testable import IOSimValidation

/// The host's steal beside validate's table: each run's share of the vCPUs' time, its median and spread, read
/// back from validate's JSON and set before and after by compare.
@Suite struct HostStealTests {
    /// A 2-CPU measurement of `elapsed` ns with `steal` ns of /proc/stat's steal.
    static func run(elapsed: Int64, steal: Int64) -> RealMeasurement {
        var cpu = CPUTime()
        cpu.stealNanoseconds = steal
        return RealMeasurement(
            job: RealJob(), path: "data", fileWasCreated: true, ios: 1_000, bytes: 4_096_000, elapsedNanoseconds: elapsed,
            latency: Histogram(), processUserNanoseconds: 0, processSystemNanoseconds: 0, jobThreadsCPUNanoseconds: 0,
            voluntaryContextSwitches: 0, involuntaryContextSwitches: 0, systemContextSwitches: 0, systemCPU: cpu,
            perCPU: [CPUTime(), CPUTime()], diskInterrupts: 0,
            diskIRQLines: DiskIRQLines(numbers: [], names: [], method: .none, note: ""), threads: nil)
    }

    @Test func eachRunsShareIsItsStealOverEveryCPUsTime() throws {
        // 250 ms of steal over a 2-second run on 2 CPUs: 6.25%.
        #expect(Self.run(elapsed: 2_000_000_000, steal: 250_000_000).stealShare == 0.0625)
        #expect(Self.run(elapsed: 0, steal: 10).stealShare == 0)  // no time, no share
        // /proc/stat's ticks can overcount a short run: 30 ms of steal in 10 ms on 2 CPUs is taken as all of it.
        #expect(Self.run(elapsed: 10_000_000, steal: 30_000_000).stealShare == 1)
        let steal = try #require(
            HostSteal(real: [
                Self.run(elapsed: 1_000_000_000, steal: 0), Self.run(elapsed: 1_000_000_000, steal: 250_000_000),
                Self.run(elapsed: 1_000_000_000, steal: 10_000_000),
            ]))
        #expect(steal == HostSteal(median: 0.005, minimum: 0, maximum: 0.125, runs: 3))
        #expect(steal.text == "host steal (not judged): 0.5% of the vCPUs' time (0.0% - 12.5% over 3 runs)\n")
        #expect(HostSteal(shares: [0, 0])?.text == "host steal (not judged): none in 2 runs\n")
        #expect(HostSteal(shares: [0.031])?.description == "3.1% of the vCPUs' time")
        #expect(HostSteal(shares: []) == nil)
    }

    @Test func theSummaryNamesTheRunTheHostTookMostFrom() {
        let line = HostSteal.summary([
            ("pread-4k", HostSteal(shares: [0.01, 0.02])), ("uring-4k-qd64", HostSteal(shares: [0.0, 0.109])), ("none", nil),
        ])
        #expect(line == "host steal: up to 10.9% of the vCPUs' time in a run (uring-4k-qd64); the model has no host taking time\n")
        #expect(HostSteal.summary([("a", HostSteal(shares: [0, 0])), ("b", nil)]) == nil)
    }

    /// Written by validate, read back by compare and `validate --measured`; an entry without it reads nil.
    @Test func itReadsBackFromValidatesJSON() throws {
        let steal = HostSteal(median: 0.005, minimum: 0, maximum: 0.125, runs: 3)
        let row = MetricComparison(name: "IOPS", unit: "IO/s", predicted: 1, measured: 1, tolerance: 0.15, slack: 0)
        func entry(_ file: String, _ steal: HostSteal?) -> JSONValue {
            .object(
                [
                    JSONMember("file", .string(file)), JSONMember("scenario", .string(file)),
                    JSONMember("metrics", .array([row.document()])),
                ] + (steal.map { [JSONMember("hostSteal", $0.document)] } ?? []))
        }
        let text = JSONValue.array([entry("a", steal), entry("b", nil)]).rendered()
        let record = try ValidationRecord.read(text: text, path: "v.json")
        #expect(record.scenarios[0].hostSteal == steal)
        #expect(record.scenarios[1].hostSteal == nil)
        // compare keeps each side's.
        let earlier = ValidationRecord(scenarios: [.init(file: "a", name: "A", rows: [row], hostSteal: nil)])
        let change = ValidationChange(before: earlier, after: record, side: .measured)
        #expect(change.compared.map(\.file) == ["a"])
        #expect(change.compared[0].hostSteal == steal)
        #expect(change.hostStealBefore == [nil])
    }

    /// A bad `hostSteal` is refused with the place of what is wrong (`at`: the text that starts there), its key
    /// path and what was expected.
    @Test(arguments: [
        ("{\"median\": 0.1, \"minimum\": 0, \"maximum\": 0.2}", "{\"median", "[0].hostSteal.runs", "a member \"runs\""),
        ("{\"median\": 0.1, \"minimum\": 0.2, \"maximum\": 0.3, \"runs\": 3}", "0.1,", "[0].hostSteal.median", "a share from 0 to 1, at least"),
        ("{\"median\": 0.1, \"minimum\": 0, \"maximum\": 1.5, \"runs\": 3}", "1.5", "[0].hostSteal.maximum", "a share from 0 to 1"),
        ("{\"median\": 0.1, \"minimum\": 0, \"maximum\": 0.2, \"runs\": 2.5}", "2.5", "[0].hostSteal.runs", "a whole number of runs"),
        ("[0.1]", "[0.1]", "[0].hostSteal", "the host's steal"),
    ])
    func aBadStealSaysWhereAndWhat(steal: String, at: String, keyPath: String, expected: String) throws {
        let text = "[{\"file\": \"a\", \"scenario\": \"A\", \"metrics\": [], \"hostSteal\": \(steal)}]"
        let column = try #require(text.range(of: at)).lowerBound.utf16Offset(in: text) + 1
        ValidationRecordTests.expectRefused(text, line: 1, column: column, keyPath: keyPath, expected: expected)
    }
}
