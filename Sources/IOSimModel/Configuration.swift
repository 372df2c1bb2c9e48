//! The configuration of one simulated machine and its workload, as plain values.
//!
//! Every default cost below names its source. "costs.txt" is shared/reference/costs/costs.txt and
//! "baseline" is shared/reference/baseline.md: this machine class (2 vCPU AMD EPYC under Firecracker,
//! Linux 6.18, virtio-blk) measured with small C probes and fio. Defaults describe that machine.

import IOSimCore

/// One point of `MachineConfig.wakeupAfterIdle`: a wake-up onto a CPU idle for `idle` takes `latency`.
public struct WakeupAfterIdle: Sendable, Equatable {
    public var idle: SimDuration
    public var latency: SimDuration
    public init(idle: SimDuration, latency: SimDuration) {
        self.idle = idle
        self.latency = latency
    }

    /// The latency in ns after `idle` ns on the piecewise-linear curve through `points` (ascending in idle time,
    /// not empty), flat beyond its ends; rounded to the nanosecond.
    public static func latency(afterIdle idle: Int64, on points: [WakeupAfterIdle]) -> Int64 {
        if idle <= points[0].idle.nanoseconds { return points[0].latency.nanoseconds }
        var i = 1
        while i < points.count {
            let (x1, y1) = (points[i].idle.nanoseconds, points[i].latency.nanoseconds)
            if idle <= x1 {
                let (x0, y0) = (points[i - 1].idle.nanoseconds, points[i - 1].latency.nanoseconds)
                let fraction = Double(idle - x0) / Double(x1 - x0)
                return y0 + Int64((Double(y1 - y0) * fraction).rounded())
            }
            i += 1
        }
        return points[points.count - 1].latency.nanoseconds
    }
}

/// CPUs and the scheduler.
public struct MachineConfig: Sendable, Equatable {
    /// Number of CPUs (at least 1).
    public var cpuCount: Int = 2
    /// CPU time to switch from one thread to another, charged to `switch` on the CPU that switches in.
    /// Default: pipe ping-pong per hop on one CPU, 4.28 us (costs.txt), which includes a syscall pair; the
    /// bare switch is taken as 2 us.
    public var contextSwitch: SimDuration = .nanoseconds(2_000)
    /// Delay from a wake-up (IO completion, event, packet) until the thread is runnable. Default: futex
    /// wake to running on another CPU, 7.3 us median, minus the switch-in cost (costs.txt): 5 us.
    public var wakeupLatency: SimDuration = .nanoseconds(5_000)
    /// Round-robin time slice among runnable threads; zero disables preemption by the scheduler.
    /// Default 3 ms, Linux CFS's base slice scale on a small machine (sched_base_slice_ns, memory).
    public var timeSlice: SimDuration = .milliseconds(3)
    /// CPU time to create a thread (charged as syscall to the creator). Default 20 us (clone+mmap of a
    /// stack, memory of typical Linux figures; not measured here).
    public var threadCreate: SimDuration = .microseconds(20)
    /// Stack reserved per thread, for the census (1 MiB on Windows, 8 MiB default on Linux).
    public var threadStackBytes: Int64 = 1 << 20
    /// In a virtual machine: the host CPUs, in thousandths, that the machine's CPUs (vCPUs) and the device's
    /// emulation (the VMM's IO thread) share; 0 (the default) when the device does not take CPU from the
    /// machine (real hardware, or a host with CPUs to spare). While the device serves requests (or wakes for a
    /// pass) and n of the machine's CPUs are busy (not idle), the device works at min(1, hostCPUs / (n + 1)) of its speed: the
    /// host shares its CPUs evenly among the busy vCPUs and the device's thread. Measured here: one busy vCPU
    /// took a third of the disk's IOPS at queue depth 1 (22.9k to 15.6k, 13% steal time; README "Validation on
    /// this machine"). The vCPUs' own loss (steal time) is not modelled: their costs stay as they are. `iosim
    /// calibrate` fits it to a queue-depth-1 run through an SQPOLL ring (its poller the busy CPU; on the second
    /// machine SQPOLL's device side was 4 us longer than plain depth 1's, traced); where the scheduler puts a job
    /// beside a busy user thread is not modelled, and moved that run more (README, "twelfth day").
    public var hostMilliCPUs: Int64 = 0
    /// How runnable threads wait for a CPU: `.shared` (the default), or `.perCPU` as Linux's scheduler does.
    public var runQueues: RunQueues = .shared
    /// With `.perCPU`: how long after leaving a CPU a thread counts as cache-hot, so that an idle CPU does not
    /// take it from another CPU's queue. Default 500 us, Linux's `sysctl_sched_migration_cost`
    /// (kernel/sched/fair.c, `task_hot()`).
    public var migrationCost: SimDuration = .microseconds(500)
    /// With `hostCPUs`: how long the host keeps polling a vCPU that went idle (halted) before it gives up its
    /// host CPU (KVM's halt polling: `halt_poll_ns`, 200 us by default, Documentation/virt/kvm/halt-polling.rst);
    /// for the device's share a CPU counts as busy until it has been idle that long. Measured here: a wake-up of
    /// a vCPU idle for up to 150 us takes 7-11 us, one idle for 200 us or more 23-52 us (README). 0 (the
    /// default): an idle CPU gives up its host CPU at once.
    public var hostHaltPoll: SimDuration = .zero
    /// Kernel time a CPU spends leaving the idle task to run a thread, charged as part of that switch (context
    /// switch time, system time): in a VM, restarting the tick stopped while idle (NO_HZ_IDLE) reprograms the
    /// timer, and the idle loop's exit (a guest's haltpoll, a HLT's VM exit) costs more than a switch between
    /// two threads; a pipe hop between two threads on one CPU (`contextSwitch`) never idles. `iosim calibrate`
    /// fits it to the queue-depth-1 system time per IO. 0 (the default): leaving idle costs only the switch.
    public var idleExit: SimDuration = .zero
    /// User time a thread spends, once a CPU has left the idle task to run it, beyond its own work: charged as a
    /// user burst after the switch, before the thread goes on (to a user thread: a kernel thread, SQPOLL's or
    /// io-wq's, has no user mode). Measured on the README's second machine: 1.5-2.5 us of user time per 4 KiB
    /// read at queue depth 1 in most runs (one exit from idle a read), where the same io_uring loop over cached
    /// pages (no idle) spends 0.35-0.42, and the difference falls with the exits from idle per IO at the deeper
    /// queues; what the extra is (caches and TLB cold after the halt are one candidate) is not traced.
    /// `iosim calibrate` fits it to the queue-depth-1 user time per IO. 0 (the default): none.
    public var idleExitUser: SimDuration = .zero
    /// Delay from a wake-up by an interrupt's deferred routine to running, when the woken thread last ran on the
    /// CPU that took the interrupt and no thread runs there: no IPI is needed, only the idle loop's exit (in a VM
    /// the vCPU was already woken by the interrupt). Traced on the second machine of the README (the block
    /// softirq's `sched_wakeup` to the thread's first event on that CPU, queue depth 1, which includes the switch:
    /// `.bench/trace-costs.sh`): 16-20 us mean, 19-25 median, against 39-45 us for the cross-CPU wake-up of
    /// `wakeupLatency`. Unset (the default): `wakeupLatency`, as for any wake-up.
    public var localWakeup: SimDuration? = nil
    /// The wake-up latency of a thread onto an idle CPU by how long that CPU has been idle: points of (idle time,
    /// latency), ascending in idle time, read piecewise linearly between them and flat beyond the ends. Used for
    /// every wake-up that `wakeupLatency` would take whose thread goes to an idle CPU (the one it last ran on
    /// if idle, with per-CPU run queues, else the highest-numbered idle one, as the scheduler places it); one in
    /// interrupt context counts as idle for no time (it is awake). Not for `wakeAffine`'s queue on a busy CPU:
    /// an idle CPU takes a thread from there by load balancing, not by a wake-up, and that keeps
    /// `wakeupLatency`. In a VM a vCPU that has just halted is woken sooner than one that has halted for long.
    /// Measured on the README's second machine by `iosim calibrate`'s probe (a thread spinning on one CPU writes a
    /// byte to a pipe that a thread blocked on the other CPU reads, after that CPU has idled for a given time,
    /// both ways; the idle counts from the reader's last step before its read, about 1 us before the CPU
    /// halts): 17-33 us after 5 us of idle, 36-49 us after 20-100 us, 37-78 us after 200 us to 3 ms over an
    /// hour, the same-CPU hop (1.3-2 us) in each. Empty (the default): `wakeupLatency`, whatever the idle time.
    public var wakeupAfterIdle: [WakeupAfterIdle] = []
    /// With per-CPU run queues: a thread woken by a thread running on the CPU the woken one last ran on is
    /// queued on that CPU at once, with no wake-up latency (no IPI: that CPU is not idle), and runs there when
    /// the waker blocks or its slice ends; an idle CPU may take it from that queue only once woken itself
    /// (`wakeupLatency` later). In Linux's `select_task_rq_fair` the previous CPU and the waker's are then the
    /// same, and `select_idle_sibling`'s search for an idle CPU, which `SIS_UTIL` cuts short or skips when the
    /// cache domain is busy, falls back to it. (A wake-up that Linux pulls to the waker's CPU from another,
    /// `wake_affine` proper, is not modelled.) Traced on the README's second machine: io-wq workers woken by
    /// the submitting thread ran 10 us later (median), 83% of them on the submitter's CPU once it slept.
    /// Off (the default): every wake-up by a thread takes `wakeupLatency`.
    public var wakeAffine = false
    /// With per-CPU run queues: wake-ups from an interrupt are packed onto the awake CPU, as a guest kernel that
    /// keeps wake-ups off halted vCPUs does. A thread an interrupt's deferred routine wakes, on a CPU idle to the
    /// scheduler (no thread running there), goes to that CPU while nothing is queued or waking toward it;
    /// else to the CPU it last ran on if that one is idle (a wake-up may already be on its way there); else,
    /// with two or more already queued or waking toward the interrupt's CPU, to an idle CPU nothing is waking
    /// toward; else it still goes to the interrupt's CPU. Traced on the README's third machine (a guest kernel
    /// booted with `sched_vcpu_pack=15`), four blocking threads, their completions batched on CPU 1: the
    /// first thread woken in a batch went to CPU 1 in 97-99% of batches whichever CPU it last ran on (Linux's
    /// `wake_affine_idle` takes the previous CPU when idle); with one queued there, 77% of those that last ran
    /// on the idle CPU 0 went back to it and 97% of those that last ran on CPU 1 stayed; with two queued, 92% of
    /// the latter went to an idle CPU 0. `iosim calibrate` sets it from where a QD1 read's wake-up puts a thread
    /// that slept on another CPU than the interrupts' (there: 100% onto the interrupts' CPU).
    /// Off (the default): the CPU it last ran on if idle, else an idle CPU.
    public var wakePacking = false

    public init() {}
}

/// How runnable threads wait for a CPU.
public enum RunQueues: String, Sendable, Equatable, CaseIterable {
    /// One FIFO queue that every CPU takes from: a runnable thread runs on the first CPU that frees (as
    /// Windows' idle processors take ready threads from the others' queues; the scheduling textbooks' model).
    case shared
    /// One queue per CPU, as Linux's CFS/EEVDF: a thread made runnable is placed on one CPU (the one it last
    /// ran on if idle, else an idle CPU, else the CPU with the fewest waiting, the last one it ran on winning
    /// ties) and waits there; an idle CPU takes a thread from another's queue only once that thread has been
    /// off a CPU for `migrationCost` (it is cache-hot until then: `task_hot()`, which keeps newly idle
    /// balancing from moving it). Traced here: one interrupt wakes four blocking readers, two land on each
    /// vCPU, and the second on each waits for the first's whole submission while nothing else runs.
    case perCPU
}

/// Which operating system's vocabulary the narration uses and which completion stage names apply.
public enum KernelPersonality: String, Sendable, Equatable, CaseIterable {
    /// IRP, DPC, APC, IOCP.
    case windows
    /// bio, softirq, task work.
    case linux
}

/// Kernel costs.
public struct KernelConfig: Sendable, Equatable {
    public var personality: KernelPersonality = .windows
    /// Entering the kernel from user mode. With `syscallExit`, a null syscall: getppid 272 ns (costs.txt).
    public var syscallEntry: SimDuration = .nanoseconds(150)
    /// Leaving the kernel back to user mode (the other half of the 272 ns null syscall).
    public var syscallExit: SimDuration = .nanoseconds(120)
    /// Building the request (IRP / bio) and passing it down the stack. Default from baseline: io_uring's
    /// submit of a 4k O_DIRECT read is 13 us inline including the virtio kick; split as 4 us here and
    /// `driverSubmit` below.
    public var requestCreate: SimDuration = .microseconds(4)
    /// The driver programming the device: DMA descriptors, and the doorbell / virtio kick (a VM exit here)
    /// unless `doorbell` is given apart. Paid once per submission batch, before the batch reaches the device.
    public var driverSubmit: SimDuration = .microseconds(8)
    /// The doorbell (an MMIO write; under a hypervisor a trapped write, a VM exit) as a cost of its own, paid
    /// by the submitter right after its batch reaches the device, and not at all while a pass-batching
    /// (virtio) device's pass is open (waking or running; with `.asyncPass`, waking or taking): such a device
    /// asks to be notified only when it has found its ring empty. Default 0: the doorbell is inside
    /// `driverSubmit`. A request the driver queue lets in on a completion rings none (blk-mq's restart runs in
    /// the completion's context; not modelled).
    public var doorbell: SimDuration = .zero
    /// An unbuffered (O_DIRECT / FILE_FLAG_NO_BUFFERING) request's cost per 4 KiB page of its buffer beyond the
    /// first (`requestCreate` and `driverSubmit` are a one-page request's), charged to the submitting syscall:
    /// Linux's direct IO pins every user page (iov_iter_extract_pages -> pin_user_pages_fast), adds it to the
    /// bio (bio_add_page) and maps it into a virtio descriptor (blk_rq_map_sg). Default 420 ns: fio's io_uring
    /// submission latency (slat) at queue depth 1 is 12.9 us at 4 KiB and 19.2 us at 64 KiB (baseline.csv),
    /// 6.3 us over 15 further pages; `iosim calibrate` fits it from system CPU per IO by size.
    public var directIOPerPage: SimDuration = .nanoseconds(420)

    /// The 4 KiB pages of an unbuffered request of `bytes` beyond the first: what `directIOPerPage` and
    /// `InterruptConfig.deferredPerPage` are charged for (the model's rule; calibrate fits against it).
    public static func furtherDirectPages(bytes: Int64) -> Int64 { max(0, (bytes + 4095) / 4096 - 1) }
    /// Page-cache copy bandwidth for buffered IO (a hit is a copy at this rate; a miss reads the device and
    /// then copies). Default 10 GB/s: warm pread of 64 KiB-4 MiB, 384-417 ns per 4 KiB page (costs.txt).
    public var pageCacheCopyBytesPerSecond: Int64 = 10_000_000_000
    /// A buffered read that misses the page cache, per 4 KiB page, at submission: allocating the page and
    /// inserting it into the cache (memcg charge, LRU), the read-ahead bookkeeping, and io_uring's retry of the
    /// copy once the page is read (its first, non-blocking attempt found it missing). 6 us: measured here, an
    /// io_uring buffered cold 4 KiB read at queue depth 1 takes 20-25.5 us of system time per IO against an
    /// O_DIRECT one's 15-17.5 (validation runs, README "Validation on this machine"); `iosim calibrate` fits it.
    public var pageCacheMiss: SimDuration = .microseconds(6)
    /// The user-mode check of GetOverlappedResult(bWait=FALSE) / HasOverlappedIoCompleted: a load of
    /// OVERLAPPED.Internal and a call. 50 ns (memory; of the order of a vDSO call, 31 ns in costs.txt).
    public var pollCheck: SimDuration = .nanoseconds(50)
    /// Opening a file (path lookup, handle creation). 2 us (memory; not measured here).
    public var openFile: SimDuration = .microseconds(2)
    /// io_uring: the kernel's per-SQE work besides building and submitting the request (fetching the SQE,
    /// io_kiocb setup). costs.txt: 32 NOPs per io_uring_enter cost 93 ns each, issue and completion together.
    public var uringSubmitPerSQE: SimDuration = .nanoseconds(60)
    /// io_uring: completing a request into a CQE (task work, CQE fill). costs.txt: a 4 KiB page-cache read costs
    /// 2.15 us through io_uring and 1.13 us through pread; about half of the 1 us is attributed here.
    public var uringCompletePerCQE: SimDuration = .nanoseconds(500)
    /// io_uring: the program reading one CQE from the shared ring (user mode, no syscall), and its loop's work up
    /// to the next SQE (outside the IO's latency, which ends when the CQE is seen).
    public var uringReapPerCQE: SimDuration = .nanoseconds(20)
    /// io_uring: the program writing one SQE into the shared ring (user mode, before the io_uring_enter that submits
    /// it), inside the IO's latency, which starts as the SQE is written (the real backend reads the clock there).
    /// Default 0: the program's work is all in `uringReapPerCQE` unless calibrate measures the split (the loop
    /// over cached pages: its user time per IO less its time per IO outside the latency).
    public var uringPreparePerSQE: SimDuration = .zero
    /// io_uring: what a thread pays, beyond the switch and `machine.idleExit`, each time it is woken from a sleep
    /// in io_uring_enter waiting for completions (io_cqring_wait: finishing the wait and running the ring's task
    /// work and CQE path with caches gone cold by the sleep), before it looks at the CQ. A blocking `pread` that
    /// sleeps as often does not pay it: on the second machine its system time per IO at queue depth 1 was 2-3 us
    /// under io_uring's at depth 1 (14.6-15.3 against 16.6-18.0 us), where the model had them within 0.4 us.
    /// Calibrate fits it from the two (README, the fifteenth day). Default 0.
    public var uringWait: SimDuration = .zero

    public init() {}
}

/// How data moves between the device and memory.
public enum TransferMode: Sendable, Equatable {
    /// The device's DMA engine moves the data; no CPU is involved.
    case dma
    /// Programmed IO: a CPU copies every byte through a device register, at this rate, in the interrupt
    /// handler. ATA PIO mode 4 is 16.7 MB/s (ATA/ATAPI-6).
    case pio(bytesPerSecond: Int64)
}

/// Mechanical disk geometry: seek by distance plus rotation.
public struct HDDGeometry: Sendable, Equatable {
    /// Spindle speed; the rotational delay is uniform over one revolution (60 s / rpm).
    public var rpm: Int64
    /// Seek to an adjacent track.
    public var trackToTrackSeek: SimDuration
    /// Seek across the whole surface; a seek of distance d takes
    /// `trackToTrack + (fullStroke - trackToTrack) * sqrt(d / capacity)` (Ruemmler and Wilkes,
    /// "An introduction to disk drive modeling", IEEE Computer 1994: seek time grows with the square root
    /// of the distance for short seeks).
    public var fullStrokeSeek: SimDuration
    public init(rpm: Int64, trackToTrackSeek: SimDuration, fullStrokeSeek: SimDuration) {
        self.rpm = rpm
        self.trackToTrackSeek = trackToTrackSeek
        self.fullStrokeSeek = fullStrokeSeek
    }
}

/// The storage device.
public struct DeviceConfig: Sendable, Equatable {
    /// Service time of a read, before the transfer. Default: 4k O_DIRECT at QD1 on virtio-blk spends about
    /// 26 us in the block layer and device (baseline: device time 25 us + 0.5-1.5 ms/MiB).
    public var readLatency: Distribution = .constant(25_000)
    /// Service time of a write; nil means the same as reads.
    public var writeLatency: Distribution? = nil
    /// Transfer rate of the data, added to the service time; 0 means instantaneous. Default 1 GB/s
    /// (baseline: 0.5-1.5 ms per MiB). It is the device's rate, not a channel's: the channels share one data
    /// link (a SATA or PCIe link, a VM's host disk), so with several channels a transfer waits while another
    /// holds the link, and the device as a whole moves at most this many bytes per second.
    public var bandwidthBytesPerSecond: Int64 = 1_000_000_000
    /// Requests the device accepts at once (more wait in the kernel's driver queue).
    /// Default 256 (baseline: nr_requests 256).
    public var queueDepth: Int = 256
    /// Requests the device serves in parallel (internal channels); the others wait inside the device.
    /// Default 1 (baseline: "the device behaves like one FIFO server on the host side").
    public var channels: Int = 1
    /// DMA or PIO.
    public var transfer: TransferMode = .dma
    /// Mechanical geometry, for a hard disk; nil for solid state.
    public var hdd: HDDGeometry? = nil
    /// Capacity, used by the seek model. Default 1 TiB.
    public var capacityBytes: Int64 = 1 << 40
    /// Whether the driver has polled queues (IORING_SETUP_IOPOLL needs them: nvme.poll_queues > 0). The
    /// virtio-blk disk here has none: fio's --hipri fails with EOPNOTSUPP (baseline).
    public var pollQueues: Bool = false
    /// How the device groups the completions it signals (see `CompletionBatching`). With
    /// `InterruptConfig.suppressWhileServicing`, batching is what makes interrupts per IO fall with the queue
    /// depth on this machine (baseline: 1.0 at QD1, 0.3 at 4, 0.2 at 16, 0.1 at 64).
    public var completionBatching: CompletionBatching = .none
    /// With passes (`CompletionBatching.pass` or `.asyncPass`): the time the device takes to take each request of a pass before it can
    /// be served (a VMM thread popping the descriptor and issuing it to the host, one after another), so the
    /// k-th request of a pass starts no earlier than k of these after the pass began. Default 0; `iosim
    /// calibrate` fits it with `channels` to the IOPS measured at each queue depth.
    public var passDispatch: SimDuration = .zero
    /// With passes: the time from a request reaching an idle device to its pass starting.
    /// Requests that arrive meanwhile join that pass (as do those arriving while it runs, or with `.asyncPass`
    /// while it is still taking). On a VM this is the
    /// VMM thread waking up for the kick (the doorbell's eventfd, then the host's scheduler): it adds to every
    /// request that finds the device idle, and lets the requests of separate submitters share a pass (measured
    /// on this machine class, four threads each blocking in its own `pread` raise 0.27 to 0.34 interrupts per
    /// IO, where requests that each started a pass would raise about one). Default 0.
    public var passWakeup: SimDuration = .zero
    /// The device stalls now and then: at instants of a process with this mean interval (a Poisson process unless
    /// `stallIntervalShape` makes it more regular), a device that
    /// holds at least `stallMinimumRequests` requests finishes nothing for `stallDuration`: every request it
    /// holds completes no earlier than the stall's end (a request in service is served meanwhile, but its
    /// channel, holding it, takes no new one); an instant that comes while it is stalled does nothing. 0 (the
    /// default): no stalls. A flash device's garbage collection does this; so does a VM's device emulation losing
    /// its host CPU. Traced on this machine (`iosim real --trace`, README): with 4 or
    /// more reads in flight every IO comes back 2.4-3.7 ms late, together, 13-21 times a second; none with 1.
    /// `iosim calibrate` measures both from the gaps in the completions of its queue-depth-64 runs.
    public var stallInterval: SimDuration = .zero
    /// How long one stall lasts (see `stallInterval`).
    public var stallDuration: SimDuration = .zero
    /// The fewest requests the device must hold for a stall to happen (see `stallInterval`). Default 2: traced on
    /// this machine, 0.5 gaps of 1.5 ms or more a second at queue depth 1 (the device holding one request or
    /// none) against 12-17 from depth 4 on.
    public var stallMinimumRequests: Int = 2
    /// How regularly the stalls' instants come (see `stallInterval`): the time between two instants is the sum of
    /// this many exponential stages, each of the interval over the shape on average (an Erlang distribution,
    /// whose coefficient of variation is one over the square root of the shape; the stage's mean is truncated to
    /// whole nanoseconds). 1 (the default) is a Poisson process. The stalls themselves come less regularly than
    /// the instants, since an instant that finds the device stalled or holding too few requests makes none (with
    /// 2 stages, whose instants have a coefficient of 0.71, calibrate's depth-64 workload made stalls with
    /// 0.79-0.81). A trace here measured 0.66-0.69 between stalls (they came on a 10 ms clock of the host, 30 ms
    /// apart at least, mostly 40); `iosim calibrate` measures it in its queue-depth-64 runs and fits the shape by
    /// simulation.
    public var stallIntervalShape: Int = 1
    /// Whether an instant of the stalls' process that finds the device holding fewer than `stallMinimumRequests`
    /// requests still stalls it, should it come to hold enough before the stall would have ended: from then until
    /// the instant plus `stallDuration` (a host's hiccup lasts its time whatever the guest sends meanwhile). Off
    /// (the default), such an instant makes no stall. Measured here (README, the sixteenth day): the machine's
    /// stalls came as often at queue depth 16 as at 64 (16.3 and 15.4 a second), where the model without it made
    /// 40% fewer at 16 (its device is empty for a third of the time there, a pass's requests coming back together
    /// after its interrupt and the reap), and with it as many at depths 4 to 64, none at 1. `iosim calibrate` does
    /// not set it: the one calibration that did validated worse than the two without (README).
    public var stallWindow = false
    /// The shapes `stallIntervalShape` takes (16 stages: a coefficient of variation of 0.25).
    public static let stallIntervalShapes = 1...16

    public init() {}
}

/// How a device groups completions before it signals them.
public enum CompletionBatching: String, Sendable, Equatable, CaseIterable {
    /// Each request signals its own completion when it is done (NVMe with one interrupt per completion).
    case none
    /// The requests of one submission batch (one doorbell / virtio kick) are signalled together, when the
    /// last of them is done.
    case submission
    /// The device works in passes, as a VMM thread serving a virtqueue does (Firecracker's block device):
    /// a pass takes every request waiting when it starts and every one arriving while it runs (process_queue
    /// pops the ring until it is empty), serves them (`channels` at a time) and signals them together when the
    /// last is done. While a pass is open the driver rings no doorbell (`KernelConfig.doorbell`). In a closed
    /// loop at depth q the requests settle into a few groups that take turns, so interrupts per IO fall
    /// roughly as 1/q to 2/q. Traced on this machine (block tracepoints): 64 requests submitted over 200 us
    /// in three batches came back with one interrupt.
    case pass
    /// Passes that only take requests, as a VMM with an asynchronous engine serves a virtqueue (Firecracker's
    /// io_uring block engine hands each request to the host and goes on): a pass takes every request waiting
    /// when it starts and every one arriving while it is still taking, then re-arms the doorbell and ends; its
    /// requests are served (`channels` at a time) and signalled together when the last of them is done. Taking
    /// a request costs `passDispatch` and its transfer at the device's bandwidth (the host's read of a cached
    /// file copies the data as it is submitted), so large requests hold the pass open longer: measured here,
    /// three 64 KiB reads submitted 30 us after a lone one share its interrupt, where fifteen 4 KiB reads do not.
    /// A request arriving after the pass has taken its last one rings the doorbell and waits for the next pass,
    /// which may start while the earlier one's requests are still being served; each pass signals its own.
    /// Traced on this machine at queue depth 16 (README): 15 reads issued while one is still in the device
    /// come back with an interrupt of their own, and their submission rings the doorbell.
    case asyncPass

    /// The device works in passes (`passDispatch` and `passWakeup` apply).
    public var hasPasses: Bool { self == .pass || self == .asyncPass }
}

/// Where an interrupt is handled.
public enum InterruptTarget: Sendable, Equatable {
    /// Always this CPU (a legacy line routed to one CPU).
    case fixed(cpu: Int)
    /// CPUs in turn.
    case roundRobin
    /// The CPU that submitted the request, as with one MSI-X vector per CPU queue (NVMe, blk-mq).
    case submittingCPU
}

/// The interrupt controller and the completion routines it starts.
public struct InterruptConfig: Sendable, Equatable {
    /// From the device's completion to the ISR starting (MSI write, APIC, VM injection).
    /// Default 2 us (memory; a virtual interrupt injection on KVM is of the order of 1-3 us).
    public var deliveryLatency: SimDuration = .microseconds(2)
    /// The interrupt service routine: acknowledge, queue the deferred routine. 1.5 us (memory; Cleary:
    /// "microseconds"). Charged to `irq` on the interrupted CPU.
    public var isr: SimDuration = .nanoseconds(1_500)
    /// The deferred routine (DPC / block softirq) per completed request: complete the IRP / bio, wake or
    /// post. 2 us (baseline: irq+softirq is 0.13-0.2 CPU at 25k-100k IOPS, i.e. 2-5 us per IO with the ISR).
    public var deferredPerRequest: SimDuration = .microseconds(2)
    /// The deferred routine's further cost per 4 KiB page beyond the first of an unbuffered request
    /// (`deferredPerRequest` is a one-page request's): Linux's direct-IO completion releases every pinned user
    /// page (bio_release_pages: mark dirty and unpin, folio by folio) and the driver unmaps its scatterlist.
    /// Default 370 ns: machine-wide irq+softirq per IO at queue depth 1 is 7.1 us at 4 KiB and 12.6 us at
    /// 64 KiB with fio's io_uring engine (baseline.csv), 5.6 us over 15 further pages; `iosim calibrate` fits it
    /// from irq+softirq per IO by size.
    public var deferredPerPage: SimDuration = .nanoseconds(370)
    /// The deferred routine's further cost when its completion wakes a thread: one blocked on the request, or
    /// a ring's owner waiting in io_uring_enter (try_to_wake_up, and the IPI to the CPU it wakes on; a VM exit
    /// in a guest). Port packets and APCs do not pay it. Default 0 (inside the ISR's cost, which a workload
    /// waking one thread per interrupt cannot tell apart); `iosim calibrate` fits it from four blocking threads,
    /// which wake a thread per request.
    public var deferredWake: SimDuration = .zero
    /// The deferred routine's further cost when the thread it wakes last ran on another CPU that is idle: the
    /// wake-up is queued to that CPU and an inter-processor interrupt sent to take it (ttwu_queue_wakelist); in
    /// a guest, sending one is a VM exit, and the host must wake the halted vCPU. Modelled with per-CPU run queues
    /// only (`machine.runQueues: "perCPU"`, Linux's), which put a woken thread on the CPU it last ran on when that
    /// one is idle; with the shared queue it costs nothing. A wake-up to a running vCPU, such as the kick of a
    /// spinning SQPOLL thread, is cheap and not charged. One per target CPU per interrupt: the wake-ups a batch queues to a CPU
    /// share it (the IPI is sent only when its wake-up list was empty). A wake-up to a busy CPU pays nothing
    /// more here. Traced on the README's second machine (the irq and ipi tracepoints, four threads of blocking
    /// reads): the block softirq took 19-21 us per interrupt of about four completions, three wake-ups and 0.93
    /// IPIs, where io_uring at depth 4 (four completions, one local wake-up) took 3.7. Default 0; `iosim
    /// calibrate` fits it with `deferredWake` from the four threads.
    public var deferredWakeRemote: SimDuration = .zero
    /// In a virtual machine: the time a CPU with a thread on it loses when a device's interrupt is delivered to
    /// it, before its ISR runs. The host's device emulation, which shares that vCPU's host CPU, completes the
    /// request and injects the interrupt while the vCPU waits; the guest does not see it (no steal time here),
    /// and its tick counts the time as whatever the CPU was doing for the thread. Charged as such (user,
    /// system, switch or polling time), and the thread's work resumes that much later; completions meanwhile
    /// join the pending interrupt's batch when `suppressWhileServicing`. A CPU with no thread loses nothing.
    /// Traced on the README's second machine, inside io_uring submissions only (the model applies it to any
    /// thread): the disk's interrupts there came 11 us (median; mean 12.2) after the last request, where
    /// requests are 1 us apart, so about 11 us less one request (`.bench/trace-costs.sh`). Default 0.
    public var busyStall: SimDuration = .zero
    /// In a virtual machine: the further delivery latency of an interrupt to a CPU that is idle (its vCPU halted:
    /// the host must wake the vCPU's thread to inject it), beyond `deliveryLatency`, which a busy CPU's interrupt
    /// takes. Measured on the README's second machine by `iosim calibrate`: an SQPOLL job at queue depth 1, its
    /// program and poller pinned together, ran 7-9 us slower per read on the CPU beside the interrupts' (whose
    /// CPU idles) than on the interrupts' CPU (which never does; `Scenarios/uring/sqpoll-pinned.json5`).
    /// Whether the CPU is idle is taken when the interrupt is raised (one the host still polls,
    /// `machine.hostHaltPoll`, is not halted); a later interrupt of the same vector never arrives before it.
    /// Default 0.
    public var idleDelivery: SimDuration = .zero
    public var target: InterruptTarget = .fixed(cpu: 0)
    /// Interrupt coalescing as NVMe feature 08h: raise when `coalesceCount` completions are pending or when
    /// `coalesceTime` has passed since the first; a count of 0 or 1 disables coalescing.
    public var coalesceCount: Int = 1
    public var coalesceTime: SimDuration = .zero
    /// Interrupt suppression as virtio's event index and NVMe drivers do it: once an interrupt is raised,
    /// completions that arrive before the deferred routine has finished its batch join that batch instead of
    /// raising another interrupt (the driver disabled notifications while it drains the queue).
    public var suppressWhileServicing: Bool = false

    public init() {}
}

/// A file on the simulated device.
public struct FileSpec: Sendable, Equatable {
    public var name: String
    public var sizeBytes: Int64
    /// Whether its pages start in the page cache (for buffered IO).
    public var cached: Bool
    /// Whether IO on it goes through the page cache unless an operation says otherwise
    /// (false is FILE_FLAG_NO_BUFFERING / O_DIRECT).
    public var buffered: Bool
    public init(name: String, sizeBytes: Int64, cached: Bool = false, buffered: Bool = false) {
        self.name = name
        self.sizeBytes = sizeBytes
        self.cached = cached
        self.buffered = buffered
    }
}

/// An IO completion port (or any kernel queue of completion packets that threads wait on).
public struct PortSpec: Sendable, Equatable {
    public var name: String
    /// Most threads associated with the port running at once (CreateIoCompletionPort's NumberOfConcurrentThreads;
    /// 0 means the number of CPUs, as Windows does).
    public var concurrency: Int
    public init(name: String, concurrency: Int = 0) {
        self.name = name
        self.concurrency = concurrency
    }
}

/// When a run ends. With neither limit, it ends when every non-daemon thread has finished.
public struct StopCondition: Sendable, Equatable {
    /// End right after this many IOs have completed.
    public var afterIOs: Int? = nil
    /// End at this instant.
    public var afterTime: SimDuration? = nil
    public init(afterIOs: Int? = nil, afterTime: SimDuration? = nil) {
        self.afterIOs = afterIOs
        self.afterTime = afterTime
    }
}
