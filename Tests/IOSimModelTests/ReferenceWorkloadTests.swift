import IOSimCore
import IOSimModel
import Testing

/// The closed-loop reference workload of shared/bench/README.md (4 threads: compute Exp(20 us), blocking
/// 4 KiB read served in Exp(80 us); 2 CPUs; ISR 2 us + wake-up 1 us on CPU 0), against the C reference.
///
/// Tolerance. The C reference values (83.312 us, 0.43642) are one run, seed 1, 10^6 IOs. Measured before
/// choosing the bound (release builds, this machine):
/// * iosim at 2*10^5 IOs over 60 seeds: relative standard deviation 0.24% (latency) and 0.22% (busy
///   fraction); the worst of the 60 seeds was 0.74% and 0.76% from the reference values.
/// * the reference is itself a sample: c_ref with seeds 2-8 gives latencies 82.99-83.20 us and
///   utilisations 0.4374-0.4380, so seed 1 sits about 0.2% above the mean latency and 0.3% below the mean
///   utilisation; iosim's own mean over 12 seeds at 10^6 IOs (83.12 us, 0.4378) matches c_ref's seeds 2-8,
///   so the model has no bias of its own that these runs can see.
/// Bound = that 0.2-0.3% offset of the reference + 3 standard deviations of the difference between a
/// 2*10^5-IO iosim run and a 10^6-IO reference run (sqrt(0.24^2 + 0.13^2) = 0.27% and
/// sqrt(0.22^2 + 0.07^2) = 0.23%), about 0.95% either way: 1%. The 2% first proposed would be about 7
/// standard deviations, loose enough to hide a real change of 1%.
@Suite struct ReferenceWorkloadTests {
    static let referenceLatencyNs = 83_312.393248
    static let referenceBusyFraction = 0.436418877

    @Test func closedLoopMatchesTheCReferenceWithinSamplingNoise() throws {
        let seed: UInt64 = 1
        let r = try Simulator(Scenario.closedLoopReference(ios: 200_000, seed: seed)).run()
        #expect(r.iosCompleted == 200_000, "seed \(seed)")
        let latencyError = r.latency.mean / Self.referenceLatencyNs - 1
        let busyError = r.totalCPU.busyFraction / Self.referenceBusyFraction - 1
        #expect(abs(latencyError) < 0.01, "seed \(seed): mean latency \(r.latency.mean)ns, \(latencyError * 100)% off")
        #expect(abs(busyError) < 0.01, "seed \(seed): busy fraction \(r.totalCPU.busyFraction), \(busyError * 100)% off")
    }

    /// The accounting the comparison rests on, exactly: every completion interrupts CPU 0 (never CPU 1) for
    /// a 2 us ISR and a 1 us deferred routine (the wake-up), nothing else costs kernel time, and the run
    /// stops at the 20,000th completion, with no ISR of a later one started.
    @Test func closedLoopChargesEveryCompletionToCPU0() throws {
        let r = try Simulator(Scenario.closedLoopReference(ios: 20_000)).run()
        #expect(r.iosCompleted == 20_000)
        #expect(r.interrupts == 20_000)
        #expect(r.perCPU[0][.irq] == .microseconds(2) * 20_000)
        #expect(r.perCPU[0][.deferred] == .microseconds(1) * 20_000)
        #expect(r.perCPU[1][.irq] == .zero && r.perCPU[1][.deferred] == .zero)
        #expect(r.totalCPU[.syscall] == .zero && r.totalCPU[.contextSwitch] == .zero && r.totalCPU[.polling] == .zero)
        #expect(r.threads.attachedShare == 1)
    }
}
