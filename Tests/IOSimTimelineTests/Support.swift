// Shared helpers of the timeline tests: the package root, running a scenario with a sink, and a checker
// for Chrome Trace Event Format files.

import Foundation
import IOSimCore
import IOSimModel
import IOSimScenario

@testable import IOSimTimeline

enum Paths {
    /// `/…/main`: this file is `Tests/IOSimTimelineTests/Support.swift`.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func path(_ relative: String) -> String { root + "/" + relative }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
}

func loadScenario(_ relative: String, overrides: [String] = []) throws -> Scenario {
    let o = overrides.compactMap(Override.init(argument:))
    do {
        return try ScenarioLoader.load(path: Paths.path(relative), overrides: o).scenario
    } catch {
        throw TestFailure(description: "\(relative): \(error)")
    }
}

/// Hands each event to several sinks.
final class Tee: TraceSink {
    let sinks: [TraceSink]
    init(_ sinks: [TraceSink]) { self.sinks = sinks }
    func record(_ event: TraceEvent) { for s in sinks { s.record(event) } }
}

/// Runs the scenario with a Chrome trace writer collecting into a string.
func chromeTrace(_ scenario: Scenario, _ options: ChromeTraceWriter.Options = .init()) throws -> (
    json: String, result: SimulationResult
) {
    let (json, result, _) = try chromeTraceAndEvents(scenario, options)
    return (json, result)
}

/// Runs the scenario with a Chrome trace writer and a recorder.
func chromeTraceAndEvents(_ scenario: Scenario, _ options: ChromeTraceWriter.Options = .init()) throws
    -> (json: String, result: SimulationResult, events: [TraceEvent])
{
    var json = ""
    let writer = ChromeTraceWriter(options: options) { json += $0 }
    let recorder = TraceRecorder()
    let result = try Simulator(scenario, trace: Tee([writer, recorder])).run()
    writer.finish(at: .zero + result.elapsed)
    return (json, result, recorder.events)
}

/// Runs the scenario with a recorder.
func recorded(_ scenario: Scenario) throws -> (events: [TraceEvent], result: SimulationResult) {
    let recorder = TraceRecorder()
    let result = try Simulator(scenario, trace: recorder).run()
    return (recorder.events, result)
}

/// A parsed trace event, times in integer nanoseconds.
struct ParsedEvent {
    var raw: [String: Any]
    var name: String
    var ph: String
    var cat: String
    var ts: Int64
    var dur: Int64?
    var pid: Int
    var tid: Int
    var id: Int?
    var args: [String: Any]
}

/// Microseconds with three decimals -> nanoseconds.
func nanos(_ value: Any?) -> Int64? {
    guard let n = value as? NSNumber else { return nil }
    return Int64((n.doubleValue * 1000).rounded())
}

/// Parses a Chrome trace and checks what Perfetto and chrome://tracing need to import it without warnings.
/// Returns the events and every problem found (empty: well formed).
func checkChromeTrace(_ json: String) -> (events: [ParsedEvent], problems: [String]) {
    var problems: [String] = []
    func problem(_ s: String) { if problems.count < 20 { problems.append(s) } }
    guard let data = json.data(using: .utf8),
        let object = try? JSONSerialization.jsonObject(with: data),
        let top = object as? [String: Any]
    else { return ([], ["not a JSON object"]) }
    guard let list = top["traceEvents"] as? [[String: Any]] else { return ([], ["no traceEvents array of objects"]) }
    if top["displayTimeUnit"] != nil { problem("displayTimeUnit is set (Perfetto records a stat for it)") }

    var events: [ParsedEvent] = []
    for (i, e) in list.enumerated() {
        guard let name = e["name"] as? String, let ph = e["ph"] as? String, let cat = e["cat"] as? String,
            let ts = nanos(e["ts"]), let pid = (e["pid"] as? NSNumber)?.intValue,
            let tid = (e["tid"] as? NSNumber)?.intValue
        else {
            problem("event \(i) lacks a required field: \(e)")
            continue
        }
        var dur: Int64? = nil
        if ph == "X" {
            guard let d = nanos(e["dur"]) else {
                problem("X event \(i) has no dur")
                continue
            }
            if d < 0 { problem("event \(i) has a negative dur") }
            dur = d
        }
        if ts < 0 { problem("event \(i) has a negative ts") }
        if ph == "i" && e["s"] == nil { problem("instant \(i) has no scope") }
        if ph == "f" && e["bp"] as? String != "e" { problem("flow end \(i) does not bind to its enclosing slice") }
        events.append(
            ParsedEvent(
                raw: e, name: name, ph: ph, cat: cat, ts: ts, dur: dur, pid: pid, tid: tid,
                id: (e["id"] as? NSNumber)?.intValue, args: e["args"] as? [String: Any] ?? [:]))
    }

    // Lanes and processes are named. Perfetto names a thread by its tid alone: a tid is in one process only,
    // is never 0 and never another process's pid.
    var threadNames = Set<[Int]>()
    var processNames = Set<Int>()
    var processOfTid: [Int: Int] = [:]
    for e in events where e.ph == "M" {
        if e.name == "thread_name" { threadNames.insert([e.pid, e.tid]) }
        if e.name == "process_name" { processNames.insert(e.pid) }
    }
    for e in events {
        if e.tid == 0 { problem("tid 0 (\(e.name))") }
        if let p = processOfTid[e.tid], p != e.pid { problem("tid \(e.tid) is used in processes \(p) and \(e.pid)") }
        processOfTid[e.tid] = e.pid
        if processNames.contains(e.tid) && e.tid != e.pid { problem("tid \(e.tid) is also a pid") }
    }
    var lanes: [[Int]: [(Int64, Int64)]] = [:]
    for e in events where e.ph != "M" {
        if !threadNames.contains([e.pid, e.tid]) { problem("lane \(e.pid)/\(e.tid) has no thread_name (\(e.name))") }
        if !processNames.contains(e.pid) { problem("process \(e.pid) has no process_name") }
        if e.ph == "X" { lanes[[e.pid, e.tid], default: []].append((e.ts, e.ts + e.dur!)) }
    }
    // Slices on one lane are disjoint.
    for (lane, var slices) in lanes {
        slices.sort { $0.0 < $1.0 }
        for k in slices.indices.dropFirst() where slices[k].0 < slices[k - 1].1 {
            problem("lane \(lane): slice at \(slices[k].0) overlaps the one ending at \(slices[k - 1].1)")
        }
        lanes[lane] = slices
    }
    // Every flow has one start and one end, each strictly inside a slice of its lane.
    var starts: [Int: Int] = [:]
    var ends: [Int: Int] = [:]
    for e in events where e.ph == "s" || e.ph == "f" {
        guard let id = e.id else {
            problem("flow event without id")
            continue
        }
        if e.ph == "s" { starts[id, default: 0] += 1 } else { ends[id, default: 0] += 1 }
        let slices = lanes[[e.pid, e.tid]] ?? []
        if !slices.contains(where: { $0.0 < e.ts && e.ts < $0.1 }) {
            problem("flow \(id) \(e.ph) at \(e.ts) on \(e.pid)/\(e.tid) has no enclosing slice")
        }
    }
    var startTs: [Int: Int64] = [:]
    for e in events where e.ph == "s" { startTs[e.id ?? -1] = e.ts }
    for e in events where e.ph == "f" {
        if let s = startTs[e.id ?? -1], s >= e.ts {
            problem("flow \(e.id ?? -1) ends at \(e.ts), not after its start at \(s)")
        }
    }
    for id in Set(starts.keys).union(ends.keys) where starts[id] != 1 || ends[id] != 1 {
        problem("flow \(id): \(starts[id] ?? 0) starts, \(ends[id] ?? 0) ends")
    }
    return (events, problems)
}
