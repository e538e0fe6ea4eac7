import Foundation
import Jinja

/// service: starts, stops, restarts or reloads a service and sets whether it starts at boot, through systemd
/// when PID 1 is systemd, else the host's init scripts (`service`, `update-rc.d`).
///
///     - service: { name: nginx, state: reloaded }
///     - service: { name: postgresql, state: started, enabled: yes }
public struct ServiceModule: Module {
    public static let spec = ModuleSpec(
        name: "service",
        arguments: [
            ArgumentSpec("name", required: true, aliases: ["service", "unit"], doc: "The service."),
            ArgumentSpec("state", choices: ["started", "stopped", "restarted", "reloaded"], doc: "What it should be doing."),
            ArgumentSpec("enabled", type: .bool, doc: "Start at boot."),
            ArgumentSpec("daemon_reload", type: .bool, default: .bool(false), doc: "systemctl daemon-reload first (systemd)."),
            ArgumentSpec("use", default: .string("auto"), choices: ["auto", "systemd", "sysvinit", "service"],
                         doc: "The service manager: auto (systemd when PID 1 is systemd), systemd, or sysvinit/service (init scripts)."),
            ArgumentSpec("sleep", type: .int, doc: "On restart through init scripts: seconds between stop and start (ignored by systemd, with a warning)."),
        ],
        doc: "Starts, stops, restarts or reloads a service and sets whether it starts at boot.",
        example: "- service:\n    name: nginx\n    state: reloaded")

    var name: String
    var state: String?
    var enabled: Bool?
    var daemonReload: Bool
    /// true: systemd, false: init scripts, nil: whatever the host runs.
    var systemdWanted: Bool?
    var sleep: Int?

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        state = try arguments.string("state")
        enabled = try arguments.optionalBool("enabled")
        daemonReload = try arguments.bool("daemon_reload")
        switch try arguments.requiredString("use") {
        case "systemd": systemdWanted = true
        case "sysvinit", "service": systemdWanted = false
        default: systemdWanted = nil
        }
        sleep = try arguments.int("sleep")
        if state == nil && enabled == nil && !daemonReload {
            throw ModuleArgumentError("give state, enabled or daemon_reload")
        }
    }

    /// One line each: the manager, whether it runs, whether it is enabled, whether the host has the service.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        let manager = systemdWanted.map { $0 ? "true" : "false" } ?? "test -d /run/systemd/system"
        return ShellCommand(parts: [
            .assignment("n", name), .syntax(";"),
            .syntax("""
            if \(manager); then echo systemd; a=$(systemctl is-active -- "$n" 2>/dev/null | head -n 1); echo "${a:-unknown}"; \
            e=$(systemctl is-enabled -- "$n" 2>/dev/null | head -n 1); echo "${e:-unknown}"; \
            if test "$(systemctl show -p LoadState --value -- "$n" 2>/dev/null)" = not-found; then echo missing; else echo found; fi; \
            else echo sysv; if service "$n" status >/dev/null 2>&1; then echo active; else echo inactive; fi; \
            if ls /etc/rc?.d/S??"$n" >/dev/null 2>&1; then echo enabled; else echo disabled; fi; \
            if test -x /etc/init.d/"$n" || service --status-all 2>/dev/null | grep -q " $n$"; then echo found; else echo missing; fi; fi; true
            """),
        ], compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let lines = (probe?.stdoutText ?? "").splitLines
        let systemd = lines.first == "systemd"
        let active = lines.count > 1 && (lines[1] == "active" || lines[1] == "activating" || lines[1] == "reloading")
        let isEnabled = lines.count > 2 && (lines[2] == "enabled" || lines[2] == "static" || lines[2] == "alias")
        var result = ModuleResult(values: ["name": .string(name)])
        // As Ansible's: a service the host does not have fails the task, in check mode too.
        if lines.count > 3 && lines[3] == "missing" {
            return ModulePlan(result: .failure("Could not find the requested service \(name): host"))
        }
        if systemd, sleep != nil {
            result["warnings"] = .list([.string("Ignoring \"sleep\" as it is not used in \"systemd\"")])
        }
        var commands: [ShellCommand] = []
        func control(_ verb: String) -> ShellCommand {
            systemd ? ShellCommand("systemctl", verb, name) : ShellCommand("service", name, verb)
        }
        if daemonReload && systemd { commands.append(ShellCommand("systemctl", "daemon-reload")) }
        switch state {
        case "started" where !active: commands.append(control("start"))
        case "stopped" where active: commands.append(control("stop"))
        case "restarted" where !systemd && sleep != nil:
            // Ansible's service module: stop, wait, start, so a daemon that lingers can let go of its port.
            commands.append(control("stop").or(ShellCommand("true")).then(ShellCommand("sleep", String(sleep ?? 0))).then(control("start")))
        case "restarted": commands.append(control("restart"))
        case "reloaded": commands.append(active ? control("reload") : control("start"))
        default: break
        }
        if let enabled, enabled != isEnabled {
            commands.append(systemd ? ShellCommand("systemctl", enabled ? "enable" : "disable", name)
                                    : ShellCommand("update-rc.d", name, enabled ? "defaults" : "disable"))
        }
        if let state { result["state"] = .string(state) }
        if let enabled { result["enabled"] = .bool(enabled) }
        result["status"] = .string(active ? "running" : "stopped")
        guard let first = commands.first else { return .unchanged(result) }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: "service \(name)", afterHeader: "service \(name)",
                                           before: "active: \(active)\nenabled: \(isEnabled)\n",
                                           after: "active: \(state == "stopped" ? false : state == nil ? active : true)\nenabled: \(enabled ?? isEnabled)\n"))
        }
        return .change([.run(commands.dropFirst().reduce(first) { $0.and($1) })], result)
    }
}
