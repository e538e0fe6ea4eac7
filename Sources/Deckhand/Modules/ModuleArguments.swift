import Foundation
import Jinja
import OrderedCollections

/// A module's arguments after templating, read through typed accessors that name the argument on error.
public struct ModuleArguments: Sendable {
    public var values: OrderedDictionary<String, Value>

    public init(_ values: OrderedDictionary<String, Value>) {
        self.values = values
    }

    /// The first of `names` present (the argument, then its aliases).
    public func raw(_ names: [String]) -> (String, Value)? {
        for name in names {
            if let value = values[name], value != .none { return (name, value) }
        }
        return nil
    }

    public func has(_ names: String...) -> Bool { raw(names) != nil }

    public func string(_ names: String...) throws -> String? {
        guard let (name, value) = raw(names) else { return nil }
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return flag ? "True" : "False"
        default:
            throw ModuleArgumentError("argument \(name) must be a string, got \(value.typeName)")
        }
    }

    public func requiredString(_ names: String...) throws -> String {
        guard let (name, value) = raw(names) else {
            throw ModuleArgumentError("missing required argument: \(names[0])")
        }
        return try ModuleArguments([name: value]).string(name) ?? ""
    }

    /// Ansible's booleans: yes/no, true/false, on/off, 1/0, in any case.
    public func bool(_ names: String..., default fallback: Bool) throws -> Bool {
        guard let (name, value) = raw(names) else { return fallback }
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

    public func int(_ names: String...) throws -> Int? {
        guard let (name, value) = raw(names) else { return nil }
        switch value {
        case .int(let number): return number
        case .string(let text) where Int(text.trimmed) != nil: return Int(text.trimmed)
        default: throw ModuleArgumentError("argument \(name) must be an integer, got \(value.shortText)")
        }
    }

    /// A list argument: a YAML list, or a comma-separated string as Ansible accepts.
    public func list(_ names: String...) throws -> [String]? {
        guard let (name, value) = raw(names) else { return nil }
        switch value {
        case .list(let items):
            return try items.map { item in
                guard let text = try ModuleArguments(["item": item]).string("item") else { return "" }
                return text
            }
        case .string(let text):
            return text.split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
        default:
            throw ModuleArgumentError("argument \(name) must be a list, got \(value.shortText)")
        }
    }

    /// One of a fixed set of words.
    public func choice(_ name: String, _ choices: [String], default fallback: String?) throws -> String? {
        guard let text = try string(name) else { return fallback }
        guard choices.contains(text) else {
            throw ModuleArgumentError("argument \(name) must be one of \(choices.joined(separator: ", ")), got \(text)")
        }
        return text
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
