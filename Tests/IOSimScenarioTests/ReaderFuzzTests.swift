import IOSimScenario
import Testing

/// SplitMix64: tiny, fast, and fully deterministic, so a failure replays exactly from
/// its seed (never SystemRandomNumberGenerator here).
private struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (bound > 0); the modulo bias is irrelevant for fuzzing.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

private let seedDocuments: [String] = [
    """
    // scenario seed
    {
      name: 'fuzz "seed"',
      device: { latency: "80us", bandwidth: '2GB/s', queueDepth: 0x20, jitter: "0.5%", },
      threads: [
        { program: [ {op: "read", size: "4KiB", count: +3}, {op: 'write', size: "1.5MiB"}, ], },
        /* block
           comment */
        { program: [], weight: .5, limit: 5., big: 9007199254740993 },
      ],
      escapes: "tab\\there \\u00e9 \\uD83D\\uDE00 \\x41 \\\\ \\' \\" \\
    continued",
      specials: [Infinity, -Infinity, NaN, null, true, false, 1e-3, -0x1F],
    }
    """,
    #"[1, -2.5e+3, "80 us", '1.5ms', [[[]]], {}, {"a": {"b": {"c": [1, 2, 3]}}}, "\/\b\f\n\r\t\v\0"]"#,
    "{ \"ключ\": \"значение\", emoji: \"😀\", nbsp:\u{A0}1, ls: [1,\u{2028}2], $id_9: '\\u20AC' }\r\n",
    "{a:{b:{c:{d:[[[[{e:'f', g: [\"1ms\", \"2s\", \"250ns\"]}]]]]}}}} /* end */",
]

/// Bytes that tend to change the parser's path: structure, quotes, escapes, number
/// characters, and the interesting UTF-8 lead/continuation bytes.
private let interestingBytes: [UInt8] = Array("{}[]:,\"'\\/*\n\r 019.eE+-xuIN_$".utf8)
    + [0x00, 0x09, 0x7F, 0x80, 0xA0, 0xBF, 0xC0, 0xC2, 0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]

private let tokens: [[UInt8]] = [
    "Infinity", "-Infinity", "NaN", "0x", "1e400", "99999999999999999999999", "\\u", "\\uD800", "\\uDBFF\\uDFFF",
    "\\x", "\\x7", "/*", "*/", "//", "\\\n", "\\\r\n", "true", "null", "\u{2028}", "\u{FEFF}", "é", "😀", "\"80us\"",
    ",", ",]", ",}", "{\"a\":", "[", "{", "a:", "'", "\"", "-", ".", "1.", ".5e-3", "0x1F", "\n",
].map { Array($0.utf8) }

/// One random change to `bytes`.
private func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
    let count = bytes.count
    switch rng.below(9) {
    case 0 where count > 0: // flip one bit
        bytes[rng.below(count)] ^= UInt8(1) << UInt8(rng.below(8))
    case 1 where count > 0: // overwrite with an interesting byte
        bytes[rng.below(count)] = interestingBytes[rng.below(interestingBytes.count)]
    case 2 where count > 0: // delete a short range
        let start = rng.below(count)
        let length = min(count - start, 1 + rng.below(8))
        bytes.removeSubrange(start..<start + length)
    case 3: // insert a few bytes, interesting or random
        var inserted: [UInt8] = []
        for _ in 0...rng.below(4) {
            inserted.append(rng.below(2) == 0 ? interestingBytes[rng.below(interestingBytes.count)] : UInt8(truncatingIfNeeded: rng.next()))
        }
        bytes.insert(contentsOf: inserted, at: rng.below(count + 1))
    case 4 where count > 0: // truncate
        bytes.removeSubrange(rng.below(count)...)
    case 5 where count > 0: // duplicate a slice somewhere
        let start = rng.below(count)
        let length = min(count - start, 1 + rng.below(32))
        let slice = Array(bytes[start..<start + length])
        bytes.insert(contentsOf: slice, at: rng.below(count + 1))
    case 6: // insert a token
        bytes.insert(contentsOf: tokens[rng.below(tokens.count)], at: rng.below(count + 1))
    case 7 where count > 1: // swap two bytes
        bytes.swapAt(rng.below(count), rng.below(count))
    default: // replace with a random byte
        if count > 0 { bytes[rng.below(count)] = UInt8(truncatingIfNeeded: rng.next()) }
    }
}

/// Byte length of every line (LF-separated, LF excluded). A plain index loop over a
/// buffer: generic sequence helpers are many times slower in debug builds.
private func lineLengths(_ bytes: [UInt8]) -> [Int] {
    bytes.withUnsafeBufferPointer { buffer in
        var lengths: [Int] = []
        var start = 0
        var i = 0
        while i < buffer.count {
            if buffer[i] == 0x0A {
                lengths.append(i - start)
                start = i + 1
            }
            i += 1
        }
        lengths.append(buffer.count - start)
        return lengths
    }
}

/// Whether `location` points into the input: line >= 1, column >= 1, an existing line
/// (stricter than "number of lines + 1"), and at most one past the line's last byte.
private func isInside(_ location: IOSimScenario.SourceLocation, _ lengths: [Int]) -> Bool {
    location.file == "fuzz" && location.line >= 1 && location.column >= 1
        && location.line <= lengths.count && location.column <= lengths[location.line - 1] + 1
}

/// Parses `bytes` and checks the outcome: `problem` says what is wrong (nil if the
/// reader behaved), `parsed` whether the input was accepted.
private func check(_ bytes: [UInt8], maxDepth: Int = 64) -> (problem: String?, parsed: Bool) {
    let value: JSON5Value
    do {
        value = try JSON5Reader.parse(bytes, file: "fuzz", maxDepth: maxDepth)
    } catch {
        guard let location = error.location else { return ("error without a location: \(error)", false) }
        guard isInside(location, lineLengths(bytes)) else { return ("error location outside the input: \(error)", false) }
        guard !error.message.isEmpty, error.keyPath.isEmpty else { return ("malformed error: \(error)", false) }
        return (nil, false)
    }
    // Every value and key of a successful parse must point into the input too.
    let lengths = lineLengths(bytes)
    var pending = [value]
    while let next = pending.popLast() {
        guard isInside(next.location, lengths) else { return ("value location \(next.location) outside the input", true) }
        switch next.kind {
        case .array(let items):
            pending.append(contentsOf: items)
        case .object(let members):
            for member in members {
                guard isInside(member.keyLocation, lengths) else {
                    return ("key location \(member.keyLocation) outside the input", true)
                }
                pending.append(member.value)
            }
        default:
            break
        }
    }
    return (nil, true)
}

/// The input shown in a failure report: printable ASCII as is, everything else as \xHH.
private func printable(_ bytes: [UInt8]) -> String {
    var out = ""
    for byte in bytes.prefix(400) {
        if byte >= 0x20 && byte < 0x7F && byte != 0x5C {
            out.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            out += "\\x" + String(byte, radix: 16)
        }
    }
    return bytes.count > 400 ? out + "..." : out
}

@Suite struct ReaderFuzzTests {
    static let seed: UInt64 = 0x5EED_0F_15C0_5EED
    static let iterations = 100_000

    @Test func seedDocumentsParse() throws {
        for document in seedDocuments {
            _ = try JSON5Reader.parse(document, file: "seed.json5")
        }
    }

    @Test func mutatedDocumentsNeverCrashAndStayPositioned() {
        let clock = ContinuousClock()
        let started = clock.now
        var rng = SplitMix64(state: Self.seed)
        let seeds = seedDocuments.map { Array($0.utf8) }
        var failures = 0
        var parsedCount = 0
        for iteration in 0..<Self.iterations {
            var bytes = seeds[iteration % seeds.count]
            for _ in 0...rng.below(4) { mutate(&bytes, &rng) }
            let (problem, parsed) = check(bytes)
            if parsed { parsedCount += 1 }
            if let problem {
                failures += 1
                let report = "fuzz failure (seed \(Self.seed), iteration \(iteration)): \(problem)\ninput: \(printable(bytes))"
                print(report)
                Issue.record(Comment(rawValue: report))
                if failures >= 10 { break }
            }
        }
        let elapsed = clock.now - started
        print("reader fuzz: \(Self.iterations) mutated documents (\(parsedCount) still valid) in \(elapsed)")
        // Both outcomes must be exercised, or the mutations are too weak or too strong.
        #expect(parsedCount > Self.iterations / 50)
        #expect(parsedCount < Self.iterations * 9 / 10)
    }

    @Test func hostileShapes() {
        var cases: [(name: String, bytes: [UInt8], maxDepth: Int)] = [
            ("10,000 '['", Array(repeating: 0x5B, count: 10_000), 64),
            ("10,000 '[' without a depth limit", Array(repeating: 0x5B, count: 10_000), Int.max),
            ("100,000 '{\"a\":'", Array(String(repeating: "{\"a\":", count: 100_000).utf8), 64),
            ("100,000 '{\"a\":' without a depth limit", Array(String(repeating: "{\"a\":", count: 100_000).utf8), Int.max),
            ("deep then closed", Array((String(repeating: "[", count: 300) + String(repeating: "]", count: 300)).utf8), 64),
            ("1e400", Array("1e400".utf8), 64),
            ("-1e400", Array("[-1e400, 1e-400]".utf8), 64),
            ("99999999999999999999999", Array("99999999999999999999999".utf8), 64),
            ("10,000 digits", Array(String(repeating: "9", count: 10_000).utf8), 64),
            ("10,000 fraction digits", Array(("0." + String(repeating: "1", count: 10_000)).utf8), 64),
            ("huge exponent", Array("1e99999999999999999999999999999".utf8), 64),
            ("huge negative exponent", Array("-1.5e-99999999999999999999999999999".utf8), 64),
            ("5,000 hex digits", Array(("0x" + String(repeating: "F", count: 5_000)).utf8), 64),
            ("long string", Array(("\"" + String(repeating: "a\\n", count: 20_000) + "\"").utf8), 64),
            ("unterminated long string", Array(("'" + String(repeating: "x", count: 50_000)).utf8), 64),
            ("many members", Array(("{" + (0..<5_000).map { "k\($0): \($0)," }.joined() + "}").utf8), 64),
            ("many duplicate-free then duplicate", Array(("{" + (0..<5_000).map { "k\($0): 0," }.joined() + "k4999: 1}").utf8), 64),
            ("only comments", Array(String(repeating: "/* c */ // d\n", count: 1_000).utf8), 64),
            ("all bytes", (0...255).map { UInt8($0) }, 64),
            ("empty", [], 64),
            ("lone BOM", [0xEF, 0xBB, 0xBF], 64),
            ("lone NUL", [0x00], 64),
        ]
        var rng = SplitMix64(state: Self.seed ^ 0xD1CE)
        for i in 0..<200 { // random byte soup of varying length
            let length = rng.below(64)
            cases.append(("random \(i)", (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, 64))
        }
        for (index, testCase) in cases.enumerated() {
            if let problem = check(testCase.bytes, maxDepth: testCase.maxDepth).problem {
                let report = "fuzz failure (seed \(Self.seed), hostile case \(index) \(testCase.name)): \(problem)"
                print(report)
                Issue.record(Comment(rawValue: report))
            }
        }
        // Spot checks on what those cases mean.
        #expect((try? JSON5Reader.parse("1e400", file: "fuzz"))?.kind.name == "a number")
        let deep = try? JSON5Reader.parse(Array(repeating: 0x5B, count: 10_000), file: "fuzz")
        #expect(deep == nil)
    }
}
