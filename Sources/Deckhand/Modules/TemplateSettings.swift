import Foundation
import Jinja

/// How the template module reads a template: Ansible's trim_blocks, lstrip_blocks, the six delimiter strings
/// and newline_sequence, from the task's arguments and then from a `#jinja2:` first line of the template (which
/// may also set Jinja2's line_statement_prefix and line_comment_prefix: Ansible has no arguments for those).
public struct TemplateSettings: Sendable, Hashable {
    public var trimBlocks = true
    public var lstripBlocks = false
    public var delimiters = Delimiters()
    /// What each line of the output ends with: "\n", "\r" or "\r\n".
    public var newlineSequence = "\n"

    public init() {}

    static let arguments: [ArgumentSpec] = [
        ArgumentSpec("trim_blocks", type: .bool, default: .bool(true), doc: "Drop the first newline after a block tag."),
        ArgumentSpec("lstrip_blocks", type: .bool, default: .bool(false), doc: "Strip spaces and tabs before a block tag on its line."),
        ArgumentSpec("newline_sequence", default: .string("\n"), choices: ["\n", "\r", "\r\n", "\\n", "\\r", "\\r\\n"],
                     doc: "What lines of the written file end with (escaped in YAML: '\\r\\n')."),
        ArgumentSpec("block_start_string", default: .string("{%"), doc: "The string that opens a block."),
        ArgumentSpec("block_end_string", default: .string("%}"), doc: "The string that closes a block."),
        ArgumentSpec("variable_start_string", default: .string("{{"), doc: "The string that opens a print statement."),
        ArgumentSpec("variable_end_string", default: .string("}}"), doc: "The string that closes a print statement."),
        ArgumentSpec("comment_start_string", default: .string("{#"), doc: "The string that opens a comment."),
        ArgumentSpec("comment_end_string", default: .string("#}"), doc: "The string that closes a comment."),
        ArgumentSpec("output_encoding", default: .string("utf-8"),
                     doc: "The encoding of the written file, a Python codec name (utf-8, latin-1, cp1252, utf-16...)."),
    ]

    init(_ arguments: ModuleArguments) throws {
        trimBlocks = try arguments.bool("trim_blocks")
        lstripBlocks = try arguments.bool("lstrip_blocks")
        // YAML's '\r\n' (single quotes) is the escaped text: Ansible reads it as the characters it names.
        newlineSequence = try arguments.requiredString("newline_sequence")
            .replacingOccurrences(of: "\\r", with: "\r").replacingOccurrences(of: "\\n", with: "\n")
        delimiters.blockStart = try arguments.requiredString("block_start_string")
        delimiters.blockEnd = try arguments.requiredString("block_end_string")
        delimiters.variableStart = try arguments.requiredString("variable_start_string")
        delimiters.variableEnd = try arguments.requiredString("variable_end_string")
        delimiters.commentStart = try arguments.requiredString("comment_start_string")
        delimiters.commentEnd = try arguments.requiredString("comment_end_string")
    }

    /// `base` (the playbook's template options) read with these settings.
    func options(from base: Options) -> Options {
        var options = base
        options.trimBlocks = trimBlocks
        options.lstripBlocks = lstripBlocks
        options.delimiters = delimiters
        return options
    }

    static let headerPrefix = "#jinja2:"

    /// The settings after a `#jinja2: key: value, ...` first line of `source` (values are Python literals),
    /// and the source without that line; `path` names the template in errors.
    func applyingHeader(of source: String, path: String) throws -> (TemplateSettings, String) {
        guard source.hasPrefix(TemplateSettings.headerPrefix) else { return (self, source) }
        // By scalars: a "\r\n" line end is one Character, which firstIndex(of: "\n") would not find.
        guard let end = source.unicodeScalars.firstIndex(of: "\n") else {
            throw ModuleArgumentError("\(path): Missing newline after '#jinja2:' override (the overrides line comes before the template's text)")
        }
        let scalars = source.unicodeScalars
        let header = String(scalars[scalars.index(scalars.startIndex, offsetBy: TemplateSettings.headerPrefix.count)..<end])
        let body = String(scalars[scalars.index(after: end)...])
        var settings = self
        for pair in header.split(separator: ",", omittingEmptySubsequences: false) {
            guard !pair.allSatisfy(\.isWhitespace) else {
                throw ModuleArgumentError("\(path): Empty '#jinja2:' override pair not allowed (remove the extra comma)")
            }
            let parts = pair.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard parts.count == 2 else {
                throw ModuleArgumentError("\(path): Missing key-value separator `:` in '#jinja2:' override pair '\(pair)'"
                                          + " (write key: value, e.g. #jinja2: trim_blocks: False)")
            }
            try settings.set(parts[0], literal: parts[1], path: path)
        }
        return (settings, body)
    }

    private mutating func set(_ key: String, literal: String, path: String) throws {
        func optionalText() throws -> String? {
            literal == "None" ? nil : try text()
        }
        func text() throws -> String {
            guard literal.count >= 2, let quote = literal.first, quote == "'" || quote == "\"", literal.last == quote else {
                throw ModuleArgumentError("\(path): the jinja2 override \(key) needs a quoted string, got \(literal)")
            }
            return String(literal.dropFirst().dropLast())
                .replacingOccurrences(of: "\\r", with: "\r").replacingOccurrences(of: "\\n", with: "\n")
        }
        func flag() throws -> Bool {
            switch literal {
            case "True": return true
            case "False": return false
            default: throw ModuleArgumentError("\(path): the jinja2 override \(key) needs True or False, got \(literal)")
            }
        }
        switch key {
        case "trim_blocks": trimBlocks = try flag()
        case "lstrip_blocks": lstripBlocks = try flag()
        case "newline_sequence": newlineSequence = try text()
        case "block_start_string": delimiters.blockStart = try text()
        case "block_end_string": delimiters.blockEnd = try text()
        case "variable_start_string": delimiters.variableStart = try text()
        case "variable_end_string": delimiters.variableEnd = try text()
        case "comment_start_string": delimiters.commentStart = try text()
        case "comment_end_string": delimiters.commentEnd = try text()
        case "line_statement_prefix": delimiters.lineStatementPrefix = try optionalText()
        case "line_comment_prefix": delimiters.lineCommentPrefix = try optionalText()
        case "keep_trailing_newline": break
        default:
            throw ModuleArgumentError("\(path): Invalid '#jinja2:' override key '\(key)'; known: trim_blocks, lstrip_blocks,"
                                      + " keep_trailing_newline, newline_sequence, *_start_string, *_end_string, line_statement_prefix,"
                                      + " line_comment_prefix")
        }
    }
}
