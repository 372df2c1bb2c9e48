import IOSimCore
import IOSimModel
import Testing

/// `machine.wakePacking`: wake-ups from an interrupt go to the awake interrupt CPU first (see the key's rule).
/// The scenarios: two CPUs with per-CPU queues, interrupts on CPU 1 coalesced so that one interrupt completes
/// every read, threads each doing one blocking 4 KiB read and then computing 1,000. The device (a channel per
/// read, 20,000 each) moves each read's 4 KiB over its one link at 1 GB/s (4,096), one after another, so the
/// reads complete in the order they were issued, 4,096 apart.
@Suite struct WakePackingTests {
    struct Outcome {
        /// Per thread: the CPUs it ran on after its wake-up, and when it finished.
        var cpusAfterWake: [[Int]]
        var finished: [Int64]
    }

    static let after: Operation = .compute(.constant(1_000))

    /// Runs `threads`, `reads` of which read, with the deferred routine's wake-up IPI costing `wakeIPI`.
    static func run(packing: Bool, reads: Int, wakeIPI: Int64 = 0, _ threads: [ThreadSpec]) throws -> Outcome {
        var s = constantCostScenario(cpus: 2)  // contextSwitch 1,000, wakeupLatency 3,000
        s.machine.runQueues = .perCPU
        s.machine.localWakeup = .nanoseconds(500)
        s.machine.wakePacking = packing
        s.interrupts.target = .fixed(cpu: 1)
        s.interrupts.coalesceCount = reads
        s.interrupts.coalesceTime = .milliseconds(1)
        s.interrupts.deferredWakeRemote = .nanoseconds(wakeIPI)
        s.device.channels = reads
        s.threads = threads
        let recorder = TraceRecorder()
        _ = try Simulator(s, trace: recorder).run()
        let n = threads.count
        var out = Outcome(cpusAfterWake: [[Int]](repeating: [], count: n), finished: [Int64](repeating: -1, count: n))
        var woken = [Bool](repeating: false, count: n)
        for event in recorder.events {
            switch event {
            case .thread(let t, .waking, _) where t < n: woken[t] = true
            case .thread(let t, .running(let cpu), _) where t < n && woken[t]: out.cpusAfterWake[t].append(cpu)
            case .thread(let t, .finished, let at) where t < n: out.finished[t] = at.nanosecondsSinceStart
            default: break
            }
        }
        return out
    }

    /// Four readers. Placed at the start, b runs on CPU 0, a on CPU 1 (it first computes 500), d waits behind b and
    /// c behind a; so the reads are issued in the order b, a, d, c and completed in that order, and one
    /// interrupt's deferred routine wakes the four in turn: b and d last ran on CPU 0, a and c on CPU 1.
    static func fourReaders(packing: Bool) throws -> Outcome {
        try run(packing: packing, reads: 4, [
            ThreadSpec(name: "a", program: [.compute(.constant(500)), read4k(.blocking), after]),
            ThreadSpec(name: "b", program: [read4k(.blocking), after]),
            ThreadSpec(name: "c", program: [read4k(.blocking), after]),
            ThreadSpec(name: "d", program: [read4k(.blocking), after]),
        ])
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
        let packed = try Self.fourReaders(packing: true)
        #expect(packed.cpusAfterWake == [[1], [1], [1], [0]])
        #expect(packed.finished == [53_084, 50_884, 55_284, 51_884])
        let plain = try Self.fourReaders(packing: false)
        #expect(plain.cpusAfterWake == [[1], [0], [0], [0]])
        #expect(plain.finished == [50_884, 47_884, 51_384, 53_584])
    }

    /// Three readers that all last ran on CPU 1, and a hog pinned to CPU 0 computing 30,000 (it finishes at
    /// 31,000, before the interrupt): a runs on CPU 1, b waits behind it, c behind the hog on CPU 0, and CPU 1,
    /// idle once a and b have blocked, takes c (it never ran, so it is not cache-hot). The reads complete at
    /// 26,396, 30,492 and 34,588; the interrupt comes at 35,088, and the deferred routine (from 36,588) wakes
    /// a, b, c in turn, 2,000 each, plus 700 for a wake-up IPI.
    /// Packed: a goes to CPU 1 (nothing queued), b stays there (one queued, and it last ran there); c, with two
    /// toward CPU 1, goes to the idle CPU 0 (nothing waking toward it): its deferred work pays the IPI (done at
    /// 43,288) and it is ready 3,000 later, at 46,288, and done at 48,488. CPU 1 leaves interrupt context at
    /// 43,288 and runs a (45,488), then b (47,688).
    /// Not packed: a stays on CPU 1; b, woken at 40,588 as a local wake-up (500: it last ran on the routine's CPU,
    /// so no IPI), finds a queued on CPU 1 and runs on the idle CPU 0 at 41,088 (done 43,288); c, woken at 42,588
    /// the same way, finds a running on CPU 1 and b on CPU 0, and queues behind a (44,788): done at 46,988.
    @Test func withTwoQueuedOnItsCPUAWakeupGoesToAnIdleCPU() throws {
        let threads = [
            ThreadSpec(name: "a", program: [read4k(.blocking), Self.after]),
            ThreadSpec(name: "hog", cpus: [0], program: [.compute(.constant(30_000))]),
            ThreadSpec(name: "b", program: [read4k(.blocking), Self.after]),
            ThreadSpec(name: "c", program: [read4k(.blocking), Self.after]),
        ]
        let packed = try Self.run(packing: true, reads: 3, wakeIPI: 700, threads)
        #expect(packed.cpusAfterWake == [[1], [], [1], [0]])
        #expect(packed.finished == [45_488, 31_000, 47_688, 48_488])
        let plain = try Self.run(packing: false, reads: 3, wakeIPI: 700, threads)
        #expect(plain.cpusAfterWake == [[1], [], [0], [1]])
        #expect(plain.finished == [44_788, 31_000, 43_288, 46_988])
    }
}
