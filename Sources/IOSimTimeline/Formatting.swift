//! Deterministic text helpers shared by the renderers: fixed-point numbers without a locale, JSON and XML
//! escaping, time units chosen from a span.

import IOSimCore

enum Fmt {
    /// Nanoseconds as microseconds with exactly three decimals ("12.345"); negative values keep the sign.
    static func micros(_ ns: Int64) -> String {
        let negative = ns < 0
        let m = negative ? -ns : ns
        let frac = m % 1000
        let digits = frac < 10 ? "00\(frac)" : frac < 100 ? "0\(frac)" : "\(frac)"
        return (negative ? "-" : "") + "\(m / 1000)." + digits
    }

    /// `value` with exactly `decimals` decimals (half away from zero), no exponent, no locale.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return value < 0 ? "-\(Int64(abs(value)))" : "\(Int64(abs(value)))" }
        let n = Int64(scaled)
        let sign = value < 0 && n != 0 ? "-" : ""
        if decimals == 0 { return sign + "\(n)" }
        let p = Int64(scale)
        var frac = String(n % p)
        while frac.count < decimals { frac = "0" + frac }
        return sign + "\(n / p).\(frac)"
    }

    /// A number with at most `decimals` decimals, trailing zeros removed ("2.5", "3", "0.125").
    static func trimmed(_ value: Double, _ decimals: Int) -> String {
        var s = fixed(value, decimals)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    /// An integer with thousands separators ("12,345").
    static func grouped(_ n: Int64) -> String {
        let negative = n < 0
        let digits = Array(String(negative ? -n : n))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (negative ? "-" : "") + out
    }

    /// A JSON string literal, quotes included.
    static func json(_ s: String) -> String { s.jsonQuoted }

    /// Text safe inside an XML element or attribute value (control characters other than tab and newline
    /// are not allowed in XML 1.0 and are replaced by a space).
    static func xml(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if u.value < 0x20 && u != "\t" && u != "\n" || u.value == 0xFFFE || u.value == 0xFFFF {
                    out += " "
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }
}

/// A unit for a time axis: its name and its size in nanoseconds.
struct TimeUnit: Equatable {
    var name: String
    var nanoseconds: Int64

    static let ns = TimeUnit(name: "ns", nanoseconds: 1)
    static let us = TimeUnit(name: "us", nanoseconds: 1_000)
    static let ms = TimeUnit(name: "ms", nanoseconds: 1_000_000)
    static let s = TimeUnit(name: "s", nanoseconds: 1_000_000_000)

    /// The largest unit in which `span` is at least 1 (ns below 1 us, us below 1 ms, ms below 10 s, else s).
    static func forSpan(_ span: Int64) -> TimeUnit {
        if span < 1_000 { return .ns }
        if span < 1_000_000 { return .us }
        if span < 10_000_000_000 { return .ms }
        return .s
    }

    /// `ns` in this unit, with up to `decimals` decimals and trailing zeros removed.
    func format(_ ns: Int64, decimals: Int = 3) -> String {
        Fmt.trimmed(Double(ns) / Double(nanoseconds), decimals) + " " + name
    }
}

/// A "nice" tick step (1, 2 or 5 times a power of ten nanoseconds) giving about `target` ticks over `span`.
func niceStep(span: Int64, target: Int) -> Int64 {
    let raw = max(1, span / Int64(max(1, target)))
    var power: Int64 = 1
    while power * 10 <= raw { power *= 10 }
    for m: Int64 in [1, 2, 5, 10] where power * m >= raw { return power * m }
    return power * 10
}

/// SVG elements with fixed attribute order and number formatting (at most two decimals).
enum SVG {
    static let fontFamily = "Helvetica, Arial, sans-serif"

    static func n(_ v: Double) -> String { Fmt.trimmed(v, 2) }

    static func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#333333", width: Double = 1
    )
        -> String
    {
        "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" "
            + "stroke=\"\(stroke)\" stroke-width=\"\(n(width))\"/>"
    }

    static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil) -> String
    {
        let outline = stroke.map { " stroke=\"\($0)\" stroke-width=\"0.5\"" } ?? ""
        return "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(h))\" fill=\"\(fill)\"\(outline)/>"
    }

    /// A text element; `content` is escaped.
    static func text(
        _ content: String, x: Double, y: Double, size: Int = 12, anchor: String? = nil, bold: Bool = false,
        fill: String? = nil, rotate: Bool = false
    ) -> String {
        var a = "x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(size)\" font-family=\"\(fontFamily)\""
        if let anchor { a += " text-anchor=\"\(anchor)\"" }
        if bold { a += " font-weight=\"bold\"" }
        if let fill { a += " fill=\"\(fill)\"" }
        if rotate { a += " transform=\"rotate(-90 \(n(x)) \(n(y)))\"" }
        return "<text \(a)>\(Fmt.xml(content))</text>"
    }

    /// The whole document: XML declaration, a white background, the body.
    static func document(width: Int, height: Int, body: [String]) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
        out += "viewBox=\"0 0 \(width) \(height)\">\n"
        out += rect(0, 0, Double(width), Double(height), fill: "#ffffff") + "\n"
        out += body.joined(separator: "\n")
        return out + "\n</svg>\n"
    }
}
