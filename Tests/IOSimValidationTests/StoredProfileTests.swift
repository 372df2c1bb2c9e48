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
    /// their own: 1.8 interrupts and 2.7 `io_uring_enter` calls a round (0.11 and 0.17 per IO). With `.asyncPass`
    /// the model does the same; with `.pass` the fifteen join the single read's pass while it is served, and
    /// share its one interrupt in many rounds. This machine's costs, with one device for both kinds (the pass
    /// parameters the previous calibration fitted with `.pass`, so that a recalibration does not move the test).
    @Test func atDepth16TheFifteenHaveAnInterruptOfTheirOwn() throws {
        func run(_ batching: CompletionBatching) throws -> SimulationResult {
            let file = try ScenarioLoader.load(
                path: Self.root + "/Scenarios/validation/uring-4k-qd16.json5",
                profile: Self.root + "/Scenarios/validation/_measured-xeon.json5",
                overrides: [
                    "device.completionBatching=\(batching.rawValue)", "device.channels=3", "device.passDispatch=8us",
                    "device.passWakeup=12us", "device.latency={lognormal:{mean:\"17.764us\",sigma:0.45}}",
                    "threads[0].program[0].ios=8000",
                ].map { Override(argument: $0)! })
            return try Simulator(file.scenario).run()
        }
        let async = try run(.asyncPass)
        let joined = try run(.pass)
        let rounds = Double(async.iosCompleted) / 16
        #expect((1.7...2.1).contains(Double(async.interrupts) / rounds))
        #expect((2.6...3.1).contains(Double(async.ringEnters) / rounds))
        // With `.pass`, a fifteen that joins saves a round an interrupt and an enter: here about one round in three.
        #expect(Double(async.interrupts - joined.interrupts) / rounds > 0.2)
        #expect(Double(async.ringEnters - joined.ringEnters) / rounds > 0.2)
    }
}
