import Foundation
import Jinja

/// supervisorctl: starts, stops or restarts a supervisord program, rereading and adding new configs as needed.
///
///     - supervisorctl: { name: gunicorn-shop, state: restarted }
public struct SupervisorctlModule: Module {
    public static let spec = ModuleSpec(
        name: "supervisorctl",
        arguments: [
            ArgumentSpec("name", required: true, doc: "The program (or `group:` for a whole group)."),
            ArgumentSpec("state", required: true, choices: ["present", "started", "stopped", "restarted", "absent", "signalled"], doc: "What it should be doing."),
            ArgumentSpec("signal", doc: "The signal for state=signalled (HUP, USR2...)."),
            ArgumentSpec("config", type: .path, doc: "supervisord.conf to use."),
            ArgumentSpec("supervisorctl_path", type: .path, doc: "The supervisorctl binary."),
        ],
        doc: "Controls supervisord programs; a program whose config is new is added (reread + add) first.",
        example: "- supervisorctl:\n    name: gunicorn-shop\n    state: restarted")

    var name: String
    var state: String
    var signal: String?
    var config: String?
    var binary: String

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        state = try arguments.requiredString("state")
        signal = try arguments.string("signal")
        config = try arguments.string("config")
        binary = try arguments.string("supervisorctl_path") ?? "supervisorctl"
        if state == "signalled" && signal == nil { throw ModuleArgumentError("state=signalled needs signal") }
    }

    func ctl(_ words: String...) -> ShellCommand {
        ShellCommand(words: [binary] + (config.map { ["-c", $0] } ?? []) + words)
    }

    /// `status` of the program (empty when supervisord does not know it yet).
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ctl("status").or(ShellCommand("true"))
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let group = name.hasSuffix(":")
        let lines = (probe?.stdoutText ?? "").splitLines.filter { line in
            let process = line.split(separator: " ").first.map(String.init) ?? ""
            return group ? process.hasPrefix(name) : (process == name || process.hasPrefix(name + ":"))
        }
        let known = !lines.isEmpty
        let running = lines.contains { $0.contains(" RUNNING") }
        var result = ModuleResult(values: ["name": .string(name), "state": .string(state)])
        var commands: [ShellCommand] = []
        let target = group ? name : name
        if !known && state != "absent" {
            commands.append(ctl("reread"))
            commands.append(ctl("add", name.trimmingCharacters(in: CharacterSet(charactersIn: ":"))))
        }
        switch state {
        case "started" where !running && known: commands.append(ctl("start", target))
        case "stopped" where running: commands.append(ctl("stop", target))
        case "restarted": commands.append(known ? ctl("restart", target) : ctl("start", target))
        case "signalled" where running: commands.append(ctl("signal", signal ?? "HUP", target))
        case "absent" where known:
            commands.append(ctl("stop", target))
            commands.append(ctl("remove", name.trimmingCharacters(in: CharacterSet(charactersIn: ":"))))
        default: break
        }
        guard let first = commands.first else { return .unchanged(result) }
        if state == "stopped" && !known { return ModulePlan(result: .failure("supervisord does not know \(name)")) }
        result["running"] = .bool(state != "stopped" && state != "absent")
        return .change([.run(commands.dropFirst().reduce(first) { $0.and($1) })], result)
    }
}
