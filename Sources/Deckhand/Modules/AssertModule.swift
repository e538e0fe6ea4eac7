import Foundation
import Jinja
import OrderedCollections

/// assert: fails the host unless every expression in `that` holds.
///
///     - assert:
///         that: [ "ansible_distribution == 'Debian'", "ansible_memtotal_mb >= 1024" ]
///         fail_msg: "needs Debian with 1 GB of memory"
///
/// `that` is not rendered with the other arguments: each entry is a conditional, evaluated as ansible-core
/// 2.21 evaluates one (`Templating.conditional`), and a whole `that: "{{ checks }}"` gives the list of them.
public struct AssertModule: Module {
    public static let spec = ModuleSpec(
        name: "assert",
        runsOnController: true,
        arguments: [
            ArgumentSpec("that", type: .raw, required: true, unrendered: true,
                         doc: "Expressions (no braces) that must all be true."),
            ArgumentSpec("fail_msg", aliases: ["msg"], doc: "The message when an expression is false."),
            ArgumentSpec("success_msg", doc: "The message when all hold."),
            ArgumentSpec("quiet", type: .bool, default: .bool(false), doc: "Print less on success."),
        ],
        doc: "Checks conditions on the host's variables and fails the host when one does not hold.",
        example: "- assert:\n    that:\n      - app_port | int > 1024\n    fail_msg: app_port must be unprivileged")

    var that: Value
    var failMessage: String?
    var successMessage: String?

    public init(_ arguments: ModuleArguments) throws {
        guard let that = arguments.values["that"] else { throw ModuleArgumentError("missing required arguments: that") }
        self.that = that
        failMessage = try arguments.string("fail_msg")
        successMessage = try arguments.string("success_msg")
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var conditions = [that]
        if case .list(let items) = that {
            conditions = items
        } else if case .string(let text) = that, TemplateText.isPossiblyAllTemplate(text.trimmed),
                  case .list(let items)? = try? context.resolveContainer(text) {
            conditions = items
        }
        var deprecations: [String] = []
        func failure(_ message: String, _ condition: Value, evaluatedTo: Bool? = nil) -> ModulePlan {
            var values: OrderedDictionary<String, Value> = ["assertion": condition]
            if let evaluatedTo { values["evaluated_to"] = .bool(evaluatedTo) }
            if !deprecations.isEmpty { values["deprecations"] = AssertModule.deprecationList(deprecations) }
            return ModulePlan(result: .failure(message, values: values))
        }
        for condition in conditions {
            let verdict: ConditionalVerdict
            do {
                verdict = try context.conditional(condition)
            } catch {
                return failure("The conditional check '\(condition.displayText)' failed: \(error)", condition)
            }
            deprecations += verdict.deprecations
            if !verdict.holds {
                return failure(failMessage ?? "Assertion failed", condition, evaluatedTo: false)
            }
        }
        var result = ModuleResult(msg: successMessage ?? "All assertions passed")
        if !deprecations.isEmpty { result["deprecations"] = AssertModule.deprecationList(deprecations) }
        return .unchanged(result)
    }

    /// A result's `deprecations`, as ansible-core lists them.
    private static func deprecationList(_ messages: [String]) -> Value {
        .list(messages.map { .dict(["msg": .string($0), "version": .string("2.23")]) })
    }
}
