//! `iosim calibrate`: measure this machine's costs, then fit the model's parameters to them (issue 4).
//!
//! What is measured, each figure `repeats` times (median, minimum and maximum over the repeats), in the same
//! way as the C probes of shared/reference/costs/ so the two can be held side by side:
//! - null syscall: a loop of getppid(2) (glibc never caches it), ns per call (costs/syscall_cost.c);
//! - context switch: a 1-byte pipe ping-pong between two threads pinned to one CPU, ns per one-way hop
//!   (round trip / 2; costs/pipe_pingpong.c, "same");
//! - cross-CPU wake-up: the same ping-pong with the threads on two CPUs ("cross");
//! - cross-CPU wake-up after idle: a thread spinning on one CPU writes a byte to a pipe a thread blocked on the
//!   other CPU reads, after that CPU has been idle for 5 us to 1 ms; from the write to the reader running, both
//!   ways (the ping-pong's waker blocks as it wakes; this one stays on its CPU, as a spinning SQPOLL thread does);
//! - io_uring NOP round trip: prepare a NOP, io_uring_enter(submit 1, wait 1), reap, on a default ring
//!   (costs/uring_nop.c);
//! - page-cache pread: 4 KiB preads at random page offsets of a warm region of the test file into a
//!   page-aligned buffer (costs/pread_hit.c), and the copy rate derived from it: 4 KiB / (pread - null syscall);
//! - memcpy: 1 MiB page-aligned buffers, GB/s (costs/memcpy_bw.c);
//! - the device, through `RealRunner` with io_uring (fio's setup flags) and O_DIRECT random reads of the test
//!   file: mean latency at queue depth 1 for 4 KiB, 64 KiB and 1 MiB; IOPS, bandwidth and disk interrupts per IO
//!   at 4 KiB and queue depths 1, 4, 16, 64; IOPS and system time of 64 KiB at queue depth 4. The device runs
//!   are interleaved (every configuration once per round), so a slow spell of the shared host spreads over all
//!   of them instead of spoiling one.
//!
//! How the model's parameters are fitted from those figures: `Calibration.fit`, one comment per parameter.
//! What cannot be measured from user space keeps the model's default, and the profile says so.
//!
//! Safety, as the real backend's (IOSimReal/Workspace.swift): the test file is laid out only inside a new
//! subdirectory (mkdtemp) of the given directory or $TMPDIR, created with O_EXCL, after a free-space check;
//! the device runs open it read-only (`RealJob.existingFile`); the file and the subdirectory are removed on
//! every exit path, errors included, and by the SIGINT/SIGTERM handler of `SignalCleanupRegistration`.
//! Threads are pinned only on threads this file creates; the caller's affinity is never changed.

import Glibc
import IOSimCore
import IOSimModel
import IOSimReal
import IOSimScenario
import IOSimURing
import Synchronization

// MARK: - Public API

/// One measured figure with its spread over the repeats.
public struct CalibrationFigure: Sendable, Equatable {
    /// "null syscall", "context switch", ...
    public var name: String
    /// "ns", "GB/s", "IOPS", "per IO".
    public var unit: String
    public var median: Double
    public var minimum: Double
    public var maximum: Double
    /// How many repeats the median, minimum and maximum are taken over.
    public var repeats: Int

    public init(name: String, unit: String, median: Double, minimum: Double, maximum: Double, repeats: Int) {
        self.name = name
        self.unit = unit
        self.median = median
        self.minimum = minimum
        self.maximum = maximum
        self.repeats = repeats
    }

    /// The figure of `samples` (one per repeat; at least one).
    public init(name: String, unit: String, samples: [Double]) {
        precondition(!samples.isEmpty, "a figure needs at least one sample")
        let s = samples.spread
        self.init(name: name, unit: unit, median: s.median, minimum: s.minimum, maximum: s.maximum, repeats: samples.count)
    }
}

extension [Double] {
    /// The median of these values, sorted ascending (not empty): the middle one, or the mean of the middle two
    /// for an even count.
    var sortedMedian: Double {
        let n = count
        return n % 2 == 1 ? self[n / 2] : (self[n / 2 - 1] + self[n / 2]) / 2
    }

    /// The median (`sortedMedian`), least and most of these values, in any order (not empty).
    var spread: (median: Double, minimum: Double, maximum: Double) {
        let sorted = self.sorted()
        return (sorted.sortedMedian, sorted[0], sorted[sorted.count - 1])
    }
}

/// What `Calibration.run` does.
public struct CalibrationOptions: Sendable {
    /// Where to lay out the test file (in a new subdirectory, removed after); nil: $TMPDIR or /tmp.
    public var directory: String? = nil
    /// Size of the test file the device runs read (at least 4 MiB; `quick` caps it at 32 MiB).
    public var fileBytes: Int64 = 256 << 20
    /// Repeats of every figure (`quick` caps them at 3).
    public var repeats: Int = 5
    /// Tiny repeat counts and short device runs (for tests / CI smoke: a few seconds).
    public var quick: Bool = false
    /// Called on the calling thread after each step with the steps done and the steps in all (the layout,
    /// each CPU probe, each device run); the last call has done == total.
    public var progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    /// Costs to take as known instead of keeping the model's defaults (`iosim calibrate --given`).
    public var given: [GivenCost] = []
    /// How the device runs measure irq + softirq time (`--irq-time`): /proc/stat's ticks, or the irq tracepoints.
    public var interruptTime: InterruptTimeSource = .ticks
    public init() {}
}

/// A cost the calibration cannot measure from user space, taken as given (from a kernel trace, say): the fit
/// keeps it and fits the device around it.
public struct GivenCost: Sendable, Equatable {
    /// The profile keys that can be given.
    public enum Key: String, Sendable, CaseIterable {
        case requestCreate = "kernel.requestCreate"
        case driverSubmit = "kernel.driverSubmit"
        case doorbell = "kernel.doorbell"
        case passWakeup = "device.passWakeup"
        case hostHaltPoll = "machine.hostHaltPoll"
        case idleExit = "machine.idleExit"
        case localWakeup = "machine.localWakeup"
        case busyStall = "interrupts.busyStall"
        case idleDelivery = "interrupts.idleDelivery"
        case directIOPerPage = "kernel.directIOPerPage"

        /// How a profile's comment marks a value that was given; `Calibration.recordedFigures` reads it back.
        public var note: String { "given (--given \(rawValue))" }
    }
    public var key: Key
    public var value: SimDuration
    public init(key: Key, value: SimDuration) {
        self.key = key
        self.value = value
    }
}

/// The measured figures and the model parameters fitted to them.
public struct CalibrationReport: Sendable {
    /// Every measured figure with its spread over repeats, in a fixed order.
    public var figures: [CalibrationFigure]
    /// Fitted model parameters (IOSimModel types).
    public var machine: MachineConfig
    public var kernel: KernelConfig
    public var device: DeviceConfig
    public var interrupts: InterruptConfig
    /// How `channels` (and `passDispatch`) were chosen by simulation, when they were (`iosim calibrate` does;
    /// `Calibration.fit` alone uses Little's law).
    public var parallelismFit: ParallelismFit? = nil
    /// How `machine.hostCPUs` was chosen by simulation, when it was.
    public var hostFit: HostFit? = nil
    /// How isr, deferred and deferredWake were fitted by simulation, when they were.
    public var interruptFit: InterruptCostFit? = nil
    /// How `machine.localWakeup` was fitted to the pinned round trips, when it was.
    public var localWakeupFit: LocalWakeupFit? = nil
    /// How requestCreate, driverSubmit and doorbell were fitted to the timed submissions, when they were.
    public var submissionFit: SubmissionFit? = nil
    /// How the device's bandwidth was fitted by simulation to the 64 KiB depth-4 IOPS, when it was.
    public var bandwidthFit: BandwidthFit? = nil
    /// How `machine.idleExit` was fitted to the QD1 system time per IO, when it was (not given, fitted by simulation).
    public var idleExitFit: IdleExitFit? = nil
    /// How `kernel.uringWait` was fitted to the io_uring QD1 system time per IO, when it was (with pread's
    /// figure; `exitsPerIO`: the model's wake-ups from io_uring_enter's wait per IO).
    public var uringWaitFit: IdleExitFit? = nil
    /// How `machine.idleExitUser` was fitted to the QD1 user time per IO, when it was (`withoutIdleExit`: the
    /// model's user time per IO without it).
    public var idleExitUserFit: IdleExitFit? = nil
    /// How the device's read latency mean was moved so that the model's QD1 latency is the measured one, when
    /// it was checked by simulation.
    public var latencyFit: LatencyFit? = nil
    /// The QD32 run through fio's loop, measured and as the fitted model gives it (a check, not fitted), when
    /// the device's parameters were fitted by simulation.
    public var fioLoopCheck: (measured: Double, modelled: Double)? = nil
    /// What the device's stalls cost the workloads it was fitted to, in the model (`Calibration.stallLoss`).
    public var stallLosses: [Calibration.StallLoss] = []
    /// How `device.stallInterval` was fitted by simulation, when it was (`Calibration.fitStallInterval`).
    public var stallIntervalFit: Calibration.StallIntervalFit? = nil
    /// How `device.stallIntervalShape` was fitted by simulation, when it was (`Calibration.fitStallShape`).
    public var stallShapeFit: Calibration.StallShapeFit? = nil
    /// The costs taken as given (`CalibrationOptions.given`).
    public var given: [GivenCost] = []
    /// How irq + softirq time was measured (`CalibrationOptions.interruptTime`).
    public var interruptTime: InterruptTimeSource = .ticks
    /// Whether the system figures were taken from the idle time (with the trace), not from /proc/stat's ticks.
    public var systemFromIdle = false
    /// A scenario-format JSON5 text holding only machine, kernel, device and interrupts keys, with a comment per
    /// value giving the measured figure it came from (median and spread), usable as `extends: "profile.json5"`
    /// and by `iosim validate --profile`. Deterministic formatting given the report.
    public var profileText: String
    /// The figures as a table for people.
    public var table: String
}

extension CalibrationReport {
    /// What the fit could not honour, for people (calibrate prints each on standard error after the table): a QD1
    /// system-time figure under what the model makes of its run before any exit from idle, by more than validate's
    /// tolerance (25% and 1 us), which no fitted cost can take back. On one machine the submission probe caught a
    /// minute when the virtio kick took 51 us, and the model's QD1 system time came to 53 us against 14 measured.
    public var warnings: [String] {
        guard let fit = idleExitFit else { return [] }
        var figures = [(fit.workload, fit.measured, fit.withoutIdleExit)]
        if let second = fit.alsoFittedTo {
            figures.append((FigureName.systemPerIO(bytes: 4096), second.measured, second.withoutIdleExit))
        }
        return figures.compactMap { name, measured, model in
            guard model > measured * 1.25, model - measured > 1_000 else { return nil }
            func us(_ ns: Double) -> String { Units.formatDuration(nanoseconds: Int64(ns.rounded())) }
            let over = Int(((model - measured) / max(measured, 1) * 100).rounded())
            return "warning: the model makes \(name) \(us(model)) before any exit from idle, \(over)% over the measured "
                + "\(us(measured)), and no fitted cost can take that back. The submission probe's costs (kernel.doorbell, "
                + "kernel.requestCreate) are most of it: the machine may have moved between that probe and the device runs "
                + "(calibrate again), or, without --irq-time trace, the ticks may miss system time."
        }
    }
}

extension [GivenCost] {
    /// Whether a cost of `key` is among the given ones.
    func contains(_ key: GivenCost.Key) -> Bool { contains { $0.key == key } }
}

extension [CalibrationFigure] {
    /// The median of the figure named `name`, if it was measured.
    func median(_ name: String) -> Double? { first { $0.name == name }?.median }
}

/// The host CPUs shared with the device's emulation, chosen by running the model on the queue-depth-1 workload
/// with a CPU kept busy: through an SQPOLL ring, or (profiles recorded before that run) beside a spinning thread.
public struct HostFit: Sendable, Equatable {
    /// The run it was fitted to.
    public var probe: HostProbe
    /// The chosen `machine.hostMilliCPUs` (0: not shared).
    public var milliCPUs: Int64
    /// The measured IOPS of the probe, the model's with the chosen value, and the model's without sharing.
    public var measured: Double
    public var modelled: Double
    public var unshared: Double
    /// With the SQPOLL probe and the spinner's run measured too: that run's measured IOPS and the model's with the
    /// chosen value (a check, not fitted).
    public var besideBusyCheck: HostCheck? = nil

    /// A run's measured IOPS and the fitted model's.
    public struct HostCheck: Sendable, Equatable {
        public var measured: Double
        public var modelled: Double
    }
}

/// A 4 KiB queue-depth-1 run with one of the machine's CPUs kept busy, which `machine.hostCPUs` is fitted to.
public enum HostProbe: Sendable, Equatable {
    /// Through an SQPOLL ring: the kernel's poller spins on one CPU; where the poller and the job run is left to the
    /// scheduler, as in any SQPOLL job (`FigureName.iopsSQPOLL`).
    case sqpoll
    /// Beside a user thread spinning on another CPU (`FigureName.iopsBesideBusyCPU`): fitted when no SQPOLL run is
    /// recorded (profiles recorded before it, a kernel that refused SQPOLL). Where the job lands beside the spinner
    /// moved that run more than the busy CPU did.
    case besideBusyCPU

    /// The measured figure.
    public var figure: String {
        switch self {
        case .sqpoll: FigureName.iopsSQPOLL
        case .besideBusyCPU: FigureName.iopsBesideBusyCPU
        }
    }
}

/// The submission's costs fitted to the timed io_uring_enter calls that submit O_DIRECT reads to the idle device
/// (`Calibration.fitSubmission`), ns: each further request of a batch, and the one read's time beyond the
/// syscall, its SQE and its request: the driver's hand-off with the doorbell.
public struct SubmissionFit: Sendable, Equatable {
    public var perRequest: Double
    public var handOff: Double
}

/// The local wake-up fitted to the single read's round trips pinned to the CPU that takes the disk's interrupts
/// and to another (`Calibration.fitLocalWakeup`), ns.
public struct LocalWakeupFit: Sendable, Equatable {
    /// The CPUs, and their round trips' medians.
    public var interruptCPU: Int
    public var otherCPU: Int
    public var local: Double
    public var remote: Double
    /// The model's wake-up across CPUs in the remote run: `wakeupAfterIdle` at `idle`, else wakeupLatency.
    public var idle: Int64
    public var acrossCPUs: Int64
    /// The deferred routine's IPI for that wake-up (`interrupts.deferredWakeRemote`), which the remote run pays.
    public var wakeIPI: Int64
    public var localWakeup: Int64

    /// The same fit with the IPI's cost `ipi`: across + IPI less the remote run's excess, floor 0, to 10 ns.
    func withWakeIPI(_ ipi: Int64) -> LocalWakeupFit {
        var f = self
        f.wakeIPI = ipi
        f.localWakeup = Calibration.tensOfNanoseconds(Double(acrossCPUs + ipi) - (remote - local))
        return f
    }
}

/// The device's bandwidth fitted by simulation to the measured IOPS of 64 KiB reads at depth 4
/// (`Calibration.fitBandwidth`): the measured IOPS, the fitted rate (bytes/s) and the model's IOPS with it, and
/// the rate before (the QD1 latencies' slope, or the default) with the model's IOPS at that rate.
public struct BandwidthFit: Sendable, Equatable {
    public var measured: Double
    public var bytesPerSecond: Int64
    public var modelled: Double
    public var before: Int64
    public var modelledBefore: Double
}

/// The exit from idle fitted to the QD1 system time per IO: the measured figure, the model's system time per IO
/// at QD1 without the cost, and its exits from idle per IO (ns; `Calibration.fit`).
public struct IdleExitFit: Sendable, Equatable {
    public var measured: Double
    public var withoutIdleExit: Double
    public var exitsPerIO: Double
    /// The figure `measured` is (`FigureName.systemPerIO(bytes: 4096)` unless another run's).
    public var workload = FigureName.systemPerIO(bytes: 4096)
    /// `machine.idleExit` fitted to pread's QD1 figure and io_uring's together (`Calibration.fit`): io_uring's
    /// measured system time per IO at QD1, the model's for that run without idleExit (and without a wait), and its
    /// exits from idle per IO; nil when fitted to one figure.
    public var alsoFittedTo: SecondFigure? = nil

    /// The second figure of a fit to two (`alsoFittedTo`).
    public struct SecondFigure: Sendable, Equatable {
        public var measured: Double
        public var withoutIdleExit: Double
        public var exitsPerIO: Double
    }
}

/// The model's QD1 latency (latency plus delivery, ns) against the measured one, before and after the device's
/// latency mean gave up `gaveUp` (negative: took it back) in `steps` steps (`Calibration.fit`).
public struct LatencyFit: Sendable, Equatable {
    public var measured: Double
    public var before: Double
    public var after: Double
    public var gaveUp: SimDuration
    public var steps: Int
    /// Whether the device search ran again after the steps (it had run on the mean before them).
    public var searchedAgain = false
    /// Whether `after` was taken again after the bandwidth's fit by simulation (and the search it ran again).
    public var afterBandwidthFit = false
}

/// The interrupt costs fitted to the measured irq + softirq per IO with the model's own interrupts and wake-ups
/// per IO of each workload (`Calibration.fitInterruptCosts`).
public struct InterruptCostFit: Sendable, Equatable {
    public var isr: SimDuration
    public var deferred: SimDuration
    public var wake: SimDuration
    /// `interrupts.deferredWakeRemote`.
    public var wakeRemote: SimDuration = .zero
    public var rows: [Row]

    /// One workload: its name, the measured irq + softirq per IO (ns), the model's interrupts, wake-ups and
    /// wake-up IPIs per IO, and the model's irq + deferred CPU per IO with the fitted costs (ns).
    public struct Row: Sendable, Equatable {
        public var name: String
        public var measured: Double
        public var interruptsPerIO: Double
        public var wakesPerIO: Double
        public var wakeIPIsPerIO: Double = 0
        public var modelled: Double
    }
}

/// The device parallelism chosen by running the model on the calibration's own workload.
public struct ParallelismFit: Sendable, Equatable {
    public var channels: Int
    public var passDispatch: SimDuration
    public var passWakeup: SimDuration = .zero
    /// With passes: which kind fitted closer (`.pass` or `.asyncPass`), and the other kind's best score (the
    /// fit's sum of squared errors in units of the tolerances; nil without passes).
    public var completionBatching: CompletionBatching = .none
    public var score: Double = 0
    public var otherScore: Double? = nil
    /// Per measured queue depth: the measured and the model's IOPS with the chosen values.
    public var rows: [(depth: Int, measured: Double, modelled: Double)]
    /// The largest |modelled - measured| / measured over the depths.
    public var worstError: Double
    /// The four blocking threads' measured and modelled IOPS, when that figure was measured.
    public var pool: (measured: Double, modelled: Double)? = nil
    /// Whether the four blocking threads' interrupts per IO were scored (measured where IRQ lines are found).
    public var poolInterruptsScored = false

    public static func == (a: ParallelismFit, b: ParallelismFit) -> Bool {
        a.channels == b.channels && a.passDispatch == b.passDispatch && a.passWakeup == b.passWakeup
            && a.completionBatching == b.completionBatching && a.score == b.score && a.otherScore == b.otherScore
            && a.worstError == b.worstError && a.pool?.measured == b.pool?.measured && a.pool?.modelled == b.pool?.modelled
            && a.poolInterruptsScored == b.poolInterruptsScored
            && a.rows.elementsEqual(b.rows) { $0.depth == $1.depth && $0.measured == $1.measured && $0.modelled == $1.modelled }
    }
}

public enum Calibration {
    /// Whether the kernel accounts IRQ time, told by the queue-depth-1 run's irq + softirq per IO, an interrupt
    /// per IO: above zero in most of its repeats. Where it is accounted a repeat can still read zero: /proc/stat
    /// counts in units of 10 ms, sampled by the tick (4 ms at CONFIG_HZ=250), and a machine that counts most of
    /// its interrupt work as system time sees few such ticks (one of five 1-second repeats read zero on the
    /// README's second machine, where IRQ time is counted: an earlier rule, every repeat above zero, then threw
    /// every irq figure away).
    static func irqTimeAccounted(queueDepth1 samples: [Double]) -> Bool {
        samples.filter { $0 > 0 }.count * 2 > samples.count
    }

    /// Measures this machine and fits the model to it. Blocks the calling thread for the whole measurement
    /// (about 40 s with the defaults; a few seconds with `quick`).
    /// - Throws: `RealError` (io_uring unavailable, O_DIRECT refused, not enough space, ...), with nothing left
    ///   behind in the directory.
    public static func run(_ options: CalibrationOptions) throws(RealError) -> CalibrationReport {
        let effort = try Effort(options)
        if case .failure(let e) = URing.probe() { throw Probes.uringUnavailable(e) }
        try options.interruptTime.checkAvailable()
        var figures: [CalibrationFigure] = []
        // The layout, the CPU probes (six on one CPU; the cross-CPU wake-up and its idle times on two), the
        // device's warm-up and runs.
        let cpuProbes = 6 + (Affinity.allowedCPUs().count >= 2 ? 1 + FigureName.wakeupIdles.count : 0)
        let totalSteps = 1 + cpuProbes + 1 + effort.repeats * (Probes.deviceConfigurations.count + 5)
        var stepsDone = 0
        func step() {
            stepsDone = min(stepsDone + 1, totalSteps)
            options.progress?(stepsDone, totalSteps)
        }
        func add(_ name: String, _ unit: String, _ samples: [Double]) {
            figures.append(CalibrationFigure(name: name, unit: unit, samples: samples))
            step()
        }

        // The test file first, so a directory that cannot be used or a full disk fails at once; laid out
        // once, read buffered for the page-cache figures, then O_DIRECT by the device runs. The layout ends
        // with fsync, so no writeback of ours runs during the probes.
        let scratch = try ScratchFile(parent: options.directory ?? ScratchFile.defaultParent)
        defer { scratch.remove() }
        try scratch.layOut(bytes: effort.fileBytes)
        step()

        // CPU costs, while nothing else of ours runs.
        let syscall = Probes.nullSyscall(effort)
        add(FigureName.nullSyscall, "ns", syscall)
        let cpus = Affinity.allowedCPUs()
        guard let first = cpus.first else {
            throw RealError(
                .systemCallFailed, description: "sched_getaffinity reported no CPU this process may run on",
                hint: "Unexpected; check the process's CPU affinity (taskset -p PID) and cgroup cpuset.")
        }
        add(FigureName.contextSwitch, "ns", try Probes.pipeHops(cpuA: first, cpuB: first, effort))
        if cpus.count >= 2 {
            add(FigureName.crossCPUWakeup, "ns", try Probes.pipeHops(cpuA: cpus[0], cpuB: cpus[1], effort))
            let idles = FigureName.wakeupIdles
            let afterIdle = try Probes.wakeupsAfterIdle(cpuA: cpus[0], cpuB: cpus[1], idles: idles, effort)
            for (idle, samples) in zip(idles, afterIdle) { add(FigureName.wakeupAfterIdle(idle), "ns", samples) }
        }
        add(FigureName.uringNop, "ns", try Probes.uringNop(effort))
        add(FigureName.memcpy, "GB/s", try Probes.memcpyBandwidth(effort))

        let (pread, uringRead) = try Probes.pageCachePread(path: scratch.path, effort)
        add(FigureName.pageCachePread, "ns", pread)
        figures.append(CalibrationFigure(name: FigureName.uringPageCacheRead, unit: "ns", samples: uringRead))
        let syscallMedian = CalibrationFigure(name: "", unit: "", samples: syscall).median
        // Per repeat: the bytes over the time the copy itself took (the call minus a null syscall).
        let copy = pread.compactMap { ns in ns > syscallMedian ? 4096 / (ns - syscallMedian) : nil }  // bytes/ns = GB/s
        if !copy.isEmpty { figures.append(CalibrationFigure(name: FigureName.pageCacheCopy, unit: "GB/s", samples: copy)) }
        // The submission probe's figures go here in the table; they are measured with the device runs (below).
        let submitFiguresAt = figures.count

        // The loop over cached pages before the device runs: their buffered cold run leaves a quarter of the
        // pages cached one by one and the rest read in sequentially, a page cache the loop crossed 13% slower
        // here (745-770k against 855k IOPS over 256 MiB) than the one laid out by writes, or read in whole,
        // that the page-cache probes above and the suite's buffered-warm scenario read.
        let loop = try Probes.uringLoopOverCache(path: scratch.path, effort, step: step)
        // The submission probe, on the first two CPUs this process may use (one on a single CPU), a repeat at the
        // start of each of the device runs' repeats: the doorbell it times (a VM exit here) took 18 us in one
        // minute and 51 us in another on one machine, and its figures are fitted against the device runs' system
        // time and latency, so they are measured over the same minutes.
        let submitCPUs = Array(cpus.prefix(2))
        var submits = Probes.SubmitSamples()
        let device = try Probes.device(path: scratch.path, effort, step: step) { r throws(RealError) in
            submits.append(try Probes.uringSubmits(path: scratch.path, cpus: submitCPUs, repeat: r, effort))
        }
        var submitFigures = [
            CalibrationFigure(name: FigureName.uringSubmitOne, unit: "ns", samples: submits.one),
            CalibrationFigure(name: FigureName.uringSubmitFour, unit: "ns", samples: submits.four),
        ]
        for cpu in submitCPUs {
            submitFigures.append(CalibrationFigure(name: FigureName.roundTrip(cpu: cpu), unit: "ns", samples: submits.roundTrip[cpu] ?? []))
        }
        for cpu in submitCPUs {
            if let shares = submits.wokenElsewhere[cpu] {
                submitFigures.append(CalibrationFigure(name: FigureName.wokenElsewhere(cpu: cpu), unit: "share", samples: shares))
            }
        }
        figures.insert(contentsOf: submitFigures, at: submitFiguresAt)
        step()
        for size in FigureName.latencySizes {
            figures.append(CalibrationFigure(name: FigureName.readLatency(bytes: size), unit: "ns", samples: device.latency[size] ?? []))
        }
        for depth in FigureName.depths {
            figures.append(CalibrationFigure(name: FigureName.iops(depth: depth), unit: "IOPS", samples: device.iops[depth] ?? []))
        }
        for depth in FigureName.depths {
            figures.append(
                CalibrationFigure(name: FigureName.bandwidth(depth: depth), unit: "GB/s", samples: device.bandwidth[depth] ?? []))
        }
        if device.interruptsCounted {
            for depth in FigureName.depths {
                figures.append(
                    CalibrationFigure(
                        name: FigureName.interrupts(depth: depth), unit: "per IO", samples: device.interruptsPerIO[depth] ?? []))
            }
        }
        // Zero where the kernel does not account IRQ time: then not reported. Where it does, a repeat can still
        // read zero (see `irqTimeAccounted`), and a zero elsewhere is a reading.
        func counted(_ samples: [Double]) -> Bool { !samples.isEmpty && samples.allSatisfy { $0 > 0 } }
        let irqSamples = FigureName.depths.map { device.irqSoftirqPerIO[$0] ?? [] }
        let irqCounted = irqSamples.allSatisfy { !$0.isEmpty } && irqTimeAccounted(queueDepth1: device.irqSoftirqPerIO[1] ?? [])
        if irqCounted {
            for (depth, samples) in zip(FigureName.depths, irqSamples) {
                figures.append(CalibrationFigure(name: FigureName.irqSoftirq(depth: depth), unit: "ns", samples: samples))
            }
        }
        // System CPU per IO of the QD1 runs by size, for the per-page costs of O_DIRECT; a figure with a repeat of
        // zero is left out (/proc/stat counts in ticks of 10 ms: a short run can see none). Their irq + softirq
        // figures follow the queue depths' (below).
        for size in FigureName.latencySizes {
            if let samples = device.systemPerIO[size], counted(samples) {
                figures.append(CalibrationFigure(name: FigureName.systemPerIO(bytes: size), unit: "ns", samples: samples))
            }
        }
        for size in FigureName.pageCostSizes {
            if let samples = device.systemPerIOAtDepth[size], counted(samples) {
                figures.append(CalibrationFigure(name: FigureName.systemPerIOAtDepth(bytes: size), unit: "ns", samples: samples))
            }
        }
        if !device.iopsForBandwidth.isEmpty {
            figures.append(CalibrationFigure(name: FigureName.iopsForBandwidth, unit: "IOPS", samples: device.iopsForBandwidth))
        }
        if !device.iopsBesideBusyCPU.isEmpty {
            figures.append(CalibrationFigure(name: FigureName.iopsBesideBusyCPU, unit: "IOPS", samples: device.iopsBesideBusyCPU))
        }
        if !device.iopsSQPOLL.isEmpty {
            figures.append(CalibrationFigure(name: FigureName.iopsSQPOLL, unit: "IOPS", samples: device.iopsSQPOLL))
        }
        if !device.iopsSubmitEach.isEmpty {
            figures.append(CalibrationFigure(name: FigureName.iopsSubmitEach, unit: "IOPS", samples: device.iopsSubmitEach))
        }
        // Both pinned runs or neither (the probe keeps the two together): the fit takes the difference of their medians.
        if !device.iopsSQPOLLOnInterruptCPU.isEmpty {
            figures.append(
                CalibrationFigure(name: FigureName.iopsSQPOLLOnInterruptCPU, unit: "IOPS", samples: device.iopsSQPOLLOnInterruptCPU))
            figures.append(
                CalibrationFigure(
                    name: FigureName.iopsSQPOLLBesideInterruptCPU, unit: "IOPS", samples: device.iopsSQPOLLBesideInterruptCPU))
        }
        if !device.poolIOPS.isEmpty {
            figures.append(CalibrationFigure(name: FigureName.poolIOPS, unit: "IOPS", samples: device.poolIOPS))
        }
        if counted(device.preadSystemPerIO) {  // ticked, as the system times above
            figures.append(CalibrationFigure(name: FigureName.preadSystemPerIO, unit: "ns", samples: device.preadSystemPerIO))
        }
        if !device.stallsPerSecond.isEmpty {
            figures.append(CalibrationFigure(name: FigureName.deviceStalls, unit: "per s", samples: device.stallsPerSecond))
        }
        if !device.stallGap.isEmpty {
            figures.append(CalibrationFigure(name: FigureName.deviceStallGap, unit: "ns", samples: device.stallGap))
        }
        if !device.stallIntervalCV.isEmpty {
            figures.append(CalibrationFigure(name: FigureName.deviceStallIntervalCV, unit: "ratio", samples: device.stallIntervalCV))
        }
        if counted(device.bufferedColdSystemPerIO) {
            figures.append(
                CalibrationFigure(name: FigureName.bufferedColdSystemPerIO, unit: "ns", samples: device.bufferedColdSystemPerIO))
        }
        if !device.interruptCPU.isEmpty {
            figures.append(CalibrationFigure(name: FigureName.interruptCPU, unit: "CPU", samples: device.interruptCPU))
            figures.append(CalibrationFigure(name: FigureName.interruptCPUShare, unit: "share", samples: device.interruptCPUShare))
        }
        if irqCounted && device.interruptsCounted && !device.poolIrqSoftirqPerIO.isEmpty {
            figures.append(CalibrationFigure(name: FigureName.poolIrqSoftirq, unit: "ns", samples: device.poolIrqSoftirqPerIO))
            figures.append(CalibrationFigure(name: FigureName.poolInterrupts, unit: "per IO", samples: device.poolInterruptsPerIO))
        }
        let irqBySize = FigureName.largerSizes.map { device.irqSoftirqPerIOBySize[$0] ?? [] }
        // Only with the queue-depth figures above, whose QD1 figure is the 4 KiB point of the same line.
        if irqCounted && irqBySize.allSatisfy({ !$0.isEmpty }) {
            for (size, samples) in zip(FigureName.largerSizes, irqBySize) {
                figures.append(CalibrationFigure(name: FigureName.irqSoftirqPerIO(bytes: size), unit: "ns", samples: samples))
            }
        }
        figures.append(CalibrationFigure(name: FigureName.uringLoopOverCache, unit: "ns", samples: loop.perIO))
        if counted(loop.userPerIO) {
            figures.append(CalibrationFigure(name: FigureName.uringLoopUser, unit: "ns", samples: loop.userPerIO))
        }
        figures.append(CalibrationFigure(name: FigureName.uringLoopLatency, unit: "ns", samples: loop.latency))
        // A few ticks a second: a repeat may read 0, a reading like any other (the median takes it).
        if !device.userPerIOQD1.isEmpty {
            figures.append(CalibrationFigure(name: FigureName.userPerIOQD1, unit: "ns", samples: device.userPerIOQD1))
        }
        return fit(
            figures, cpuCount: Int(sysconf(CInt(_SC_NPROCESSORS_ONLN))), parallelism: searchGrid(quick: options.quick),
            given: options.given, interruptTime: options.interruptTime,
            // Traced runs take their system time from the idle time (`RealMeasurement.machineSystemNanoseconds`).
            systemFromIdle: options.interruptTime == .trace, fileBytes: effort.fileBytes)
    }

    /// The device search's grid: a quick calibration (tests) searches a small one; the full one runs the
    /// model thousands of times (about a minute here).
    static func searchGrid(quick: Bool) -> ParallelismGrid {
        quick
            ? ParallelismGrid(
                channels: [1, 2, 4], dispatches: [.zero, .microseconds(4)], wakeups: [.zero, .microseconds(8)],
                hostMilliCPUs: [0, 1_000, 2_000], stallsSeen: 8, stallRateSeen: 30, stallShapeTrials: 2)
            : ParallelismGrid()
    }

    /// Why io_uring cannot be used here, or nil when it can (a one-entry ring is set up and torn down).
    static func ioUringUnavailableReason() -> String? {
        switch URing.probe() {
        case .success: return nil
        case .failure(let e): return "io_uring_setup failed with \(e)"
        }
    }
}

// MARK: - Figure names

/// The names of the figures, in report order.
enum FigureName {
    static let nullSyscall = "null syscall"
    static let contextSwitch = "context switch"
    static let crossCPUWakeup = "cross-CPU wake-up"
    /// The idle times (ns) of the cross-CPU wake-ups after idle (`Probes.wakeupsAfterIdle`).
    static let wakeupIdles: [Int64] = [5_000, 20_000, 50_000, 100_000, 200_000, 1_000_000]
    /// A cross-CPU wake-up of a thread whose CPU has been idle for `idle` ns (for `machine.wakeupAfterIdle`).
    static func wakeupAfterIdle(_ idle: Int64) -> String {
        "cross-CPU wake-up after \(Units.formatDuration(nanoseconds: idle)) idle"
    }
    static let uringNop = "io_uring NOP round trip"
    static let memcpy = "memcpy 1MiB"
    static let pageCachePread = "page-cache pread 4KiB"
    static let uringPageCacheRead = "page-cache io_uring read 4KiB"
    /// The wall time of an io_uring_enter that submits one O_DIRECT 4 KiB read to the idle device, and four in
    /// one call (`Probes.uringSubmits`): the requests, the driver, and the doorbell.
    static let uringSubmitOne = "io_uring submit of 1 4KiB O_DIRECT read"
    static let uringSubmitFour = "io_uring submit of 4 4KiB O_DIRECT reads"
    /// The single read's round trip in the same probe, its thread pinned to CPU `cpu` (for `machine.localWakeup`).
    static func roundTrip(cpu: Int) -> String { roundTripPrefix + "\(cpu)" }
    static let roundTripPrefix = "read round trip 4KiB QD1 pinned to CPU "
    /// The share of single reads submitted on CPU `cpu` after which the thread, free to run on the probe's CPUs
    /// while it slept, ran on another (for `machine.wakePacking`).
    static func wokenElsewhere(cpu: Int) -> String { wokenElsewherePrefix + "\(cpu)" }
    static let wokenElsewherePrefix = "QD1 reads woken onto another CPU, submitted on CPU "
    /// The CPU of a `wokenElsewhere(cpu:)` name, nil for any other name.
    static func wokenElsewhereCPU(_ name: String) -> Int? { cpu(of: name, prefix: wokenElsewherePrefix) }
    /// The CPU of a `roundTrip(cpu:)` name, nil for any other name.
    static func roundTripCPU(_ name: String) -> Int? { cpu(of: name, prefix: roundTripPrefix) }
    /// The CPU number that ends `name` after `prefix`, in its one spelling (no sign, no leading zero, no space);
    /// nil for any other name.
    private static func cpu(of name: String, prefix: String) -> Int? {
        guard name.hasPrefix(prefix), let cpu = Int(name.dropFirst(prefix.count)), cpu >= 0, prefix + "\(cpu)" == name
        else { return nil }
        return cpu
    }
    /// Wall time per IO of the real backend's io_uring loop reading cached 4 KiB pages at queue depth 1.
    static let uringLoopOverCache = "io_uring loop 4KiB page-cache QD1"
    /// The same loop's machine-wide user time per IO: the program's own work in it.
    static let uringLoopUser = "user per IO io_uring loop 4KiB page-cache QD1"
    /// The same loop's mean latency (SQE written to CQE seen): what of its time per IO is outside it is the
    /// program's work from the CQE to the next SQE.
    static let uringLoopLatency = "latency io_uring loop 4KiB page-cache QD1"
    /// Machine-wide user time per IO of the 4 KiB queue-depth-1 device run (for `machine.idleExitUser`).
    static let userPerIOQD1 = "user per IO 4KiB QD1"
    static let pageCacheCopy = "page-cache copy"
    /// Four threads each making blocking 4 KiB O_DIRECT preads: each completion wakes a thread.
    static let poolIrqSoftirq = "irq+softirq per IO 4 blocking threads"
    static let poolInterrupts = "interrupts per IO 4 blocking threads"
    /// The same run's IOPS: separate submitters, whose requests the device's passes group as they come.
    static let poolIOPS = "IOPS 4KiB 4 blocking threads"
    /// Machine-wide system time per IO of one thread's blocking 4 KiB O_DIRECT preads (queue depth 1): it sleeps
    /// and wakes for every read as the io_uring loop at depth 1 does, without io_uring (for `kernel.uringWait`).
    static let preadSystemPerIO = "system per IO 4KiB pread QD1"
    /// The 4 KiB queue-depth-1 run with another thread spinning on a second CPU: a check of `machine.hostCPUs`, which
    /// is fitted to it when no `iopsSQPOLL` is recorded (profiles recorded before it, a kernel that refused SQPOLL).
    static let iopsBesideBusyCPU = "IOPS 4KiB QD1 beside a busy CPU"
    /// The 4 KiB queue-depth-1 run through an SQPOLL ring (fio's other flags off, the poller's idle time 1 s, as
    /// the suite's `sqpoll-qd1` runs it): the kernel's poller spins on one CPU while the job sleeps for its
    /// completions, and the scheduler places both as it places them in any SQPOLL job (for `machine.hostCPUs`).
    static let iopsSQPOLL = "IOPS 4KiB QD1 SQPOLL"
    /// The same, the job and its poller pinned together (`RealJob.cpus`, `sqThreadCPU`) to the CPU taking the
    /// disk's interrupts, which then never idles, and to another CPU, leaving the interrupts' CPU idle. They
    /// differ only in whether an interrupt finds its CPU halted (for `interrupts.idleDelivery`).
    static let iopsSQPOLLOnInterruptCPU = "IOPS 4KiB QD1 SQPOLL pinned to the interrupts' CPU"
    static let iopsSQPOLLBesideInterruptCPU = "IOPS 4KiB QD1 SQPOLL pinned beside the interrupts' CPU"
    /// 4 KiB at queue depth 32 through fio's own loop (an io_uring_enter per SQE, `submit: "each"`): the driver
    /// takes each request as it is built, not a round's together. A check of the fitted model, not fitted: the
    /// profile gives the model's figure beside it (`CalibrationReport.fioLoopCheck`).
    static let iopsSubmitEach = "IOPS 4KiB QD32 fio's loop"
    static let submitEachDepth = 32
    /// Machine-wide system time per IO of 4 KiB buffered reads through io_uring at queue depth 1, every one a
    /// page-cache miss (for `kernel.pageCacheMiss`).
    static let bufferedColdSystemPerIO = "system per IO 4KiB buffered cold QD1"
    /// The CPU that took most of the disk's interrupts in the 4 KiB queue-depth-1 run (its number), and its share.
    static let interruptCPU = "CPU taking the disk's interrupts QD1"
    static let interruptCPUShare = "share of the disk's interrupts on that CPU QD1"
    /// The device's stalls in the 4 KiB runs at `stallDepth` (`CompletionStalls`: gaps between the job's reaps of
    /// completions of 1 ms or more), per second, and their median gap (for `device.stallInterval` and
    /// `device.stallDuration`).
    static let stallDepth = 64
    static let deviceStalls = "device stalls per second 4KiB QD\(stallDepth)"
    static let deviceStallGap = "device stall gap 4KiB QD\(stallDepth)"
    /// The coefficient of variation of the times between those stalls, a repeat's (from one stall's start to the
    /// next's; for `device.stallIntervalShape`), in the repeats with `Calibration.stallIntervalsForCV` at least.
    /// A repeat's run (`Effort.stallRun`, five seconds) holds some 30-100 stalls here: a window that sees a long
    /// interval less often than a short one takes a little off the coefficient, which the fit does not correct.
    static let deviceStallIntervalCV = "device stall interval CV 4KiB QD\(stallDepth)"
    static let latencySizes = [4096, 65_536, 1 << 20]
    /// The sizes beyond 4 KiB, whose QD1 irq + softirq figures are their own (at 4 KiB it is the QD1 figure).
    static var largerSizes: [Int] { latencySizes.filter { $0 != 4096 } }
    static let depths = [1, 4, 16, 64]
    static func readLatency(bytes: Int) -> String { "read latency \(Units.formatSize(bytes: Int64(bytes))) QD1" }
    static func iops(depth: Int) -> String { "IOPS 4KiB QD\(depth)" }
    static func bandwidth(depth: Int) -> String { "bandwidth 4KiB QD\(depth)" }
    static func interrupts(depth: Int) -> String { "interrupts per IO QD\(depth)" }
    static func irqSoftirq(depth: Int) -> String { "irq+softirq per IO QD\(depth)" }
    /// Machine-wide system CPU per IO of the QD1 latency run of `bytes`.
    static func systemPerIO(bytes: Int) -> String { "system per IO \(Units.formatSize(bytes: Int64(bytes))) QD1" }
    /// The queue depth of the two runs whose system time per IO gives the submission's cost per page
    /// (`kernel.directIOPerPage`): 4 KiB and 64 KiB at this depth.
    static let pageCostDepth = 4
    static let pageCostSizes = [4096, 65_536]
    /// Machine-wide system CPU per IO of the 4 KiB or 64 KiB run at `pageCostDepth`.
    static func systemPerIOAtDepth(bytes: Int) -> String {
        "system per IO \(Units.formatSize(bytes: Int64(bytes))) QD\(pageCostDepth)"
    }
    /// The IOPS of the 64 KiB run at `pageCostDepth`, which the device's bandwidth is fitted to by simulation
    /// (`Calibration.fitBandwidth`); at 4 KiB that run's IOPS is `iops(depth:)`.
    static let bandwidthFitBytes = 65_536
    static var iopsForBandwidth: String { "IOPS \(Units.formatSize(bytes: Int64(bandwidthFitBytes))) QD\(pageCostDepth)" }
    /// Machine-wide irq + softirq per IO of the QD1 latency run of `bytes` (at 4 KiB, the QD1 figure above).
    static func irqSoftirqPerIO(bytes: Int) -> String {
        bytes == 4096 ? irqSoftirq(depth: 1) : "irq+softirq per IO \(Units.formatSize(bytes: Int64(bytes))) QD1"
    }

    /// Every name, in the order `Calibration.run` reports them (cross-CPU and interrupts may be missing: one
    /// allowed CPU; disk IRQ lines not found).
    static var all: [String] {
        [nullSyscall, contextSwitch, crossCPUWakeup] + wakeupIdles.map { wakeupAfterIdle($0) }
            + [uringNop, memcpy, pageCachePread, uringPageCacheRead, pageCacheCopy, uringSubmitOne, uringSubmitFour]
            + [roundTrip(cpu: 0), roundTrip(cpu: 1)]  // on the first two CPUs the process may use, here 0 and 1
            + [wokenElsewhere(cpu: 0), wokenElsewhere(cpu: 1)]
            + latencySizes.map { readLatency(bytes: $0) } + depths.map { iops(depth: $0) }
            + depths.map { bandwidth(depth: $0) } + depths.map { interrupts(depth: $0) }
            + depths.map { irqSoftirq(depth: $0) } + latencySizes.map { systemPerIO(bytes: $0) }
            + pageCostSizes.map { systemPerIOAtDepth(bytes: $0) } + [iopsForBandwidth] + [iopsBesideBusyCPU, iopsSQPOLL, iopsSubmitEach]
            + [iopsSQPOLLOnInterruptCPU, iopsSQPOLLBesideInterruptCPU, poolIOPS, preadSystemPerIO, deviceStalls, deviceStallGap, deviceStallIntervalCV]
            + [bufferedColdSystemPerIO, interruptCPU, interruptCPUShare, poolIrqSoftirq, poolInterrupts]
            + largerSizes.map { irqSoftirqPerIO(bytes: $0) } + [uringLoopOverCache, uringLoopUser, uringLoopLatency, userPerIOQD1]
    }
}

// MARK: - Fitting

extension Calibration {
    /// The sigma of the fitted log-normal device latency. Not fitted: the mean latency is all the runs report
    /// per configuration; 0.45 is the virtio-vm profile's shape (p99/p50 of about 2.1, baseline.md's QD1 row
    /// of p50 ~35 us, p99 71-76 us).
    static let deviceLatencySigma = 0.45
    /// The figure `machine.wakePacking` is read from: the reads submitted on a CPU other than the interrupts'
    /// (the first such recorded) whose wake-up ran the thread elsewhere, which is the interrupts' CPU only when
    /// the probe could run there too; nil when not recorded, when the interrupts' CPU was not one of the probe's,
    /// or when the interrupts came to no one CPU.
    static func wakePackingFigure(_ figures: [CalibrationFigure]) -> String? {
        guard let irqCPU = measuredInterruptCPU(figures),
            figures.contains(where: { $0.name == FigureName.wokenElsewhere(cpu: irqCPU) })
        else { return nil }
        return figures.first { f in FigureName.wokenElsewhereCPU(f.name).map { $0 != irqCPU } ?? false }?.name
    }

    /// The CPU that took at least 90% of the disk's interrupts in every queue-depth-1 run, if one did.
    static func measuredInterruptCPU(_ figures: [CalibrationFigure]) -> Int? {
        guard let cpu = figures.first(where: { $0.name == FigureName.interruptCPU }), cpu.minimum == cpu.maximum,
            let share = figures.first(where: { $0.name == FigureName.interruptCPUShare }), share.minimum >= 0.9
        else { return nil }
        return Int(cpu.median)
    }

    /// The share of its IOPS `workload` (a device with stalls) loses to them in the model: its IOPS over a run
    /// lasting `stallsSeen` stalls and the intervals between them, with the stalls and without. The device is
    /// fitted in runs too short to see a stall (the depth-64 run simulates 45 ms; the stalls come every 40-80 ms
    /// here), to the measured IOPS over one less this, found on the device a first search found. It depends on
    /// the device: a stall holds what the device finished, but its channels serve meanwhile, and a device that
    /// holds fewer than `stallMinimumRequests` at an instant does not stall; a loss over that share is the run's
    /// count of stalls above its mean, or what comes after a stall (in the model of the thirteenth day's profile,
    /// the stalls 5.9% of the time: 4.0% at depth 4, 8.4% at 16, 6.0% at 64, 4.4% for the four blocking threads;
    /// 16% at depth 4 on the device of Little's law's channels before any search). Nil when a run fails.
    static func stallLoss(_ workload: Scenario, stallsSeen: Int) -> Double? {
        let d = workload.device
        let long = endless(workload, for: .nanoseconds(Int64(stallsSeen) * (d.stallInterval.nanoseconds + d.stallDuration.nanoseconds)))
        var plain = long
        plain.device.stallInterval = .zero
        guard let with = modelIOPS(long), let without = modelIOPS(plain), without > 0 else { return nil }
        return max(0, 1 - with / without)
    }

    /// `workload` with its loops made endless, stopped after `span` of virtual time, IOs not recorded.
    static func endless(_ workload: Scenario, for span: SimDuration) -> Scenario {
        var long = workload
        long.stop = StopCondition(afterTime: span)
        long.recordIOs = false
        long.threads = long.threads.map { t in
            var t = t
            t.program = t.program.map { op in
                switch op {
                case .uring(var loop):
                    loop.ios = Int(Int32.max)
                    return .uring(loop)
                case .repeatCount(_, let body): return .repeatCount(Int(Int32.max), body)
                default: return op
                }
            }
            return t
        }
        return long
    }

    /// The longest run of `fitStallInterval` in virtual time (a machine with a stall every few seconds would
    /// otherwise make its runs hours long).
    static let stallFitLongestRunSeconds = 60.0

    /// How `device.stallInterval` was fitted by simulation (`fitStallInterval`).
    public struct StallIntervalFit: Sendable, Equatable {
        /// The measured stalls a second at queue depth `FigureName.stallDepth`.
        public var measuredRate: Double
        /// The time between the measured stalls less one stall (`fitStalls`), and the model's stalls a second at it.
        public var unscaled: SimDuration
        public var unscaledRate: Double
        /// The fitted interval; the fit's last run's interval (within 1% of it when the fit settled) and the
        /// model's stalls a second in that run.
        public var interval: SimDuration
        public var lastRunInterval: SimDuration
        public var modelRate: Double
        /// The share of the process's instants that made a stall in that run.
        public var madeAStall: Double
        /// The coefficient of variation of the times between the model's stalls, pooled as the share is (nil with
        /// fewer than two intervals, three stalls). The runs' intervals differ by a few percent at most, which adds
        /// well under 1% to it.
        public var modelIntervalCV: Double? = nil
    }

    /// `device.stallInterval` by simulation, from the one `fitStalls` gives (`workload.device.stallInterval`: the
    /// time between the measured stalls less one stall). An instant of the model's stall process makes a stall
    /// only when the device holds `stallMinimumRequests` and is not stalled already, and the model's device at
    /// queue depth 64 holds fewer for part of the time: finished requests wait for their pass's interrupt and the
    /// job's reap before they are sent again (on the fourteenth day's profile, the time between stalls less one
    /// stall made 11.6 stalls a second in the model against the 15 measured, and depth 64's p99 missed the
    /// stalls). The process's instants come at 1 / interval a second, so the model makes share / interval
    /// stalls a second, `share` being the part of its instants that made one (`deviceStallInstants`): the next
    /// interval is share / rate, rounded to 0.1 ms, until it settles (within 1% of the last run's) after
    /// `minimumRounds` runs at least, in at most `rounds` runs, each lasting `stallsSeen` stalls at the measured
    /// rate (at most `stallFitLongestRunSeconds`), each with a seed of its own (the workload's, then the ones
    /// after it). The share is taken from the first run, then from all the runs after
    /// it together: it moves a little with the interval but more by chance, more than a count of its instants
    /// would (0.72-0.78 in four runs of some 500 instants near one interval on the fourteenth day's figures, and
    /// two 34-second runs of one interval made 13.8 and 15.0 stalls a second: a stall changes what the device
    /// holds after it), which pooling the runs and their seeds near the answer evens out. `modelRate` is the
    /// last run's stalls a second. Nil when a run fails or makes no stall.
    static func fitStallInterval(
        _ workload: Scenario, rate: Double, stallsSeen: Int, rounds: Int = 6, minimumRounds: Int = 3
    ) -> StallIntervalFit? {
        guard rate > 0, workload.device.stallInterval > .zero else { return nil }
        let span = min(Double(stallsSeen) / rate, stallFitLongestRunSeconds)
        var run = endless(workload, for: .nanoseconds(Int64(span * 1e9)))
        let unscaled = workload.device.stallInterval.nanoseconds
        var interval = unscaled, next = unscaled
        var unscaledRate = 0.0, modelRate = 0.0, share = 0.0
        var pooledStalls: Int64 = 0, pooledInstants: Int64 = 0  // the runs after the first
        var intervals = IntervalSpread(), pooledIntervals = IntervalSpread()
        for round in 0..<rounds {
            if round > 0 { interval = next }
            run.device.stallInterval = .nanoseconds(interval)
            run.seed = workload.seed &+ UInt64(round)
            guard let r = try? Simulator(run).run(), r.elapsed > .zero, r.deviceStalls > 0 else { return nil }
            modelRate = Double(r.deviceStalls) * 1e9 / Double(r.elapsed.nanoseconds)
            if round == 0 {
                unscaledRate = modelRate
                share = Double(r.deviceStalls) / Double(r.deviceStallInstants)
                intervals = r.deviceStallIntervals
            } else {
                pooledStalls += r.deviceStalls
                pooledInstants += r.deviceStallInstants
                share = Double(pooledStalls) / Double(pooledInstants)
                pooledIntervals.merge(r.deviceStallIntervals)
                intervals = pooledIntervals
            }
            next = max(100_000, Int64((share * 1e9 / rate / 100_000).rounded()) * 100_000)
            // Settled: within 1% of the interval this run had (the pooled share moves by about that a run).
            if round + 1 >= minimumRounds && abs(next - interval) * 100 <= interval { break }
        }
        return StallIntervalFit(
            measuredRate: rate, unscaled: .nanoseconds(unscaled), unscaledRate: unscaledRate, interval: .nanoseconds(next),
            lastRunInterval: .nanoseconds(interval), modelRate: modelRate, madeAStall: share,
            modelIntervalCV: intervals.coefficientOfVariation)
    }

    /// How `device.stallIntervalShape` was fitted by simulation (`fitStallShape`).
    public struct StallShapeFit: Sendable, Equatable {
        /// The coefficient of variation of the times between the measured stalls (the median over the repeats).
        public var measuredCV: Double
        /// The shape chosen.
        public var shape: Int
        /// Each shape tried, in order, with the coefficient of variation of the model's stalls at the interval
        /// fitted with it.
        public var tried: [ShapeTrial]

        public struct ShapeTrial: Sendable, Equatable {
            public var shape: Int
            public var modelCV: Double
        }
    }

    /// The fewest times between stalls a repeat's coefficient of variation is taken from (a second at depth 64
    /// sees some 15 stalls here).
    static let stallIntervalsForCV = 5

    /// The least gain, in how near the model's stalls come to the measured coefficient of variation, for which
    /// `fitStallShape` takes a further stage: about twice the spread of the model's pooled coefficient (some 1,000
    /// intervals of a coefficient near 0.6 spread by 0.013). The stalls' coefficient flattens as stages are added
    /// (on the sixteenth day's figures: 0.63 with 4 stages, 0.58 with 5, 0.56 with 6 and with 7), so a further
    /// stage that gains less is noise.
    static let stallShapeGain = 0.02

    /// `device.stallIntervalShape` and `device.stallInterval` by simulation, for stalls whose times apart had a
    /// coefficient of variation of `measuredCV` at queue depth `FigureName.stallDepth`. The model's stalls are
    /// less regular than its instants (an instant that finds the device stalled, or holding too few requests,
    /// makes none: on the fifteenth day's profile, two stages made stalls with a coefficient of variation of
    /// 0.79-0.81, three 0.69-0.72), so the first shape is the instants' own answer, the nearest whole number to
    /// one over the square of the coefficient, and each next one a stage more or less as the model's stalls came
    /// less or more regular than the measured ones, the interval fitted anew each time (`fitStallInterval`),
    /// until a shape was tried already or came no nearer than the best by `stallShapeGain`, `trials` at most.
    /// The nearest shape but for that gain wins, with its interval. Nil when the first shape's fit fails or its
    /// run has fewer than two intervals between stalls.
    static func fitStallShape(
        _ workload: Scenario, rate: Double, measuredCV: Double, stallsSeen: Int, trials: Int = 4
    ) -> (shape: StallShapeFit, interval: StallIntervalFit)? {
        let shapes = DeviceConfig.stallIntervalShapes
        var shape = min(shapes.upperBound, max(1, Int((1 / max(measuredCV * measuredCV, 1e-6)).rounded())))
        var tried: [StallShapeFit.ShapeTrial] = []
        var best: (miss: Double, shape: Int, fit: StallIntervalFit)? = nil
        for _ in 0..<trials {
            var w = workload
            w.device.stallIntervalShape = shape
            guard let fit = fitStallInterval(w, rate: rate, stallsSeen: stallsSeen), let cv = fit.modelIntervalCV else { break }
            tried.append(.init(shape: shape, modelCV: cv))
            let miss = abs(cv - measuredCV)
            if let b = best, miss > b.miss - stallShapeGain { break }
            best = (miss, shape, fit)
            let next = shape + (cv > measuredCV ? 1 : -1)
            guard shapes.contains(next), !tried.contains(where: { $0.shape == next }) else { break }
            shape = next
        }
        guard let best else { return nil }
        return (
            StallShapeFit(measuredCV: measuredCV, shape: best.shape, tried: tried),
            best.fit
        )
    }

    /// What the stalls cost one of calibrate's workloads in the model (`stallLoss`), by the figure of its run.
    public struct StallLoss: Sendable, Equatable {
        public var workload: String
        public var loss: Double
    }

    /// How many of the usual intervals between reaps a stall's gap holds beyond the stall (see `fitStalls`).
    static let stallGapReaps = 1.5

    /// The device's stalls (`device.stallInterval`, `device.stallDuration`) from the queue-depth-64 runs' stalls,
    /// or nil when none was seen (or the figures are missing: profiles recorded before them). A stall's gap is
    /// longer than the stall: it begins some time after the last reap of completions, and the requests it held
    /// are signalled with the rest of their pass. In the model at that depth the gap is the stall plus 1.5 of
    /// the usual intervals between reaps (the IOPS over the interrupts per IO: a reap per interrupt; found by
    /// simulation, `DeviceStallFitTests`), so the duration is the median gap less that, rounded to 10 us. The
    /// interval is the time between the stalls less one stall, rounded to 0.1 ms (the device is never idle at
    /// that depth, so every instant of the stalls' process but those within a stall makes one). Measured here:
    /// 15-17 stalls a second, gaps of 3.1-3.8 ms, reaps every 0.4 ms.
    static func fitStalls(_ figures: [CalibrationFigure]) -> (interval: SimDuration, duration: SimDuration)? {
        guard let rate = figures.median(FigureName.deviceStalls), rate > 0, let gap = figures.median(FigureName.deviceStallGap)
        else { return nil }
        var reapsInGap = 0.0
        if let iops = figures.median(FigureName.iops(depth: FigureName.stallDepth)),
            let perIO = figures.median(FigureName.interrupts(depth: FigureName.stallDepth)), iops > 0, perIO > 0
        {
            reapsInGap = stallGapReaps * 1e9 / (iops * perIO)
        }
        let duration = max(10_000, Int64(((gap - reapsInGap) / 10_000).rounded()) * 10_000)
        let interval = max(100_000, Int64(((1e9 / rate - Double(duration)) / 100_000).rounded()) * 100_000)
        return (.nanoseconds(interval), .nanoseconds(duration))
    }

    /// `interrupts.idleDelivery`: the SQPOLL job pinned with its poller beside the interrupts' CPU (which then
    /// idles between interrupts) takes longer per read than pinned to that CPU (which never idles); nothing else
    /// differs between the two (the wake-up is local in both, one vCPU spins in both), so the difference of their
    /// times per read (1 / IOPS, medians) is what an interrupt to a halted vCPU costs. Rounded to 10 ns, floor 0;
    /// nil without both figures.
    static func fitIdleDelivery(_ figures: [CalibrationFigure]) -> SimDuration? {
        guard let on = figures.median(FigureName.iopsSQPOLLOnInterruptCPU),
            let beside = figures.median(FigureName.iopsSQPOLLBesideInterruptCPU), on > 0, beside > 0
        else { return nil }
        return .nanoseconds(max(0, Int64(((1e9 / beside - 1e9 / on) / 10).rounded()) * 10))
    }

    /// Interrupts per IO at queue depth 16 below which the disk is taken to batch completions as virtio does
    /// (baseline: 1.0 at QD1, 0.2 at QD16 on virtio-blk; a device raising one interrupt per IO stays near 1).
    static let batchingThreshold = 0.6

    /// Fits the model's parameters to `figures` (looked up by name; a missing figure keeps the default of
    /// the parameters it would set) and formats the report. `searched` is called after each candidate device
    /// the search has run the model on (for a progress line).
    static func fit(
        _ figures: [CalibrationFigure], cpuCount: Int, parallelism grid: ParallelismGrid? = nil, given: [GivenCost] = [],
        interruptTime: InterruptTimeSource = .ticks, systemFromIdle: Bool = false, fileBytes: Int64 = CalibrationOptions().fileBytes,
        searched: (() -> Void)? = nil
    ) -> CalibrationReport {
        func median(_ name: String) -> Double? { figures.median(name) }
        var machine = MachineConfig()
        var kernel = KernelConfig()
        var device = DeviceConfig()
        var interrupts = InterruptConfig()

        // The CPUs this machine has online; the scheduler knobs (timeSlice, threadCreate, threadStack) are not
        // measured and keep their defaults.
        machine.cpuCount = max(1, cpuCount)
        kernel.personality = .linux
        // Linux's scheduler keeps a run queue per CPU (RunQueues.perCPU); its migration cost stays the default.
        // A thread woken by a thread on its last CPU stays there (MachineConfig.wakeAffine).
        machine.runQueues = .perCPU
        machine.wakeAffine = true
        // wakePacking: a thread that slept on another CPU than the interrupts' and was woken onto the interrupts'
        // CPU in more than half the reads (Linux's wake_affine_idle sends it back to its idle CPU).
        if let name = wakePackingFigure(figures), let share = median(name) { machine.wakePacking = share > 0.5 }

        // syscallEntry and syscallExit: half the null syscall each (the model charges a syscall as entry + exit).
        let syscallNs = median(FigureName.nullSyscall).map { max(0, Int64($0.rounded())) }
        if let s = syscallNs {
            kernel.syscallEntry = .nanoseconds((s + 1) / 2)
            kernel.syscallExit = .nanoseconds(s - (s + 1) / 2)
        }
        let nullSyscall = Double(kernel.syscallEntry.nanoseconds + kernel.syscallExit.nanoseconds)

        // contextSwitch: the same-CPU hop is a write (a syscall), the switch, and the peer's read returning (a
        // syscall): minus two null syscalls, floored at 0.5 us.
        let sameHop = median(FigureName.contextSwitch)
        if let hop = sameHop {
            machine.contextSwitch = .nanoseconds(max(500, Int64((hop - 2 * nullSyscall).rounded())))
        }
        // wakeupLatency: the cross-CPU hop is the same work plus waking a CPU (IPI, idle exit in the VM): the
        // difference, floored at 0.
        if let cross = median(FigureName.crossCPUWakeup), let same = sameHop {
            machine.wakeupLatency = .nanoseconds(max(0, Int64((cross - same).rounded())))
        }
        // wakeupAfterIdle: each cross-CPU wake-up after an idle time, less the same-CPU hop likewise.
        if let same = sameHop {
            machine.wakeupAfterIdle = FigureName.wakeupIdles.compactMap { idle in
                median(FigureName.wakeupAfterIdle(idle)).map {
                    WakeupAfterIdle(idle: .nanoseconds(idle), latency: .nanoseconds(max(0, Int64(($0 - same).rounded()))))
                }
            }
        }

        // pageCacheCopyBytesPerSecond: 4 KiB over (warm 4 KiB pread - null syscall), the figure's median,
        // rounded to 1 MB/s.
        if let gbps = median(FigureName.pageCacheCopy), gbps > 0 {
            kernel.pageCacheCopyBytesPerSecond = max(1_000_000, Int64((gbps * 1_000).rounded()) * 1_000_000)
        }
        // uringSubmitPerSQE: the model's io_uring read of a cached page completes inline (syscall entry, the SQE,
        // the copy, the CQE, syscall exit, the reap) where its pread is the syscall and the copy, so the SQE's cost
        // is the io_uring read minus the pread of the same pages, less the CQE (above) and the default reap; floor 0,
        // rounded to 10 ns. It is a read's issue in io_uring (io_read's prep, buffer import, kiocb set-up),
        // which a NOP does not pay. requestCreate gives up what the SQE gained over its default: the O_DIRECT
        // submission the default split (baseline: 13 us of slat) stays the same.
        // uringCompletePerCQE: the NOP round trip is a null syscall, one SQE (a NOP's issue, completed inline), its
        // CQE and the probe's loop (20 ns); the SQE and the CQE take equal halves of the rest. Floor 0, to 10 ns.
        // Before the SQE fit, which subtracts it.
        if let cqe = uringCompleteCost(figures, kernel: kernel) { kernel.uringCompletePerCQE = .nanoseconds(cqe) }
        if let sqe = uringSubmitCost(figures, kernel: kernel) {
            let gained = sqe - kernel.uringSubmitPerSQE.nanoseconds
            kernel.uringSubmitPerSQE = .nanoseconds(sqe)
            kernel.requestCreate = .nanoseconds(max(0, kernel.requestCreate.nanoseconds - gained))
        }
        // uringReapPerCQE: the program's user-mode work per IO in its io_uring loop (read the CQE, time the IO,
        // record it, write the next SQE; split below): the real backend's loop over cached pages at queue depth 1 takes, per
        // IO, the io_uring read round trip of the probe (whose own loop does almost nothing: the default 20 ns)
        // plus that work, so the loop's time per IO minus the probe's, plus 20 ns, is what the loop adds. Of it,
        // the loop's user time per IO is the program's work; the rest is kernel time the probe does not pay (the
        // loop reads random pages of a larger region: page lookups and copies that miss the CPU's caches), which
        // goes to the page-cache copy: its rate is refitted over the probe's copy time plus that rest. Without the
        // user figure all of it is the program's work. Floor 0, to 10 ns; after the SQE fit, which keeps the
        // default.
        // uringPreparePerSQE: of that work, what the loop does inside an IO's latency (writing the SQE, reading
        // the clock), when the loop's mean latency was measured: its time per IO outside the latency is the work
        // from the CQE to the next SQE (uringReapPerCQE, at most the user time), and the rest of the user time is
        // inside it.
        if let loop = median(FigureName.uringLoopOverCache), let probe = median(FigureName.uringPageCacheRead) {
            let work = max(0, loop - probe + Double(KernelConfig().uringReapPerCQE.nanoseconds))
            let measuredUser = median(FigureName.uringLoopUser)
            let user = measuredUser.map { min($0, work) } ?? work
            let latency = measuredUser == nil ? nil : median(FigureName.uringLoopLatency)
            let reap = latency.map { min(user, max(0, loop - $0)) } ?? user
            kernel.uringReapPerCQE = .nanoseconds(tensOfNanoseconds(reap))
            kernel.uringPreparePerSQE = .nanoseconds(tensOfNanoseconds(user) - tensOfNanoseconds(reap))
            if let gbps = median(FigureName.pageCacheCopy), gbps > 0, work > user {
                let copy = 4096 / gbps + (work - user)  // ns per 4 KiB
                kernel.pageCacheCopyBytesPerSecond = max(1_000_000, Int64((4096 / copy * 1_000).rounded()) * 1_000_000)
            }
        }
        // completionBatching and suppressWhileServicing: true when interrupts per IO at QD16 fall below 0.6, as
        // on virtio-blk (Firecracker serves a virtqueue pass and notifies once; the driver keeps notifications
        // off while it drains); false otherwise, and when the disk's interrupt lines could not be found.
        if let perIO = median(FigureName.interrupts(depth: 16)) {
            let batching = perIO < batchingThreshold
            device.completionBatching = batching ? .pass : .none
            interrupts.suppressWhileServicing = batching
        }
        // stallInterval and stallDuration: from the stalls of the queue-depth-64 runs (see `fitStalls`); set on the
        // device after its fits (below), which run without them on the IOPS the device would make without them.
        var stalls = fitStalls(figures)
        /// What the stalls cost the model's workloads (`stallLoss`, by name; found after a first device search).
        var stallLosses: [StallLoss] = []
        var stallIntervalFit: StallIntervalFit? = nil
        var stallShapeFit: StallShapeFit? = nil
        /// What the stalls cost the run of `workload` (0 when none was found).
        func costOfStalls(to workload: String) -> Double { stallLosses.first { $0.workload == workload }?.loss ?? 0 }
        /// The IOPS the run of `workload` measured, without what the stalls cost it.
        func stallFree(_ iops: Double, _ workload: String) -> Double { iops / (1 - costOfStalls(to: workload)) }
        // target: the CPU that took at least 90% of the disk's interrupts in every queue-depth-1 run (the line's
        // affinity, /proc/irq/N/effective_affinity); otherwise the default.
        if let cpu = measuredInterruptCPU(figures), cpu < machine.cpuCount { interrupts.target = .fixed(cpu: cpu) }
        // Given (`--given`): costs user space cannot tell apart, measured elsewhere (a kernel trace); they replace
        // the defaults before the device is fitted around them.
        for g in given {
            switch g.key {
            case .requestCreate: kernel.requestCreate = g.value
            case .driverSubmit: kernel.driverSubmit = g.value
            case .doorbell: kernel.doorbell = g.value
            case .passWakeup: device.passWakeup = g.value
            case .hostHaltPoll: machine.hostHaltPoll = g.value
            case .idleExit: machine.idleExit = g.value
            case .localWakeup: machine.localWakeup = g.value
            case .busyStall: interrupts.busyStall = g.value
            case .idleDelivery: interrupts.idleDelivery = g.value
            case .directIOPerPage: kernel.directIOPerPage = g.value
            }
        }
        // idleDelivery: measured (`fitIdleDelivery`, the pinned SQPOLL pair) but only applied when given: on the
        // machine measured, applying it brought the pinned placements of SQPOLL within 13% of the machine's runs
        // (from 14-36% off) but left more of the unpinned suite off (README, the fourteenth day). Given, it is on
        // the QD1 path (`softwarePath`: the loop's interrupts find their CPU idle), which the latency gives up.
        // requestCreate and the hand-off (driverSubmit + doorbell), from the submissions alone, unless given.
        let submissionFit = fitSubmission(figures, kernel: &kernel, given: given)
        // localWakeup, unless given: from the round trips pinned to the interrupts' CPU and to another; without
        // them the wake-up latency (a kernel trace tells them apart; the profile says so).
        // Refitted below once the deferred routine's IPI is (the remote run pays it).
        var localWakeupFit = fitLocalWakeup(figures, machine: machine, wakeIPI: interrupts.deferredWakeRemote.nanoseconds)
        if machine.localWakeup == nil {
            machine.localWakeup = localWakeupFit.map { .nanoseconds($0.localWakeup) } ?? machine.wakeupLatency
        }
        // Not measured, defaults kept: pollCheck, openFile.

        // directIOPerPage and deferredPerPage: the model charges an O_DIRECT request of n 4 KiB pages (n - 1) x
        // directIOPerPage of syscall time at submission (pinning and mapping the user pages) and (n - 1) x
        // deferredPerPage in its deferred routine (releasing them), so the machine-wide system time per IO, and
        // the irq + softirq time per IO, of the QD1 runs of 4 KiB, 64 KiB and 1 MiB lie on lines against n - 1
        // whose slopes are those costs: least squares over the sizes, floor 0, rounded to 10 ns. The submission's
        // is taken from 64 KiB against 4 KiB at queue depth 4 when those were measured: at QD1 each read also
        // pays the host's costs of a vCPU leaving a halt (the exit from idle, the local wake-up), which grow with
        // how long it idled, so with the size. On the second machine of the README the QD1 slope came to 210-400
        // ns a page over four calibrations, the trace put 100-150 ns a page on the submission, and the model's
        // 64 KiB depth-4 system time with the QD1 slope was 24-53% over the measured one in most validations
        // (part of it the validations' own bias, since mended: the thread census's CPU taken out of them). At
        // depth 4 the difference of two noisy figures spread from 140 to 320 ns over three calibrations of a day.
        // A given per-page cost (the submission's, from a trace) is kept.
        let pageCosts = perPageCosts(figures)
        if let s = pageCosts.submit, !given.contains(.directIOPerPage) {
            kernel.directIOPerPage = .nanoseconds(s)
        }
        if let c = pageCosts.complete { interrupts.deferredPerPage = .nanoseconds(c) }

        // bandwidthBytesPerSecond, a first value: from the slope of the QD1 mean latency between 4 KiB reads and
        // `bandwidthSize` ones (the model adds size / bandwidth to every service time) less the per-page CPU on
        // that path (the further pages, pinned at submission and released in the deferred routine, both before the
        // completion), rounded to 1 MB/s; kept when what remains is not positive (noise larger than the transfer).
        // When the 64 KiB depth-4 IOPS were measured, `fitBandwidth` replaces it by simulation (below), starting
        // from it.
        let latency4K = median(FigureName.readLatency(bytes: 4096))
        if let rate = bandwidth(figures, kernel: kernel, interrupts: interrupts) { device.bandwidthBytesPerSecond = rate }
        let transfer4K = device.bandwidthBytesPerSecond > 0
            ? 4096 * 1e9 / Double(device.bandwidthBytesPerSecond) : 0

        // isr and deferredPerRequest: the model charges isr per interrupt and deferredPerRequest per request, so
        // the machine-wide irq + softirq time per IO at depth d is isr x (interrupts per IO at d) + deferred; a
        // least-squares line through the depths gives both (interrupts per IO fall from 1 to ~0.03 on a
        // batching disk). With one depth, or interrupts per IO that hardly vary, only deferredPerRequest is
        // fitted (the QD1 figure minus the default ISR). Floors 0.5 us each, rounded to 10 ns.
        if let (isr, deferred) = interruptCosts(figures) {
            if let isr { interrupts.isr = .nanoseconds(isr) }
            interrupts.deferredPerRequest = .nanoseconds(deferred)
        }
        // deferredWake: io_uring's owner is woken once per interrupt, so the line's slope holds one wake-up;
        // four blocking threads wake one per request. Their irq + softirq per IO is (isr - wake) x interrupts
        // per IO + wake + deferred, so wake = (figure - slope x interrupts per IO - deferred) / (1 - interrupts
        // per IO), and the isr gives it up. Only when the threads' requests share interrupts (under 0.9 per IO);
        // floor 0, to 10 ns, and at most what leaves the isr its floor of 0.5 us.
        if let fitted = deferredWakeCost(figures, isr: interrupts.isr, deferred: interrupts.deferredPerRequest) {
            let wake = min(fitted, max(0, interrupts.isr.nanoseconds - 500))  // the two keep the slope's sum
            interrupts.deferredWake = .nanoseconds(wake)
            interrupts.isr = .nanoseconds(interrupts.isr.nanoseconds - wake)
        }

        // readLatency: a log-normal (sigma 0.45, not fitted) whose mean is the 4 KiB QD1 mean latency minus what
        // the model adds around the device's service at QD1 through io_uring: the software path (below, with
        // the values just fitted and the defaults for the rest) and the 4 KiB transfer at the fitted bandwidth;
        // floored at 1 us.
        if let total = latency4K {
            let path = Double(softwarePath(machine: machine, kernel: kernel, interrupts: interrupts).nanoseconds)
            let mean = max(1_000, Int64((total - path - transfer4K).rounded()))
            device.readLatency = .logNormal(mean: mean, sigma: deviceLatencySigma)
        }
        // writeLatency: not measured (the calibration never writes to the device): as reads.
        // queueDepth: 256, the block layer's nr_requests on this machine class (baseline.md; not measured).
        device.queueDepth = 256
        // channels: Little's law at saturation: the highest IOPS over the queue depths times the 4 KiB service
        // time (the fitted mean latency plus the transfer), rounded, in 1...64.
        let saturated = FigureName.depths.compactMap { median(FigureName.iops(depth: $0)) }.max()
        if let iops = saturated, latency4K != nil {
            let service = device.readLatency.mean + transfer4K
            device.channels = min(64, max(1, Int((iops * service / 1e9).rounded())))
        }
        // Not measured, defaults kept: pollQueues, capacity, transfer (DMA), hdd; interrupt delivery, isr,
        // deferred (irq and softirq time cannot be told apart per IO from user space), target, coalescing.

        // channels and passDispatch, by simulation (`iosim calibrate`): Little's law above ignores how passes
        // group requests, so the model is run on the measured workload over a grid and the closest is kept.
        // hostCPUs, by simulation: the queue-depth-1 run through an SQPOLL ring (or, with none recorded, the one
        // beside a thread spinning on another CPU), in the model with each candidate (not shared first, so a machine whose busy CPUs do not slow its disk keeps 0); the
        // closest IOPS is kept. After the device, whose first fit runs without sharing. Both run again after the
        // interrupt costs below, which change the model they ran: the device with the host CPUs found first (at
        // depth 64 the submitter is busy, and a shared host slows the device there), then the host CPUs again.
        // The costs paid once per wake-up (both costs of leaving idle, and io_uring's wait) are fitted alike: the
        // model runs the QD1 workload (io_uring's, or with `blocking` one thread of blocking preads) with the cost
        // at 0 and at 1 us; the slope is its events per IO, and the cost takes what the measured figure leaves over
        // the model's time without it (to 10 ns), written into machine or kernel. It is on the QD1 path
        // (`softwarePath`), which the latency mean was fitted around: the mean gives up what it added, or the
        // device search below would fit the depths to a device slower than the QD1 one.
        // The QD1 workload (blocking pread's, or the io_uring loop's) as the fit stands, and what `perIO` gives
        // for it with `cost` at 0 and its growth per nanosecond of the cost (the events per IO that pay it); nil
        // when a run fails or the cost adds nothing.
        func costPerEventSlope(
            _ cost: WritableKeyPath<Scenario, SimDuration>, blocking: Bool, perIO: (SimulationResult) -> Double
        ) -> (workload: Scenario, without: Double, eventsPerIO: Double)? {
            let workload = blocking
                ? preadWorkload(machine: machine, kernel: kernel, device: device, interrupts: interrupts)
                : deviceWorkload(depth: 1, machine: machine, kernel: kernel, device: device, interrupts: interrupts)
            func modelled(_ value: SimDuration) -> Double? {
                var s = workload
                s[keyPath: cost] = value
                guard let r = try? Simulator(s).run(), r.iosCompleted > 0 else { return nil }
                return perIO(r)
            }
            guard let without = modelled(.zero), let with = modelled(.microseconds(1)), with > without else { return nil }
            return (workload, without, (with - without) / 1_000)
        }
        func fitCostPerEvent(
            _ cost: WritableKeyPath<Scenario, SimDuration>, measured: Double, blocking: Bool = false,
            perIO: (SimulationResult) -> Double
        ) -> IdleExitFit? {
            guard let slope = costPerEventSlope(cost, blocking: blocking, perIO: perIO) else { return nil }
            var workload = slope.workload
            let without = slope.without, eventsPerIO = slope.eventsPerIO
            let before = workload[keyPath: cost]
            workload[keyPath: cost] = .nanoseconds(tensOfNanoseconds((measured - without) / eventsPerIO))
            machine = workload.machine
            kernel = workload.kernel
            giveUpLatency((workload[keyPath: cost] - before).nanoseconds, of: &device)
            return IdleExitFit(measured: measured, withoutIdleExit: without, exitsPerIO: eventsPerIO)
        }
        // idleExit, by simulation, when not given: the machine-wide system time per IO of the 4 KiB QD1 run less
        // the model's own system time per IO for that workload without it (syscall, SQE, request, driver, doorbell,
        // switches, CQE), over the model's exits from idle per IO (one at QD1: the loop sleeps for every read);
        // floor 0, to 10 ns. What a read costs beyond the traced submission path at QD1 and not at depth (measured
        // here: 19.9 us of system time per IO at QD1, 6.0 at 4, 3.8 at 16, 2.6 at 64, falling with the sleeps per
        // IO) is the sleep; the same-CPU pipe hop that gives contextSwitch never idles. Before the device search:
        // it is CPU time on the path, which the depths' IOPS feel.
        // With the blocking pread's system time at QD1 measured too, idleExit is fitted to it instead (it sleeps
        // and wakes for every read as the io_uring loop does), and what the io_uring run has beyond the model's is
        // kernel.uringWait (below): on the second machine pread's was 2-3 us under io_uring's, which the model
        // had within 0.4 us of each other, idleExit taking the whole difference for both.
        var idleExitFit: IdleExitFit? = nil
        let preadSystem = median(FigureName.preadSystemPerIO)
        if grid != nil, !given.contains(.idleExit) {
            if let measured = preadSystem {
                idleExitFit = fitCostPerEvent(\.machine.idleExit, measured: measured, blocking: true, perIO: modelSystemPerIO)
                idleExitFit?.workload = FigureName.preadSystemPerIO
            } else if let measured = median(FigureName.systemPerIO(bytes: 4096)) {
                idleExitFit = fitCostPerEvent(\.machine.idleExit, measured: measured, perIO: modelSystemPerIO)
            }
        }
        // kernel.uringWait, by simulation as idleExit: the io_uring QD1 run's system time per IO less the model's
        // without it, over the model's wake-ups from io_uring_enter's wait per IO (one at QD1); floor 0. Only with
        // pread's figure (else idleExit holds it). On the QD1 path (the woken loop pays it before its CQE).
        var uringWaitFit: IdleExitFit? = nil
        if grid != nil, preadSystem != nil, let measured = median(FigureName.systemPerIO(bytes: 4096)) {
            uringWaitFit = fitCostPerEvent(\.kernel.uringWait, measured: measured, perIO: modelSystemPerIO)
        }
        // When io_uring's QD1 run measured less than the model makes of it with idleExit fitted to pread's alone
        // (uringWait would be negative: the two figures disagree, each spreading by a quarter or more over its
        // repeats here), idleExit is fitted to both, by least squares of their relative errors (both are held to
        // 25%), uringWait 0. On the seventeenth day's calibration pread's 23.45 us (19.4 - 30.6 over the repeats)
        // put idleExit at 4.18 us and the model's io_uring QD1 at 23.83 us against the 19.27 measured, 24% over,
        // where the validations after it measured 17.3 - 22.3 us for both runs.
        if let u = uringWaitFit, var p = idleExitFit, p.workload == FigureName.preadSystemPerIO, u.measured < u.withoutIdleExit {
            let (mp, p0, ep, mu) = (p.measured, p.withoutIdleExit, p.exitsPerIO, u.measured)
            if mp > 0, mu > 0, let uring = costPerEventSlope(\.machine.idleExit, blocking: false, perIO: modelSystemPerIO) {
                let (u0, eu) = (uring.without, uring.eventsPerIO)
                // d/de of ((p0 + ep e - mp) / mp)^2 + ((u0 + eu e - mu) / mu)^2 = 0
                var exit = (ep * (mp - p0) / (mp * mp) + eu * (mu - u0) / (mu * mu)) / (ep * ep / (mp * mp) + eu * eu / (mu * mu))
                if !exit.isFinite { exit = 0 }
                let before = machine.idleExit
                machine.idleExit = .nanoseconds(tensOfNanoseconds(exit))
                giveUpLatency((machine.idleExit - before).nanoseconds, of: &device)
                p.alsoFittedTo = .init(measured: mu, withoutIdleExit: u0, exitsPerIO: eu)
                idleExitFit = p
            }
        }
        // idleExitUser, by simulation as idleExit: the machine-wide user time per IO of the 4 KiB QD1 run less the
        // model's user time per IO for that workload without it (the loop's own work, uringReapPerCQE and
        // uringPreparePerSQE, fitted above from the loop over cached pages, which never idles), over the model's
        // exits from idle per IO.
        var idleExitUserFit: IdleExitFit? = nil
        if grid != nil, let measured = median(FigureName.userPerIOQD1) {
            idleExitUserFit = fitCostPerEvent(\.machine.idleExitUser, measured: measured) {
                Double($0.totalCPU[.user].nanoseconds) / Double($0.iosCompleted)
            }
        }

        var parallelism: ParallelismFit? = nil
        var hostFit: HostFit? = nil
        var measuredIOPS: [(Int, Double)] {
            FigureName.depths.compactMap { d in median(FigureName.iops(depth: d)).map { (d, stallFree($0, FigureName.iops(depth: d))) } }
        }
        let measuredInterrupts = FigureName.depths.compactMap { d in median(FigureName.interrupts(depth: d)).map { (d, $0) } }
        var unsearched = device  // the device before the search (its latency mean not yet given up)
        func searchDeviceAndHost() {
            device = unsearched
            parallelism = nil
            hostFit = nil
            if let grid, measuredIOPS.count >= 2, latency4K != nil {
                parallelism = fitParallelism(
                    machine: machine, kernel: kernel, device: device, interrupts: interrupts, measured: measuredIOPS,
                    interruptsPerIO: measuredInterrupts, poolInterruptsPerIO: median(FigureName.poolInterrupts),
                    poolIOPS: median(FigureName.poolIOPS).map { stallFree($0, FigureName.poolIOPS) }, searched: searched,
                    channels: grid.channels, dispatches: grid.dispatches,
                    wakeups: given.contains(.passWakeup) ? [device.passWakeup] : grid.wakeups)
                if let p = parallelism {
                    device.completionBatching = p.completionBatching
                    device = withParallelism(device, p.channels, p.passDispatch, p.passWakeup)
                }
            }
            // A given wake-up with passes but no search: the latency mean gives it up here.
            if parallelism == nil, device.completionBatching.hasPasses, device.passWakeup > .zero {
                device = withParallelism(device, device.channels, device.passDispatch, device.passWakeup)
            }
            if let grid, machine.cpuCount >= 2, latency4K != nil, let host = hostProbe(median) {
                hostFit = fitHostCPUs(
                    machine: machine, kernel: kernel, device: device, interrupts: interrupts, probe: host.probe,
                    measured: host.measured, candidates: grid.hostMilliCPUs)
                if let h = hostFit { machine.hostMilliCPUs = h.milliCPUs }
            }
        }
        searchDeviceAndHost()
        // What the stalls cost each workload the device is fitted to (`stallLoss`), by simulation on the device the
        // search found without them; the search runs again on the IOPS without that cost, as do those below.
        if var fitted = stalls, let grid, parallelism != nil {
            var stalled = device
            stalled.stallInterval = fitted.interval
            stalled.stallDuration = fitted.duration
            // The interval by simulation at the depth the stalls were counted at (`fitStallInterval`), with the
            // shape of its times apart where they were measured (`fitStallShape`).
            if let rate = median(FigureName.deviceStalls) {
                var fit: StallIntervalFit? = nil
                let w = deviceWorkload(depth: FigureName.stallDepth, machine: machine, kernel: kernel, device: stalled, interrupts: interrupts)
                if let cv = median(FigureName.deviceStallIntervalCV), cv > 0,
                    let both = fitStallShape(w, rate: rate, measuredCV: cv, stallsSeen: grid.stallRateSeen, trials: grid.stallShapeTrials)
                {
                    fit = both.interval
                    stallShapeFit = both.shape
                    stalled.stallIntervalShape = both.shape.shape
                }
                // Without the measured regularity (profiles before it), or when its fit failed: the Poisson process.
                if fit == nil { fit = fitStallInterval(w, rate: rate, stallsSeen: grid.stallRateSeen) }
                if let fit {
                    fitted.interval = fit.interval
                    stalled.stallInterval = fit.interval
                    stallIntervalFit = fit
                }
            }
            stalls = fitted
            let workloads: [(String, Scenario)] =
                FigureName.depths.filter { $0 >= stalled.stallMinimumRequests }.map {
                    (FigureName.iops(depth: $0), deviceWorkload(depth: $0, machine: machine, kernel: kernel, device: stalled, interrupts: interrupts))
                } + [
                    (FigureName.poolIOPS, poolWorkload(machine: machine, kernel: kernel, device: stalled, interrupts: interrupts)),
                    (FigureName.iopsForBandwidth, bandwidthWorkload(machine: machine, kernel: kernel, device: stalled, interrupts: interrupts)),
                    (FigureName.iopsSubmitEach,
                     deviceWorkload(depth: FigureName.submitEachDepth, machine: machine, kernel: kernel, device: stalled, interrupts: interrupts, submitEach: true)),
                ]
            stallLosses = workloads.filter { median($0.0) != nil }.compactMap { name, w in
                stallLoss(w, stallsSeen: grid.stallsSeen).map { StallLoss(workload: name, loss: $0) }
            }
            searchDeviceAndHost()
        }

        // isr, deferred, deferredWake and deferredWakeRemote, by simulation: the line above assumes io_uring's owner
        // is woken once per interrupt, as at queue depth 1; at deeper queues the model's owner is often running when
        // the interrupt comes and is not woken, and the four blocking threads' wake-ups go to both CPUs (an IPI to
        // the idle one). So the model runs each measured workload (the queue depths and the four blocking threads)
        // with the fitted device, and its own interrupts, wake-ups and wake-up IPIs per IO weigh the four costs in
        // a least-squares fit to the measured irq + softirq per IO (twice: the counts move a little with the
        // costs). The device's latency mean gives up what the QD1 path gains (the QD1 workload's IPIs per IO
        // weigh the IPI's change), so QD1 keeps its fitted latency.
        var interruptFit: InterruptCostFit? = nil
        if grid != nil, latency4K != nil {
            for _ in 0..<2 {
                guard
                    let f = fitInterruptCosts(
                        figures, machine: machine, kernel: kernel, device: device, interrupts: interrupts)
                else { break }
                let before = interrupts.isr + interrupts.deferredPerRequest + interrupts.deferredWake
                let ipisAtQD1 = f.rows.first { $0.name == FigureName.irqSoftirq(depth: 1) }?.wakeIPIsPerIO ?? 0
                let ipiGained = Double((f.wakeRemote - interrupts.deferredWakeRemote).nanoseconds) * ipisAtQD1
                interrupts.isr = f.isr
                interrupts.deferredPerRequest = f.deferred
                interrupts.deferredWake = f.wake
                interrupts.deferredWakeRemote = f.wakeRemote
                // localWakeup, fitted from the pinned round trips, takes the IPI's new cost into the remote run's.
                var wakeupGained: Int64 = 0
                if let fit = localWakeupFit {
                    let refit = fit.withWakeIPI(f.wakeRemote.nanoseconds)
                    if !given.contains(.localWakeup) {
                        wakeupGained = refit.localWakeup - fit.localWakeup
                        machine.localWakeup = .nanoseconds(refit.localWakeup)
                    }
                    localWakeupFit = refit
                }
                // Both devices: the fitted one the next pass simulates, and the one the searches start from.
                let gained = (f.isr + f.deferred + f.wake - before).nanoseconds + Int64(ipiGained.rounded()) + wakeupGained
                giveUpLatency(gained, of: &device)
                giveUpLatency(gained, of: &unsearched)
                interruptFit = f
            }
            if interruptFit != nil { searchDeviceAndHost() }
        }

        // readLatency, by simulation: the subtraction above takes the device to serve a lone request at full
        // speed. A shared host whose idle vCPUs are still polled (`hostHaltPoll`) slows it at depth 1 too: the
        // submitter's CPU idles while its read is in flight and counts as busy. So the model runs the QD1
        // workload with everything fitted, and the device's mean gives up the difference over the device's
        // share of the path (k = (modelled - what is not the device's service) / mean, at least 1), with the
        // host CPUs fitted again after each step (their run, with a CPU kept busy, moves with the mean); up to
        // 4 steps, until within 1% (the model's 1,040 draws of the log-normal put their own mean within about 1.5%
        // of the distribution's). Without sharing the model's QD1 is the measured one and nothing moves.
        var latencyFit: LatencyFit? = nil
        if let grid, let measured = latency4K {
            func modelledQD1() -> Double? {
                modelQD1Latency(machine: machine, kernel: kernel, device: device, interrupts: interrupts)
            }
            if var modelled = modelledQD1() {
                var fit = LatencyFit(measured: measured, before: modelled, after: modelled, gaveUp: .zero, steps: 0)
                while fit.steps < 4, abs(modelled - measured) > 0.01 * measured,
                    case .logNormal(let mean, _) = device.readLatency, mean > 1_000
                {
                    let around = Double(softwarePath(machine: machine, kernel: kernel, interrupts: interrupts).nanoseconds)
                        + transfer4K + Double(device.passDispatch.nanoseconds)
                        + (device.completionBatching.hasPasses ? Double(device.passWakeup.nanoseconds) : 0)
                    let k = min(4, max(1, (modelled - around) / Double(mean)))
                    let step = Int64(((modelled - measured) / k).rounded())
                    giveUpLatency(step, of: &device)
                    giveUpLatency(step, of: &unsearched)
                    fit.gaveUp += .nanoseconds(step)
                    fit.steps += 1
                    if let host = hostProbe(median), machine.cpuCount >= 2,
                        let h = fitHostCPUs(
                            machine: machine, kernel: kernel, device: device, interrupts: interrupts, probe: host.probe,
                            measured: host.measured, candidates: grid.hostMilliCPUs)
                    {
                        hostFit = h
                        machine.hostMilliCPUs = h.milliCPUs
                    }
                    guard let next = modelledQD1() else { break }
                    modelled = next
                }
                fit.after = modelled
                // The device search ran on the mean before these steps: a lower mean serves faster at every depth,
                // and the depths' IOPS it fitted would not be the profile's. So it runs again on the device the
                // steps left (`unsearched` gave up the same), and the QD1 check is taken once more.
                if fit.steps > 0, parallelism != nil {
                    searchDeviceAndHost()
                    fit.after = modelledQD1() ?? modelled
                    fit.searchedAgain = true
                }
                latencyFit = fit
            }
        }

        // bandwidthBytesPerSecond, by simulation, when the 64 KiB depth-4 IOPS were measured (`fitBandwidth`):
        // after the device search and the latency's steps, on the device they left. A 4 KiB request keeps its
        // service, but the link its transfer holds and a pass's taking of it move with the rate, so the device
        // search runs again on the new rate, and the rate is fitted once more on what that search chose.
        var bandwidthFit: BandwidthFit? = nil
        if grid != nil, latency4K != nil, let measured = median(FigureName.iopsForBandwidth).map({ stallFree($0, FigureName.iopsForBandwidth) }) {
            for pass in 0..<2 {
                guard
                    let f = fitBandwidth(
                        measured: measured, machine: machine, kernel: kernel, device: device, interrupts: interrupts)
                else { break }
                device = withBandwidth(device, f.bytesPerSecond)
                unsearched = withBandwidth(unsearched, f.bytesPerSecond)
                // The first fit's starting rate (the slope's) is the one the profile reports beside the fit.
                if bandwidthFit == nil {
                    bandwidthFit = f
                } else {
                    bandwidthFit?.bytesPerSecond = f.bytesPerSecond
                    bandwidthFit?.modelled = f.modelled
                }
                if pass == 0, parallelism != nil { searchDeviceAndHost() } else { break }
            }
            // What the report says of the model, taken again on the device as it ends (the second fit moved the
            // rate after the search): the 64 KiB IOPS, the depths' and the host's IOPS (the search's scores stay
            // the search's), and the QD1 check. The interrupt costs' fit is not run again (its counts move little
            // with the rate; as after the latency's steps).
            if bandwidthFit != nil {
                if let r = modelIOPS(bandwidthWorkload(machine: machine, kernel: kernel, device: device, interrupts: interrupts)) {
                    bandwidthFit?.modelled = r
                }
                if let p = parallelism {
                    parallelism = rerun(p, machine: machine, kernel: kernel, device: device, interrupts: interrupts)
                }
                if let h = hostFit {
                    func iops(_ milliCPUs: Int64) -> Double? {
                        hostProbeIOPS(
                            h.probe, milliCPUs: milliCPUs, machine: machine, kernel: kernel, device: device, interrupts: interrupts)
                    }
                    let unshared = iops(0)
                    if let u = unshared { hostFit?.unshared = u }
                    if let m = h.milliCPUs == 0 ? unshared : iops(h.milliCPUs) { hostFit?.modelled = m }
                }
                if latencyFit != nil,
                    let after = modelQD1Latency(machine: machine, kernel: kernel, device: device, interrupts: interrupts)
                {
                    latencyFit?.after = after
                    latencyFit?.afterBandwidthFit = true
                }
            }
        }

        // pageCacheMiss, by simulation: the buffered cold run's system time per IO less the model's for the same
        // workload without the miss cost (its syscall, SQE, request, driver, switches and CQE), over the model's
        // misses per IO (the run reads few of the file's pages twice: the model, drawing the same kind of
        // offsets, counts its hits too; found as its system time per IO with a 1 us miss less that without).
        // The page's copy is in both: io_uring copies a missed page in the task's work, as the model does
        // (`World.taskWorkCost`). Floor 0, to 10 ns. Without the figure the default stays.
        if latency4K != nil, let cold = median(FigureName.bufferedColdSystemPerIO) {
            func systemPerIO(miss: SimDuration) -> Double? {
                var k = kernel
                k.pageCacheMiss = miss
                return modelSystemPerIO(
                    bufferedColdWorkload(machine: machine, kernel: k, device: device, interrupts: interrupts, fileBytes: fileBytes))
            }
            if let without = systemPerIO(miss: .zero), let with = systemPerIO(miss: .microseconds(1)), with > without {
                let perMiss = (cold - without) / ((with - without) / 1_000)  // over the misses per IO
                kernel.pageCacheMiss = .nanoseconds(tensOfNanoseconds(perMiss))
            }
        }

        // The spinner's run, when the host was fitted to the SQPOLL one: a check of the fitted host, on the final model.
        if hostFit?.probe == .sqpoll, let besideBusy = median(FigureName.iopsBesideBusyCPU),
            let modelled = hostProbeIOPS(
                .besideBusyCPU, milliCPUs: machine.hostMilliCPUs, machine: machine, kernel: kernel, device: device,
                interrupts: interrupts)
        {
            hostFit?.besideBusyCheck = HostFit.HostCheck(measured: besideBusy, modelled: modelled)
        }

        // The fio loop's check, without the stalls as the fits ran: the model's IOPS with them is its IOPS less
        // what they cost that workload (`stallLoss`).
        var fioLoopCheck: (measured: Double, modelled: Double)? = nil
        if parallelism != nil, let measured = median(FigureName.iopsSubmitEach) {
            let s = deviceWorkload(
                depth: FigureName.submitEachDepth, machine: machine, kernel: kernel, device: device, interrupts: interrupts,
                submitEach: true)
            fioLoopCheck = modelIOPS(s).map { (measured, $0 * (1 - costOfStalls(to: FigureName.iopsSubmitEach))) }
        }
        // Only on a device fitted without them: one fitted to the IOPS as measured (no search) holds their cost already.
        if let stalls, !stallLosses.isEmpty {
            device.stallInterval = stalls.interval
            device.stallDuration = stalls.duration
            if let stallShapeFit { device.stallIntervalShape = stallShapeFit.shape }
        }

        var report = CalibrationReport(
            figures: figures, machine: machine, kernel: kernel, device: device, interrupts: interrupts,
            profileText: "", table: table(figures))
        report.fioLoopCheck = fioLoopCheck
        report.stallLosses = stallLosses
        report.stallIntervalFit = stallIntervalFit
        report.stallShapeFit = stallShapeFit
        report.parallelismFit = parallelism
        report.hostFit = hostFit
        report.interruptFit = interruptFit
        report.latencyFit = latencyFit
        report.idleExitFit = idleExitFit
        report.uringWaitFit = uringWaitFit
        report.submissionFit = submissionFit
        report.bandwidthFit = bandwidthFit
        report.localWakeupFit = localWakeupFit
        report.idleExitUserFit = idleExitUserFit
        report.given = given
        report.interruptTime = interruptTime
        report.systemFromIdle = systemFromIdle
        var result = report
        result.profileText = profile(for: report)
        return result
    }

    /// The model's QD1 latency (latency plus delivery, ns) on the calibration's 4 KiB device workload, which the
    /// measured QD1 latency is held to (`LatencyFit`); nil when the run fails.
    static func modelQD1Latency(machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig)
        -> Double?
    {
        let s = deviceWorkload(depth: 1, machine: machine, kernel: kernel, device: device, interrupts: interrupts)
        guard let r = try? Simulator(s).run(), r.iosCompleted > 0 else { return nil }
        return r.latency.mean + r.stage(.delivery).mean
    }

    /// The model's IOPS for `scenario`; nil when the run fails or completes no IO. Deterministic (seed 1).
    static func modelIOPS(_ scenario: Scenario) -> Double? {
        guard let r = try? Simulator(scenario).run(), r.iosCompleted > 0 else { return nil }
        return r.iops
    }

    /// The model's system time per IO for `scenario` in ns (syscall, context switch and polling time, as a
    /// machine counts system time); nil when the run fails or completes no IO. Deterministic (seed 1).
    static func modelSystemPerIO(_ scenario: Scenario) -> Double? {
        guard let r = try? Simulator(scenario).run(), r.iosCompleted > 0 else { return nil }
        return modelSystemPerIO(r)
    }

    /// The system time per IO of a run that completed IOs, counted as `modelSystemPerIO(_: Scenario)` does.
    static func modelSystemPerIO(_ r: SimulationResult) -> Double {
        let t = r.totalCPU
        return Double((t[.syscall] + t[.contextSwitch] + t[.polling]).nanoseconds) / Double(r.iosCompleted)
    }

    /// The deferred routine's wake-up cost in ns from the four blocking threads' figures (see `fit`), given the
    /// line's slope `isr` and intercept `deferred`; nil without those figures or when every request raised its
    /// own interrupt.
    static func deferredWakeCost(_ figures: [CalibrationFigure], isr: SimDuration, deferred: SimDuration) -> Int64? {
        guard interruptCosts(figures)?.isr != nil, let irq = figures.median(FigureName.poolIrqSoftirq),
            let perIO = figures.median(FigureName.poolInterrupts), perIO < 0.9
        else { return nil }
        let wake = (irq - Double(isr.nanoseconds) * perIO - Double(deferred.nanoseconds)) / (1 - perIO)
        return tensOfNanoseconds(wake)
    }

    /// (isr, deferredPerRequest) in ns from the irq + softirq and interrupts-per-IO figures (see `fit`); isr is
    /// nil when the line cannot be fitted; nil when no irq + softirq figure was measured.
    static func interruptCosts(_ figures: [CalibrationFigure]) -> (isr: Int64?, deferred: Int64)? {
        func median(_ name: String) -> Double? { figures.median(name) }
        func tens(_ ns: Double) -> Int64 { max(500, Int64((ns / 10).rounded()) * 10) }
        let points = FigureName.depths.compactMap { d -> (x: Double, y: Double)? in
            guard let y = median(FigureName.irqSoftirq(depth: d)), let x = median(FigureName.interrupts(depth: d))
            else { return nil }
            return (x, y)
        }
        let xs = points.map(\.x)
        if let lo = xs.min(), let hi = xs.max(), hi - lo >= 0.3, let line = leastSquares(points) {
            return (tens(line.slope), tens(line.intercept))
        }
        guard let qd1 = median(FigureName.irqSoftirq(depth: 1)) else { return nil }
        return (nil, tens(qd1 - Double(InterruptConfig().isr.nanoseconds)))
    }

    /// uringCompletePerCQE in ns from the NOP round trip and `kernel`'s null syscall (see `fit`); nil without the NOP.
    static func uringCompleteCost(_ figures: [CalibrationFigure], kernel: KernelConfig) -> Int64? {
        guard let nop = figures.median(FigureName.uringNop) else { return nil }
        let syscall = Double(kernel.syscallEntry.nanoseconds + kernel.syscallExit.nanoseconds)
        return tensOfNanoseconds((nop - syscall - 20) / 2)
    }

    /// uringSubmitPerSQE in ns from the io_uring and pread page-cache reads, less `kernel`'s CQE and reap (see
    /// `fit`); nil when either read is missing.
    static func uringSubmitCost(_ figures: [CalibrationFigure], kernel: KernelConfig) -> Int64? {
        guard let uring = figures.median(FigureName.uringPageCacheRead), let pread = figures.median(FigureName.pageCachePread)
        else { return nil }
        let rest = Double(kernel.uringCompletePerCQE.nanoseconds + kernel.uringReapPerCQE.nanoseconds)
        return tensOfNanoseconds(uring - pread - rest)
    }

    /// requestCreate, and driverSubmit or doorbell, from `FigureName.uringSubmitOne` and `uringSubmitFour`. The
    /// model's io_uring_enter that submits k O_DIRECT 4 KiB reads to an idle device and returns at once costs
    /// syscallEntry + k x (uringSubmitPerSQE + requestCreate) + driverSubmit + doorbell + syscallExit (the
    /// requests built one by one, then the batch handed to the driver with one doorbell), so:
    /// - each further request is a third of the four's time less the one's, and requestCreate is that less
    ///   uringSubmitPerSQE (fitted before), unless given;
    /// - the hand-off is the one's time less the syscall, its SQE and its request: the driver's work and the
    ///   doorbell (a virtio kick is a VM exit, 10-25 us on the README's second machine and moving with the host),
    ///   which user space cannot tell apart. The doorbell takes what a given driverSubmit leaves, driverSubmit
    ///   what a given doorbell leaves; with neither given, driverSubmit takes it all (the doorbell inside it, as
    ///   by default); with both given, nothing.
    /// Floors 0, rounded to 10 ns. - Returns: nil when the figures were not measured.
    static func fitSubmission(_ figures: [CalibrationFigure], kernel: inout KernelConfig, given: [GivenCost]) -> SubmissionFit? {
        guard let one = figures.median(FigureName.uringSubmitOne), let four = figures.median(FigureName.uringSubmitFour)
        else { return nil }
        let perRequest = (four - one) / 3
        if !given.contains(.requestCreate) {
            kernel.requestCreate = .nanoseconds(tensOfNanoseconds(perRequest - Double(kernel.uringSubmitPerSQE.nanoseconds)))
        }
        let handOff = one - Double((kernel.syscallEntry + kernel.syscallExit + kernel.uringSubmitPerSQE + kernel.requestCreate).nanoseconds)
        switch (given.contains(.driverSubmit), given.contains(.doorbell)) {
        case (true, false): kernel.doorbell = .nanoseconds(tensOfNanoseconds(handOff - Double(kernel.driverSubmit.nanoseconds)))
        case (false, true): kernel.driverSubmit = .nanoseconds(tensOfNanoseconds(handOff - Double(kernel.doorbell.nanoseconds)))
        case (false, false):
            kernel.driverSubmit = .nanoseconds(tensOfNanoseconds(handOff))
            kernel.doorbell = .zero
        case (true, true): break
        }
        return SubmissionFit(perRequest: perRequest, handOff: handOff)
    }

    /// The size whose QD1 latency gives the bandwidth against 4 KiB's: 64 KiB when measured, else 1 MiB. On the
    /// README's second machine the 1 MiB latency moved from 540 to 821 us over five calibrations of a day, where
    /// 64 KiB's stayed within 87-103 us: through 1 MiB the slope gave 1.46-2.40 GB/s, and the two calibrations
    /// with the fastest 1 MiB put the model's 64 KiB reads at depth 4 33% and 42% fast. (A 1 MiB read there is
    /// also two requests, 1,016 KiB and 8 KiB, the queue taking 254 segments a request; the model has one.)
    static func bandwidthSize(_ figures: [CalibrationFigure]) -> Int? {
        [65_536, 1 << 20].first { figures.median(FigureName.readLatency(bytes: $0)) != nil }
    }

    /// The bandwidth from the QD1 latencies of 4 KiB and `size` (`fit`), nil without them or when the
    /// transfer left is not positive; `size` nil: `bandwidthSize`.
    static func bandwidth(_ figures: [CalibrationFigure], through size: Int? = nil, kernel: KernelConfig, interrupts: InterruptConfig)
        -> Int64?
    {
        guard let size = size ?? bandwidthSize(figures), let small = figures.median(FigureName.readLatency(bytes: 4096)),
            let large = figures.median(FigureName.readLatency(bytes: size))
        else { return nil }
        let transfer = large - small - perPageLatency(bytes: size, kernel: kernel, interrupts: interrupts)
        guard transfer >= 1 else { return nil }  // under a nanosecond: noise, not a transfer
        let bytesPerSecond = Double(size - 4096) / transfer * 1e9
        return max(1_000_000, Int64((bytesPerSecond / 1e6).rounded()) * 1_000_000)
    }

    /// `device` with the bandwidth `bytesPerSecond`; the read latency's mean gives up what the 4 KiB transfer
    /// gains (the model's own transfer time, `DeviceConfig.transferNanoseconds`), so a 4 KiB request's service
    /// (latency plus transfer), which the mean was fitted to, stays the same, as long as the mean stays above its
    /// 1 us floor (`slowestKeepingService` gives the lowest rate that does).
    static func withBandwidth(_ device: DeviceConfig, _ bytesPerSecond: Int64) -> DeviceConfig {
        var d = device
        d.bandwidthBytesPerSecond = bytesPerSecond
        giveUpLatency(d.transferNanoseconds(bytes: 4096) - device.transferNanoseconds(bytes: 4096), of: &d)
        return d
    }

    /// The lowest rate, in whole MB/s, at which `withBandwidth` keeps the 4 KiB service of `device`: its latency
    /// mean can give up at most what lies above the 1 us floor. Nil when the mean is not a fitted log-normal.
    static func slowestKeepingService(_ device: DeviceConfig) -> Int64? {
        guard case .logNormal(let mean, _) = device.readLatency else { return nil }
        let longest = device.transferNanoseconds(bytes: 4096) + max(0, mean - 1_000)  // the 4 KiB transfer at most
        guard longest > 0 else { return nil }
        return Int64((4096 * 1e3 / Double(longest)).rounded(.up))  // MB/s, so 4096 B take at most `longest` ns
    }

    /// The bandwidth range `fitBandwidth` searches, in whole MB/s: 10 MB/s to 100 GB/s.
    static let bandwidthSearchMBps: ClosedRange<Int64> = 10...100_000

    /// bandwidthBytesPerSecond, by simulation: the rate at which the model's 64 KiB random reads at depth 4
    /// (`FigureName.iopsForBandwidth`, a run calibrate makes for the per-page cost) reach the measured IOPS, with
    /// everything else fitted; a 4 KiB request keeps its service (`withBandwidth`), so the rates below
    /// `slowestKeepingService` are not tried. The model's IOPS rise with the rate (each 64 KiB request's service
    /// falls by 60 KiB over it), so the lowest whole MB/s that reaches them is bisected in integers over
    /// `bandwidthSearchMBps` (deterministic: seed 1, no floating-point search). It replaces the slope of the QD1
    /// latencies, a difference of two noisy means: on the README's second machine the slope through 64 KiB put the
    /// model's 64 KiB depth-4 IOPS 7% slow to 22% fast over five calibrations of a day. - Returns: nil when a model
    /// run fails, when the measured IOPS are not positive or lie outside what the range gives (its top
    /// included), or when the model's IOPS hardly move with the rate there (under 1% more at twice the rate: its
    /// 64 KiB reads are bound by something else, and any rate would do); the slope's rate is then kept.
    static func fitBandwidth(
        measured: Double, machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig
    ) -> BandwidthFit? {
        func iops(_ d: DeviceConfig) -> Double? {
            modelIOPS(bandwidthWorkload(machine: machine, kernel: kernel, device: d, interrupts: interrupts))
        }
        func modelled(megabytesPerSecond: Int64) -> Double? { iops(withBandwidth(device, megabytesPerSecond * 1_000_000)) }
        var low = max(bandwidthSearchMBps.lowerBound, slowestKeepingService(device) ?? bandwidthSearchMBps.lowerBound)
        var high = bandwidthSearchMBps.upperBound
        guard measured > 0, low < high, let slowest = modelled(megabytesPerSecond: low),
            let fastest = modelled(megabytesPerSecond: high), slowest < measured, measured <= fastest
        else { return nil }
        // Invariant: the model at `low` makes fewer IOPS than measured, at `high` at least as many.
        while high - low > 1 {
            let mid = low + (high - low) / 2
            guard let made = modelled(megabytesPerSecond: mid) else { return nil }
            if made < measured { low = mid } else { high = mid }
        }
        guard high < bandwidthSearchMBps.upperBound, let after = modelled(megabytesPerSecond: high),
            let twice = modelled(megabytesPerSecond: 2 * high), twice > after * 1.01, let before = iops(device)
        else { return nil }
        return BandwidthFit(
            measured: measured, bytesPerSecond: high * 1_000_000, modelled: after, before: device.bandwidthBytesPerSecond,
            modelledBefore: before)
    }

    /// localWakeup from `FigureName.roundTrip(cpu:)` on the CPU that took the disk's interrupts
    /// (`measuredInterruptCPU`) and on another. In the model the two runs differ by the completion's wake-up:
    /// on the interrupts' CPU the deferred routine wakes the thread there (localWakeup); elsewhere it wakes it
    /// across CPUs, onto a CPU idle since the thread slept (`wakeupAfterIdle` at that idle time, else
    /// wakeupLatency), and pays the wake-up's IPI in the deferred routine (`wakeIPI`, deferredWakeRemote). So
    /// localWakeup is that wake-up and IPI less the remote round trip's excess over the local one; more than
    /// the wake-up across CPUs when the remote run was the faster. The idle time is taken as the local round
    /// trip less `uringSubmitOne` (the read's wait; the wake-up and the return are in it too, but the curve is
    /// flat there on the machines measured). Floor 0, to 10 ns. The probe pins to the first two CPUs the
    /// process may use: with the disk's interrupts on another CPU (more than two CPUs), nothing is fitted.
    /// - Returns: nil without the figures, or when the interrupts went to more than one CPU.
    static func fitLocalWakeup(_ figures: [CalibrationFigure], machine: MachineConfig, wakeIPI: Int64) -> LocalWakeupFit? {
        guard let irqCPU = measuredInterruptCPU(figures), let local = figures.median(FigureName.roundTrip(cpu: irqCPU)),
            let other = figures.first(where: { FigureName.roundTripCPU($0.name).map { $0 != irqCPU } ?? false }),
            let otherCPU = FigureName.roundTripCPU(other.name)
        else { return nil }
        let idle = max(0, Int64((local - (figures.median(FigureName.uringSubmitOne) ?? 0)).rounded()))
        let across =
            machine.wakeupAfterIdle.isEmpty
            ? machine.wakeupLatency.nanoseconds : WakeupAfterIdle.latency(afterIdle: idle, on: machine.wakeupAfterIdle)
        return LocalWakeupFit(
            interruptCPU: irqCPU, otherCPU: otherCPU, local: local, remote: other.median, idle: idle, acrossCPUs: across,
            wakeIPI: 0, localWakeup: 0
        ).withWakeIPI(wakeIPI)
    }

    /// `ns` rounded to 10 ns and floored at 0, as the fitted costs are written.
    static func tensOfNanoseconds(_ ns: Double) -> Int64 { max(0, Int64((ns / 10).rounded()) * 10) }

    /// The least-squares line through `points`; nil with fewer than two points or all at one x.
    static func leastSquares(_ points: [(x: Double, y: Double)]) -> (slope: Double, intercept: Double)? {
        guard points.count >= 2 else { return nil }
        let n = Double(points.count)
        let mx = points.map(\.x).reduce(0, +) / n, my = points.map(\.y).reduce(0, +) / n
        let sxy = points.reduce(0) { $0 + ($1.x - mx) * ($1.y - my) }
        let sxx = points.reduce(0) { $0 + ($1.x - mx) * ($1.x - mx) }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        return (slope, my - slope * mx)
    }

    /// (directIOPerPage, deferredPerPage) in ns (see `fit`): the submission's, from the two runs at
    /// `FigureName.pageCostDepth` when measured (`submitAtDepth`), else the slope of system per IO of the QD1
    /// runs against the further pages per IO; the completion's, the slope of irq + softirq per IO of the QD1
    /// runs. Each nil when fewer than two sizes were measured. `submitAtQD1` is the QD1 slope in any case.
    static func perPageCosts(_ figures: [CalibrationFigure])
        -> (submit: Int64?, complete: Int64?, submitAtDepth: Bool, submitAtQD1: Int64?)
    {
        func slope(_ sizes: [Int], _ name: (Int) -> String) -> Int64? {
            let points = sizes.compactMap { size -> (x: Double, y: Double)? in
                figures.median(name(size)).map { (Double(KernelConfig.furtherDirectPages(bytes: Int64(size))), $0) }
            }
            return leastSquares(points).map { tensOfNanoseconds($0.slope) }
        }
        let atQD1 = slope(FigureName.latencySizes, FigureName.systemPerIO)
        let atDepth = slope(FigureName.pageCostSizes, FigureName.systemPerIOAtDepth)
        return (atDepth ?? atQD1, slope(FigureName.latencySizes, FigureName.irqSoftirqPerIO), atDepth != nil, atQD1)
    }

    /// The per-page CPU the model puts on the QD1 latency path of an O_DIRECT read of `bytes`, in ns.
    static func perPageLatency(bytes: Int, kernel: KernelConfig, interrupts: InterruptConfig) -> Double {
        Double(KernelConfig.furtherDirectPages(bytes: Int64(bytes))) * Double(kernel.directIOPerPage.nanoseconds + interrupts.deferredPerPage.nanoseconds)
    }

    /// The channel counts and pass dispatch times `fitParallelism` tries.
    struct ParallelismGrid {
        var channels = Array(1...12)
        var dispatches: [SimDuration] = [0, 1, 2, 3, 4, 6, 8, 10, 12, 16].map { .microseconds($0) }
        var wakeups: [SimDuration] = Array(0...24).map { .microseconds($0) }
        /// The `machine.hostMilliCPUs` values `fitHostCPUs` tries: not shared, then 1 to 4 CPUs (at least one: with
        /// every CPU idle the device works at full speed, as the device's fit assumed).
        var hostMilliCPUs: [Int64] = [0] + Array(stride(from: Int64(1_000), through: 4_000, by: 50))
        /// How many stalls' time the runs that find what the stalls cost a workload last (`stallLoss`).
        var stallsSeen = 60
        /// How many stalls (at the measured rate) the runs that fit the stalls' interval last (`fitStallInterval`):
        /// a count of 400 spreads by 5%.
        var stallRateSeen = 400
        /// The most shapes `fitStallShape` tries (each fits the interval anew).
        var stallShapeTrials = 4
    }

    /// `device` with `channels`, `dispatch` and `wakeup`; the read latency's mean gives up the dispatch and
    /// wake-up times, so the queue-depth-1 latency the mean was fitted to stays the same (a lone request waits
    /// for the device to wake and one dispatch).
    static func withParallelism(
        _ device: DeviceConfig, _ channels: Int, _ dispatch: SimDuration, _ wakeup: SimDuration = .zero
    ) -> DeviceConfig {
        var d = device
        d.channels = channels
        d.passDispatch = dispatch
        d.passWakeup = wakeup
        // Without passes the wake-up takes no time (a device's passWakeup is used only with passes).
        let given = dispatch.nanoseconds + (device.completionBatching.hasPasses ? wakeup.nanoseconds : 0)
        if given > 0 { giveUpLatency(given, of: &d) }
        return d
    }

    /// The device's read latency (a fitted log-normal) gives up `nanoseconds` of its mean, floored at 1 us, so
    /// that a time the model now spends elsewhere on the queue-depth-1 path keeps that path's latency.
    static func giveUpLatency(_ nanoseconds: Int64, of device: inout DeviceConfig) {
        if nanoseconds != 0, case .logNormal(let mean, let sigma) = device.readLatency {
            device.readLatency = .logNormal(mean: max(1_000, mean - nanoseconds), sigma: sigma)
        }
    }

    /// One thread of blocking 4 KiB O_DIRECT random reads (calibrate's `preadSystemPerIO` run).
    static func preadWorkload(
        machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig
    ) -> Scenario {
        var s = poolWorkload(machine: machine, kernel: kernel, device: device, interrupts: interrupts)
        s.name = "calibration blocking pread"
        s.threads[0].count = 1
        return s
    }

    /// The calibration's four threads of blocking 4 KiB O_DIRECT reads as a model scenario.
    static func poolWorkload(
        machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig
    ) -> Scenario {
        var s = deviceWorkload(depth: 1, machine: machine, kernel: kernel, device: device, interrupts: interrupts)
        s.name = "calibration 4 blocking threads"
        s.rings = []
        let read = IOOperation(.read, file: "data", sizeBytes: 4096, offset: .random, style: .blocking)
        s.threads = [ThreadSpec(name: "worker", count: 4, program: [.repeatCount(500, [.io(read)])])]
        return s
    }

    /// isr, deferredPerRequest, deferredWake and deferredWakeRemote (see `fit`): each workload with a measured irq +
    /// softirq per IO (4 KiB at each queue depth through io_uring; the four blocking threads) runs in the model
    /// with the given costs; its interrupts, wake-ups and wake-up IPIs per IO (`SimulationResult` counts them)
    /// are the weights of isr, deferredWake and deferredWakeRemote in the model's irq + softirq per IO, isr x
    /// interrupts + deferred + wake x wake-ups + IPI x IPIs; the four are the least-squares fit of that to the
    /// measured figures with isr and deferred at least 0.5 us and the wake-up's costs at least 0 (the best over
    /// every choice of costs held at their floors), to 10 ns. Only the four blocking threads wake threads on
    /// another CPU here, so they alone weigh the IPI. Nil with fewer than three workloads measured or no unique
    /// fit.
    static func fitInterruptCosts(
        _ figures: [CalibrationFigure], machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig,
        interrupts: InterruptConfig
    ) -> InterruptCostFit? {
        var workloads: [(name: String, scenario: Scenario, measured: Double)] = []
        for depth in FigureName.depths {
            if let y = figures.median(FigureName.irqSoftirq(depth: depth)) {
                let s = deviceWorkload(depth: depth, machine: machine, kernel: kernel, device: device, interrupts: interrupts)
                workloads.append((FigureName.irqSoftirq(depth: depth), s, y))
            }
        }
        if let y = figures.median(FigureName.poolIrqSoftirq) {
            workloads.append(
                (FigureName.poolIrqSoftirq, poolWorkload(machine: machine, kernel: kernel, device: device, interrupts: interrupts), y))
        }
        guard workloads.count >= 3 else { return nil }
        typealias Point = (name: String, measured: Double, interrupts: Double, wakes: Double, ipis: Double)
        var points: [Point] = []
        for w in workloads {
            var s = w.scenario
            s.interrupts.deferredWake = interrupts.deferredWake
            s.interrupts.deferredWakeRemote = interrupts.deferredWakeRemote
            guard let r = try? Simulator(s).run(), r.iosCompleted > 0 else { return nil }
            let ios = Double(r.iosCompleted)
            points.append((w.name, w.measured, Double(r.interrupts) / ios, Double(r.deferredWakeUps) / ios, Double(r.wakeIPIs) / ios))
        }
        // Least squares over the free costs, the others held at their floors; each cost's column is its weight.
        let floors = [500.0, 500.0, 0.0, 0.0]  // isr, deferred, wake, wake IPI
        let costCount = floors.count
        func columns(_ p: Point) -> [Double] { [p.interrupts, 1, p.wakes, p.ipis] }
        func solve(free: [Int]) -> [Double]? {
            let n = free.count
            var a = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n)
            for p in points {
                let x = columns(p)
                var rest = p.measured
                for k in 0..<costCount where !free.contains(k) { rest -= floors[k] * x[k] }
                for i in 0..<n {
                    for j in 0..<n { a[i][j] += x[free[i]] * x[free[j]] }
                    a[i][n] += x[free[i]] * rest
                }
            }
            // Gaussian elimination with partial pivoting.
            for c in 0..<n {
                guard let pivot = (c..<n).max(by: { abs(a[$0][c]) < abs(a[$1][c]) }), abs(a[pivot][c]) > 1e-9 else { return nil }
                a.swapAt(c, pivot)
                for r in 0..<n where r != c {
                    let f = a[r][c] / a[c][c]
                    for k in c...n { a[r][k] -= f * a[c][k] }
                }
            }
            var values = floors
            for (i, k) in free.enumerated() { values[k] = a[i][n] / a[i][i] }
            return values
        }
        // The least squared error over every choice of costs held at their floors, the others fitted freely
        // (four costs: sixteen choices); a choice whose free costs fall below their floors is not a fit. A cost
        // no workload weighs (no IPIs in the model's runs) stays at its floor: its column is all zero.
        var values: [Double]? = nil
        var bestError = Double.infinity
        for mask in 0..<(1 << costCount) {
            let free = (0..<costCount).filter { mask & (1 << $0) != 0 }
            guard let v = free.isEmpty ? floors : solve(free: free), free.allSatisfy({ v[$0] >= floors[$0] }) else { continue }
            let error = points.reduce(0.0) { sum, p in
                let x = columns(p)
                let r = p.measured - (0..<costCount).reduce(0.0) { $0 + v[$1] * x[$1] }
                return sum + r * r
            }
            if error < bestError {
                bestError = error
                values = v
            }
        }
        let v = values ?? floors
        func tens(_ ns: Double) -> Int64 { Int64((ns / 10).rounded()) * 10 }
        let isr = tens(v[0]), deferred = tens(v[1]), wake = tens(v[2]), ipi = tens(v[3])
        return InterruptCostFit(
            isr: .nanoseconds(isr), deferred: .nanoseconds(deferred), wake: .nanoseconds(wake), wakeRemote: .nanoseconds(ipi),
            rows: points.map {
                InterruptCostFit.Row(
                    name: $0.name, measured: $0.measured, interruptsPerIO: $0.interrupts, wakesPerIO: $0.wakes,
                    wakeIPIsPerIO: $0.ipis,
                    modelled: Double(isr) * $0.interrupts + Double(deferred) + Double(wake) * $0.wakes + Double(ipi) * $0.ipis)
            })
    }

    /// The calibration's device workload as a model scenario: 4 KiB random O_DIRECT reads through an io_uring
    /// set up as fio does, at queue depth `depth`, long enough for that depth to settle.
    static func deviceWorkload(
        depth: Int, machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig,
        submitEach: Bool = false, bytes: Int64 = 4096
    ) -> Scenario {
        let size = bytes == 4096 ? "" : Units.formatSize(bytes: bytes) + " "
        var s = Scenario(name: "calibration \(size)QD\(depth)\(submitEach ? " fio's loop" : "")")
        s.machine = machine
        s.kernel = kernel
        s.device = device
        s.interrupts = interrupts
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 30)]
        s.rings = [RingSpec(name: "ring", entries: 128, taskRun: .deferred)]
        let loop = UringLoop(
            ring: "ring", file: "data", sizeBytes: bytes, queueDepth: depth, ios: 1_000 + 40 * depth, submitEach: submitEach)
        s.threads = [ThreadSpec(name: "job", program: [.uring(loop)])]
        return s
    }

    /// The calibration's 64 KiB random reads at `FigureName.pageCostDepth` as a model scenario, which the
    /// device's bandwidth is fitted to (`fitBandwidth`).
    static func bandwidthWorkload(
        machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig
    ) -> Scenario {
        deviceWorkload(
            depth: FigureName.pageCostDepth, machine: machine, kernel: kernel, device: device, interrupts: interrupts,
            bytes: Int64(FigureName.bandwidthFitBytes))
    }

    /// `p` with its rows (and the four blocking threads' IOPS) taken again on `device`, the device it chose as it
    /// now is; its scores stay the search's.
    static func rerun(
        _ p: ParallelismFit, machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig
    ) -> ParallelismFit {
        var q = p
        q.rows = p.rows.map { row in
            let s = deviceWorkload(depth: row.depth, machine: machine, kernel: kernel, device: device, interrupts: interrupts)
            return modelIOPS(s).map { (row.depth, row.measured, $0) } ?? row
        }
        q.worstError = q.rows.map { abs($0.modelled - $0.measured) / $0.measured }.max() ?? 0
        if let pool = p.pool,
            let r = modelIOPS(poolWorkload(machine: machine, kernel: kernel, device: device, interrupts: interrupts))
        {
            q.pool = (pool.measured, r)
        }
        return q
    }

    /// Runs the model on the calibration's device workload (4 KiB random O_DIRECT reads through an io_uring set
    /// up as fio does, at each measured queue depth) for every channel count of `channels` and, when the device
    /// works in passes, every dispatch time of `dispatches` and wake-up time of `wakeups` that the latency mean can
    /// give up (keeping at least its 1 us floor, so queue depth 1 keeps its fitted latency); keeps the values whose
    /// sum of squared errors over the depths is smallest, each error in units of the tolerance `validate` holds it
    /// to: relative IOPS error / 15% and, where measured, relative interrupts-per-IO error / 25%, at each depth and
    /// for the four blocking threads (separate submitters, which share passes or not) (ties: fewer channels, then
    /// a shorter dispatch, then a shorter wake-up). A sum, not the largest: an error no candidate
    /// can mend (interrupts per IO at a depth where every candidate batches alike) would otherwise hide how far
    /// apart the candidates' IOPS are. With passes, both kinds are tried (`.pass`, whose requests arriving while
    /// it serves join it, and `.asyncPass`, which ends once it has taken its last request; ties: `.pass`), and
    /// the fit says how close the other came. Deterministic (seed 1). `worstError` reports the largest relative
    /// IOPS error.
    static func fitParallelism(
        machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig,
        measured: [(Int, Double)], interruptsPerIO: [(Int, Double)] = [], poolInterruptsPerIO: Double? = nil,
        poolIOPS: Double? = nil, searched: (() -> Void)? = nil, channels: [Int], dispatches: [SimDuration],
        wakeups: [SimDuration] = [.zero]
    ) -> ParallelismFit? {
        var bestScore = Double.infinity
        var best: ParallelismFit? = nil
        let passes = device.completionBatching.hasPasses
        let kinds: [CompletionBatching] = passes ? [.pass, .asyncPass] : [device.completionBatching]
        var bestOfKind = kinds.map { _ in Double.infinity }
        let tried = passes ? dispatches.flatMap { d in wakeups.map { (d, $0) } } : [(SimDuration.zero, device.passWakeup)]
        // Only what the device's latency mean can give up: beyond it the mean would stop at its floor and the
        // queue-depth-1 latency it was fitted to would grow.
        var budget = Int64.max
        if passes, case .logNormal(let mean, _) = device.readLatency { budget = mean - 1_000 }
        let affordable = tried.filter { $0.0.nanoseconds + $0.1.nanoseconds <= budget }
        // A run's IOPS and interrupts per IO against the measured figures: squared errors in units of the 15% and
        // 25% tolerances.
        func iopsError(_ result: SimulationResult, _ iops: Double) -> Double {
            let e = (result.iops - iops) / iops / 0.15
            return e * e
        }
        func interruptsError(_ result: SimulationResult, _ irq: Double) -> Double {
            let e = (Double(result.interrupts) / Double(max(result.iosCompleted, 1)) - irq) / irq / 0.25
            return e * e
        }
        let poolIRQ = poolInterruptsPerIO.flatMap { $0 > 0 ? $0 : nil }
        let poolRate = poolIOPS.flatMap { $0 > 0 ? $0 : nil }
        for (k, kind) in kinds.enumerated() {
            var kindDevice = device
            kindDevice.completionBatching = kind
            for c in channels {
                for (dispatch, wakeup) in affordable.isEmpty ? [tried[0]] : affordable {
                    let candidate = withParallelism(kindDevice, c, dispatch, wakeup)
                    var rows: [(depth: Int, measured: Double, modelled: Double)] = []
                    var worst = 0.0, score = 0.0
                    for (depth, iops) in measured {
                        let s = deviceWorkload(
                            depth: depth, machine: machine, kernel: kernel, device: candidate, interrupts: interrupts)
                        guard let result = try? Simulator(s).run(), result.iops > 0 else {
                            score = .infinity
                            break
                        }
                        rows.append((depth, iops, result.iops))
                        worst = max(worst, abs(result.iops - iops) / iops)
                        score += iopsError(result, iops)
                        if let irq = interruptsPerIO.first(where: { $0.0 == depth })?.1, irq > 0 {
                            score += interruptsError(result, irq)
                        }
                    }
                    // Separate submitters: the four blocking threads share passes as the machine's do (or not), and
                    // make its IOPS.
                    var pool: (measured: Double, modelled: Double)? = nil
                    if poolIRQ != nil || poolRate != nil, score.isFinite {
                        let s = poolWorkload(machine: machine, kernel: kernel, device: candidate, interrupts: interrupts)
                        if let result = try? Simulator(s).run(), result.iosCompleted > 0 {
                            if let irq = poolIRQ { score += interruptsError(result, irq) }
                            if let iops = poolRate {
                                score += iopsError(result, iops)
                                pool = (iops, result.iops)
                            }
                        } else {
                            score = .infinity
                        }
                    }
                    searched?()
                    bestOfKind[k] = min(bestOfKind[k], score)
                    if score < bestScore {
                        bestScore = score
                        best = ParallelismFit(
                            channels: c, passDispatch: dispatch, passWakeup: wakeup, completionBatching: kind,
                            score: score, rows: rows, worstError: worst, pool: pool, poolInterruptsScored: poolIRQ != nil)
                    }
                }
            }
        }
        if passes, let chosen = best?.completionBatching, let other = kinds.firstIndex(where: { $0 != chosen }) {
            best?.otherScore = bestOfKind[other]
        }
        return best
    }

    /// The calibration's buffered cold run as a model scenario: `Probes.bufferedColdIOs` 4 KiB buffered reads
    /// through io_uring at queue depth 1 at random offsets of a file of `fileBytes` none of whose pages is cached
    /// at first (a page read twice is a hit the second time, in the model as on the machine).
    static func bufferedColdWorkload(
        machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig,
        fileBytes: Int64 = CalibrationOptions().fileBytes
    ) -> Scenario {
        var s = deviceWorkload(depth: 1, machine: machine, kernel: kernel, device: device, interrupts: interrupts)
        s.name = "calibration buffered cold QD1"
        s.files = [FileSpec(name: "data", sizeBytes: fileBytes, buffered: true)]
        s.threads = [
            ThreadSpec(
                name: "job",
                program: [
                    .uring(
                        UringLoop(
                            ring: "ring", file: "data", sizeBytes: 4096, queueDepth: 1,
                            ios: Probes.bufferedColdIOs(fileBytes: fileBytes)))
                ])
        ]
        return s
    }

    /// The calibration's queue-depth-1 workload with a daemon thread computing without end beside it (on the
    /// other CPU: two threads, two CPUs), as `Probes.runBesideASpinner` runs it for real.
    static func besideBusyCPUWorkload(
        machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig
    ) -> Scenario {
        var s = deviceWorkload(depth: 1, machine: machine, kernel: kernel, device: device, interrupts: interrupts)
        s.name = "calibration QD1 beside a busy CPU"
        s.threads.append(ThreadSpec(name: "spinner", daemon: true, program: [.repeatForever([.compute(.constant(1_000_000))])]))
        return s
    }

    /// The ring options of calibrate's SQPOLL run, as the suite's `sqpoll-qd1` scenario has them.
    static let sqpollOptions = RealJob.URingOptions(submissionQueuePolling: true, sqThreadIdleMilliseconds: 1_000)

    /// The calibration's queue-depth-1 workload through an SQPOLL ring (its poller spinning for 1 s after its
    /// last work, as `sqpollOptions`), as `Probes.device` runs it for real.
    static func sqpollWorkload(
        machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig
    ) -> Scenario {
        var s = deviceWorkload(depth: 1, machine: machine, kernel: kernel, device: device, interrupts: interrupts)
        s.name = "calibration QD1 SQPOLL"
        s.rings = [
            RingSpec(
                name: "ring", entries: 128, sqpoll: true,
                sqThreadIdle: .milliseconds(Int64(sqpollOptions.sqThreadIdleMilliseconds)))
        ]
        return s
    }

    /// The model's workload of `probe`.
    static func hostProbeWorkload(
        _ probe: HostProbe, machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig
    ) -> Scenario {
        switch probe {
        case .sqpoll: sqpollWorkload(machine: machine, kernel: kernel, device: device, interrupts: interrupts)
        case .besideBusyCPU: besideBusyCPUWorkload(machine: machine, kernel: kernel, device: device, interrupts: interrupts)
        }
    }

    /// The run `machine.hostCPUs` is fitted to and its measured IOPS: the SQPOLL run when recorded, else the one
    /// beside a spinning thread; nil with neither.
    static func hostProbe(_ median: (String) -> Double?) -> (probe: HostProbe, measured: Double)? {
        for probe in [HostProbe.sqpoll, .besideBusyCPU] {
            if let measured = median(probe.figure) { return (probe, measured) }
        }
        return nil
    }

    /// The model's IOPS on `probe`'s workload with `milliCPUs` as `machine.hostMilliCPUs` (seed 1), or nil when
    /// no IO completes.
    static func hostProbeIOPS(
        _ probe: HostProbe, milliCPUs: Int64, machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig,
        interrupts: InterruptConfig
    ) -> Double? {
        var m = machine
        m.hostMilliCPUs = milliCPUs
        return modelIOPS(hostProbeWorkload(probe, machine: m, kernel: kernel, device: device, interrupts: interrupts))
    }

    /// Runs `probe`'s workload with each of `candidates` as `machine.hostMilliCPUs` and keeps the one whose IOPS
    /// is closest to `measured` (ties: the earlier candidate). Deterministic (seed 1); nil when no run completes
    /// an IO.
    static func fitHostCPUs(
        machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig,
        probe: HostProbe, measured: Double, candidates: [Int64]
    ) -> HostFit? {
        func iops(_ milliCPUs: Int64) -> Double? {
            hostProbeIOPS(probe, milliCPUs: milliCPUs, machine: machine, kernel: kernel, device: device, interrupts: interrupts)
        }
        guard let unshared = iops(0) else { return nil }
        var best: HostFit? = nil
        for milli in candidates {
            guard let modelled = milli == 0 ? unshared : iops(milli) else { continue }
            if best == nil || abs(modelled - measured) < abs(best!.modelled - measured) {
                best = HostFit(probe: probe, milliCPUs: milli, measured: measured, modelled: modelled, unshared: unshared)
            }
        }
        return best
    }

    /// The model's CPU and interrupt path of one io_uring read at queue depth 1 around the device's service:
    /// the program writing the SQE, syscall entry, per-SQE submit, request creation, driver submit, interrupt delivery, ISR, deferred
    /// completion and its waking of the thread, wake-up, leaving idle, context switch, CQE completion (task work), syscall exit. All of it, because the
    /// real latency runs from the SQE written to the CQE reaped. (The model's `latency` ends when the softirq
    /// completes the request; the wake-up, switch, task work and syscall exit are its `delivery` stage, so the
    /// model's counterpart of the measured latency is `latency + delivery`, and its QD1 IOPS follow from both.)
    /// Not the doorbell: it is rung after the hand-off, while the device already works.
    static func softwarePath(machine: MachineConfig, kernel: KernelConfig, interrupts: InterruptConfig) -> SimDuration {
        kernel.uringPreparePerSQE + kernel.syscallEntry + kernel.uringSubmitPerSQE + kernel.requestCreate + kernel.driverSubmit
            + interrupts.deliveryLatency + interrupts.idleDelivery  // the interrupts' CPU idles while the loop sleeps
            + interrupts.isr + interrupts.deferredPerRequest + interrupts.deferredWake
            + (machine.localWakeup ?? machine.wakeupLatency)  // the loop's thread sleeps on the interrupts' CPU
            + machine.idleExit + machine.idleExitUser  // which idles meanwhile: the thread's switch in leaves the idle task
            + machine.contextSwitch + kernel.uringWait + kernel.uringCompletePerCQE + kernel.syscallExit
    }
}

// MARK: - Profile and table text

extension Calibration {
    /// The device latency's comment on its check by simulation (`LatencyFit`), empty without one.
    static func latencyCheck(_ fit: LatencyFit?) -> String {
        guard let f = fit else { return "" }
        func us(_ ns: Double) -> String { Units.formatDuration(nanoseconds: Int64(ns.rounded())) }
        // Within 1% of the measured figure (the steps' target), or not.
        let held = abs(f.after - f.measured) <= 0.01 * f.measured ? ", as measured" : " against \(us(f.measured)) measured"
        let bandwidth = f.afterBandwidthFit ? " (the bandwidth fitted after)" : ""
        if f.steps == 0 { return "; by simulation the model's QD1 latency is \(us(f.after))\(bandwidth)\(held)" }
        return "; by simulation the model's QD1 latency was \(us(f.before)), "
            + "\(us(f.after)) after the mean \(f.gaveUp.nanoseconds >= 0 ? "gave up" : "took back") "
            + "\(Units.formatDuration(nanoseconds: abs(f.gaveUp.nanoseconds))) in \(f.steps) steps, hostCPUs refitted each"
            + (f.searchedAgain ? ", and the channels and passes searched again on it" : "") + bandwidth + held
    }

    /// The profile of `report`: every key the decoder reads for machine, kernel, device and interrupts, each
    /// with a comment naming the figure it was fitted from (or "default, not measured"); but the stalls' keys
    /// are written only when the stalls were fitted, and `stallIntervalShape` only when it was (so a profile
    /// refitted from figures recorded before it reads as it did).
    static func profile(for report: CalibrationReport) -> String {
        let figures = report.figures
        func figure(_ name: String) -> CalibrationFigure? { figures.first { $0.name == name } }
        func describe(_ name: String) -> String {
            guard let f = figure(name) else { return "\(name): not measured" }
            return "\(name) \(spread(f))"
        }
        /// The figures of the QD1 runs by size, for the per-page costs.
        func bySize(_ name: (Int) -> String) -> String {
            FigureName.latencySizes.map { describe(name($0)) }.joined(separator: ", ")
        }
        let pageCosts = perPageCosts(figures)
        let qd1Slope = "slope of system per IO against 4KiB pages per IO beyond the first (\(bySize(FigureName.systemPerIO)))"
        let submitSource =
            pageCosts.submitAtDepth
            ? FigureName.pageCostSizes.reversed().map { describe(FigureName.systemPerIOAtDepth(bytes: $0)) }.joined(separator: " less ")
                + ", over the \(KernelConfig.furtherDirectPages(bytes: 65_536)) further pages"
                + (pageCosts.submitAtQD1.map { "; the QD1 \(qd1Slope) is \(duration(.nanoseconds($0))), not used" } ?? "")
            : qd1Slope
        let m = report.machine, k = report.kernel, d = report.device, i = report.interrupts
        let notMeasured = "model default, not measured"

        var out = """
            // Machine profile measured by `iosim calibrate` and fitted to the model (IOSimValidation/Calibration.swift).
            // Use it from a scenario with extends: "profile.json5", or with `iosim validate --profile profile.json5`.
            \(interruptTimeLine(report.interruptTime))\(report.systemFromIdle ? "\n" + systemFromIdleLine : "")
            // Figures are medians (minimum - maximum over the repeats).

            """
        let width = (figures.map(\.name.count).max() ?? 0) + 2
        for f in figures { out += "//   " + pad(f.name, width, left: true) + spread(f) + "\n" }
        out += "{\n"

        var lines: [(String, String)] = []
        func section(_ name: String, _ body: () -> Void) {
            lines = []
            body()
            out += "  \(name): {\n"
            let keyWidth = lines.map(\.0.count).max() ?? 0
            for (text, comment) in lines {
                out += "    " + pad(text, keyWidth + 1, left: true) + " // " + comment + "\n"
            }
            out += "  },\n"
        }
        func entry(_ key: String, _ value: String, _ comment: String) { lines.append(("\(key): \(value),", comment)) }
        /// The comment of a value that was given, nil for one that was not.
        func given(_ key: GivenCost.Key) -> String? { report.given.contains(key) ? key.note : nil }

        section("machine") {
            entry("cpus", "\(m.cpuCount)", "CPUs online (sysconf _SC_NPROCESSORS_ONLN)")
            entry(
                "contextSwitch", quoted(duration(m.contextSwitch)),
                figure(FigureName.contextSwitch) == nil
                    ? notMeasured
                    : "\(describe(FigureName.contextSwitch)), a same-CPU pipe hop, minus two null syscalls; floor 0.5us")
            entry(
                "wakeupLatency", quoted(duration(m.wakeupLatency)),
                figure(FigureName.crossCPUWakeup) == nil || figure(FigureName.contextSwitch) == nil
                    ? notMeasured + " (needs two CPUs)"
                    : "\(describe(FigureName.crossCPUWakeup)) minus the same-CPU hop; floor 0")
            if !m.wakeupAfterIdle.isEmpty {
                let points = m.wakeupAfterIdle.map { "\(quoted(duration($0.idle))): \(quoted(duration($0.latency)))" }
                let first = FigureName.wakeupAfterIdle(m.wakeupAfterIdle[0].idle.nanoseconds)
                entry(
                    "wakeupAfterIdle", "{ " + points.joined(separator: ", ") + " }",
                    "the cross-CPU wake-ups after idle (\(describe(first)), and the others above) minus the "
                        + "same-CPU hop; floor 0")
            }
            entry(
                "localWakeup", quoted(duration(m.localWakeup ?? m.wakeupLatency)),
                given(.localWakeup).map { g in report.localWakeupFit.map { "\(g); measured: \(duration(.nanoseconds($0.localWakeup)))" } ?? g }
                    ?? report.localWakeupFit.map { f in
                        "the model's wake-up across CPUs after \(duration(.nanoseconds(f.idle))) of idle, "
                            + "\(duration(.nanoseconds(f.acrossCPUs))), and its IPI (deferredWakeRemote) "
                            + "\(duration(.nanoseconds(f.wakeIPI))), less the round trip's excess on another CPU: "
                            + "\(describe(FigureName.roundTrip(cpu: f.otherCPU))) less \(describe(FigureName.roundTrip(cpu: f.interruptCPU))) "
                            + "(the interrupts' CPU); the idle time is the latter less the submission; floor 0"
                    }
                    ?? "not measured: wakeupLatency (its own figure is in a kernel trace: .bench/trace-costs.sh)")
            entry("timeSlice", quoted(duration(m.timeSlice)), notMeasured)
            entry("threadCreate", quoted(duration(m.threadCreate)), notMeasured)
            entry("threadStack", quoted(Units.formatSize(bytes: m.threadStackBytes)), notMeasured)
            entry(
                "runQueues", quoted(m.runQueues.rawValue),
                m.runQueues == .perCPU ? "this machine runs Linux: a run queue per CPU (CFS/EEVDF)" : notMeasured)
            entry(
                "wakeAffine", m.wakeAffine ? "true" : "false",
                m.wakeAffine
                    ? "this machine runs Linux: a thread woken by a thread on its last CPU is queued there (select_idle_sibling); not measured"
                    : notMeasured)
            entry(
                "wakePacking", m.wakePacking ? "true" : "false",
                Calibration.wakePackingFigure(report.figures).map {
                    "\(describe($0)) (over half: a kernel packing wake-ups onto the interrupts' awake CPU; "
                        + "else Linux's wake_affine_idle, which sends the thread back to its idle CPU)"
                } ?? notMeasured)
            entry(
                "migrationCost", quoted(duration(m.migrationCost)),
                notMeasured + " (Linux's default sysctl_sched_migration_cost)")
            let host = Validation.fixed(Double(m.hostMilliCPUs) / 1_000, 2)
            if let h = report.hostFit {
                entry(
                    "hostCPUs", host,
                    "\(describe(h.probe.figure)) against the model's \(Validation.fixed(h.modelled, 0)) with this "
                        + "value (\(Validation.fixed(h.unshared, 0)) not shared); the closest of 0 and 1 to 4 CPUs in steps of 0.05"
                        + (h.besideBusyCheck.map {
                            "; a check: \(describe(FigureName.iopsBesideBusyCPU)), the model \(Validation.fixed($0.modelled, 0))"
                        } ?? ""))
            } else {
                entry("hostCPUs", host, notMeasured + " (0: the device does not share the CPUs)")
            }
            entry(
                "idleExit", quoted(duration(m.idleExit)),
                given(.idleExit)
                    ?? report.idleExitFit.map {
                        let one = "\(describe($0.workload)) less the model's other system time per IO for that run "
                            + "\(Units.formatDuration(nanoseconds: Int64($0.withoutIdleExit.rounded()))), over its "
                            + "\(Validation.fixed($0.exitsPerIO, 2)) exits from idle per IO"
                        guard let uring = $0.alsoFittedTo else { return one + "; floor 0" }
                        return "least squares of the relative errors of two figures, the second under what the model made "
                            + "of its run with idleExit fitted to the first alone (so uringWait 0): " + one + "; and "
                            + "\(describe(FigureName.systemPerIO(bytes: 4096))) less the model's other system time per IO for "
                            + "that run \(Units.formatDuration(nanoseconds: Int64(uring.withoutIdleExit.rounded()))), over its "
                            + "\(Validation.fixed(uring.exitsPerIO, 2)) exits from idle per IO; floor 0"
                    } ?? notMeasured)
            entry(
                "idleExitUser", quoted(duration(m.idleExitUser)),
                report.idleExitUserFit.map {
                    "\(describe(FigureName.userPerIOQD1)) less the model's other user time per IO at QD1 "
                        + "\(Units.formatDuration(nanoseconds: Int64($0.withoutIdleExit.rounded()))), over its "
                        + "\(Validation.fixed($0.exitsPerIO, 2)) exits from idle per IO; floor 0"
                }
                    ?? (figure(FigureName.userPerIOQD1) == nil
                        ? notMeasured : "model default; \(describe(FigureName.userPerIOQD1)) measured, not fitted"))
            entry(
                "hostHaltPoll", quoted(duration(m.hostHaltPoll)),
                given(.hostHaltPoll).map {
                    $0 + (report.hostFit != nil ? "; the host CPUs above were fitted with it" : "; used only with host CPUs above 0")
                } ?? notMeasured + " (0: an idle vCPU gives its host CPU up at once)")
        }
        section("kernel") {
            entry("personality", quoted(k.personality.rawValue), k.personality == .linux ? "this machine runs Linux" : notMeasured)
            let syscall = figure(FigureName.nullSyscall) == nil ? notMeasured : describe(FigureName.nullSyscall)
            entry("syscallEntry", quoted(duration(k.syscallEntry)), "half the \(syscall)")
            entry("syscallExit", quoted(duration(k.syscallExit)), "the other half of the null syscall")
            let sqeFitted = uringSubmitCost(figures, kernel: KernelConfig()) != nil
            let submitted = report.submissionFit
            let timed = "\(describe(FigureName.uringSubmitFour)) and \(describe(FigureName.uringSubmitOne))"
            // What a read's io_uring_enter holds beyond its request and the syscall (`fitSubmission`).
            let handOff = submitted.map {
                "the hand-off of \(duration(.nanoseconds(Int64($0.handOff.rounded())))): \(describe(FigureName.uringSubmitOne)) "
                    + "less the syscall, uringSubmitPerSQE and requestCreate"
            }
            entry(
                "requestCreate", quoted(duration(k.requestCreate)),
                given(.requestCreate).map { g in
                    submitted.map { "\(g); measured: \(duration(.nanoseconds(Int64($0.perRequest.rounded())))) per further request" } ?? g
                }
                    ?? submitted.map {
                        "\(duration(.nanoseconds(Int64($0.perRequest.rounded())))) per further request (a third of \(timed)'s "
                            + "difference) less uringSubmitPerSQE; floor 0"
                    }
                    ?? (sqeFitted
                        ? "model default \(duration(KernelConfig().requestCreate)) less what uringSubmitPerSQE gained over its default "
                            + "\(duration(KernelConfig().uringSubmitPerSQE)) (an O_DIRECT submission keeps its total); floor 0"
                        : notMeasured + " (inside the device's QD1 latency)"))
            entry(
                "driverSubmit", quoted(duration(k.driverSubmit)),
                given(.driverSubmit)
                    ?? handOff.map { given(.doorbell) == nil ? "\($0), the doorbell inside it; floor 0" : "\($0) less the given doorbell; floor 0" }
                    ?? notMeasured + " (inside the device's QD1 latency)")
            entry(
                "doorbell", quoted(duration(k.doorbell)),
                given(.doorbell)
                    ?? handOff.flatMap { given(.driverSubmit) == nil ? nil : "\($0) less the given driverSubmit; floor 0" }
                    ?? notMeasured + " (inside driverSubmit)")
            entry(
                "directIOPerPage", quoted(duration(k.directIOPerPage)),
                given(.directIOPerPage).map { g in
                    pageCosts.submit.map {
                        pageCosts.submitAtDepth
                            ? "\(g); measured: \(duration(.nanoseconds($0))), \(submitSource)"
                            : "\(g); the slope of system per IO against 4KiB pages per IO at QD1 is \(duration(.nanoseconds($0)))"
                    } ?? g
                }
                    ?? (pageCosts.submit == nil ? notMeasured : "\(submitSource); floor 0"))
            entry(
                "pageCacheCopy", quoted(rate(k.pageCacheCopyBytesPerSecond)),
                figure(FigureName.pageCacheCopy) == nil
                    ? notMeasured
                    : "\(describe(FigureName.pageCacheCopy)): 4KiB / (\(describe(FigureName.pageCachePread)) - null syscall)"
                        + (figure(FigureName.uringLoopUser) == nil
                            ? "" : ", the copy's time plus the kernel time the io_uring loop adds (see uringReapPerCQE)"))
            entry(
                "pageCacheMiss", quoted(duration(k.pageCacheMiss)),
                figure(FigureName.bufferedColdSystemPerIO) == nil
                    ? "model default, measured here by hand (Configuration.swift); not measured by this run"
                    : "\(describe(FigureName.bufferedColdSystemPerIO)) less the model's system time per IO for that run "
                        + "without it; floor 0")
            entry("pollCheck", quoted(duration(k.pollCheck)), notMeasured)
            entry("openFile", quoted(duration(k.openFile)), notMeasured)
            entry(
                "uringSubmitPerSQE", quoted(duration(k.uringSubmitPerSQE)),
                sqeFitted
                    ? "\(describe(FigureName.uringPageCacheRead)) - \(describe(FigureName.pageCachePread)) - "
                        + "uringCompletePerCQE - the default uringReapPerCQE; floor 0"
                    : notMeasured)
            entry(
                "uringCompletePerCQE", quoted(duration(k.uringCompletePerCQE)),
                figure(FigureName.uringNop).map {
                    "half of (\(FigureName.uringNop) \(spread($0)) - null syscall - 20ns): the NOP's SQE and its CQE "
                        + "taken as equal; floor 0"
                } ?? notMeasured)
            entry(
                "uringReapPerCQE", quoted(duration(k.uringReapPerCQE)),
                figure(FigureName.uringLoopOverCache) == nil || figure(FigureName.uringPageCacheRead) == nil
                    ? notMeasured
                    : figure(FigureName.uringLoopUser) == nil
                        ? "\(describe(FigureName.uringLoopOverCache)) - \(describe(FigureName.uringPageCacheRead)) + 20ns: "
                            + "the program's loop per IO, reap to next SQE; floor 0"
                        : figure(FigureName.uringLoopLatency) == nil
                            ? "\(describe(FigureName.uringLoopUser)): the program's loop per IO, reap to next SQE, of what the loop "
                                + "adds to the probe (\(describe(FigureName.uringLoopOverCache)) - \(describe(FigureName.uringPageCacheRead)) "
                                + "+ 20ns; the rest is kernel time, in pageCacheCopy); floor 0"
                            : "\(describe(FigureName.uringLoopOverCache)) - \(describe(FigureName.uringLoopLatency)): the loop's "
                                + "time per IO outside the latency, reap to next SQE, at most the program's work: "
                                + "\(describe(FigureName.uringLoopUser)), at most what the loop adds to the probe (the loop less "
                                + "\(describe(FigureName.uringPageCacheRead)), + 20ns; the rest is kernel time, in pageCacheCopy); floor 0")
            let split = figure(FigureName.uringLoopLatency) != nil && figure(FigureName.uringLoopUser) != nil
                && figure(FigureName.uringLoopOverCache) != nil && figure(FigureName.uringPageCacheRead) != nil
            entry(
                "uringPreparePerSQE", quoted(duration(k.uringPreparePerSQE)),
                split
                    ? "the rest of the program's work (\(describe(FigureName.uringLoopUser)), at most what the loop adds to "
                        + "the probe) after uringReapPerCQE: its work inside the latency, writing the SQE and reading the clock "
                        + "(the probe's own SQE writing, a few tens of ns not measured apart, is also in uringSubmitPerSQE)"
                    : notMeasured)
            entry(
                "uringWait", quoted(duration(k.uringWait)),
                report.uringWaitFit.map {
                    let exit = report.idleExitFit?.workload == FigureName.preadSystemPerIO
                        ? "idleExit fitted to \(describe(FigureName.preadSystemPerIO)), which sleeps as often"
                            + (report.idleExitFit?.alsoFittedTo != nil ? ", alone; then fitted to both QD1 figures" : "")
                        : "idleExit given"
                    return "\(describe(FigureName.systemPerIO(bytes: 4096))) less the model's other system time per IO at QD1 "
                        + "\(Units.formatDuration(nanoseconds: Int64($0.withoutIdleExit.rounded()))) (\(exit)), over its "
                        + "\(Validation.fixed($0.exitsPerIO, 2)) wake-ups from io_uring_enter's wait per IO; floor 0"
                }
                    ?? (figure(FigureName.preadSystemPerIO) == nil
                        ? notMeasured + " (no blocking pread run: idleExit holds what io_uring's QD1 run has beyond the model's)"
                        : "model default, not fitted (the device was not fitted by simulation)"))
        }
        section("device") {
            let latency4K = figure(FigureName.readLatency(bytes: 4096))
            let path = softwarePath(machine: m, kernel: k, interrupts: i)
            let transfer4K = d.bandwidthBytesPerSecond > 0
                ? Int64((4096 * 1e9 / Double(d.bandwidthBytesPerSecond)).rounded()) : 0
            entry(
                "latency", distribution(d.readLatency),
                latency4K == nil
                    ? notMeasured
                    : "\(describe(FigureName.readLatency(bytes: 4096))) minus the model's io_uring QD1 software path "
                        + "\(Units.formatDuration(nanoseconds: path.nanoseconds)) and the 4KiB transfer "
                        + "\(Units.formatDuration(nanoseconds: transfer4K)); floor 1us; sigma not fitted"
                        + latencyCheck(report.latencyFit))
            if let w = d.writeLatency { entry("writeLatency", distribution(w), notMeasured) }
            // The fits ran without the stalls, on IOPS without what they cost (`stallLoss`).
            let stallFree = report.stallLosses.isEmpty
                ? ""
                : "; the IOPS taken without the stalls (below): the measured over one less what they cost the model's run, by simulation on the device a first search found ("
                    + report.stallLosses.map { "\($0.workload) \(Validation.fixed($0.loss * 100, 1))%" }.joined(separator: ", ") + ")"
            let bandwidthSize = Calibration.bandwidthSize(figures)
            // The other size's slope, as a check (with the fitted per-page costs).
            let other = bandwidthSize == 65_536
                ? Calibration.bandwidth(figures, through: 1 << 20, kernel: k, interrupts: i).map {
                    "; through \(describe(FigureName.readLatency(bytes: 1 << 20))) it is \(rate($0)), not used"
                } ?? "" : ""
            let sloped = latency4K != nil && bandwidthSize != nil
                && Calibration.bandwidth(figures, kernel: k, interrupts: i) != nil
            let slope = !sloped
                ? nil
                : "slope between \(describe(FigureName.readLatency(bytes: 4096))) and "
                    + "\(describe(FigureName.readLatency(bytes: bandwidthSize!))), less the further pages' directIOPerPage and "
                    + "deferredPerPage"
            if let b = report.bandwidthFit {
                entry(
                    "bandwidth", quoted(rate(d.bandwidthBytesPerSecond)),
                    "by simulation: the model's \(Units.formatSize(bytes: Int64(FigureName.bandwidthFitBytes))) random reads at "
                        + "QD\(FigureName.pageCostDepth) make \(Int(b.modelled.rounded())) IOPS against "
                        + "\(describe(FigureName.iopsForBandwidth)); the latency mean takes the 4KiB transfer's change, "
                        + "and the device's search ran again on the rate. "
                        + "At \(rate(b.before)) (\(slope ?? "the default")), before that search, the model made "
                        + "\(Int(b.modelledBefore.rounded())) IOPS"
                        + other + stallFree)
            } else {
                entry("bandwidth", quoted(rate(d.bandwidthBytesPerSecond)), slope.map { $0 + other } ?? notMeasured)
            }
            entry("queueDepth", "\(d.queueDepth)", "nr_requests of this machine class (baseline.md); not measured")
            let saturated = FigureName.depths.compactMap { figure(FigureName.iops(depth: $0)) }.max { $0.median < $1.median }
            if let p = report.parallelismFit {
                let rows = p.rows.map { "QD\($0.depth) \(Int($0.modelled.rounded())) vs \(Int($0.measured.rounded()))" }
                    + (p.pool.map { ["4 blocking threads \(Int($0.modelled.rounded())) vs \(Int($0.measured.rounded()))"] } ?? [])
                let why = "with passDispatch, the model's closest IOPS and interrupts per IO over the depths and the 4 blocking threads (IOPS simulated: "
                    + rows.joined(separator: ", ") + "; worst over the depths \(Validation.fixed(p.worstError * 100, 1))%)" + stallFree
                    + (report.fioLoopCheck.map {
                        "; a check, not fitted: \(describe(FigureName.iopsSubmitEach)) against the model's "
                            + "\(Int($0.modelled.rounded()))"
                    } ?? "")
                entry("channels", "\(d.channels)", why)
                entry("passDispatch", quoted(duration(d.passDispatch)), "fitted with channels; the latency mean gives it up")
                entry(
                    "passWakeup", quoted(duration(d.passWakeup)),
                    (given(.passWakeup) ?? "fitted with channels") + "; the latency mean gives it up")
            } else {
                entry(
                    "channels", "\(d.channels)",
                    saturated == nil || latency4K == nil
                        ? notMeasured
                        : "\(describe(saturated!.name)) x the 4KiB service time "
                            + "\(Units.formatDuration(nanoseconds: Int64((d.readLatency.mean).rounded()) + transfer4K)), "
                            + "rounded, 1...64")
                entry("passDispatch", quoted(duration(d.passDispatch)), notMeasured)
                entry(
                    "passWakeup", quoted(duration(d.passWakeup)),
                    given(.passWakeup) ?? notMeasured)
            }
            entry("pollQueues", "\(d.pollQueues)", notMeasured)
            let irq16 = FigureName.interrupts(depth: 16)
            let batching = figure(irq16) == nil
                ? notMeasured + " (the disk's interrupt lines were not found)"
                : "\(describe(irq16)) \(d.completionBatching != .none ? "<" : ">=") 0.6: "
                    + (d.completionBatching != .none
                        ? "completions signalled per pass as virtio's VMM does" : "one interrupt per completion")
                    + passKindChoice(report.parallelismFit)
            entry("completionBatching", quoted(d.completionBatching.rawValue), batching)
            if d.stallInterval > .zero {
                let gap = FigureName.deviceStallGap
                let rate = FigureName.deviceStalls
                entry(
                    "stallInterval", quoted(duration(d.stallInterval)),
                    report.stallIntervalFit.map { f in
                        "by simulation: \(describe(rate)), and \(Validation.fixed(f.madeAStall * 100, 0))% of the instants of the stalls' process made "
                            + "one in the model's QD\(FigureName.stallDepth) runs (not while its device held fewer than stallMinimumRequests or was "
                            + "stalled), so the interval is that share over the rate; the last run, at \(duration(f.lastRunInterval)), made \(Validation.fixed(f.modelRate, 1)) stalls a second. "
                            + "The time between them less one stall, \(duration(f.unscaled)), made \(Validation.fixed(f.unscaledRate, 1))"
                    } ?? "\(describe(rate)): the time between them less one stall")
                entry(
                    "stallDuration", quoted(duration(d.stallDuration)),
                    "\(describe(gap)), less \(Calibration.stallGapReaps) times the time between reaps (one over QD\(FigureName.stallDepth)'s "
                        + "IOPS times its interrupts per IO), as in the model's own gaps")
                entry(
                    "stallMinimumRequests", "\(d.stallMinimumRequests)",
                    notMeasured + " (a trace here: 0.5 gaps of 1.5 ms or more a second at queue depth 1, 12-17 from depth 4 on)")
                if let f = report.stallShapeFit {
                    let tried = f.tried.map { "\(Validation.fixed($0.modelCV, 2)) with \($0.shape)" }.joined(separator: ", ")
                    entry(
                        "stallIntervalShape", "\(d.stallIntervalShape)",
                        "by simulation: \(describe(FigureName.deviceStallIntervalCV)); the times between the model's stalls in its "
                            + "QD\(FigureName.stallDepth) runs, each shape with the interval fitted to it, had a coefficient of variation of "
                            + "\(tried); the nearest wins, a further stage only for \(Validation.fixed(Calibration.stallShapeGain, 2)) nearer (an instant "
                            + "that finds the device stalled or holding too few makes no stall, so the stalls come less regularly than the "
                            + "instants, whose coefficient is one over the square root of the shape)")
                }
            } else if Calibration.fitStalls(figures) != nil {
                entry(
                    "stallInterval", quoted("0"),
                    "\(describe(FigureName.deviceStalls)); not set: the device was not fitted by simulation, so its IOPS hold the stalls' cost")
            }
            entry("capacity", quoted(Units.formatSize(bytes: d.capacityBytes)), notMeasured)
            switch d.transfer {
            case .dma:
                entry("transfer", quoted("dma"), notMeasured)
            case .pio(let r):
                entry("transfer", quoted("pio"), notMeasured)
                entry("pioRate", quoted(rate(r)), notMeasured)
            }
            if let h = d.hdd {
                entry(
                    "hdd",
                    "{ rpm: \(h.rpm), trackToTrackSeek: \(quoted(duration(h.trackToTrackSeek))), "
                        + "fullStrokeSeek: \(quoted(duration(h.fullStrokeSeek))) }", notMeasured)
            }
        }
        section("interrupts") {
            entry("delivery", quoted(duration(i.deliveryLatency)), notMeasured)
            let costs = interruptCosts(figures)
            let line = "the line through irq+softirq per IO against interrupts per IO over the queue depths"
            let woken = figure(FigureName.poolIrqSoftirq) != nil && i.deferredWake > .zero
            let simulated = report.interruptFit.map { f in
                "least-squares fit of isr x interrupts + deferred + deferredWake x wake-ups + deferredWakeRemote x wake-up IPIs "
                    + "per IO, the model's own counts of each workload, to the measured irq+softirq per IO ("
                    + f.rows.map { "\($0.name) \(duration(.nanoseconds(Int64($0.measured.rounded())))) vs "
                        + "\(duration(.nanoseconds(Int64($0.modelled.rounded())))) at \(Validation.fixed($0.interruptsPerIO, 3)) "
                        + "interrupts, \(Validation.fixed($0.wakesPerIO, 3)) wake-ups and \(Validation.fixed($0.wakeIPIsPerIO, 3)) IPIs" }
                        .joined(separator: "; ") + ")"
            }
            entry(
                "isr", quoted(duration(i.isr)),
                simulated ?? (costs?.isr == nil ? notMeasured : "slope of " + line + (woken ? ", less deferredWake" : "")))
            entry(
                "deferred", quoted(duration(i.deferredPerRequest)),
                simulated != nil ? "fitted with isr (above); floor 0.5us" : costs == nil
                    ? notMeasured + " (IRQ time not accounted here)"
                    : costs?.isr == nil ? "\(describe(FigureName.irqSoftirq(depth: 1))) minus the isr; floor 0.5us"
                    : "intercept of " + line)
            entry(
                "deferredWake", quoted(duration(i.deferredWake)),
                simulated != nil ? "fitted with isr (above); floor 0" : figure(FigureName.poolIrqSoftirq) == nil
                    ? notMeasured + " (inside the isr)"
                    : "(\(describe(FigureName.poolIrqSoftirq)) - the line's slope x \(describe(FigureName.poolInterrupts)) "
                        + "- deferred) / (1 - those interrupts per IO): a wake-up per request against one per interrupt; floor 0")
            entry(
                "deferredWakeRemote", quoted(duration(i.deferredWakeRemote)),
                simulated != nil ? "fitted with isr (above); floor 0" : notMeasured)
            entry(
                "busyStall", quoted(duration(i.busyStall)),
                given(.busyStall) ?? notMeasured + " (a kernel trace tells it: .bench/trace-costs.sh)")
            entry(
                "idleDelivery", quoted(duration(i.idleDelivery)),
                given(.idleDelivery)
                    ?? fitIdleDelivery(figures).map {
                        "not applied (README, the fourteenth day; apply it with --given interrupts.idleDelivery="
                            + "\(duration($0))): measured \(duration($0)), the time per read of "
                            + "\(describe(FigureName.iopsSQPOLLBesideInterruptCPU)) less that of "
                            + "\(describe(FigureName.iopsSQPOLLOnInterruptCPU)); floor 0"
                    } ?? notMeasured)
            entry(
                "deferredPerPage", quoted(duration(i.deferredPerPage)),
                pageCosts.complete == nil
                    ? notMeasured
                    : "slope of irq+softirq per IO against 4KiB pages per IO beyond the first (\(bySize(FigureName.irqSoftirqPerIO))); floor 0")
            let target: String
            switch i.target {
            case .fixed(let cpu): target = "cpu\(cpu)"
            case .roundRobin: target = "roundRobin"
            case .submittingCPU: target = "submittingCPU"
            }
            entry(
                "target", quoted(target),
                measuredInterruptCPU(figures).map { InterruptTarget.fixed(cpu: $0) } == i.target
                    ? "\(describe(FigureName.interruptCPU)), \(describe(FigureName.interruptCPUShare)) (/proc/interrupts)"
                    : notMeasured + " (no CPU of the machine took 90% of the disk's interrupts in every run)")
            entry("coalesceCount", "\(i.coalesceCount)", notMeasured)
            entry("coalesceTime", quoted(duration(i.coalesceTime)), notMeasured)
            let irq16 = FigureName.interrupts(depth: 16)
            entry(
                "suppressWhileServicing", "\(i.suppressWhileServicing)",
                figure(irq16) == nil ? notMeasured : "as device.completionBatching, from \(describe(irq16))")
        }
        out += "}\n"
        return out
    }

    /// Why the fit chose its kind of pass, for the profile's comment: "" without passes or a fit.
    static func passKindChoice(_ fit: ParallelismFit?) -> String {
        guard let fit, fit.completionBatching.hasPasses, let other = fit.otherScore else { return "" }
        let otherKind: CompletionBatching = fit.completionBatching == .pass ? .asyncPass : .pass
        let otherText = other.isFinite ? Validation.fixed(other, 2) : "no result"
        let poolTerms = (fit.pool == nil ? [] : ["IOPS"]) + (fit.poolInterruptsScored ? ["interrupts per IO"] : [])
        let pool = poolTerms.isEmpty ? "" : ", and the 4 blocking threads' " + poolTerms.joined(separator: " and ")
        return "; \(fit.completionBatching.rawValue) fitted the depths' IOPS and interrupts per IO\(pool), closer than "
            + "\(otherKind.rawValue) (sum of squared errors in tolerances \(Validation.fixed(fit.score, 2)) against \(otherText))"
    }

    /// The figures as an aligned table.
    static func table(_ figures: [CalibrationFigure]) -> String {
        let nameWidth = max(6, (figures.map(\.name.count).max() ?? 0)) + 2
        var out = pad("figure", nameWidth, left: true) + pad("median", 12) + pad("min", 12) + pad("max", 12) + "  "
            + pad("unit", 8, left: true) + pad("repeats", 7) + "\n"
        for f in figures {
            let decimals = decimalsFor(f.median)
            out += pad(f.name, nameWidth, left: true) + pad(Validation.fixed(f.median, decimals), 12)
                + pad(Validation.fixed(f.minimum, decimals), 12) + pad(Validation.fixed(f.maximum, decimals), 12) + "  "
                + pad(f.unit, 8, left: true) + pad("\(f.repeats)", 7) + "\n"
        }
        return out
    }

    /// "4.28us (3.72us - 4.5us, 5 repeats)", or "0.21 (0.18 - 0.25, 5 repeats)".
    static func spread(_ f: CalibrationFigure) -> String {
        let repeats = "\(f.repeats) repeat\(f.repeats == 1 ? "" : "s")"
        if f.unit == "ns" {
            func d(_ v: Double) -> String { Units.formatDuration(nanoseconds: Int64(v.rounded())) }
            return "\(d(f.median)) (\(d(f.minimum)) - \(d(f.maximum)), \(repeats))"
        }
        let decimals = decimalsFor(f.median)
        let unit = f.unit == "per IO" ? " per IO" : (f.unit.isEmpty ? "" : " " + f.unit)
        return "\(Validation.fixed(f.median, decimals))\(unit) (\(Validation.fixed(f.minimum, decimals)) - \(Validation.fixed(f.maximum, decimals)), \(repeats))"
    }

    /// Decimals for `v`: 0 from 1,000, 1 from 10, 2 from 1, else 3; taken on `v` as it prints, so a value that
    /// rounds up across a step (9.996 prints "10.0", not "10.00") reads back with the same decimals.
    static func decimalsFor(_ v: Double) -> Int {
        func decimals(_ a: Double) -> Int { a >= 1_000 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3 }
        let d = decimals(abs(v))
        let scale = pow(10, Double(d))
        return decimals((abs(v) * scale).rounded() / scale)
    }

    static func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
        if s.count >= width { return left ? s : " " + s }
        let fill = String(repeating: " ", count: width - s.count)
        return left ? s + fill : fill + s
    }

    static func quoted(_ s: String) -> String { "\"" + s + "\"" }

    /// A duration the scenario reader reads back to exactly `d`: the largest unit in which it is written with
    /// at most 9 decimals, trailing zeros trimmed ("37.213us", "150ns", "3ms", "0").
    static func duration(_ d: SimDuration) -> String {
        let ns = d.nanoseconds
        if ns <= 0 { return "0" }
        let units: [(Int64, String)] = [(1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "us")]
        for (size, name) in units where ns >= size {
            return exactDecimal(ns, per: size) + name
        }
        return "\(ns)ns"
    }

    /// A rate the reader reads back to exactly `bytesPerSecond` ("4.79GB/s", "250MB/s", "512B/s").
    static func rate(_ bytesPerSecond: Int64) -> String {
        let units: [(Int64, String)] = [(1_000_000_000, "GB/s"), (1_000_000, "MB/s"), (1_000, "KB/s")]
        for (size, name) in units where bytesPerSecond >= size {
            return exactDecimal(bytesPerSecond, per: size) + name
        }
        return "\(max(0, bytesPerSecond))B/s"
    }

    /// `value / per` as an exact decimal (per is a power of ten).
    static func exactDecimal(_ value: Int64, per: Int64) -> String {
        let whole = value / per
        var remainder = value % per
        if remainder == 0 { return "\(whole)" }
        var digits = String(remainder)
        var width = 0
        var p = per
        while p > 1 {
            p /= 10
            width += 1
        }
        while digits.count < width { digits = "0" + digits }
        while digits.hasSuffix("0") {
            digits.removeLast()
            remainder /= 10
        }
        return "\(whole).\(digits)"
    }

    /// A distribution in the scenario format's spelling.
    static func distribution(_ d: Distribution) -> String {
        switch d {
        case .constant(let v):
            return quoted(duration(.nanoseconds(v)))
        case .exponential(let mean):
            return "{ exponential: \(quoted(duration(.nanoseconds(mean)))) }"
        case .uniform(let lo, let hi):
            return "{ uniform: [\(quoted(duration(.nanoseconds(lo)))), \(quoted(duration(.nanoseconds(hi))))] }"
        case .normal(let mean, let sd):
            return "{ normal: { mean: \(quoted(duration(.nanoseconds(mean)))), sd: \(quoted(duration(.nanoseconds(sd)))) } }"
        case .logNormal(let mean, let sigma):
            return "{ lognormal: { mean: \(quoted(duration(.nanoseconds(mean)))), sigma: \(sigma) } }"
        case .empirical(let points):
            let items = points.map { "\(quoted("\($0.percentile)")): \(quoted(duration(.nanoseconds($0.value))))" }
            return "{ percentiles: { " + items.joined(separator: ", ") + " } }"
        }
    }
}

// MARK: - How much to measure

/// Loop counts and run lengths for one calibration.
struct Effort {
    var repeats: Int
    var fileBytes: Int64
    var syscallCalls: Int
    var pipeRoundTrips: Int
    /// Wake-ups per idle time, each way, per repeat (`Probes.wakeupsAfterIdle`).
    var idleWakeups: Int
    var nops: Int
    var preads: Int
    /// Timed submissions of each size per repeat and CPU (`Probes.uringSubmits`).
    var submitSamples: Int
    var pageCacheBytes: Int64
    var memcpyBytes: Int
    var deviceRun: SimDuration
    /// The 4 KiB run at `FigureName.stallDepth`, which counts the device's stalls: as long as the suite's run at
    /// that depth (300,000 reads, some 4.6 s here). One-second runs counted a third fewer stalls a second than
    /// five-second ones (six rounds of each, README), and traced five-second runs saw their first stall 74-151 ms
    /// after the start, so a short run's rate runs low for the suite.
    var stallRun: SimDuration
    var deviceWarmUp: SimDuration
    var interruptTime: InterruptTimeSource

    /// How long a device run of `Probes.deviceConfigurations` lasts: `stallRun` for the one that counts the
    /// stalls, `deviceRun` for the others.
    func runLength(blockBytes: Int, depth: Int) -> SimDuration {
        blockBytes == 4096 && depth == FigureName.stallDepth ? stallRun : deviceRun
    }

    init(_ o: CalibrationOptions) throws(RealError) {
        interruptTime = o.interruptTime
        guard o.repeats >= 1 && o.repeats <= 1_000 else {
            throw RealError(
                .invalidJob, description: "invalid calibration: repeats \(o.repeats) must be in 1...1000",
                hint: "Give a repeat count such as 5.")
        }
        guard o.fileBytes >= 4 << 20 else {
            throw RealError(
                .invalidJob, description: "invalid calibration: the test file of \(o.fileBytes) bytes is under 4 MiB",
                hint: "The device runs read 1 MiB blocks at random offsets: give at least 4 MiB (default 256 MiB).")
        }
        // Whole MiB, so every block size divides the file.
        let bytes = (o.quick ? min(o.fileBytes, 32 << 20) : o.fileBytes) & ~Int64((1 << 20) - 1)
        fileBytes = bytes
        // The whole file: the page-cache probes then read the region the io_uring loop over cached pages reads
        // (and the suite's buffered-warm scenario, 256 MiB), so what the loop adds is its own work, not misses.
        pageCacheBytes = bytes
        if o.quick {
            repeats = min(o.repeats, 3)
            syscallCalls = 20_000
            pipeRoundTrips = 1_000
            idleWakeups = 20
            nops = 5_000
            preads = 5_000
            submitSamples = 100
            memcpyBytes = 16 << 20
            deviceRun = .milliseconds(60)
            stallRun = .milliseconds(60)
            deviceWarmUp = .milliseconds(30)
        } else {
            repeats = o.repeats
            syscallCalls = 500_000
            pipeRoundTrips = 20_000
            idleWakeups = 200
            nops = 100_000
            preads = 100_000
            submitSamples = 1_000
            memcpyBytes = 256 << 20
            deviceRun = .seconds(1)
            stallRun = .seconds(5)
            deviceWarmUp = .milliseconds(300)
        }
    }
}

// MARK: - Probes

enum Probes {
    /// ns per getppid(2), one sample per repeat, after one unmeasured batch.
    static func nullSyscall(_ e: Effort) -> [Double] {
        func batch() -> Int64 {
            let t0 = now()
            for _ in 0..<e.syscallCalls { _ = getppid() }
            return now() - t0
        }
        _ = batch()
        return (0..<e.repeats).map { _ in Double(batch()) / Double(e.syscallCalls) }
    }

    /// ns per one-way hop of a 1-byte pipe ping-pong between a thread on `cpuA` and one on `cpuB`.
    static func pipeHops(cpuA: Int, cpuB: Int, _ e: Effort) throws(RealError) -> [Double] {
        var ping: [CInt] = [-1, -1], pong: [CInt] = [-1, -1]
        if pipe(&ping) != 0 { throw RealError(.systemCallFailed, errno: .current,
            description: "pipe failed with \(Errno.current)",
            hint: "Too many open files? Raise ulimit -n.") }
        if pipe(&pong) != 0 {
            let err = Errno.current
            close(ping[0])
            close(ping[1])
            throw RealError(.systemCallFailed, errno: err, description: "pipe failed with \(err)",
                hint: "Too many open files? Raise ulimit -n.")
        }
        let (pingRead, pingWrite, pongRead, pongWrite) = (ping[0], ping[1], pong[0], pong[1])
        let writerOpen = Box(true)
        func closeWriter() {
            if writerOpen.value { close(pingWrite) }
            writerOpen.value = false
        }
        defer {
            closeWriter()
            close(pingRead)
            close(pongRead)
            close(pongWrite)
        }
        let peerFailure = Box<String?>(nil)
        let peer = try PThread(name: "iosim-cal-peer") {
            if let e = Affinity.pin(to: cpuB) { peerFailure.value = "pinning to CPU \(cpuB): \(e)" }
            var c: UInt8 = 0
            while true {
                if !readByte(pingRead, &c) { return }  // EOF: the measuring side is done
                if !writeByte(pongWrite, c) {
                    peerFailure.value = "pipe write: \(Errno.current)"
                    return
                }
            }
        }
        let result = Box<Result<[Double], ProbeFailure>>(.failure(ProbeFailure(message: "not run")))
        let measurer: PThread
        do {
            measurer = try PThread(name: "iosim-cal-ping") {
                if let e = Affinity.pin(to: cpuA) {
                    result.value = .failure(ProbeFailure(message: "pinning to CPU \(cpuA): \(e)"))
                    return
                }
                var c: UInt8 = 0x78
                func roundTrips(_ n: Int) -> Bool {
                    for _ in 0..<n {
                        if !writeByte(pingWrite, c) || !readByte(pongRead, &c) { return false }
                    }
                    return true
                }
                guard roundTrips(max(100, e.pipeRoundTrips / 10)) else {
                    result.value = .failure(ProbeFailure(message: "pipe ping-pong: \(Errno.current)"))
                    return
                }
                var samples: [Double] = []
                for _ in 0..<e.repeats {
                    let t0 = now()
                    guard roundTrips(e.pipeRoundTrips) else {
                        result.value = .failure(ProbeFailure(message: "pipe ping-pong: \(Errno.current)"))
                        return
                    }
                    samples.append(Double(now() - t0) / Double(e.pipeRoundTrips) / 2)
                }
                result.value = .success(samples)
            }
        } catch {
            closeWriter()
            peer.join()
            throw error
        }
        measurer.join()
        closeWriter()  // the peer reads EOF and ends
        peer.join()
        return try outcome(result.value, peerFailure: peerFailure.value, probe: "context-switch probe (CPU \(cpuA) and \(cpuB))")
    }

    /// A two-thread probe's samples, or its failure as an error: the peer's (which it records first), else the
    /// measuring side's; `probe` names the probe and its CPUs.
    private static func outcome<T>(_ result: Result<T, ProbeFailure>, peerFailure: String?, probe: String)
        throws(RealError) -> T
    {
        if let failure = peerFailure {
            throw RealError(.systemCallFailed, description: "\(probe): \(failure)", hint: hintAffinity)
        }
        switch result {
        case .success(let samples): return samples
        case .failure(let f): throw RealError(.systemCallFailed, description: "\(probe): \(f.message)", hint: hintAffinity)
        }
    }

    struct ProbeFailure: Error {
        var message: String
    }

    /// Reads one byte, retrying EINTR; false on EOF or error.
    private static func readByte(_ fd: CInt, _ byte: inout UInt8) -> Bool {
        while true {
            let n = read(fd, &byte, 1)
            if n == 1 { return true }
            if n < 0 && errno == EINTR { continue }
            return false
        }
    }

    /// Writes one byte, retrying EINTR; false on error.
    private static func writeByte(_ fd: CInt, _ byte: UInt8) -> Bool {
        var b = byte
        while true {
            let n = write(fd, &b, 1)
            if n == 1 { return true }
            if n < 0 && errno == EINTR { continue }
            return false
        }
    }

    /// ns from a 1-byte pipe write by a thread spinning on one CPU to the reader, blocked on the other CPU, running
    /// again, after the reader's CPU has been idle for each of `idles` (ns: the spin from the reader's last step
    /// before its read, which blocks about 1 us later, to the write). Each repeat goes both ways (`cpuA` waking
    /// `cpuB`, then `cpuB` waking `cpuA`), `e.idleWakeups` times each; one sample per repeat and idle: the median
    /// of that repeat's wake-ups both ways.
    /// - Returns: the samples by idle, in the order of `idles`.
    static func wakeupsAfterIdle(cpuA: Int, cpuB: Int, idles: [Int64], _ e: Effort) throws(RealError) -> [[Double]] {
        var byRepeat: [[Double]] = []
        for _ in 0..<e.repeats {
            let forth = try oneWayWakeups(waker: cpuA, sleeper: cpuB, idles: idles, e)
            let back = try oneWayWakeups(waker: cpuB, sleeper: cpuA, idles: idles, e)
            byRepeat.append(
                idles.indices.map { i in (forth[i] + back[i]).map(Double.init).sorted().sortedMedian })
        }
        return idles.indices.map { i in byRepeat.map { $0[i] } }
    }

    /// The wake-ups of `wakeupsAfterIdle` one way, one repeat: by idle, the ns of each.
    private static func oneWayWakeups(waker: Int, sleeper: Int, idles: [Int64], _ e: Effort) throws(RealError)
        -> [[Int64]]
    {
        var fds: [CInt] = [-1, -1]
        if pipe(&fds) != 0 {
            throw RealError(.systemCallFailed, errno: .current, description: "pipe failed with \(Errno.current)",
                hint: "Too many open files? Raise ulimit -n.")
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        let writerOpen = Box(true)
        func closeWriter() {
            if writerOpen.value { close(writeEnd) }
            writerOpen.value = false
        }
        defer {
            closeWriter()
            close(readEnd)
        }
        let state = WakeProbeState()
        let sleeperFailure = Box<String?>(nil)
        let reader = try PThread(name: "iosim-cal-sleep") {
            if let e = Affinity.pin(to: sleeper) { sleeperFailure.value = "pinning to CPU \(sleeper): \(e)" }
            var c: UInt8 = 0
            while true {
                state.ready.store(true, ordering: .releasing)
                if !readByte(readEnd, &c) { return }  // EOF: the waking side is done
                state.runAt.store(now(), ordering: .releasing)
            }
        }
        let result = Box<Result<[[Int64]], ProbeFailure>>(.failure(ProbeFailure(message: "not run")))
        let wakerThread: PThread
        do {
            wakerThread = try PThread(name: "iosim-cal-wake") {
                if let e = Affinity.pin(to: waker) {
                    result.value = .failure(ProbeFailure(message: "pinning to CPU \(waker): \(e)"))
                    return
                }
                /// Spins until `done` or a second has passed; false on the timeout.
                func spin(until done: () -> Bool) -> Bool {
                    let start = now()
                    while !done() { if now() - start > 1_000_000_000 { return false } }
                    return true
                }
                func wakeup(after idle: Int64) -> Result<Int64, ProbeFailure> {
                    guard spin(until: { state.ready.load(ordering: .acquiring) }) else {
                        return .failure(ProbeFailure(message: "the reader did not come back to its read within a second"))
                    }
                    state.ready.store(false, ordering: .relaxed)
                    state.runAt.store(0, ordering: .relaxed)
                    let start = now()
                    while now() - start < idle {}
                    let wrote = now()
                    guard writeByte(writeEnd, 0x78) else {
                        return .failure(ProbeFailure(message: "pipe write: \(Errno.current)"))
                    }
                    var ran: Int64 = 0
                    guard spin(until: { ran = state.runAt.load(ordering: .acquiring); return ran != 0 }) else {
                        return .failure(ProbeFailure(message: "the reader was not woken within a second"))
                    }
                    return .success(ran - wrote)
                }
                for _ in 0..<max(10, e.idleWakeups / 10) {  // warm-up, not kept
                    if case .failure(let f) = wakeup(after: 5_000) {
                        result.value = .failure(f)
                        return
                    }
                }
                // The idle times take turns, so a slow spell of the host falls on all of them alike.
                var byIdle = [[Int64]](repeating: [], count: idles.count)
                for _ in 0..<e.idleWakeups {
                    for (i, idle) in idles.enumerated() {
                        switch wakeup(after: idle) {
                        case .success(let ns): byIdle[i].append(ns)
                        case .failure(let f):
                            result.value = .failure(f)
                            return
                        }
                    }
                }
                result.value = .success(byIdle)
            }
        } catch {
            closeWriter()
            reader.join()
            throw error
        }
        wakerThread.join()
        closeWriter()  // the reader reads EOF and ends
        reader.join()
        return try outcome(
            result.value, peerFailure: sleeperFailure.value, probe: "wake-up probe (CPU \(waker) waking CPU \(sleeper))")
    }

    static let hintAffinity =
        "The probe pins two threads with sched_setaffinity to CPUs this process may use; check the process's "
        + "affinity (taskset -p PID) and its cgroup cpuset."

    /// ns per NOP round trip (prepare, io_uring_enter submitting 1 and waiting for 1, reap) on a default ring.
    static func uringNop(_ e: Effort) throws(RealError) -> [Double] {
        let ring: URing
        do {
            ring = try URing(entries: 8)
        } catch {
            throw uringUnavailable(error)
        }
        var userData: UInt64 = 0
        func batch(_ n: Int) throws(RealError) -> Int64 {
            let t0 = now()
            for _ in 0..<n {
                userData &+= 1
                ring.prepareNop(userData: userData)
                do {
                    try ring.submit(waitFor: 1)
                } catch {
                    throw enterFailed("NOP", error)
                }
                guard ring.popCompletion() != nil else {
                    throw RealError(.systemCallFailed,
                        description: "io_uring_enter returned without the NOP's completion",
                        hint: "Unexpected; check the kernel log (dmesg).")
                }
            }
            return now() - t0
        }
        _ = try batch(max(100, e.nops / 10))
        var samples: [Double] = []
        for _ in 0..<e.repeats { samples.append(Double(try batch(e.nops)) / Double(e.nops)) }
        return samples
    }

    /// The medians of `uringSubmits`, one per repeat, ns.
    struct SubmitSamples {
        var one: [Double] = []
        var four: [Double] = []
        /// By CPU: the single read's whole round trip, the thread pinned there.
        var roundTrip: [Int: [Double]] = [:]
        /// By CPU: the share of single reads submitted there, the thread then free to run on any of the probe's
        /// CPUs, after which it ran on another CPU (where the completion's wake-up put it).
        var wokenElsewhere: [Int: [Double]] = [:]

        /// Another repeat's samples after these.
        mutating func append(_ other: SubmitSamples) {
            one += other.one
            four += other.four
            for (cpu, trips) in other.roundTrip { roundTrip[cpu, default: []] += trips }
            for (cpu, shares) in other.wokenElsewhere { wokenElsewhere[cpu, default: []] += shares }
        }
    }

    /// The submission alone of O_DIRECT 4 KiB reads at random offsets of `path` through io_uring (fio's setup
    /// flags), the device idle: the wall time of `io_uring_enter` submitting one read, and submitting four in one
    /// call, each median over `submitSamples` calls per repeat and CPU. The call builds each request, hands the
    /// batch to the driver and rings the doorbell once (a virtio kick, a VM exit here), and returns; the reads
    /// are then waited for in a second call (for `kernel.requestCreate` and `kernel.doorbell`). Also the single
    /// read's round trip, from before its submission to its completion reaped, by the CPU the thread was pinned
    /// to: on the CPU that takes the disk's interrupts the completion wakes it there, elsewhere across CPUs (for
    /// `machine.localWakeup`). The sizes take turns, and the thread goes round `cpus` `submitRounds` times a
    /// repeat, so a slow spell of the shared host falls on all of them alike; the submission figures pool the
    /// CPUs. One repeat, `r`, a call: calibrate runs one at the start of each of the device runs' repeats
    /// (`Probes.device`'s `eachRepeat`); repeat 0 warms the ring up unrecorded first.
    static func uringSubmits(path: String, cpus: [Int], repeat r: Int, _ e: Effort) throws(RealError) -> SubmitSamples {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, .readOnly, options: [.direct, .noFollow])
        } catch {
            throw RealError.directIORefused(path: path, error)
        }
        defer { try? fd.close() }
        let pages = UInt64(max(1, e.fileBytes / 4096))
        let descriptor = fd.rawValue
        // The repeat's one thread, whose ring is its own (SINGLE_ISSUER), moves between the CPUs every
        // `submitSamples / submitRounds` submissions: the host's state drifts within a repeat too.
        let perRound = max(1, e.submitSamples / submitRounds)
        let outcome = Box<Result<SubmitSamples, RealError>>(.failure(RealError(.systemCallFailed, description: "not run", hint: "")))
        let thread = try PThread(name: "iosim-cal-submit") {
            outcome.value = Result { () throws(RealError) in
                var probe = try SubmissionProbe(
                    fd: FileDescriptor(rawValue: descriptor), path: path, pages: pages, seed: UInt64(r))
                if r == 0 {
                    _ = try probe.submission(1)
                    _ = try probe.submission(4)
                }
                var samples = SubmitSamples()
                for _ in 0..<submitRounds {
                    for cpu in cpus {
                        if let e = Affinity.pin(to: cpu) {
                            throw RealError(.systemCallFailed, description: "submission probe: pinning to CPU \(cpu): \(e)",
                                hint: hintAffinity)
                        }
                        for _ in 0..<perRound {
                            let single = try probe.submission(1)
                            samples.one.append(Double(single.submit))
                            samples.roundTrip[cpu, default: []].append(Double(single.trip))
                            samples.four.append(Double(try probe.submission(4).submit))
                        }
                    }
                }
                // Where the completion's wake-up puts the thread (for `machine.wakePacking`): submitted on each CPU
                // in turn, then free to run on all of them while it sleeps. Linux's wake_affine_idle sends it back
                // to the CPU it slept on when that one is idle; a kernel packing wake-ups onto awake vCPUs sends it
                // to the CPU the interrupt came to.
                if cpus.count >= 2, Affinity.getCPU != nil {
                    for cpu in cpus {
                        var elsewhere = 0
                        for _ in 0..<placementSamples {
                            if let e = Affinity.pin(to: cpu) ?? Affinity.pin(to: cpus) {
                                throw RealError(.systemCallFailed, description: "placement probe: pinning to CPU \(cpu): \(e)",
                                    hint: hintAffinity)
                            }
                            _ = try probe.submission(1)
                            if Affinity.currentCPU() != cpu { elsewhere += 1 }
                        }
                        samples.wokenElsewhere[cpu, default: []].append(Double(elsewhere) / Double(placementSamples))
                    }
                }
                return samples
            }
        }
        thread.join()
        let samples = try outcome.value.get()
        var medians = SubmitSamples(one: [samples.one.sorted().sortedMedian], four: [samples.four.sorted().sortedMedian])
        for (cpu, trips) in samples.roundTrip { medians.roundTrip[cpu] = [trips.sorted().sortedMedian] }
        medians.wokenElsewhere = samples.wokenElsewhere
        return medians
    }

    /// How many times per repeat `uringSubmits` goes round the CPUs.
    static let submitRounds = 10
    /// The single reads per CPU and repeat of `uringSubmits`' placement probe.
    static let placementSamples = 20

    /// The ring, buffers and offsets of `uringSubmits` on the calling thread.
    private struct SubmissionProbe {
        let path: String
        let pages: UInt64
        let buffers: AlignedBuffer
        let ring: URing
        let target: URing.FileTarget
        var generator: SeededGenerator
        var offsets = [Int64](repeating: 0, count: 4)

        init(fd: FileDescriptor, path: String, pages: UInt64, seed: UInt64) throws(RealError) {
            buffers = try alignedBuffer(byteCount: 4 * 4096)
            ring = try fioRing()
            target = .descriptor(fd)
            self.path = path
            self.pages = pages
            generator = SeededGenerator(seed: seed, streamName: "calibrate:submit")
        }

        /// One timed submission of `n` reads, then the wait for them: the submission's time and the round
        /// trip's, ns.
        mutating func submission(_ n: Int) throws(RealError) -> (submit: Int64, trip: Int64) {
            for i in 0..<n {
                offsets[i] = Int64(generator.nextInt(below: pages) * 4096)
                ring.prepareRead(
                    target, into: buffers.baseAddress + i * 4096, count: 4096, offset: UInt64(offsets[i]),
                    userData: UInt64(i))
            }
            let t0 = now()
            let consumed: Int
            do {
                consumed = try ring.submit()
            } catch {
                throw enterFailed("READ", error)
            }
            let submitted = now()
            // Every read the kernel took is reaped before anything is thrown: none may still be writing into the
            // buffers when they are freed.
            var reaped = 0
            var failure: RealError? = nil
            while reaped < consumed {
                do {
                    try ring.submit(waitFor: 1)
                } catch {
                    throw enterFailed("READ", error)
                }
                while let c = ring.popCompletion() {
                    reaped += 1
                    let offset = offsets[Int(c.userData) % offsets.count]
                    if failure != nil { continue }
                    if c.result < 0 {
                        failure = RealError.ioFailed(
                            operation: "an io_uring read", path: path, offset: offset, Errno(rawValue: -c.result),
                            direct: true)
                    } else if c.result != 4096 {
                        failure = RealError.shortRead(path: path, offset: offset, expected: 4096, got: Int(c.result))
                    }
                }
            }
            if let failure { throw failure }
            if consumed != n {
                throw RealError(.systemCallFailed, description: "io_uring_enter consumed \(consumed) of \(n) SQEs",
                    hint: "Unexpected; check the kernel log (dmesg).")
            }
            return (submitted - t0, now() - t0)
        }
    }

    /// A ring of 8 entries set up as fio's (`RealJob.URingOptions`), for the calling thread.
    static func fioRing() throws(RealError) -> URing {
        do {
            return try URing(entries: 8, flags: RealJob.URingOptions().setupFlags)
        } catch {
            throw uringUnavailable(error)
        }
    }

    static func uringUnavailable(_ e: Errno) -> RealError {
        let sysctl = readFirstLine("/proc/sys/kernel/io_uring_disabled") ?? "unreadable"
        return RealError(
            .ioUringUnavailable, errno: e, description: "io_uring is unavailable: io_uring_setup failed with \(e)",
            hint: "Calibration measures the device through io_uring. ENOSYS: a kernel without io_uring or a seccomp "
                + "filter; EPERM: kernel.io_uring_disabled (here \(sysctl)) or a seccomp filter (container runtimes "
                + "block io_uring by default). Allow io_uring_setup, io_uring_enter and io_uring_register.")
    }

    /// GB/s of memcpy between two 1 MiB page-aligned buffers, `memcpyBytes` per repeat.
    static func memcpyBandwidth(_ e: Effort) throws(RealError) -> [Double] {
        let size = 1 << 20
        let a = try alignedBuffer(byteCount: size), b = try alignedBuffer(byteCount: size)
        memset(a.baseAddress, 1, size)
        memset(b.baseAddress, 2, size)
        // Called through a pointer found at run time, so the optimizer cannot merge or drop repeated copies.
        let copy = Affinity.memcpyFunction
        let reps = max(1, e.memcpyBytes / size)
        func batch() -> Int64 {
            let t0 = now()
            for _ in 0..<reps { _ = copy(b.baseAddress, a.baseAddress, size) }
            return max(1, now() - t0)
        }
        _ = batch()
        return (0..<e.repeats).map { _ in Double(reps * size) / Double(batch()) }
    }

    /// ns per 4 KiB pread at random page offsets of the warm first `pageCacheBytes` of `path`, and ns per io_uring
    /// READ of the same pages (prepare, io_uring_enter submitting 1 and waiting for 1, reap) on a ring set up as
    /// fio's (costs/uring_nop.c, uring_read_4k_pagecache_hit): a cached read completes inline in the submit.
    static func pageCachePread(path: String, _ e: Effort) throws(RealError) -> (pread: [Double], uringRead: [Double]) {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, .readOnly, options: [.noFollow])
        } catch {
            throw RealError(.systemCallFailed, errno: error, description: "open \(path) failed with \(error)",
                hint: "Unexpected; the calibration created this file.")
        }
        defer { try? fd.close() }
        let page = try alignedBuffer(byteCount: 4096), chunk = try alignedBuffer(byteCount: 1 << 20)
        func read(_ offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(RealError) {
            let n: Int
            do {
                n = try fd.read(fromAbsoluteOffset: offset, into: buffer)
            } catch {
                throw RealError(.ioFailed, errno: error,
                    description: "pread of \(path) at \(offset) failed with \(error)",
                    hint: "Check dmesg for the device's messages.")
            }
            if n != buffer.count {
                throw RealError(.shortRead,
                    description: "short read of \(path) at offset \(offset): \(n) of \(buffer.count) bytes",
                    hint: "Something truncated the calibration's file.")
            }
        }
        // Warm: read the region once, so every pread below is a page-cache hit.
        var offset: Int64 = 0
        while offset < e.pageCacheBytes {
            try read(offset, into: chunk.bytes)
            offset += Int64(chunk.byteCount)
        }
        var generator = SeededGenerator(seed: 1, streamName: "calibrate:pread")
        let pages = UInt64(e.pageCacheBytes / 4096)
        let offsets = (0..<e.preads).map { _ in Int64(generator.nextInt(below: pages)) * 4096 }
        // The timed loop calls pread(2) itself: through FileDescriptor.read an unoptimized (debug) build adds
        // about 1 us per call of Swift overhead, which would land in the fitted copy rate.
        let descriptor = fd.rawValue
        let buffer = page.baseAddress
        func batch() throws(RealError) -> Int64 {
            let t0 = now()
            let short = offsets.withUnsafeBufferPointer { list -> Int? in
                for i in 0..<list.count {
                    if Glibc.pread(descriptor, buffer, 4096, off_t(list[i])) != 4096 { return i }
                }
                return nil
            }
            let elapsed = now() - t0
            if let i = short { try read(offsets[i], into: page.bytes) }  // says what went wrong, or throws
            return elapsed
        }
        let ring = try fioRing()
        let target = URing.FileTarget.descriptor(fd)
        func uringBatch() throws(RealError) -> Int64 {
            let t0 = now()
            for (i, offset) in offsets.enumerated() {
                ring.prepareRead(target, into: buffer, count: 4096, offset: UInt64(offset), userData: UInt64(i))
                do {
                    try ring.submit(waitFor: 1)
                } catch {
                    throw enterFailed("READ", error)
                }
                guard let c = ring.popCompletion(), c.result == 4096 else {
                    throw RealError(.shortRead,
                        description: "an io_uring read of \(path) at offset \(offset) did not return 4096 bytes",
                        hint: "Something truncated the calibration's file.")
                }
            }
            return now() - t0
        }
        _ = try batch()
        _ = try uringBatch()
        // Interleaved, so a slow spell of the shared host spreads over both.
        var samples: [Double] = [], uringSamples: [Double] = []
        for _ in 0..<e.repeats {
            samples.append(Double(try batch()) / Double(e.preads))
            uringSamples.append(Double(try uringBatch()) / Double(e.preads))
        }
        return (samples, uringSamples)
    }

    /// Per-repeat samples of the device runs.
    struct DeviceSamples {
        var latency: [Int: [Double]] = [:]  // by block size, QD1, ns
        var iops: [Int: [Double]] = [:]  // 4 KiB, by queue depth
        var bandwidth: [Int: [Double]] = [:]  // 4 KiB, by queue depth, GB/s
        var interruptsPerIO: [Int: [Double]] = [:]  // 4 KiB, by queue depth
        var interruptsCounted = true
        var irqSoftirqPerIO: [Int: [Double]] = [:]  // 4 KiB, by queue depth: machine-wide irq + softirq ns per IO
        var systemPerIO: [Int: [Double]] = [:]  // QD1, by block size: machine-wide system ns per IO
        var systemPerIOAtDepth: [Int: [Double]] = [:]  // at FigureName.pageCostDepth, by block size: the same
        var iopsForBandwidth: [Double] = []  // FigureName.bandwidthFitBytes at FigureName.pageCostDepth
        var userPerIOQD1: [Double] = []  // 4 KiB QD1: machine-wide user ns per IO
        var irqSoftirqPerIOBySize: [Int: [Double]] = [:]  // QD1, by block size: machine-wide irq + softirq ns per IO
        var poolIrqSoftirqPerIO: [Double] = []  // 4 KiB, four blocking threads: machine-wide irq + softirq ns per IO
        var poolInterruptsPerIO: [Double] = []
        var poolIOPS: [Double] = []
        var preadSystemPerIO: [Double] = []  // 4 KiB QD1, one thread of blocking preads: system ns per IO
        var iopsBesideBusyCPU: [Double] = []  // 4 KiB QD1 with a thread spinning on another CPU
        var iopsSQPOLL: [Double] = []  // 4 KiB QD1 through an SQPOLL ring
        var iopsSQPOLLOnInterruptCPU: [Double] = []  // the same, job and poller pinned to the interrupts' CPU
        var iopsSQPOLLBesideInterruptCPU: [Double] = []  // and to another CPU
        var iopsSubmitEach: [Double] = []  // 4 KiB QD32 through fio's loop
        var bufferedColdSystemPerIO: [Double] = []  // 4 KiB QD1 buffered, pages dropped first: system ns per IO
        var interruptCPU: [Double] = []  // 4 KiB QD1: the CPU that took most of the disk's interrupts
        var interruptCPUShare: [Double] = []  // and its share of them
        var stallsPerSecond: [Double] = []  // 4 KiB at FigureName.stallDepth: the device's stalls (CompletionStalls)
        var stallGap: [Double] = []  // and their median gap, ns (the repeats that saw one)
        var stallIntervalCV: [Double] = []  // and the coefficient of variation of their times apart (the repeats with enough)
    }

    /// O_DIRECT random reads of `path` through io_uring (fio's setup flags) with `RealRunner`: 4 KiB at each
    /// queue depth, 64 KiB and 1 MiB at queue depth 1, and 64 KiB at `FigureName.pageCostDepth`, each
    /// `deviceRun` long (4 KiB at `FigureName.stallDepth` `stallRun`), interleaved over the repeats after one
    /// unrecorded warm-up run; `eachRepeat` runs at the start of each repeat (the submission probe).
    /// The device runs of one repeat: 4 KiB at each queue depth, then 64 KiB and 1 MiB at queue depth 1, then
    /// 64 KiB at the page cost's depth.
    static let deviceConfigurations = FigureName.depths.map { (4096, $0) } + [(65_536, 1), (1 << 20, 1)]
        + [(65_536, FigureName.pageCostDepth)]

    static func device(
        path: String, _ e: Effort, step: () -> Void = {}, eachRepeat: (Int) throws(RealError) -> Void = { _ in }
    ) throws(RealError) -> DeviceSamples {
        let runner = RealRunner()
        func job(blockBytes: Int, depth: Int, duration: SimDuration, seed: UInt64) -> RealJob {
            var j = RealJob()
            j.engine = .ioUring(RealJob.URingOptions())
            j.direction = .read
            j.pattern = .random
            j.caching = .direct
            j.blockBytes = blockBytes
            j.queueDepth = depth
            j.threads = 1
            j.existingFile = path
            j.stop = .duration(duration)
            j.threadCensus = false
            j.seed = seed
            j.interruptTime = e.interruptTime
            return j
        }
        _ = try runner.run(job(blockBytes: 4096, depth: 16, duration: e.deviceWarmUp, seed: 999))
        step()
        var s = DeviceSamples()
        /// Machine-wide irq + softirq time per IO of a run, traced or from ticks (call only with IOs done).
        func irqPerIO(_ m: RealMeasurement) -> Double {
            Double(m.interruptNanoseconds) / Double(m.ios)
        }
        for r in 0..<e.repeats {
            try eachRepeat(r)
            for (n, (size, depth)) in deviceConfigurations.enumerated() {
                let duration = e.runLength(blockBytes: size, depth: depth)
                let m = try runner.run(job(blockBytes: size, depth: depth, duration: duration, seed: UInt64(r * 100 + n + 1)))
                step()
                if depth == 1 { s.latency[size, default: []].append(m.latency.mean) }
                let irqTotal = m.diskInterruptsPerCPU.reduce(0, &+)
                if depth == 1 && size == 4096 && irqTotal > 0, let most = m.diskInterruptsPerCPU.max(),
                    let cpu = m.diskInterruptsPerCPU.firstIndex(of: most)
                {
                    s.interruptCPU.append(Double(cpu))
                    s.interruptCPUShare.append(Double(most) / Double(irqTotal))
                }
                if depth == 1 && size == 4096 && m.ios > 0 {
                    s.userPerIOQD1.append(Double(m.systemCPU.userNanoseconds) / Double(m.ios))
                }
                if depth == 1 && m.ios > 0 {
                    s.systemPerIO[size, default: []].append(Double(m.machineSystemNanoseconds) / Double(m.ios))
                    s.irqSoftirqPerIOBySize[size, default: []].append(irqPerIO(m))
                }
                if depth == FigureName.pageCostDepth && m.ios > 0 {
                    s.systemPerIOAtDepth[size, default: []].append(Double(m.machineSystemNanoseconds) / Double(m.ios))
                }
                if depth == FigureName.pageCostDepth && size == FigureName.bandwidthFitBytes && m.ios > 0 {
                    s.iopsForBandwidth.append(m.iops)
                }
                if size == 4096 && m.ios > 0 { s.irqSoftirqPerIO[depth, default: []].append(irqPerIO(m)) }
                if size == 4096 && depth == FigureName.stallDepth && m.ios > 0 {
                    let stalls = m.completionStalls
                    s.stallsPerSecond.append(Double(stalls.count) * 1e9 / Double(m.elapsedNanoseconds))
                    if stalls.count > 0 { s.stallGap.append(Double(stalls.medianGapNanoseconds)) }
                    if stalls.intervals.count >= Calibration.stallIntervalsForCV, let cv = stalls.intervals.coefficientOfVariation {
                        s.stallIntervalCV.append(cv)
                    }
                }
                if size == 4096 {
                    s.iops[depth, default: []].append(m.iops)
                    s.bandwidth[depth, default: []].append(m.bandwidthBytesPerSecond / 1e9)
                    s.interruptsPerIO[depth, default: []].append(m.interruptsPerIO)
                    if m.diskIRQLines.method == .none { s.interruptsCounted = false }
                }
            }
            // fio's loop at queue depth 32: each request to the driver as soon as it is built.
            var each = job(blockBytes: 4096, depth: FigureName.submitEachDepth, duration: e.deviceRun, seed: UInt64(r * 100 + 96))
            each.engine = .ioUring(RealJob.URingOptions(waitMode: .submitEach))
            let eachRun = try runner.run(each)
            if eachRun.ios > 0 { s.iopsSubmitEach.append(eachRun.iops) }
            // Four threads of blocking reads: every completion wakes one (for deferredWake).
            var pool = job(blockBytes: 4096, depth: 1, duration: e.deviceRun, seed: UInt64(r * 100 + 99))
            pool.engine = .blocking
            pool.threads = 4
            let m = try runner.run(pool)
            step()
            if m.ios > 0 {
                s.poolIrqSoftirqPerIO.append(irqPerIO(m))
                s.poolInterruptsPerIO.append(m.interruptsPerIO)
                s.poolIOPS.append(m.iops)
            }
            // One thread of blocking reads at depth 1: a sleep per read, as the io_uring loop's at depth 1, without
            // io_uring (for kernel.uringWait).
            var single = job(blockBytes: 4096, depth: 1, duration: e.deviceRun, seed: UInt64(r * 100 + 92))
            single.engine = .blocking
            let p = try runner.run(single)
            step()
            if p.ios > 0 { s.preadSystemPerIO.append(Double(p.machineSystemNanoseconds) / Double(p.ios)) }
            // Queue depth 1 while a thread spins on another CPU: in a VM whose device emulation shares the
            // host's CPUs with the vCPUs, the busy vCPU slows the device (a check of machine.hostCPUs; fitted to it
            // when no SQPOLL run is recorded).
            if Affinity.allowedCPUs().count >= 2 {
                let spinning = try runBesideASpinner { () throws(RealError) -> RealMeasurement in
                    try runner.run(job(blockBytes: 4096, depth: 1, duration: e.deviceRun, seed: UInt64(r * 100 + 98)))
                }
                if spinning.ios > 0 { s.iopsBesideBusyCPU.append(spinning.iops) }
                // The same through an SQPOLL ring: the kernel's poller is the busy CPU, placed by the scheduler as
                // in any SQPOLL job (for machine.hostCPUs). A kernel that refuses SQPOLL (EPERM without
                // CAP_SYS_ADMIN before 5.11) leaves the figure out; any other failure fails the calibration.
                var polled = job(blockBytes: 4096, depth: 1, duration: e.deviceRun, seed: UInt64(r * 100 + 95))
                polled.engine = .ioUring(Calibration.sqpollOptions)
                do {
                    let m = try runner.run(polled)
                    if m.ios > 0 { s.iopsSQPOLL.append(m.iops) }
                } catch where error.kind == .ioUringSetupRefused || error.kind == .ioUringUnavailable {}
                // Pinned together to the CPU this repeat's depth-1 run saw take the interrupts (90% of them at
                // least), then to another: whether an interrupt finds its CPU halted (interrupts.idleDelivery). A
                // pair with a run refused (SQPOLL, or the CPUs) or empty is left out; the two are kept together.
                let allowed = Affinity.allowedCPUs()
                if let cpu = s.interruptCPU.last.map({ Int($0) }), (s.interruptCPUShare.last ?? 0) >= 0.9,
                    allowed.contains(cpu), let other = allowed.first(where: { $0 != cpu })
                {
                    var pair: [Double] = []
                    for target in [cpu, other] {
                        var pinned = polled
                        var options = Calibration.sqpollOptions
                        options.sqThreadCPU = target
                        pinned.engine = .ioUring(options)
                        pinned.cpus = [target]
                        pinned.seed = UInt64(r * 100 + (target == cpu ? 94 : 93))
                        do {
                            let p = try runner.run(pinned)
                            if p.ios > 0 { pair.append(p.iops) }
                        } catch where [.ioUringSetupRefused, .ioUringUnavailable, .cpusUnavailable].contains(error.kind) {}
                    }
                    if pair.count == 2 {
                        s.iopsSQPOLLOnInterruptCPU.append(pair[0])
                        s.iopsSQPOLLBesideInterruptCPU.append(pair[1])
                    }
                }
            }
            step()
            // Buffered reads of pages dropped from the cache first: each a miss (for kernel.pageCacheMiss).
            var cold = job(blockBytes: 4096, depth: 1, duration: e.deviceRun, seed: UInt64(r * 100 + 97))
            cold.caching = .bufferedCold
            cold.stop = .ioCount(bufferedColdIOs(fileBytes: e.fileBytes))
            let c = try runner.run(cold)
            if c.ios > 0 { s.bufferedColdSystemPerIO.append(Double(c.machineSystemNanoseconds) / Double(c.ios)) }
            step()
        }
        return s
    }

    /// IOs of the buffered cold run: a quarter of the file's 4 KiB pages, at most 16,384 (the default 256 MiB
    /// file's 65,536 pages), so about seven in eight are misses; the model's workload reads as many
    /// (`Calibration.bufferedColdWorkload`). At queue depth 1 that is about a second: its system time, counted
    /// in ticks, spread from 19.5 to 36.6 us per IO over five repeats of a quarter as many.
    static func bufferedColdIOs(fileBytes: Int64) -> Int { Int(max(256, min(16_384, fileBytes / 4_096 / 4))) }

    /// Runs `body` while another thread spins (a busy loop with no system calls) until it returns.
    static func runBesideASpinner(_ body: () throws(RealError) -> RealMeasurement) throws(RealError) -> RealMeasurement {
        let stop = StopFlag()
        let spinner = try PThread(name: "iosim-spin") {
            while !stop.stopped.load(ordering: .relaxed) {}
        }
        defer {
            stop.stopped.store(true, ordering: .relaxed)
            spinner.join()
        }
        return try body()
    }

    /// ns per IO of the real backend's io_uring loop (fio's setup flags) reading 4 KiB pages of `path` at random
    /// offsets at queue depth 1 after the runner has read the file once (every read a page-cache hit, completed
    /// inline), `deviceRun` long per repeat; with its machine-wide user time per IO and its mean latency, in ns.
    static func uringLoopOverCache(path: String, _ e: Effort, step: () -> Void = {}) throws(RealError)
        -> (perIO: [Double], userPerIO: [Double], latency: [Double])
    {
        var j = RealJob()
        j.engine = .ioUring(RealJob.URingOptions())
        j.direction = .read
        j.pattern = .random
        j.caching = .bufferedWarm
        j.blockBytes = 4096
        j.queueDepth = 1
        j.threads = 1
        j.existingFile = path
        j.stop = .duration(e.deviceRun)
        j.threadCensus = false
        var samples: [Double] = [], user: [Double] = [], latency: [Double] = []
        for r in 0..<e.repeats {
            j.seed = UInt64(7_000 + r)
            let m = try RealRunner().run(j)
            step()
            if m.ios > 0 {
                samples.append(Double(m.elapsedNanoseconds) / Double(m.ios))
                user.append(Double(m.systemCPU.userNanoseconds) / Double(m.ios))
                latency.append(m.latency.mean)
            }
        }
        if samples.isEmpty {
            throw RealError(.ioFailed, description: "the io_uring loop over cached pages completed no IO",
                hint: "Unexpected; check the kernel log (dmesg).")
        }
        return (samples, user, latency)
    }

    static func readFirstLine(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 64)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return String(decoding: bytes[0..<n], as: UTF8.self).split(separator: "\n").first.map(String.init)
    }
}

/// A page-aligned buffer of `byteCount` bytes, or the error calibrate reports when there is no memory for it.
private func alignedBuffer(byteCount: Int) throws(RealError) -> AlignedBuffer {
    do {
        return try AlignedBuffer(byteCount: byteCount)
    } catch {
        throw RealError(.systemCallFailed, errno: error,
            description: "posix_memalign of \(Units.formatSize(bytes: Int64(byteCount))) failed with \(error)", hint: "Out of memory.")
    }
}

/// The error of an io_uring_enter that failed while a probe submitted `opcode` (NOP, READ) and waited.
private func enterFailed(_ opcode: String, _ error: Errno) -> RealError {
    RealError(.systemCallFailed, errno: error, description: "io_uring_enter (\(opcode)) failed with \(error)",
        hint: "Unexpected; check the kernel log (dmesg).")
}

/// CLOCK_MONOTONIC in nanoseconds.
private func now() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

// MARK: - Threads and CPU affinity

/// The two threads of the wake-up probe: the reader is about to block (`ready`), and when it ran again (`runAt`).
private final class WakeProbeState: Sendable {
    let ready = Atomic<Bool>(false)
    let runAt = Atomic<Int64>(0)
}

/// Tells a spinning thread to stop.
private final class StopFlag: Sendable {
    let stopped = Atomic<Bool>(false)
}

/// A value handed between threads; each thread writes it before the other reads it after join().
private final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

/// A joinable pthread running a closure (IOSimReal's is internal to that module).
private final class PThread {
    private var thread: pthread_t = 0
    private var joined = false

    private final class Body {
        let name: String
        let run: @Sendable () -> Void
        init(_ name: String, _ run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }

    init(name: String, _ body: @escaping @Sendable () -> Void) throws(RealError) {
        let context = Unmanaged.passRetained(Body(name, body)).toOpaque()
        let r = pthread_create(&thread, nil, { raw in
            let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
            // The name /proc/self/task/TID/comm shows (15 bytes kept); pthread_setname_np is a GNU extension.
            let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
            if fd >= 0 {
                let bytes = Array(body.name.utf8.prefix(15))
                _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
            body.run()
            return nil
        }, context)
        if r != 0 {
            Unmanaged<Body>.fromOpaque(context).release()
            joined = true
            throw RealError(
                .systemCallFailed, errno: Errno(rawValue: r), description: "pthread_create failed with \(Errno(rawValue: r))",
                hint: "The process or the system is out of threads (ulimit -u, kernel.threads-max).")
        }
    }

    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    deinit { precondition(joined, "a PThread was dropped without join()") }
}

// MARK: - The test file

/// The calibration's private directory and its one test file, removed by `remove()` (idempotent, called on
/// every exit path) or, if SIGINT/SIGTERM kills the process first, by the C cleanup handler.
final class ScratchFile {
    let directory: String
    let path: String
    private var registrations: [SignalCleanupRegistration] = []
    private var created = false
    private var removed = false

    static var defaultParent: String {
        if let t = getenv("TMPDIR"), t.pointee != 0 { return String(cString: t) }
        return "/tmp"
    }

    /// Makes a new subdirectory `iosim-calibrate-XXXXXX` of `parent`.
    init(parent: String) throws(RealError) {
        var st = stat()
        if stat(parent, &st) != 0 || st.st_mode & S_IFMT != S_IFDIR {
            let e = stat(parent, &st) != 0 ? Errno.current : Errno(rawValue: ENOTDIR)
            throw RealError(
                .directoryUnusable, errno: e, description: "cannot use the directory \(parent): \(e)",
                hint: "Give --dir an existing, writable directory (calibration makes a subdirectory in it and removes it afterwards).")
        }
        var template = Array("\(parent)/iosim-calibrate-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let made else {
            let e = Errno.current
            throw RealError(
                .directoryUnusable, errno: e, description: "cannot create a directory in \(parent): \(e)",
                hint: "Give --dir an existing, writable directory (calibration makes a subdirectory in it and removes it afterwards).")
        }
        directory = String(cString: made)
        path = directory + "/calibration.bin"
        do {
            registrations.append(try SignalCleanupRegistration(path: directory, isDirectory: true))
        } catch {
            rmdir(directory)
            removed = true
            throw RealError(.systemCallFailed, errno: error,
                description: "registering \(directory) for cleanup failed with \(error)",
                hint: "Unexpected.")
        }
    }

    deinit { remove() }

    /// Checks free space, then creates the file exclusively and fills it with pseudo-random data (written
    /// blocks, not a hole: ext4 answers reads of unwritten extents without the device), then fsyncs it.
    func layOut(bytes: Int64) throws(RealError) {
        let parent = String(directory[..<(directory.lastIndex(of: "/") ?? directory.endIndex)])
        var fs = statvfs()
        if statvfs(directory, &fs) == 0 {
            let available = UInt64(fs.f_bavail) * UInt64(fs.f_frsize)
            let needed = bytes + max(16 << 20, bytes / 100)
            if available < UInt64(needed) {
                throw RealError(
                    .notEnoughSpace, errno: .noSpace,
                    description: "not enough free space in \(parent): calibration needs \(needed) bytes "
                        + "(the test file plus margin), \(available) are available; nothing was left behind",
                    hint: "Free space on that file system, point --dir at a larger one, or make the test file smaller.")
            }
        }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .exclusiveCreate, .noFollow])
        } catch {
            throw RealError(.systemCallFailed, errno: error,
                description: "open(O_CREAT|O_EXCL) \(path) failed with \(error)",
                hint: "Check the directory's permissions.")
        }
        created = true
        if let r = try? SignalCleanupRegistration(path: path, isDirectory: false) { registrations.append(r) }
        defer { try? fd.close() }

        let chunkBytes = 1 << 20
        let chunk = try alignedBuffer(byteCount: chunkBytes)
        var generator = SeededGenerator(seed: 1, streamName: "calibrate:layout")
        for i in stride(from: 0, to: chunkBytes, by: 8) {
            chunk.bytes.storeBytes(of: generator.next(), toByteOffset: i, as: UInt64.self)
        }
        var offset: Int64 = 0
        while offset < bytes {
            let n = Int(min(Int64(chunkBytes), bytes - offset))
            for block in stride(from: 0, to: n, by: 4096) {  // every block different
                chunk.bytes.storeBytes(of: UInt64(offset) + UInt64(block), toByteOffset: block, as: UInt64.self)
            }
            do throws(Errno) {
                let written = try fd.write(toAbsoluteOffset: offset, from: UnsafeRawBufferPointer(start: chunk.baseAddress, count: n))
                if written < n { throw Errno.noSpace }
                offset += Int64(written)
            } catch {
                throw layoutError(error)
            }
        }
        do { try fd.synchronize() } catch { throw layoutError(error) }
    }

    private func layoutError(_ e: Errno) -> RealError {
        if [Errno.noSpace, .diskQuotaExceeded, .fileTooLarge].contains(e) {
            return RealError(
                .noSpace, errno: e, description: "writing \(path) failed with \(e); the partial file is removed",
                hint: "The file system filled up (or a quota was reached). Free space, point --dir elsewhere, or make the test file smaller.")
        }
        return RealError(.systemCallFailed, errno: e, description: "writing \(path) failed with \(e)",
            hint: "Check dmesg and the file system.")
    }

    /// Removes the file and the directory, and stops watching them for signals. Idempotent.
    func remove() {
        guard !removed else { return }
        removed = true
        if created { unlink(path) }
        rmdir(directory)
        for r in registrations { r.forget() }
        registrations = []
    }
}
