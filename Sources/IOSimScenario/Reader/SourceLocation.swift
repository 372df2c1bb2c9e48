/// A position in a source file.
///
/// `line` is 1-based and counts LF (`\n`) bytes: a `\r\n` ending is one line break,
/// and a lone `\r` or U+2028/U+2029 does not start a new line.
/// `column` is 1-based and counts **bytes** after the last LF, plus one: a column
/// therefore points at the first byte of a UTF-8 sequence, the way most editors' and
/// compilers' "byte column" does. A UTF-8 byte order mark at the start of the file is
/// not counted. Bytes were chosen over Unicode scalars because they are cheap to
/// track while scanning and unambiguous for any input, even invalid UTF-8.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file name as given to the reader, e.g. `"Scenarios/x.json5"`.
    public var file: String
    /// The 1-based line number.
    public var line: Int
    /// The 1-based byte column (see the type's documentation).
    public var column: Int

    /// Creates a location; `line` and `column` are 1-based.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `"file:line:column"`, the form editors and terminals turn into links.
    public var description: String { "\(file):\(line):\(column)" }
}
