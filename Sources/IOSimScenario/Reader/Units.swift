/// Why a text could not be read as a quantity with a unit.
public struct UnitError: Error, Sendable, Equatable {
    /// What was expected and what was found, always with an example, e.g.
    /// `expected a duration such as "80us", found "80"`.
    public var message: String
    /// Why it was rejected or how to fix it, e.g. `durations take a unit: ns, us, ms, s`.
    public var hint: String?

    /// Creates an error.
    public init(message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
}

/// Reads and writes the quantities scenario files use: durations, sizes, rates and
/// percentages, written as strings such as `"80us"`, `"4KiB"`, `"2GB/s"`, `"5%"`.
///
/// The number is a plain decimal: digits with an optional fraction (`"1.5ms"`,
/// `".5s"`, `"2."`), no sign, no exponent; spaces may separate it from the unit
/// (`"80 us"`) and surround the whole text. It is read with integer arithmetic, so
/// `"1.5ms"` is exactly 1_500_000 and results never depend on floating point.
/// Fraction digits after the 18th are ignored.
public enum Units {
    // MARK: Parsing

    /// Reads a duration as nanoseconds: `"250ns"`, `"80us"`, `"80µs"`, `"1.5ms"`,
    /// `"2s"`, or `"0"` (zero is the only number allowed without a unit).
    /// Rounds to the nearest nanosecond (halves round up); rejects negative values,
    /// anything that is not a number, unknown units, and values beyond `Int64.max` ns.
    public static func parseDuration(_ text: String) -> Result<Int64, UnitError> {
        let unitsHint = "durations take a unit: ns, us, ms, s"
        func failure(_ hint: String) -> Result<Int64, UnitError> {
            .failure(UnitError(message: "expected a duration such as \"80us\", found \(JSON5Text.quoted(text))", hint: hint))
        }
        let quantity: Quantity
        switch Quantity.read(text) {
        case .negative: return failure("durations cannot be negative")
        case .notANumber: return failure(unitsHint)
        case .quantity(let q): quantity = q
        }
        let factor: UInt64
        switch quantity.unit {
        case "": if quantity.isZero { return .success(0) } else { return failure(unitsHint) }
        case "ns": factor = 1
        case "us", "µs", "μs": factor = 1_000 // micro sign U+00B5 and Greek mu U+03BC
        case "ms": factor = 1_000_000
        case "s": factor = 1_000_000_000
        default: return failure("unknown unit \(JSON5Text.quoted(quantity.unit)); " + unitsHint)
        }
        guard let (value, _) = quantity.scaled(by: factor) else {
            return failure("the longest duration is about 292 years (\"9223372036s\")")
        }
        return .success(value)
    }

    /// Reads a size as bytes: `"512"`, `"512B"`, `"4KiB"`, `"1MiB"`, `"1GiB"`, `"1TiB"`,
    /// `"4k"`/`"4K"` (KiB), `"1m"`/`"1M"` (MiB), `"1g"`/`"1G"` (GiB), `"1t"`/`"1T"`
    /// (TiB), and decimal `"1KB"`/`"1kB"` (1000), `"1MB"`, `"1GB"`, `"1TB"`.
    /// A fraction is allowed when the result is a whole number of bytes
    /// (`"1.5KiB"` = 1536); `"1.3KiB"` is an error.
    public static func parseSize(_ text: String) -> Result<Int64, UnitError> {
        let unitsHint = "sizes take a unit: B, KiB, MiB, GiB, TiB (or k, m, g, t), or KB, MB, GB, TB for powers of 1000"
        func failure(_ hint: String) -> Result<Int64, UnitError> {
            .failure(UnitError(message: "expected a size such as \"4KiB\", found \(JSON5Text.quoted(text))", hint: hint))
        }
        let quantity: Quantity
        switch Quantity.read(text) {
        case .negative: return failure("sizes cannot be negative")
        case .notANumber: return failure(unitsHint)
        case .quantity(let q): quantity = q
        }
        guard let factor = sizeFactor(quantity.unit) else {
            return failure("unknown unit \(JSON5Text.quoted(quantity.unit)); " + unitsHint)
        }
        guard let (value, exact) = quantity.scaled(by: factor) else {
            return failure("sizes must be smaller than 8EiB")
        }
        guard exact else { return failure("that is not a whole number of bytes") }
        return .success(value)
    }

    /// Reads a rate as bytes per second, rounded to the nearest byte: `"2GB/s"`,
    /// `"500MiB/s"`, `"1.5GiB/s"`, `"100MB/s"`, `"800KB/s"`, `"512B/s"`. Takes the same
    /// units as `parseSize` and must end in `/s`.
    public static func parseRate(_ text: String) -> Result<Int64, UnitError> {
        let unitsHint = "rates take a size unit and /s: B/s, KB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s"
        func failure(_ hint: String) -> Result<Int64, UnitError> {
            .failure(UnitError(message: "expected a rate such as \"2GB/s\", found \(JSON5Text.quoted(text))", hint: hint))
        }
        var bytes = Array(text.utf8)
        Quantity.trim(&bytes)
        guard bytes.count >= 2 && bytes[bytes.count - 2] == 0x2F && bytes[bytes.count - 1] == 0x73 else { // "/s"
            return failure("rates end in /s, like \"2GB/s\"")
        }
        bytes.removeLast(2)
        let quantity: Quantity
        switch Quantity.read(bytes) {
        case .negative: return failure("rates cannot be negative")
        case .notANumber: return failure(unitsHint)
        case .quantity(let q): quantity = q
        }
        guard let factor = sizeFactor(quantity.unit) else {
            return failure("unknown unit \(JSON5Text.quoted(quantity.unit + "/s")); " + unitsHint)
        }
        guard let (value, _) = quantity.scaled(by: factor) else {
            return failure("rates must be smaller than 8EiB/s")
        }
        return .success(value)
    }

    /// Reads a percentage from 0% to 100% as parts per million: `"5%"` = 50_000,
    /// `"0.5%"` = 5_000, `"100%"` = 1_000_000. Rounds to the nearest ppm.
    public static func parsePercentPPM(_ text: String) -> Result<Int64, UnitError> {
        func failure(_ hint: String) -> Result<Int64, UnitError> {
            .failure(UnitError(message: "expected a percentage such as \"5%\", found \(JSON5Text.quoted(text))", hint: hint))
        }
        let quantity: Quantity
        switch Quantity.read(text) {
        case .negative: return failure("percentages go from 0% to 100%")
        case .notANumber: return failure("percentages are a number followed by %, like \"0.5%\"")
        case .quantity(let q): quantity = q
        }
        guard quantity.unit == "%" else { return failure("percentages end in %, like \"5%\"") }
        guard let (value, _) = quantity.scaled(by: 10_000), value <= 1_000_000 else {
            return failure("percentages go from 0% to 100%")
        }
        return .success(value)
    }

    /// Bytes per unit for sizes and rates; nil for an unknown unit.
    static func sizeFactor(_ unit: String) -> UInt64? {
        switch unit {
        case "", "B": return 1
        case "k", "K", "KiB": return 1 << 10
        case "m", "M", "MiB": return 1 << 20
        case "g", "G", "GiB": return 1 << 30
        case "t", "T", "TiB": return 1 << 40
        case "KB", "kB": return 1_000
        case "MB": return 1_000_000
        case "GB": return 1_000_000_000
        case "TB": return 1_000_000_000_000
        default: return nil
        }
    }

    // MARK: Formatting

    /// Formats nanoseconds for people: 250 -> `"250ns"`, 112400 -> `"112.4us"`,
    /// 1500000 -> `"1.5ms"`, 2_000_000_000 -> `"2s"`.
    ///
    /// Uses the largest unit (ns, us, ms, s) whose value is at least 1, keeps at most
    /// 4 significant digits (halves round up; whole seconds are never cut), and trims
    /// trailing zeros. Integer arithmetic only, so output is identical everywhere.
    public static func formatDuration(nanoseconds: Int64) -> String {
        let magnitude = nanoseconds.magnitude
        let sign = nanoseconds < 0 ? "-" : ""
        let units: [(size: UInt64, name: String)] = [(1, "ns"), (1_000, "us"), (1_000_000, "ms"), (1_000_000_000, "s")]
        var unitIndex = 0
        while unitIndex + 1 < units.count && magnitude >= units[unitIndex + 1].size { unitIndex += 1 }
        while true {
            let (size, name) = units[unitIndex]
            let wholeDigits = decimalDigits(magnitude / size)
            // Fraction digits: fill up to 4 significant digits, but never below 1 ns.
            var fractionDigits = max(0, 4 - wholeDigits)
            var scale: UInt64 = 1
            for _ in 0..<fractionDigits { scale *= 10 }
            while scale > size {
                scale /= 10
                fractionDigits -= 1
            }
            let step = size / scale // nanoseconds per last shown digit
            let rounded = magnitude / step + (magnitude % step * 2 >= step ? 1 : 0)
            let whole = rounded / scale
            // Rounding can carry into the next unit: 999_960ns is "1ms", not "1000us".
            if whole >= 1_000 && unitIndex + 1 < units.count {
                unitIndex += 1
                continue
            }
            return sign + decimal(whole: whole, fraction: rounded % scale, fractionDigits: fractionDigits) + name
        }
    }

    /// Formats a size in bytes: 4096 -> `"4KiB"`, 1536 -> `"1.5KiB"`, 1000 -> `"1000B"`.
    ///
    /// Uses the largest binary unit (KiB, MiB, GiB, TiB) in which the size is exact
    /// with at most three decimals, otherwise bytes, so `parseSize` reads the text
    /// back to the same number.
    public static func formatSize(bytes: Int64) -> String {
        let magnitude = bytes.magnitude
        let sign = bytes < 0 ? "-" : ""
        let units: [(shift: UInt64, name: String)] = [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")]
        for (shift, name) in units {
            let size: UInt64 = 1 << shift
            guard magnitude >= size else { continue }
            let remainder = magnitude % size
            // remainder < 2^40, so remainder * 1000 cannot overflow.
            guard (remainder * 1_000) % size == 0 else { continue }
            return sign + decimal(whole: magnitude / size, fraction: remainder * 1_000 / size, fractionDigits: 3) + name
        }
        return sign + String(magnitude) + "B"
    }

    /// Number of decimal digits of `value` (1 for 0).
    static func decimalDigits(_ value: UInt64) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        return digits
    }

    /// `whole.fraction` with the fraction zero-padded to `fractionDigits` and trailing
    /// zeros (and a bare point) trimmed.
    static func decimal(whole: UInt64, fraction: UInt64, fractionDigits: Int) -> String {
        var text = String(whole)
        guard fractionDigits > 0, fraction > 0 else { return text }
        var digits = Array(String(fraction).utf8)
        while digits.count < fractionDigits { digits.insert(0x30, at: 0) }
        while digits.last == 0x30 { digits.removeLast() }
        text += "."
        text += String(decoding: digits, as: UTF8.self)
        return text
    }
}

/// A non-negative decimal number and the unit text after it, read exactly.
private struct Quantity {
    /// The digits before the point.
    var whole: UInt64
    /// The whole part did not fit in UInt64.
    var wholeOverflow: Bool
    /// The first `fractionDigits` digits after the point, as an integer.
    var fraction: UInt64
    var fractionDigits: Int
    /// Whatever follows the number, with surrounding spaces removed.
    var unit: String

    var isZero: Bool { whole == 0 && !wholeOverflow && fraction == 0 }

    enum ReadResult {
        case quantity(Quantity)
        case negative
        case notANumber
    }

    /// Fraction digits kept; 10^18 still fits in UInt64.
    static let maxFractionDigits = 18

    static func read(_ text: String) -> ReadResult {
        var bytes = Array(text.utf8)
        trim(&bytes)
        return read(bytes)
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    static func trim(_ bytes: inout [UInt8]) {
        while let last = bytes.last, isSpace(last) { bytes.removeLast() }
        var start = 0
        while start < bytes.count && isSpace(bytes[start]) { start += 1 }
        if start > 0 { bytes.removeFirst(start) }
    }

    /// Reads `digits[.digits] [spaces] unit` from trimmed bytes.
    static func read(_ bytes: [UInt8]) -> ReadResult {
        var pos = 0
        while pos < bytes.count && isSpace(bytes[pos]) { pos += 1 }
        if pos < bytes.count && bytes[pos] == 0x2D { return .negative } // '-'
        var whole: UInt64 = 0
        var overflow = false
        var digitCount = 0
        while pos < bytes.count && bytes[pos] >= 0x30 && bytes[pos] <= 0x39 {
            let (shifted, o1) = whole.multipliedReportingOverflow(by: 10)
            let (sum, o2) = shifted.addingReportingOverflow(UInt64(bytes[pos] - 0x30))
            overflow = overflow || o1 || o2
            whole = sum
            digitCount += 1
            pos += 1
        }
        var fraction: UInt64 = 0
        var fractionDigits = 0
        if pos < bytes.count && bytes[pos] == 0x2E { // '.'
            pos += 1
            while pos < bytes.count && bytes[pos] >= 0x30 && bytes[pos] <= 0x39 {
                if fractionDigits < maxFractionDigits {
                    fraction = fraction * 10 + UInt64(bytes[pos] - 0x30)
                    fractionDigits += 1
                }
                digitCount += 1
                pos += 1
            }
        }
        guard digitCount > 0 else { return .notANumber }
        while pos < bytes.count && isSpace(bytes[pos]) { pos += 1 }
        var unitEnd = bytes.count
        while unitEnd > pos && isSpace(bytes[unitEnd - 1]) { unitEnd -= 1 }
        let unit = String(decoding: bytes[pos..<unitEnd], as: UTF8.self)
        return .quantity(Quantity(whole: whole, wholeOverflow: overflow, fraction: fraction,
                                  fractionDigits: fractionDigits, unit: unit))
    }

    /// `self * factor` rounded to the nearest integer (halves up), and whether that was
    /// exact; nil when the result exceeds `Int64.max`.
    func scaled(by factor: UInt64) -> (value: Int64, exact: Bool)? {
        guard !wholeOverflow else { return nil }
        let (high, low) = whole.multipliedFullWidth(by: factor)
        guard high == 0 else { return nil }
        var fractionPart: UInt64 = 0
        var exact = true
        if fractionDigits > 0 {
            var divisor: UInt64 = 1
            for _ in 0..<fractionDigits { divisor *= 10 }
            // fraction < divisor, so the quotient is below `factor` and fits.
            let (quotient, remainder) = divisor.dividingFullWidth(fraction.multipliedFullWidth(by: factor))
            fractionPart = quotient
            if remainder != 0 {
                exact = false
                if remainder >= divisor - remainder { fractionPart += 1 }
            }
        }
        let (sum, overflow) = low.addingReportingOverflow(fractionPart)
        guard !overflow, sum <= UInt64(Int64.max) else { return nil }
        return (Int64(sum), exact)
    }
}
