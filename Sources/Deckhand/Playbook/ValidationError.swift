/// A mistake found in a playbook, role, task file or inventory before anything runs.
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    /// What is wrong, e.g. "unknown task keyword 'whn'".
    public var message: String
    /// The text as written (a key, a value, a module name), when there is one.
    public var offendingText: String?
    /// The nearest known name, for "did you mean".
    public var suggestion: String?
    /// The line of the file the location points into, for showing it with a caret under the column.
    public var sourceLine: String?

    public init(_ message: String, at location: SourceLocation, offendingText: String? = nil,
                suggestion: String? = nil) {
        self.location = location
        self.message = message
        self.offendingText = offendingText
        self.suggestion = suggestion
    }

    public var description: String {
        var text = "\(location): \(message)"
        if let suggestion { text += " (did you mean '\(suggestion)'?)" }
        return text
    }

    /// The description, then the source line with a caret under the column (when the line is known).
    public var descriptionWithSource: String {
        guard let sourceLine, location.column > 0 else { return description }
        let caret = String(repeating: " ", count: max(0, location.column - 1)) + "^"
        return description + "\n    " + sourceLine + "\n    " + caret
    }
}

/// All the mistakes found while loading; thrown when there is at least one.
public struct ValidationErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ValidationError]

    public init(_ errors: [ValidationError]) {
        self.errors = errors
    }

    public var description: String {
        let count = errors.count == 1 ? "1 error" : "\(errors.count) errors"
        let files = Set(errors.map(\.location.file)).count
        let where_ = files == 1 ? "" : " in \(files) files"
        return "\(count) found\(where_); nothing was run:\n" + errors.map { "  " + $0.descriptionWithSource.replacingOccurrences(of: "\n", with: "\n  ") }
            .joined(separator: "\n")
    }
}
