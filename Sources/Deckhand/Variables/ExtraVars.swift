import Foundation
import Jinja
import OrderedCollections

/// `-e`/`--extra-vars` values: `k=v k2="v 2"`, `@vars.yml`, or inline JSON/YAML `{"k": 1}`; later ones win.
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
        if text.hasPrefix("@") {
            let name = String(text.dropFirst())
            let path = name.hasPrefix("/") ? name : (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else {
                throw ExtraVarsError("-e @\(name): no such file (looked for \(path))")
            }
            return try VariablesFile.read(path: path)
        }
        if text.hasPrefix("{") || text.hasPrefix("---") {
            let document: YAMLDocument
            do {
                document = try YAMLDocument.parse(text, path: "-e")
            } catch let error as ValidationError {
                throw ExtraVarsError("-e '\(text)' is not valid JSON/YAML: \(error.message)")
            }
            guard let root = document.root, case .dict(let vars) = YAMLDocument.value(of: root) else {
                throw ExtraVarsError("-e '\(text)' must be a mapping of names to values")
            }
            return vars
        }
        let parsed: KeyValueArguments.Parsed
        do {
            parsed = try KeyValueArguments.parse(text)
        } catch {
            throw ExtraVarsError("-e '\(text)': a quote is not closed")
        }
        if let stray = parsed.freeForm {
            throw ExtraVarsError("-e '\(stray)' is not key=value, @file or {json}")
        }
        var vars = OrderedDictionary<String, Value>()
        for (key, value) in parsed.pairs { vars[key] = .string(value) }
        return vars
    }
}

/// A bad `-e` argument.
public struct ExtraVarsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
