import Jinja
import OrderedCollections

/// One thing wrong with a task's arguments: deckhand's words for the load-time error, and Ansible's for the
/// failed result when the task fails at run time instead (module argument validation's wording).
struct ArgumentProblem {
    var argument: String?
    var message: String
    var suggestion: String?
    var ansibleMessage: String
}

/// Checks module arguments against the module's declaration: names, types, choices, required ones.
/// Values that are templates are checked at run time (their type is unknown until rendered).
enum ArgumentValidator {
    static func validate(_ arguments: OrderedDictionary<String, Value>, spec: ModuleSpec, checkRequired: Bool,
                         defaults: Value? = nil, checkTypes: Bool = true) -> [ArgumentProblem] {
        var problems: [ArgumentProblem] = []
        var given = Set<String>()
        var unknown: [String] = []
        // Arguments a template gives at run time are checked then, the required ones included.
        let checkRequired = checkRequired && arguments[ModuleCall.variableArguments] == nil
        for (key, value) in arguments where key != ModuleCall.variableArguments {
            guard let argument = spec.argument(named: key) else {
                if spec.acceptsAnyArguments || key == spec.freeFormArgument || (key == "_raw_params" && spec.freeFormArgument != nil) {
                    continue
                }
                unknown.append(key)
                let names = spec.arguments.flatMap { [$0.name] + $0.aliases }
                problems.append(ArgumentProblem(argument: key, message: "'\(spec.name)' has no argument '\(key)'",
                                                suggestion: Suggestion.nearest(key, in: names), ansibleMessage: ""))
                continue
            }
            given.insert(argument.name)
            if checkTypes, let problem = typeProblem(value, argument) {
                let message = "argument '\(key)' of '\(spec.name)' \(problem)"
                problems.append(ArgumentProblem(argument: key, message: message, ansibleMessage: message))
            }
        }
        if !unknown.isEmpty {
            let ansible = spec.ansibleMessage(.unsupported(unknown))
            for index in problems.indices where problems[index].ansibleMessage.isEmpty {
                problems[index].ansibleMessage = ansible
            }
        }
        if let freeForm = spec.freeFormArgument, arguments[freeForm] != nil || arguments["_raw_params"] != nil {
            given.insert(freeForm)
        }
        if case .dict(let defaults) = defaults {
            for key in defaults.keys { if let argument = spec.argument(named: key) { given.insert(argument.name) } }
        }
        guard checkRequired else { return problems }
        let missing = spec.arguments.filter { $0.required && !given.contains($0.name) }.map(\.name)
        for name in missing {
            problems.append(ArgumentProblem(argument: nil, message: "'\(spec.name)' needs the argument '\(name)'",
                                            ansibleMessage: spec.ansibleMessage(.missing(missing))))
        }
        for group in spec.requiredOneOf where !group.contains(where: given.contains) {
            problems.append(ArgumentProblem(argument: nil,
                                            message: "'\(spec.name)' needs one of: \(group.joined(separator: ", "))",
                                            ansibleMessage: spec.ansibleMessage(.requiredOneOf(group))))
        }
        // A template may render to `omit` (`x if cond else omit`): only literal values can clash.
        let literal = given.filter { name in
            !arguments.contains { key, value in spec.argument(named: key)?.name == name && isTemplate(value) }
        }
        for group in spec.mutuallyExclusive {
            let both = group.filter(literal.contains)
            if both.count > 1 {
                problems.append(ArgumentProblem(argument: both[1],
                                                message: "'\(spec.name)' takes only one of \(both.joined(separator: " and "))",
                                                ansibleMessage: spec.ansibleMessage(.mutuallyExclusive(group))))
            }
        }
        return problems
    }

    static func isTemplate(_ value: Value) -> Bool {
        if case .string(let text) = value { return text.contains("{{") || text.contains("{%") }
        return false
    }

    /// Why `value` does not fit `argument`, or nil when it does (or cannot be known before run time).
    static func typeProblem(_ value: Value, _ argument: ArgumentSpec) -> String? {
        if isTemplate(value) || value == .none { return nil }
        switch argument.type {
        case .raw:
            return nil
        case .string, .path, .controllerPath:
            switch value {
            case .list, .dict: return "must be a single value, not a \(value.validationKindName)"
            default: break
            }
        case .bool:
            switch value {
            case .bool: break
            case .int(let number) where number == 0 || number == 1: break
            case .string(let text) where NodeReader.truth(text) != nil: break
            default: return "must be yes/no or true/false, not '\(value.validationText)'"
            }
        case .int:
            switch value {
            case .int: break
            case .string(let text) where Int(text.trimmingCharacters(in: .whitespaces)) != nil: break
            default: return "must be a whole number, not '\(value.validationText)'"
            }
        case .float:
            switch value {
            case .int, .double: break
            case .string(let text) where Double(text) != nil: break
            default: return "must be a number, not '\(value.validationText)'"
            }
        case .list, .pathList:
            switch value {
            case .list, .string, .int, .double, .bool: break
            default: return "must be a list, not a mapping"
            }
        case .dict:
            switch value {
            case .dict: break
            case .string(let text) where text.contains("="): break
            default: return "must be a mapping, not '\(value.validationText)'"
            }
        case .mode:
            switch value {
            case .int: break
            case .string(let text) where isMode(text): break
            default: return "must be a file mode such as '0644' or 'u=rw,g=r,o=r', not '\(value.validationText)'"
            }
        }
        if !argument.choices.isEmpty, let text = value.choiceText, !argument.choices.contains(text) {
            return "must be one of \(argument.choices.joined(separator: ", ")), not '\(text)'"
                + (Suggestion.nearest(text, in: argument.choices).map { " (did you mean '\($0)'?)" } ?? "")
        }
        if argument.singleLine, case .string(let text) = value, text.contains(where: \.isNewline) {
            return "must be a single line, but it holds a line break"
        }
        return nil
    }

    static func isMode(_ text: String) -> Bool {
        if !text.isEmpty && text.allSatisfy({ ("0"..."7").contains($0) }) { return true }
        if text == "preserve" { return true }
        let clauses = text.split(separator: ",")
        return !clauses.isEmpty && clauses.allSatisfy { clause in
            guard let op = clause.firstIndex(where: { "+-=".contains($0) }) else { return false }
            return clause[..<op].allSatisfy { "ugoa".contains($0) }
                && clause[clause.index(after: op)...].allSatisfy { "rwxXstugo".contains($0) }
        }
    }
}

extension Value {
    var validationKindName: String {
        switch self {
        case .none: return "null"
        case .bool: return "boolean"
        case .int: return "number"
        case .double: return "number"
        case .string: return "string"
        case .list: return "list"
        case .dict: return "mapping"
        default: return "value"
        }
    }

    /// A short rendering for error messages.
    var validationText: String {
        switch self {
        case .none: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .string(let text): return text.count > 60 ? String(text.prefix(57)) + "..." : text
        case .list: return "a list"
        case .dict: return "a mapping"
        default: return "a value"
        }
    }

    /// The value as compared with `choices`, when it is a scalar.
    var choiceText: String? {
        switch self {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "yes" : "no"
        default: return nil
        }
    }
}

extension LoadSession {
    func validateArguments(_ arguments: OrderedDictionary<String, Value>, spec: ModuleSpec, at location: SourceLocation,
                           keyLocations: [String: SourceLocation], reader: NodeReader, checkRequired: Bool,
                           moduleDefaults: Value? = nil) {
        for problem in ArgumentValidator.validate(arguments, spec: spec, checkRequired: checkRequired,
                                                  defaults: moduleDefaults) {
            let at = problem.argument.flatMap { keyLocations[$0] } ?? location
            errors.add(ValidationError(problem.message, at: at, offendingText: problem.argument,
                                       suggestion: problem.suggestion))
        }
    }
}
