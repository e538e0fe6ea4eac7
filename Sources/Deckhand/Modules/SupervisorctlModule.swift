import Foundation
import Jinja
import SSH

/// supervisorctl: makes supervisord run (or not run) a program or group, adding it after a config change.
///
///     - supervisorctl: { name: gunicorn, state: restarted }
public struct SupervisorctlModule: Module {
    static let states = ["present", "started", "stopped", "restarted", "absent", "signalled"]

    public static let spec = ModuleSpec(
        name: "supervisorctl",
        arguments: [
            ArgumentSpec("name", required: true, doc: "The program, or `group:` for every program of a group."),
            ArgumentSpec("state", required: true, choices: states, doc: "present, started, stopped, restarted, absent or signalled."),
            ArgumentSpec("config", type: .path, doc: "supervisord's configuration file (-c)."),
            ArgumentSpec("server_url", doc: "The supervisord URL (-s)."),
            ArgumentSpec("username", doc: "User for the server (-u)."),
            ArgumentSpec("password", noLog: true, doc: "Password for the server (-p)."),
            ArgumentSpec("supervisorctl_path", type: .path, doc: "The supervisorctl program."),
            ArgumentSpec("signal", doc: "The signal for state signalled (HUP, TERM...)."),
            ArgumentSpec("stop_before_removing", type: .bool, default: .bool(false), doc: "Stop before removing (state absent)."),
        ],
        doc: "Controls programs under supervisord. A program supervisord does not know yet is added after "
            + "`reread`; started and stopped act only when needed; restarted always restarts; absent removes it.",
        example: "- supervisorctl:\n    name: gunicorn\n    state: restarted")

    var name: String
    var state: String
    var prefix: [String]
    var signal: String?
    var stopBeforeRemoving: Bool
    var group: Bool { name.hasSuffix(":") }

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        state = try arguments.choice("state", SupervisorctlModule.states, default: nil) ?? ""
        var prefix = [try arguments.string("supervisorctl_path") ?? "supervisorctl"]
        if let config = try arguments.string("config") { prefix += ["-c", config] }
        if let url = try arguments.string("server_url") { prefix += ["-s", url] }
        if let user = try arguments.string("username") { prefix += ["-u", user] }
        if let password = try arguments.string("password") { prefix += ["-p", password] }
        self.prefix = prefix
        signal = try arguments.string("signal")
        stopBeforeRemoving = try arguments.bool("stop_before_removing", default: false)
        if state == "signalled" && signal == nil { throw ModuleArgumentError("state signalled needs signal") }
        if name.hasPrefix("-") || name.contains(where: { $0 == " " || $0 == "\n" }) {
            throw ModuleArgumentError("program name \(name.debugDescription) is not valid")
        }
    }

    private func ctl(_ words: String...) -> ShellCommand { ShellCommand(words: prefix + words) }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        // `status` exits non-zero when a program is not running: the listing is what counts.
        ShellCommand(parts: ctl("status").parts + [.syntax("2>&1; echo \"@@rc $?\"")], compound: true)
    }

    /// (program, STATE) for the lines about `name`.
    func processes(_ text: String) -> [(String, String)] {
        text.splitLines.compactMap { line in
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard words.count >= 2 else { return nil }
            let process = words[0]
            let matches = group ? process.hasPrefix(name) : (process == name || process.hasPrefix(name + ":") && process.split(separator: ":").first.map(String.init) == name)
            return matches ? (process, words[1]) : nil
        }
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let text = probe?.stdoutText ?? ""
        if text.contains("refused connection") || text.contains("no such file") || text.contains("SHUTDOWN_STATE") {
            return ModulePlan(result: .failure("supervisorctl cannot reach supervisord: \(text.splitLines.first ?? "") — is supervisor running?"))
        }
        let found = processes(text)
        var result = ModuleResult()
        result["name"] = .string(name)
        result["state"] = .string(state)
        let running = found.filter { ["RUNNING", "STARTING", "BACKOFF"].contains($0.1) }
        let add = ctl("reread").and(ctl("add", name))
        var actions: [ShellCommand] = []
        switch state {
        case "present":
            if found.isEmpty { actions.append(add) }
        case "started":
            if found.isEmpty {
                // add starts autostart programs; start the rest only if still not running.
                actions.append(add.and(ctl("status", name).pipe(ShellCommand("grep", "-q", "RUNNING")).or(ctl("start", name))))
            } else if running.count < found.count {
                actions.append(ctl("start", name))
            }
        case "stopped":
            if found.isEmpty { return ModulePlan(result: .failure("ERROR (no such process): \(name)")) }
            if !running.isEmpty { actions.append(ctl("stop", name)) }
        case "restarted":
            if found.isEmpty { actions.append(add.and(ctl("status", name).pipe(ShellCommand("grep", "-q", "RUNNING")).or(ctl("start", name)))) }
            else { actions.append(ctl("restart", name)) }
        case "absent":
            if !found.isEmpty {
                actions.append((stopBeforeRemoving ? ctl("stop", name).and(ctl("remove", name)) : ctl("remove", name)))
            }
        case "signalled":
            if found.isEmpty { return ModulePlan(result: .failure("ERROR (no such process): \(name)")) }
            if !running.isEmpty { actions.append(ctl("signal", signal ?? "HUP", name)) }
        default: break
        }
        if actions.isEmpty { return .unchanged(result) }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: name, afterHeader: name,
                                           before: found.isEmpty ? "absent\n" : found.map { "\($0.0): \($0.1)" }.joined(separator: "\n") + "\n",
                                           after: "state: \(state)\n"))
        }
        // supervisorctl says ERROR on stdout with exit 0 in older versions: read it.
        return .change(actions.map { HostAction.run($0).interpreting { output, result in
            if let line = output.stdoutText.splitLines.first(where: { $0.contains("ERROR") }) {
                result.failed = true
                result.msg = line
            }
        } }, result)
    }
}
