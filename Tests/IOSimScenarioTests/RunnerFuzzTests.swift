// Fuzzing the whole path a user's file takes: mutated versions of the real Scenarios/*.json5 files go through
// `ScenarioLoader.load(text:path:)` and, when they load, through `Simulator(...)` and a run, and the result is
// rendered as the JSON document and the text report. The assertion: never a crash or a hang; always a result,
// or a typed error (`LoadError` with a position inside the text, or `SimulationError`).
//
// Deterministic: iteration i of shard s mutates with SplitMix64 (IOSimCore's `SeededGenerator`) seeded from
// (s, i), so any failure replays alone: the failure message names the shard, the iteration and the seed, and
// `IOSIM_FUZZ_REPLAY=SHARD:ITERATION swift test --filter RunnerFuzzTests/replay` rebuilds and reruns it
// alone. A trap (which ends the test process) prints the shards' current iterations from a signal handler
// before the process dies.
//
// Guards, so that one run cannot take long (the point is robustness, not the results):
// - the run stops at `maxVirtualTime` (200 us) of virtual time: `scenario.stop.afterTime` is lowered to it;
// - each thread spec's `count` is capped at `maxThreadCount` (4) and the CPU count at `maxCPUs` (8);
// - every `repeat: N` is capped at `maxRepeat` (16) iterations, at any depth;
// - the run is driven in slices of events (`Simulator.run(maxEvents:)`) with a budget of `maxEvents` (4,000)
//   events: a run that uses it up before the stop time is dense (a 1 ns time slice, say), not hung, as long as
//   virtual time advances; otherwise its result is taken with `Simulator.result()`;
// - a scenario this shard already ran (the same `Scenario` after the guards, its name aside) is not run again:
//   the simulator is deterministic, and most mutations that still load change only a comment, a name or an
//   expect key;
// Every `runEvery`-th (8th) iteration, a scenario that ran within the budget is run again with
// `Simulator.run()`, the path `iosim run` takes.
// `IOSIM_FUZZ_ITERATIONS=N` and `IOSIM_FUZZ_US=MICROSECONDS` change the count and the virtual-time cap for a
// longer hunt.

import Foundation
import IOSimCore
import IOSimModel
import IOSimScenario
import Testing

#if canImport(Glibc)
import Glibc
#endif

private enum Fuzz {
    /// 100,000 by default; `IOSIM_FUZZ_ITERATIONS=N` runs more (or fewer) for a longer hunt.
    static let iterations = ProcessInfo.processInfo.environment["IOSIM_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 100_000
    static let shards = 4
    static let maxVirtualTime = SimDuration.microseconds(ProcessInfo.processInfo.environment["IOSIM_FUZZ_US"].flatMap { Int64($0) } ?? 200)
    static let maxThreadCount = 4
    static let maxCPUs = 8
    static let maxRepeat = 16
    static let maxEvents = 4_000
    /// Every this many iterations, a scenario that ran is also run with `Simulator.run()`.
    static let runEvery = 8

    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The real scenario files (partials included), as (absolute path, bytes, bytes without comments and
    /// indentation), sorted by path. Most iterations mutate the compact text: the same scenario in about a third
    /// of the bytes, so the reader's time goes to more scenarios (the reader's own fuzz test covers comments).
    static let corpus: [(path: String, bytes: [UInt8], stripped: [UInt8], literals: Literals, strippedLiterals: Literals)] = {
        let dir = root + "/Scenarios"
        let names = ((FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]) ?? [])
            .filter { $0.hasSuffix(".json5") }.sorted()
        return names.compactMap { name in
            FileManager.default.contents(atPath: dir + "/" + name).map {
                let bytes = [UInt8]($0), stripped = withoutComments(bytes)
                return (dir + "/" + name, bytes, stripped, literals(bytes), literals(stripped))
            }
        }
    }()

    /// `bytes` without `//` and `/* */` comments (outside strings), without indentation, and without the lines
    /// left empty.
    static func withoutComments(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        var quote: UInt8? = nil
        while i < bytes.count {
            let b = bytes[i]
            if let q = quote {
                out.append(b)
                if b == UInt8(ascii: "\\"), i + 1 < bytes.count {
                    out.append(bytes[i + 1])
                    i += 1
                } else if b == q {
                    quote = nil
                }
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                quote = b
                out.append(b)
            } else if b == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") {
                while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            } else if b == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") {
                i += 2
                while i + 1 < bytes.count && !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) { i += 1 }
                i += 2
                continue
            } else {
                out.append(b)
            }
            i += 1
        }
        let lines = out.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { line in Array(line.drop(while: { $0 == UInt8(ascii: " ") }).reversed().drop(while: { $0 == UInt8(ascii: " ") }).reversed()) }
            .filter { !$0.isEmpty }
        return Array(lines.joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")]
    }

    /// Replacements for a number literal: huge, tiny, negative, non-finite, hex, big counts.
    static let numbers: [String] = [
        "1e400", "99999999999999999999", "-99999999999999999999", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "1e-400", "0", "-0", "-1", "1", "2", "3", "0.5", "1.5", "100000", "1000000000", "65536",
        "65537", "1024", "1025", "NaN", "Infinity", "-Infinity", "0x7FFFFFFFFFFFFFFF", "0xFF", ".5", "5.", "1e3",
        "+7",
    ]

    /// Replacements for a string literal: units at their edges, zero sizes, negative durations, keywords.
    static let strings: [String] = [
        "-5us", "-1ns", "0", "0ns", "0us", "0B", "0KiB", "1ns", "1us", "20us", "80us", "1ms", "2s", "1.5ms", "250ns",
        "999999999s", "9223372036s", "1e400us", "99999999999999999999ns", "0.0000001ns", "4KiB", "1MiB", "16MiB",
        "1GiB", "8EiB", "4k", "512", "1B/s", "2GB/s", "500MiB/s", "0GB/s", "5%", "100%", "101%", "-5%", "forever",
        "infinite", "random", "sequential", "overlapped", "blocking", "cpu0", "cpu1", "cpu9", "cpu-1", "roundRobin",
        "submittingCPU", "windows", "linux", "dma", "pio", "nvme", "hdd-7200", "sata-ssd", "optane", "virtio-vm",
        "reportProgress", "data", "r", "pool", "ui", "main", "", " ", "\\u0000", "é", "😀",
    ]

    /// Inserted at random places: structure, keys with values, whole operations, big counts, deep nesting.
    static let snippets: [String] = [
        "{", "}", "[", "]", ",", ":", "\"", "'", "//", "/*", "*/", "\n", "null", "true", "false", "-", ".", "e",
        "count: 100000,", "count: 0,", "repeat: 1000000000, do: [],", "{ repeat: \"forever\", do: [{ compute: \"1ns\" }] },",
        "{ compute: \"0\" },", "{ sleep: \"1us\" },", "\"reportProgress\",", "{ spawn: \"main\" },", "{ post: \"ui\" },",
        "{ dequeue: \"pool\" },", "{ alertableWait: \"infinite\" },", "{ getResult: \"r\", wait: true },",
        "{ waitEvent: \"r\" },", "{ untilComplete: \"r\", do: [] },", "{ read: \"data\", size: 0 },",
        "{ read: \"data\", size: \"1GiB\", offset: \"random\", as: \"r\", style: \"overlapped\" },",
        "{ write: \"data\", size: 1, offset: 99999999999999, routine: \"1us\", style: \"overlapped\" },",
        "{ chunkedRead: \"data\", total: \"1GiB\", chunk: \"1\" },", "{ open: \"nope\" },",
        "machine: { cpus: 1024, timeSlice: \"1ns\" },", "machine: { cpus: 1 },", "interrupts: { target: \"cpu7\" },",
        "interrupts: { coalesceCount: 256, coalesceTime: \"1s\" },", "device: { queueDepth: 1, channels: 65536 },",
        "device: { transfer: \"pio\", pioRate: \"1B/s\" },", "device: { hdd: { rpm: 1 } },", "device: { hdd: null },",
        "device: { latency: { percentiles: { \"0\": \"1us\", \"100\": \"1s\" } } },",
        "device: { latency: { lognormal: { mean: \"1us\", sigma: 10 } } },",
        "device: { latency: { normal: { mean: \"1us\", sd: \"1s\" } } },", "device: { latency: { uniform: [\"0\", \"0\"] } },",
        "kernel: { pageCacheCopy: \"1B/s\" },", "files: [{ name: \"data\", size: 1, cached: true, buffered: true }],",
        "ports: [{ name: \"pool\", concurrency: 0 }],", "stop: { ios: 1 },", "stop: { time: \"1ns\" },", "narrate: 0,",
        "narrate: 2147483647,", "seed: 9223372036854775807,", "extends: \"_03-workload.json5\",", "extends: \"nope.json5\",",
        "threads: [],", "expect: { \"io.completed\": \"~ 1 +- 1%\" },",
    ]

    /// A deeply nested value: arrays, objects, or repeats (to the reader's and the decoder's depth limits and past them).
    static func nesting(_ depth: Int, kind: Int) -> String {
        switch kind {
        case 0: return String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        case 1: return String(repeating: "{a:", count: depth) + "1" + String(repeating: "}", count: depth)
        default:
            return String(repeating: "{ repeat: 2, do: [", count: depth) + "{ compute: \"1us\" }"
                + String(repeating: "] }", count: depth)
        }
    }

    /// The generator of iteration `i` of shard `s`.
    static func generator(shard s: Int, iteration i: Int) -> SeededGenerator {
        SeededGenerator(seed: 0x10_5EED_0000 &+ UInt64(s) << 32 &+ UInt64(i))
    }

    /// The text of iteration `i` of shard `s`: one of the corpus files with 1 to 4 mutations.
    static func mutated(shard s: Int, iteration i: Int) -> (path: String, bytes: [UInt8], mutations: [String]) {
        var g = generator(shard: s, iteration: i)
        let source = corpus[Int(g.nextInt(below: UInt64(corpus.count)))]
        let withComments = g.nextInt(below: 8) == 0
        var bytes = withComments ? source.bytes : source.stripped
        // The literals of the unchanged text are known; after the first mutation they are found again.
        var known: Literals? = withComments ? source.literals : source.strippedLiterals
        var log: [String] = [withComments ? "with comments" : "without comments"]
        let count = 1 + Int(g.nextInt(below: 4))
        for _ in 0..<count {
            log.append(mutate(&bytes, &g, known: known))
            known = nil
        }
        return (source.path, bytes, log)
    }

    static func below(_ n: Int, _ g: inout SeededGenerator) -> Int { n <= 0 ? 0 : Int(g.nextInt(below: UInt64(n))) }

    /// Ranges of number literals and of string literals (with their quotes) in `bytes`, found by a rough scan.
    typealias Literals = (numbers: [Range<Int>], strings: [Range<Int>])

    static func literals(_ bytes: [UInt8]) -> Literals {
        var numbers: [Range<Int>] = [], strings: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                var j = i + 1
                while j < bytes.count && bytes[j] != b && bytes[j] != UInt8(ascii: "\n") {
                    j += bytes[j] == UInt8(ascii: "\\") ? 2 : 1
                }
                if j < bytes.count && bytes[j] == b { strings.append(i..<(j + 1)) }
                i = j + 1
            } else if b == UInt8(ascii: "/") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/") {
                while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
            } else if (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) && (i == 0 || !isWord(bytes[i - 1])) {
                var j = i
                while j < bytes.count && (isWord(bytes[j]) || bytes[j] == UInt8(ascii: ".")) { j += 1 }
                numbers.append(i..<j)
                i = j
            } else {
                i += 1
            }
        }
        return (numbers, strings)
    }

    static func isWord(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
            || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || b == UInt8(ascii: "_")
    }

    /// One mutation of `bytes`; returns what it did (for the failure message).
    static func mutate(_ bytes: inout [UInt8], _ g: inout SeededGenerator, known: Literals? = nil) -> String {
        let n = bytes.count
        let at = below(n + 1, &g)
        switch below(14, &g) {
        case 0 where n > 0:  // flip a bit
            let i = below(n, &g)
            bytes[i] ^= UInt8(1) << UInt8(below(8, &g))
            return "flip bit of byte \(i)"
        case 1 where n > 0:  // delete a few bytes
            let i = below(n, &g), len = min(n - i, 1 + below(8, &g))
            bytes.removeSubrange(i..<(i + len))
            return "delete \(len) at \(i)"
        case 2:  // insert a random byte
            let b = UInt8(truncatingIfNeeded: g.next())
            bytes.insert(b, at: at)
            return "insert byte \(b) at \(at)"
        case 3:  // truncate
            bytes.removeSubrange(at..<n)
            return "truncate at \(at)"
        case 4:  // deep nesting at a random place
            let depth = [8, 17, 30, 63, 64, 65, 200, 1000][below(8, &g)]
            let kind = below(3, &g)
            bytes.insert(contentsOf: Array(nesting(depth, kind: kind).utf8), at: at)
            return "nesting kind \(kind) depth \(depth) at \(at)"
        case 5, 6:  // replace a number literal
            let ranges = (known ?? literals(bytes)).numbers
            guard !ranges.isEmpty else { return "no number" }
            let r = ranges[below(ranges.count, &g)]
            let s = numbers[below(numbers.count, &g)]
            bytes.replaceSubrange(r, with: Array(s.utf8))
            return "number at \(r.lowerBound) -> \(s)"
        case 7, 8:  // replace a string literal
            let ranges = (known ?? literals(bytes)).strings
            guard !ranges.isEmpty else { return "no string" }
            let r = ranges[below(ranges.count, &g)]
            let s = strings[below(strings.count, &g)]
            bytes.replaceSubrange(r, with: Array("\"\(s)\"".utf8))
            return "string at \(r.lowerBound) -> \"\(s)\""
        case 9, 10:  // insert a snippet, preferably just after a '{', '[' or ','
            let s = snippets[below(snippets.count, &g)]
            var i = at
            while i < n && i > 0 && ![UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: ",")].contains(bytes[i - 1]) { i += 1 }
            bytes.insert(contentsOf: Array(s.utf8), at: i)
            return "insert \(s) at \(i)"
        case 11 where n > 0:  // duplicate a slice somewhere else
            let i = below(n, &g), len = min(n - i, 1 + below(200, &g))
            let slice = Array(bytes[i..<(i + len)])
            bytes.insert(contentsOf: slice, at: below(n + 1, &g))
            return "duplicate \(len) from \(i)"
        case 12:  // a line of another scenario file
            let other = corpus[below(corpus.count, &g)].stripped
            let lines = other.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            let line = lines[below(lines.count, &g)]
            bytes.insert(contentsOf: Array(line) + [UInt8(ascii: "\n")], at: at)
            return "splice a line at \(at)"
        default:  // swap two lines
            var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            guard lines.count > 1 else { return "one line" }
            let a = below(lines.count, &g), b = below(lines.count, &g)
            lines.swapAt(a, b)
            bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
            return "swap lines \(a) and \(b)"
        }
    }

    // MARK: Guards

    static func capped(_ ops: [IOSimModel.Operation]) -> [IOSimModel.Operation] {
        ops.map { op in
            switch op {
            case .repeatCount(let n, let body): return .repeatCount(min(n, maxRepeat), capped(body))
            case .repeatForever(let body): return .repeatForever(capped(body))
            case .untilComplete(let r, let body): return .untilComplete(request: r, capped(body))
            default: return op
            }
        }
    }

    /// The scenario with the guards applied.
    static func guarded(_ scenario: Scenario) -> Scenario {
        var s = scenario
        s.stop.afterTime = min(s.stop.afterTime ?? maxVirtualTime, maxVirtualTime)
        s.machine.cpuCount = min(s.machine.cpuCount, maxCPUs)
        for i in s.threads.indices {
            s.threads[i].count = min(s.threads[i].count, maxThreadCount)
            s.threads[i].program = capped(s.threads[i].program)
        }
        return s
    }

    // MARK: One iteration

    enum Outcome: String, CaseIterable {
        case loadError, simulationError, result, denseRun, alreadyRun
    }

    /// Runs one text through the loader and the runner; returns the outcome, or a problem (a failed assertion).
    /// With `alsoRun`, a scenario that ran within the budget is run again with `Simulator.run()`.
    /// `seen`: the scenarios this shard already ran (as their descriptions, the name left out); the simulator is
    /// deterministic, so a scenario that a mutation left unchanged in substance (a comment, a name, an expect
    /// key) is not run again.
    static func check(path: String, bytes: [UInt8], alsoRun: Bool = true, seen: inout Set<String>, simSeconds: inout Double)
        -> (outcome: Outcome?, problem: String?)
    {
        let text = String(decoding: bytes, as: UTF8.self)
        let file: ScenarioFile
        do {
            file = try ScenarioLoader.load(text: text, path: path)
        } catch {
            guard case .data(let e) = error else { return (nil, "a file error for a text: \(error)") }
            // Positioned: in this text (or a file it extends), on a line that exists.
            guard let location = e.location else {
                return (nil, "a data error without a position: \(e)")
            }
            if location.file == path {
                var lines = 1
                for b in bytes where b == UInt8(ascii: "\n") { lines += 1 }
                if location.line < 1 || location.line > lines || location.column < 1 {
                    return (nil, "position \(location) outside the text (\(lines) lines): \(e)")
                }
            } else if !location.file.hasSuffix(".json5") {
                return (nil, "position in an unexpected file: \(e)")
            }
            if e.message.isEmpty { return (nil, "an error without a message at \(location)") }
            return (.loadError, nil)
        }
        let scenario = guarded(file.scenario)
        let simStart = threadCPUSeconds()
        defer { simSeconds += threadCPUSeconds() - simStart }
        var key = scenario
        key.name = ""
        if !seen.insert(String(describing: key)).inserted { return (.alreadyRun, nil) }
        let end = SimInstant.zero + scenario.stop.afterTime!

        // Driven in slices of events within the budget, so a dense run cannot hang the test.
        let sim: Simulator
        do {
            sim = try Simulator(scenario)
        } catch {
            if error.message.isEmpty { return (nil, "a simulation error without a message: \(error)") }
            return (.simulationError, nil)
        }
        var events = 0
        while !sim.isFinished && sim.now <= end {
            if events >= maxEvents {
                // Dense, not hung, as long as virtual time moves.
                if sim.now == .zero { return (nil, "\(maxEvents) events without virtual time passing") }
                return (.denseRun, nil)
            }
            sim.run(maxEvents: 64)
            events += 64
            if !sim.step() { break }  // nothing left to do
            events += 1
        }
        let outcome: Outcome
        do {
            let r = try sim.result()
            if r.iosCompleted > r.iosIssued { return (nil, "\(r.iosCompleted) IOs completed of \(r.iosIssued) issued") }
            // What `iosim run` prints, both ways.
            _ = r.document.rendered()
            _ = r.textReport(description: file.description)
            _ = r.narrationText
            outcome = .result
        } catch {
            if error.message.isEmpty { return (nil, "a simulation error without a message: \(error)") }
            outcome = .simulationError
        }
        guard alsoRun else { return (outcome, nil) }

        // The run `iosim run` does, `Simulator.run()` to the stop time: bounded, since the run is deterministic
        // and the slices above reached the stop time within the budget.
        do {
            let r = try Simulator(scenario).run()
            if r.elapsed > scenario.stop.afterTime! { return (nil, "run(): elapsed \(r.elapsed) beyond the stop time") }
            if r.iosCompleted > r.iosIssued { return (nil, "run(): \(r.iosCompleted) IOs completed of \(r.iosIssued) issued") }
            _ = r.document.rendered()
        } catch {
            if error.message.isEmpty { return (nil, "run(): a simulation error without a message: \(error)") }
        }
        return (outcome, nil)
    }
}

/// CPU time of the calling thread (the shards are synchronous, so each stays on its thread): wall time
/// says little on a machine shared with other work.
private func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

// MARK: Crash reporting

/// The iteration each shard is on, for the signal handler (a trap ends the process; this says where).
nonisolated(unsafe) private let current = UnsafeMutablePointer<Int>.allocate(capacity: Fuzz.shards)

private func installCrashReporter() {
    for s in 0..<Fuzz.shards { current[s] = -1 }
    let handler: @convention(c) (Int32) -> Void = { signal in
        var text = "\nrunner fuzz: crashed (signal \(signal)) with shard:iteration in progress"
        for s in 0..<Fuzz.shards where current[s] >= 0 { text += " \(s):\(current[s])" }
        text += "; replay with IOSIM_FUZZ_REPLAY=SHARD:ITERATION swift test --filter RunnerFuzzTests/replay\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        Glibc.signal(signal, SIG_DFL)
        raise(signal)
    }
    for s in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT] { signal(s, handler) }
}

@Suite struct RunnerFuzzTests {
    /// The corpus is there, and loads and runs unmutated (with the guards).
    @Test func corpusRuns() {
        #expect(Fuzz.corpus.count >= 20)
        for (path, bytes, _, _, _) in Fuzz.corpus where !(path as NSString).lastPathComponent.hasPrefix("_") {
            var seen = Set<String>()
            var seconds = 0.0
            let (outcome, problem) = Fuzz.check(path: path, bytes: bytes, seen: &seen, simSeconds: &seconds)
            #expect(problem == nil, "\(path): \(problem ?? "")")
            #expect(outcome == .result || outcome == .denseRun, "\(path): \(String(describing: outcome))")
        }
    }

    /// 100,000 mutated scenarios in `Fuzz.shards` shards that run in parallel.
    @Test(arguments: 0..<Fuzz.shards)
    func mutatedScenariosNeverCrashOrHang(shard: Int) {
        if shard == 0 { installCrashReporter() }
        let start = DispatchTime.now().uptimeNanoseconds
        let cpuStart = threadCPUSeconds()
        var counts: [Fuzz.Outcome: Int] = [:]
        var failures = 0
        var seen = Set<String>()
        var simSeconds = 0.0
        let count = Fuzz.iterations / Fuzz.shards
        for i in 0..<count {
            current[shard] = i
            let (path, bytes, mutations) = Fuzz.mutated(shard: shard, iteration: i)
            let (outcome, problem) = Fuzz.check(
                path: path, bytes: bytes, alsoRun: i % Fuzz.runEvery == 0, seen: &seen, simSeconds: &simSeconds)
            if let outcome { counts[outcome, default: 0] += 1 }
            if let problem {
                failures += 1
                if failures <= 5 {
                    let text = String(decoding: bytes, as: UTF8.self)
                    Issue.record(
                        """
                        shard \(shard) iteration \(i) (seed \(Fuzz.generator(shard: shard, iteration: i))), from \
                        \((path as NSString).lastPathComponent) with \(mutations.joined(separator: "; ")): \(problem)
                        text (\(bytes.count) bytes):
                        \(text.prefix(3000))
                        """)
                }
            }
        }
        current[shard] = -1
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = threadCPUSeconds() - cpuStart
        let summary = Fuzz.Outcome.allCases.map { "\($0.rawValue) \(counts[$0, default: 0])" }.joined(separator: ", ")
        print(
            "runner fuzz shard \(shard): \(count) mutated scenarios in \(String(format: "%.1f", seconds)) s "
                + "(\(String(format: "%.1f", cpu)) s of CPU, \(String(format: "%.1f", simSeconds)) s of it simulating): \(summary)")
        #expect(failures == 0, "\(failures) failures in shard \(shard)")
        // The mutations must reach the runner, not only the reader.
        #expect(counts[.result, default: 0] + counts[.simulationError, default: 0] > count / 50, "\(summary)")
    }

    /// Replays one iteration: `IOSIM_FUZZ_REPLAY=SHARD:ITERATION swift test --filter RunnerFuzzTests/replay`
    /// prints the mutated text (before running it, so a trap still shows it) and then checks it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["IOSIM_FUZZ_REPLAY"] != nil))
    func replay() throws {
        let spec = ProcessInfo.processInfo.environment["IOSIM_FUZZ_REPLAY"] ?? ""
        let parts = spec.split(separator: ":").compactMap { Int($0) }
        try #require(parts.count == 2, "IOSIM_FUZZ_REPLAY=SHARD:ITERATION, found '\(spec)'")
        let (path, bytes, mutations) = Fuzz.mutated(shard: parts[0], iteration: parts[1])
        // Written at once (unbuffered), so a trap in the check below still leaves the text on the terminal.
        FileHandle.standardError.write(
            Data("replay \(spec): \(path) with \(mutations.joined(separator: "; ")):\n".utf8) + Data(bytes) + Data("\n".utf8))
        var seen = Set<String>()
        var seconds = 0.0
        let (outcome, problem) = Fuzz.check(path: path, bytes: bytes, seen: &seen, simSeconds: &seconds)
        print("replay \(spec): \(problem ?? outcome?.rawValue ?? "")")
        #expect(problem == nil)
    }

    /// Inputs the model once trapped on (virtual-time overflow, an unclamped draw, an offset overflow, unbounded
    /// recursion): each now ends in a typed error that says why, run the way `iosim run` runs them.
    @Test func extremeInputsEndInErrorsNotTraps() throws {
        let texts = [
            // A sleep past 2^62 ns (it overflowed the time-weighted census).
            #"{ threads: [{ name: "m", program: [{ sleep: "4611686019s" }] }] }"#,
            // A compute whose elapsed x 2 CPUs passes Int64.max (it overflowed the CPU total).
            #"{ threads: [{ name: "m", program: [{ compute: "9000000000s" }] }] }"#,
            // An exponential whose draws pass Int64.max ns (seed 5; the conversion trapped).
            #"{ seed: 5, threads: [{ name: "m", program: [{ compute: { exponential: "9000000000s" } }] }], stop: { time: "1ms" } }"#,
            // A transfer of 16 GiB at 1 B/s: 1.7e19 ns, past the horizon.
            #"{ files: [{ name: "d", size: "16GiB" }], device: { bandwidth: "1B/s" }, threads: [{ name: "m", program: [{ read: "d", size: "16GiB" }] }] }"#,
            // A coalescing timer near Int64.max.
            #"{ interrupts: { coalesceCount: 8, coalesceTime: "5000000000s" }, files: [{ name: "d", size: 4096 }], threads: [{ name: "m", program: [{ read: "d", size: 512 }] }] }"#,
            // offset + size past Int64.max (the compiler's range check overflowed).
            #"{ files: [{ name: "d", size: "64KiB" }], threads: [{ name: "m", program: [{ read: "d", size: 4096, offset: 0x7FFFFFFFFFFFFFFF }] }] }"#,
            // One CPU, free switches, wake-ups and syscalls: two threads handing packets back and forth recursed
            // (block -> leaveCPU -> runOn -> runThread -> post -> wake -> ...) until the stack overflowed.
            #"{ machine: { cpus: 1, contextSwitch: 0, wakeupLatency: 0 }, kernel: { syscallEntry: 0, syscallExit: 0 }, ports: [{ name: "a" }, { name: "b" }], threads: [{ name: "x", program: [{ repeat: 100000, do: [{ post: "b" }, { dequeue: "a" }] }] }, { name: "y", program: [{ repeat: 100000, do: [{ dequeue: "b" }, { post: "a" }] }] }] }"#,
            // Durations each allowed, whose sum passes the horizon.
            #"{ threads: [{ name: "m", program: [{ repeat: 100, do: [{ sleep: "1000000s" }] }] }] }"#,
            // An io_uring loop's fixed offset + size past Int64.max (that range check overflowed too).
            #"{ files: [{ name: "d", size: "64KiB" }], rings: [{ name: "r" }], threads: [{ name: "m", program: [{ uring: "r", file: "d", size: 4096, offset: 9223372036854775000, ios: 1 }] }] }"#,
            // A file of 2^62 bytes (its page count and positions overflowed).
            #"{ files: [{ name: "d", size: 4611686018427387904 }], threads: [{ name: "m", program: [{ read: "d", size: 4096 }] }] }"#,
        ]
        var messages: [String] = []
        for text in texts {
            let scenario = try ScenarioLoader.load(text: text, path: "trap.json5").scenario
            let error = #expect(throws: SimulationError.self, "\(text)") { try Simulator(scenario).run() }
            messages.append(error?.description ?? "")
        }
        try #require(messages.count == 10)
        #expect(messages[0].contains("beyond the longest duration"))  // sleep
        #expect(messages[1].contains("beyond the longest duration"))  // compute
        #expect(messages[2].contains("beyond the longest duration"))  // exponential mean
        #expect(messages[3].contains("would go past"))  // 16 GiB at 1 B/s
        #expect(messages[4].contains("interrupts.coalesceTime") && messages[4].contains("beyond the longest duration"))
        #expect(messages[5].contains("lies outside"))  // offset + size past Int64
        #expect(messages[6].contains("loops without taking any virtual time"))  // ping-pong at zero cost
        #expect(messages[7].contains("would go past"))
        #expect(messages[8].contains("lies outside"))
        #expect(messages[9].contains("files[0].size") && messages[9].contains("largest file"))
    }

    /// An exponential whose mean is allowed but whose tail reaches past the longest duration: draws are
    /// clamped to it, and a run that would then pass the horizon stops with an error.
    @Test func drawsBeyondTheLongestDurationAreClamped() throws {
        var g = SeededGenerator(seed: 5)
        let longest = SimDuration.longest.nanoseconds
        for _ in 0..<10_000 {
            let x = Distribution.exponential(mean: longest).sample(&g)
            #expect(x >= 0 && x <= longest)
        }
    }
}
