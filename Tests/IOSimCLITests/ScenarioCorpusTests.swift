// Every scenario of the library passes `iosim check`, one test case per file so a failure names it; and the
// reference closed-loop scenario file is the same workload as the Swift `Scenario.closedLoopReference()`.

import Foundation
import IOSimCLI
import IOSimModel
import IOSimScenario
import Testing

@Suite struct ScenarioCorpusTests {
    /// Scenarios/reference/closed-loop.json5 stops after 10^6 IOs, which takes about 30 s in a debug build
    /// on the 2-CPU test machine (measured; over the ~15 s budget of one test). It is therefore checked with
    /// `--set stop.ios=100000` (about 3 s). Its expect block (mean latency and CPU busy within ±1% of the
    /// C reference at 10^6 IOs) still holds at 10^5 IOs with seed 1; the test at the bottom checks that the
    /// file itself describes exactly the 10^6-IO reference workload.
    ///
    /// The validation suite's scenarios run a few seconds of real IO each (hundreds of thousands of reads, enough
    /// /proc/stat ticks for the CPU per IO they are compared on), up to 40 s each in a debug build; they hold no
    /// expect block, so 10,000 reads (or blocking reads a thread) show they load and run.
    static let shortened: [String: [String]] = {
        var s: [String: [String]] = ["Scenarios/reference/closed-loop.json5": ["--set", "stop.ios=100000"]]
        for file in Paths.scenarioFiles where file.hasPrefix("Scenarios/validation/") {
            let blocking = file.hasSuffix("/pool-4k.json5") || file.hasSuffix("/pread-4k.json5")
            s[file] = ["--set", blocking ? "threads[0].program[0].repeat=10000" : "threads[0].program[0].ios=10000"]
        }
        return s
    }()

    @Test func theCorpusIsThere() {
        #expect(Paths.scenarioFiles.count >= 20, "found \(Paths.scenarioFiles)")
        #expect(Paths.scenarioFiles.contains("Scenarios/reference/closed-loop.json5"))
    }

    @Test(arguments: Paths.scenarioFiles)
    func scenarioPassesCheck(_ file: String) {
        let extra = Self.shortened[file] ?? []
        let r = iosim(["check", Paths.path(file)] + extra)
        #expect(r.code == .ok, "iosim check \(file) \(extra.joined(separator: " ")) exited \(r.code)\n\(r.out)\(r.err)")
        #expect(r.err.isEmpty, "\(file): \(r.err)")
        #expect(r.out.hasPrefix("PASS "), "\(file): \(r.out)")
        #expect(r.out.hasSuffix("1 passed, 0 failed\n"), "\(file): \(r.out)")
        // Every scenario of the library (issue 3: the top level and reference/) encodes its lesson in an expect
        // block; other folders may hold other kinds of scenarios.
        if file.split(separator: "/").count == 2 || file.hasPrefix("Scenarios/reference/") {
            #expect(!r.out.contains("(0 expectations"), "\(file) has no expect block")
        }
    }

    /// `iosim check` skips the partial files (`_*.json5`, meant to be extended); they must at least be valid
    /// JSON5, and those that others extend are checked through them.
    @Test(arguments: Paths.partialFiles)
    func partialIsValidJSON5(_ partial: String) throws {
        let bytes = try #require(FileManager.default.contents(atPath: Paths.path(partial)))
        #expect(throws: Never.self) { try JSON5Reader.parse([UInt8](bytes), file: partial) }
    }

    /// The file cannot express `recordIOs` (a Swift-only switch for tests); everything else it can, so
    /// every other field must match `Scenario.closedLoopReference()` (10^6 IOs) exactly.
    @Test func closedLoopFileIsTheReferenceWorkload() throws {
        let file = try ScenarioLoader.load(path: Paths.path("Scenarios/reference/closed-loop.json5"))
        let decoded = file.scenario
        let reference = Scenario.closedLoopReference()
        // Field by field, so a difference is named.
        #expect(decoded.name == reference.name)
        #expect(decoded.seed == reference.seed)
        #expect(decoded.machine == reference.machine)
        #expect(decoded.kernel == reference.kernel)
        #expect(decoded.device == reference.device)
        #expect(decoded.interrupts == reference.interrupts)
        #expect(decoded.files == reference.files)
        #expect(decoded.ports == reference.ports)
        #expect(decoded.threads == reference.threads)
        #expect(decoded.stop == reference.stop)
        #expect(decoded.stop.afterIOs == 1_000_000)
        #expect(decoded.narrateIO == reference.narrateIO)
        // Not expressible in a file; both are the default.
        #expect(decoded.recordIOs == reference.recordIOs)
        #expect(decoded == reference)
        // The expectations are the C reference's figures.
        #expect(file.expectations.map(\.keyPath) == ["io.latencyNs.mean", "cpu.total.busy"])
        #expect(file.expectations.map(\.target) == [83_310, 0.4364])
    }
}
