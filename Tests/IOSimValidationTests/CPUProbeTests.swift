import IOSimCore
import IOSimScenario
import Testing

@testable import IOSimValidation

/// The CPU probes beside validate's real runs: the null syscall and memcpy's bandwidth, against the profile's
/// calibration figures, read back from validate's JSON and set before and after by compare.
@Suite struct CPUProbeTests {
    static let probes = [
        CPUProbe(nullSyscallNanoseconds: 170.2, memcpyGBPerSecond: 43.0),
        CPUProbe(nullSyscallNanoseconds: 155.0, memcpyGBPerSecond: 44.1),
        CPUProbe(nullSyscallNanoseconds: 160.4, memcpyGBPerSecond: 43.52),
    ]
    /// A calibration's figures as a profile records them (medians 133.4 ns and 52.4 GB/s).
    static let recorded = [
        CalibrationFigure(name: FigureName.nullSyscall, unit: "ns", median: 133.4, minimum: 131.9, maximum: 134.9, repeats: 5),
        CalibrationFigure(name: FigureName.memcpy, unit: "GB/s", median: 52.4, minimum: 51.6, maximum: 52.7, repeats: 5),
    ]

    @Test func theProbesAreSetAgainstTheCalibrationsFigures() throws {
        let p = try #require(CPUProbes(Self.probes, recorded: Self.recorded))
        #expect(p.nullSyscallMedian == 160.4 && p.nullSyscall == 155.0...170.2)
        #expect(p.memcpyMedian == 43.52 && p.memcpy == 43.0...44.1)
        #expect(p.runs == 3)
        #expect(abs(try #require(p.nullSyscallChange) - (160.4 / 133.4 - 1)) < 1e-12)
        #expect(abs(try #require(p.memcpyChange) - (43.52 / 52.4 - 1)) < 1e-12)
        #expect(
            p.text
                == "CPU probe (not judged): null syscall 160.4 ns (155.0 - 170.2 over 3 runs), 133.4 at calibration (+20.2%); "
                + "memcpy 43.52 GB/s (43.00 - 44.10 over 3 runs), 52.40 at calibration (-16.9%)\n")
        // Without a calibration's figures (no profile, or one calibrated before the probes): no change.
        let alone = try #require(CPUProbes([Self.probes[0]]))
        #expect(alone.nullSyscallChange == nil && alone.memcpyChange == nil)
        #expect(alone.text == "CPU probe (not judged): null syscall 170.2 ns; memcpy 43.00 GB/s\n")
        #expect(CPUProbes([]) == nil)
    }

    @Test func theSummaryIsTheMedianChangeOverTheScenarios() throws {
        var unchanged = try #require(CPUProbes([CPUProbe(nullSyscallNanoseconds: 133.4, memcpyGBPerSecond: 52.4)], recorded: Self.recorded))
        let slower = try #require(CPUProbes(Self.probes, recorded: Self.recorded))
        let slowest = try #require(CPUProbes([CPUProbe(nullSyscallNanoseconds: 266.8, memcpyGBPerSecond: 26.2)], recorded: Self.recorded))
        #expect(
            CPUProbes.summary([unchanged, slowest, slower])
                == "CPU probe against the calibration (the median over the scenarios): the null syscall +20.2%, "
                + "memcpy's bandwidth -16.9%; a machine slower than it was calibrated misses the model by as much\n")
        unchanged.setCalibration(from: [])
        #expect(CPUProbes.summary([unchanged]) == nil)
    }

    /// Written by validate, read back (without the calibration's figures, which the profile of the reading
    /// command gives), and compare's line.
    @Test func theyReadBackAndCompare() throws {
        let written = try #require(CPUProbes(Self.probes, recorded: Self.recorded))
        let row = MetricComparison(name: "IOPS", unit: "IO/s", predicted: 1, measured: 1, tolerance: 0.15, slack: 0)
        let text = JSONValue.array([
            .object([
                JSONMember("file", .string("a")), JSONMember("scenario", .string("A")), JSONMember("metrics", .array([row.document()])),
                JSONMember("cpuProbe", written.document),
            ])
        ]).rendered()
        let read = try #require(try ValidationRecord.read(text: text, path: "v.json").scenarios[0].cpuProbes)
        var expected = written
        expected.setCalibration(from: [])
        #expect(read == expected)
        let before = try #require(CPUProbes([CPUProbe(nullSyscallNanoseconds: 133.4, memcpyGBPerSecond: 52.4)]))
        #expect(
            CPUProbes.changeText(before: before, after: read)
                == "CPU probe (not judged): null syscall 133.4 ns before, 160.4 after (-16.8%); memcpy 52.40 GB/s before, 43.52 after (+20.4%)\n")
        #expect(
            CPUProbes.changeText(before: nil, after: read)
                == "CPU probe (not judged): before not written; after null syscall 160.4 ns, memcpy 43.52 GB/s\n")
    }

    @Test(arguments: [
        ("{\"nullSyscallNs\": 1, \"nullSyscallMinimumNs\": 1, \"nullSyscallMaximumNs\": 1}", "{\"null", "[0].cpuProbe.runs", "a member \"runs\""),
        (
            "{\"runs\": 2, \"nullSyscallMinimumNs\": 150, \"nullSyscallNs\": 140, \"nullSyscallMaximumNs\": 160}", "140,",
            "[0].cpuProbe.nullSyscallNs", "a number above 0, at least"
        ),
        (
            "{\"runs\": 1, \"nullSyscallMinimumNs\": 1, \"nullSyscallNs\": 1, \"nullSyscallMaximumNs\": 1, \"memcpyMinimumGBps\": 0}", "0}",
            "[0].cpuProbe.memcpyMinimumGBps", "a number above 0"
        ),
        ("[1]", "[1]", "[0].cpuProbe", "the CPU probes"),
    ])
    func aBadProbeSaysWhereAndWhat(probe: String, at: String, keyPath: String, expected: String) throws {
        let text = "[{\"file\": \"a\", \"scenario\": \"A\", \"metrics\": [], \"cpuProbe\": \(probe)}]"
        let column = try #require(text.range(of: at)).lowerBound.utf16Offset(in: text) + 1
        ValidationRecordTests.expectRefused(text, line: 1, column: column, keyPath: keyPath, expected: expected)
    }

    /// The probe itself on this machine: a syscall takes some nanoseconds, not milliseconds, and a copy moves
    /// at least 100 MB/s (bounds a working probe meets on any machine; a broken one, returning 0 or nothing, fails).
    @Test func theProbeMeasuresThisMachine() throws {
        let probe = try #require(CPUProbe.measure())
        #expect(probe.nullSyscallNanoseconds > 1 && probe.nullSyscallNanoseconds < 1_000_000)
        #expect(probe.memcpyGBPerSecond > 0.1 && probe.memcpyGBPerSecond.isFinite)
    }
}
