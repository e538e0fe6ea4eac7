import Foundation
import Jinja
import SSH

/// service: starts, stops, restarts or reloads a service and sets whether it starts at boot
/// (systemctl when PID 1 is systemd, else `service` and update-rc.d).
///
///     - service: { name: nginx, state: started, enabled: yes }
public struct ServiceModule: Module {
    static let states = ["started", "stopped", "restarted", "reloaded"]

    public static let spec = ModuleSpec(
        name: "service",
        aliases: ["systemd", "systemd_service", "sysvinit"],
        arguments: [
            ArgumentSpec("name", required: true, aliases: ["service", "unit"], doc: "The service's name."),
            ArgumentSpec("state", choices: states, doc: "started/stopped only act when needed; restarted/reloaded always act."),
            ArgumentSpec("enabled", type: .bool, doc: "Start it at boot."),
            ArgumentSpec("daemon_reload", type: .bool, default: .bool(false), aliases: ["daemon-reload"], doc: "systemctl daemon-reload first (systemd)."),
            ArgumentSpec("arguments", default: .string(""), aliases: ["args"], doc: "Extra words for the service command (init scripts)."),
            ArgumentSpec("pattern", doc: "Accepted; status comes from the init system."),
            ArgumentSpec("sleep", type: .int, doc: "Seconds between stop and start when restarting (init scripts)."),
            ArgumentSpec("runlevel", default: .string("default"), doc: "Accepted; update-rc.d uses the script's defaults."),
            ArgumentSpec("use", default: .string("auto"), choices: ["auto", "systemd", "sysvinit", "service"], doc: "Which init system (auto: systemd when PID 1 is systemd)."),
        ],
        requiredOneOf: [["state", "enabled", "daemon_reload"]],
        doc: "Controls a service: started/stopped change only what differs, restarted/reloaded always act, enabled "
            + "sets starting at boot. Uses systemctl when PID 1 is systemd, else the service command and update-rc.d.",
        example: "- service:\n    name: nginx\n    state: started\n    enabled: yes")

    var name: String
    var state: String?
    var enabled: Bool?
    var daemonReload: Bool
    var extraArguments: [String]
    var sleep: Int?
    var use: String

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name", "service", "unit")
        state = try arguments.choice("state", ServiceModule.states, default: nil)
        enabled = arguments.has("enabled") ? try arguments.bool("enabled", default: false) : nil
        daemonReload = try arguments.bool("daemon_reload", "daemon-reload", default: false)
        extraArguments = try ShellWords.split(try arguments.string("arguments", "args") ?? "")
        sleep = try arguments.int("sleep")
        use = try arguments.choice("use", ["auto", "systemd", "sysvinit", "service"], default: "auto") ?? "auto"
        if state == nil && enabled == nil && !daemonReload {
            throw ModuleArgumentError("one of state, enabled or daemon_reload is required")
        }
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand(parts: [
            .assignment("n", name), .syntax(";"),
            .syntax("printf 'init %s\\n' \"$(cat /proc/1/comm 2>/dev/null)\";"),
            .syntax("if test \"$(cat /proc/1/comm 2>/dev/null)\" = systemd && command -v systemctl >/dev/null; then"),
            .syntax("printf 'active %s\\n' \"$(systemctl is-active -- \"$n\" 2>/dev/null)\";"),
            .syntax("printf 'enabled %s\\n' \"$(systemctl is-enabled -- \"$n\" 2>/dev/null)\";"),
            .syntax("printf 'loaded %s\\n' \"$(systemctl show -p LoadState --value -- \"$n\" 2>/dev/null)\";"),
            .syntax("else service \"$n\" status >/dev/null 2>&1; printf 'status %s\\n' \"$?\";"),
            .syntax("test -x \"/etc/init.d/$n\" && echo script;"),
            .syntax("if ls /etc/rc[2345].d/S[0-9][0-9]\"$n\" >/dev/null 2>&1; then echo 'enabled enabled'; else echo 'enabled disabled'; fi; fi"),
        ], compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var fields: [String: String] = [:]
        var flags: Set<String> = []
        for line in (probe?.stdoutText ?? "").splitLines {
            let pair = line.split(separator: " ", maxSplits: 1).map(String.init)
            if pair.count == 2 { fields[pair[0]] = pair[1] } else if let word = pair.first { flags.insert(word) }
        }
        let systemd = use == "systemd" || (use == "auto" && fields["init"] == "systemd" && fields["active"] != nil)
        let running: Bool
        if systemd {
            if fields["loaded"] == "not-found" {
                return ModulePlan(result: .failure("Could not find the requested service \(name): no unit \(name) (systemd)"))
            }
            running = ["active", "activating", "reloading"].contains(fields["active"] ?? "")
        } else {
            if !flags.contains("script") && fields["status"] == "127" {
                return ModulePlan(result: .failure("Could not find the requested service \(name): no /etc/init.d/\(name) and no service command"))
            }
            running = fields["status"] == "0"
        }
        let isEnabled = ["enabled", "enabled-runtime", "static", "alias", "indirect", "generated"].contains(fields["enabled"] ?? "")
        var actions: [ShellCommand] = []
        var result = ModuleResult()
        result["name"] = .string(name)
        var afterRunning = running
        if systemd && daemonReload { actions.append(ShellCommand("systemctl", "daemon-reload")) }
        func control(_ verb: String) -> ShellCommand {
            systemd ? ShellCommand("systemctl", verb, "--", name) : ShellCommand(words: ["service", name, verb] + extraArguments)
        }
        switch state {
        case "started"?:
            if !running { actions.append(control("start")); afterRunning = true }
        case "stopped"?:
            if running { actions.append(control("stop")); afterRunning = false }
        case "restarted"?:
            if !systemd, let sleep {
                actions.append(control("stop").then(ShellCommand("sleep", String(sleep))).then(control("start")))
            } else {
                actions.append(control("restart"))
            }
            afterRunning = true
        case "reloaded"?:
            actions.append(running ? control("reload") : control("start"))
            afterRunning = true
        default: break
        }
        if let state { result["state"] = .string(state == "stopped" ? "stopped" : "started") }
        if let enabled {
            result["enabled"] = .bool(enabled)
            if enabled != isEnabled {
                if systemd {
                    actions.append(ShellCommand("systemctl", enabled ? "enable" : "disable", "--", name))
                } else {
                    actions.append(ShellCommand("update-rc.d", name, enabled ? "defaults" : "remove").and(
                        enabled ? ShellCommand("update-rc.d", name, "enable") : ShellCommand("true")))
                }
            }
        }
        result["status"] = .dict(["ActiveState": .string(running ? "active" : "inactive"),
                                  "UnitFileState": .string(fields["enabled"] ?? "")])
        // daemon-reload alone is not a change of the service.
        let changes = actions.filter { $0.rendered != "systemctl daemon-reload" }
        if changes.isEmpty { return ModulePlan(actions: actions.map { .run($0) }, result: result) }
        if context.diffMode {
            let describe: (Bool, Bool) -> String = { "state: \($0 ? "started" : "stopped")\nenabled: \($1)\n" }
            result.diffs.append(ModuleDiff(beforeHeader: name, afterHeader: name, before: describe(running, isEnabled),
                                           after: describe(afterRunning, enabled ?? isEnabled)))
        }
        return .change(actions.map { .run($0) }, result)
    }
}
