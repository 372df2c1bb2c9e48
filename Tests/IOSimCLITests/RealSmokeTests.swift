import Foundation
import IOSimCLI
import Testing

/// io_uring can be used here unless the sysctl disables it for everyone (2) or the file says so.
let ioUringEnabled: Bool = {
    guard let text = try? String(contentsOfFile: "/proc/sys/kernel/io_uring_disabled", encoding: .utf8) else { return true }
    return text.trimmingCharacters(in: .whitespacesAndNewlines) != "2"
}()

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A short real run and a short validation, with small files in a temporary directory: a few seconds.
@Suite(.enabled(if: ioUringEnabled, "io_uring is disabled on this machine (kernel.io_uring_disabled = 2)"))
struct RealSmokeTests {
    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iosim-smoke-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func validateRunsModelAndRealityAndPrintsEveryMetric() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let o = Output()
        let code = CLI.execute(
            [
                "validate", "\(packageRoot)/Scenarios/validation/uring-4k-qd1.json5", "--dir", dir,
                "--set", "files[0].size=16MiB", "--set", "threads[0].program[0].ios=300",
            ], o)
        // The verdict depends on this machine's load; the run itself must work.
        #expect(code == .ok || code == .checkFailed, "stderr: \(o.err)")
        // The model's side pools five seeds by default, and says so.
        #expect(o.out.contains("(ok, the model's 5 seeds pooled)") || o.out.contains("(FAIL, the model's 5 seeds pooled)"), "\(o.out)")
        for metric in [
            "IOPS", "mean latency", "p99 latency", "CPU user per IO", "CPU system per IO", "CPU irq+softirq per IO",
            "interrupts per IO", "context switches per IO", "kernel threads",
        ] {
            #expect(o.out.contains(metric), "missing \(metric) in:\n\(o.out)")
        }
        // Nothing is left behind in the directory it was given.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    /// A model whose device stalls gets a line on both sides' stalls under its table, and `deviceStalls` in the
    /// JSON (here stalls every millisecond or so even at depth 1, `stallMinimumRequests` 1; the machine's io_uring
    /// job sees its own, perhaps none).
    @Test func validateShowsTheStallsOfBothSides() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stalls = [
            "--set", "device.stallInterval=1ms", "--set", "device.stallDuration=100us", "--set", "device.stallMinimumRequests=1",
            "--set", "device.stallIntervalShape=4",
        ]
        let args = [
            "validate", "\(packageRoot)/Scenarios/validation/uring-4k-qd1.json5", "--dir", dir,
            "--set", "files[0].size=16MiB", "--set", "threads[0].program[0].ios=300",
        ]
        let o = Output()
        let code = CLI.execute(args + stalls, o)
        #expect(code == .ok || code == .checkFailed, "stderr: \(o.err)")
        #expect(o.out.contains("device stalls (not judged): the model's "), "\(o.out)")
        #expect(o.out.contains("apart on average (coefficient of variation "), "\(o.out)")
        #expect(o.out.contains("; the machine's "), "\(o.out)")
        let j = Output()
        _ = CLI.execute(args + stalls + ["--format", "json"], j)
        #expect(j.out.contains("\"deviceStalls\": {\n") && j.out.contains("\"modelPerSecond\": ") && j.out.contains("\"modelIntervalCV\": "), "\(j.out)")
        // Without stalls in the model, and none seen, no line.
        let plain = Output()
        _ = CLI.execute(args + ["--set", "threads[0].program[0].ios=50"], plain)
        #expect(!plain.out.contains("the model's 0.0 a second; the machine's 0.0"))
    }

    /// With a calibrated profile, a workload calibrate ran too gets the profile's IOPS for it beside the IOPS now,
    /// in the text and as `atCalibration` in the JSON; a profile whose recorded figures do not read gets a warning.
    @Test func validateSetsTheCalibrationsIOPSBesideNow() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let profile = "\(packageRoot)/Scenarios/validation/_measured-xeon-day8.json5"
        let args = [
            "validate", "\(packageRoot)/Scenarios/validation/uring-4k-qd1.json5", "--dir", dir,
            "--set", "files[0].size=16MiB", "--set", "threads[0].program[0].ios=300", "--duration", "50ms", "--quiet",
        ]
        let json = Output()
        var code = CLI.execute(args + ["--profile", profile, "--format", "json"], json)
        #expect(code == .ok || code == .checkFailed, "stderr: \(json.err)")
        let documents = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]])
        let at = try #require(documents.first?["atCalibration"] as? [String: Any])
        #expect(at["figure"] as? String == "IOPS 4KiB QD1")
        #expect(at["median"] as? Double == 15_367 && at["minimum"] as? Double == 13_880 && at["repeats"] as? Int == 5)
        let now = try #require(at["measuredNow"] as? Double)
        let iops = (documents.first?["metrics"] as? [[String: Any]])?.first { $0["name"] as? String == "IOPS" }?["measured"] as? Double
        #expect(now == iops)
        #expect(at["outsideSpread"] as? Bool == (now < 13_880 || now > 15_740))

        let text = Output()
        code = CLI.execute(args + ["--profile", profile], text)
        #expect(code == .ok || code == .checkFailed, "stderr: \(text.err)")
        #expect(text.out.contains("since the profile's calibration"), "\(text.out)")
        #expect(text.out.contains("  uring-4k-qd1  15367 IOPS then (13880 - 15740 over 5 repeats), "), "\(text.out)")

        // Without a profile, no such line; with one whose figure lines were edited, a warning and none.
        let plain = Output()
        _ = CLI.execute(args, plain)
        #expect(!plain.out.contains("since the profile's calibration"))
        let edited = dir + "/edited-profile.json5"
        let original = try String(contentsOfFile: profile, encoding: .utf8)
        try original.replacingOccurrences(of: "//   null syscall ", with: "//   null syscal  ").write(toFile: edited, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: edited) }
        let warned = Output()
        code = CLI.execute(args + ["--profile", edited], warned)
        #expect(code == .ok || code == .checkFailed, "stderr: \(warned.err)")
        #expect(warned.err.contains("warning: \(edited): its recorded figures do not read"), "\(warned.err)")
        #expect(!warned.out.contains("since the profile's calibration"))
    }

    /// With --repeats, every scenario runs once per round and the table says it shows medians.
    @Test func validateRepeatsInterleavedAndTakesMedians() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let o = Output()
        let code = CLI.execute(
            [
                "validate", "\(packageRoot)/Scenarios/validation/uring-4k-qd1.json5",
                "\(packageRoot)/Scenarios/validation/pread-4k.json5", "--repeats", "3", "--dir", dir, "--format", "json",
                "--set", "files[0].size=16MiB", "--duration", "50ms", "--model-seeds", "2",
            ], o)
        #expect(code == .ok || code == .checkFailed, "stderr: \(o.err)")
        let documents = try #require(try JSONSerialization.jsonObject(with: Data(o.out.utf8)) as? [[String: Any]])
        #expect(documents.count == 2)
        #expect(documents.allSatisfy { $0["repeats"] as? Int == 3 && $0["modelSeeds"] as? Int == 2 })
        // Each metric carries the measured range over the repeats, around its median.
        let ranged = documents.allSatisfy { document in
            ((document["metrics"] as? [[String: Any]]) ?? []).allSatisfy { m in
                guard let low = m["measuredMinimum"] as? Double, let high = m["measuredMaximum"] as? Double,
                    let median = m["measured"] as? Double
                else { return false }
                return low <= median && median <= high
            }
        }
        #expect(ranged)
        // The project's figures are marked; the looser checks are not.
        let figures = ((documents.first?["metrics"] as? [[String: Any]]) ?? []).filter { $0["figure"] as? Bool == true }
            .compactMap { $0["name"] as? String }
        #expect(figures == ["IOPS", "mean latency", "CPU user per IO", "CPU system per IO", "CPU irq+softirq per IO", "interrupts per IO"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        let bad = Output()
        #expect(CLI.execute(["validate", "x.json5", "--repeats", "0"], bad) == .usage)
        let seeds = Output()
        #expect(CLI.execute(["validate", "x.json5", "--model-seeds", "0"], seeds) == .usage)
        #expect(seeds.err.contains("--model-seeds expects a whole number in 1...100, found '0'"), "\(seeds.err)")
        for command in [["validate", "x.json5"], ["real", "x.json5"], ["calibrate"]] {
            let wrong = Output()
            #expect(CLI.execute(command + ["--irq-time", "sampled"], wrong) == .usage)
            #expect(wrong.err.contains("--irq-time expects ticks or trace, found 'sampled'"), "\(wrong.err)")
        }
        let measureless = Output()
        #expect(CLI.execute(["calibrate", "--from", "p.json5", "--irq-time", "trace"], measureless) == .usage)
    }

    @Test func realRunOfABlockingReadLoopReportsTheSameKeysAsRun() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let o = Output()
        let code = CLI.execute(
            [
                "real", "\(packageRoot)/Scenarios/validation/pread-4k.json5", "--dir", dir, "--format", "json",
                "--set", "files[0].size=16MiB", "--set", "threads[0].program[0].repeat=200",
            ], o)
        #expect(code == .ok, "stderr: \(o.err)")
        let json = try JSONSerialization.jsonObject(with: Data(o.out.utf8)) as? [String: Any]
        let io = json?["io"] as? [String: Any]
        #expect(io?["completed"] as? Int == 200)
        let cpu = json?["cpu"] as? [String: Any]
        #expect((cpu?["total"] as? [String: Any])?["busy"] != nil)
        #expect(json?["interruptsPerIO"] != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test func aScenarioWithoutARealCounterpartIsBadData() {
        let o = Output()
        let code = CLI.execute(["real", "\(packageRoot)/Scenarios/02-cleary-iocp-write.json5"], o)
        #expect(code == .dataError)
        #expect(o.err.contains("real run needs exactly one thread entry"))
    }
}
