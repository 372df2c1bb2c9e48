import IOSimScenario
import Testing

// MARK: Helpers (fileprivate so other test files can use the same names)

private func parse(_ text: String, maxDepth: Int = 64) throws(ScenarioError) -> JSON5Value {
    try JSON5Reader.parse(text, file: "t.json5", maxDepth: maxDepth)
}

/// The error parsing `text` throws, or nil if it parses.
private func failure(_ text: String, maxDepth: Int = 64) -> ScenarioError? {
    failure(bytes: Array(text.utf8), maxDepth: maxDepth)
}

private func failure(bytes: [UInt8], maxDepth: Int = 64) -> ScenarioError? {
    do {
        _ = try JSON5Reader.parse(bytes, file: "t.json5", maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}

/// Asserts that `text` fails at `line:column` with exactly `message`.
private func expectError(_ text: String, line: Int, column: Int, _ message: String, maxDepth: Int = 64,
                         sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    expectError(bytes: Array(text.utf8), line: line, column: column, message, maxDepth: maxDepth, sourceLocation: sourceLocation)
}

private func expectError(bytes: [UInt8], line: Int, column: Int, _ message: String, maxDepth: Int = 64,
                         sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    guard let error = failure(bytes: bytes, maxDepth: maxDepth) else {
        Issue.record("expected an error, but the document parsed", sourceLocation: sourceLocation)
        return
    }
    #expect(error.location == IOSimScenario.SourceLocation(file: "t.json5", line: line, column: column),
            sourceLocation: sourceLocation)
    #expect(error.message == message, sourceLocation: sourceLocation)
    #expect(error.keyPath == "", sourceLocation: sourceLocation)
}

private extension JSON5Value {
    var string: String? {
        if case .string(let s) = kind { return s }
        return nil
    }
    var number: JSON5Number? {
        if case .number(let n) = kind { return n }
        return nil
    }
    var array: [JSON5Value]? {
        if case .array(let a) = kind { return a }
        return nil
    }
    var members: [JSON5Member]? {
        if case .object(let m) = kind { return m }
        return nil
    }
    var bool: Bool? {
        if case .bool(let b) = kind { return b }
        return nil
    }
    var isNull: Bool {
        if case .null = kind { return true }
        return false
    }
    subscript(key: String) -> JSON5Value? { member(key)?.value }
    var at: String { "\(location.line):\(location.column)" }
}

// MARK: Happy paths

@Suite struct JSON5ReaderTests {
    @Test func allKindsOfValues() throws {
        let value = try parse(#"{"n": null, "t": true, "f": false, "i": 42, "s": "hi", "a": [1, "x"], "o": {"k": -1.5}}"#)
        #expect(value["n"]?.isNull == true)
        #expect(value["t"]?.bool == true)
        #expect(value["f"]?.bool == false)
        #expect(value["i"]?.number?.int64Value == 42)
        #expect(value["s"]?.string == "hi")
        #expect(value["a"]?.array?.count == 2)
        #expect(value["a"]?.array?[1].string == "x")
        #expect(value["o"]?["k"]?.number?.doubleValue == -1.5)
        #expect(value["o"]?["k"]?.number?.int64Value == nil)
        #expect(value.kind.name == "an object")
        #expect(value["i"]?.briefDescription == "42")
        #expect(value["s"]?.briefDescription == "\"hi\"")
    }

    @Test func topLevelScalars() throws {
        #expect(try parse("42").number?.int64Value == 42)
        #expect(try parse("'x'").string == "x")
        #expect(try parse(" null ").isNull)
        #expect(try parse("[]").array?.isEmpty == true)
        #expect(try parse("{}").members?.isEmpty == true)
    }

    @Test func memberOrderIsSourceOrder() throws {
        let value = try parse("{zeta: 1, alpha: 2, mid: 3, beta: 4}")
        #expect(value.members?.map(\.key) == ["zeta", "alpha", "mid", "beta"])
        let many = (0..<40).reversed().map { "k\($0): \($0)" }.joined(separator: ", ")
        let big = try parse("{" + many + "}")
        #expect(big.members?.map(\.key) == (0..<40).reversed().map { "k\($0)" })
    }

    @Test func comments() throws {
        let text = """
        // leading comment
        { /* before key */ a /* after key */ : /* before value */ 1 /* after value */, // trailing
          /* multi
             line */ b: [ // in array
            2, /* */ 3 // last
          ],
        } // after document
        /* final */
        """
        let value = try parse(text)
        #expect(value.members?.map(\.key) == ["a", "b"])
        #expect(value["b"]?.array?.map { $0.number?.int64Value } == [2, 3])
        #expect(value["b"]?.at == "4:17")
        #expect(value["b"]?.array?[0].at == "5:5")
        #expect(try parse("1 // no newline at end").number?.int64Value == 1)
        #expect(try parse("/**/1/***/").number?.int64Value == 1)
    }

    @Test func unquotedKeys() throws {
        let value = try parse("{a: 1, _b: 2, $c: 3, d4_$: 4, A: 5, true: 6, null: 7}")
        #expect(value.members?.map(\.key) == ["a", "_b", "$c", "d4_$", "A", "true", "null"])
    }

    @Test func strings() throws {
        #expect(try parse(#"'single "double" inside'"#).string == #"single "double" inside"#)
        #expect(try parse(#""double 'single' inside""#).string == "double 'single' inside")
        #expect(try parse(#""\n\t\r\b\f\v\0\\\'\"\/""#).string == "\n\t\r\u{8}\u{C}\u{B}\0\\'\"/")
        #expect(try parse(#"'\x41\x7e\xE9'"#).string == "A~é")
        #expect(try parse(#""\u00e9\u00E9\u20AC""#).string == "éé€")
        #expect(try parse(#""\uD83D\uDE00""#).string == "😀")
        #expect(try parse("\"raw é € 😀 \u{2028} tab\there\"").string == "raw é € 😀 \u{2028} tab\there")
        #expect(try parse("\"\"").string == "")
        // Line continuations: backslash LF, backslash CR LF.
        #expect(try parse("'one \\\ntwo'").string == "one two")
        #expect(try parse("'one \\\r\ntwo'").string == "one two")
        // The line count continues past a continuation.
        let value = try parse("['a\\\nb', 7]")
        #expect(value.array?[0].string == "ab")
        #expect(value.array?[1].at == "2:5")
    }

    @Test func trailingCommas() throws {
        #expect(try parse("[1, 2, ]").array?.count == 2)
        #expect(try parse("{a: 1, b: [3,], }").members?.count == 2)
        #expect(try parse("[[],{},]").array?.count == 2)
    }

    @Test func numbers() throws {
        func number(_ text: String) throws -> JSON5Number {
            let value = try parse(text)
            guard let n = value.number else { throw ScenarioError(location: nil, keyPath: "", message: "not a number") }
            return n
        }
        #expect(try number("+1").int64Value == 1)
        #expect(try number("+1").text == "+1")
        #expect(try number(".5").doubleValue == 0.5)
        #expect(try number("-.5").doubleValue == -0.5)
        #expect(try number("5.").doubleValue == 5)
        #expect(try number("5.").int64Value == 5)
        #expect(try number("0x1F").int64Value == 31)
        #expect(try number("0X1f").doubleValue == 31)
        #expect(try number("-0x10").int64Value == -16)
        #expect(try number("+0xff").int64Value == 255)
        #expect(try number("1e3").int64Value == 1000)
        #expect(try number("2.5E+2").int64Value == 250)
        #expect(try number("1.5E-3").doubleValue == 0.0015)
        #expect(try number("1.5E-3").int64Value == nil)
        #expect(try number("0").int64Value == 0)
        #expect(try number("-0").int64Value == 0)
        #expect(try number("0.0e5").int64Value == 0)
        #expect(try number("100e-2").int64Value == 1)
        #expect(try number("Infinity").doubleValue == .infinity)
        #expect(try number("-Infinity").doubleValue == -.infinity)
        #expect(try number("+Infinity").text == "+Infinity")
        #expect(try number("NaN").doubleValue.isNaN)
        #expect(try number("-NaN").doubleValue.isNaN)
        #expect(try number("Infinity").int64Value == nil)
        #expect(try number("1e400").doubleValue == .infinity)
        #expect(try number("1e400").int64Value == nil)
        #expect(try number("-1e-400").doubleValue == 0)
        #expect(try number("1e99999999999999999999").doubleValue == .infinity)
        #expect(try number("99999999999999999999999").int64Value == nil)
        #expect(try number("99999999999999999999999").doubleValue == 1e23)
    }

    @Test func bigIntegersStayExact() throws {
        let n = try parse("9007199254740993").number
        #expect(n?.int64Value == 9_007_199_254_740_993)
        #expect(n?.text == "9007199254740993")
        #expect(try parse("9223372036854775807").number?.int64Value == Int64.max)
        #expect(try parse("-9223372036854775808").number?.int64Value == Int64.min)
        #expect(try parse("9223372036854775808").number?.int64Value == nil)
        #expect(try parse("-9223372036854775809").number?.int64Value == nil)
        #expect(try parse("0x7FFFFFFFFFFFFFFF").number?.int64Value == Int64.max)
        #expect(try parse("-0x8000000000000000").number?.int64Value == Int64.min)
        #expect(try parse("0xFFFFFFFFFFFFFFFF").number?.int64Value == nil)
        #expect(try parse("0xFFFFFFFFFFFFFFFF").number?.doubleValue == 18_446_744_073_709_551_615.0)
        #expect(try parse("0x10000000000000000").number?.doubleValue == 18_446_744_073_709_551_616.0)
        #expect(try parse("9.223372036854775807e18").number?.int64Value == Int64.max)
        #expect(try parse("1e19").number?.int64Value == nil)
        #expect(try parse("1e18").number?.int64Value == 1_000_000_000_000_000_000)
    }

    @Test func locationsOfNestedValues() throws {
        let text = """
        {
          device: {
            latency: "80us",
            queues: [1, [true, null]],
          },
          'quoted key': -2,
        }
        """
        let root = try parse(text)
        #expect(root.at == "1:1")
        #expect(root.location.file == "t.json5")
        let device = try #require(root.member("device"))
        #expect((device.keyLocation.line, device.keyLocation.column) == (2, 3))
        #expect(device.value.at == "2:11")
        #expect(device.value["latency"]?.at == "3:14")
        let queues = try #require(device.value["queues"])
        #expect(queues.at == "4:13")
        #expect(queues.array?[0].at == "4:14")
        #expect(queues.array?[1].at == "4:17")
        #expect(queues.array?[1].array?[1].at == "4:24")
        let quoted = try #require(root.member("quoted key"))
        #expect((quoted.keyLocation.line, quoted.keyLocation.column) == (6, 3))
        #expect(quoted.value.at == "6:17")
    }

    @Test func columnsCountBytes() throws {
        // "é" is two bytes, so the value after it starts two columns later.
        let value = try parse("['é', 1]")
        #expect(value.array?[1].at == "1:8")
    }

    @Test func whitespaceAndByteOrderMark() throws {
        let value = try JSON5Reader.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8), file: "t.json5")
        #expect(value.at == "1:1")
        #expect(value.array?[0].at == "1:2")
        // NBSP, U+2028, U+3000 (space separator), BOM inside, VT, FF, CR.
        let spaced = try parse("\u{A0}[\u{2028}1,\u{3000}2\u{FEFF}]\u{B}\u{C}\r\n")
        #expect(spaced.array?.count == 2)
        // CR LF counts as one line break.
        #expect(try parse("[\r\n1]").array?[0].at == "2:1")
    }

    @Test func nestingUpToTheLimit() throws {
        let depth = 64
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try parse(text)
        var levels = 1
        while let inner = value.array?.first {
            value = inner
            levels += 1
        }
        #expect(levels == depth)
        #expect(value.at == "1:\(depth)")
        #expect(try parse("{a:{b:{c:1}}}", maxDepth: 3)["a"]?["b"]?["c"]?.number?.int64Value == 1)
    }

    // MARK: Errors

    @Test func unexpectedCharacter() {
        expectError("{a: 1 x}", line: 1, column: 7, "expected ',' or '}' after object member, found 'x'")
        #expect(failure("{a: 1 x}")?.hint == "is a ',' missing before this?")
        expectError("[1 2]", line: 1, column: 4, "expected ',' or ']' after array element, found '2'")
        expectError("[1, @]", line: 1, column: 5, "expected a value, found '@'")
        expectError("[\u{7}]", line: 1, column: 2, "expected a value, found U+0007")
        expectError("[é]", line: 1, column: 2, "expected a value, found 'é' (U+00E9)")
        expectError("[\u{200B}]", line: 1, column: 2, "expected a value, found U+200B")
        expectError("[']", line: 1, column: 4, "unterminated string (started at line 1, column 2)")
        expectError("{a = 1}", line: 1, column: 4, "expected ':' after key \"a\", found '='")
        #expect(failure("{a = 1}")?.hint == "use ':' between a key and its value")
        expectError("{,}", line: 1, column: 2, "expected a key or '}', found ','")
        expectError("[,]", line: 1, column: 2, "expected a value, found ','")
        expectError("{1: 2}", line: 1, column: 2, "expected a key or '}', found '1'")
        expectError("{a: fast}", line: 1, column: 5, "expected a value, found 'fast'")
        #expect(failure("{a: fast}")?.hint == "text values must be quoted, like \"fast\"")
        expectError("[/ 1]", line: 1, column: 2, "expected a value, found '/'")
        #expect(failure("[/ 1]")?.hint == "comments start with // or /*")
        expectError("{latency: 80us}", line: 1, column: 13, "unexpected 'u' after the number 80")
        #expect(failure("{latency: 80us}")?.hint == "values with units are strings and need quotes, like \"80us\"")
        expectError("[01]", line: 1, column: 2, "numbers cannot have leading zeros, found \"01\"")
        expectError("[-]", line: 1, column: 3, "expected a digit after '-', found ']'")
        expectError("[.e1]", line: 1, column: 3, "expected a digit after '.', found 'e'")
        expectError("[1e+]", line: 1, column: 5, "expected a digit in the exponent, found ']'")
        expectError("[0x]", line: 1, column: 4, "expected a hex digit after '0x', found ']'")
        expectError("[-Inf]", line: 1, column: 3, "expected a number after '-', found 'I'")
        expectError("[1,\n  2,\n  ]x", line: 3, column: 4, "expected end of input after the document, found 'x'")
    }

    @Test func endOfInputInsideContainers() {
        expectError("[1, 2", line: 1, column: 6,
                    "expected ',' or ']' after array element, found end of input (the array opened at line 1, column 1 is not closed)")
        expectError("{\n  a: {b: 1}", line: 2, column: 12,
                    "expected ',' or '}' after object member, found end of input (the object opened at line 1, column 1 is not closed)")
        expectError("{a:", line: 1, column: 4, "expected a value, found end of input (the object opened at line 1, column 1 is not closed)")
        expectError("{a", line: 1, column: 3, "expected ':' after key \"a\", found end of input (the object opened at line 1, column 1 is not closed)")
        expectError("[1,", line: 1, column: 4, "expected a value, found end of input (the array opened at line 1, column 1 is not closed)")
    }

    @Test func unterminatedString() {
        expectError("{\n  name: \"abc\n}", line: 2, column: 13, "unterminated string (started at line 2, column 9)")
        expectError("['abc", line: 1, column: 6, "unterminated string (started at line 1, column 2)")
        expectError("['abc\\", line: 1, column: 7, "unterminated string (started at line 1, column 2)")
        expectError("{'key", line: 1, column: 6, "unterminated string (started at line 1, column 2)")
        #expect(failure("['a\nb']")?.hint?.contains("strings cannot span lines") == true)
    }

    @Test func unterminatedBlockComment() {
        expectError("{ /* x", line: 1, column: 7, "unterminated block comment (started at line 1, column 3)")
        expectError("[1,\n /* a\n b */ 2, /* c *\n", line: 4, column: 1, "unterminated block comment (started at line 3, column 10)")
    }

    @Test func duplicateKey() {
        expectError("{\n a: 1,\n 'a': 2 }", line: 3, column: 2, "duplicate key \"a\" (first defined at line 2, column 2)")
        // Big objects use an index; same result.
        let keys = (0..<30).map { "k\($0): 0,\n" }.joined()
        expectError("{\n" + keys + "k7: 1}", line: 32, column: 1, "duplicate key \"k7\" (first defined at line 9, column 1)")
        // The same key in different objects is fine.
        #expect(failure("{a: {a: 1}, b: {a: 2}}") == nil)
    }

    @Test func tooDeep() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        expectError(deep, line: 1, column: 65, "nesting deeper than 64 levels")
        expectError("{a: {b: [1]}}", line: 1, column: 9, "nesting deeper than 2 levels", maxDepth: 2)
        expectError("[]", line: 1, column: 1, "nesting deeper than 0 levels", maxDepth: 0)
        #expect(failure("1", maxDepth: 0) == nil)
        // Far past the limit, and with no limit at all: no stack overflow either way.
        let huge = String(repeating: "[", count: 100_000)
        expectError(huge, line: 1, column: 65, "nesting deeper than 64 levels")
        #expect(failure(huge, maxDepth: Int.max)?.message.hasPrefix("expected a value, found end of input") == true)
    }

    @Test func trailingGarbage() {
        expectError("{} x", line: 1, column: 4, "expected end of input after the document, found 'x'")
        expectError("1 2", line: 1, column: 3, "expected end of input after the document, found '2'")
        expectError("{}}", line: 1, column: 3, "expected end of input after the document, found '}'")
        expectError("{}\n// ok\n,", line: 3, column: 1, "expected end of input after the document, found ','")
    }

    @Test func emptyDocument() {
        expectError("", line: 1, column: 1, "empty document: expected a value")
        expectError("  // only a comment\n  ", line: 2, column: 3, "empty document: expected a value")
        expectError("/* */", line: 1, column: 6, "empty document: expected a value")
        expectError(bytes: [0xEF, 0xBB, 0xBF], line: 1, column: 1, "empty document: expected a value")
    }

    @Test func badEscapes() {
        expectError(#"["a\qb"]"#, line: 1, column: 4, #"invalid escape '\q' in string"#)
        expectError(#"["\d"]"#, line: 1, column: 3, #"invalid escape '\d' in string"#)
        expectError("[\"\\\u{7}\"]", line: 1, column: 3, "invalid escape in string: '\\' followed by U+0007")
        expectError(#"['\x4']"#, line: 1, column: 3, #"invalid escape in string: expected \xHH with 2 hex digits, found "'""#)
        expectError(#"['\u12G4']"#, line: 1, column: 3, #"invalid escape in string: expected \uXXXX with 4 hex digits, found 'G'"#)
        expectError(#"['\01']"#, line: 1, column: 3, #"invalid escape '\01' in string"#)
        expectError(#"['\1']"#, line: 1, column: 3, #"invalid escape '\1' in string"#)
        expectError(#"['ok', '\uD800']"#, line: 1, column: 9, #"unpaired surrogate \uD800 in string"#)
        expectError(#"['\uD800\u0041']"#, line: 1, column: 3, #"unpaired surrogate \uD800 in string"#)
        expectError(#"['\uDC00']"#, line: 1, column: 3, #"unpaired surrogate \uDC00 in string"#)
    }

    @Test func invalidUTF8() {
        let prefix = Array("{\"a\": \"".utf8)
        let suffix = Array("\"}".utf8)
        expectError(bytes: prefix + [0xFF] + suffix, line: 1, column: 8, "invalid UTF-8 byte 0xFF")
        expectError(bytes: Array("[1,\n 2, ".utf8) + [0xC0, 0x80] + [0x5D], line: 2, column: 5, "invalid UTF-8 byte 0xC0")
        // Encoded surrogate, truncated sequence, stray continuation byte, above U+10FFFF.
        expectError(bytes: prefix + [0xED, 0xA0, 0x80] + suffix, line: 1, column: 8, "invalid UTF-8 byte 0xED")
        expectError(bytes: prefix + [0xE2, 0x82], line: 1, column: 8, "invalid UTF-8 byte 0xE2")
        expectError(bytes: [0x80], line: 1, column: 1, "invalid UTF-8 byte 0x80")
        expectError(bytes: prefix + [0xF4, 0x90, 0x80, 0x80] + suffix, line: 1, column: 8, "invalid UTF-8 byte 0xF4")
        // Invalid bytes inside comments count too.
        expectError(bytes: Array("// x".utf8) + [0xFE] + Array("\n1".utf8), line: 1, column: 5, "invalid UTF-8 byte 0xFE")
        #expect(failure(bytes: prefix + [0xFF] + suffix)?.hint == "save the file as UTF-8")
    }

    @Test func errorDescription() {
        let error = ScenarioError(location: IOSimScenario.SourceLocation(file: "Scenarios/x.json5", line: 12, column: 7),
                                  keyPath: "device.latency",
                                  message: "expected a duration such as \"80us\", found 80",
                                  hint: "durations take a unit: ns, us, ms, s")
        #expect(error.description == "Scenarios/x.json5:12:7: device.latency: expected a duration such as \"80us\", found 80")
        #expect(ScenarioError(location: nil, keyPath: "threads[1]", message: "m").description == "threads[1]: m")
        #expect(ScenarioError(location: nil, keyPath: "", message: "m").description == "m")
        #expect(failure("{a: 1 x}")?.description == "t.json5:1:7: expected ',' or '}' after object member, found 'x'")
    }
}
