import IOSimCore
import IOSimModel
import Testing

@testable import IOSimReal
@testable import IOSimValidation

/// `Validation.compare`: what it takes from a real measurement.
@Suite struct ComparisonTests {
    /// The thread census's sampler is the measurement's own work: its user and system time come out of the
    /// machine-wide figures before they are divided by the IOs.
    @Test func theCensusSamplerIsLeftOut() throws {
        var s = Scenario(name: "one read")
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 20)]
        s.threads = [ThreadSpec(name: "main", program: [.io(IOOperation(.read, file: "data", sizeBytes: 4096, offset: .fixed(0), style: .blocking))])]
        let model = try Simulator(s).run()
        var cpu = CPUTime()
        cpu.userNanoseconds = 5_000_000
        cpu.systemNanoseconds = 30_000_000
        var census = ThreadCensusResult()
        census.samplerUserNanoseconds = 1_000_000
        census.samplerSystemNanoseconds = 10_000_000
        census.samplerCPUNanoseconds = 11_000_000
        let real = RealMeasurement(
            job: RealJob(), path: "data", fileWasCreated: true, ios: 1_000, bytes: 4_096_000, elapsedNanoseconds: 100_000_000,
            latency: Histogram(), processUserNanoseconds: 0, processSystemNanoseconds: 0, jobThreadsCPUNanoseconds: 0,
            voluntaryContextSwitches: 0, involuntaryContextSwitches: 0, systemContextSwitches: 0, systemCPU: cpu, perCPU: [],
            diskInterrupts: 0, diskIRQLines: DiskIRQLines(numbers: [], names: [], method: .none, note: ""), threads: census)
        let rows = Validation.compare(model: model, real: real)
        let user = try #require(rows.first { $0.name == "CPU user per IO" })
        let system = try #require(rows.first { $0.name == "CPU system per IO" })
        #expect(user.measured == 4.0)  // (5 ms - 1 ms) / 1,000 IOs, in us
        #expect(system.measured == 20.0)  // (30 ms - 10 ms) / 1,000
    }
}
