//! The reference workload of shared/bench/README.md, built as a scenario: the engine-speed benchmark and
//! a cross-check of the model against the C, SimPy and heapq implementations there.

import IOSimCore

extension Scenario {
    /// T threads loop forever: compute Exp(20 us), then one blocking 4 KiB read; C CPUs, non-preemptive;
    /// a device serving up to Q requests at once, each Exp(80 us); every completion interrupts CPU 0 for an
    /// ISR of 2 us and a wake-up of 1 us (here: the deferred routine); syscalls, switches and wake-ups
    /// cost nothing. Stops after `ios` completions. With the defaults the C reference gives a mean latency
    /// of 83.31 us and a CPU utilisation of 0.4364 at 10^6 IOs.
    public static func closedLoopReference(
        ios: Int = 1_000_000, threads: Int = 4, cpus: Int = 2, queueDepth: Int = 32, seed: UInt64 = 1
    ) -> Scenario {
        var s = Scenario(name: "reference closed loop")
        s.seed = seed
        s.machine.cpuCount = cpus
        s.removeSoftwareCosts()
        s.device.readLatency = .exponential(mean: 80_000)
        s.device.bandwidthBytesPerSecond = 0
        s.device.queueDepth = queueDepth
        s.device.channels = queueDepth
        s.interrupts.isr = .microseconds(2)
        s.interrupts.deferredPerRequest = .microseconds(1)
        s.interrupts.target = .fixed(cpu: 0)
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 30)]
        s.threads = [
            ThreadSpec(
                name: "worker", count: threads,
                program: [
                    .repeatForever([
                        .compute(.exponential(mean: 20_000)),
                        .io(IOOperation(.read, file: "data", sizeBytes: 4096, offset: .random, style: .blocking)),
                    ])
                ])
        ]
        s.stop = StopCondition(afterIOs: ios)
        return s
    }
}
