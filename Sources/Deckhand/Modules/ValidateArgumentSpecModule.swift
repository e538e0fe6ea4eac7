import Foundation
import Jinja
import OrderedCollections

/// validate_argument_spec: fails the host when variables do not fit an argument spec, as a role's
/// `meta/argument_specs.yml` declares it (deckhand runs it as the first task of such a role).
///
///     - validate_argument_spec:
///         argument_spec:
///           app_port: {type: int, required: true}
///         provided_arguments:
///           app_port: "{{ port }}"
///
/// The values checked are the host's variables named in the spec, with `provided_arguments` over them; the
/// variables themselves are left as they are (a spec's `default` is checked, never set).
public struct ValidateArgumentSpecModule: Module {
    public static let spec = ModuleSpec(
        name: "validate_argument_spec",
        runsOnController: true,
        arguments: [
            ArgumentSpec("argument_spec", type: .dict, required: true,
                         doc: "Option name -> its description (type, required, default, choices, elements, options, aliases)."),
            ArgumentSpec("provided_arguments", type: .dict, doc: "Values checked over the variables of the same names."),
            ArgumentSpec("validate_args_context", type: .dict, doc: "What is validated, repeated in the result."),
        ],
        doc: "Checks variables against an argument spec and fails the host with Ansible's messages when they do not fit.",
        example: "- validate_argument_spec:\n    argument_spec:\n      app_port: {type: int, required: true}")

    var argumentSpec: Value
    var providedArguments: Value
    var context: Value

    public init(_ arguments: ModuleArguments) throws {
        argumentSpec = arguments.value("argument_spec") ?? .none
        providedArguments = arguments.value("provided_arguments") ?? .dict([:])
        context = arguments.value("validate_args_context") ?? .dict([:])
    }

    public func plan(_ probe: CommandResult?, _ moduleContext: ModuleContext) throws -> ModulePlan {
        guard case .dict(let options) = argumentSpec else {
            return ModulePlan(result: .failure("Incorrect type for argument_spec, expected dict and got "
                                               + "<class '\(argumentSpec.pythonTypeName)'>"))
        }
        guard case .dict(let provided) = providedArguments else {
            return ModulePlan(result: .failure("Incorrect type for provided_arguments, expected dict and got "
                                               + "<class '\(providedArguments.pythonTypeName)'>"))
        }
        var parameters = OrderedDictionary<String, Value>()
        for name in options.keys where Self.isVariableName(name) {
            if try moduleContext.evaluate("\(name) is defined").isTruthy {
                parameters[name] = try moduleContext.evaluate(name)
            }
        }
        parameters.merge(provided) { $1 }
        let errors = ArgumentSpecCheck.errors(spec: options, parameters: parameters)
        guard errors.isEmpty else {
            return ModulePlan(result: .failure("Validation of arguments failed:\n" + errors.joined(separator: "\n"), values: [
                "argument_errors": .list(errors.map { .string($0) }),
                "argument_spec_data": argumentSpec,
                "validate_args_context": context,
            ]))
        }
        var result = ModuleResult(msg: "The arg spec validation passed")
        result["validate_args_context"] = context
        return .unchanged(result)
    }

    /// Only a name a variable can have is looked up (an option named `a-b` is checked from provided_arguments alone).
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || CharacterSet.letters.contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || CharacterSet.alphanumerics.contains($0) }
    }
}
