import Foundation
import Jinja
import OrderedCollections

/// One setting as Ansible's configuration defines it (a core setting of its base config, or an option of a
/// plugin): where its value may come from and of what type it is. `resolve` finds the value as Ansible's
/// ConfigManager does: given directly, then the task's variables, the environment, the config file, the default.
struct ConfigDefinition: Sendable {
    enum Kind: String, Sendable {
        case string, int, bool, float, list, path, pathspec, pathlist, dict, raw
    }

    var name: String
    var kind: Kind = .string
    /// The default, `nil` for none; a string default may be a template over other core settings
    /// (`{{ ANSIBLE_HOME ~ "/tmp" }}`).
    var defaultValue: Value?
    var env: [String] = []
    /// `(section, key)` entries of the ini file.
    var ini: [(section: String, key: String)] = []
    var vars: [String] = []
    var choices: [String]?
    var required = false

    /// Where a value came from, as Ansible's show_origin names it: "default", "var: name", "env: NAME", the file.
    typealias Resolved = (value: Value, origin: String)

    /// The sources a value is read from; each may be missing.
    struct Sources {
        var direct: [String: Value] = [:]
        var variables: VariableScope?
        var environment: [String: String] = ProcessInfo.processInfo.environment
        var config: AnsibleConfig?
        /// Renders a templated default (the core settings it names are defined through here).
        var renderDefault: (String) throws -> Value = { .string($0) }
    }

    /// `label` names the setting in errors, as Ansible's: `'col' for 'csvfile' lookup plugin`.
    func resolve(from sources: Sources, label: String) throws -> Resolved {
        var found: Resolved?
        if let value = sources.direct[name] { found = (value, "Direct") }
        if found == nil, let scope = sources.variables {
            // As Ansible's _loop_entries: the last entry that is defined wins.
            for variable in vars {
                if let value = try scope.value(named: variable), value != .none { found = (value, "var: \(variable)") }
            }
        }
        if found == nil {
            for variable in env {
                if let value = sources.environment[variable] { found = (.string(value), "env: \(variable)") }
            }
        }
        if found == nil, let config = sources.config, let path = config.path {
            for entry in ini {
                if let value = config.entries[entry.section]?[entry.key] { found = (.string(Self.unquoted(value)), path) }
            }
        }
        guard let chosen = try found ?? defaultResolved(sources, label: label) else {
            throw ConfigError("Required config \(label) not provided.")
        }
        let (raw, origin) = chosen
        let value: Value
        do {
            value = try typed(raw)
        } catch {
            throw ConfigError("Config \(label) from '\(origin)' has an invalid value.")
        }
        if let choices, value != .none {
            let given = value.listItems ?? [value]
            if !given.allSatisfy({ choices.contains($0.displayText) }) {
                throw ConfigError("Invalid value '\(value.displayText)' for config \(label). Valid values are: "
                                  + choices.joined(separator: ", "))
            }
        }
        return (value, origin)
    }

    private func defaultResolved(_ sources: Sources, label: String) throws -> Resolved? {
        if required { return nil }
        // As Ansible's template_default: only a default that is one `{{ ... }}` is a template ('{{' is not).
        guard case .string(let text)? = defaultValue, text.count > 4, text.hasPrefix("{{"), text.hasSuffix("}}") else {
            return (defaultValue ?? .none, "default")
        }
        return (try sources.renderDefault(text), "default")
    }

    struct NotConvertible: Error {}

    /// `value` as this setting's type (Ansible's ensure_type); `.none` stays `.none`.
    func typed(_ value: Value) throws -> Value {
        if value == .none { return value }
        switch kind {
        case .bool:
            if case .bool = value { return value }
            return .bool(["y", "yes", "on", "1", "true", "t", "1.0"].contains(value.displayText.lowercased()))
        case .int:
            switch value {
            case .int: return value
            case .bool(let flag): return .int(flag ? 1 : 0)
            case .double(let number) where number == number.rounded(): return .int(Int(number))
            case .string(let text):
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                if let number = Int(trimmed) { return .int(number) }
                if let number = Double(trimmed), number == number.rounded(), number.isFinite { return .int(Int(number)) }
                throw NotConvertible()
            default: throw NotConvertible()
            }
        case .float:
            if case .double = value { return value }
            if case .int(let number) = value { return .double(Double(number)) }
            guard case .string(let text) = value, let number = Double(text) else { throw NotConvertible() }
            return .double(number)
        case .list:
            if case .list = value { return value }
            guard case .string(let text) = value else { throw NotConvertible() }
            return .list(text.split(separator: ",", omittingEmptySubsequences: false)
                .map { .string(Self.unquoted($0.trimmingCharacters(in: .whitespaces))) })
        case .path:
            guard case .string(let text) = value else { throw NotConvertible() }
            return .string(Self.resolvedPath(text))
        case .pathspec, .pathlist:
            let items: [String]
            switch value {
            case .list(let list): items = list.map(\.displayText)
            case .string(let text):
                items = kind == .pathspec ? text.split(separator: ":").map(String.init)
                    : text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            default: throw NotConvertible()
            }
            return .list(items.map { .string(Self.resolvedPath($0)) })
        case .dict:
            guard case .dict = value else { throw NotConvertible() }
            return value
        case .string:
            switch value {
            case .string, .int, .bool, .double: return value.isString ? value : .string(value.displayText)
            default: throw NotConvertible()
            }
        case .raw:
            return value
        }
    }

    /// `~` and environment variables expanded, made absolute from the current folder.
    static func resolvedPath(_ text: String) -> String {
        var path = (text as NSString).expandingTildeInPath
        if path.contains("$") {
            for (name, value) in ProcessInfo.processInfo.environment {
                path = path.replacingOccurrences(of: "${\(name)}", with: value).replacingOccurrences(of: "$\(name)", with: value)
            }
        }
        if !path.hasPrefix("/") { path = (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path) }
        return (path as NSString).standardizingPath
    }

    /// Without one pair of surrounding quotes, as Ansible's unquote.
    static func unquoted(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first else { return text }
        return String(text.dropFirst().dropLast())
    }
}

/// A setting that cannot be read: the lookup (and the task) fails with Ansible's message.
struct ConfigError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Value {
    fileprivate var isString: Bool {
        if case .string = self { return true }
        return false
    }

    fileprivate var listItems: [Value]? {
        if case .list(let items) = self { return items }
        return nil
    }
}
