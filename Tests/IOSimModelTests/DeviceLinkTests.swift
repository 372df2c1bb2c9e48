import IOSimCore
import IOSimModel
import Testing

/// `device.bandwidth` is the device's rate: its channels share one data link, so transfers take it in turn.
@Suite struct DeviceLinkTests {
    /// Two channels, constant costs (`constantCostScenario`: 20,000 ns reads, 4 KiB moved in 4,096 ns), one
    /// thread on one CPU issuing three overlapped 4 KiB requests 1,500 ns apart: a write whose access takes
    /// 50,000 ns (submitted at 2,300: access ends at 52,300, transfer booked until 56,396), then two reads.
    /// Read 2 (3,800) ends its access at 23,800 and takes the idle link before the write's booking: done at
    /// 27,896. Read 3 (5,300) waits for a channel until 27,896; its transfer (47,896 to 51,992) still fits
    /// before the write's booking, which keeps its place.
    @Test func aTransferTakesTheFirstGapOfTheLink() throws {
        var s = constantCostScenario()
        s.device.channels = 2
        s.device.writeLatency = .constant(50_000)
        let write = Operation.io(IOOperation(.write, file: "data", sizeBytes: 4096, offset: .fixed(0), style: .overlapped, notice: .statusOnly, name: "w"))
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [write, read4k(.overlapped, name: "a"), read4k(.overlapped, name: "b")]
                    + ["w", "a", "b"].map { .getResult(request: $0, wait: true) })
        ]
        let r = try Simulator(s).run()
        let ios = r.ioRecords.sorted { $0.number < $1.number }
        try #require(ios.count == 3)
        #expect(ios.map(\.submitted) == [ns(2_300), ns(3_800), ns(5_300)])
        #expect(ios.map(\.deviceDone) == [ns(56_396), ns(27_896), ns(51_992)])
    }

    /// Eight channels and a deep queue of 64 KiB reads: without the shared link each channel would move 1 GB/s
    /// (about 8 GB/s in all); with it the device moves at most 1 GB/s, and with 10 us accesses overlapping the
    /// transfers it keeps the link nearly always busy.
    @Test func channelsShareTheDeviceBandwidth() throws {
        var s = zeroCostScenario()
        s.device.readLatency = .constant(10_000)
        s.device.bandwidthBytesPerSecond = 1_000_000_000
        s.device.channels = 8
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 30)]
        s.threads = [
            ThreadSpec(
                name: "reader", count: 32,
                program: [.repeatCount(100, [.io(IOOperation(.read, file: "data", sizeBytes: 65_536, offset: .random, style: .blocking))])])
        ]
        let r = try Simulator(s).run()
        #expect(r.iosCompleted == 3_200)
        let bytesPerSecond = Double(r.iosCompleted) * 65_536 / (Double(r.elapsed.nanoseconds) / 1e9)
        #expect(bytesPerSecond <= 1e9)
        #expect(bytesPerSecond > 0.99e9)
    }
}
