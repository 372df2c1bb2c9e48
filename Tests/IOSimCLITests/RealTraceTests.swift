import Foundation
import IOSimCLI
import Testing

/// What a progress line wrote, collected across threads.
final class ProgressSink: @unchecked Sendable {
    private let lock = NSLock()
    private var _text = ""
    var text: String { lock.withLock { _text } }
    func write(_ s: String) { lock.withLock { _text += s } }
}

/// The events of a Chrome trace file, checked for what Perfetto and chrome://tracing need: a JSON object
/// with a `traceEvents` array, every event with name, ph, ts, pid and tid, non-negative times, complete
/// events with a non-negative duration, every process and lane that has events named, and complete events
/// on one lane never overlapping.
func checkedTraceEvents(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], sourceLocation: sourceLocation)
    #expect(root["displayTimeUnit"] == nil, sourceLocation: sourceLocation)
    let events = try #require(root["traceEvents"] as? [[String: Any]], sourceLocation: sourceLocation)
    var processNames = Set<Int>()
    var laneNames = Set<[Int]>()
    var used = Set<[Int]>()
    var slices: [[Int]: [(Double, Double)]] = [:]
    for e in events {
        let name = e["name"] as? String
        let ph = e["ph"] as? String
        let ts = e["ts"] as? Double
        let pid = e["pid"] as? Int
        let tid = e["tid"] as? Int
        #expect(name != nil && ph != nil && ts != nil && pid != nil && tid != nil, "fields of \(e)", sourceLocation: sourceLocation)
        guard let name, let ph, let ts, let pid, let tid else { continue }
        #expect(ts >= 0, "no negative time: \(e)", sourceLocation: sourceLocation)
        switch ph {
        case "M":
            let args = e["args"] as? [String: Any]
            if name == "process_name" {
                #expect(args?["name"] is String, sourceLocation: sourceLocation)
                processNames.insert(pid)
            }
            if name == "thread_name" {
                #expect(args?["name"] is String, sourceLocation: sourceLocation)
                laneNames.insert([pid, tid])
            }
        case "X":
            let dur = e["dur"] as? Double
            #expect(dur != nil && dur! >= 0, "no negative duration: \(e)", sourceLocation: sourceLocation)
            used.insert([pid, tid])
            slices[[pid, tid], default: []].append((ts, ts + (dur ?? 0)))
        case "C":
            #expect((e["args"] as? [String: Any])?.values.allSatisfy { $0 is NSNumber } == true, sourceLocation: sourceLocation)
            used.insert([pid, tid])
        default:
            used.insert([pid, tid])
        }
    }
    for lane in used {
        #expect(processNames.contains(lane[0]), "process \(lane[0]) is named", sourceLocation: sourceLocation)
        #expect(laneNames.contains(lane), "lane \(lane) is named", sourceLocation: sourceLocation)
    }
    for (lane, spans) in slices {
        let sorted = spans.sorted { $0.0 < $1.0 }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            // Times have three decimals: allow their rounding.
            #expect(a.1 <= b.0 + 0.0015, "slices on lane \(lane) overlap: \(a) and \(b)", sourceLocation: sourceLocation)
        }
    }
    return events
}

/// `iosim real --trace`, `--trace-ios` and the progress line, on small files in a temporary directory.
@Suite struct RealTraceCommandTests {
    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("iosim-trace-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func preadArguments(_ dir: String, ios: Int = 300) -> [String] {
        [
            "real", Paths.path("Scenarios/validation/pread-4k.json5"), "--dir", dir + "/data",
            "--set", "files[0].size=8MiB", "--set", "threads[0].program[0].repeat=\(ios)",
        ]
    }

    @Test func aRealTraceOpensAsAChromeTraceWithOneEventPerIO() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: false)
        let trace = dir + "/real.json"
        let r = iosim(preadArguments(dir) + ["--trace", trace])
        #expect(r.code == .ok, "stderr: \(r.err)")
        let events = try checkedTraceEvents(trace)
        let ios = events.filter { $0["cat"] as? String == "io" }
        #expect(ios.count == 300)
        #expect(ios.allSatisfy { $0["ph"] as? String == "X" && $0["name"] as? String == "read" })
        #expect(Set(ios.compactMap { ($0["args"] as? [String: Any])?["io"] as? Int }) == Set(1...300))
        let names = events.filter { $0["ph"] as? String == "M" }.compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        #expect(names.contains { $0.hasPrefix("job thread 0 (TID ") })
        #expect(names.contains("slot 0") && names.contains("run"))
        let counters = Set(events.filter { $0["ph"] as? String == "C" }.compactMap { $0["name"] as? String })
        #expect(counters.isSuperset(of: ["IOs", "process", "iou-wrk", "iou-sqp"]), "\(counters)")
        // Times lie within the run slice.
        let run = try #require(events.first { $0["cat"] as? String == "run" })
        let end = (run["dur"] as? Double ?? 0) + 0.001
        #expect(ios.allSatisfy { ($0["ts"] as! Double) + ($0["dur"] as! Double) <= end })
        // The run's own files are gone; only the trace is left.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/data").isEmpty)
    }

    @Test func traceIOsKeepsTheFirstIOs() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: false)
        let trace = dir + "/first.json"
        let r = iosim(preadArguments(dir) + ["--trace", trace, "--trace-ios", "40", "--quiet"])
        #expect(r.code == .ok, "stderr: \(r.err)")
        let events = try checkedTraceEvents(trace)
        let ios = events.filter { $0["cat"] as? String == "io" }
        #expect(ios.count == 40)
        #expect(Set(ios.compactMap { ($0["args"] as? [String: Any])?["io"] as? Int }) == Set(1...40))
    }

    @Test func badTraceOptionsAreUsageErrorsAndRunNothing() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: false)
        let trace = dir + "/t.json"
        for extra in [
            ["--trace", trace, "--trace-ios", "0"], ["--trace", trace, "--trace-ios", "1000001"],
            ["--trace", trace, "--trace-ios", "ten"], ["--trace-ios", "10"], ["--trace-window", "0ms..5ms"],
            ["--trace", trace, "--trace-window", "5ms..1ms"], ["--trace", trace, "--trace-window", "later"],
        ] {
            let r = iosim(preadArguments(dir) + extra)
            #expect(r.code == .usage, "\(extra): \(r.err)")
            #expect(r.err.hasPrefix("error: --trace"), "\(extra): \(r.err)")
            #expect(r.out.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: trace))
        let r = iosim(preadArguments(dir) + ["--trace", dir + "/no/such/dir/t.json"])
        #expect(r.code == .ioError)
        #expect(r.err.contains("cannot be written for the trace"))
        #expect(r.out.isEmpty, "nothing ran")
    }

    @Test func aFailedRunLeavesNoTraceFileBehind() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = dir + "/t.json"
        // The directory to lay the file out in does not exist: the run fails (74) and writes no trace.
        let r = iosim(preadArguments(dir) + ["--trace", trace])
        #expect(r.code == .ioError, "stderr: \(r.err)")
        #expect(!FileManager.default.fileExists(atPath: trace))
        // An existing file named as the trace is left as it was when the run fails.
        try Data("earlier".utf8).write(to: URL(fileURLWithPath: trace))
        let again = iosim(preadArguments(dir) + ["--trace", trace])
        #expect(again.code == .ioError, "stderr: \(again.err)")
        #expect(try String(contentsOfFile: trace, encoding: .utf8) == "earlier")
    }

    @Test func theProgressLineIsDrawnOnlyOnATerminalAndNeverIntoTheOutput() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: false)
        func run(tty: Bool, quiet: Bool) -> (ProgressSink, Output, ExitCode) {
            let sink = ProgressSink()
            let o = Output()
            o.stderrIsTTY = tty
            o.progressDelay = 0
            o.progressOutput = { sink.write($0) }
            let code = CLI.execute(preadArguments(dir, ios: 2_000) + (quiet ? ["--quiet"] : []), o)
            return (sink, o, code)
        }
        // Not a terminal: nothing, whatever the options.
        for quiet in [false, true] {
            let (sink, o, code) = run(tty: false, quiet: quiet)
            #expect(code == .ok, "stderr: \(o.err)")
            #expect(sink.text.isEmpty)
            #expect(!o.out.contains("\r") && !o.err.contains("\r"))
        }
        // A terminal with --quiet: nothing.
        let (quiet, _, _) = run(tty: true, quiet: true)
        #expect(quiet.text.isEmpty)
        // A terminal: the line, rewritten in place, ending at the total, then cleared; stdout and the
        // collected stderr never see it.
        let (sink, o, code) = run(tty: true, quiet: false)
        #expect(code == .ok, "stderr: \(o.err)")
        #expect(sink.text.hasPrefix("\r"))
        #expect(sink.text.contains("2,000/2,000 IOs"), "\(sink.text)")
        #expect(!sink.text.contains("\n"))
        #expect(sink.text.hasSuffix("\r"), "cleared at the end")
        #expect(!o.out.contains("\r") && !o.err.contains("\r"))
    }

    @Test func validateAndCalibrateTakeQuiet() {
        for command in ["validate", "calibrate"] {
            let r = iosim([command, "--help"])
            #expect(r.out.contains("--quiet"), "\(command)")
        }
        let r = iosim(["real", "--help"])
        for option in ["--trace FILE", "--trace-ios N", "--trace-window", "--quiet", "default 10,000"] {
            #expect(r.out.contains(option), "real --help mentions \(option)")
        }
    }
}

/// An io_uring run at queue depth 16: IOs in flight at once lie on separate slot lanes.
@Suite(.enabled(if: ioUringEnabled, "io_uring is disabled on this machine (kernel.io_uring_disabled = 2)"))
struct URingRealTraceCommandTests {
    @Test func iosInFlightAtOnceNeverOverlapOnALane() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("iosim-trace-uring-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = dir + "/uring.json"
        let r = iosim([
            "real", Paths.path("Scenarios/validation/uring-4k-qd16.json5"), "--dir", dir + "/data", "--trace", trace,
            "--set", "files[0].size=16MiB", "--set", "threads[0].program[0].ios=1000",
        ])
        if r.code == .ioError && r.err.contains("io_uring") {
            // io_uring refused here (a seccomp filter, EPERM): the message says why; nothing to check.
            return
        }
        #expect(r.code == .ok, "stderr: \(r.err)")
        let events = try checkedTraceEvents(trace)
        let ios = events.filter { $0["cat"] as? String == "io" }
        #expect(ios.count == 1_000)
        let lanes = Set(ios.compactMap { $0["tid"] as? Int })
        #expect(lanes.count > 1 && lanes.count <= 16, "one lane per slot in use: \(lanes.sorted())")
        let inFlight = events.filter { $0["name"] as? String == "IOs" }.compactMap { ($0["args"] as? [String: Any])?["in flight"] as? Int }
        #expect(inFlight.allSatisfy { $0 >= 0 && $0 <= 16 })
        #expect(inFlight.max() ?? 0 > 1)
    }
}
