import Foundation
import Jinja
import OrderedCollections

/// Ansible's ArgumentSpecValidator over a spec written as data (a role's `argument_specs` options, or
/// validate_argument_spec's `argument_spec`): the error messages ansible-core 2.21 gives, in its order —
/// missing required ones, then types, then choices, then nested options, then unknown names.
/// Module specs are declared in Swift (`ArgumentValidator`); these come from the user's YAML, with Ansible's
/// conversions (an int from "42", a list from "a,b") and wording.
struct ArgumentSpecCheck {
    private(set) var errors: [String] = []
    /// Unknown names, with the path to them (`a.b.c`), and the names their level supports.
    private var unsupported: [(path: String, supported: [String], aliases: [String])] = []

    /// The messages for `parameters` against `spec` (option name -> its description); empty when they pass.
    static func errors(spec: OrderedDictionary<String, Value>, parameters: OrderedDictionary<String, Value>) -> [String] {
        var check = ArgumentSpecCheck()
        check.validate(spec: spec, parameters: parameters, context: [])
        if !check.unsupported.isEmpty {
            let names = check.unsupported.map(\.path).sorted().joined(separator: ", ")
            let last = check.unsupported[check.unsupported.count - 1]
            var supported = last.supported.sorted().joined(separator: ", ")
            if !last.aliases.isEmpty { supported += " (\(last.aliases.sorted().joined(separator: ", ")))" }
            check.errors.append("\(names). Supported parameters include: \(supported).")
        }
        return check.errors
    }

    private mutating func validate(spec: OrderedDictionary<String, Value>, parameters given: OrderedDictionary<String, Value>,
                                   context: [String]) {
        var parameters = given
        let found = context.isEmpty ? "" : " found in \(context.joined(separator: " -> "))"
        let foundQuoted = context.isEmpty ? "" : " found in '\(context.joined(separator: " -> "))'."
        var aliases: [String] = []
        for (name, option) in spec {
            for alias in Self.strings(Self.field(option, "aliases")) {
                aliases.append(alias)
                if parameters[name] == nil, let value = parameters[alias] { parameters[name] = value }
            }
        }
        for key in given.keys where spec[key] == nil && !aliases.contains(key) {
            unsupported.append(((context + [key]).joined(separator: "."), Array(spec.keys), aliases))
        }
        // ansible-core lists no_log values first, reading a dict option with suboptions given as text on the way:
        // text that is no dict is reported there, bare, before every other check.
        if context.isEmpty {
            for (name, option) in spec where Self.field(option, "options") != nil && Self.field(option, "type")?.choiceText == "dict" {
                guard case .string(let text)? = parameters[name] else { continue }
                do { _ = try Self.dictionary(from: text) } catch { errors.append("\(error)") }
            }
        }
        // As `_set_defaults(..., False)`: a default other than null is set before the checks, so it is checked too
        // (the role's variables are not changed).
        for (name, option) in spec where parameters[name] == nil {
            if let fallback = Self.field(option, "default"), fallback != .none { parameters[name] = fallback }
        }
        let missing = spec.filter { option in Self.field(option.value, "required")?.isTruthy == true && parameters[option.key] == nil }
        if !missing.isEmpty {
            errors.append("missing required arguments: \(missing.keys.sorted().joined(separator: ", "))\(found)")
        }
        for (name, option) in spec {
            // As `_validate_argument_types`: a null is checked only when the option is required or has a default.
            guard let value = parameters[name], value != .none || Self.field(option, "required")?.isTruthy == true
                    || (Self.field(option, "default") ?? .none) != .none else { continue }
            let wanted = Self.field(option, "type")?.choiceText ?? "str"
            do {
                parameters[name] = try Self.convert(value, to: wanted)
            } catch {
                errors.append("argument '\(name)' is of type \(value.pythonTypeName)\(foundQuoted) and we were unable to "
                              + "convert to \(wanted): \(error)")
                continue
            }
            if wanted == "list", let elements = Self.field(option, "elements")?.choiceText, case .list(let items)? = parameters[name] {
                var converted: [Value] = []
                for item in items {
                    do {
                        converted.append(try Self.convert(item, to: elements))
                    } catch {
                        errors.append("Elements value for option '\(name)'\(found.isEmpty ? "" : " found in '\(context.joined(separator: " -> "))'")"
                                      + " is of type \(item.pythonTypeName) and we were unable to convert to \(elements): \(error)")
                        converted.append(item)
                    }
                }
                parameters[name] = .list(converted)
            }
        }
        for (name, option) in spec {
            guard case .list(let choices)? = Self.field(option, "choices"), let value = parameters[name] else { continue }
            let allowed = choices.map { $0.displayText }
            if case .list(let items) = value {
                let unknown = items.map { $0.displayText }.filter { !allowed.contains($0) }
                if !unknown.isEmpty {
                    errors.append("value of \(name) must be one or more of: \(allowed.joined(separator: ", ")). "
                                  + "Got no match for: \(unknown.joined(separator: ", "))\(found)")
                }
            } else if value == .none || !allowed.contains(value.displayText) {
                let got = value == .none ? "None" : value.displayText
                errors.append("value of \(name) must be one of: \(allowed.joined(separator: ", ")), got: \(got)\(found)")
            }
        }
        for (name, option) in spec {
            guard case .dict(let options)? = Self.field(option, "options"), let value = parameters[name], value != .none else { continue }
            switch value {
            case .dict(let nested):
                validate(spec: options, parameters: nested, context: context + [name])
            case .list(let items):
                for item in items {
                    if case .dict(let nested) = item {
                        validate(spec: options, parameters: nested, context: context + [name])
                    } else {
                        errors.append("value of '\(name)' must be of type dict or list of dicts")
                    }
                }
            default:
                errors.append("value of '\(name)' must be of type dict or list of dicts")
            }
        }
    }

    /// The entry `key` of an option's description.
    private static func field(_ option: Value, _ key: String) -> Value? {
        if case .dict(let entries) = option { return entries[key] }
        return nil
    }

    private static func strings(_ value: Value?) -> [String] {
        if case .list(let items)? = value { return items.compactMap(\.choiceText) }
        return []
    }

    /// A conversion that failed, in the words of Ansible's `check_type_*`.
    struct ConversionError: Error, CustomStringConvertible {
        var description: String
    }

    /// `value` as the option's type wants it (Ansible's `check_type_*`), or why it cannot be.
    static func convert(_ value: Value, to type: String) throws -> Value {
        let cannot = { (article: String, what: String) in
            ConversionError(description: "\(value.pythonClassName) cannot be converted to \(article) \(what)")
        }
        switch type {
        case "str", "path":
            if case .string = value { return value }
            if value == .none { return .string("") }
            return .string(value.displayText)
        case "int":
            switch value {
            case .int: return value
            case .bool(let flag): return .int(flag ? 1 : 0)
            case .double(let number) where number.rounded() == number && number.isFinite: return .int(Int(number))
            case .string(let text):
                if let number = Int(text.trimmingCharacters(in: .whitespaces)) { return .int(number) }
                if let number = Double(text.trimmingCharacters(in: .whitespaces)), number.rounded() == number,
                   number.isFinite { return .int(Int(number)) }
            default: break
            }
            throw ConversionError(description: "\"\(value.pythonRepr)\" cannot be converted to an int")
        case "float":
            switch value {
            case .double: return value
            case .int(let number): return .double(Double(number))
            case .bool(let flag): return .double(flag ? 1 : 0)
            case .string(let text): if let number = Double(text.trimmingCharacters(in: .whitespaces)) { return .double(number) }
            default: break
            }
            throw cannot("a", "float")
        case "bool":
            switch value {
            case .bool: return value
            case .int(let number) where number == 0 || number == 1: return .bool(number == 1)
            case .double(let number) where number == 0 || number == 1: return .bool(number == 1)
            case .string(let text):
                switch text.lowercased() {
                case "y", "yes", "on", "1", "true", "t": return .bool(true)
                case "n", "no", "off", "0", "false", "f": return .bool(false)
                default: break
                }
            case .int, .double: break
            default: throw cannot("a", "bool")
            }
            throw ConversionError(description: "The value '\(value.displayText)' is not a valid boolean. Valid booleans include: "
                                  + "0, 1, '0', 'y', 'n', 'off', 't', 'true', 'on', 'false', 'yes', 'f', 'no', '1'")
        case "list":
            switch value {
            case .list: return value
            case .string(let text): return .list(text.split(separator: ",", omittingEmptySubsequences: false).map { .string(String($0)) })
            case .int, .double, .bool: return .list([.string(value.pythonRepr)])
            default: throw cannot("a", "list")
            }
        case "dict":
            switch value {
            case .dict: return value
            case .string(let text): return try dictionary(from: text)
            default: throw cannot("a", "dict")
            }
        case "bytes", "bits":
            if isHumanSize(value, bits: type == "bits") { return value }
            throw cannot("a", type == "bits" ? "Bit value" : "Byte value")
        default:
            // raw, json, jsonarg and the rest: taken as given.
            return value
        }
    }

    /// What Ansible's `human_to_bytes` reads: a number, or a number and a unit (`10M`, `1.5 GB`; bits: `8Mb`).
    private static func isHumanSize(_ value: Value, bits: Bool) -> Bool {
        switch value {
        case .int, .double: return true
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            let number = trimmed.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, Double(number) != nil else { return false }
            let unit = trimmed.dropFirst(number.count).trimmingCharacters(in: .whitespaces)
            guard let first = unit.first else { return true }
            guard "BKMGTPEZY".contains(first.uppercased()) else { return false }
            let rest = unit.dropFirst()
            if first.uppercased() == "B" { return rest.isEmpty && (bits ? first == "b" : first == "B") }
            return rest.isEmpty || rest == (bits ? "b" : "B")
        default: return false
        }
    }

    /// Ansible's `check_type_dict` for text: JSON when it starts with `{`, else `key=value` pairs.
    private static func dictionary(from text: String) throws -> Value {
        if text.hasPrefix("{") {
            if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)), object is [String: Any] {
                return UriModule.value(object)
            }
            throw ConversionError(description: "unable to evaluate string as dictionary")
        }
        guard text.contains("=") else {
            throw ConversionError(description: "dictionary requested, could not parse JSON or key=value")
        }
        var result = OrderedDictionary<String, Value>()
        for field in text.split(whereSeparator: { $0 == "," || $0 == " " }) {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw ConversionError(description: "unable to evaluate string in the \"key=value\" format as dictionary")
            }
            result[String(parts[0])] = .string(String(parts[1]))
        }
        return .dict(result)
    }
}

extension Value {
    /// The class a value read from YAML has in ansible-core 2.21 (its data is tagged with where it came from).
    var pythonClassName: String {
        let tagged = "ansible.module_utils._internal._datatag._AnsibleTagged"
        switch self {
        case .none: return "<class 'NoneType'>"
        case .bool: return "<class 'bool'>"
        case .int: return "<class '\(tagged)Int'>"
        case .double: return "<class '\(tagged)Float'>"
        case .string: return "<class '\(tagged)Str'>"
        case .list: return "<class '\(tagged)List'>"
        case .dict: return "<class '\(tagged)Dict'>"
        default: return "<class 'object'>"
        }
    }

    /// Python's `repr` of a scalar ('text', 7, 1.5, True).
    var pythonRepr: String {
        switch self {
        case .string(let text): return "'\(text)'"
        case .bool(let flag): return flag ? "True" : "False"
        case .none: return "None"
        default: return displayText
        }
    }
}
