import Foundation
import Jinja

/// fail: fails the host with a message (usually under a `when:`).
///
///     - fail: { msg: "domain is not set" }
///       when: domain is not defined
public struct FailModule: Module {
    public static let spec = ModuleSpec(
        name: "fail",
        runsOnController: true,
        arguments: [ArgumentSpec("msg", default: .string("Failed as requested from task"), doc: "The failure message.")],
        argumentProblemWording: ModuleSpec.invalidOptions("fail"),
        doc: "Fails the host with a custom message.",
        example: "- fail:\n    msg: domain must be set\n  when: domain is not defined")

    var message: String

    public init(_ arguments: ModuleArguments) throws {
        message = try arguments.requiredString("msg")
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        ModulePlan(result: .failure(message))
    }
}
