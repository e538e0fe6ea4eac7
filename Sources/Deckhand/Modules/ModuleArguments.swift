import Foundation
import Jinja
import OrderedCollections

/// A module's arguments after templating, normalised by its spec: every alias folded onto the argument's own
/// name, every default filled in, every choice and single-line field checked. So a module reads canonical
/// names only and never restates a default, an alias or a choice list; the spec is the one place for them.
public struct ModuleArguments: Sendable {
    public private(set) var values: OrderedDictionary<String, Value>

    /// Reads `given` (a task's rendered arguments, module_defaults first) through `spec`; `task` names the task
    /// in errors.
    public init(_ given: OrderedDictionary<String, Value>, spec: ModuleSpec, task: String? = nil) throws {
        let place = task.map { " in task '\($0)'" } ?? ""
        /// The argument `key` is another name of (an alias, or free-form text given as `_raw_params`).
        func aliased(_ key: String) -> String? {
            if let argument = spec.argument(named: key) { return argument.name == key ? nil : argument.name }
            return key == "_raw_params" ? spec.freeFormArgument : nil
        }
        var values = OrderedDictionary<String, Value>()
        // As Ansible's _handle_aliases: an alias given beside the argument's own name wins.
        for (key, value) in given where aliased(key) == nil { values[key] = value }
        for (key, value) in given { if let name = aliased(key) { values[name] = value } }
        for argument in spec.arguments {
            // An argument the module evaluates itself keeps an empty value: assert's `that:` with nothing is
            // "Empty conditional expressions are not allowed", as ansible-core says.
            if values[argument.name] == .some(.none), !argument.unrendered { values.removeValue(forKey: argument.name) }
            guard let value = values[argument.name] else {
                if let fallback = argument.defaultValue {
                    values[argument.name] = fallback
                } else if argument.required {
                    throw ModuleArgumentError("'\(spec.name)' needs the argument '\(argument.name)'\(place)")
                }
                continue
            }
            if !argument.choices.isEmpty {
                guard let text = value.choiceText, argument.choices.contains(text) else {
                    let hint = value.choiceText.flatMap { Suggestion.nearest($0, in: argument.choices) }
                    throw ModuleArgumentError("argument '\(argument.name)' of '\(spec.name)'\(place) must be one of "
                        + argument.choices.joined(separator: ", ") + ", not '\(value.shortText)'"
                        + (hint.map { " (did you mean '\($0)'?)" } ?? ""))
                }
                values[argument.name] = .string(text)
            }
            // Each such argument becomes one line of a file (a crontab entry, a passwd field): a line break
            // there would add a line the task never declared, e.g. a second root cron job.
            if argument.singleLine, case .string(let text) = value, text.contains(where: { $0.isNewline || $0 == "\0" }) {
                throw ModuleArgumentError("argument '\(argument.name)' of '\(spec.name)'\(place) must be a single line, "
                    + "but it holds a line break: remove it (a newline here would start another entry in the file)")
            }
        }
        self.values = values
    }

    /// The value of the argument called `name`, nil when it is not set.
    public func value(_ name: String) -> Value? {
        guard let value = values[name], value != .none else { return nil }
        return value
    }

    /// The value of an argument the spec requires or gives a default, so it is always set.
    public func requiredValue(_ name: String) throws -> Value {
        guard let value = value(name) else { throw ModuleArgumentError("missing required argument: \(name)") }
        return value
    }

    public func has(_ name: String) -> Bool { value(name) != nil }

    public func string(_ name: String) throws -> String? {
        try value(name).map { try Self.text($0, name) }
    }

    /// An argument the spec requires or gives a default, so it is always set.
    public func requiredString(_ name: String) throws -> String {
        try Self.text(requiredValue(name), name)
    }

    /// Ansible's booleans: yes/no, true/false, on/off, 1/0, in any case. Unset is false, as Ansible's None.
    public func bool(_ name: String) throws -> Bool {
        try optionalBool(name) ?? false
    }

    /// A boolean whose absence means "leave it as it is" (service's enabled).
    public func optionalBool(_ name: String) throws -> Bool? {
        guard let value = value(name) else { return nil }
        switch value {
        case .bool(let flag): return flag
        case .int(let number) where number == 0 || number == 1: return number == 1
        case .string(let text):
            switch text.lowercased() {
            case "yes", "true", "on", "1", "y", "t": return true
            case "no", "false", "off", "0", "n", "f": return false
            default: break
            }
        default: break
        }
        throw ModuleArgumentError("argument \(name) must be a boolean (yes/no, true/false), got \(value.shortText)")
    }

    public func int(_ name: String) throws -> Int? {
        guard let value = value(name) else { return nil }
        switch value {
        case .int(let number): return number
        case .string(let text) where Int(text.trimmed) != nil: return Int(text.trimmed)
        default: throw ModuleArgumentError("argument \(name) must be an integer, got \(value.shortText)")
        }
    }

    /// An integer the spec gives a default, so it is always set.
    public func requiredInt(_ name: String) throws -> Int {
        guard let number = try int(name) else { throw ModuleArgumentError("missing required argument: \(name)") }
        return number
    }

    /// A list argument: a YAML list, or a comma-separated string as Ansible accepts.
    public func list(_ name: String) throws -> [String]? {
        guard let value = value(name) else { return nil }
        switch value {
        case .list(let items):
            return try items.map { item in item == .none ? "" : try Self.text(item, name) }
        case .string(let text):
            return text.split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
        case .int, .double, .bool:
            // Ansible's list type takes a lone number as a list of one (`status_code: 200`).
            return [try Self.text(value, name)]
        default:
            throw ModuleArgumentError("argument \(name) must be a list, got \(value.shortText)")
        }
    }

    /// A list the spec requires or gives a default, so it is always set.
    public func requiredList(_ name: String) throws -> [String] {
        guard let items = try list(name) else { throw ModuleArgumentError("missing required argument: \(name)") }
        return items
    }

    private static func text(_ value: Value, _ name: String) throws -> String {
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return flag ? "True" : "False"
        default:
            throw ModuleArgumentError("argument \(name) must be a string, got \(value.typeName)")
        }
    }
}

extension Module {
    /// The module for a task's rendered arguments, read through its spec first (see `ModuleArguments`).
    public static func make(_ arguments: OrderedDictionary<String, Value>, task: String? = nil) throws -> Self {
        try Self(ModuleArguments(arguments, spec: spec, task: task))
    }
}

/// A wrong argument: its name, what was wrong, and what is expected.
public struct ModuleArgumentError: Error, CustomStringConvertible, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

extension Value {
    /// How errors name the type: Python's names, as Ansible users know them.
    var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .list: return "list"
        case .dict: return "dict"
        default: return "object"
        }
    }

    /// A short rendering for messages.
    var shortText: String {
        let text = displayText
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    /// The value as text the way Ansible prints it in output (strings bare, containers as JSON).
    var displayText: String {
        switch self {
        case .string(let text): return text
        case .none: return ""
        default: return jsonText
        }
    }

    /// JSON text of the value.
    var jsonText: String {
        switch self {
        case .none: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return number.isFinite ? String(number) : "null"
        case .string(let text): return Value.jsonQuoted(text)
        case .list(let items): return "[" + items.map(\.jsonText).joined(separator: ", ") + "]"
        case .dict(let dict):
            return "{" + dict.map { Value.jsonQuoted($0.key) + ": " + $0.value.jsonText }.joined(separator: ", ") + "}"
        default: return Value.jsonQuoted("\(self)")
        }
    }

    static func jsonQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
