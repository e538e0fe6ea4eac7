import Foundation
import Jinja

/// script: copies a local script to the host and runs it there with arguments, as Ansible's script action.
///
///     - script: files/cleanup.sh --days 30
///     - script: "'name with spaces.sh' --days 30"
public struct ScriptModule: Module {
    public static let spec = ModuleSpec(
        name: "script",
        arguments: [
            ArgumentSpec("cmd", doc: "The script (from the role's files/ or beside the playbook) and its arguments (free form); "
                + "quote a name with spaces."),
            ArgumentSpec("chdir", doc: "Change into this directory (an absolute path) on the host first."),
            ArgumentSpec("creates", doc: "Skip the task when this path exists on the host."),
            ArgumentSpec("removes", doc: "Skip the task unless this path exists on the host."),
            ArgumentSpec("executable", doc: "Run the script with this program (e.g. bash, python3) instead of its #! line."),
            ArgumentSpec("decrypt", type: .bool, default: .bool(true),
                         doc: "Decrypt a vaulted script before sending it (false: send its bytes as they are)."),
        ],
        freeFormArgument: "cmd",
        requiredOneOf: [["cmd"]],
        doc: "Sends a local script to the host (on stdin, into a private temporary file) and runs it with its "
            + "arguments, each quoted as one word; reports rc, stdout and stderr and always changed. creates/removes "
            + "skip it (\"... exists, matching creates option\"); check mode runs nothing and, without creates or "
            + "removes, skips the task as Ansible does.",
        example: "- script: cleanup.sh --days 30\n  args:\n    creates: /var/run/cleaned")

    var words: [String]
    /// The user's line, the result's `cmd` (not deckhand's temporary-file wrapping).
    var line: String
    var chdir: String?
    var creates: String?
    var removes: String?
    var executable: [String]
    var decrypt: Bool

    public init(_ arguments: ModuleArguments) throws {
        guard let line = try arguments.string("cmd") else {
            throw ModuleArgumentError("one of the following is required: _raw_params, cmd")
        }
        self.line = line
        words = try ShellWords.split(line)
        guard !words.isEmpty else { throw ModuleArgumentError("script needs the script's name") }
        chdir = try arguments.string("chdir").flatMap { $0.isEmpty ? nil : $0 }
        creates = try arguments.string("creates").flatMap { $0.isEmpty ? nil : $0 }
        removes = try arguments.string("removes").flatMap { $0.isEmpty ? nil : $0 }
        // Ansible joins the executable into the command line: `python3 -u` is a program and its option.
        executable = try arguments.string("executable").map { try ShellWords.split($0) } ?? []
        decrypt = try arguments.bool("decrypt")
        if let chdir, !chdir.hasPrefix("/") {
            throw ModuleArgumentError("chdir \(chdir) must be an absolute path for a Unix-aware remote node")
        }
    }

    /// Whether creates/removes exist on the host (a plain existence test, as Ansible's _remote_file_exists).
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        let checks = [("creates", creates), ("removes", removes)].compactMap { name, path in
            path.map { ShellCommand("test", "-e", $0).and(ShellCommand("echo", "\(name) exists")).or(ShellCommand("true")) }
        }
        guard var probe = checks.first else { return nil }
        for check in checks.dropFirst() { probe = probe.then(check) }
        return probe
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let answer = probe?.stdoutText ?? ""
        var result = ModuleResult()
        if let creates, answer.contains("creates exists") {
            result.skipped = true
            result.msg = "\(creates) exists, matching creates option"
            return ModulePlan(result: result)
        }
        if let removes, !answer.contains("removes exists") {
            result.skipped = true
            result.msg = "\(removes) does not exist, matching removes option"
            return ModulePlan(result: result)
        }
        let script = decrypt ? try context.readSourceFile(words[0]) : try context.readRawSourceFile(words[0])
        if context.checkMode {
            // The script may decide `changed` itself: without creates/removes there is nothing to predict.
            if creates != nil || removes != nil { return .change([]) }
            result.skipped = true
            result.msg = "Check mode is not supported for this task."
            return ModulePlan(result: result)
        }
        // The script arrives on stdin into a 0700 temporary file, runs, and is removed whatever its exit.
        let command = ShellCommand(parts: [
            .syntax("t=$(mktemp) || exit 1; cat >\"$t\" && chmod 700 \"$t\" || { rm -f \"$t\"; exit 1; };")]
            + (chdir.map { [.syntax("cd"), .word($0), .syntax("|| { rm -f \"$t\"; exit 1; };")] } ?? [])
            + executable.map(ShellCommand.Part.word) + [.syntax("\"$t\"")] + words.dropFirst().map(ShellCommand.Part.word)
            + [.syntax("; rc=$?; rm -f \"$t\"; exit $rc")], compound: true)
        result["cmd"] = .string(line)
        return .change([.runReporting(command, stdin: script)], result)
    }
}
