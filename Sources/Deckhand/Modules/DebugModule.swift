import Foundation
import Jinja

/// debug: prints a message or a variable's value during the run; changes nothing.
///
///     - debug: { msg: "Deploying {{ version }} to {{ inventory_hostname }}" }
///     - debug: { var: result.stdout_lines }
public struct DebugModule: Module {
    public static let spec = ModuleSpec(
        name: "debug",
        runsOnController: true, verbosityArgument: "verbosity", showsResult: true,
        arguments: [
            ArgumentSpec("msg", type: .raw, default: .string("Hello world!"), doc: "The message to print."),
            ArgumentSpec("var", doc: "A variable name or expression whose value is printed (no braces)."),
            ArgumentSpec("verbosity", type: .int, default: .int(0), doc: "Print only at this -v level or above."),
        ],
        mutuallyExclusive: [["msg", "var"]],
        doc: "Prints a message or the value of a variable; never changes anything.",
        example: "- debug:\n    var: ansible_facts.distribution")

    var message: Value
    var variable: String?
    public var verbosity: Int

    public init(_ arguments: ModuleArguments) throws {
        message = try arguments.requiredValue("msg")
        variable = try arguments.string("var")
        verbosity = try arguments.requiredInt("verbosity")
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if let variable {
            var value: Value
            do {
                value = try context.evaluate(variable)
            } catch let error as TemplateError where [.filter, .type, .runtime].contains(error.kind) {
                // A filter or lookup that fails is the task's failure, as in Ansible; only undefined is shown.
                return ModulePlan(result: .failure("\(variable): \(error.message)"))
            } catch {
                value = .string("VARIABLE IS NOT DEFINED!")
            }
            // An undefined attribute evaluates to Undefined rather than throwing; both print as Ansible does.
            if case .undefined = value { value = .string("VARIABLE IS NOT DEFINED!") }
            return .unchanged(ModuleResult(values: [variable: value]))
        }
        var result = ModuleResult()
        if case .string(let text) = message { result.msg = text } else { result["msg"] = message }
        return .unchanged(result)
    }
}
