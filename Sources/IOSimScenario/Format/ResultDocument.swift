//! The result of a run as an ordered JSON document: the stable interface for scripts, `expect` and
//! `sweep`. Every key path is documented in README.md ("JSON output"); keys are never reordered.

import IOSimCore
import IOSimModel

/// A JSON value with object members in a fixed order (never a Dictionary: output must be byte-identical).
public indirect enum JSONValue: Sendable, Equatable {
    case int(Int64)
    case double(Double)
    case string(String)
    case bool(Bool)
    case array([JSONValue])
    case object([JSONMember])

    /// The number, if this is one.
    public var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The value at a key path such as `io.latencyNs.p99` or `cpu.perCPU[1].irq`.
    public func lookup(_ path: String) -> JSONValue? {
        var current = self
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            var name = Substring(part)
            var indices: [Int] = []
            while name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
                guard let i = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) else { return nil }
                indices.insert(i, at: 0)
                name = name[..<open]
            }
            guard case .object(let members) = current, let m = members.first(where: { $0.key == name }) else { return nil }
            current = m.value
            for i in indices {
                guard case .array(let items) = current, i >= 0, i < items.count else { return nil }
                current = items[i]
            }
        }
        return current
    }

    /// Every key path that leads to a number, in document order (for did-you-mean and `list`).
    public var numericPaths: [String] {
        var out: [String] = []
        func walk(_ v: JSONValue, _ prefix: String) {
            switch v {
            case .int, .double: out.append(prefix)
            case .object(let members): for m in members { walk(m.value, prefix.isEmpty ? m.key : "\(prefix).\(m.key)") }
            case .array(let items): for (i, item) in items.enumerated() { walk(item, "\(prefix)[\(i)]") }
            default: break
            }
        }
        walk(self, "")
        return out
    }

    /// Pretty-printed JSON, two spaces per level, members in order.
    public func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        let inner = String(repeating: "  ", count: indent + 1)
        switch self {
        case .int(let i): return String(i)
        case .double(let d): return JSONValue.format(d)
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return JSONValue.quote(s)
        case .array(let items):
            if items.isEmpty { return "[]" }
            if items.allSatisfy({ $0.number != nil }) {
                return "[" + items.map { $0.rendered() }.joined(separator: ", ") + "]"
            }
            return "[\n" + items.map { inner + $0.rendered(indent: indent + 1) }.joined(separator: ",\n") + "\n\(pad)]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            return "{\n"
                + members.map { "\(inner)\(JSONValue.quote($0.key)): \($0.value.rendered(indent: indent + 1))" }
                    .joined(separator: ",\n") + "\n\(pad)}"
        }
    }

    /// Shortest round-trip decimal (deterministic), with non-finite values as null.
    static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    static func quote(_ s: String) -> String { s.jsonQuoted }
}

/// One member of a JSON object.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: JSONValue
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

extension SimulationResult {
    /// The result as the documented JSON document.
    public var document: JSONValue {
        func cpu(_ t: CPUTime) -> JSONValue {
            var members = CPUCategory.allCases.map { JSONMember($0.key, .double(t.fraction($0))) }
            members.append(JSONMember("busy", .double(t.busyFraction)))
            return .object(members)
        }
        func cpuNs(_ t: CPUTime) -> JSONValue {
            var members = CPUCategory.allCases.map { JSONMember($0.key, .int(t[$0].nanoseconds)) }
            members.append(JSONMember("busy", .int(t.busy.nanoseconds)))
            return .object(members)
        }
        func summary(_ l: LatencySummary) -> JSONValue {
            .object([
                JSONMember("count", .int(l.count)), JSONMember("mean", .double(l.mean)), JSONMember("p50", .int(l.p50)),
                JSONMember("p90", .int(l.p90)), JSONMember("p99", .int(l.p99)), JSONMember("p999", .int(l.p999)),
                JSONMember("max", .int(l.max)),
            ])
        }
        let ios = Double(max(iosCompleted, 1))
        return .object([
            JSONMember("scenario", .string(scenario)),
            JSONMember("seed", .int(Int64(bitPattern: seed))),
            JSONMember("elapsedNs", .int(elapsed.nanoseconds)),
            JSONMember("events", .int(Int64(events))),
            JSONMember(
                "cpu",
                .object([
                    JSONMember("count", .int(Int64(cpuCount))),
                    JSONMember("total", cpu(totalCPU)),
                    JSONMember("perCPU", .array(perCPU.map(cpu))),
                    JSONMember("totalNs", cpuNs(totalCPU)),
                    JSONMember("perIONs", .double(Double(totalCPU.busy.nanoseconds) / ios)),
                ])),
            JSONMember(
                "io",
                .object([
                    JSONMember("issued", .int(iosIssued)),
                    JSONMember("completed", .int(iosCompleted)),
                    JSONMember("synchronous", .int(iosSynchronous)),
                    JSONMember("bytes", .int(bytes)),
                    JSONMember("iops", .double(iops)),
                    JSONMember("bandwidthBytesPerSecond", .double(elapsed.nanoseconds > 0 ? Double(bytes) * 1e9 / Double(elapsed.nanoseconds) : 0)),
                    JSONMember("latencyNs", summary(latency)),
                    JSONMember("stagesNs", .object(IOStage.allCases.map { JSONMember($0.key, summary(stage($0))) })),
                ])),
            JSONMember("interrupts", .int(interrupts)),
            JSONMember("interruptsPerIO", .double(Double(interrupts) / ios)),
            JSONMember("contextSwitches", .int(contextSwitches)),
            JSONMember("contextSwitchesPerIO", .double(Double(contextSwitches) / ios)),
            JSONMember("ringEnters", .int(ringEnters)),
            JSONMember("ringEntersPerIO", .double(Double(ringEnters) / ios)),
            JSONMember("deviceStalls", .int(deviceStalls)),
            // From each stall's start to the next's; the mean is 0 under two stalls, the coefficient of variation 0 under
            // three (fewer than two intervals).
            JSONMember(
                "deviceStallIntervals",
                .object([
                    JSONMember("count", .int(Int64(deviceStallIntervals.count))),
                    JSONMember("meanNs", .double(deviceStallIntervals.meanNanoseconds)),
                    JSONMember("coefficientOfVariation", .double(deviceStallIntervals.coefficientOfVariation ?? 0)),
                ])),
            JSONMember(
                "threads",
                .object([
                    JSONMember("max", .int(Int64(threads.maxAlive))),
                    JSONMember("created", .int(Int64(threads.created))),
                    JSONMember("blockedOnIO", .double(threads.blockedOnIO)),
                    JSONMember("attachedShare", .double(threads.attachedShare)),
                    JSONMember("stackBytes", .int(threads.stackBytesMax)),
                    JSONMember("kernel", .int(Int64(threads.kernelCreated))),
                ])),
            JSONMember(
                "progress",
                .object([
                    JSONMember("reports", .int(progressReports)),
                    JSONMember("maxGapNs", .int(progressMaxGap.nanoseconds)),
                ])),
        ])
    }
}
