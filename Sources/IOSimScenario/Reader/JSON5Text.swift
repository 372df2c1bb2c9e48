/// Small text helpers shared by the reader and the unit parsers, so every error message
/// shows user text the same way (quoted, escaped, shortened).
public enum JSON5Text {
    /// Longest user text echoed in a message, in Unicode scalars; longer text is cut
    /// so one bad line cannot produce a megabyte of error message.
    static let maxEcho = 40

    /// `s` in double quotes with control characters, quotes and backslashes escaped
    /// JSON5-style, shortened to `maxEcho` scalars plus "...".
    public static func quoted(_ s: String) -> String {
        var out = "\""
        var count = 0
        for scalar in s.unicodeScalars {
            if count == maxEcho {
                out += "..."
                break
            }
            count += 1
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += "\\u{" + hex(scalar.value, minDigits: 4) + "}"
                }
            }
        }
        out += "\""
        return out
    }

    /// One character for "found ..." in messages: `'x'` when printable (`"'"` for the
    /// quote itself), `'é' (U+00E9)` for printable non-ASCII, `U+0007` otherwise.
    static func describe(_ scalar: Unicode.Scalar) -> String {
        if scalar == "'" { return "\"'\"" }
        let code = "U+" + hex(scalar.value, minDigits: 4)
        guard isPrintable(scalar) else { return code }
        if scalar.isASCII { return "'" + String(Character(scalar)) + "'" }
        return "'" + String(Character(scalar)) + "' (" + code + ")"
    }

    /// Whether a scalar can be shown as itself in a message without confusing anyone
    /// (no controls, invisible formatting characters, or unusual spaces).
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value >= 0x21 && scalar.value <= 0x7E || scalar == " " }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned,
             .spaceSeparator, .lineSeparator, .paragraphSeparator,
             .nonspacingMark, .enclosingMark, .spacingMark:
            return false
        default:
            return true
        }
    }

    /// Uppercase hex with at least `minDigits` digits.
    static func hex(_ value: UInt32, minDigits: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        if digits.count >= minDigits { return digits }
        return String(repeating: "0", count: minDigits - digits.count) + digits
    }
}
