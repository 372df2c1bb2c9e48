import Foundation
import IOSimModel
import IOSimScenario
import Testing

/// The validation suite's scenarios under this machine's stored profile
/// (`Scenarios/validation/_measured-xeon.json5`), where a kind of device pass changes what the model predicts.
@Suite struct StoredProfileTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// io_uring's closed loop at queue depth 16 with DEFER_TASKRUN: each round the owner wakes for one
    /// completion, resubmits that read alone, then fifteen more. Traced on this machine (README): the fifteen,
    /// issued while the single read is still in the device, ring the doorbell and come back with an interrupt of
    /// their own, two interrupts and three `io_uring_enter` calls a round (0.11 and 0.17 per IO measured). With
    /// `.asyncPass` the model does the same; with `.pass` the fifteen join the single read's pass while it is
    /// served, and share its one interrupt in many rounds.
    @Test func atDepth16TheFifteenHaveAnInterruptOfTheirOwn() throws {
        func run(_ batching: CompletionBatching) throws -> SimulationResult {
            let file = try ScenarioLoader.load(
                path: Self.root + "/Scenarios/validation/uring-4k-qd16.json5",
                profile: Self.root + "/Scenarios/validation/_measured-xeon.json5",
                overrides: [
                    Override(argument: "device.completionBatching=\(batching.rawValue)")!,
                    Override(argument: "threads[0].program[0].ios=8000")!,
                ])
            return try Simulator(file.scenario).run()
        }
        let async = try run(.asyncPass)
        let joined = try run(.pass)
        let rounds = Double(async.iosCompleted) / 16
        // Measured: 1.8 interrupts and 2.7 enters a round. Not quite 2 and 3 in the model either: in some rounds
        // the fifteen share the single read's interrupt.
        #expect((1.75...2.0).contains(Double(async.interrupts) / rounds))
        #expect((2.65...3.0).contains(Double(async.ringEnters) / rounds))
        #expect(Double(joined.interrupts) / rounds < 1.6)
        #expect(Double(joined.ringEnters) / rounds < 2.55)
    }
}
