//! Calibrated busy work: the `compute` steps of a workload, run as real CPU work on the job thread.
//!
//! A fixed number of iterations of a dependent multiply-xorshift chain (it cannot be vectorised or folded
//! away) stands for a duration. The iteration rate is measured once per process against the thread's own CPU
//! clock (CLOCK_THREAD_CPUTIME_ID): five trials of about 2 ms, keeping the fastest. Against the wall clock a
//! machine busy with other work preempted every trial and the rate came out up to 3x low.
//! So `spin(for: .microseconds(20))` costs about 20 us of CPU on an otherwise idle CPU, and more wall time
//! (not more CPU) when the thread is preempted, which is what a real computation does.

import Glibc
import IOSimCore
import Synchronization

/// Busy CPU work calibrated in iterations per microsecond.
public struct BusyWork: Sendable {
    /// Iterations of the spin loop per microsecond on this machine.
    public let iterationsPerMicrosecond: Double

    /// The process-wide calibration (measured on first use, about 10 ms).
    public static let calibrated = BusyWork.calibrate()

    /// A busy-work generator with a known rate (tests).
    public init(iterationsPerMicrosecond: Double) {
        precondition(iterationsPerMicrosecond > 0, "the rate must be positive")
        self.iterationsPerMicrosecond = iterationsPerMicrosecond
    }

    /// Measures the rate: five ~2 ms trials, the fastest kept.
    public static func calibrate() -> BusyWork {
        var iterations = 1 << 14
        // Grow until one trial takes at least 2 ms.
        while true {
            let t0 = threadCPUNanoseconds()
            spinIterations(iterations)
            if threadCPUNanoseconds() - t0 >= 2_000_000 || iterations >= 1 << 30 { break }
            iterations *= 2
        }
        var best = 0.0
        for _ in 0..<5 {
            let t0 = threadCPUNanoseconds()
            spinIterations(iterations)
            let ns = max(1, threadCPUNanoseconds() - t0)
            best = max(best, Double(iterations) * 1000 / Double(ns))
        }
        return BusyWork(iterationsPerMicrosecond: best)
    }

    /// Burns about `duration` of CPU on the calling thread.
    @inline(__always)
    public func spin(for duration: SimDuration) {
        guard duration.nanoseconds > 0 else { return }
        let iterations = Int(Double(duration.nanoseconds) * iterationsPerMicrosecond / 1000)
        spinIterations(iterations)
        spunIterations.add(iterations, ordering: .relaxed)
    }

    /// Iterations spun by `spin` in this process so far (all threads): the work done, whatever the CPU's speed
    /// (a CPU time also moves with the host's load).
    public static var iterationsSpun: Int { spunIterations.load(ordering: .relaxed) }
}

private let spunIterations = Atomic<Int>(0)

/// CPU time of the calling thread, in nanoseconds.
private func threadCPUNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// Where the spin result goes, so the optimizer must compute it.
private let spinSink = Atomic<UInt64>(0)

@inline(never)
func spinIterations(_ count: Int) {
    var x: UInt64 = 0x9E37_79B9_7F4A_7C15
    for _ in 0..<count {
        x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        x ^= x >> 29
    }
    spinSink.store(x, ordering: .relaxed)
}
