/// Reads JSON5 documents (https://spec.json5.org) written by hand, such as scenario files.
///
/// The reader works on raw UTF-8 bytes without Foundation, never recurses on nesting
/// (containers are kept on an explicit stack), and reports every problem as a
/// `ScenarioError` with a line and column. Supported beyond JSON: `//` and `/* */`
/// comments, unquoted keys (ASCII letters, digits, `_`, `$`; not starting with a digit),
/// single-quoted strings, `\xHH`, `\v` and line-continuation escapes, trailing commas,
/// leading `+`, leading or trailing decimal points, hex integers, `Infinity` and `NaN`.
///
/// Deliberate strictness, because the input is hand-written configuration:
/// - an escape that JSON5 would read as the plain character (e.g. `\d`) is an error,
///   since it is almost always a mistyped path or escape; `\/` is still accepted;
/// - a lone `\uD800`-style surrogate is an error (a Swift `String` cannot hold it);
/// - keys repeated within one object are an error.
public enum JSON5Reader {
    /// Parses a whole document from UTF-8 bytes.
    ///
    /// - Parameters:
    ///   - bytes: the file's content; a leading UTF-8 byte order mark is skipped.
    ///   - file: the name used in locations and error messages.
    ///   - maxDepth: how many arrays/objects may be nested; a deeper opening bracket is
    ///     an error. Values are freed recursively, so keep this modest (the default 64
    ///     is far more than a scenario needs).
    /// - Throws: a positioned `ScenarioError` for any syntax error: an unexpected
    ///   character, an unterminated string or comment, a duplicate key, nesting deeper
    ///   than `maxDepth`, anything after the value, an empty document, an invalid
    ///   escape, or invalid UTF-8.
    public static func parse(_ bytes: [UInt8], file: String, maxDepth: Int = 64) throws(ScenarioError) -> JSON5Value {
        try bytes.withUnsafeBufferPointer { (buffer) throws(ScenarioError) -> JSON5Value in
            try parse(buffer: buffer, file: file, maxDepth: maxDepth)
        }
    }

    /// Parses a whole document from a string; see `parse(_:file:maxDepth:)` for bytes.
    public static func parse(_ text: String, file: String, maxDepth: Int = 64) throws(ScenarioError) -> JSON5Value {
        // Native strings are contiguous UTF-8: read them in place instead of copying.
        let inPlace = text.utf8.withContiguousStorageIfAvailable { buffer in
            Result { () throws(ScenarioError) -> JSON5Value in try parse(buffer: buffer, file: file, maxDepth: maxDepth) }
        }
        if let inPlace { return try inPlace.get() }
        return try parse(Array(text.utf8), file: file, maxDepth: maxDepth)
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>, file: String, maxDepth: Int) throws(ScenarioError) -> JSON5Value {
        // Why unsafe: debug builds (tests, fuzzing) index a raw buffer several times
        // faster than an Array; every access in the parser is guarded by `pos < end`.
        var parser = JSON5Parser(buffer: buffer, file: file, maxDepth: maxDepth)
        return try parser.parseDocument()
    }
}

/// An array or object that has been opened but not yet closed.
private struct Frame {
    /// Object (`{`) or array (`[`).
    var isObject: Bool
    /// Where the opening bracket is, for the value and for "not closed" messages.
    var location: SourceLocation
    /// Elements so far (arrays only).
    var items: [JSON5Value] = []
    /// Members so far (objects only).
    var members: [JSON5Member] = []
    /// The key read before the value that is being parsed now (objects only).
    var pendingKey = ""
    var pendingKeyLocation: SourceLocation
    /// Key -> index in `members`, built only for big objects: a linear scan is cheaper
    /// for the handful of keys a hand-written object has, but would be quadratic for
    /// a machine-generated one.
    var keyIndex: [String: Int]?

    /// Objects with this many members switch duplicate detection to a dictionary.
    static let indexThreshold = 16

    init(isObject: Bool, location: SourceLocation) {
        self.isObject = isObject
        self.location = location
        self.pendingKeyLocation = location
    }

    /// Where `key` was first defined in this object, if it was.
    mutating func firstLocation(of key: String) -> SourceLocation? {
        if let keyIndex {
            guard let index = keyIndex[key] else { return nil }
            return members[index].keyLocation
        }
        for member in members where member.key == key {
            return member.keyLocation
        }
        if members.count >= Frame.indexThreshold {
            var index: [String: Int] = [:]
            index.reserveCapacity(members.count * 2)
            for (i, member) in members.enumerated() { index[member.key] = i }
            keyIndex = index
        }
        return nil
    }

    mutating func appendMember(_ value: JSON5Value) {
        members.append(JSON5Member(key: pendingKey, keyLocation: pendingKeyLocation, value: value))
        keyIndex?[pendingKey] = members.count - 1
    }

    /// Turns the closed container into a value (consumes the frame).
    consuming func finish() -> JSON5Value {
        JSON5Value(kind: isObject ? .object(members) : .array(items), location: location)
    }
}

/// The parsing state over one document. Byte values are written as hex literals with
/// the character in a comment: cheaper than `UInt8(ascii:)` in debug builds.
private struct JSON5Parser {
    let buffer: UnsafeBufferPointer<UInt8>
    let end: Int
    let file: String
    let maxDepth: Int
    /// Offset of the next unread byte.
    var pos = 0
    /// Current line (1-based) and the offset where it starts; the column of `pos` is
    /// `pos - lineStart + 1`. Updated wherever a LF is consumed.
    var line = 1
    var lineStart = 0

    init(buffer: UnsafeBufferPointer<UInt8>, file: String, maxDepth: Int) {
        self.buffer = buffer
        self.end = buffer.count
        self.file = file
        self.maxDepth = max(0, maxDepth)
    }

    // MARK: Locations and errors

    /// The location of `pos`.
    var here: SourceLocation { SourceLocation(file: file, line: line, column: pos - lineStart + 1) }

    func error(_ message: String, hint: String? = nil) -> ScenarioError {
        ScenarioError(location: here, keyPath: "", message: message, hint: hint)
    }

    func error(at location: SourceLocation, _ message: String, hint: String? = nil) -> ScenarioError {
        ScenarioError(location: location, keyPath: "", message: message, hint: hint)
    }

    /// What is at `pos`, for "found ..." in messages.
    func found() -> String {
        guard pos < end else { return "end of input" }
        let (value, _) = scalar(at: pos)
        return JSON5Text.describe(Unicode.Scalar(value) ?? "\u{FFFD}")
    }

    /// "`expectation`, found X" at `pos`. At the end of input it names the innermost
    /// unclosed container, which is usually where the missing bracket belongs.
    func unexpected(_ expectation: String, open: Frame? = nil, hint: String? = nil) -> ScenarioError {
        var message = expectation + ", found " + found()
        if pos >= end, let open {
            let kind = open.isObject ? "object" : "array"
            message += " (the \(kind) opened at line \(open.location.line), column \(open.location.column) is not closed)"
        }
        return error(message, hint: hint ?? hintForFound())
    }

    /// A guess at the usual mistake behind an unexpected character.
    func hintForFound() -> String? {
        guard pos < end else { return nil }
        switch buffer[pos] {
        case 0x2F: return "comments start with // or /*" // '/'
        case 0x3D: return "use ':' between a key and its value" // '='
        case 0x3B: return "separate items with ',' rather than ';'" // ';'
        default: return nil
        }
    }

    // MARK: Document

    mutating func parseDocument() throws(ScenarioError) -> JSON5Value {
        if let bad = firstInvalidUTF8() { throw invalidUTF8(at: bad) }
        if end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
            pos = 3
            lineStart = 3 // the byte order mark is invisible, so it takes no columns
        }
        try skipTrivia()
        guard pos < end else {
            throw error("empty document: expected a value", hint: "a scenario file holds one object, like { name: \"demo\" }")
        }

        // Why a loop and an explicit stack: recursion per nesting level would let a
        // hostile or broken file ("[[[[...") overflow the thread's stack.
        var stack: [Frame] = []
        var root: JSON5Value?
        parsing: while true {
            // A value starts at `pos`; trivia has been skipped.
            guard pos < end else { throw unexpected("expected a value", open: stack.last) }
            var completed: JSON5Value
            let byte = buffer[pos]
            if byte == 0x7B || byte == 0x5B { // '{' '['
                guard stack.count < maxDepth else {
                    throw error("nesting deeper than \(maxDepth) levels",
                                hint: "check for unclosed brackets; scenarios need only a few levels")
                }
                let start = here
                pos += 1
                try skipTrivia()
                let isObject = byte == 0x7B
                let closer: UInt8 = isObject ? 0x7D : 0x5D // '}' ']'
                if pos < end && buffer[pos] == closer {
                    pos += 1
                    completed = JSON5Value(kind: isObject ? .object([]) : .array([]), location: start)
                } else {
                    stack.append(Frame(isObject: isObject, location: start))
                    if isObject {
                        try readKey(into: &stack[stack.count - 1])
                        try skipTrivia()
                    }
                    continue parsing
                }
            } else {
                completed = try parseScalar()
            }

            // Attach the finished value to its parent, closing every container that
            // ends right after it, until a ',' asks for another value.
            while !stack.isEmpty {
                let top = stack.count - 1
                let isObject = stack[top].isObject
                if isObject {
                    stack[top].appendMember(completed)
                } else {
                    stack[top].items.append(completed)
                }
                try skipTrivia()
                let closer: UInt8 = isObject ? 0x7D : 0x5D // '}' ']'
                if pos < end && buffer[pos] == 0x2C { // ','
                    pos += 1
                    try skipTrivia()
                    if pos < end && buffer[pos] == closer { // trailing comma
                        pos += 1
                        completed = stack.removeLast().finish()
                        continue
                    }
                    if isObject {
                        try readKey(into: &stack[top])
                        try skipTrivia()
                    }
                    continue parsing
                }
                if pos < end && buffer[pos] == closer {
                    pos += 1
                    completed = stack.removeLast().finish()
                    continue
                }
                let expectation = isObject
                    ? "expected ',' or '}' after object member"
                    : "expected ',' or ']' after array element"
                throw unexpected(expectation, open: stack[top], hint: hintForFound() ?? missingCommaHint())
            }
            root = completed
            break parsing
        }

        try skipTrivia()
        guard pos >= end, let root else {
            throw unexpected("expected end of input after the document",
                             hint: "a file holds one value; look for an extra bracket or a missing '{'")
        }
        return root
    }

    /// When something that could start a value sits where a ',' belongs, the comma is
    /// the likely omission.
    func missingCommaHint() -> String? {
        guard pos < end else { return nil }
        let byte = buffer[pos]
        if isIdentifierPart(byte) || byte == 0x22 || byte == 0x27 || byte == 0x7B || byte == 0x5B {
            return "is a ',' missing before this?"
        }
        return nil
    }

    /// Reads `key :` of an object member and stores the key in `frame`.
    mutating func readKey(into frame: inout Frame) throws(ScenarioError) {
        guard pos < end else { throw unexpected("expected a key or '}'", open: frame) }
        let start = here
        let byte = buffer[pos]
        let key: String
        if byte == 0x22 || byte == 0x27 { // '"' '\''
            key = try parseString()
        } else if isIdentifierStart(byte) {
            key = readIdentifier()
        } else {
            let hint: String? = isDigit(byte) || byte == 0x2D || byte == 0x2B
                ? "keys are names or strings; quote a numeric key, like \"1\""
                : nil
            throw unexpected("expected a key or '}'", hint: hint)
        }
        if let first = frame.firstLocation(of: key) {
            throw error(at: start, "duplicate key \(JSON5Text.quoted(key)) (first defined at line \(first.line), column \(first.column))",
                        hint: "each key may appear only once in an object")
        }
        try skipTrivia()
        guard pos < end && buffer[pos] == 0x3A else { // ':'
            throw unexpected("expected ':' after key \(JSON5Text.quoted(key))", open: frame)
        }
        pos += 1
        frame.pendingKey = key
        frame.pendingKeyLocation = start
    }

    // MARK: Scalars

    /// A string, number, `true`, `false` or `null` at `pos`.
    mutating func parseScalar() throws(ScenarioError) -> JSON5Value {
        let start = here
        let byte = buffer[pos]
        switch byte {
        case 0x22, 0x27: // '"' '\''
            return JSON5Value(kind: .string(try parseString()), location: start)
        case 0x2B, 0x2D, 0x2E, 0x30...0x39: // '+' '-' '.' digits
            return JSON5Value(kind: .number(try parseNumber()), location: start)
        default:
            if isIdentifierStart(byte) {
                let wordStart = pos
                let word = readIdentifier()
                switch word {
                case "true": return JSON5Value(kind: .bool(true), location: start)
                case "false": return JSON5Value(kind: .bool(false), location: start)
                case "null": return JSON5Value(kind: .null, location: start)
                case "Infinity":
                    return JSON5Value(kind: .number(JSON5Number(text: word, doubleValue: .infinity, int64Value: nil)), location: start)
                case "NaN":
                    return JSON5Value(kind: .number(JSON5Number(text: word, doubleValue: .nan, int64Value: nil)), location: start)
                default:
                    // The word is ASCII letters and digits only, so it can be shown as is.
                    pos = wordStart
                    let shown = word.utf8.count > JSON5Text.maxEcho ? String(word.prefix(JSON5Text.maxEcho)) + "..." : word
                    throw error("expected a value, found '\(shown)'",
                                hint: "text values must be quoted, like \"\(shown)\"")
                }
            }
            throw unexpected("expected a value")
        }
    }

    /// An unquoted key or keyword: ASCII letters, digits, `_`, `$`.
    mutating func readIdentifier() -> String {
        let start = pos
        while pos < end && isIdentifierPart(buffer[pos]) { pos += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<pos]), as: UTF8.self)
    }

    /// A single- or double-quoted string at `pos`, escapes decoded.
    mutating func parseString() throws(ScenarioError) -> String {
        let quote = buffer[pos]
        let start = here
        pos += 1
        // Fast path: most strings have no escapes and can be copied in one go.
        let runStart = pos
        while pos < end {
            let byte = buffer[pos]
            if byte == quote {
                let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[runStart..<pos]), as: UTF8.self)
                pos += 1
                return text
            }
            if byte == 0x5C || byte == 0x0A || byte == 0x0D { break } // '\\' LF CR
            pos += 1
        }
        var bytes = Array(buffer[runStart..<pos])
        while true {
            guard pos < end else {
                throw error("unterminated string (started at line \(start.line), column \(start.column))",
                            hint: "add the closing quote")
            }
            let byte = buffer[pos]
            if byte == quote {
                pos += 1
                return String(decoding: bytes, as: UTF8.self)
            }
            switch byte {
            case 0x0A, 0x0D: // LF CR
                throw error("unterminated string (started at line \(start.line), column \(start.column))",
                            hint: "strings cannot span lines: close the quote, write \\n, or end the line with \\ to continue")
            case 0x5C: // '\\'
                try readEscape(into: &bytes, stringStart: start)
            default:
                bytes.append(byte)
                pos += 1
            }
        }
    }

    /// Decodes the escape sequence at `pos` (which is a backslash) into `bytes`.
    mutating func readEscape(into bytes: inout [UInt8], stringStart: SourceLocation) throws(ScenarioError) {
        let escapeStart = here
        pos += 1
        guard pos < end else {
            throw error("unterminated string (started at line \(stringStart.line), column \(stringStart.column))",
                        hint: "add the closing quote")
        }
        let byte = buffer[pos]
        pos += 1
        switch byte {
        case 0x22, 0x27, 0x5C, 0x2F: bytes.append(byte) // '"' '\'' '\\' '/'
        case 0x62: bytes.append(0x08) // b
        case 0x66: bytes.append(0x0C) // f
        case 0x6E: bytes.append(0x0A) // n
        case 0x72: bytes.append(0x0D) // r
        case 0x74: bytes.append(0x09) // t
        case 0x76: bytes.append(0x0B) // v
        case 0x30: // '0'
            if pos < end && isDigit(buffer[pos]) {
                throw error(at: escapeStart, "invalid escape '\\0\(Character(Unicode.Scalar(buffer[pos])))' in string",
                            hint: "\\0 may not be followed by a digit; write \\x00 then the digit")
            }
            bytes.append(0)
        case 0x78: // x
            let value = try readHex(digits: 2, escapeStart: escapeStart, form: "\\xHH")
            appendUTF8(value, to: &bytes)
        case 0x75: // u
            var value = try readHex(digits: 4, escapeStart: escapeStart, form: "\\uXXXX")
            if value >= 0xD800 && value <= 0xDBFF {
                // A high surrogate must be followed by an escaped low surrogate.
                guard pos + 1 < end && buffer[pos] == 0x5C && buffer[pos + 1] == 0x75 else {
                    throw error(at: escapeStart, "unpaired surrogate \\u\(JSON5Text.hex(value, minDigits: 4)) in string",
                                hint: "write the character itself, or a \\uD8xx\\uDCxx pair")
                }
                let lowStart = here
                pos += 2
                let low = try readHex(digits: 4, escapeStart: lowStart, form: "\\uXXXX")
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw error(at: escapeStart, "unpaired surrogate \\u\(JSON5Text.hex(value, minDigits: 4)) in string",
                                hint: "write the character itself, or a \\uD8xx\\uDCxx pair")
                }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            } else if value >= 0xDC00 && value <= 0xDFFF {
                throw error(at: escapeStart, "unpaired surrogate \\u\(JSON5Text.hex(value, minDigits: 4)) in string",
                            hint: "write the character itself, or a \\uD8xx\\uDCxx pair")
            }
            appendUTF8(value, to: &bytes)
        case 0x0A: // line continuation: backslash LF
            line += 1
            lineStart = pos
        case 0x0D: // line continuation: backslash CR or CR LF
            if pos < end && buffer[pos] == 0x0A {
                pos += 1
                line += 1
                lineStart = pos
            }
        case 0xE2 where pos + 1 < end && buffer[pos] == 0x80 && (buffer[pos + 1] == 0xA8 || buffer[pos + 1] == 0xA9):
            pos += 2 // line continuation: backslash U+2028 / U+2029
        default:
            pos -= 1
            let message = byte >= 0x21 && byte <= 0x7E
                ? "invalid escape '\\\(Character(Unicode.Scalar(byte)))' in string"
                : "invalid escape in string: '\\' followed by \(found())"
            throw error(at: escapeStart, message,
                        hint: "valid escapes: \\n \\t \\r \\b \\f \\v \\0 \\\\ \\' \\\" \\/ \\xHH \\uXXXX; write \\\\ for a backslash")
        }
    }

    /// Exactly `digits` hex digits at `pos`.
    mutating func readHex(digits: Int, escapeStart: SourceLocation, form: String) throws(ScenarioError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard pos < end, let digit = hexValue(buffer[pos]) else {
                throw error(at: escapeStart, "invalid escape in string: expected \(form) with \(digits) hex digits, found \(found())",
                            hint: "hex digits are 0-9 and a-f")
            }
            value = value << 4 | UInt32(digit)
            pos += 1
        }
        return value
    }

    /// A number at `pos`: decimal, hex, or a signed `Infinity`/`NaN`.
    mutating func parseNumber() throws(ScenarioError) -> JSON5Number {
        let start = pos
        let startLocation = here
        var negative = false
        let signByte = buffer[pos]
        if signByte == 0x2B || signByte == 0x2D { // '+' '-'
            negative = signByte == 0x2D
            pos += 1
        }
        let signText = negative ? "'-'" : "'+'"
        if pos > start && pos < end && (buffer[pos] == 0x49 || buffer[pos] == 0x4E) { // 'I' 'N'
            let wordStart = pos
            let word = readIdentifier()
            if word == "Infinity" || word == "NaN" {
                let value: Double = word == "NaN" ? .nan : (negative ? -.infinity : .infinity)
                return JSON5Number(text: text(from: start), doubleValue: value, int64Value: nil)
            }
            pos = wordStart
            throw unexpected("expected a number after \(signText)")
        }

        // Hexadecimal integer.
        if pos + 1 < end && buffer[pos] == 0x30 && (buffer[pos + 1] | 0x20) == 0x78 { // '0x' '0X'
            pos += 2
            var magnitude: UInt64 = 0
            var overflow = false
            var approximate: Double = 0
            let digitsStart = pos
            while pos < end, let digit = hexValue(buffer[pos]) {
                approximate = approximate * 16 + Double(digit)
                if !overflow {
                    let (shifted, o1) = magnitude.multipliedReportingOverflow(by: 16)
                    let (sum, o2) = shifted.addingReportingOverflow(UInt64(digit))
                    overflow = o1 || o2
                    magnitude = sum
                }
                pos += 1
            }
            guard pos > digitsStart else { throw unexpected("expected a hex digit after '0x'") }
            try checkNumberEnd(start: start)
            // Double(UInt64) rounds correctly; the running Double is only for huge values.
            let magnitudeDouble = overflow ? approximate : Double(magnitude)
            return JSON5Number(text: text(from: start),
                               doubleValue: negative ? -magnitudeDouble : magnitudeDouble,
                               int64Value: overflow ? nil : signedInt64(magnitude: magnitude, negative: negative))
        }

        // Decimal: int digits, optional '.' and fraction digits, optional exponent.
        let intStart = pos
        while pos < end && isDigit(buffer[pos]) { pos += 1 }
        let intEnd = pos
        if intEnd - intStart > 1 && buffer[intStart] == 0x30 {
            throw error(at: startLocation, "numbers cannot have leading zeros, found \(JSON5Text.quoted(text(from: start)))",
                        hint: "write 8 rather than 08; hex numbers start with 0x")
        }
        var fracStart = pos
        var fracEnd = pos
        if pos < end && buffer[pos] == 0x2E { // '.'
            pos += 1
            fracStart = pos
            while pos < end && isDigit(buffer[pos]) { pos += 1 }
            fracEnd = pos
        }
        if intEnd == intStart && fracEnd == fracStart {
            if fracStart > intEnd { // a '.' was read
                throw unexpected("expected a digit after '.'")
            }
            throw unexpected("expected a digit after \(signText)")
        }
        var exponent = 0
        if pos < end && (buffer[pos] | 0x20) == 0x65 { // 'e' 'E'
            pos += 1
            var exponentNegative = false
            if pos < end && (buffer[pos] == 0x2B || buffer[pos] == 0x2D) {
                exponentNegative = buffer[pos] == 0x2D
                pos += 1
            }
            let expStart = pos
            while pos < end && isDigit(buffer[pos]) {
                // Saturate: anything this large is zero or infinite anyway.
                if exponent < 100_000_000 { exponent = exponent * 10 + Int(buffer[pos] - 0x30) }
                pos += 1
            }
            guard pos > expStart else { throw unexpected("expected a digit in the exponent") }
            if exponentNegative { exponent = -exponent }
        }
        try checkNumberEnd(start: start)
        let literal = text(from: start)
        let parsed = signByte == 0x2B ? Double(literal.dropFirst()) : Double(literal)
        return JSON5Number(text: literal,
                           doubleValue: parsed ?? .nan,
                           int64Value: exactInteger(intStart: intStart, intEnd: intEnd, fracStart: fracStart,
                                                    fracEnd: fracEnd, exponent: exponent, negative: negative))
    }

    /// JSON5 forbids a letter or digit right after a number; this is also where a unit
    /// written without quotes (`80us`) ends up, so say so.
    func checkNumberEnd(start: Int) throws(ScenarioError) {
        guard pos < end else { return }
        let byte = buffer[pos]
        if byte >= 0x80 {
            if isUnicodeSpace(scalar(at: pos).value) { return }
        } else if !isIdentifierPart(byte) {
            return
        }
        throw error("unexpected \(found()) after the number \(text(from: start))",
                    hint: "values with units are strings and need quotes, like \"80us\"")
    }

    /// The bytes from `start` to `pos` as a String.
    func text(from start: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<pos]), as: UTF8.self)
    }

    /// The exact value of a decimal literal if it is an integer within Int64.
    func exactInteger(intStart: Int, intEnd: Int, fracStart: Int, fracEnd: Int, exponent: Int, negative: Bool) -> Int64? {
        // The digits, int part then fraction, read as one integer D; the literal is
        // D * 10^(exponent - fractionDigits). Trailing zeros of D move into the power.
        let fracDigits = fracEnd - fracStart
        var lastNonZero = -1 // index in the combined digit sequence
        var index = 0
        for i in intStart..<intEnd {
            if buffer[i] != 0x30 { lastNonZero = index }
            index += 1
        }
        for i in fracStart..<fracEnd {
            if buffer[i] != 0x30 { lastNonZero = index }
            index += 1
        }
        guard lastNonZero >= 0 else { return 0 }
        let totalDigits = index
        let trailingZeros = totalDigits - 1 - lastNonZero
        let power = exponent - fracDigits + trailingZeros
        guard power >= 0, power <= 19 else { return nil }
        var magnitude: UInt64 = 0
        index = 0
        for range in [intStart..<intEnd, fracStart..<fracEnd] {
            for i in range where index <= lastNonZero {
                let (shifted, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = shifted.addingReportingOverflow(UInt64(buffer[i] - 0x30))
                if o1 || o2 { return nil }
                magnitude = sum
                index += 1
            }
        }
        for _ in 0..<power {
            let (shifted, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            magnitude = shifted
        }
        return signedInt64(magnitude: magnitude, negative: negative)
    }

    func signedInt64(magnitude: UInt64, negative: Bool) -> Int64? {
        if negative {
            if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
            return magnitude <= UInt64(Int64.max) ? -Int64(magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    // MARK: Whitespace and comments

    /// Skips whitespace and comments. Stops at anything else, including a lone '/',
    /// which the caller reports as unexpected.
    mutating func skipTrivia() throws(ScenarioError) {
        while pos < end {
            let byte = buffer[pos]
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0B, 0x0C: // space, tab, CR, VT, FF
                pos += 1
            case 0x0A: // LF
                pos += 1
                line += 1
                lineStart = pos
            case 0x2F: // '/'
                guard pos + 1 < end else { return }
                let next = buffer[pos + 1]
                if next == 0x2F { // line comment: up to (not including) the line break
                    pos += 2
                    while pos < end {
                        let b = buffer[pos]
                        if b == 0x0A || b == 0x0D { break }
                        if b == 0xE2 && pos + 2 < end && buffer[pos + 1] == 0x80
                            && (buffer[pos + 2] == 0xA8 || buffer[pos + 2] == 0xA9) { break }
                        pos += 1
                    }
                } else if next == 0x2A { // block comment
                    let start = here
                    pos += 2
                    var closed = false
                    while pos < end {
                        let b = buffer[pos]
                        if b == 0x2A && pos + 1 < end && buffer[pos + 1] == 0x2F {
                            pos += 2
                            closed = true
                            break
                        }
                        pos += 1
                        if b == 0x0A {
                            line += 1
                            lineStart = pos
                        }
                    }
                    if !closed {
                        throw error("unterminated block comment (started at line \(start.line), column \(start.column))",
                                    hint: "close the comment with */")
                    }
                } else {
                    return
                }
            default:
                guard byte >= 0x80 else { return }
                let (value, length) = scalar(at: pos)
                guard isUnicodeSpace(value) else { return }
                pos += length
            }
        }
    }

    /// JSON5 whitespace beyond ASCII: NBSP, BOM, line/paragraph separators, and any
    /// other space separator (category Zs).
    func isUnicodeSpace(_ value: UInt32) -> Bool {
        switch value {
        case 0xA0, 0xFEFF, 0x2028, 0x2029: return true
        default:
            guard let scalar = Unicode.Scalar(value) else { return false }
            return scalar.properties.generalCategory == .spaceSeparator
        }
    }

    // MARK: UTF-8

    /// Decodes the scalar starting at `offset`. The document was validated up front,
    /// but this stays total so that no input can make it read out of bounds.
    func scalar(at offset: Int) -> (value: UInt32, length: Int) {
        let b0 = UInt32(buffer[offset])
        if b0 < 0x80 { return (b0, 1) }
        let length = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2
        guard offset + length <= end else { return (0xFFFD, 1) }
        var value = b0 & (0x7F >> UInt32(length))
        for i in 1..<length { value = value << 6 | (UInt32(buffer[offset + i]) & 0x3F) }
        return (value, length)
    }

    /// The offset of the first byte that is not part of well-formed UTF-8 (no overlong
    /// forms, no surrogates, nothing above U+10FFFF), or nil.
    func firstInvalidUTF8() -> Int? {
        var i = 0
        while i < end {
            let b0 = buffer[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80 // allowed range of the second byte
            var high: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return i
            }
            guard i + 1 < end, buffer[i + 1] >= low, buffer[i + 1] <= high else { return i }
            for k in 2..<max(2, length) {
                guard i + k < end, buffer[i + k] & 0xC0 == 0x80 else { return i }
            }
            i += length
        }
        return nil
    }

    /// The error for a bad byte at `offset`, with its line and column.
    func invalidUTF8(at offset: Int) -> ScenarioError {
        var line = 1
        var lineStart = end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0
        if offset < lineStart { lineStart = 0 }
        for i in 0..<offset where buffer[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        let location = SourceLocation(file: file, line: line, column: offset - lineStart + 1)
        return error(at: location, "invalid UTF-8 byte 0x\(JSON5Text.hex(UInt32(buffer[offset]), minDigits: 2))",
                     hint: "save the file as UTF-8")
    }

    func appendUTF8(_ value: UInt32, to bytes: inout [UInt8]) {
        switch value {
        case 0..<0x80:
            bytes.append(UInt8(value))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | value >> 6))
            bytes.append(UInt8(0x80 | value & 0x3F))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | value >> 12))
            bytes.append(UInt8(0x80 | (value >> 6) & 0x3F))
            bytes.append(UInt8(0x80 | value & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | value >> 18))
            bytes.append(UInt8(0x80 | (value >> 12) & 0x3F))
            bytes.append(UInt8(0x80 | (value >> 6) & 0x3F))
            bytes.append(UInt8(0x80 | value & 0x3F))
        }
    }
}

// MARK: Character classes
// Free functions rather than parser methods: in debug builds a method call on the
// parser copies the whole parser struct, which made these tiny checks expensive.

private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

private func isIdentifierStart(_ byte: UInt8) -> Bool {
    let lower = byte | 0x20
    return (lower >= 0x61 && lower <= 0x7A) || byte == 0x5F || byte == 0x24 // a-z A-Z _ $
}

private func isIdentifierPart(_ byte: UInt8) -> Bool { isIdentifierStart(byte) || isDigit(byte) }

private func hexValue(_ byte: UInt8) -> UInt8? {
    if byte >= 0x30 && byte <= 0x39 { return byte - 0x30 }
    let lower = byte | 0x20
    if lower >= 0x61 && lower <= 0x66 { return lower - 0x61 + 10 }
    return nil
}
