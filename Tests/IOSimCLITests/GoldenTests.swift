// Golden output of the CLI: each command's exit code, standard output and standard error, compared byte for
// byte with a plain-text file in Tests/IOSimCLITests/Golden/.
//
// Updating the golden files after an intended change of the output:
//
//     IOSIM_UPDATE_GOLDEN=1 swift test --filter GoldenTests
//
// rewrites every golden file from the current output (and passes); review the change with `git diff
// Tests/IOSimCLITests/Golden` before committing it.
//
// Paths: the commands are given absolute paths (so the tests work from any working directory) and the
// package root prefix is removed from the output before the comparison, so the golden files show paths
// relative to the package root, as a user running `iosim` there would see them. The bad inputs are the
// committed fixtures in Tests/IOSimCLITests/Fixtures/ (their paths appear in the messages, so they must be
// stable).

import Foundation
import IOSimCLI
import IOSimScenario
import Testing

/// One command line and the exit code it must return.
struct GoldenCase: Sendable, CustomTestStringConvertible {
    /// The golden file is `Golden/<name>.txt`.
    var name: String
    /// Arguments after `iosim`; those starting with `Scenarios/` or `Tests/` are paths from the package root.
    var args: [String]
    var exit: ExitCode
    var testDescription: String { "\(name): iosim \(args.joined(separator: " "))" }

    static let fixtures = "Tests/IOSimCLITests/Fixtures/"
    static let overlapped = "Scenarios/03c-overlapped.json5"

    static let all: [GoldenCase] = [
        // Help.
        GoldenCase(name: "help-general", args: ["--help"], exit: .ok),
        GoldenCase(name: "help-run", args: ["help", "run"], exit: .ok),
        GoldenCase(name: "run-help", args: ["run", "--help"], exit: .ok),
        // Reports.
        GoldenCase(name: "run-03c-text", args: ["run", overlapped], exit: .ok),
        GoldenCase(name: "run-03c-json", args: ["run", overlapped, "--format", "json"], exit: .ok),
        GoldenCase(name: "explain-02", args: ["explain", "Scenarios/02-cleary-iocp-write.json5"], exit: .ok),
        // A failing check: each expectation with its actual value, the seed and the command that reproduces it.
        GoldenCase(
            name: "check-failing",
            args: ["check", fixtures + "failing-expect.json5", "--seed", "7", "--set", "machine.cpus=1"], exit: .checkFailed),
        // Two validations side by side: three scenarios of the suite as this machine ran them 8 minutes apart.
        GoldenCase(
            name: "compare-text", args: ["compare", fixtures + "validation-before.json", fixtures + "validation-after.json"],
            exit: .checkFailed),
        GoldenCase(
            name: "compare-json",
            args: ["compare", fixtures + "validation-before.json", fixtures + "validation-after.json", "--format", "json"],
            exit: .checkFailed),
        GoldenCase(
            name: "compare-predicted",
            args: ["compare", fixtures + "validation-before.json", fixtures + "validation-after.json", "--side", "predicted"], exit: .ok),
        GoldenCase(
            name: "compare-one-side-only", args: ["compare", fixtures + "validation-before.json", fixtures + "validation-no-p99.json"],
            exit: .ok),
        GoldenCase(name: "compare-one-file", args: ["compare", fixtures + "validation-before.json"], exit: .usage),
        GoldenCase(
            name: "compare-not-a-validation", args: ["compare", fixtures + "validation-before.json", fixtures + "unknown-key.json5"],
            exit: .dataError),
        GoldenCase(
            name: "compare-nothing-in-common",
            args: ["compare", fixtures + "validation-before.json", fixtures + "validation-other.json"], exit: .dataError),
        // Validations that wrote the host's steal and the CPU probes (this machine, 8 minutes apart), against each
        // other and against one written before either was.
        GoldenCase(
            name: "compare-host", args: ["compare", fixtures + "validation-probes-a.json", fixtures + "validation-probes-b.json"],
            exit: .checkFailed),
        GoldenCase(
            name: "compare-host-json",
            args: ["compare", fixtures + "validation-probes-a.json", fixtures + "validation-probes-b.json", "--format", "json"],
            exit: .checkFailed),
        GoldenCase(
            name: "compare-host-not-written",
            args: ["compare", fixtures + "validation-before.json", fixtures + "validation-probes-a.json"], exit: .ok),
        // The model against an earlier validation's machine side: nothing runs for real.
        GoldenCase(
            name: "validate-measured",
            args: [
                "validate", "Scenarios/validation/uring-4k-qd1.json5", "--profile", "Scenarios/validation/_measured-xeon-day16.json5",
                "--measured", fixtures + "validation-before.json", "--model-seeds", "1",
            ],
            exit: .ok),
        GoldenCase(
            name: "validate-measured-host",
            args: [
                "validate", "Scenarios/validation/uring-4k-qd1.json5", "Scenarios/validation/pool-4k.json5", "--profile",
                "Scenarios/validation/_measured-xeon-day17.json5", "--measured", fixtures + "validation-probes-a.json", "--model-seeds", "1",
            ],
            exit: .checkFailed),
        GoldenCase(
            name: "validate-measured-repeats",
            args: ["validate", "Scenarios/validation/uring-4k-qd1.json5", "--measured", fixtures + "validation-before.json", "--repeats", "3"],
            exit: .usage),
        GoldenCase(
            name: "validate-measured-no-metric",
            args: ["validate", "Scenarios/validation/uring-4k-qd1.json5", "--measured", fixtures + "validation-no-p99.json", "--model-seeds", "1"],
            exit: .dataError),
        GoldenCase(
            name: "validate-measured-no-entry",
            args: ["validate", "Scenarios/validation/sqpoll-qd1.json5", "--measured", fixtures + "validation-before.json"],
            exit: .dataError),
        // Usage errors (64).
        GoldenCase(name: "usage-unknown-option", args: ["run", "--seeed", "3", overlapped], exit: .usage),
        GoldenCase(name: "usage-missing-file", args: ["run"], exit: .usage),
        GoldenCase(name: "usage-bad-seed", args: ["run", overlapped, "--seed", "-1"], exit: .usage),
        GoldenCase(name: "usage-bad-format", args: ["run", overlapped, "--format", "yaml"], exit: .usage),
        // Bad scenario data (65): the reader, the decoder, and the simulator.
        GoldenCase(name: "data-syntax-error", args: ["run", fixtures + "syntax-error.json5"], exit: .dataError),
        GoldenCase(name: "data-bare-duration", args: ["run", fixtures + "bare-duration.json5"], exit: .dataError),
        GoldenCase(name: "data-unknown-key", args: ["run", fixtures + "unknown-key.json5"], exit: .dataError),
        GoldenCase(name: "data-deadlock", args: ["run", fixtures + "deadlock.json5"], exit: .dataError),
        GoldenCase(name: "data-never-issued", args: ["run", fixtures + "never-issued.json5"], exit: .dataError),
        // A file that cannot be read (74).
        GoldenCase(name: "io-file-not-found", args: ["run", fixtures + "no-such-file.json5"], exit: .ioError),
    ]
}

/// Whether golden files are rewritten instead of compared (see the top of this file).
private let updating = ProcessInfo.processInfo.environment["IOSIM_UPDATE_GOLDEN"] == "1"

/// Runs `iosim ARGS` and renders what it did as the golden text: the command, the exit code, stdout, stderr.
private func render(_ c: GoldenCase) -> (text: String, code: ExitCode) {
    let args = c.args.map { $0.hasPrefix("Scenarios/") || $0.hasPrefix("Tests/") ? Paths.path($0) : $0 }
    let r = iosim(args)
    let strip = { (s: String) in s.replacingOccurrences(of: Paths.root + "/", with: "") }
    var text = "$ iosim \(c.args.joined(separator: " "))\n"
    text += "exit \(r.code.rawValue) (\(r.code))\n"
    text += "--- stdout\n" + strip(r.out)
    if !r.out.isEmpty && !r.out.hasSuffix("\n") { text += "\n\\ no newline at the end of stdout\n" }
    text += "--- stderr\n" + strip(r.err)
    if !r.err.isEmpty && !r.err.hasSuffix("\n") { text += "\n\\ no newline at the end of stderr\n" }
    text += "--- end\n"
    return (text, r.code)
}

/// Compares `actual` with the golden file `name`, or rewrites it when updating; on a mismatch records the
/// command and a diff.
func expectGolden(_ name: String, _ actual: String, command: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let path = Paths.path("Tests/IOSimCLITests/Golden/\(name).txt")
    if updating {
        do {
            try Data(actual.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            Issue.record("cannot write \(path): \(error)", sourceLocation: sourceLocation)
        }
        return
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        Issue.record(
            "no golden file \(path) for `\(command)`; create it with IOSIM_UPDATE_GOLDEN=1 swift test --filter GoldenTests",
            sourceLocation: sourceLocation)
        return
    }
    if data != Data(actual.utf8) {
        let expected = String(decoding: data, as: UTF8.self)
        Issue.record(
            """
            output of `\(command)` differs from Golden/\(name).txt (- golden, + actual); \
            if the change is intended, run IOSIM_UPDATE_GOLDEN=1 swift test --filter GoldenTests
            \(lineDiff(expected: expected, actual: actual))
            """, sourceLocation: sourceLocation)
    }
}

@Suite struct GoldenTests {
    @Test(arguments: GoldenCase.all)
    func golden(_ c: GoldenCase) {
        let (text, code) = render(c)
        #expect(code == c.exit, "iosim \(c.args.joined(separator: " ")) exited \(code), expected \(c.exit)\n\(text)")
        expectGolden(c.name, text, command: "iosim \(c.args.joined(separator: " "))")
    }

    /// The diff a golden mismatch prints.
    @Test func diffShowsTheChangedLines() {
        let d = lineDiff(expected: "a\nb\nc\nd\n", actual: "a\nx\nc\nd\ne\n", context: 1)
        #expect(d == "@@ line 1 of the golden file @@\n a\n-b\n+x\n c\n d\n+e\n ")
    }

    /// The documented shape of errors, beyond the golden bytes: one `error:` line naming the file, line and
    /// column and key path, then a `hint:` line; never a stack trace.
    @Test func dataErrorsArePositionedAndHinted() {
        let r = iosim(["run", Paths.path(GoldenCase.fixtures + "bare-duration.json5")])
        #expect(r.code == .dataError)
        #expect(r.out.isEmpty)
        let lines = r.err.replacingOccurrences(of: Paths.root + "/", with: "").split(separator: "\n")
        #expect(
            lines.first
                == #"error: Tests/IOSimCLITests/Fixtures/bare-duration.json5:12:14: device.latency: expected a duration such as "80us", found 80"#)
        #expect(lines.count == 2)
        #expect(lines.last?.hasPrefix("hint: ") == true)
    }

    @Test func failingCheckShowsActualSeedAndReproduceCommand() {
        let file = Paths.path(GoldenCase.fixtures + "failing-expect.json5")
        let r = iosim(["check", file, "--seed", "7"])
        #expect(r.code == .checkFailed)
        #expect(r.out.contains("  FAIL io.completed == 2 (actual 1)\n"))
        #expect(r.out.contains("seed 7"))
        #expect(r.out.contains("  reproduce: iosim run \(file) --seed 7\n"))
        // The reproduce command does reproduce: the same actual value.
        let again = iosim(["run", file, "--seed", "7", "--format", "json"])
        #expect(again.code == .ok)
        #expect(again.out.contains("\"completed\": 1,"))
    }

    // MARK: Determinism

    /// A scenario with randomness: the SATA SSD profile draws each read's service time from a log-normal.
    static let random = "Scenarios/09b-one-read-sata-ssd.json5"

    @Test func sameSeedSameBytesOtherSeedOtherBytes() {
        let path = Paths.path(Self.random)
        let first = iosim(["run", path, "--format", "json"])
        let second = iosim(["run", path, "--format", "json"])
        #expect(first.code == .ok && second.code == .ok)
        #expect(first.out == second.out)
        #expect(!first.out.isEmpty)
        let seeded = iosim(["run", path, "--format", "json", "--seed", "2"])
        let seededAgain = iosim(["run", path, "--format", "json", "--seed", "2"])
        #expect(seeded.code == .ok)
        #expect(seeded.out != first.out)
        #expect(seeded.out == seededAgain.out)
        #expect(seeded.out.contains("\"seed\": 2,"))
    }

    // MARK: Sweep

    /// `sweep` runs each combination as `run --set` would: the CSV cells are the numbers of the JSON report
    /// of a separate run, exactly. The device gets 4 channels (a base `--set`) so the queue depth matters.
    @Test func sweepRowsEqualSeparateRuns() throws {
        let path = Paths.path("Scenarios/04b-iocp.json5")
        let base = ["--set", "device.channels=4"]
        let r = iosim(["sweep", path, "--param", "device.queueDepth=1,4", "--format", "csv"] + base)
        #expect(r.code == .ok, "\(r.err)")
        let lines = r.out.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "a header and 2 rows:\n\(r.out)")
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header.first == "device.queueDepth")
        #expect(header.contains("io.iops") && header.contains("io.latencyNs.mean") && header.contains("threads.max"))
        for (row, depth) in zip(lines.dropFirst(), ["1", "4"]) {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            try #require(cells.count == header.count, "row \(row)")
            #expect(cells[0] == depth)
            let single = iosim(["run", path, "--set", "device.queueDepth=\(depth)", "--format", "json"] + base)
            try #require(single.code == .ok, "\(single.err)")
            // Parsed with the package's own reader: Foundation's JSONSerialization on Linux does not read
            // every double back exactly (0.0035156231475186703 came back as 0.003515623147518672).
            let document = try JSON5Reader.parse(single.out, file: "run.json")
            for (key, cell) in zip(header.dropFirst(), cells.dropFirst()) {
                let expected = try #require(number(at: key, in: document), "no \(key) in the run's JSON")
                #expect(Double(cell) == expected, "queueDepth=\(depth) \(key): sweep \(cell), run \(expected)")
            }
        }
        // The parameter matters here, so equal rows would mean it was not applied.
        #expect(lines[1].dropFirst(2) != lines[2].dropFirst(2))
    }
}

/// The number at a dotted key path (`io.latencyNs.mean`) of a parsed JSON document.
private func number(at path: String, in document: JSON5Value) -> Double? {
    var current = document
    for part in path.split(separator: ".") {
        guard let m = current.member(String(part)) else { return nil }
        current = m.value
    }
    guard case .number(let n) = current.kind else { return nil }
    return n.doubleValue
}
