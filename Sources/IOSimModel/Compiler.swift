//! Turns thread programs into flat instruction lists and checks everything that can be checked before
//! the run: names resolve, durations are not negative, a request is issued before it is waited on.

import IOSimCore

struct CompiledIO: Sendable {
    /// Its index among all IO operations of all programs.
    var index: Int32
    var direction: IODirection
    var file: Int32
    var sizeBytes: Int64
    var offset: OffsetSpec
    var blocking: Bool
    var notice: NoticeKind
    var port: Int32
    var routineCost: Sampler
    var buffered: Bool
    var slot: Int32
    var skipPortOnSynchronousSuccess: Bool
    /// How many whole IOs of `sizeBytes` fit in the file (at least 1): a random offset is one of them.
    /// Computed once here, because a 64-bit division on every issue was a measurable share of it.
    var randomOffsetSlots: UInt64

    /// The whole IOs of `ioBytes` in a file of `fileBytes`, at least 1 (for `randomOffsetSlots`).
    static func randomOffsetSlots(fileBytes: Int64, ioBytes: Int64) -> UInt64 { max(UInt64(fileBytes / ioBytes), 1) }
}

enum NoticeKind: UInt8, Sendable {
    case statusOnly, completionRoutine, port
    /// A CQE on an io_uring.
    case ring
}

struct CompiledUring: Sendable {
    var ring: Int32
    /// The request each SQE creates (notice `.ring`).
    var io: CompiledIO
    var queueDepth: Int
    var ios: Int64
    var async: Bool
    var compute: Sampler
    var peek: Bool
    var submitEach: Bool
}

enum Instruction: Sendable {
    case compute(Sampler)
    case sleep(Sampler)
    case open(file: Int32)
    case io(Int32)  // index into World.ioOperations
    case getResult(slot: Int32, wait: Bool)
    case waitEvent(slot: Int32)
    case alertableWait(timeoutNanoseconds: Int64)  // -1: no timeout
    case dequeue(port: Int32)
    case post(port: Int32)
    case loopStart(count: Int64, end: Int32)
    case loopEnd(start: Int32)
    case pollUntil(slot: Int32, exit: Int32)
    case jump(to: Int32)
    case spawn(template: Int32)
    case report
    case uringLoop(Int32)  // index into World.uringLoops
    /// The body of an SQPOLL kernel thread for a ring.
    case sqPoller(ring: Int32)
    /// The body of an io-wq worker for a ring.
    case ioWorker(ring: Int32)
    case end
}

struct CompiledProgram: Sendable {
    var instructions: [Instruction] = []
    /// For each instruction, where it came from ("step 3.2 (getResult)"), for error messages.
    var stepNames: [String] = []
    var slotNames: [String] = []
    var ioOperations: [CompiledIO] = []
    var uringLoops: [CompiledUring] = []
}

struct Compiler {
    let scenario: Scenario
    /// Distributions that are neither constant nor exponential, shared by all programs.
    var distributions: [Distribution] = []
    /// IO operations compiled so far, over all programs.
    var ioCount: Int32 = 0
    /// io_uring loops compiled so far, over all programs.
    var uringCount: Int32 = 0

    func check(_ condition: Bool, _ subject: String, _ message: String) throws(SimulationError) {
        if !condition { throw SimulationError(.invalidConfiguration, subject: subject, message: message) }
    }

    /// A configured duration lies in 0...`SimDuration.longest`.
    func checkDuration(_ value: SimDuration, _ key: String) throws(SimulationError) {
        try check(value.nanoseconds >= 0, key, "a duration cannot be negative (found \(value.nanoseconds)ns)")
        try check(value <= .longest, key, Compiler.beyondLongest(value.nanoseconds))
    }

    /// Why a duration of `ns` is refused (see `SimDuration.longest`).
    static func beyondLongest(_ ns: Int64) -> String {
        "\(ns)ns is beyond the longest duration the model takes, \(SimDuration.longest.nanoseconds)ns (about 13 days)"
    }

    func checkDistribution(_ d: Distribution, _ subject: String, kind: SimulationError.Kind = .invalidConfiguration)
        throws(SimulationError)
    {
        func fail(_ m: String) -> SimulationError { SimulationError(kind, subject: subject, message: m) }
        let largest: Int64
        switch d {
        case .constant(let v): largest = v
        case .uniform(_, let b): largest = b
        case .exponential(let m): largest = m
        case .normal(let m, let sd): largest = max(m, sd)
        case .logNormal(let m, _): largest = m
        case .empirical(let points): largest = points.map(\.value).max() ?? 0
        }
        if largest > SimDuration.longest.nanoseconds { throw fail(Compiler.beyondLongest(largest)) }
        switch d {
        case .constant(let v): if v < 0 { throw fail("a duration cannot be negative (found \(v)ns)") }
        case .uniform(let a, let b):
            if a < 0 || b < a { throw fail("a uniform distribution needs 0 <= min <= max (found \(a)ns...\(b)ns)") }
        case .exponential(let m): if m < 0 { throw fail("the mean cannot be negative (found \(m)ns)") }
        case .normal(let m, let sd):
            if m < 0 || sd < 0 { throw fail("mean and standard deviation cannot be negative") }
        case .logNormal(let m, let s):
            if m <= 0 || !(s >= 0) || s > 10 { throw fail("a log-normal needs a positive mean and 0 <= sigma <= 10") }
        case .empirical(let points):
            if points.isEmpty { throw fail("an empirical table needs at least one point") }
            for (i, p) in points.enumerated() {
                if !(p.percentile >= 0 && p.percentile <= 100) { throw fail("percentiles lie in 0...100") }
                if p.value < 0 { throw fail("values cannot be negative") }
                if i > 0 && (p.percentile < points[i - 1].percentile || p.value < points[i - 1].value) {
                    throw fail("an empirical table must ascend in percentile and value")
                }
            }
        }
    }

    func validateConfiguration() throws(SimulationError) {
        let m = scenario.machine, k = scenario.kernel, d = scenario.device, i = scenario.interrupts
        try check(m.cpuCount >= 1 && m.cpuCount <= 4096, "machine.cpus", "needs 1 to 4096 CPUs (found \(m.cpuCount))")
        try check(
            !m.wakeAffine || m.runQueues == .perCPU, "machine.wakeAffine",
            "needs machine.runQueues: \"perCPU\" (the woken thread is queued on the waker's CPU)")
        try check(
            !m.wakePacking || m.runQueues == .perCPU, "machine.wakePacking",
            "needs machine.runQueues: \"perCPU\" (the woken thread is queued on the interrupt's CPU)")
        for (n, point) in m.wakeupAfterIdle.enumerated() {
            try checkDuration(point.idle, "machine.wakeupAfterIdle")
            try checkDuration(point.latency, "machine.wakeupAfterIdle")
            try check(
                n == 0 || point.idle > m.wakeupAfterIdle[n - 1].idle, "machine.wakeupAfterIdle",
                "its idle times must ascend (\(point.idle.nanoseconds)ns follows \(m.wakeupAfterIdle[max(0, n - 1)].idle.nanoseconds)ns)")
        }
        for (value, key) in [
            (m.contextSwitch, "machine.contextSwitch"), (m.wakeupLatency, "machine.wakeupLatency"),
            (m.timeSlice, "machine.timeSlice"), (m.threadCreate, "machine.threadCreate"),
            (m.migrationCost, "machine.migrationCost"), (m.hostHaltPoll, "machine.hostHaltPoll"),
            (m.idleExit, "machine.idleExit"), (m.idleExitUser, "machine.idleExitUser"), (m.localWakeup ?? .zero, "machine.localWakeup"),
            (k.syscallEntry, "kernel.syscallEntry"), (k.syscallExit, "kernel.syscallExit"),
            (k.requestCreate, "kernel.requestCreate"), (k.driverSubmit, "kernel.driverSubmit"),
            (k.doorbell, "kernel.doorbell"),
            (k.directIOPerPage, "kernel.directIOPerPage"), (i.deferredPerPage, "interrupts.deferredPerPage"),
            (i.deferredWake, "interrupts.deferredWake"), (i.deferredWakeRemote, "interrupts.deferredWakeRemote"),
            (i.busyStall, "interrupts.busyStall"), (i.idleDelivery, "interrupts.idleDelivery"),
            (k.pollCheck, "kernel.pollCheck"), (k.openFile, "kernel.openFile"), (k.pageCacheMiss, "kernel.pageCacheMiss"), (k.uringWait, "kernel.uringWait"),
            (i.deliveryLatency, "interrupts.delivery"), (i.isr, "interrupts.isr"),
            (i.deferredPerRequest, "interrupts.deferred"), (i.coalesceTime, "interrupts.coalesceTime"),
            (d.passDispatch, "device.passDispatch"), (d.passWakeup, "device.passWakeup"),
            (d.stallInterval, "device.stallInterval"), (d.stallDuration, "device.stallDuration"),
        ] {
            try checkDuration(value, key)
        }
        try check(
            m.timeSlice == .zero || m.timeSlice >= .microseconds(1), "machine.timeSlice",
            "a time slice is 0 (none) or at least 1us (found \(m.timeSlice.nanoseconds)ns)")
        try check(m.threadStackBytes >= 0, "machine.threadStack", "cannot be negative")
        try check(
            m.hostMilliCPUs == 0 || (m.hostMilliCPUs >= 100 && m.hostMilliCPUs <= 65_536_000), "machine.hostCPUs",
            "0 (not shared) or 0.1 to 65536 host CPUs (found \(m.hostMilliCPUs) thousandths)")
        try check(k.pageCacheCopyBytesPerSecond > 0, "kernel.pageCacheCopy", "the copy bandwidth must be positive")
        try checkDistribution(d.readLatency, "device.latency")
        if let w = d.writeLatency { try checkDistribution(w, "device.writeLatency") }
        try check(d.bandwidthBytesPerSecond >= 0, "device.bandwidth", "cannot be negative")
        try check(d.queueDepth >= 1, "device.queueDepth", "must be at least 1 (found \(d.queueDepth))")
        try check(d.channels >= 1, "device.channels", "must be at least 1 (found \(d.channels))")
        try check(d.capacityBytes > 0, "device.capacity", "must be positive")
        try check(d.stallMinimumRequests >= 1, "device.stallMinimumRequests", "must be at least 1 (found \(d.stallMinimumRequests))")
        try check(
            DeviceConfig.stallIntervalShapes.contains(d.stallIntervalShape), "device.stallIntervalShape",
            "from 1 to \(DeviceConfig.stallIntervalShapes.upperBound) (found \(d.stallIntervalShape))")
        // An interval under 1 us would schedule a stall check every few nanoseconds; none is that frequent.
        try check(
            d.stallInterval == .zero || d.stallInterval >= .microseconds(1), "device.stallInterval",
            "0 (no stalls) or at least 1us (found \(d.stallInterval.nanoseconds)ns)")
        try check(
            d.stallInterval == .zero || d.stallDuration > .zero, "device.stallDuration",
            "stalls (device.stallInterval above 0) need a positive duration")
        if case .pio(let rate) = d.transfer {
            try check(rate > 0, "device.pioRate", "the PIO copy rate must be positive")
        }
        if let h = d.hdd {
            try check(h.rpm > 0, "device.hdd.rpm", "must be positive")
            try check(
                h.trackToTrackSeek.nanoseconds >= 0 && h.fullStrokeSeek >= h.trackToTrackSeek, "device.hdd",
                "needs 0 <= trackToTrackSeek <= fullStrokeSeek")
            try checkDuration(h.fullStrokeSeek, "device.hdd.fullStrokeSeek")
        }
        if case .fixed(let cpu) = i.target {
            try check(
                cpu >= 0 && cpu < m.cpuCount, "interrupts.target", "CPU \(cpu) does not exist (CPUs 0..<\(m.cpuCount))")
        }
        try check(i.coalesceCount >= 0, "interrupts.coalesceCount", "cannot be negative")
        for (n, f) in scenario.files.enumerated() {
            try check(f.sizeBytes > 0, "files[\(n)].size", "a file needs a positive size")
            try check(
                f.sizeBytes <= 1 << 50, "files[\(n)].size",
                "\(f.sizeBytes) bytes is beyond the largest file the model takes, 1PiB (2^50 bytes)")
            try check(
                !scenario.files[..<n].contains { $0.name == f.name }, "files[\(n)].name",
                "a second file named '\(f.name)'")
        }
        for (n, r) in scenario.rings.enumerated() {
            try check(r.entries >= 1 && r.entries <= 32_768, "rings[\(n)].entries", "must lie in 1...32768")
            try checkDuration(r.sqThreadIdle, "rings[\(n)].sqThreadIdle")
            if let w = r.maxWorkers { try check(w >= 1, "rings[\(n)].maxWorkers", "must be at least 1") }
            if let cpu = r.sqThreadCPU {
                // io_uring_setup refuses IORING_SETUP_SQ_AFF without SQPOLL (EINVAL), and a CPU that is not online.
                try check(r.sqpoll, "rings[\(n)].sqThreadCPU", "binds the SQPOLL thread: the ring needs sqpoll: true")
                try check(
                    cpu >= 0 && cpu < m.cpuCount, "rings[\(n)].sqThreadCPU",
                    "CPU \(cpu) does not exist (CPUs 0..<\(m.cpuCount))")
            }
            try check(
                !scenario.rings[..<n].contains { $0.name == r.name }, "rings[\(n)].name", "a second ring named '\(r.name)'")
        }
        for (n, p) in scenario.ports.enumerated() {
            try check(p.concurrency >= 0, "ports[\(n)].concurrency", "cannot be negative")
            try check(
                !scenario.ports[..<n].contains { $0.name == p.name }, "ports[\(n)].name",
                "a second port named '\(p.name)'")
        }
        for (n, t) in scenario.threads.enumerated() {
            try check(t.count >= 1 && t.count <= 1_000_000, "threads[\(n)].count", "needs 1 to 1,000,000 (found \(t.count))")
            try check(
                !scenario.threads[..<n].contains { $0.name == t.name }, "threads[\(n)].name",
                "a second thread named '\(t.name)'")
            if let cpus = t.cpus {
                try check(!cpus.isEmpty, "threads[\(n)].cpus", "needs at least one CPU (sched_setaffinity refuses an empty set)")
                for cpu in cpus {
                    try check(
                        cpu >= 0 && cpu < m.cpuCount, "threads[\(n)].cpus",
                        "CPU \(cpu) does not exist (CPUs 0..<\(m.cpuCount))")
                }
            }
        }
        if let s = scenario.stop.afterIOs { try check(s >= 1, "stop.ios", "must be at least 1") }
        if let s = scenario.stop.afterTime {
            try check(s.nanoseconds > 0, "stop.time", "must be positive")
            try checkDuration(s, "stop.time")
        }
    }

    mutating func compile(_ spec: ThreadSpec) throws(SimulationError) -> CompiledProgram {
        var program = CompiledProgram()
        var issued: [Bool] = []
        try emit(spec.program, path: "", thread: spec, into: &program, issued: &issued)
        program.instructions.append(.end)
        program.stepNames.append("end")
        return program
    }

    private func slot(_ name: String, _ program: inout CompiledProgram, _ issued: inout [Bool]) -> Int32 {
        if let i = program.slotNames.firstIndex(of: name) { return Int32(i) }
        program.slotNames.append(name)
        issued.append(false)
        return Int32(program.slotNames.count - 1)
    }

    private mutating func emit(
        _ operations: [Operation], path: String, thread: ThreadSpec, into program: inout CompiledProgram,
        issued: inout [Bool]
    ) throws(SimulationError) {
        for (index, operation) in operations.enumerated() {
            let step = path.isEmpty ? "\(index + 1)" : "\(path).\(index + 1)"
            let subject = "thread '\(thread.name)' step \(step)"
            func fail(_ message: String) -> SimulationError {
                SimulationError(.invalidProgram, subject: subject, message: message)
            }
            // The page cache is a bitmap of the file's pages (2 MiB for 64 GiB); larger files take only O_DIRECT.
            func checkPageCache(buffered: Bool, _ file: FileSpec) throws(SimulationError) {
                if buffered && file.sizeBytes > World.pageCacheFileLimit {
                    throw fail(
                        "buffered IO on '\(file.name)' (\(file.sizeBytes) bytes): the page cache is modelled for files of "
                            + "up to \(World.pageCacheFileLimit >> 30)GiB; make the file smaller or the IO O_DIRECT (buffered: false)")
                }
            }
            func add(_ instruction: Instruction, _ label: String) {
                program.instructions.append(instruction)
                program.stepNames.append("step \(step) (\(label))")
            }
            func requestSlot(_ name: String) throws(SimulationError) -> Int32 {
                guard let i = program.slotNames.firstIndex(of: name), issued[i] else {
                    throw fail("waits on request '\(name)', which this thread has not issued before this step")
                }
                return Int32(i)
            }
            func portIndex(_ name: String) throws(SimulationError) -> Int32 {
                guard let i = scenario.ports.firstIndex(where: { $0.name == name }) else {
                    let known = scenario.ports.map(\.name).joined(separator: ", ")
                    throw fail("no port named '\(name)' (ports: \(known.isEmpty ? "none" : known))")
                }
                return Int32(i)
            }
            func fileIndex(_ name: String) throws(SimulationError) -> Int32 {
                guard let i = scenario.files.firstIndex(where: { $0.name == name }) else {
                    let known = scenario.files.map(\.name).joined(separator: ", ")
                    throw fail("no file named '\(name)' (files: \(known.isEmpty ? "none" : known))")
                }
                return Int32(i)
            }
            switch operation {
            case .compute(let d):
                try checkDistribution(d, subject, kind: .invalidProgram)
                add(.compute(Sampler(d, table: &distributions)), "compute")
            case .sleep(let d):
                try checkDistribution(d, subject, kind: .invalidProgram)
                add(.sleep(Sampler(d, table: &distributions)), "sleep")
            case .open(let file):
                add(.open(file: try fileIndex(file)), "open")
            case .io(let io):
                let file = try fileIndex(io.file)
                let spec = scenario.files[Int(file)]
                if io.sizeBytes <= 0 { throw fail("an IO needs a positive size (found \(io.sizeBytes))") }
                if io.sizeBytes > spec.sizeBytes {
                    throw fail("an IO of \(io.sizeBytes) bytes does not fit in '\(spec.name)' (\(spec.sizeBytes) bytes)")
                }
                if case .fixed(let off) = io.offset, off < 0 || off > spec.sizeBytes - io.sizeBytes {
                    throw fail("offset \(off) + \(io.sizeBytes) bytes lies outside '\(spec.name)' (\(spec.sizeBytes) bytes)")
                }
                var notice = NoticeKind.statusOnly
                var port: Int32 = -1
                var routine = Sampler(.constant(0), table: &distributions)
                switch io.notice {
                case .statusOnly: break
                case .completionRoutine(let cost):
                    try checkDistribution(cost, subject, kind: .invalidProgram)
                    notice = .completionRoutine
                    routine = Sampler(cost, table: &distributions)
                case .port(let name):
                    notice = .port
                    port = try portIndex(name)
                }
                if io.style == .blocking && notice != .statusOnly {
                    throw fail("a blocking IO cannot have a completion routine or a port; use style overlapped")
                }
                var s: Int32 = -1
                if let name = io.name {
                    s = slot(name, &program, &issued)
                    issued[Int(s)] = true
                }
                try checkPageCache(buffered: io.buffered ?? spec.buffered, spec)
                program.ioOperations.append(
                        CompiledIO(
                            index: ioCount, direction: io.direction, file: file, sizeBytes: io.sizeBytes, offset: io.offset,
                            blocking: io.style == .blocking, notice: notice, port: port, routineCost: routine,
                            buffered: io.buffered ?? spec.buffered, slot: s,
                            skipPortOnSynchronousSuccess: io.skipPortOnSynchronousSuccess,
                            randomOffsetSlots: CompiledIO.randomOffsetSlots(fileBytes: spec.sizeBytes, ioBytes: io.sizeBytes)))
                add(.io(ioCount), io.direction.rawValue)
                ioCount += 1
            case .getResult(let name, let wait):
                add(.getResult(slot: try requestSlot(name), wait: wait), "getResult")
            case .waitEvent(let name):
                add(.waitEvent(slot: try requestSlot(name)), "waitEvent")
            case .alertableWait(let timeout):
                if let t = timeout, t.nanoseconds < 0 { throw fail("a timeout cannot be negative") }
                if let t = timeout, t > .longest { throw fail("a timeout of " + Compiler.beyondLongest(t.nanoseconds)) }
                add(.alertableWait(timeoutNanoseconds: timeout?.nanoseconds ?? -1), "alertableWait")
            case .dequeue(let port):
                add(.dequeue(port: try portIndex(port)), "dequeue")
            case .post(let port):
                add(.post(port: try portIndex(port)), "post")
            case .repeatCount(let count, let body):
                if count < 0 { throw fail("a repeat count cannot be negative (found \(count))") }
                let start = program.instructions.count
                add(.loopStart(count: Int64(count), end: -1), "repeat")
                try emit(body, path: step, thread: thread, into: &program, issued: &issued)
                add(.loopEnd(start: Int32(start)), "end of repeat")
                program.instructions[start] = .loopStart(count: Int64(count), end: Int32(program.instructions.count - 1))
            case .repeatForever(let body):
                let start = program.instructions.count
                // A forever loop keeps no count on the loop stack: its end jumps back to the body's start.
                add(.jump(to: Int32(start + 1)), "repeat forever")
                try emit(body, path: step, thread: thread, into: &program, issued: &issued)
                add(.jump(to: Int32(start + 1)), "end of repeat")
            case .untilComplete(let name, let body):
                let s = try requestSlot(name)
                let start = program.instructions.count
                add(.pollUntil(slot: s, exit: -1), "untilComplete")
                try emit(body, path: step, thread: thread, into: &program, issued: &issued)
                add(.jump(to: Int32(start)), "end of untilComplete")
                program.instructions[start] = .pollUntil(slot: s, exit: Int32(program.instructions.count))
            case .spawn(let name):
                guard let i = scenario.threads.firstIndex(where: { $0.name == name }) else {
                    throw fail("no thread named '\(name)' to spawn")
                }
                add(.spawn(template: Int32(i)), "spawn")
            case .reportProgress:
                add(.report, "reportProgress")
            case .uring(let loop):
                guard let ring = scenario.rings.firstIndex(where: { $0.name == loop.ring }) else {
                    let known = scenario.rings.map(\.name).joined(separator: ", ")
                    throw fail("no ring named '\(loop.ring)' (rings: \(known.isEmpty ? "none" : known))")
                }
                let spec = scenario.rings[ring]
                let file = try fileIndex(loop.file)
                let fileSpec = scenario.files[Int(file)]
                if loop.sizeBytes <= 0 || loop.sizeBytes > fileSpec.sizeBytes {
                    throw fail("an IO of \(loop.sizeBytes) bytes does not fit in '\(fileSpec.name)' (\(fileSpec.sizeBytes) bytes)")
                }
                if case .fixed(let off) = loop.offset, off < 0 || off > fileSpec.sizeBytes - loop.sizeBytes {
                    throw fail("offset \(off) + \(loop.sizeBytes) bytes lies outside '\(fileSpec.name)' (\(fileSpec.sizeBytes) bytes)")
                }
                if loop.queueDepth < 1 || loop.queueDepth > spec.entries {
                    throw fail("queue depth \(loop.queueDepth) must lie in 1...\(spec.entries) (the ring's entries)")
                }
                if loop.ios < 1 { throw fail("an io_uring loop needs at least one IO") }
                let buffered = loop.buffered ?? fileSpec.buffered
                try checkPageCache(buffered: buffered, fileSpec)
                if spec.iopoll {
                    if !scenario.device.pollQueues {
                        throw fail(
                            "IORING_SETUP_IOPOLL is not supported on this device: it has no poll queues "
                                + "(virtio-blk, or nvme.poll_queues=0); the kernel answers EOPNOTSUPP")
                    }
                    if buffered { throw fail("IOPOLL needs O_DIRECT (buffered: false)") }
                }
                if loop.peek && spec.iopoll {
                    throw fail(
                        "peeking the CQ does not go with IOPOLL: its completions are found only by polling inside "
                            + "io_uring_enter; wait for them instead (peek: false)")
                }
                if loop.peek && !(spec.sqpoll || spec.taskRun == .interrupt) {
                    throw fail(
                        "peeking the CQ needs taskRun interrupt or SQPOLL: with COOP/DEFER_TASKRUN completions are "
                            + "posted only when the thread enters the kernel")
                }
                if loop.submitEach && (spec.sqpoll || spec.iopoll || loop.peek) {
                    throw fail(
                        "submit: \"each\" (fio's loop: an io_uring_enter per SQE) is modelled for rings without SQPOLL "
                            + "or IOPOLL and without peek; with SQPOLL the poller submits, with IOPOLL the waiter polls")
                }
                if let c = loop.compute { try checkDistribution(c, subject, kind: .invalidProgram) }
                let io = CompiledIO(
                    index: -1, direction: loop.direction, file: file, sizeBytes: loop.sizeBytes, offset: loop.offset,
                    blocking: false, notice: .ring, port: Int32(ring), routineCost: Sampler(.constant(0), table: &distributions),
                    buffered: buffered, slot: -1, skipPortOnSynchronousSuccess: false,
                    randomOffsetSlots: CompiledIO.randomOffsetSlots(fileBytes: fileSpec.sizeBytes, ioBytes: loop.sizeBytes))
                program.uringLoops.append(
                    CompiledUring(
                        ring: Int32(ring), io: io, queueDepth: loop.queueDepth, ios: Int64(loop.ios), async: loop.async,
                        compute: Sampler(loop.compute ?? .constant(0), table: &distributions), peek: loop.peek,
                        submitEach: loop.submitEach))
                add(.uringLoop(uringCount), "uring")
                uringCount += 1
            }
        }
    }
}
