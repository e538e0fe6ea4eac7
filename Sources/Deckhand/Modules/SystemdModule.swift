import Foundation
import Jinja

/// systemd (systemd_service): a unit's state, whether it starts at boot, masking, and daemon-reload.
///
/// On a host where systemd is not PID 1 (a container, a chroot), deckhand does what Ansible does with
/// SYSTEMD_OFFLINE=1 and goes on: daemon-reload and daemon-reexec have no manager to talk to, so they are
/// skipped (ok, with a warning in the result); enabled and masked still work, since `systemctl enable/mask`
/// edit links without a running manager; a state is reached through the unit's init script (`service NAME
/// start`), and a unit without one fails, saying so.
///
///     - systemd: { daemon_reload: true }
///     - systemd: { name: gunicorn, state: restarted, enabled: true, daemon_reload: true }
public struct SystemdModule: Module {
    public static let spec = ModuleSpec(
        name: "systemd",
        aliases: ["systemd_service"],
        arguments: [
            ArgumentSpec("name", aliases: ["service", "unit"], doc: "The unit (`nginx` or `nginx.service`)."),
            ArgumentSpec("state", choices: ["started", "stopped", "restarted", "reloaded"], doc: "What it should be doing."),
            ArgumentSpec("enabled", type: .bool, doc: "Start at boot."),
            ArgumentSpec("masked", type: .bool, doc: "Masked: it cannot be started at all."),
            ArgumentSpec("force", type: .bool, doc: "--force for enable and mask (replace conflicting links)."),
            ArgumentSpec("daemon_reload", type: .bool, default: .bool(false), aliases: ["daemon-reload"],
                         doc: "systemctl daemon-reload first, even when nothing else is asked; never reports changed."),
            ArgumentSpec("daemon_reexec", type: .bool, default: .bool(false), aliases: ["daemon-reexec"],
                         doc: "systemctl daemon-reexec first."),
            ArgumentSpec("scope", default: .string("system"), choices: ["system", "user", "global"],
                         doc: "The service manager: the system's, the login user's (--user) or all users' (--global)."),
            ArgumentSpec("no_block", type: .bool, default: .bool(false), doc: "Queue the start/stop without waiting for it."),
        ],
        requiredOneOf: [["state", "enabled", "masked", "daemon_reload", "daemon_reexec"]],
        doc: "Starts, stops, restarts or reloads a systemd unit, enables or masks it, and runs daemon-reload (alone too). "
            + "Without a running systemd (containers), daemon-reload is skipped, enabled/masked edit the unit links, "
            + "and a state goes through the init script.",
        example: "- systemd:\n    name: nginx\n    state: restarted\n    enabled: true\n    daemon_reload: true")

    var name: String?
    var state: String?
    var enabled: Bool?
    var masked: Bool?
    var force: Bool
    var daemonReload: Bool
    var daemonReexec: Bool
    var scope: String
    var noBlock: Bool

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.string("name")
        state = try arguments.string("state")
        enabled = try arguments.optionalBool("enabled")
        masked = try arguments.optionalBool("masked")
        force = try arguments.bool("force")
        daemonReload = try arguments.bool("daemon_reload")
        daemonReexec = try arguments.bool("daemon_reexec")
        scope = try arguments.requiredString("scope")
        noBlock = try arguments.bool("no_block")
        if name == nil && (state != nil || enabled != nil || masked != nil) {
            throw ModuleArgumentError("systemd: state, enabled and masked need the unit's name (name: nginx)")
        }
        if state == nil && enabled == nil && masked == nil && !daemonReload && !daemonReexec {
            throw ModuleArgumentError("systemd: give one of state, enabled, masked, daemon_reload or daemon_reexec")
        }
        if let name, name.contains(where: { "*?[".contains($0) }) {
            throw ModuleArgumentError("systemd does not support glob patterns in a unit's name: \(name)")
        }
    }

    /// The init script's name: the unit without `.service`.
    var scriptName: String? { name.map { $0.hasSuffix(".service") ? String($0.dropLast(8)) : $0 } }

    /// `key value` lines: whether systemd runs, then the unit's load/active/enabled state and its init script.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var parts: [ShellCommand.Part] = [.assignment("n", name ?? ""), .syntax(";"), .assignment("s", scriptName ?? ""), .syntax(";"),
                                          .assignment("scope", "--" + scope), .syntax(";")]
        parts.append(.syntax("""
            if test -d /run/systemd/system; then echo manager systemd; else echo manager offline; fi; \
            command -v systemctl >/dev/null 2>&1 && echo systemctl yes; \
            if test -n "$n"; then \
            if test -d /run/systemd/system; then systemctl "$scope" show -p LoadState -p ActiveState -p SubState -p UnitFileState -- "$n" 2>/dev/null \
            | sed 's/^\\([A-Za-z]*\\)=/show \\1 /'; fi; \
            printf 'unitfile %s\\n' "$(systemctl "$scope" is-enabled -- "$n" 2>/dev/null | head -n 1)"; \
            if test -x "/etc/init.d/$s"; then echo initscript yes; \
            if service "$s" status >/dev/null 2>&1; then echo running yes; fi; \
            if ls /etc/rc?.d/S??"$s" >/dev/null 2>&1; then echo rclinks yes; fi; fi; fi; true
            """))
        return ShellCommand(parts: parts, compound: true)
    }

    struct Observed {
        var systemdRunning = false
        var hasSystemctl = false
        var show: [String: String] = [:]
        var unitFileState = ""
        var hasInitScript = false
        var scriptRunning = false
        var rcLinks = false

        init(_ output: String) {
            for line in output.splitLines {
                let fields = line.split(separator: " ", maxSplits: 1).map(String.init)
                let value = fields.count > 1 ? fields[1] : ""
                switch fields.first {
                case "manager": systemdRunning = value == "systemd"
                case "systemctl": hasSystemctl = true
                case "show":
                    let pair = value.split(separator: " ", maxSplits: 1).map(String.init)
                    if pair.count == 2 { show[pair[0]] = pair[1] }
                case "unitfile": unitFileState = value.trimmed
                case "initscript": hasInitScript = true
                case "running": scriptRunning = true
                case "rclinks": rcLinks = true
                default: break
                }
            }
        }

        /// A unit file or an init script by that name.
        var found: Bool {
            if systemdRunning, let load = show["LoadState"] { return load != "not-found" || hasInitScript }
            return !unitFileState.isEmpty || hasInitScript
        }

        var active: Bool {
            if systemdRunning, let state = show["ActiveState"] { return ["active", "activating", "reloading"].contains(state) }
            return scriptRunning
        }

        var masked: Bool { unitFileState.hasPrefix("masked") || show["LoadState"] == "masked" }

        var enabled: Bool {
            if ["enabled", "enabled-runtime", "static", "linked", "linked-runtime", "generated", "transient"].contains(unitFileState) { return true }
            return unitFileState.isEmpty && rcLinks
        }
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let observed = Observed(probe?.stdoutText ?? "")
        var result = ModuleResult()
        var warnings: [String] = []
        var actions: [HostAction] = []
        var changed = false
        let systemctl = ["systemctl"] + (scope == "system" ? [] : ["--" + scope])
        if let name { result["name"] = .string(name) }

        for (asked, verb) in [(daemonReload, "daemon-reload"), (daemonReexec, "daemon-reexec")] where asked {
            if observed.systemdRunning {
                actions.append(.run(ShellCommand(words: systemctl + [verb])))
            } else {
                warnings.append("\(verb) skipped: systemd is not running on \(context.hostName) (PID 1 is another init), "
                                + "so there is no manager to reload")
            }
        }
        guard let name else { return finish(actions, changed: false, result, warnings) }
        let missing = "Could not find the requested service \(name): host"

        if let masked, masked != observed.masked {
            guard observed.hasSystemctl else {
                return ModulePlan(result: .failure("systemd: \(context.hostName) has no systemctl, so \(name) cannot be \(masked ? "masked" : "unmasked")"))
            }
            changed = true
            actions.append(.run(ShellCommand(words: systemctl + [masked ? "mask" : "unmask"] + (force && masked ? ["--force"] : []) + ["--", name])))
        }
        if let enabled {
            guard observed.found else { return ModulePlan(result: .failure(missing)) }
            result["enabled"] = .bool(enabled)
            if enabled != observed.enabled {
                changed = true
                if observed.hasSystemctl {
                    actions.append(.run(ShellCommand(words: systemctl + [enabled ? "enable" : "disable"] + (force ? ["--force"] : []) + ["--", name])))
                } else {
                    actions.append(.run(ShellCommand("update-rc.d", scriptName ?? name, enabled ? "defaults" : "disable")))
                }
            }
        }
        if let state {
            guard observed.found else { return ModulePlan(result: .failure(missing)) }
            let running = observed.active
            var verb: String?
            switch state {
            case "started": verb = running ? nil : "start"
            case "stopped": verb = running || observed.show["ActiveState"] == "deactivating" ? "stop" : nil
            default: verb = running ? String(state.dropLast(2)) : "start"
            }
            result["state"] = .string(state == "stopped" ? "stopped" : "started")
            if let verb {
                changed = true
                if observed.systemdRunning {
                    actions.append(.run(ShellCommand(words: systemctl + (noBlock ? ["--no-block"] : []) + [verb, "--", name])))
                } else if observed.hasInitScript, let script = scriptName {
                    actions.append(.run(ShellCommand("service", script, verb)))
                } else {
                    return ModulePlan(result: .failure("systemd: cannot \(verb) \(name) on \(context.hostName): systemd is not "
                        + "running there (PID 1 is another init) and \(name) has no init script in /etc/init.d"))
                }
            }
        }
        var status: [String: String] = observed.show
        if status.isEmpty {
            status["ActiveState"] = observed.active ? "active" : "inactive"
            if !observed.unitFileState.isEmpty { status["UnitFileState"] = observed.unitFileState }
        }
        result["status"] = .dict(.init(uniqueKeysWithValues: status.sorted { $0.key < $1.key }.map { ($0.key, Value.string($0.value)) }))
        if changed && context.diffMode {
            result.diffs.append(ModuleDiff(
                beforeHeader: "unit \(name)", afterHeader: "unit \(name)",
                before: "active: \(observed.active)\nenabled: \(observed.enabled)\nmasked: \(observed.masked)\n",
                after: "active: \(state.map { $0 != "stopped" } ?? observed.active)\nenabled: \(enabled ?? observed.enabled)\nmasked: \(masked ?? observed.masked)\n"))
        }
        return finish(actions, changed: changed, result, warnings)
    }

    /// The actions as one command; daemon-reload alone runs but reports ok, as Ansible's does.
    private func finish(_ actions: [HostAction], changed: Bool, _ result: ModuleResult, _ warnings: [String]) -> ModulePlan {
        var result = result
        result.changed = changed
        if !warnings.isEmpty {
            result["warnings"] = .list(warnings.map(Value.string))
            if result.msg == nil { result.msg = warnings.joined(separator: "; ") }
        }
        let commands = actions.compactMap { action -> ShellCommand? in
            if case .run(let command, _) = action.kind { return command }
            return nil
        }
        guard let first = commands.first else { return ModulePlan(result: result) }
        return ModulePlan(actions: [.run(commands.dropFirst().reduce(first) { $0.and($1) })], result: result)
    }
}
