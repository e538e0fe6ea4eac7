import Foundation
import Jinja

/// ping: proves deckhand can log in and run a command on the host (no Python involved).
///
///     - ping:
public struct PingModule: Module {
    public static let spec = ModuleSpec(
        name: "ping",
        arguments: [ArgumentSpec("data", default: .string("pong"), doc: "What to answer; `crash` fails the task.")],
        doc: "Logs in and runs a no-op command on the host; answers `ping: pong`.",
        example: "- ping:")

    var data: String

    public init(_ arguments: ModuleArguments) throws {
        data = try arguments.requiredString("data")
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? { ShellCommand("true") }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if data == "crash" { return ModulePlan(result: .crash("boom")) }
        return .unchanged(ModuleResult(values: ["ping": .string(data)]))
    }
}
