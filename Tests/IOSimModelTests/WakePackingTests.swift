import IOSimCore
import IOSimModel
import Testing

/// `machine.wakePacking`: wake-ups from an interrupt go to the awake interrupt CPU first (see the key's rule).
/// The scenario: two CPUs with per-CPU queues, interrupts on CPU 1 coalesced by four, four threads each doing
/// one blocking 4 KiB read and then computing 1,000. Placed at the start, b runs on CPU 0, a on CPU 1 (it first
/// computes 500), d waits behind b and c behind a; so the reads are issued in the order b, a, d, c, the device
/// (four channels, 20,000 each) completes them in that order, and one interrupt's deferred routine wakes the
/// four in turn: b and d last ran on CPU 0, a and c on CPU 1.
@Suite struct WakePackingTests {
    struct Outcome {
        /// Per thread (a, b, c, d): the CPUs it ran on after its wake-up, and when it finished.
        var cpusAfterWake: [[Int]]
        var finished: [Int64]
    }

    static func run(packing: Bool) throws -> Outcome {
        var s = constantCostScenario(cpus: 2)  // contextSwitch 1,000, wakeupLatency 3,000
        s.machine.runQueues = .perCPU
        s.machine.localWakeup = .nanoseconds(500)
        s.machine.wakePacking = packing
        s.interrupts.target = .fixed(cpu: 1)
        s.interrupts.coalesceCount = 4
        s.interrupts.coalesceTime = .milliseconds(1)
        s.device.channels = 4
        let after: Operation = .compute(.constant(1_000))
        s.threads = [
            ThreadSpec(name: "a", program: [.compute(.constant(500)), read4k(.blocking), after]),
            ThreadSpec(name: "b", program: [read4k(.blocking), after]),
            ThreadSpec(name: "c", program: [read4k(.blocking), after]),
            ThreadSpec(name: "d", program: [read4k(.blocking), after]),
        ]
        let recorder = TraceRecorder()
        _ = try Simulator(s, trace: recorder).run()
        var out = Outcome(cpusAfterWake: [[Int]](repeating: [], count: 4), finished: [Int64](repeating: -1, count: 4))
        var woken = [Bool](repeating: false, count: 4)
        for event in recorder.events {
            switch event {
            case .thread(let t, .waking, _) where t < 4: woken[t] = true
            case .thread(let t, .running(let cpu), _) where t < 4 && woken[t]: out.cpusAfterWake[t].append(cpu)
            case .thread(let t, .finished, let at) where t < 4: out.finished[t] = at.nanosecondsSinceStart
            default: break
            }
        }
        return out
    }

    /// Packed: b (last on CPU 0) is the first woken, with nothing queued on CPU 1: it goes there (local, 500).
    /// a, last on CPU 1, finds one queued there: it stays (local). d finds two queued on CPU 1 and its own CPU 0
    /// idle: it goes back there (3,000). c, last on CPU 1, finds two queued there but d waking toward CPU 0: it
    /// stays on CPU 1. The deferred routine completes b, a, d, c at 42,684 + 2,000 k and leaves interrupt context
    /// at 48,684; CPU 1 then runs b, a and c one after another (switch 1,000, syscall exit 200, compute 1,000:
    /// 2,200 each): 50,884, 53,084, 55,284; d runs on CPU 0 from 46,684 + 3,000 to 51,884.
    /// Not packed: b goes back to its idle CPU 0 (3,000; it finishes at 47,884), a to CPU 1 (local), c (a queued
    /// on CPU 1) to the idle CPU 0 (51,384), and d queues behind c there (53,584).
    @Test func wakeupsFromAnInterruptGoToItsCPUFirst() throws {
        let packed = try Self.run(packing: true)
        #expect(packed.cpusAfterWake == [[1], [1], [1], [0]])
        #expect(packed.finished == [53_084, 50_884, 55_284, 51_884])
        let plain = try Self.run(packing: false)
        #expect(plain.cpusAfterWake == [[1], [0], [0], [0]])
        #expect(plain.finished == [50_884, 47_884, 51_384, 53_584])
    }

    /// A wake-up by a thread is not packed: `WakeAffineTests`' scenario (the producer waking the consumer) runs the
    /// same packed or not, affine or not. Its one interrupt, on CPU 0, wakes the consumer onto CPU 0, the CPU it
    /// last ran on, either way.
    @Test func aThreadsWakeupIsNotPacked() throws {
        for affine in [false, true] {
            let plain = try WakeAffineTests().run(wakeAffine: affine, hogNs: 5_000, afterPostNs: 1_000)
            let packed = try WakeAffineTests().run(wakeAffine: affine, wakePacking: true, hogNs: 5_000, afterPostNs: 1_000)
            #expect(packed.elapsed == plain.elapsed)
            #expect(packed.ioRecords.map(\.issued) == plain.ioRecords.map(\.issued))
        }
    }
}
