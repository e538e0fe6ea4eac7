import Foundation
import Jinja
import SSH

/// pause: waits a number of seconds or minutes (interactive prompts are not supported).
///
///     - pause: { seconds: 10 }
public struct PauseModule: Module {
    public static let spec = ModuleSpec(
        name: "pause",
        arguments: [
            ArgumentSpec("seconds", type: .int, doc: "Seconds to wait."),
            ArgumentSpec("minutes", type: .int, doc: "Minutes to wait."),
            ArgumentSpec("prompt", doc: "Not supported: deckhand never waits for a keypress."),
            ArgumentSpec("echo", type: .bool, default: .bool(true), doc: "Accepted; no prompt is shown."),
        ],
        mutuallyExclusive: [["seconds", "minutes"]],
        doc: "Waits a fixed time (also in check mode). Prompting for input is not supported: give seconds or minutes.",
        example: "- pause:\n    seconds: 10")

    var seconds: Int

    public init(_ arguments: ModuleArguments) throws {
        if let minutes = try arguments.int("minutes") {
            seconds = minutes * 60
        } else if let seconds = try arguments.int("seconds") {
            self.seconds = seconds
        } else {
            throw ModuleArgumentError("pause needs seconds or minutes; waiting for a keypress (prompt) is not supported")
        }
        guard seconds >= 0 else { throw ModuleArgumentError("pause time must not be negative") }
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var result = ModuleResult()
        result["delta"] = .int(seconds)
        result["stdout"] = .string("Paused for \(seconds) seconds")
        result["echo"] = .bool(true)
        // The wait is a sleep on the host: the runner has no clock of its own for modules, and it costs one round trip.
        return ModulePlan(actions: seconds > 0 ? [.run(ShellCommand("sleep", String(seconds)))] : [], result: result, runsInCheckMode: true)
    }
}
