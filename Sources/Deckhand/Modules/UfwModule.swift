import Foundation
import Jinja

/// ufw (community.general): the Uncomplicated Firewall's state, default policies, logging and rules, through
/// the `ufw` command. As community.general does, a run compares `ufw status verbose` and the rule tuples of
/// user.rules before and after; check mode predicts state, logging and policies from the status and rules
/// from `ufw --dry-run`.
///
///     - ufw: { rule: allow, port: "22", proto: tcp }
///     - ufw: { state: enabled, policy: deny }
public struct UfwModule: Module {
    static let ruleFiles = ["/lib/ufw/user.rules", "/lib/ufw/user6.rules", "/etc/ufw/user.rules", "/etc/ufw/user6.rules",
                            "/var/lib/ufw/user.rules", "/var/lib/ufw/user6.rules"]

    public static let spec = ModuleSpec(
        name: "ufw",
        arguments: [
            ArgumentSpec("state", choices: ["enabled", "disabled", "reloaded", "reset"], doc: "The firewall's state."),
            ArgumentSpec("default", aliases: ["policy"], choices: ["allow", "deny", "reject"], doc: "The default policy (of direction)."),
            ArgumentSpec("logging", choices: ["full", "high", "low", "medium", "off", "on"], doc: "Logging level."),
            ArgumentSpec("direction", choices: ["in", "incoming", "out", "outgoing", "routed"], doc: "Direction of the rule or policy."),
            ArgumentSpec("delete", type: .bool, default: .bool(false), doc: "Delete the rule."),
            ArgumentSpec("route", type: .bool, default: .bool(false), doc: "A routed (forwarding) rule."),
            ArgumentSpec("insert", type: .int, doc: "Insert the rule at this position."),
            ArgumentSpec("insert_relative_to", default: .string("zero"), choices: ["zero", "first-ipv4", "last-ipv4", "first-ipv6", "last-ipv6"],
                         doc: "What insert counts from: zero only (deckhand does not number rules by address family)."),
            ArgumentSpec("rule", choices: ["allow", "deny", "limit", "reject"], doc: "What the rule does."),
            ArgumentSpec("interface", aliases: ["if"], doc: "The rule's interface (with direction)."),
            ArgumentSpec("interface_in", aliases: ["if_in"], doc: "Incoming interface."),
            ArgumentSpec("interface_out", aliases: ["if_out"], doc: "Outgoing interface."),
            ArgumentSpec("log", type: .bool, default: .bool(false), doc: "Log the rule's new connections."),
            ArgumentSpec("from_ip", default: .string("any"), aliases: ["from", "src"], doc: "Source address or network."),
            ArgumentSpec("from_port", doc: "Source port."),
            ArgumentSpec("to_ip", default: .string("any"), aliases: ["dest", "to"], doc: "Destination address or network."),
            ArgumentSpec("to_port", aliases: ["port"], doc: "Destination port or range (8000:8010)."),
            ArgumentSpec("proto", aliases: ["protocol"], choices: ["ah", "any", "esp", "ipv6", "tcp", "udp", "gre", "igmp"], doc: "Protocol."),
            ArgumentSpec("name", aliases: ["app"], doc: "An application profile (OpenSSH)."),
            ArgumentSpec("comment", singleLine: true, doc: "The rule's comment."),
        ],
        requiredOneOf: [["state", "default", "rule", "logging"]],
        mutuallyExclusive: [["name", "proto", "logging"], ["direction", "interface_in"], ["direction", "interface_out"]],
        doc: "Enables, disables, reloads or resets ufw, sets default policies and logging, and adds or deletes rules; "
            + "changed when ufw's status or rules change. A host without the ufw command fails, saying so. "
            + "Not supported: insert_relative_to other than zero.",
        example: "- ufw:\n    rule: allow\n    port: \"22\"\n    proto: tcp")

    var state: String?
    var policy: String?
    var logging: String?
    var direction: String?
    var ruleWords: [String]?

    public init(_ arguments: ModuleArguments) throws {
        state = try arguments.string("state")
        policy = try arguments.string("default")
        logging = try arguments.string("logging")
        direction = try arguments.string("direction")
        if policy != nil, let direction, !["outgoing", "incoming", "routed"].contains(direction) {
            throw ModuleArgumentError("For default, direction must be one of \"outgoing\", \"incoming\" and \"routed\", or direction must not be specified.")
        }
        guard let rule = try arguments.string("rule") else { return }
        if let direction, !["in", "out"].contains(direction) {
            throw ModuleArgumentError("For rules, direction must be one of \"in\" and \"out\", or direction must not be specified.")
        }
        let route = try arguments.bool("route")
        let delete = try arguments.bool("delete")
        let interfaceIn = try arguments.string("interface_in"), interfaceOut = try arguments.string("interface_out")
        if !route && interfaceIn != nil && interfaceOut != nil {
            throw ModuleArgumentError("Only route rules can combine interface_in and interface_out")
        }
        if try arguments.string("interface") != nil && direction == nil { throw ModuleArgumentError("ufw: interface needs direction") }
        var words: [String] = []
        if route { words.append("route") }
        if delete { words.append("delete") }
        if let insert = try arguments.int("insert"), !delete {
            guard try arguments.requiredString("insert_relative_to") == "zero" else {
                throw ModuleArgumentError("ufw: insert_relative_to other than zero is not supported by deckhand; give the rule's absolute position")
            }
            words += ["insert", String(insert)]
        }
        words.append(rule)
        if let direction { words.append(direction) }
        if let interface = try arguments.string("interface") { words += ["on", interface] }
        if let interfaceIn { words += ["in", "on", interfaceIn] }
        if let interfaceOut { words += ["out", "on", interfaceOut] }
        if try arguments.bool("log") { words.append("log") }
        for (name, keyword) in [("from_ip", "from"), ("from_port", "port"), ("to_ip", "to"), ("to_port", "port"), ("proto", "proto"), ("name", "app")] {
            if let value = try arguments.string(name) { words += [keyword, value] }
        }
        if let comment = try arguments.string("comment") { words += ["comment", comment] }
        ruleWords = words
    }

    /// The ufw commands a run makes, in community.general's order: state, default, rule, logging.
    var commands: [[String]] {
        var commands: [[String]] = []
        let verbs = ["enabled": "enable", "disabled": "disable", "reloaded": "reload", "reset": "reset"]
        if let state, let verb = verbs[state] { commands.append(["ufw", "-f", verb]) }
        if let policy { commands.append(["ufw", "default", policy] + (direction.map { [$0] } ?? [])) }
        if let ruleWords { commands.append(["ufw"] + ruleWords) }
        if let logging { commands.append(["ufw", "logging", logging]) }
        return commands
    }

    /// Whether ufw is installed, its verbose status, and the rule tuples.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        .script("if ! command -v ufw >/dev/null 2>&1; then echo @@missing; exit 0; fi; LANG=C ufw status verbose; echo @@rules; "
                + "grep -h '^### tuple' " + UfwModule.ruleFiles.joined(separator: " ") + " 2>/dev/null; true")
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let output = probe?.stdoutText ?? ""
        if output.splitLines.first == "@@missing" {
            return ModulePlan(result: .failure("ufw: the ufw command is not installed on \(context.hostName); install it first "
                                               + "(apt: name=ufw) or leave the firewall tasks out for this host"))
        }
        let status = output.components(separatedBy: "@@rules").first ?? ""
        var result = ModuleResult(values: ["commands": .list(commands.map { .string(ShellCommand(words: $0).rendered) })])
        guard context.checkMode else {
            // Run everything, then compare the status and the rules with what they were.
            let snapshot = "{ LANG=C ufw status verbose; grep -h '^### tuple' " + UfwModule.ruleFiles.joined(separator: " ") + " 2>/dev/null; }"
            var parts: [ShellCommand.Part] = [.syntax("pre=$(\(snapshot)) || exit 1;")]
            for command in commands { parts += ShellCommand(words: command).parts + [.syntax("|| exit $?;")] }
            parts.append(.syntax("post=$(\(snapshot)); test \"$pre\" = \"$post\" || echo deckhand-ufw-changed"))
            let always = state == "reloaded" || state == "reset"
            let action = HostAction.run(ShellCommand(parts: parts, compound: true).withEnvironment(["LANG": "C"])).interpreting { output, result in
                result.changed = always || output.stdoutText.contains("deckhand-ufw-changed")
            }
            return ModulePlan(actions: [action], result: result)
        }
        var changed = state == "reloaded" || state == "reset"
        let active = status.contains("Status: active")
        if (state == "enabled" && !active) || (state == "disabled" && active) { changed = true }
        if let logging {
            if let match = status.range(of: "Logging: (on|off)( \\(([a-z]+)\\))?", options: .regularExpression) {
                let text = String(status[match])
                let on = text.hasPrefix("Logging: on")
                if logging == "off" { if on { changed = true } } else if !on || (logging != "on" && !text.contains("(\(logging))")) { changed = true }
            } else {
                changed = true
            }
        }
        if let policy {
            let pattern = "Default: (deny|allow|reject) \\(incoming\\), (deny|allow|reject) \\(outgoing\\), (deny|allow|reject|disabled) \\(routed\\)"
            if let regex = try? NSRegularExpression(pattern: pattern),
               let match = regex.firstMatch(in: status, range: NSRange(status.startIndex..., in: status)) {
                let group = ["incoming": 1, "outgoing": 2, "routed": 3][direction ?? "incoming"] ?? 1
                let current = Range(match.range(at: group), in: status).map { String(status[$0]) } ?? ""
                if current != policy && current != "disabled" { changed = true }
            } else {
                changed = true
            }
        }
        result.changed = changed
        guard let ruleWords else { return ModulePlan(result: result) }
        // ufw --dry-run only reads: it prints "Skipping ..." for a rule that is already there (or already gone).
        let dryRun = HostAction.run(ShellCommand(words: ["ufw", "--dry-run"] + ruleWords).withEnvironment(["LANG": "C"])).interpreting { output, result in
            let lines = output.stdoutText.splitLines.filter { !$0.isEmpty }
            let nothing = lines.contains { $0.contains("Skipping") || $0.contains("Could not delete non-existent rule") }
                && lines.allSatisfy { $0.contains("Skipping") || $0.contains("Could not delete non-existent rule") }
            if !nothing { result.changed = true }
        }
        return ModulePlan(actions: [dryRun], result: result, runsInCheckMode: true)
    }
}
