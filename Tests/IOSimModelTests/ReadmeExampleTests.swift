import IOSimCore
import IOSimModel
import Testing

/// The example of README.md ("Library API for tests"), kept true: with the default costs, one CPU:
/// switch in 2,000; entry 150 + IRP 4,000 + driver 8,000 -> pending at 14,150; device 25,000 + 4 KiB at
/// 1 GB/s (4,096) -> 43,246; delivery 2,000 -> ISR at 45,246; ISR 1,500 + DPC 2,000 -> complete at 48,746.
@Test func theReadmeExampleHoldsWithTheDefaultCosts() throws {
    var s = Scenario(name: "one read")
    s.machine.cpuCount = 1
    s.files = [FileSpec(name: "data", sizeBytes: 1 << 20)]
    s.threads = [
        ThreadSpec(
            name: "main",
            program: [
                .io(IOOperation(.read, file: "data", sizeBytes: 4096, offset: .fixed(0), style: .blocking))
            ])
    ]
    s.recordIOs = true
    let result = try Simulator(s).run()
    #expect(result.ioRecords[0].completed == SimInstant(nanosecondsSinceStart: 48_746))
    #expect(result.threads.attachedShare == 1)
}
