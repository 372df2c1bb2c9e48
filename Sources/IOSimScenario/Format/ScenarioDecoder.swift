//! A parsed scenario document to a `Scenario`: every key documented in README.md ("Scenario format").

import IOSimCore
import IOSimModel

/// A scenario read from a file: the model's `Scenario` plus what only the file carries.
public struct ScenarioFile: Sendable {
    /// The file it came from (after `extends` was applied).
    public var path: String
    public var scenario: Scenario
    public var description: String
    public var expectations: [Expectation]
}

enum ScenarioDecoder {
    static let topLevelKeys = [
        "name", "description", "seed", "extends", "machine", "kernel", "device", "interrupts", "files", "ports",
        "rings", "threads", "stop", "narrate", "expect",

    ]

    static func decode(_ root: JSON5Value, path: String) throws(ScenarioError) -> ScenarioFile {
        var top = try Fields(root, path: "")
        var s = Scenario(name: "scenario")
        var description = ""
        top.allow("extends")  // applied by the loader
        if let v = top.take("name") { s.name = try Read.string(v, "name") }
        if let v = top.take("description") { description = try Read.string(v, "description") }
        if let v = top.take("seed") { s.seed = UInt64(try Read.int(v, "seed", 0...Int64.max)) }
        if let v = top.take("machine") { try machine(v, &s.machine) }
        if let v = top.take("kernel") { try kernel(v, &s.kernel) }
        if let v = top.take("device") { try device(v, &s.device) }
        if let v = top.take("interrupts") { try interrupts(v, &s.interrupts) }
        if let v = top.take("files") { s.files = try files(v) }
        if let v = top.take("ports") { s.ports = try ports(v) }
        if let v = top.take("rings") { s.rings = try rings(v, cpuCount: s.machine.cpuCount) }
        if let v = top.take("threads") { s.threads = try threads(v, cpuCount: s.machine.cpuCount) }
        if let v = top.take("stop") { s.stop = try stop(v) }
        if let v = top.take("narrate") { s.narrateIO = try Read.int(v, "narrate", 0...Int64(Int32.max)) }
        var expectations: [Expectation] = []
        if let v = top.take("expect") { expectations = try Expectation.parseAll(v) }
        try top.finish()
        if s.threads.isEmpty {
            throw ScenarioError(
                location: root.location, keyPath: "threads", message: "a scenario needs at least one thread",
                hint: "add threads: [{ name: \"main\", program: [{ read: \"data\", size: \"4KiB\" }] }]")
        }
        return ScenarioFile(path: path, scenario: s, description: description, expectations: expectations)
    }

    static func machine(_ v: JSON5Value, _ m: inout MachineConfig) throws(ScenarioError) {
        var f = try Fields(v, path: "machine")
        if let x = f.take("cpus") { m.cpuCount = try Read.int(x, f.child("cpus"), 1...1024) }
        if let x = f.take("contextSwitch") { m.contextSwitch = try Read.duration(x, f.child("contextSwitch")) }
        if let x = f.take("wakeupLatency") { m.wakeupLatency = try Read.duration(x, f.child("wakeupLatency")) }
        if let x = f.take("timeSlice") { m.timeSlice = try Read.duration(x, f.child("timeSlice")) }
        if let x = f.take("threadCreate") { m.threadCreate = try Read.duration(x, f.child("threadCreate")) }
        if let x = f.take("threadStack") { m.threadStackBytes = try Read.size(x, f.child("threadStack")) }
        if let x = f.take("hostCPUs") {
            let path = f.child("hostCPUs")
            let cpus = try Read.double(x, path, 0...65_536)
            if cpus != 0 && cpus < 0.1 {
                throw Read.fail(
                    x, path, "expected 0 (not shared) or at least 0.1 host CPUs, found \(cpus)",
                    hint: "hostCPUs: 2 shares two host CPUs among the machine's CPUs and the device's emulation")
            }
            m.hostMilliCPUs = Int64((cpus * 1_000).rounded())
        }
        if let x = f.take("runQueues") {
            m.runQueues = RunQueues(rawValue: try Read.choice(x, f.child("runQueues"), RunQueues.allCases.map(\.rawValue)))!
        }
        if let x = f.take("migrationCost") { m.migrationCost = try Read.duration(x, f.child("migrationCost")) }
        if let x = f.take("hostHaltPoll") { m.hostHaltPoll = try Read.duration(x, f.child("hostHaltPoll")) }
        if let x = f.take("idleExit") { m.idleExit = try Read.duration(x, f.child("idleExit")) }
        if let x = f.take("idleExitUser") { m.idleExitUser = try Read.duration(x, f.child("idleExitUser")) }
        if let x = f.take("localWakeup") { m.localWakeup = try Read.duration(x, f.child("localWakeup")) }
        if let x = f.take("wakeAffine") { m.wakeAffine = try Read.bool(x, f.child("wakeAffine")) }
        if let x = f.take("wakePacking") { m.wakePacking = try Read.bool(x, f.child("wakePacking")) }
        if let x = f.take("wakeupAfterIdle") { m.wakeupAfterIdle = try wakeupAfterIdle(x, f.child("wakeupAfterIdle")) }
        try f.finish()
    }

    /// `machine.wakeupAfterIdle`: { "5us": "30us", "200us": "55us" }, idle time to wake-up latency, in any order
    /// (taken in order of idle time); one idle time written twice ("5us", "5000ns") is refused.
    static func wakeupAfterIdle(_ v: JSON5Value, _ p: String) throws(ScenarioError) -> [WakeupAfterIdle] {
        var f = try Fields(v, path: p)
        var points: [WakeupAfterIdle] = []
        for member in f.members {
            f.allow(member.key)
            guard case .success(let idleNs) = Units.parseDuration(member.key) else {
                throw ScenarioError(
                    location: member.keyLocation, keyPath: "\(p).\(member.key)",
                    message: "expected an idle time such as \"5us\" as the key, found '\(member.key)'",
                    hint: "write wakeupAfterIdle: { \"5us\": \"30us\", \"200us\": \"55us\" } (idle time: wake-up latency)")
            }
            let idle = SimDuration.nanoseconds(idleNs)
            let latency = try Read.duration(member.value, "\(p).\(member.key)")
            if let same = points.first(where: { $0.idle == idle }) {
                throw ScenarioError(
                    location: member.keyLocation, keyPath: "\(p).\(member.key)",
                    message: "the idle time \(Units.formatDuration(nanoseconds: idle.nanoseconds)) is given twice",
                    hint: "it already has the latency \(Units.formatDuration(nanoseconds: same.latency.nanoseconds))")
            }
            points.append(WakeupAfterIdle(idle: idle, latency: latency))
        }
        if points.isEmpty { throw Read.fail(v, p, "expected at least one idle time and its wake-up latency") }
        return points.sorted { $0.idle < $1.idle }
    }

    static func kernel(_ v: JSON5Value, _ k: inout KernelConfig) throws(ScenarioError) {
        var f = try Fields(v, path: "kernel")
        if let x = f.take("personality") {
            k.personality = KernelPersonality(rawValue: try Read.choice(x, f.child("personality"), ["windows", "linux"]))!
        }
        if let x = f.take("syscallEntry") { k.syscallEntry = try Read.duration(x, f.child("syscallEntry")) }
        if let x = f.take("syscallExit") { k.syscallExit = try Read.duration(x, f.child("syscallExit")) }
        if let x = f.take("requestCreate") { k.requestCreate = try Read.duration(x, f.child("requestCreate")) }
        if let x = f.take("driverSubmit") { k.driverSubmit = try Read.duration(x, f.child("driverSubmit")) }
        if let x = f.take("doorbell") { k.doorbell = try Read.duration(x, f.child("doorbell")) }
        if let x = f.take("directIOPerPage") { k.directIOPerPage = try Read.duration(x, f.child("directIOPerPage")) }
        if let x = f.take("pageCacheCopy") {
            k.pageCacheCopyBytesPerSecond = try Read.rate(x, f.child("pageCacheCopy"))
            if k.pageCacheCopyBytesPerSecond <= 0 {
                throw Read.fail(x, f.child("pageCacheCopy"), "expected a positive rate such as \"10GB/s\"")
            }
        }
        if let x = f.take("pageCacheMiss") { k.pageCacheMiss = try Read.duration(x, f.child("pageCacheMiss")) }
        if let x = f.take("pollCheck") { k.pollCheck = try Read.duration(x, f.child("pollCheck")) }
        if let x = f.take("openFile") { k.openFile = try Read.duration(x, f.child("openFile")) }
        if let x = f.take("uringSubmitPerSQE") { k.uringSubmitPerSQE = try Read.duration(x, f.child("uringSubmitPerSQE")) }
        if let x = f.take("uringCompletePerCQE") { k.uringCompletePerCQE = try Read.duration(x, f.child("uringCompletePerCQE")) }
        if let x = f.take("uringReapPerCQE") { k.uringReapPerCQE = try Read.duration(x, f.child("uringReapPerCQE")) }
        if let x = f.take("uringPreparePerSQE") { k.uringPreparePerSQE = try Read.duration(x, f.child("uringPreparePerSQE")) }
        if let x = f.take("uringWait") { k.uringWait = try Read.duration(x, f.child("uringWait")) }
        try f.finish()
    }

    static func device(_ v: JSON5Value, _ d: inout DeviceConfig) throws(ScenarioError) {
        var f = try Fields(v, path: "device")
        if let x = f.take("profile") {
            let names = DeviceProfile.all.map(\.name)
            d = DeviceProfile.named(try Read.choice(x, f.child("profile"), names))!.device
        }
        if let x = f.take("latency") { d.readLatency = try Read.distribution(x, f.child("latency")) }
        if let x = f.take("writeLatency") { d.writeLatency = try Read.distribution(x, f.child("writeLatency")) }
        if let x = f.take("bandwidth") { d.bandwidthBytesPerSecond = try Read.rate(x, f.child("bandwidth")) }
        if let x = f.take("queueDepth") { d.queueDepth = try Read.int(x, f.child("queueDepth"), 1...65_536) }
        if let x = f.take("channels") { d.channels = try Read.int(x, f.child("channels"), 1...65_536) }
        if let x = f.take("pollQueues") { d.pollQueues = try Read.bool(x, f.child("pollQueues")) }
        if let x = f.take("completionBatching") {
            // true and false stay accepted: they were the key's first values (true meant "submission").
            if case .bool(let b) = x.kind {
                d.completionBatching = b ? .submission : .none
            } else {
                let names = CompletionBatching.allCases.map(\.rawValue)
                d.completionBatching = CompletionBatching(
                    rawValue: try Read.choice(x, f.child("completionBatching"), names))!
            }
        }
        if let x = f.take("passDispatch") { d.passDispatch = try Read.duration(x, f.child("passDispatch")) }
        if let x = f.take("passWakeup") { d.passWakeup = try Read.duration(x, f.child("passWakeup")) }
        if let x = f.take("stallInterval") { d.stallInterval = try Read.duration(x, f.child("stallInterval")) }
        if let x = f.take("stallDuration") { d.stallDuration = try Read.duration(x, f.child("stallDuration")) }
        if let x = f.take("stallMinimumRequests") {
            d.stallMinimumRequests = try Read.int(x, f.child("stallMinimumRequests"), 1...65_536)
        }
        if let x = f.take("stallWindow") { d.stallWindow = try Read.bool(x, f.child("stallWindow")) }
        if let x = f.take("stallIntervalShape") {
            d.stallIntervalShape = try Read.int(x, f.child("stallIntervalShape"), 1...Int64(DeviceConfig.stallIntervalShapes.upperBound))
        }
        if let x = f.take("capacity") {
            d.capacityBytes = try Read.size(x, f.child("capacity"))
            if d.capacityBytes <= 0 { throw Read.fail(x, f.child("capacity"), "expected a positive size such as \"1TiB\"") }
        }
        var pioRate: Int64 = 16_700_000  // ATA PIO mode 4 (ATA/ATAPI-6)
        if let x = f.take("pioRate") {
            pioRate = try Read.rate(x, f.child("pioRate"))
            if pioRate <= 0 { throw Read.fail(x, f.child("pioRate"), "expected a positive rate such as \"16MB/s\"") }
        }
        if let x = f.take("transfer") {
            d.transfer = try Read.choice(x, f.child("transfer"), ["dma", "pio"]) == "dma" ? .dma : .pio(bytesPerSecond: pioRate)
        } else if case .pio = d.transfer {
            d.transfer = .pio(bytesPerSecond: pioRate)
        }
        if let x = f.take("hdd") {
            if case .null = x.kind {
                d.hdd = nil
            } else {
                var h = try Fields(x, path: f.child("hdd"))
                var g = d.hdd ?? HDDGeometry(rpm: 7_200, trackToTrackSeek: .milliseconds(1), fullStrokeSeek: .milliseconds(16))
                if let y = h.take("rpm") { g.rpm = Int64(try Read.int(y, h.child("rpm"), 1...100_000)) }
                if let y = h.take("trackToTrackSeek") { g.trackToTrackSeek = try Read.duration(y, h.child("trackToTrackSeek")) }
                if let y = h.take("fullStrokeSeek") { g.fullStrokeSeek = try Read.duration(y, h.child("fullStrokeSeek")) }
                try h.finish()
                if g.fullStrokeSeek < g.trackToTrackSeek {
                    throw Read.fail(x, h.path, "fullStrokeSeek must not be shorter than trackToTrackSeek")
                }
                d.hdd = g
            }
        }
        try f.finish()
    }

    static func interrupts(_ v: JSON5Value, _ i: inout InterruptConfig) throws(ScenarioError) {
        var f = try Fields(v, path: "interrupts")
        if let x = f.take("delivery") { i.deliveryLatency = try Read.duration(x, f.child("delivery")) }
        if let x = f.take("isr") { i.isr = try Read.duration(x, f.child("isr")) }
        if let x = f.take("deferred") { i.deferredPerRequest = try Read.duration(x, f.child("deferred")) }
        if let x = f.take("deferredPerPage") { i.deferredPerPage = try Read.duration(x, f.child("deferredPerPage")) }
        if let x = f.take("deferredWake") { i.deferredWake = try Read.duration(x, f.child("deferredWake")) }
        if let x = f.take("deferredWakeRemote") { i.deferredWakeRemote = try Read.duration(x, f.child("deferredWakeRemote")) }
        if let x = f.take("busyStall") { i.busyStall = try Read.duration(x, f.child("busyStall")) }
        if let x = f.take("idleDelivery") { i.idleDelivery = try Read.duration(x, f.child("idleDelivery")) }
        if let x = f.take("target") {
            switch x.kind {
            case .number: i.target = .fixed(cpu: try Read.int(x, f.child("target"), 0...1023))
            default:
                let s = try Read.string(x, f.child("target"))
                if s == "roundRobin" {
                    i.target = .roundRobin
                } else if s == "submittingCPU" {
                    i.target = .submittingCPU
                } else if s.hasPrefix("cpu"), let n = Int(s.dropFirst(3)), n >= 0 {
                    i.target = .fixed(cpu: n)
                } else {
                    throw Read.fail(
                        x, f.child("target"), "expected \"cpu0\" (or another CPU), \"roundRobin\" or \"submittingCPU\", found \"\(s)\"")
                }
            }
        }
        if let x = f.take("coalesceCount") { i.coalesceCount = try Read.int(x, f.child("coalesceCount"), 0...256) }
        if let x = f.take("coalesceTime") { i.coalesceTime = try Read.duration(x, f.child("coalesceTime")) }
        if let x = f.take("suppressWhileServicing") {
            i.suppressWhileServicing = try Read.bool(x, f.child("suppressWhileServicing"))
        }
        try f.finish()
    }

    static func files(_ v: JSON5Value) throws(ScenarioError) -> [FileSpec] {
        var result: [FileSpec] = []
        for (n, item) in try Read.array(v, "files").enumerated() {
            var f = try Fields(item, path: "files[\(n)]")
            guard let nameValue = f.take("name") else { throw Read.fail(item, f.path, "a file needs a name") }
            guard let sizeValue = f.take("size") else {
                throw Read.fail(item, f.path, "a file needs a size", hint: "size: \"64MiB\"")
            }
            let size = try Read.size(sizeValue, f.child("size"))
            if size <= 0 { throw Read.fail(sizeValue, f.child("size"), "a file needs a positive size") }
            var spec = FileSpec(name: try Read.string(nameValue, f.child("name")), sizeBytes: size)
            if let x = f.take("cached") { spec.cached = try Read.bool(x, f.child("cached")) }
            if let x = f.take("buffered") { spec.buffered = try Read.bool(x, f.child("buffered")) }
            try f.finish()
            if result.contains(where: { $0.name == spec.name }) {
                throw Read.fail(nameValue, f.child("name"), "a second file named '\(spec.name)'")
            }
            result.append(spec)
        }
        return result
    }

    static func ports(_ v: JSON5Value) throws(ScenarioError) -> [PortSpec] {
        var result: [PortSpec] = []
        for (n, item) in try Read.array(v, "ports").enumerated() {
            var f = try Fields(item, path: "ports[\(n)]")
            guard let nameValue = f.take("name") else { throw Read.fail(item, f.path, "a port needs a name") }
            var spec = PortSpec(name: try Read.string(nameValue, f.child("name")))
            if let x = f.take("concurrency") { spec.concurrency = try Read.int(x, f.child("concurrency"), 0...4096) }
            try f.finish()
            if result.contains(where: { $0.name == spec.name }) {
                throw Read.fail(nameValue, f.child("name"), "a second port named '\(spec.name)'")
            }
            result.append(spec)
        }
        return result
    }

    /// A CPU of the machine (`cpuCount` of them): a whole number, or "cpu1" as `interrupts.target` writes it.
    static func cpu(_ v: JSON5Value, _ path: String, cpuCount: Int) throws(ScenarioError) -> Int {
        let n: Int
        if case .string(let s) = v.kind, s.hasPrefix("cpu"), let k = Int(s.dropFirst(3)) {
            n = k
        } else if case .number = v.kind {
            n = try Read.int(v, path, 0...4095)
        } else {
            throw Read.fail(v, path, "expected a CPU number such as 0 (or \"cpu0\"), found \(v.briefDescription)")
        }
        guard n >= 0 && n < cpuCount else {
            throw Read.fail(
                v, path, "CPU \(n) does not exist: the machine has CPUs 0..<\(cpuCount)",
                hint: "machine.cpus sets how many CPUs the machine has")
        }
        return n
    }

    static func rings(_ v: JSON5Value, cpuCount: Int) throws(ScenarioError) -> [RingSpec] {
        var result: [RingSpec] = []
        for (n, item) in try Read.array(v, "rings").enumerated() {
            var f = try Fields(item, path: "rings[\(n)]")
            guard let nameValue = f.take("name") else { throw Read.fail(item, f.path, "a ring needs a name") }
            var spec = RingSpec(name: try Read.string(nameValue, f.child("name")))
            if let x = f.take("entries") { spec.entries = try Read.int(x, f.child("entries"), 1...32_768) }
            if let x = f.take("sqpoll") { spec.sqpoll = try Read.bool(x, f.child("sqpoll")) }
            if let x = f.take("sqThreadIdle") { spec.sqThreadIdle = try Read.duration(x, f.child("sqThreadIdle")) }
            if let x = f.take("iopoll") { spec.iopoll = try Read.bool(x, f.child("iopoll")) }
            if let x = f.take("taskRun") {
                let mode = try Read.choice(x, f.child("taskRun"), ["interrupt", "coop", "defer"])
                spec.taskRun = mode == "interrupt" ? .interrupt : mode == "coop" ? .cooperative : .deferred
            }
            if let x = f.take("maxWorkers") { spec.maxWorkers = try Read.int(x, f.child("maxWorkers"), 1...4096) }
            if let x = f.take("sqThreadCPU") {
                spec.sqThreadCPU = try cpu(x, f.child("sqThreadCPU"), cpuCount: cpuCount)
                if !spec.sqpoll {
                    throw Read.fail(
                        x, f.child("sqThreadCPU"), "binds the SQPOLL thread: the ring needs sqpoll: true",
                        hint: "io_uring_setup refuses IORING_SETUP_SQ_AFF without IORING_SETUP_SQPOLL")
                }
            }
            try f.finish()
            if result.contains(where: { $0.name == spec.name }) {
                throw Read.fail(nameValue, f.child("name"), "a second ring named '\(spec.name)'")
            }
            result.append(spec)
        }
        return result
    }

    static func threads(_ v: JSON5Value, cpuCount: Int) throws(ScenarioError) -> [ThreadSpec] {
        var result: [ThreadSpec] = []
        for (n, item) in try Read.array(v, "threads").enumerated() {
            var f = try Fields(item, path: "threads[\(n)]")
            guard let nameValue = f.take("name") else { throw Read.fail(item, f.path, "a thread needs a name") }
            let name = try Read.string(nameValue, f.child("name"))
            var count = 1
            if let x = f.take("count") { count = try Read.int(x, f.child("count"), 1...100_000) }
            var daemon = false
            if let x = f.take("daemon") { daemon = try Read.bool(x, f.child("daemon")) }
            var template = false
            if let x = f.take("template") { template = try Read.bool(x, f.child("template")) }
            var cpus: [Int]? = nil
            if let x = f.take("cpus") {
                let path = f.child("cpus")
                if case .array(let items) = x.kind {
                    if items.isEmpty { throw Read.fail(x, path, "expected at least one CPU", hint: "cpus: [0, 1]") }
                    var set: [Int] = []
                    for (k, item) in items.enumerated() {
                        let c = try cpu(item, "\(path)[\(k)]", cpuCount: cpuCount)
                        if set.contains(c) { throw Read.fail(item, "\(path)[\(k)]", "CPU \(c) is given twice") }
                        set.append(c)
                    }
                    cpus = set.sorted()
                } else {
                    cpus = [try cpu(x, path, cpuCount: cpuCount)]
                }
            }
            guard let programValue = f.take("program") else {
                throw Read.fail(item, f.path, "a thread needs a program", hint: "program: [{ compute: \"20us\" }]")
            }
            let program = try operations(programValue, f.child("program"), depth: 0)
            try f.finish()
            if result.contains(where: { $0.name == name }) {
                throw Read.fail(nameValue, f.child("name"), "a second thread named '\(name)'")
            }
            result.append(
                ThreadSpec(name: name, count: count, daemon: daemon, template: template, cpus: cpus, program: program))
        }
        return result
    }

    static let operationNames = [
        "compute", "sleep", "open", "read", "write", "getResult", "waitEvent", "alertableWait", "dequeue", "post",
        "repeat", "untilComplete", "spawn", "reportProgress", "chunkedRead", "uring",
    ]

    static func operations(_ v: JSON5Value, _ path: String, depth: Int) throws(ScenarioError) -> [Operation] {
        if depth > 16 { throw Read.fail(v, path, "loops nested more than 16 deep") }
        var result: [Operation] = []
        for (n, item) in try Read.array(v, path).enumerated() {
            result.append(try operation(item, "\(path)[\(n)]", depth: depth))
        }
        return result
    }

    static func operation(_ v: JSON5Value, _ path: String, depth: Int) throws(ScenarioError) -> Operation {
        if case .string(let s) = v.kind {
            if s == "reportProgress" { return .reportProgress }
            let guess = Fields.closest(to: s, in: operationNames).map { "did you mean '\($0)'? " } ?? ""
            throw Read.fail(
                v, path, "unknown operation \"\(s)\"", hint: guess + "operations: " + operationNames.joined(separator: ", "))
        }
        var f = try Fields(v, path: path)
        guard let op = f.members.first(where: { operationNames.contains($0.key) }) else {
            let first = f.members.first?.key ?? ""
            let guess = Fields.closest(to: first, in: operationNames).map { "did you mean '\($0)'? " } ?? ""
            throw Read.fail(
                v, path, f.members.isEmpty ? "an empty operation" : "no operation in this object (found key '\(first)')",
                hint: guess + "operations: " + operationNames.joined(separator: ", "))
        }
        let value = f.take(op.key)!
        let p = f.child(op.key)
        let result: Operation
        switch op.key {
        case "compute": result = .compute(try Read.distribution(value, p))
        case "sleep": result = .sleep(try Read.distribution(value, p))
        case "open": result = .open(file: try Read.string(value, p))
        case "read", "write": result = .io(try io(op.key == "read" ? .read : .write, value, p, &f))
        case "getResult":
            var wait = false
            if let x = f.take("wait") { wait = try Read.bool(x, f.child("wait")) }
            result = .getResult(request: try Read.string(value, p), wait: wait)
        case "waitEvent": result = .waitEvent(request: try Read.string(value, p))
        case "alertableWait":
            if case .string("infinite") = value.kind {
                result = .alertableWait(timeout: nil)
            } else {
                result = .alertableWait(timeout: try Read.duration(value, p))
            }
        case "dequeue": result = .dequeue(port: try Read.string(value, p))
        case "post": result = .post(port: try Read.string(value, p))
        case "repeat":
            guard let body = f.take("do") else {
                throw Read.fail(v, path, "a repeat needs a body", hint: "{ repeat: 10, do: [ ... ] }")
            }
            let ops = try operations(body, f.child("do"), depth: depth + 1)
            if case .string("forever") = value.kind {
                result = .repeatForever(ops)
            } else {
                result = .repeatCount(try Read.int(value, p, 0...1_000_000_000), ops)
            }
        case "untilComplete":
            guard let body = f.take("do") else {
                throw Read.fail(v, path, "untilComplete needs a body", hint: "{ untilComplete: \"r\", do: [{ compute: \"1ms\" }] }")
            }
            result = .untilComplete(request: try Read.string(value, p), try operations(body, f.child("do"), depth: depth + 1))
        case "spawn": result = .spawn(thread: try Read.string(value, p))
        case "reportProgress": result = .reportProgress
        case "uring":
            guard let fileValue = f.take("file"), let sizeValue = f.take("size") else {
                throw Read.fail(
                    v, path, "a uring loop needs file and size",
                    hint: "{ uring: \"ring\", file: \"data\", size: \"4KiB\", queueDepth: 16, ios: 10000 }")
            }
            let size = try Read.size(sizeValue, f.child("size"))
            if size <= 0 { throw Read.fail(sizeValue, f.child("size"), "an IO needs a positive size") }
            var loop = UringLoop(ring: try Read.string(value, p), file: try Read.string(fileValue, f.child("file")), sizeBytes: size, ios: 1)
            if let x = f.take("direction") { loop.direction = IODirection(rawValue: try Read.choice(x, f.child("direction"), ["read", "write"]))! }
            if let x = f.take("offset") { loop.offset = try offset(x, f.child("offset")) }
            if let x = f.take("queueDepth") { loop.queueDepth = try Read.int(x, f.child("queueDepth"), 1...32_768) }
            if let x = f.take("ios") { loop.ios = try Read.int(x, f.child("ios"), 1...1_000_000_000) }
            if let x = f.take("async") { loop.async = try Read.bool(x, f.child("async")) }
            if let x = f.take("buffered") { loop.buffered = try Read.bool(x, f.child("buffered")) }
            if let x = f.take("compute") { loop.compute = try Read.distribution(x, f.child("compute")) }
            if let x = f.take("peek") { loop.peek = try Read.bool(x, f.child("peek")) }
            if let x = f.take("submit") { loop.submitEach = try Read.choice(x, f.child("submit"), ["batch", "each"]) == "each" }
            result = .uring(loop)
        default:  // chunkedRead
            guard let total = f.take("total"), let chunk = f.take("chunk") else {
                throw Read.fail(v, path, "chunkedRead needs total and chunk", hint: "{ chunkedRead: \"big\", total: \"64MiB\", chunk: \"1MiB\" }")
            }
            var style = IOStyle.overlapped
            if let x = f.take("style") { style = IOStyle(rawValue: try Read.choice(x, f.child("style"), ["blocking", "overlapped"]))! }
            let chunkBytes = try Read.size(chunk, f.child("chunk"))
            if chunkBytes <= 0 { throw Read.fail(chunk, f.child("chunk"), "a chunk needs a positive size") }
            result = .chunkedRead(
                file: try Read.string(value, p), totalBytes: try Read.size(total, f.child("total")), chunkBytes: chunkBytes,
                style: style)
        }
        try f.finish()
        return result
    }

    static func io(_ direction: IODirection, _ value: JSON5Value, _ p: String, _ f: inout Fields) throws(ScenarioError)
        -> IOOperation
    {
        let file = try Read.string(value, p)
        guard let sizeValue = f.take("size") else {
            throw Read.fail(f.object, f.path, "a \(direction.rawValue) needs a size", hint: "size: \"4KiB\"")
        }
        let size = try Read.size(sizeValue, f.child("size"))
        if size <= 0 { throw Read.fail(sizeValue, f.child("size"), "an IO needs a positive size") }
        var io = IOOperation(direction, file: file, sizeBytes: size)
        if let x = f.take("offset") { io.offset = try offset(x, f.child("offset")) }
        if let x = f.take("style") { io.style = IOStyle(rawValue: try Read.choice(x, f.child("style"), ["blocking", "overlapped"]))! }
        if let x = f.take("buffered") { io.buffered = try Read.bool(x, f.child("buffered")) }
        if let x = f.take("as") { io.name = try Read.string(x, f.child("as")) }
        if let x = f.take("port") { io.notice = .port(try Read.string(x, f.child("port"))) }
        if let x = f.take("routine") {
            if case .port = io.notice { throw Read.fail(x, f.child("routine"), "an IO has either a port or a routine, not both") }
            io.notice = .completionRoutine(cost: try Read.distribution(x, f.child("routine")))
        }
        if let x = f.take("skipPortOnSuccess") { io.skipPortOnSynchronousSuccess = try Read.bool(x, f.child("skipPortOnSuccess")) }
        if io.style == .blocking && io.notice != .statusOnly {
            throw Read.fail(f.object, f.path, "a blocking IO cannot have a port or a completion routine", hint: "add style: \"overlapped\"")
        }
        return io
    }

    static func offset(_ x: JSON5Value, _ path: String) throws(ScenarioError) -> OffsetSpec {
        switch x.kind {
        case .string("sequential"): return .sequential
        case .string("random"): return .random
        default:
            guard let off = try? Read.size(x, path) else {
                throw Read.fail(x, path, "expected \"sequential\", \"random\" or a byte offset such as \"1MiB\", found \(x.briefDescription)")
            }
            return .fixed(off)
        }
    }

    static func stop(_ v: JSON5Value) throws(ScenarioError) -> StopCondition {
        var f = try Fields(v, path: "stop")
        var s = StopCondition()
        if let x = f.take("ios") { s.afterIOs = try Read.int(x, f.child("ios"), 1...1_000_000_000_000) }
        if let x = f.take("time") {
            s.afterTime = try Read.duration(x, f.child("time"))
            if s.afterTime!.nanoseconds <= 0 { throw Read.fail(x, f.child("time"), "expected a positive duration such as \"10ms\"") }
        }
        try f.finish()
        return s
    }
}
