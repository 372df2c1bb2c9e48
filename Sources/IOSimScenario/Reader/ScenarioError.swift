/// Every error the scenario layer reports: where, which key path, what was expected,
/// what was found, and a hint on how to fix it.
public struct ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the problem is; `nil` when it is not tied to a place in a file.
    public var location: SourceLocation?
    /// The path of the offending value, e.g. `"device.latency"` or
    /// `"threads[1].program[3].size"`; `""` for syntax errors.
    public var keyPath: String
    /// What was expected and what was found, e.g.
    /// `expected a duration such as "80us", found 80`.
    public var message: String
    /// An optional suggestion, e.g. `"durations take a unit: ns, us, ms, s"`.
    /// Kept out of `description` so callers can print it on its own line.
    public var hint: String?

    /// Creates an error; see the properties for what each part means.
    public init(location: SourceLocation?, keyPath: String, message: String, hint: String? = nil) {
        self.location = location
        self.keyPath = keyPath
        self.message = message
        self.hint = hint
    }

    /// `"Scenarios/x.json5:12:7: device.latency: expected ..."`.
    ///
    /// The location prefix is omitted when `location` is nil and the key path prefix
    /// when `keyPath` is empty. The hint is not included; read `hint` separately.
    public var description: String {
        var text = ""
        if let location {
            text += location.description
            text += ": "
        }
        if !keyPath.isEmpty {
            text += keyPath
            text += ": "
        }
        text += message
        return text
    }
}
