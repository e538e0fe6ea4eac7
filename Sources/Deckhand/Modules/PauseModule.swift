import Foundation
import Jinja

/// pause: waits a number of seconds (or minutes) before the play goes on; prompting is not supported.
///
///     - pause: { seconds: 10 }
public struct PauseModule: Module {
    public static let spec = ModuleSpec(
        name: "pause",
        arguments: [
            ArgumentSpec("seconds", type: .int, doc: "How long to wait."),
            ArgumentSpec("minutes", type: .int, doc: "How long to wait, in minutes."),
            ArgumentSpec("prompt", doc: "Not supported: deckhand does not stop for input."),
        ],
        mutuallyExclusive: [["seconds", "minutes"]],
        doc: "Waits a fixed time (the wait happens on the host, so it costs no extra connection).",
        example: "- pause:\n    seconds: 5")

    var seconds: Int

    public init(_ arguments: ModuleArguments) throws {
        if arguments.has("prompt") && !arguments.has("seconds") && !arguments.has("minutes") {
            throw ModuleArgumentError("pause with a prompt is not supported; give seconds or minutes")
        }
        seconds = try arguments.int("seconds") ?? (try arguments.int("minutes")).map { $0 * 60 } ?? 0
        guard seconds >= 0 else { throw ModuleArgumentError("seconds must not be negative") }
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand("sleep", String(seconds))
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        .unchanged(ModuleResult(values: ["delta": .int(seconds), "stop": .string(""), "user_input": .string("")]))
    }
}
