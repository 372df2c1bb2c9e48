// One test per kind of error of the scenario decoder and loader: each asserts the position (line, column),
// the key path, the message and, where there is one, the hint. Most decode from text with
// `ScenarioLoader.load(text:path:overrides:)`; the `extends` tests write small files into a temp directory.

import Foundation
import IOSimCore
import IOSimModel
import IOSimScenario
import Testing

private let file = "t.json5"

/// The data error loading `text` throws (failing the test if it loads, or fails another way).
private func dataError(
    _ text: String, path: String = file, overrides: [Override] = [], sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> ScenarioError? {
    do {
        let loaded = try ScenarioLoader.load(text: text, path: path, overrides: overrides)
        Issue.record("expected an error, but the scenario loaded: \(loaded.scenario.name)", sourceLocation: sourceLocation)
        return nil
    } catch .data(let e) {
        return e
    } catch {
        Issue.record("expected a data error, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Asserts the error of `text`: where, which key path, what message, what hint (nil: no hint).
private func expectError(
    _ text: String, path: String = file, overrides: [Override] = [], line: Int?, column: Int?, keyPath: String,
    message: String, hint: String?? = .none, sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    guard let e = dataError(text, path: path, overrides: overrides, sourceLocation: sourceLocation) else { return }
    if let line, let column {
        #expect(e.location == IOSimScenario.SourceLocation(file: path, line: line, column: column), sourceLocation: sourceLocation)
    } else {
        #expect(e.location == nil, sourceLocation: sourceLocation)
    }
    #expect(e.keyPath == keyPath, sourceLocation: sourceLocation)
    #expect(e.message == message, sourceLocation: sourceLocation)
    if case .some(let expectedHint) = hint {
        #expect(e.hint == expectedHint, sourceLocation: sourceLocation)
    }
}

/// A valid scenario with `extra` as its last member, on line 4 (the lines above are fixed).
private func scenario(_ extra: String) -> String {
    """
    {
      files: [{ name: "data", size: "1MiB" }],
      threads: [{ name: "main", program: [{ read: "data", size: "4KiB" }] }],
    \(extra)
    }
    """
}

@Suite struct DecoderErrorTests {
    @Test func theBaseScenarioLoads() throws {
        let f = try ScenarioLoader.load(text: scenario("  name: \"ok\","), path: file)
        #expect(f.scenario.name == "ok")
        #expect(f.scenario.threads.count == 1)
    }

    // MARK: Types

    @Test func stringWhereAnObjectIsNeeded() {
        expectError(
            scenario(#"  device: "nvme","#), line: 4, column: 11, keyPath: "device",
            message: #"expected an object, found "nvme""#, hint: "an object is written { key: value, ... }")
    }

    @Test func numberWhereAStringIsNeeded() {
        expectError(
            scenario("  name: 42,"), line: 4, column: 9, keyPath: "name", message: "expected a string, found 42",
            hint: #"strings are quoted: "name""#)
    }

    @Test func objectWhereAnArrayIsNeeded() {
        expectError(
            "{\n  threads: { name: \"main\" },\n}", line: 2, column: 12, keyPath: "threads",
            message: "expected an array, found an object", hint: "an array is written [a, b, ...]")
    }

    // MARK: Units

    @Test func bareNumberWhereADurationIsNeeded() {
        expectError(
            scenario("  device: {\n    latency: 80,\n  },"), line: 5, column: 14, keyPath: "device.latency",
            message: #"expected a duration such as "80us", found 80"#, hint: #"write the unit: "80us""#)
    }

    @Test func bareNumberWhereADurationIsNeededInAProgram() {
        expectError(
            "{\n  threads: [{ name: \"main\", program: [{ compute: 2.5 }] }],\n}", line: 2, column: 50,
            keyPath: "threads[0].program[0].compute", message: #"expected a duration such as "80us", found 2.5"#,
            hint: #"write the unit: "2.5us""#)
    }

    @Test func bareNumberWhereARateIsNeeded() {
        expectError(
            scenario("  device: { bandwidth: 500 },"), line: 4, column: 24, keyPath: "device.bandwidth",
            message: #"expected a rate such as "2GB/s", found 500"#, hint: #"write the unit: "500GB/s""#)
    }

    /// Sizes may be bare byte counts, but not negative ones.
    @Test func negativeBareSize() {
        expectError(
            scenario("  machine: { threadStack: -5 },"), line: 4, column: 27, keyPath: "machine.threadStack",
            message: #"expected a size such as "4KiB", found -5"#)
    }

    @Test func bareZeroIsAnyUnit() throws {
        let f = try ScenarioLoader.load(text: scenario("  machine: { contextSwitch: 0, threadStack: 0 },"), path: file)
        #expect(f.scenario.machine.contextSwitch == .zero)
        #expect(f.scenario.machine.threadStackBytes == 0)
    }

    @Test func negativeDurationString() {
        guard let e = dataError(scenario(#"  machine: { contextSwitch: "-5us" },"#)) else { return }
        #expect(e.location == IOSimScenario.SourceLocation(file: file, line: 4, column: 29))
        #expect(e.keyPath == "machine.contextSwitch")
        #expect(e.message.contains("-5us"), "\(e.message)")
    }

    @Test func uringPreparePerSQEIsReadAndRefusedNegative() throws {
        let f = try ScenarioLoader.load(text: scenario(#"  kernel: { uringPreparePerSQE: "150ns" },"#), path: file)
        #expect(f.scenario.kernel.uringPreparePerSQE == .nanoseconds(150))
        guard let e = dataError(scenario(#"  kernel: { uringPreparePerSQE: "-1ns" },"#)) else { return }
        #expect(e.keyPath == "kernel.uringPreparePerSQE")
    }

    @Test func uringWaitIsReadAndRefusedNegative() throws {
        let f = try ScenarioLoader.load(text: scenario(#"  kernel: { uringWait: "2.5us" },"#), path: file)
        #expect(f.scenario.kernel.uringWait == .nanoseconds(2_500))
        guard let e = dataError(scenario(#"  kernel: { uringWait: "-1ns" },"#)) else { return }
        #expect(e.location == IOSimScenario.SourceLocation(file: file, line: 4, column: 24))
        #expect(e.keyPath == "kernel.uringWait")
    }

    @Test func stallWindowIsReadAndRefusedWhenNotABoolean() throws {
        let f = try ScenarioLoader.load(text: scenario(#"  device: { stallWindow: true },"#), path: file)
        #expect(f.scenario.device.stallWindow)
        guard let e = dataError(scenario(#"  device: { stallWindow: "yes" },"#)) else { return }
        #expect(e.location == IOSimScenario.SourceLocation(file: file, line: 4, column: 26))
        #expect(e.keyPath == "device.stallWindow")
    }

    @Test func stallIntervalShapeIsReadAndRefusedOutOfRange() throws {
        let f = try ScenarioLoader.load(text: scenario(#"  device: { stallIntervalShape: 3 },"#), path: file)
        #expect(f.scenario.device.stallIntervalShape == 3)
        for bad in ["0", "17", "2.5"] {
            guard let e = dataError(scenario("  device: { stallIntervalShape: \(bad) },")) else { return }
            #expect(e.location == IOSimScenario.SourceLocation(file: file, line: 4, column: 33))
            #expect(e.keyPath == "device.stallIntervalShape")
            #expect(bad == "2.5" || e.message.contains("16"), "\(e.message)")
        }
    }

    @Test func unknownUnit() {
        guard let e = dataError(scenario(#"  device: { latency: "80 parsecs" },"#)) else { return }
        #expect(e.location == IOSimScenario.SourceLocation(file: file, line: 4, column: 22))
        #expect(e.keyPath == "device.latency")
        #expect(e.message.contains("parsecs"), "\(e.message)")
    }

    @Test func zeroSizedIO() {
        expectError(
            "{\n  files: [{ name: \"d\", size: 1 }],\n  threads: [{ name: \"m\", program: [{ read: \"d\", size: 0 }] }],\n}",
            line: 3, column: 55, keyPath: "threads[0].program[0].size", message: "an IO needs a positive size")
    }

    // MARK: Unknown names

    @Test func unknownTopLevelKeyWithSuggestion() {
        guard let e = dataError(scenario("  devcie: {},")) else { return }
        #expect(e.location == IOSimScenario.SourceLocation(file: file, line: 4, column: 3))
        #expect(e.keyPath == "devcie")
        #expect(e.message == "unknown key 'devcie'")
        #expect(e.hint?.hasPrefix("did you mean 'device'? known keys here: extends, name, description") == true, "\(e.hint ?? "nil")")
    }

    @Test func unknownNestedKeyWithSuggestion() {
        guard let e = dataError(scenario("  device: { queueDeph: 4 },")) else { return }
        #expect(e.location == IOSimScenario.SourceLocation(file: file, line: 4, column: 13))
        #expect(e.keyPath == "device.queueDeph")
        #expect(e.message == "unknown key 'queueDeph'")
        #expect(e.hint?.hasPrefix("did you mean 'queueDepth'? ") == true, "\(e.hint ?? "nil")")
    }

    @Test func unknownKeyWithoutSuggestion() {
        guard let e = dataError(scenario("  zzzzzzzz: 1,")) else { return }
        #expect(e.keyPath == "zzzzzzzz")
        #expect(e.hint?.hasPrefix("known keys here: ") == true, "\(e.hint ?? "nil")")
    }

    @Test func unknownDeviceProfileWithSuggestion() {
        expectError(
            scenario(#"  device: { profile: "nvm" },"#), line: 4, column: 22, keyPath: "device.profile",
            message: #"expected one of "hdd-7200", "sata-ssd", "nvme", "optane", "virtio-vm", found "nvm""#,
            hint: "did you mean 'nvme'?")
    }

    @Test func unknownSubmitStyleOfAUringLoop() {
        let text = """
            {
              files: [{ name: "data", size: "1MiB" }],
              rings: [{ name: "ring" }],
              threads: [{ name: "main", program: [{ uring: "ring", file: "data", size: "4KiB", ios: 4, submit: "eacj" }] }],
            }
            """
        expectError(
            text, line: 4, column: 100, keyPath: "threads[0].program[0].submit",
            message: #"expected one of "batch", "each", found "eacj""#, hint: "did you mean 'each'?")
    }

    @Test func unknownOperationInAnObject() {
        guard
            let e = dataError(
                "{\n  files: [{ name: \"d\", size: 1 }],\n  threads: [{ name: \"m\", program: [{ raed: \"d\", size: 1 }] }],\n}")
        else { return }
        #expect(e.location == IOSimScenario.SourceLocation(file: file, line: 3, column: 36))
        #expect(e.keyPath == "threads[0].program[0]")
        #expect(e.message == "no operation in this object (found key 'raed')")
        #expect(e.hint?.hasPrefix("did you mean 'read'? operations: compute, sleep,") == true, "\(e.hint ?? "nil")")
    }

    @Test func unknownOperationAsAString() {
        guard let e = dataError("{\n  threads: [{ name: \"m\", program: [\"reportProgres\"] }],\n}") else { return }
        #expect(e.location == IOSimScenario.SourceLocation(file: file, line: 2, column: 36))
        #expect(e.keyPath == "threads[0].program[0]")
        #expect(e.message == #"unknown operation "reportProgres""#)
        #expect(e.hint?.hasPrefix("did you mean 'reportProgress'? operations: ") == true, "\(e.hint ?? "nil")")
    }

    @Test func unknownDistributionKind() {
        guard let e = dataError(scenario(#"  device: { latency: { exponentail: "80us" } },"#)) else { return }
        #expect(e.location == IOSimScenario.SourceLocation(file: file, line: 4, column: 24))
        #expect(e.keyPath == "device.latency.exponentail")
        #expect(e.message == "unknown distribution 'exponentail'")
        #expect(e.hint?.hasPrefix("did you mean 'exponential'? distributions: constant, exponential,") == true, "\(e.hint ?? "nil")")
    }

    @Test func unknownChoice() {
        expectError(
            scenario(#"  kernel: { personality: "macos" },"#), line: 4, column: 26, keyPath: "kernel.personality",
            message: #"expected one of "windows", "linux", found "macos""#, hint: .some(nil))
    }

    // MARK: Ranges

    @Test func queueDepthZero() {
        expectError(
            scenario("  device: { queueDepth: 0 },"), line: 4, column: 25, keyPath: "device.queueDepth",
            message: "expected a whole number in 1...65536, found 0")
    }

    @Test func cpusZero() {
        expectError(
            scenario("  machine: { cpus: 0 },"), line: 4, column: 20, keyPath: "machine.cpus",
            message: "expected a whole number in 1...1024, found 0")
    }

    /// Host CPUs: 0 (not shared) or at least a tenth; a number of CPUs, not a string; kept in thousandths.
    @Test func hostCPUs() throws {
        expectError(
            scenario("  machine: { hostCPUs: 0.05 },"), line: 4, column: 24, keyPath: "machine.hostCPUs",
            message: "expected 0 (not shared) or at least 0.1 host CPUs, found 0.05",
            hint: "hostCPUs: 2 shares two host CPUs among the machine's CPUs and the device's emulation")
        expectError(
            scenario(#"  machine: { hostCPUs: "2" },"#), line: 4, column: 24, keyPath: "machine.hostCPUs",
            message: #"expected a number, found "2""#)
        let f = try ScenarioLoader.load(text: scenario("  machine: { hostCPUs: 1.25 },"), path: file)
        #expect(f.scenario.machine.hostMilliCPUs == 1_250)
    }

    /// Run queues: "shared" or "perCPU", with a did-you-mean; the migration cost is a duration; wakeAffine and
    /// wakePacking Booleans, off by default.
    @Test func runQueues() throws {
        expectError(
            scenario(#"  machine: { runQueues: "percpu" },"#), line: 4, column: 25, keyPath: "machine.runQueues",
            message: #"expected one of "shared", "perCPU", found "percpu""#, hint: "did you mean 'perCPU'?")
        expectError(
            scenario("  machine: { migrationCost: 500 },"), line: 4, column: 29, keyPath: "machine.migrationCost",
            message: "expected a duration such as \"80us\", found 500")
        expectError(
            scenario(#"  machine: { wakeAffine: "yes" },"#), line: 4, column: 26, keyPath: "machine.wakeAffine",
            message: #"expected true or false, found "yes""#)
        expectError(
            scenario(#"  machine: { wakePacking: 1 },"#), line: 4, column: 27, keyPath: "machine.wakePacking",
            message: "expected true or false, found 1")
        let f = try ScenarioLoader.load(
            text: scenario(#"  machine: { runQueues: "perCPU", migrationCost: "50us", wakeAffine: true, wakePacking: true },"#),
            path: file)
        #expect(f.scenario.machine.runQueues == .perCPU && f.scenario.machine.migrationCost == .microseconds(50))
        #expect(f.scenario.machine.wakeAffine && f.scenario.machine.wakePacking)
        let defaults = try ScenarioLoader.load(text: scenario(""), path: file).scenario.machine
        #expect(!defaults.wakeAffine && !defaults.wakePacking)
    }

    /// The host's halt polling and the cost of leaving idle are durations.
    @Test func hostHaltPollAndIdleExit() throws {
        expectError(
            scenario("  machine: { hostHaltPoll: 200 },"), line: 4, column: 28, keyPath: "machine.hostHaltPoll",
            message: "expected a duration such as \"80us\", found 200")
        expectError(
            scenario("  machine: { idleExit: true },"), line: 4, column: 24, keyPath: "machine.idleExit",
            message: "expected a duration such as \"80us\", found true")
        expectError(
            scenario("  machine: { localWakeup: -1 },"), line: 4, column: 27, keyPath: "machine.localWakeup",
            message: "expected a duration such as \"80us\", found -1")
        let f = try ScenarioLoader.load(
            text: scenario(#"  machine: { hostCPUs: 1.5, hostHaltPoll: "200us", idleExit: "4.2us", localWakeup: "20us" },"#), path: file)
        #expect(f.scenario.machine.hostHaltPoll == .microseconds(200))
        #expect(f.scenario.machine.idleExit == .nanoseconds(4_200))
        #expect(f.scenario.machine.localWakeup == .microseconds(20))
        #expect(try ScenarioLoader.load(text: scenario(""), path: file).scenario.machine.localWakeup == nil)
    }

    /// The wake-up latency by idle time: an object of idle times to durations; empty by default.
    @Test func wakeupAfterIdle() throws {
        expectError(
            scenario(#"  machine: { wakeupAfterIdle: { "5x": "30us" } },"#), line: 4, column: 33,
            keyPath: "machine.wakeupAfterIdle.5x", message: #"expected an idle time such as "5us" as the key, found '5x'"#)
        expectError(
            scenario(#"  machine: { wakeupAfterIdle: { "5us": "30us", "5000ns": "20us" } },"#), line: 4, column: 48,
            keyPath: "machine.wakeupAfterIdle.5000ns", message: "the idle time 5us is given twice",
            hint: "it already has the latency 30us")
        expectError(
            scenario(#"  machine: { wakeupAfterIdle: { "5us": 30 } },"#), line: 4, column: 40,
            keyPath: "machine.wakeupAfterIdle.5us", message: "expected a duration such as \"80us\", found 30")
        expectError(
            scenario("  machine: { wakeupAfterIdle: {} },"), line: 4, column: 31, keyPath: "machine.wakeupAfterIdle",
            message: "expected at least one idle time and its wake-up latency")
        // In any order, taken in order of idle time.
        let f = try ScenarioLoader.load(
            text: scenario(#"  machine: { wakeupAfterIdle: { "1ms": "55.5us", "5us": "30us" } },"#), path: file)
        #expect(
            f.scenario.machine.wakeupAfterIdle == [
                WakeupAfterIdle(idle: .microseconds(5), latency: .microseconds(30)),
                WakeupAfterIdle(idle: .milliseconds(1), latency: .nanoseconds(55_500)),
            ])
        #expect(try ScenarioLoader.load(text: scenario(""), path: file).scenario.machine.wakeupAfterIdle.isEmpty)
    }

    /// A busy CPU's stall at an interrupt is a duration; 0 by default.
    @Test func busyStall() throws {
        expectError(
            scenario("  interrupts: { busyStall: 11 },"), line: 4, column: 28, keyPath: "interrupts.busyStall",
            message: "expected a duration such as \"80us\", found 11")
        let f = try ScenarioLoader.load(text: scenario(#"  interrupts: { busyStall: "11us" },"#), path: file)
        #expect(f.scenario.interrupts.busyStall == .microseconds(11))
        #expect(try ScenarioLoader.load(text: scenario(""), path: file).scenario.interrupts.busyStall == .zero)
    }

    @Test func hugeAndFractionalCounts() {
        expectError(
            scenario("  machine: { cpus: 99999999999999999999 },"), line: 4, column: 20, keyPath: "machine.cpus",
            message: "expected a whole number, found 99999999999999999999")
        expectError(
            scenario("  machine: { cpus: 1.5 },"), line: 4, column: 20, keyPath: "machine.cpus",
            message: "expected a whole number, found 1.5")
        expectError(
            scenario("  stop: { ios: 1e400 },"), line: 4, column: 16, keyPath: "stop.ios", message: "expected a whole number, found 1e400")
    }

    // MARK: Duplicates and references

    @Test func duplicateFileName() {
        expectError(
            """
            {
              files: [
                { name: "data", size: "1MiB" },
                { name: "data", size: "2MiB" },
              ],
              threads: [{ name: "main", program: [{ read: "data", size: "4KiB" }] }],
            }
            """, line: 4, column: 13, keyPath: "files[1].name", message: "a second file named 'data'")
    }

    @Test func duplicateThreadName() {
        expectError(
            "{\n  threads: [\n    { name: \"m\", program: [] },\n    { name: \"m\", program: [] },\n  ],\n}", line: 4,
            column: 13, keyPath: "threads[1].name", message: "a second thread named 'm'")
    }

    @Test func noThreads() {
        expectError(
            "{\n  name: \"empty\",\n}", line: 1, column: 1, keyPath: "threads", message: "a scenario needs at least one thread")
    }

    // MARK: extends

    /// A fresh directory for this test's files, named after the test (not random, so failures are readable).
    private func directory(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iosim-decoder-tests-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func extendsMergesTheBase() throws {
        let dir = try directory("merge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{ files: [{ name: "data", size: "1MiB" }], machine: { cpus: 4, contextSwitch: "3us" } }"#
            .write(toFile: dir + "/_base.json5", atomically: true, encoding: .utf8)
        let text = "{\n  extends: \"_base.json5\",\n  machine: { cpus: 8 },\n  threads: [{ name: \"m\", program: [{ read: \"data\", size: 512 }] }],\n}"
        let f = try ScenarioLoader.load(text: text, path: dir + "/top.json5")
        #expect(f.scenario.machine.cpuCount == 8)
        #expect(f.scenario.machine.contextSwitch == .microseconds(3))
        #expect(f.scenario.files == [FileSpec(name: "data", sizeBytes: 1 << 20)])
    }

    @Test func extendsOfAMissingFile() throws {
        let dir = try directory("missing")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/top.json5"
        expectError(
            "{\n  extends: \"nope.json5\",\n  threads: [],\n}", path: path, line: 2, column: 12, keyPath: "extends",
            message: "cannot read \(dir)/nope.json5: no such file")
    }

    @Test func extendsANumber() {
        expectError("{\n  extends: 3,\n}", line: 2, column: 12, keyPath: "extends", message: "expected the path of a scenario file, found 3")
    }

    @Test func extendsCycle() throws {
        let dir = try directory("cycle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "{\n  extends: \"b.json5\",\n}".write(toFile: dir + "/a.json5", atomically: true, encoding: .utf8)
        try "// b\n{ extends: \"a.json5\" }".write(toFile: dir + "/b.json5", atomically: true, encoding: .utf8)
        // Through the file system (as `iosim run` reads it): the error is in b.json5, which extends a.json5 again.
        do {
            _ = try ScenarioLoader.load(path: dir + "/a.json5")
            Issue.record("a cycle of extends loaded")
        } catch .data(let e) {
            #expect(e.location == IOSimScenario.SourceLocation(file: dir + "/b.json5", line: 2, column: 12))
            #expect(e.keyPath == "extends")
            #expect(e.message == "extends itself through a.json5 -> b.json5")
        } catch {
            Issue.record("expected a data error, got \(error)")
        }
        // From text (a.json5's text, not read from disk): the same error, in b.json5.
        guard let e = dataError("{\n  extends: \"b.json5\",\n}", path: dir + "/a.json5") else { return }
        #expect(e.location == IOSimScenario.SourceLocation(file: dir + "/b.json5", line: 2, column: 12))
        #expect(e.message == "extends itself through a.json5 -> b.json5")
    }

    @Test func extendsItself() throws {
        let dir = try directory("self")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/self.json5"
        try "{ extends: \"self.json5\" }".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try ScenarioLoader.load(path: path)
            Issue.record("a file extending itself loaded")
        } catch .data(let e) {
            #expect(e.location == IOSimScenario.SourceLocation(file: path, line: 1, column: 12))
            #expect(e.keyPath == "extends")
            #expect(e.message == "extends itself through self.json5")
        } catch {
            Issue.record("expected a data error, got \(error)")
        }
    }

    @Test func missingTopFileIsAFileError() {
        do {
            _ = try ScenarioLoader.load(path: "/nonexistent-iosim-dir/x.json5")
            Issue.record("a missing file loaded")
        } catch .file(let e) {
            #expect(e.path == "/nonexistent-iosim-dir/x.json5")
            #expect(e.reason == "no such file")
        } catch {
            Issue.record("expected a file error, got \(error)")
        }
    }

    // MARK: --set

    @Test func setWithABadIndex() {
        expectError(
            scenario(""), overrides: [Override(keyPath: "threads[x].count", value: "3")], line: nil, column: nil,
            keyPath: "threads[x].count", message: "bad index in --set key")
        expectError(
            scenario(""), overrides: [Override(keyPath: "threads[-1].count", value: "3")], line: nil, column: nil,
            keyPath: "threads[-1].count", message: "bad index in --set key")
    }

    @Test func setWithAnIndexOutOfTheArray() {
        expectError(
            scenario(""), overrides: [Override(keyPath: "threads[5].count", value: "3")], line: 3, column: 12,
            keyPath: "threads[5].count", message: "--set index [5] is not in the array 'threads'")
    }

    @Test func setThroughAScalar() {
        expectError(
            scenario("  name: \"n\","), overrides: [Override(keyPath: "name.first", value: "3")], line: 4, column: 9,
            keyPath: "name.first", message: #"--set goes through "n", not an object"#)
    }

    @Test func setWithAnEmptyKey() {
        expectError(
            scenario(""), overrides: [Override(keyPath: "device..latency", value: "3us")], line: nil, column: nil,
            keyPath: "device..latency", message: "empty key in --set key path")
    }

    /// A value set with --set is checked like one in the file, and its error names the override.
    @Test func setValueIsChecked() {
        guard let e = dataError(scenario(""), overrides: [Override(keyPath: "device.latency", value: "80")]) else { return }
        #expect(e.location == IOSimScenario.SourceLocation(file: "--set device.latency", line: 1, column: 1))
        #expect(e.keyPath == "device.latency")
        #expect(e.message == #"expected a duration such as "80us", found 80"#)
        #expect(e.hint == #"write the unit: "80us""#)
    }

    @Test func setTakesEffect() throws {
        let f = try ScenarioLoader.load(
            text: scenario("  device: { latency: \"80us\" },"), path: file,
            overrides: [
                Override(keyPath: "device.latency", value: "20us"), Override(keyPath: "threads[0].count", value: "3"),
                Override(keyPath: "machine.cpus", value: "4"),
            ])
        #expect(f.scenario.device.readLatency == .constant(20_000))
        #expect(f.scenario.threads[0].count == 3)
        #expect(f.scenario.machine.cpuCount == 4)
        // Parsed from the command-line form too.
        #expect(Override(argument: "device.latency=20us") == Override(keyPath: "device.latency", value: "20us"))
        #expect(Override(argument: "=3") == nil)
        #expect(Override(argument: "threads[0].count") == nil)
    }

    // MARK: expect

    @Test func expectationThatDoesNotParse() {
        expectError(
            scenario(#"  expect: { "io.completed": "about 3" },"#), line: 4, column: 29, keyPath: "expect.io.completed",
            message: #"expected a condition such as "== 0" or "< 100us", found "about 3""#,
            hint: #"conditions start with ==, !=, <, <=, >, >= or ~ (approximately: "~ 83us ± 2%")"#)
    }

    @Test func expectationWithABadNumber() {
        expectError(
            scenario(#"  expect: { "io.completed": "< lots" },"#), line: 4, column: 29, keyPath: "expect.io.completed",
            message: #"expected a number such as 0.5, "80us", "4KiB" or "5%" in "< lots", found "lots""#)
    }

    @Test func approximatelyWithoutATolerance() {
        expectError(
            scenario(#"  expect: { "io.latencyNs.mean": "~ 83us" },"#), line: 4, column: 34, keyPath: "expect.io.latencyNs.mean",
            message: #"expected a tolerance such as "~ 83us ± 2%", found "~ 83us""#)
    }

    @Test func expectationOfTheWrongType() {
        expectError(
            scenario(#"  expect: { "io.completed": true },"#), line: 4, column: 29, keyPath: "expect.io.completed",
            message: #"expected a condition such as "== 0" or "< 100us", found true"#)
    }

    @Test func expectationsThatParse() throws {
        let f = try ScenarioLoader.load(
            text: scenario(#"  expect: { "a": "< 100us", b: 3, "c": "~ 83.31us +- 1%", "d": ">= 4KiB", "e": "<= 5%" },"#), path: file)
        let e = f.expectations
        #expect(e.map(\.keyPath) == ["a", "b", "c", "d", "e"])
        #expect(e.map(\.comparison) == [.less, .equal, .approximately, .greaterOrEqual, .lessOrEqual])
        #expect(e.map(\.target) == [100_000, 3, 83_310, 4096, 0.05])
        #expect(e[2].relative && e[2].tolerance == 0.01)
        #expect(e[0].location == IOSimScenario.SourceLocation(file: file, line: 4, column: 13))
    }

    // MARK: CPU affinity

    /// A scenario of two CPUs whose one thread is pinned with `cpus` (line 3) and whose ring is `ring` (line 4).
    private func pinned(_ cpus: String, ring: String = #"{ name: "r", sqpoll: true }"#) -> String {
        """
        { machine: { cpus: 2 },
          files: [{ name: "data", size: "1MiB" }],
          threads: [{ name: "main", cpus: \(cpus), program: [{ read: "data", size: "4KiB" }] }],
          rings: [\(ring)],
        }
        """
    }

    @Test func cpusThatLoad() throws {
        let f = try ScenarioLoader.load(text: pinned("[1, 0]", ring: #"{ name: "r", sqpoll: true, sqThreadCPU: "cpu1" }"#), path: file)
        #expect(f.scenario.threads[0].cpus == [0, 1])
        #expect(f.scenario.rings[0].sqThreadCPU == 1)
        #expect(try ScenarioLoader.load(text: pinned("1"), path: file).scenario.threads[0].cpus == [1])
    }

    @Test func aCPUTheMachineDoesNotHave() {
        expectError(
            pinned("[0, 2]"), line: 3, column: 39, keyPath: "threads[0].cpus[1]",
            message: "CPU 2 does not exist: the machine has CPUs 0..<2", hint: "machine.cpus sets how many CPUs the machine has")
    }

    @Test func aCPUGivenTwice() {
        expectError(pinned("[1, 1]"), line: 3, column: 39, keyPath: "threads[0].cpus[1]", message: "CPU 1 is given twice")
    }

    @Test func noCPUs() {
        expectError(pinned("[]"), line: 3, column: 35, keyPath: "threads[0].cpus", message: "expected at least one CPU")
    }

    @Test func aCPUThatIsNotANumber() {
        expectError(
            pinned("true"), line: 3, column: 35, keyPath: "threads[0].cpus",
            message: #"expected a CPU number such as 0 (or "cpu0"), found true"#)
    }

    @Test func anSQThreadCPUWithoutSQPOLL() {
        expectError(
            pinned("0", ring: #"{ name: "r", sqThreadCPU: 1 }"#), line: 4, column: 37, keyPath: "rings[0].sqThreadCPU",
            message: "binds the SQPOLL thread: the ring needs sqpoll: true",
            hint: "io_uring_setup refuses IORING_SETUP_SQ_AFF without IORING_SETUP_SQPOLL")
    }

    @Test func anSQThreadCPUTheMachineDoesNotHave() {
        expectError(
            pinned("0", ring: #"{ name: "r", sqpoll: true, sqThreadCPU: 5 }"#), line: 4, column: 51, keyPath: "rings[0].sqThreadCPU",
            message: "CPU 5 does not exist: the machine has CPUs 0..<2")
    }
}
