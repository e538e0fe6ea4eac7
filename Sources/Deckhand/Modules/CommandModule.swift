import Foundation
import Jinja

/// command: runs a program with arguments on the host, no shell in between (so no pipes, `$VAR` or `>`).
///
///     - command: ./manage.py check --deploy
///       args: { chdir: /webapps/app/current, creates: /webapps/app/.checked }
public struct CommandModule: Module {
    public static let spec = ModuleSpec(
        name: "command",
        arguments: CommandInvocation.arguments + [
            ArgumentSpec("cmd", doc: "The command line, split into words like a shell would (free form)."),
            ArgumentSpec("argv", type: .list, doc: "The program and its arguments as a list (no splitting)."),
        ],
        freeFormArgument: "cmd",
        requiredOneOf: [["cmd", "argv"]],
        mutuallyExclusive: [["cmd", "argv"]],
        doc: "Runs a program on the host without a shell. Always reports changed unless creates/removes say "
            + "there is nothing to do. In --check it is skipped, unless creates/removes can predict the outcome.",
        example: "- command: /webapps/app/venv/bin/python manage.py migrate --noinput\n  args:\n    chdir: /webapps/app/current")

    var invocation: CommandInvocation

    public init(_ arguments: ModuleArguments) throws {
        let words: [String]
        if let argv = try arguments.list("argv") {
            words = argv
        } else {
            words = try ShellWords.split(try arguments.requiredString("cmd"))
        }
        guard !words.isEmpty else { throw ModuleArgumentError("no command given") }
        invocation = try CommandInvocation(ShellCommand(words: words), arguments)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? { invocation.probe }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        invocation.plan(probe, context)
    }
}

/// shell: runs a command line through /bin/sh on the host (pipes, redirections and variables work).
///
///     - shell: pg_dump app | gzip > /var/backups/app.sql.gz
public struct ShellModule: Module {
    public static let spec = ModuleSpec(
        name: "shell",
        arguments: CommandInvocation.arguments + [
            ArgumentSpec("cmd", doc: "The shell command line (free form)."),
            ArgumentSpec("executable", type: .path, doc: "The shell to use instead of /bin/sh."),
        ],
        freeFormArgument: "cmd",
        requiredOneOf: [["cmd"]],
        doc: "Runs a command line through the shell on the host. Always reports changed unless creates/removes "
            + "say there is nothing to do. In --check it is skipped, unless creates/removes can predict the outcome.",
        example: "- shell: ls /webapps/app/releases | sort -n | head -n -5 | xargs -r rm -rf\n  args:\n    chdir: /webapps/app/releases")

    var invocation: CommandInvocation

    public init(_ arguments: ModuleArguments) throws {
        let script = try arguments.requiredString("cmd")
        let executable = try arguments.string("executable")
        let command = executable.map { ShellCommand($0, "-c", script) } ?? ShellCommand.script(script)
        invocation = try CommandInvocation(command, arguments)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? { invocation.probe }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        invocation.plan(probe, context)
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
    var chdir: String?
    var creates: String?
    var removes: String?
    var stdin: Data?

    init(_ command: ShellCommand, _ arguments: ModuleArguments) throws {
        self.command = command
        chdir = try arguments.string("chdir")
        creates = try arguments.string("creates")
        removes = try arguments.string("removes")
        if let text = try arguments.string("stdin") {
            stdin = Data((text + (try arguments.bool("stdin_add_newline") ? "\n" : "")).utf8)
        }
    }

    /// `creates`/`removes` are checked on the host in the probe, relative to chdir like Ansible does.
    var probe: ShellCommand? {
        var checks: [ShellCommand] = []
        if let creates {
            checks.append(ShellCommand("test", "-e", creates).and(ShellCommand("echo", "creates exists"))
                .or(ShellCommand("echo", "creates absent")))
        }
        if let removes {
            checks.append(ShellCommand("test", "-e", removes).and(ShellCommand("echo", "removes exists"))
                .or(ShellCommand("echo", "removes absent")))
        }
        guard let first = checks.first else { return nil }
        return checks.dropFirst().reduce(first) { $0.then($1) }.inDirectory(chdir)
    }

    func plan(_ probe: CommandResult?, _ context: ModuleContext) -> ModulePlan {
        let answer = probe?.stdoutText ?? ""
        var result = ModuleResult()
        result["cmd"] = .string(command.rendered)
        if let creates, answer.contains("creates exists") {
            result.msg = "skipped, since \(creates) exists"
            result["rc"] = .int(0)
            return .unchanged(result)
        }
        if let removes, answer.contains("removes absent") {
            result.msg = "skipped, since \(removes) does not exist"
            result["rc"] = .int(0)
            return .unchanged(result)
        }
        if context.checkMode && creates == nil && removes == nil {
            result.msg = "skipped: the command would run; it cannot be predicted in check mode"
            result.skipped = true
            return ModulePlan(result: result)
        }
        return .change([.runReporting(command.inDirectory(chdir), stdin: stdin)], result)
    }
}
