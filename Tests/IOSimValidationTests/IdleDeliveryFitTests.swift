import IOSimCore
import IOSimModel
import Testing

@testable import IOSimValidation

/// `interrupts.idleDelivery` from calibrate's pinned SQPOLL pair (`Calibration.fitIdleDelivery`): the time per
/// read beside the interrupts' CPU less that on it.
@Suite struct IdleDeliveryFitTests {
    static func pair(on: Double, beside: Double) -> [CalibrationFigure] {
        [
            CalibrationFigure(name: FigureName.iopsSQPOLLOnInterruptCPU, unit: "IOPS", samples: [on]),
            CalibrationFigure(name: FigureName.iopsSQPOLLBesideInterruptCPU, unit: "IOPS", samples: [beside]),
        ]
    }

    /// By hand: 25,000 IOPS on the interrupts' CPU is 40 us a read, 20,000 beside it 50 us: 10 us. Beside faster
    /// (the machine moved between the two): 0. One of the two missing: not fitted.
    @Test func theFitByHand() {
        #expect(Calibration.fitIdleDelivery(Self.pair(on: 25_000, beside: 20_000)) == .microseconds(10))
        #expect(Calibration.fitIdleDelivery(Self.pair(on: 23_456, beside: 19_876)) == .nanoseconds(7_680))  // 42,634 and 50,312 ns
        #expect(Calibration.fitIdleDelivery(Self.pair(on: 20_000, beside: 25_000)) == .zero)
        #expect(Calibration.fitIdleDelivery(Array(Self.pair(on: 25_000, beside: 20_000).prefix(1))) == nil)
    }

    /// Through the whole fit: measured, the value is written with its source but not applied (README, the
    /// fourteenth day); given, it is set and read back, and being on the QD1 path (the interrupts' CPU idles
    /// there), the device's latency mean gives it up (the reference figures' mean is 9.6 us: 5 us of it).
    @Test func theFitReportsItAndAppliesItWhenGiven() throws {
        let pair = Self.pair(on: 20_000, beside: 1e9 / 55_000)  // 50 and 55 us a read
        let without = Calibration.fit(referenceFigures(), cpuCount: 2)
        let measured = Calibration.fit(referenceFigures() + pair, cpuCount: 2)
        #expect(without.interrupts.idleDelivery == .zero && measured.interrupts.idleDelivery == .zero)
        #expect(measured.device == without.device)
        #expect(without.profileText.contains("idleDelivery: \"0\""))
        #expect(measured.profileText.contains("idleDelivery: \"0\""))
        #expect(measured.profileText.contains("apply it with --given interrupts.idleDelivery=5us): measured 5us"))
        #expect(measured.profileText.contains("the time per read of \(FigureName.iopsSQPOLLBesideInterruptCPU) 18182"))
        let given = Calibration.fit(
            referenceFigures() + pair, cpuCount: 2, given: [GivenCost(key: .idleDelivery, value: .microseconds(5))])
        #expect(given.interrupts.idleDelivery == .microseconds(5))
        #expect(given.device.readLatency.mean == without.device.readLatency.mean - 5_000)
        #expect(given.profileText.contains("idleDelivery: \"5us\""))
        #expect(given.profileText.contains(GivenCost.Key.idleDelivery.note))
        #expect(try loadThroughExtends(given.profileText).interrupts == given.interrupts)
    }
}
