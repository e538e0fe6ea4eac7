import Foundation
import Jinja

/// script: copies a local script to the host and runs it there with arguments.
///
///     - script: files/cleanup.sh --days 30
public struct ScriptModule: Module {
    public static let spec = ModuleSpec(
        name: "script",
        arguments: [
            ArgumentSpec("cmd", doc: "The script (from the role's files/ or beside the playbook) and its arguments (free form)."),
            ArgumentSpec("chdir", type: .path, doc: "Change into this directory on the host first."),
            ArgumentSpec("creates", type: .path, doc: "Do nothing when this path exists on the host."),
            ArgumentSpec("removes", type: .path, doc: "Do nothing unless this path exists on the host."),
            ArgumentSpec("executable", doc: "Run the script with this program (e.g. bash) instead of its #! line."),
        ],
        freeFormArgument: "cmd",
        requiredOneOf: [["cmd"]],
        doc: "Sends a local script to the host (on stdin, into a private temporary file) and runs it with its "
            + "arguments; reports rc, stdout and stderr like command. creates/removes skip it as command does.",
        example: "- script: cleanup.sh --days 30\n  args:\n    creates: /var/run/cleaned")

    var words: [String]
    var chdir: String?
    var creates: String?
    var removes: String?
    var executable: String?
    /// creates/removes checks and check-mode behaviour, shared with command.
    var invocation: CommandInvocation

    public init(_ arguments: ModuleArguments) throws {
        words = try ShellWords.split(try arguments.requiredString("cmd"))
        guard !words.isEmpty else { throw ModuleArgumentError("script needs the script's name") }
        chdir = try arguments.string("chdir")
        creates = try arguments.string("creates")
        removes = try arguments.string("removes")
        executable = try arguments.string("executable")
        invocation = try CommandInvocation(ShellCommand(words: words), arguments, shown: try arguments.requiredString("cmd"))
    }


    public func probe(_ context: ModuleContext) throws -> ShellCommand? { invocation.probe }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let script = try context.readSourceFile(words[0])
        let run = ShellCommand(words: (executable.map { try? ShellWords.split($0) } ?? nil) ?? [])
        // The script arrives on stdin into a 0700 temporary file, runs, and is removed whatever its exit.
        let command = ShellCommand(parts: [
            .syntax("t=$(mktemp) || exit 1; cat >\"$t\" && chmod 700 \"$t\" || { rm -f \"$t\"; exit 1; };")]
            + (chdir.map { [.syntax("cd"), .word($0), .syntax("|| { rm -f \"$t\"; exit 1; };")] } ?? [])
            + run.parts + [.syntax("\"$t\"")] + words.dropFirst().map(ShellCommand.Part.word)
            + [.syntax("; rc=$?; rm -f \"$t\"; exit $rc")], compound: true)
        var plan = invocation.plan(probe, context)
        if plan.result.changed {
            plan.actions = [.runReporting(command, stdin: script)]
        }
        return plan
    }
}
