import IOSimCore
import IOSimModel
import IOSimScenario
import Testing

/// The device's stalls in `run`'s report and JSON: their count, and their times apart once there are two intervals.
@Suite struct StallReportTests {
    @Test func theStallsTimesApartAreReported() throws {
        var s = Scenario(name: "one read")
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 20)]
        s.rings = [RingSpec(name: "ring", entries: 4)]
        s.threads = [ThreadSpec(name: "job", program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .random, queueDepth: 1, ios: 1))])]
        var r = try Simulator(s).run()
        #expect(!r.textReport().contains("stalls"))
        #expect(r.document.lookup("deviceStallIntervals.count") == .int(0))
        #expect(r.document.lookup("deviceStallIntervals.coefficientOfVariation") == .double(0))

        // Two stalls: one interval, a mean but no coefficient.
        r.deviceStalls = 2
        r.deviceStallIntervals = IntervalSpread(instants: [0, 40_000_000])
        #expect(r.textReport().contains("device   2 stalls (device.stallInterval)\n"))
        #expect(r.document.lookup("deviceStallIntervals.meanNs") == .double(40_000_000))
        #expect(r.document.lookup("deviceStallIntervals.coefficientOfVariation") == .double(0))

        // Three, 40 and 60 ms apart: a mean of 50 ms, a sample deviation of 14.14 ms.
        r.deviceStalls = 3
        r.deviceStallIntervals = IntervalSpread(instants: [0, 40_000_000, 100_000_000])
        #expect(r.textReport().contains("device   3 stalls (device.stallInterval), 50ms apart on average (coefficient of variation 0.28)\n"))
        #expect(r.document.lookup("deviceStallIntervals.count") == .int(2))
        #expect(r.document.lookup("deviceStallIntervals.meanNs") == .double(50_000_000))
        #expect(r.document.lookup("deviceStallIntervals.coefficientOfVariation") == .double(200.0.squareRoot() / 50))
    }
}
