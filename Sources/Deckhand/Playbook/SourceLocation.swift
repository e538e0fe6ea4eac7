/// Where something was written: a file and a 1-based line and column, as errors print them.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A location for things that come from no file (extra vars, built-in defaults).
    public static func synthetic(_ what: String) -> SourceLocation {
        SourceLocation(file: what, line: 0, column: 0)
    }

    public var description: String {
        line > 0 ? "\(file):\(line):\(column)" : file
    }
}
