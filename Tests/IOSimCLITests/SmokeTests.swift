import Foundation
@testable import IOSimCLI
import Testing

@Suite struct CommandLineBasics {
    @Test func versionPrintsTheVersionAndExitsZero() {
        let o = Output()
        #expect(CLI.execute(["--version"], o) == .ok)
        #expect(o.out == "iosim 0.1.0\n")
        #expect(o.err.isEmpty)
    }

    @Test func anUnknownCommandIsAUsageError() {
        let o = Output()
        #expect(CLI.execute(["rnu"], o) == .usage)
        #expect(o.err.hasPrefix("error: unknown command 'rnu' (did you mean 'run'?)\n"))
        #expect(o.out.isEmpty)
    }
}

/// `calibrate --given` is checked before anything is measured.
@Suite struct CalibrateGivenArguments {
    @Test(arguments: [
        ("kernel.doorbell", "--given expects KEY=DURATION"),
        ("machine.cpus=2", "'machine.cpus' cannot be given; expected one of kernel.requestCreate, kernel.driverSubmit, kernel.doorbell, device.passWakeup, machine.hostHaltPoll"),
        ("kernel.doorbell=4", "--given kernel.doorbell: expected a duration such as \"80us\", found \"4\""),
        ("kernel.doorbell=3000000s", "longer than the model's longest duration"),
    ])
    func badGivenIsAUsageError(argument: String, message: String) {
        let r = iosim(["calibrate", "--given", argument])
        #expect(r.code == .usage)
        #expect(r.err.contains(message), "\(r.err)")
    }

    /// Every given key is accepted, the busy CPU's interrupt stall and the idle CPU's delivery among them, each with
    /// its value.
    @Test func everyKeyCanBeGiven() throws {
        let keys = [
            "kernel.requestCreate", "kernel.driverSubmit", "kernel.doorbell", "device.passWakeup", "machine.hostHaltPoll",
            "machine.idleExit", "machine.localWakeup", "interrupts.busyStall", "interrupts.idleDelivery",
        ]
        let given = try Commands.givenCosts(keys.enumerated().map { "\($0.element)=\($0.offset + 1)us" })
        #expect(given.map(\.key.rawValue) == keys)
        #expect(given.map(\.value) == (1...keys.count).map { .microseconds(Int64($0)) })
    }

    @Test func aKeyGivenTwiceIsAUsageError() {
        let r = iosim(["calibrate", "--given", "kernel.doorbell=4us", "--given", "kernel.doorbell=5us"])
        #expect(r.code == .usage)
        #expect(r.err.contains("kernel.doorbell is given twice"))
    }
}

/// `calibrate --from PROFILE` fits the figures a profile recorded again and measures nothing.
@Suite struct CalibrateFromAProfile {
    static let stored = Paths.path("Scenarios/validation/_measured-xeon.json5")

    @Test(arguments: [["--dir", "/tmp"], ["--repeats", "3"]])
    func measuringOptionsAreUsageErrors(option: [String]) {
        let r = iosim(["calibrate", "--from", Self.stored] + option)
        #expect(r.code == .usage)
        #expect(r.err.hasPrefix("error: \(option[0]) is for measuring; --from fits the figures a profile recorded and measures nothing\n"), "\(r.err)")
    }

    @Test func aScenarioThatRecordsNoFiguresIsADataError() {
        let path = Paths.path("Scenarios/validation/_machine.json5")
        let r = iosim(["calibrate", "--from", path])
        #expect(r.code == .dataError)
        #expect(r.err == "error: \(path):1:1: expected the figures calibrate recorded, after the line \"// Figures are medians "
            + "(minimum - maximum over the repeats).\"\nhint: only a profile written by `iosim calibrate` records its figures\n")
        #expect(r.out.isEmpty)
    }

    @Test func aMissingProfileIsAFileError() {
        let r = iosim(["calibrate", "--from", "/nonexistent/p.json5"])
        #expect(r.code == .ioError)
        #expect(r.err == "error: /nonexistent/p.json5: no such file\n")
    }

    /// On the small grid, into a file; the stored profile is only read.
    @Test func theStoredProfileFitsAgainIntoAFile() throws {
        let out = NSTemporaryDirectory() + "iosim-refit-\(getpid()).json5"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let before = try String(contentsOfFile: Self.stored, encoding: .utf8)
        let r = iosim(["calibrate", "--from", Self.stored, "--quick", "--given", "kernel.doorbell=12us", "-o", out])
        #expect(r.code == .ok, "\(r.err)")
        #expect(r.out.hasPrefix(
            "the figures recorded in \(Self.stored), fitted again; given: kernel.requestCreate=1us, kernel.driverSubmit=2us, "
                + "machine.localWakeup=18us, kernel.doorbell=12us\n"), "\(r.out.prefix(300))")
        #expect(r.out.hasSuffix("profile written to \(out); use it with `iosim validate --profile \(out)` or `extends` in a scenario\n"))
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(written.contains("doorbell: \"12us\","))
        #expect(written.contains("//   read latency 4KiB QD1 "))
        #expect(try String(contentsOfFile: Self.stored, encoding: .utf8) == before)
    }
}

/// `bench` says which path ran, and both paths give the same simulated figures.
@Suite struct BenchPaths {
    func field(_ name: String, _ json: String) -> String? {
        json.split(separator: "\n").first { $0.contains("\"\(name)\":") }.map { String($0.split(separator: ":")[1]) }
    }

    @Test func theReferenceWorkloadRunsOnTheFastPathWithTheGeneralPathsFigures() {
        let fast = iosim(["bench", "--ios", "3000"])
        let general = iosim(["bench", "--ios", "3000", "--general"])
        #expect(fast.code == .ok && general.code == .ok)
        #expect(field("path", fast.out) == " \"closed-loop\"")
        #expect(field("path", general.out) == " \"general\"")
        for key in ["ios", "events", "meanLatencyNs", "cpuUtilization", "seed"] {
            #expect(field(key, fast.out) != nil)
            #expect(field(key, fast.out) == field(key, general.out), "\(key)")
        }
    }
}

/// `run`, `check` and `explain --profile P` lay a calibrated profile over the scenario, as `validate` does.
@Suite struct ProfileOption {
    static let scenario = Paths.path("Tests/IOSimCLITests/Fixtures/failing-expect.json5")
    static let profile = Paths.path("Tests/IOSimCLITests/Fixtures/slow-device-profile.json5")

    /// The run's elapsed virtual time and CPU count from its JSON report.
    func run(_ args: [String]) -> (elapsedNs: Int, cpus: Int)? {
        let r = iosim(["run", Self.scenario, "--format", "json"] + args)
        func field(_ name: String) -> Int? {
            r.out.split(separator: "\n").first { $0.contains("\"\(name)\":") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: [","])) }
        }
        guard r.code == .ok, let e = field("elapsedNs"), let c = field("count") else { return nil }
        return (e, c)
    }

    @Test func theProfilesDeviceTakesOverTheScenarios() throws {
        let plain = try #require(run([]))
        let profiled = try #require(run(["--profile", Self.profile]))
        #expect(plain.elapsedNs < 1_000_000 && plain.cpus == 2)
        #expect(profiled.elapsedNs > 1_000_000 && profiled.elapsedNs < 1_100_000 && profiled.cpus == 1)
        // --set still wins over the profile.
        let overridden = try #require(run(["--profile", Self.profile, "--set", "device.latency=2ms"]))
        #expect(overridden.elapsedNs > 2_000_000 && overridden.elapsedNs < 2_100_000)
    }

    @Test func checkAndExplainTakeItToo() {
        let check = iosim(["check", Self.scenario, "--profile", Self.profile])
        #expect(check.code == .checkFailed)
        #expect(check.out.contains("--profile \(Self.profile)"), "the reproduce line names the profile: \(check.out)")
        let explain = iosim(["explain", Self.scenario, "--profile", Self.profile])
        #expect(explain.code == .ok)
        #expect(explain.out.contains("1.014ms  -       6. device: finishes IO 1"), "\(explain.out)")
    }

    @Test func aProfileWithOtherKeysIsADataError() {
        let r = iosim(["run", Self.scenario, "--profile", Paths.path("Tests/IOSimCLITests/Fixtures/profile-with-threads.json5")])
        #expect(r.code == .dataError)
        #expect(r.err.contains("profile-with-threads.json5:4:3"), "\(r.err)")
        #expect(r.err.contains("a profile holds only machine, kernel, device, interrupts"), "\(r.err)")
    }
}

/// `run --trace` streams the trace while the model runs: a run that fails leaves no trace file behind (a JSON
/// document cut short would not open), and one that succeeds leaves a whole one.
@Suite struct ModelTraceFile {
    @Test func aFailedRunRemovesItsTraceFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("iosim-failed-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let failed = iosim(["run", Paths.path("Tests/IOSimCLITests/Fixtures/deadlock.json5"), "--trace", path])
        #expect(failed.code == .dataError)
        #expect(failed.err.contains("deadlock"))
        #expect(!FileManager.default.fileExists(atPath: path))
        let ok = iosim(["run", Paths.path("Scenarios/03a-blocking.json5"), "--trace", path])
        #expect(ok.code == .ok)
        let data = try #require(FileManager.default.contents(atPath: path))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(root["traceEvents"] is [Any])
    }

    /// A whole trace stays when only the picture cannot be written (exit 74: the run itself succeeded).
    @Test func aFinishedTraceStaysWhenThePictureFails() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("iosim-kept-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = iosim(["run", Paths.path("Scenarios/03a-blocking.json5"), "--trace", path, "--svg", "/nonexistent-dir/x.svg"])
        #expect(r.code == .ioError)
        #expect(r.err.contains("/nonexistent-dir/x.svg"))
        let data = try #require(FileManager.default.contents(atPath: path))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(root["traceEvents"] is [Any])
    }

    /// `--trace` through a symbolic link writes its target, as a shell's `>` does, and the link stays a link; a
    /// failed run removes neither the link nor its target (only a file the path itself names).
    @Test func aTraceThroughALinkKeepsTheLink() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iosim-link-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/target.json", link = dir + "/link.json"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let ok = iosim(["run", Paths.path("Scenarios/03a-blocking.json5"), "--trace", link])
        #expect(ok.code == .ok)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target)
        let data = try #require(FileManager.default.contents(atPath: target))
        #expect((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["traceEvents"] is [Any])
        let failed = iosim(["run", Paths.path("Tests/IOSimCLITests/Fixtures/deadlock.json5"), "--trace", link])
        #expect(failed.code == .dataError)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target)
        #expect(FileManager.default.fileExists(atPath: target))
    }
}
