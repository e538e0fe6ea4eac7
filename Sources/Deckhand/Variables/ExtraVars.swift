import Foundation
import Jinja
import OrderedCollections

/// `-e`/`--extra-vars` for `run`, `template` and the verbs, read as ansible-playbook reads them: `k=v k2="v 2"`
/// words (strings, split as a task's key=value arguments), `@vars.yml` or `@vars.json` (a file, relative to the
/// current folder), or inline JSON/YAML `{"k": 1}`. Later arguments win, key by key.
public enum ExtraVars {
    /// Merges every `-e` argument in order; `@file` paths are relative to `directory`.
    public static func parse(_ arguments: [String],
                             relativeTo directory: String = FileManager.default.currentDirectoryPath)
        throws -> OrderedDictionary<String, Value> {
        var vars = OrderedDictionary<String, Value>()
        for argument in arguments {
            for (key, value) in try parse(argument, relativeTo: directory) { vars[key] = value }
        }
        return vars
    }

    static func parse(_ argument: String, relativeTo directory: String) throws -> OrderedDictionary<String, Value> {
        let text = argument.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return [:] }
        if text.hasPrefix("@") { return try file(String(text.dropFirst()), relativeTo: directory) }
        if text.hasPrefix("/") || text.hasPrefix(".") {
            throw ExtraVarsError("-e \(text): a file needs an @ in front (-e @\(text)), as with ansible-playbook")
        }
        if text.hasPrefix("{") || text.hasPrefix("[") || text.hasPrefix("---") {
            return try mapping(text, source: "'\(text)'", path: "-e")
        }
        return try keyValues(text)
    }

    private static func file(_ name: String, relativeTo directory: String) throws -> OrderedDictionary<String, Value> {
        let path = name.hasPrefix("/") ? name : (directory as NSString).appendingPathComponent(name)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ExtraVarsError("-e @\(name): no such file (looked for \(path))")
        }
        guard !isFolder.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw ExtraVarsError("-e @\(name): cannot read \(path): "
                + (isFolder.boolValue ? "it is a folder; name a YAML or JSON file" : "check its permissions"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ExtraVarsError("-e @\(name): \(path) is not UTF-8 text; -e @ reads YAML or JSON")
        }
        return try mapping(text, source: "@\(name)", path: path)
    }

    /// A YAML (or JSON, which YAML reads) document that must be a mapping; an empty one is no variables.
    private static func mapping(_ text: String, source: String, path: String) throws -> OrderedDictionary<String, Value> {
        let document: YAMLDocument
        do {
            document = try YAMLDocument.parse(text, path: path)
        } catch let error as ValidationError {
            let place = error.location.line > 0 ? " (\(path == "-e" ? "column \(error.location.column)" : "\(error.location)"))" : ""
            throw ExtraVarsError("-e \(source)\(place): \(error.message)")
        }
        guard let root = document.root else { return [:] }
        switch YAMLDocument.value(of: root) {
        case .dict(let vars): return vars
        case .none: return [:]
        case let other:
            throw ExtraVarsError("-e \(source) must be a mapping of variable names to values, not a "
                + other.validationKindName)
        }
    }

    private static func keyValues(_ text: String) throws -> OrderedDictionary<String, Value> {
        let parsed: KeyValueArguments.Parsed
        do {
            parsed = try KeyValueArguments.parse(text)
        } catch {
            throw ExtraVarsError("-e '\(text)': a quote is not closed")
        }
        if let stray = parsed.freeForm {
            throw ExtraVarsError("-e '\(text)': '\(stray)' is not key=value (nor @file or {json}); "
                + "a key is a variable name: letters, digits and _")
        }
        var vars = OrderedDictionary<String, Value>()
        for (key, value) in parsed.pairs {
            TrustedText.record(value)
            vars[key] = .string(value)
        }
        return vars
    }
}

/// A bad `-e` argument.
public struct ExtraVarsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
