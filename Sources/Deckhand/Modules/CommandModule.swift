import Foundation
import Jinja

/// command: runs a program with arguments on the host, no shell in between (so no pipes, `$VAR` or `>`).
///
///     - command: ./manage.py check --deploy
///       args: { chdir: /webapps/app/current, creates: /webapps/app/.checked }
public struct CommandModule: Module {
    public static let spec = ModuleSpec(
        name: "command",
        runsInBackground: true,
        arguments: CommandInvocation.arguments + [
            ArgumentSpec("cmd", doc: "The command line, split into words like a shell would (free form)."),
            ArgumentSpec("argv", type: .list, doc: "The program and its arguments as a list (no splitting)."),
            ArgumentSpec("executable", type: .path, doc: "Accepted and ignored with a warning, as Ansible's command does (use shell)."),
            ArgumentSpec("expand_argument_vars", type: .bool, default: .bool(true),
                         doc: "Expand $VAR, ${VAR} (set on the host) and a leading ~ in each argument, as Ansible does."),
        ],
        freeFormArgument: "cmd",
        requiredOneOf: [["cmd", "argv"]],
        mutuallyExclusive: [["cmd", "argv"]],
        doc: "Runs a program on the host without a shell. Always reports changed unless creates/removes say "
            + "there is nothing to do. In --check it is skipped, unless creates/removes can predict the outcome.",
        example: "- command: /webapps/app/venv/bin/python manage.py migrate --noinput\n  args:\n    chdir: /webapps/app/current")

    var invocation: CommandInvocation
    /// What makes the task fail as Ansible's does (rc 256) instead of refusing it: no command, or two.
    var refusal: String?
    var warnings: [String] = []

    public init(_ arguments: ModuleArguments) throws {
        let argv = try arguments.list("argv")
        let line = try arguments.string("cmd")
        var words = try argv ?? ShellWords.split(line ?? "")
        if argv != nil && line != nil { refusal = "only command or argv can be given, not both" }
        if words.isEmpty { refusal = refusal ?? "no command given"; words = ["true"] }
        if let executable = try arguments.string("executable") {
            warnings.append("As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '\(executable)'.")
        }
        let command = try arguments.bool("expand_argument_vars") ? CommandModule.expandingVariables(words) : ShellCommand(words: words)
        invocation = try CommandInvocation(command, arguments, shown: ShellCommand(words: words).rendered)
        invocation.program = words.first
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? { refusal == nil ? invocation.probe : nil }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if let refusal { return ModulePlan(result: .failure(refusal, values: ["rc": .int(256)])) }
        var plan = invocation.plan(probe, context)
        if !warnings.isEmpty { plan.result["warnings"] = .list(warnings.map(Value.string)) }
        return plan
    }

    /// The words, each with $NAME / ${NAME} replaced by the host's variable when it is set and a leading ~
    /// by the home (Python's expandvars and expanduser): awk reads each word as an argument and prints it
    /// expanded, so the word is never shell text.
    static func expandingVariables(_ words: [String]) -> ShellCommand {
        guard words.contains(where: { $0.contains("$") || $0.hasPrefix("~") }) else { return ShellCommand(words: words) }
        var parts: [ShellCommand.Part] = [.syntax("set --;")]
        for word in words {
            guard word.contains("$") || word.hasPrefix("~") else {
                parts += [.syntax("set -- \"$@\""), .word(word), .syntax(";")]
                continue
            }
            parts += [.syntax("w=$(awk \(ShellCommand.quote(expandScript))"), .word(word), .syntax("; echo .); set -- \"$@\" \"${w%.}\";")]
        }
        parts.append(.syntax("exec \"$@\""))
        return ShellCommand(parts: [.syntax("(")] + parts + [.syntax(")")], compound: true)
    }

    private static let expandScript = """
        BEGIN { s = ARGV[1]; out = ""
          if (substr(s, 1, 1) == "~" && (length(s) == 1 || substr(s, 2, 1) == "/") && ("HOME" in ENVIRON)) s = ENVIRON["HOME"] substr(s, 2)
          while ((i = index(s, "$")) > 0) {
            out = out substr(s, 1, i - 1); s = substr(s, i + 1)
            if (substr(s, 1, 1) == "{" && (j = index(s, "}")) > 0) { name = substr(s, 2, j - 2); rest = substr(s, j + 1); raw = "${" name "}" }
            else { match(s, /^[A-Za-z0-9_]+/); name = substr(s, 1, RLENGTH); rest = substr(s, RLENGTH + 1); raw = "$" name }
            if (name != "" && (name in ENVIRON)) out = out ENVIRON[name]; else { out = out "$"; rest = substr(raw, 2) rest }
            s = rest
          }
          printf "%s", out s }
        """
}

/// shell: runs a command line through /bin/sh on the host (pipes, redirections and variables work).
///
///     - shell: pg_dump app | gzip > /var/backups/app.sql.gz
public struct ShellModule: Module {
    public static let spec = ModuleSpec(
        name: "shell",
        runsInBackground: true,
        arguments: CommandInvocation.arguments + [
            ArgumentSpec("cmd", doc: "The shell command line (free form)."),
            ArgumentSpec("executable", type: .path, doc: "The shell to use instead of /bin/sh."),
            // Declared so a play that sets it loads, then fails the task as Ansible's shell does (it is command's).
            ArgumentSpec("expand_argument_vars", type: .bool, doc: "Not for shell (the shell expands variables itself): the task fails."),
        ],
        freeFormArgument: "cmd",
        requiredOneOf: [["cmd"]],
        doc: "Runs a command line through the shell on the host. Always reports changed unless creates/removes "
            + "say there is nothing to do. In --check it is skipped, unless creates/removes can predict the outcome.",
        example: "- shell: ls /webapps/app/releases | sort -n | head -n -5 | xargs -r rm -rf\n  args:\n    chdir: /webapps/app/releases")

    var invocation: CommandInvocation

    var refusal: String?

    public init(_ arguments: ModuleArguments) throws {
        if arguments.has("expand_argument_vars") { refusal = "Unsupported parameters for (shell) module: expand_argument_vars" }
        let script = try arguments.requiredString("cmd")
        let executable = try arguments.string("executable")
        let command = executable.map { ShellCommand($0, "-c", script) } ?? ShellCommand.script(script)
        invocation = try CommandInvocation(command, arguments, shown: script)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? { refusal == nil ? invocation.probe : nil }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if let refusal { return ModulePlan(result: .failure(refusal)) }
        return invocation.plan(probe, context)
    }
}

/// raw: sends the text to the host's shell as is — no chdir, no creates/removes.
///
///     - raw: apt-get install -y python3
public struct RawModule: Module {
    public static let spec = ModuleSpec(
        name: "raw",
        arguments: [
            ArgumentSpec("cmd", required: true, doc: "The command line sent to the host's shell (free form)."),
            ArgumentSpec("executable", type: .path, doc: "The shell to run it with."),
        ],
        freeFormArgument: "cmd",
        doc: "Runs a command line on the host as is. Always reports changed; skipped in --check.",
        example: "- raw: uptime")

    var command: ShellCommand

    public init(_ arguments: ModuleArguments) throws {
        let script = try arguments.requiredString("cmd")
        command = try arguments.string("executable").map { ShellCommand($0, "-c", script) } ?? .script(script)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if context.checkMode {
            var result = ModuleResult(msg: "skipped: raw does not run in check mode")
            result.skipped = true
            return ModulePlan(result: result)
        }
        return .change([.runReporting(command)])
    }
}

/// What command and shell share: creates/removes, chdir and stdin around the command itself.
struct CommandInvocation: Sendable {
    static let arguments: [ArgumentSpec] = [
        ArgumentSpec("chdir", type: .path, doc: "Change into this directory first."),
        ArgumentSpec("creates", type: .path, doc: "Do nothing when this path already exists."),
        ArgumentSpec("removes", type: .path, doc: "Do nothing unless this path exists."),
        ArgumentSpec("stdin", doc: "Text fed to the command's standard input."),
        ArgumentSpec("stdin_add_newline", type: .bool, default: .bool(true), doc: "Append a newline to stdin."),
        ArgumentSpec("strip_empty_ends", type: .bool, default: .bool(true), doc: "Strip trailing newlines from stdout/stderr."),
    ]

    var command: ShellCommand
    /// The command as the result's `cmd` shows it: the user's text, without deckhand's cd or expansion.
    var shown: String
    var chdir: String?
    var creates: String?
    var removes: String?
    var stdin: Data?
    var stripEmptyEnds: Bool
    /// The program command runs without a shell (shell's commands have none): when the host's shell says it is
    /// not found, the task fails as Ansible's run_command does when it cannot execute the program.
    var program: String?

    init(_ command: ShellCommand, _ arguments: ModuleArguments, shown: String) throws {
        self.command = command
        self.shown = shown
        chdir = try arguments.string("chdir")
        creates = try arguments.string("creates")
        removes = try arguments.string("removes")
        if let text = try arguments.string("stdin") {
            stdin = Data((text + (try arguments.bool("stdin_add_newline") ? "\n" : "")).utf8)
        }
        stripEmptyEnds = try arguments.bool("strip_empty_ends")
    }

    /// Whether chdir is a folder, and whether creates/removes match (globs, as Ansible's), relative to chdir.
    var probe: ShellCommand? {
        var parts: [ShellCommand.Part] = []
        if let chdir {
            parts += [.assignment("d", chdir), .syntax("; test -d \"$d\" || echo chdir missing;")]
        }
        // Unquoted $g with IFS empty: pathname expansion only, never word splitting or command substitution.
        for (name, pattern) in [("creates", creates), ("removes", removes)] {
            guard let pattern else { continue }
            parts += [.assignment("g", pattern),
                      .syntax("; (IFS=; test -n \"$d\" && cd -P -- \"$d\" 2>/dev/null; for f in $g; do test -e \"$f\" || test -L \"$f\" && exit 0; done; exit 1) && echo \(name) exists || echo \(name) absent;")]
        }
        guard !parts.isEmpty else { return nil }
        return ShellCommand(parts: [.syntax("d=;")] + parts + [.syntax("true")], compound: true)
    }

    /// The command run from chdir: `cd -P`, so $PWD is the physical folder, as after Ansible's os.chdir.
    var commandInDirectory: ShellCommand {
        guard let chdir, !chdir.isEmpty else { return command }
        return ShellCommand("cd", "-P", "--", chdir).and(command)
    }

    func plan(_ probe: CommandResult?, _ context: ModuleContext) -> ModulePlan {
        let answer = probe?.stdoutText ?? ""
        var result = ModuleResult()
        result["cmd"] = .string(shown)
        if let chdir, answer.contains("chdir missing") {
            return ModulePlan(result: .failure("Unable to change directory before execution: [Errno 2] No such file or directory: '\(chdir)'",
                                               values: ["cmd": .string(shown), "rc": .int(256)]))
        }
        if let creates, answer.contains("creates exists") {
            result.msg = "Did not run command since '\(creates)' exists"
            result["stdout"] = .string("skipped, since \(creates) exists")
            result["rc"] = .int(0)
            return .unchanged(result)
        }
        if let removes, answer.contains("removes absent") {
            result.msg = "Did not run command since '\(removes)' does not exist"
            result["stdout"] = .string("skipped, since \(removes) does not exist")
            result["rc"] = .int(0)
            return .unchanged(result)
        }
        if context.checkMode {
            result.msg = "Command would have run if not in check mode"
            if creates == nil && removes == nil {
                result.skipped = true
                return ModulePlan(result: result)
            }
        }
        var action = HostAction.runReporting(commandInDirectory, stdin: stdin)
        action.stripsEmptyEnds = stripEmptyEnds
        action.nonZeroMessage = "The command exited with a non-zero return code."
        if let program {
            action.interpret = { output, result in
                let said = output.stderrText.trimmingTrailingNewline.splitLines.last ?? ""
                guard output.exitStatus == 127,
                      said.hasSuffix("\(program): not found") || said.hasSuffix("\(program): command not found") else { return }
                result.msg = "Error executing command."
                result["rc"] = .int(2)
                result["exception"] = .string("[Errno 2] No such file or directory: '\(program)' (\(said))")
                for stream in ["stdout", "stderr"] {
                    result[stream] = .string("")
                    result[stream + "_lines"] = .list([])
                }
            }
        }
        return .change([action], result)
    }
}
