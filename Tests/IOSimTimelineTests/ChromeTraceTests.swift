import Foundation
import IOSimCore
import IOSimModel
import Testing

@testable import IOSimTimeline

/// Scenarios whose traces must be well formed: blocking, overlapped, IOCP, alertable, cache hits, PIO,
/// coalescing, and the io_uring modes (SQPOLL and io-wq kernel threads, IOPOLL without interrupts).
let traceScenarios: [(String, [String])] = [
    ("Scenarios/02-cleary-iocp-write.json5", []),
    ("Scenarios/03a-blocking.json5", []),
    ("Scenarios/03c-overlapped.json5", []),
    ("Scenarios/04a-thread-per-request.json5", ["stop.ios=200"]),
    ("Scenarios/04b-iocp.json5", ["stop.ios=200"]),
    ("Scenarios/05b-pio.json5", []),
    ("Scenarios/06-completion-routine-alertable.json5", []),
    ("Scenarios/07-cache-hit-synchronous.json5", []),
    ("Scenarios/08a-no-coalescing.json5", ["stop.ios=500"]),
    ("Scenarios/08b-coalescing.json5", ["stop.ios=500"]),
    ("Scenarios/uring/sqpoll.json5", ["stop.ios=300"]),
    ("Scenarios/uring/iopoll.json5", ["stop.ios=300"]),
    ("Scenarios/uring/io-wq-buffered-write.json5", ["stop.ios=300"]),
    ("Scenarios/uring/async-forced.json5", ["stop.ios=300"]),
    // Zero costs: many things happen at one instant, slices of zero length are left out.
    ("Scenarios/reference/closed-loop.json5", ["stop.ios=500"]),
    ("Scenarios/05b-pio.json5", ["interrupts.busyStall=5us"]),
    ("Scenarios/reference/closed-loop.json5", ["stop.ios=300", "interrupts.isr=0", "interrupts.deferred=0"]),
    (
        "Scenarios/02-cleary-iocp-write.json5",
        [
            "machine.contextSwitch=0", "machine.wakeupLatency=0", "kernel.syscallEntry=0", "kernel.syscallExit=0",
            "kernel.requestCreate=0", "kernel.driverSubmit=0", "interrupts.delivery=0", "interrupts.isr=0",
        ]
    ),
]

@Suite struct ChromeTraceFormat {
    @Test(arguments: traceScenarios.map { $0.0 + ($0.1.isEmpty ? "" : " " + $0.1.joined(separator: " ")) })
    func wellFormed(_ spec: String) throws {
        let parts = spec.split(separator: " ").map(String.init)
        let scenario = try loadScenario(parts[0], overrides: Array(parts.dropFirst()))
        let (json, result, recorded) = try chromeTraceAndEvents(scenario)
        let (events, problems) = checkChromeTrace(json)
        #expect(problems.isEmpty, "\(spec):\n\(problems.joined(separator: "\n"))")
        // Something of every kind is there.
        #expect(events.contains { $0.ph == "X" && $0.pid == ChromeTraceWriter.cpuPid })
        #expect(events.contains { $0.ph == "X" && $0.pid == ChromeTraceWriter.threadPid })
        #expect(events.contains { $0.ph == "M" && $0.name == "process_name" && $0.args["name"] as? String == "Device" })
        let served = recorded.filter { if case .deviceService = $0 { true } else { false } }.count
        #expect(events.filter { $0.ph == "X" && $0.cat == "device" }.count == served)
        if served > 0 {
            #expect(events.contains { $0.ph == "C" && $0.name == "deviceQueue" })
            #expect(events.contains { $0.ph == "s" })
        }
        // Nothing after the end of the run.
        let end = result.elapsed.nanoseconds
        #expect(events.allSatisfy { $0.ts + ($0.dur ?? 0) <= end })
    }

    /// The file is the JSON object with the header fields, one event per line, the same bytes every time.
    @Test func deterministicObjectFormat() throws {
        let scenario = try loadScenario("Scenarios/02-cleary-iocp-write.json5")
        let a = try chromeTrace(scenario).json
        let b = try chromeTrace(scenario).json
        #expect(a == b)
        #expect(a.hasPrefix("{\"traceEvents\":[\n"))
        #expect(a.hasSuffix("\n]}\n"))
        // ts with exactly three decimals.
        #expect(a.contains("\"ts\":45.246,"))
    }

    /// With `interrupts.busyStall`, an interrupt that finds a thread running marks its CPU's lane where the
    /// stall starts, the stall's length before that CPU's ISR.
    @Test func aBusyStallIsMarkedOnItsCPU() throws {
        let (json, _) = try chromeTrace(try loadScenario("Scenarios/05b-pio.json5", overrides: ["interrupts.busyStall=5us"]))
        let (events, problems) = checkChromeTrace(json)
        #expect(problems.isEmpty, "\(problems)")
        let stalls = events.filter { $0.ph == "i" && $0.name == "stall before the ISR (5.000 us)" }
        try #require(!stalls.isEmpty)
        for stall in stalls {
            #expect(stall.pid == ChromeTraceWriter.cpuPid)
            let isr = events.first { $0.ph == "X" && $0.name == "ISR" && $0.tid == stall.tid && $0.ts >= stall.ts }
            #expect(isr?.ts == stall.ts + 5_000)
        }
    }

    /// Cleary's write: the ISR is a 1.5 us slice on CPU 0 while the UI thread computes on CPU 1, and one IO's
    /// arrows go submit -> device -> ISR -> DPC -> the pool thread that dequeues the packet.
    @Test func clearyLanesAndFlows() throws {
        let (json, _) = try chromeTrace(try loadScenario("Scenarios/02-cleary-iocp-write.json5"))
        let (events, problems) = checkChromeTrace(json)
        #expect(problems.isEmpty, "\(problems)")
        let isr = try #require(events.first { $0.ph == "X" && $0.name == "ISR" })
        #expect(isr.ts == 45_246 && isr.dur == 1_500 && isr.tid == ChromeTraceWriter.firstCPUTid)
        let dpc = try #require(events.first { $0.ph == "X" && $0.name == "DPC" })
        #expect(dpc.ts == 46_746 && dpc.dur == 2_000)
        #expect(
            events.contains { $0.ph == "X" && $0.name == "ui: user" && $0.tid == ChromeTraceWriter.firstCPUTid + 1 })
        #expect(events.contains { $0.ph == "X" && $0.name == "blocked:port" && $0.pid == ChromeTraceWriter.threadPid })
        let names = Set(events.filter { $0.name == "thread_name" }.compactMap { $0.args["name"] as? String })
        #expect(names.isSuperset(of: ["CPU 0", "CPU 1", "ui", "pool#0", "pool#1", "Interrupt line", "Request slot 0"]))
        let device = try #require(events.first { $0.ph == "X" && $0.cat == "device" })
        #expect(device.ts == 14_150 && device.dur == 29_096 && device.name == "write")
        #expect(events.contains { $0.ph == "i" && $0.ts == 45_246 })
        // Four hops: issue (ui's lane) -> device slot -> ISR (CPU 0) -> DPC (CPU 0) -> pool#1's lane.
        let starts = events.filter { $0.ph == "s" }.sorted { $0.ts < $1.ts }
        let ends = events.filter { $0.ph == "f" }.sorted { $0.ts < $1.ts }
        #expect(starts.map(\.ts) == [2_000, 14_151, 45_247, 48_745])
        #expect(ends.map(\.ts) == [14_151, 45_247, 48_745, 55_866])
        #expect(
            starts.first?.pid == ChromeTraceWriter.threadPid && starts.first?.tid == ChromeTraceWriter.firstThreadTid)
        #expect(ends.last?.pid == ChromeTraceWriter.threadPid && ends.last?.tid == ChromeTraceWriter.firstThreadTid + 2)
        #expect(Set(starts.map(\.name)) == ["IO 1"])
    }

    /// Windows clip: only slices overlapping the window, cut to it; flows and instants inside it.
    @Test func windowClips() throws {
        let scenario = try loadScenario("Scenarios/02-cleary-iocp-write.json5")
        let options = ChromeTraceWriter.Options(from: .zero + .microseconds(14), to: .zero + .microseconds(47))
        let (json, _) = try chromeTrace(scenario, options)
        let (events, problems) = checkChromeTrace(json)
        #expect(problems.isEmpty, "\(problems)")
        let timed = events.filter { $0.ph != "M" }
        #expect(!timed.isEmpty)
        #expect(timed.allSatisfy { $0.ts >= 14_000 && $0.ts + ($0.dur ?? 0) <= 47_000 })
        // The UI thread's syscall (2 us .. 14.27 us) starts before the window: clipped to 14 us.
        #expect(events.contains { $0.name == "ui: syscall" && $0.ts == 14_000 && $0.dur == 270 })
        // The device service (14.15 .. 43.246) and the ISR (45.246 .. 46.746) are inside.
        #expect(events.contains { $0.cat == "device" && $0.ts == 14_150 && $0.dur == 29_096 })
        #expect(events.contains { $0.name == "ISR" && $0.dur == 1_500 })
        // The DPC (46.746 .. 48.746) and the UI's compute (14.27 .. 314.27) are cut at 47 us.
        #expect(events.contains { $0.name == "DPC" && $0.ts == 46_746 && $0.dur == 254 })
        #expect(events.contains { $0.name == "ui: user" && $0.ts == 14_270 && $0.dur == 32_730 })
        // The issue (2 us), the completion (48.746) and the delivery (55.866) are outside: one arrow is
        // left, device -> ISR.
        let starts = events.filter { $0.ph == "s" }
        let ends = events.filter { $0.ph == "f" }
        #expect(starts.map(\.ts) == [14_151] && ends.map(\.ts) == [45_247])
        // Counters start at the window with their values then.
        #expect(events.contains { $0.ph == "C" && $0.name == "runnable" && $0.ts == 14_000 })
        // Nothing of the run in the window: a valid trace with only metadata.
        let empty = ChromeTraceWriter.Options(from: .zero + .seconds(10), to: .zero + .seconds(11))
        let (emptyJSON, _) = try chromeTrace(scenario, empty)
        let checked = checkChromeTrace(emptyJSON)
        #expect(checked.problems.isEmpty)
        #expect(checked.events.allSatisfy { $0.ph == "M" })
    }

    /// Windows and IO limits on busy runs stay well formed: every flow has both ends inside the window.
    @Test(
        arguments: [
            ("Scenarios/08b-coalescing.json5", 200_000, 700_000, nil),
            ("Scenarios/08a-no-coalescing.json5", 100_000, 400_000, 40),
            ("Scenarios/uring/sqpoll.json5", 50_000, 300_000, nil),
            ("Scenarios/04b-iocp.json5", 1_000_000, 50_000_000, 100),
        ] as [(String, Int64, Int64, Int64?)])
    func windowOnBusyRuns(_ path: String, _ from: Int64, _ to: Int64, _ first: Int64?) throws {
        let scenario = try loadScenario(path, overrides: ["stop.ios=400"])
        let options = ChromeTraceWriter.Options(
            from: SimInstant(nanosecondsSinceStart: from), to: SimInstant(nanosecondsSinceStart: to), firstIOs: first)
        let (json, _) = try chromeTrace(scenario, options)
        let (events, problems) = checkChromeTrace(json)
        #expect(problems.isEmpty, "\(path):\n\(problems.joined(separator: "\n"))")
        #expect(events.filter { $0.ph != "M" }.allSatisfy { $0.ts >= from && $0.ts + ($0.dur ?? 0) <= to })
        #expect(events.contains { $0.ph == "s" })
        if let first {
            #expect(events.filter { $0.ph == "s" }.allSatisfy { Int64($0.name.dropFirst(3))! <= first })
        }
    }

    /// The first-N option: IO events and flows only for IOs 1...N, lanes still for the whole run (or,
    /// with `endWithFirstIOs`, up to the last of them).
    @Test func firstIOsLimitsFlows() throws {
        let scenario = try loadScenario("Scenarios/08a-no-coalescing.json5", overrides: ["stop.ios=300"])
        let (full, result) = try chromeTrace(scenario)
        let (json, _) = try chromeTrace(scenario, .init(firstIOs: 10))
        let (events, problems) = checkChromeTrace(json)
        #expect(problems.isEmpty, "\(problems)")
        let flowIOs = Set(events.filter { $0.ph == "s" || $0.ph == "f" }.map { Int($0.name.dropFirst(3))! })
        #expect(flowIOs == Set(1...10))
        let deviceIOs = events.filter { $0.cat == "device" }.compactMap { ($0.args["io"] as? NSNumber)?.intValue }
        #expect(deviceIOs.count == 10 && deviceIOs.allSatisfy { $0 <= 10 })
        // CPU lanes still run to the end.
        let lastCPU = events.filter { $0.ph == "X" && $0.pid == ChromeTraceWriter.cpuPid }.map { $0.ts + $0.dur! }
            .max()!
        #expect(lastCPU > result.elapsed.nanoseconds / 2)
        #expect(json.utf8.count < full.utf8.count)

        let (short, _) = try chromeTrace(scenario, .init(firstIOs: 10, endWithFirstIOs: true))
        let checked = checkChromeTrace(short)
        #expect(checked.problems.isEmpty, "\(checked.problems)")
        let last = checked.events.map { $0.ts + ($0.dur ?? 0) }.max()!
        #expect(last < result.elapsed.nanoseconds / 10)
        #expect(short.utf8.count * 10 < full.utf8.count)
    }

    /// The writer streams: chunks reach the output before `finish`, none much larger than the flush size,
    /// and its state stays small however long the run.
    @Test func streamsInBoundedMemory() throws {
        let scenario = try loadScenario("Scenarios/08b-coalescing.json5", overrides: ["stop.ios=3000"])
        var chunks: [Int] = []
        let writer = ChromeTraceWriter { chunks.append($0.utf8.count) }
        let sim = try Simulator(scenario, trace: writer)
        var maxChains = 0
        var maxPending = 0
        while sim.step() {
            maxChains = max(maxChains, writer.chains.count)
            maxPending = max(maxPending, writer.pending.count)
        }
        let before = chunks.count
        let result = try sim.run()
        writer.finish(at: .zero + result.elapsed)
        #expect(before > 10)
        #expect(chunks.dropLast().allSatisfy { $0 < ChromeTraceWriter.flushBytes + 4096 })
        #expect(maxChains <= 64)  // the IOs in flight (8 threads, queue depth), not the IOs so far
        #expect(maxPending <= 64)
        #expect(writer.chains.isEmpty && writer.pending.isEmpty)
        #expect(writer.bytesWritten == chunks.reduce(0, +))
    }

    @Test func fileHandleOutput() throws {
        let path = NSTemporaryDirectory() + "iosim-trace-\(getpid()).json"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let writer = ChromeTraceWriter(fileHandle: handle)
        let result = try Simulator(try loadScenario("Scenarios/03c-overlapped.json5"), trace: writer).run()
        writer.finish(at: .zero + result.elapsed)
        try handle.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(checkChromeTrace(text).problems.isEmpty)
        #expect(text.utf8.count == writer.bytesWritten)
    }

    @Test func softirqNameAndEscaping() throws {
        var json = ""
        let writer = ChromeTraceWriter(options: .init(deferredName: "softirq")) { json += $0 }
        let t = { (n: Int64) in SimInstant(nanosecondsSinceStart: n) }
        writer.record(.threadCreated(thread: 0, name: "we\"ird\\name\n", kernel: false, at: t(0)))
        writer.record(.thread(thread: 0, state: .running(cpu: 0), at: t(0)))
        writer.record(.cpu(cpu: 0, category: .user, thread: 0, at: t(0)))
        writer.record(.cpu(cpu: 0, category: .deferred, thread: nil, at: t(100)))
        writer.record(.cpu(cpu: 0, category: .idle, thread: nil, at: t(250)))
        writer.finish(at: t(300))
        let (events, problems) = checkChromeTrace(json)
        #expect(problems.isEmpty, "\(problems)")
        #expect(events.contains { $0.name == "softirq" && $0.dur == 150 })
        #expect(events.contains { $0.name == "we\"ird\\name\n: user" })
        #expect(!events.contains { $0.name == "idle" })
    }

    /// Bytes per IO of a full trace, and of a trace limited to the first 1,000 IOs (the figures in
    /// `ChromeTraceWriter`'s documentation). The full 20,000-IO measurement takes a while in a debug
    /// build: set IOSIM_MEASURE_TRACE=1 to print it.
    @Test func bytesPerIO() throws {
        func bytes(_ scenario: Scenario, _ options: ChromeTraceWriter.Options = .init()) throws -> (Int, Int64) {
            var count = 0
            let writer = ChromeTraceWriter(options: options) { count += $0.utf8.count }
            let result = try Simulator(scenario, trace: writer).run()
            writer.finish(at: .zero + result.elapsed)
            return (count, result.iosCompleted)
        }
        let thousand = try loadScenario("Scenarios/08a-no-coalescing.json5", overrides: ["stop.ios=1000"])
        let (b, n) = try bytes(thousand)
        let perIO = Double(b) / Double(n)
        print("08a, first 1,000 IOs: \(b) bytes, \(Int(perIO)) bytes per IO")
        #expect(perIO > 1_000 && perIO < 4_000)
        if ProcessInfo.processInfo.environment["IOSIM_MEASURE_TRACE"] == "1" {
            let full = try loadScenario("Scenarios/08a-no-coalescing.json5")
            let (fb, fn) = try bytes(full)
            print("08a full: \(fb) bytes for \(fn) IOs, \(fb / Int(fn)) bytes per IO")
            let (lb, _) = try bytes(full, .init(firstIOs: 1000, endWithFirstIOs: true))
            print("08a firstIOs 1000, endWithFirstIOs: \(lb) bytes, \(lb / 1000) bytes per IO")
            let (ob, _) = try bytes(full, .init(firstIOs: 1000))
            print("08a firstIOs 1000 only: \(ob) bytes")
        }
    }
}

/// The checker itself finds what it is meant to find (so the tests above are not vacuous).
@Suite struct ChromeTraceChecker {
    @Test func findsProblems() {
        let bad = """
            {"traceEvents":[
            {"name":"process_name","cat":"__metadata","ph":"M","ts":0,"pid":1,"tid":1,"args":{"name":"CPUs"}},
            {"name":"thread_name","cat":"__metadata","ph":"M","ts":0,"pid":1,"tid":100,"args":{"name":"CPU 0"}},
            {"name":"a","cat":"x","ph":"X","ts":1.000,"dur":2.000,"pid":1,"tid":100},
            {"name":"b","cat":"x","ph":"X","ts":2.000,"dur":2.000,"pid":1,"tid":100},
            {"name":"c","cat":"x","ph":"X","ts":5.000,"dur":-1.000,"pid":1,"tid":100},
            {"name":"d","cat":"x","ph":"X","ts":5.000,"dur":1.000,"pid":1,"tid":101},
            {"name":"e","cat":"x","ph":"X","ts":5.000,"pid":1,"tid":100},
            {"name":"IO 1","cat":"io","ph":"s","id":1,"ts":1.500,"pid":1,"tid":100},
            {"name":"IO 2","cat":"io","ph":"f","bp":"e","id":2,"ts":9.000,"pid":1,"tid":100},
            {"ph":"X","ts":1,"dur":1,"pid":1,"tid":100}
            ],"displayTimeUnit":"ns"}
            """
        let problems = checkChromeTrace(bad).problems.joined(separator: "\n")
        #expect(problems.contains("overlaps"))
        #expect(problems.contains("negative dur"))
        #expect(problems.contains("lane 1/101 has no thread_name"))
        #expect(problems.contains("X event 6 has no dur"))
        #expect(problems.contains("flow 1: 1 starts, 0 ends"))
        #expect(problems.contains("flow 2: 0 starts, 1 ends"))
        #expect(problems.contains("flow 2 f at 9000 on 1/100 has no enclosing slice"))
        #expect(problems.contains("lacks a required field"))
        #expect(problems.contains("displayTimeUnit is set"))
        #expect(checkChromeTrace("[]").problems == ["not a JSON object"])
    }
}
