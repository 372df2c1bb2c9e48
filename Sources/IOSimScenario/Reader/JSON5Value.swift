/// A parsed JSON5 value with the location of its first character.
public struct JSON5Value: Sendable {
    /// What the value is. Containers hold their children in source order.
    public enum Kind: Sendable {
        /// `null`
        case null
        /// `true` or `false`
        case bool(Bool)
        /// Any number literal, including hex, `Infinity` and `NaN`.
        case number(JSON5Number)
        /// A string with all escapes decoded.
        case string(String)
        /// `[ ... ]` in source order.
        case array([JSON5Value])
        /// `{ ... }` in source order (an array, so iteration order is deterministic).
        case object([JSON5Member])

        /// A short name of the kind for error messages: "null", "a boolean",
        /// "a number", "a string", "an array" or "an object".
        public var name: String {
            switch self {
            case .null: return "null"
            case .bool: return "a boolean"
            case .number: return "a number"
            case .string: return "a string"
            case .array: return "an array"
            case .object: return "an object"
            }
        }
    }

    /// The value itself.
    public var kind: Kind
    /// Where the value's first character is (the quote, the sign, the bracket...).
    public var location: SourceLocation

    /// Creates a value at a location.
    public init(kind: Kind, location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    /// A short rendering for "found ..." in error messages: the number's literal text,
    /// a quoted string (shortened if long), `true`, `null`, or "an array"/"an object".
    public var briefDescription: String {
        switch kind {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.text
        case .string(let s): return JSON5Text.quoted(s)
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The first member named `key` when this value is an object; nil otherwise.
    /// Keys are unique within an object (the reader rejects duplicates).
    public func member(_ key: String) -> JSON5Member? {
        guard case .object(let members) = kind else { return nil }
        for member in members where member.key == key { return member }
        return nil
    }
}

/// One `key: value` pair of an object.
public struct JSON5Member: Sendable {
    /// The decoded key.
    public var key: String
    /// Where the key's first character (or its opening quote) is.
    public var keyLocation: SourceLocation
    /// The member's value.
    public var value: JSON5Value

    /// Creates a member.
    public init(key: String, keyLocation: SourceLocation, value: JSON5Value) {
        self.key = key
        self.keyLocation = keyLocation
        self.value = value
    }
}

/// A number literal. The literal text is kept so integers stay exact: there is no
/// `Double` round trip for values like 9007199254740993.
public struct JSON5Number: Sendable {
    /// The literal as written, including any sign, e.g. `"+0x1F"`, `".5"`, `"-Infinity"`.
    public var text: String
    /// The nearest `Double` (±infinity when out of range, NaN for `NaN`).
    public var doubleValue: Double
    /// The exact value when it is a mathematical integer within `Int64`
    /// (`"3"`, `"1.0"`, `"2e3"`, `"0x10"`), nil otherwise (`"1.5"`, `"1e400"`, `"NaN"`).
    public var int64Value: Int64?

    /// Creates a number; callers normally get these from `JSON5Reader`.
    public init(text: String, doubleValue: Double, int64Value: Int64?) {
        self.text = text
        self.doubleValue = doubleValue
        self.int64Value = int64Value
    }
}
