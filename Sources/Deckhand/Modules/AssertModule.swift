import Foundation
import Jinja

/// assert: fails the host unless every expression in `that` holds.
///
///     - assert:
///         that: [ "ansible_distribution == 'Debian'", "ansible_memtotal_mb >= 1024" ]
///         fail_msg: "needs Debian with 1 GB of memory"
public struct AssertModule: Module {
    public static let spec = ModuleSpec(
        name: "assert",
        runsOnController: true,
        arguments: [
            ArgumentSpec("that", type: .list, required: true, doc: "Expressions (no braces) that must all be true."),
            ArgumentSpec("fail_msg", aliases: ["msg"], doc: "The message when an expression is false."),
            ArgumentSpec("success_msg", doc: "The message when all hold."),
            ArgumentSpec("quiet", type: .bool, default: .bool(false), doc: "Print less on success."),
        ],
        doc: "Checks conditions on the host's variables and fails the host when one does not hold.",
        example: "- assert:\n    that:\n      - app_port | int > 1024\n    fail_msg: app_port must be unprivileged")

    var conditions: [String]
    var failMessage: String?
    var successMessage: String?

    public init(_ arguments: ModuleArguments) throws {
        switch arguments.value("that") {
        case .string(let text)?: conditions = [text]
        // `that: "{{ x == 1 }}"` has been rendered already: its answer is the condition.
        case .bool(let holds)?: conditions = [holds ? "True" : "False"]
        case .list(let items)?: conditions = items.map { if case .bool(let holds) = $0 { return holds ? "True" : "False" }; return $0.displayText }
        default: conditions = try arguments.list("that") ?? []
        }
        guard !conditions.isEmpty else { throw ModuleArgumentError("missing required argument: that") }
        failMessage = try arguments.string("fail_msg")
        successMessage = try arguments.string("success_msg")
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        for condition in conditions {
            let holds: Bool
            do {
                holds = try context.evaluate(condition).isTruthy
            } catch {
                return ModulePlan(result: .failure("The conditional check '\(condition)' failed: \(error)",
                                                   values: ["assertion": .string(condition)]))
            }
            if !holds {
                return ModulePlan(result: .failure(failMessage ?? "Assertion failed",
                                                   values: ["assertion": .string(condition), "evaluated_to": .bool(false)]))
            }
        }
        return .unchanged(ModuleResult(msg: successMessage ?? "All assertions passed"))
    }
}
