import Foundation
import Jinja

/// timezone (community.general): the system time zone. With systemd running, `timedatectl set-timezone`;
/// without (containers), as community.general does on Debian: /etc/localtime linked to the zone's file,
/// then `dpkg-reconfigure tzdata` (which writes /etc/timezone), or /etc/timezone written where there is no dpkg.
///
///     - timezone: { name: Europe/Amsterdam }
public struct TimezoneModule: Module {
    public static let spec = ModuleSpec(
        name: "timezone",
        arguments: [
            ArgumentSpec("name", doc: "The zone, as under /usr/share/zoneinfo (Europe/Amsterdam, Etc/UTC)."),
            ArgumentSpec("hwclock", aliases: ["rtc"], choices: ["local", "UTC"], doc: "Whether the hardware clock keeps local time or UTC (systemd hosts)."),
        ],
        requiredOneOf: [["name", "hwclock"]],
        doc: "Sets the system time zone (timedatectl, or /etc/localtime and tzdata without systemd) and, with systemd, "
            + "whether the hardware clock keeps UTC. An unknown zone fails before anything changes.",
        example: "- timezone:\n    name: Europe/Amsterdam")

    var name: String?
    var hwclock: String?

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.string("name")
        hwclock = try arguments.string("hwclock")
        if let name, name.isEmpty || name.hasPrefix("/") || name.split(separator: "/").contains("..") {
            throw ModuleArgumentError("timezone: '\(name)' is not a zone name (Europe/Amsterdam)")
        }
    }

    /// `key value` lines: whether systemd runs, the current zone and RTC setting, and whether the zone exists.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand(parts: [.assignment("z", name ?? ""), .syntax(";"), .syntax("""
            if test -d /run/systemd/system && command -v timedatectl >/dev/null 2>&1; then echo manager systemd; \
            printf 'zone %s\\n' "$(timedatectl show -p Timezone --value)"; printf 'rtc %s\\n' "$(timedatectl show -p LocalRTC --value)"; \
            else echo manager none; if test -f /etc/timezone; then printf 'zone %s\\n' "$(head -n 1 /etc/timezone)"; \
            else printf 'zone %s\\n' "$(readlink /etc/localtime | sed 's|.*/zoneinfo/||')"; fi; \
            if test -n "$z" && test -e /etc/localtime && cmp -s /etc/localtime "/usr/share/zoneinfo/$z"; then echo localtime same; fi; \
            command -v dpkg-reconfigure >/dev/null 2>&1 && echo dpkg yes; fi; \
            if test -n "$z" && test -f "/usr/share/zoneinfo/$z"; then echo known yes; fi; true
            """)], compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var facts: [String: String] = [:]
        for line in (probe?.stdoutText ?? "").splitLines {
            let fields = line.split(separator: " ", maxSplits: 1).map(String.init)
            facts[fields[0]] = fields.count > 1 ? fields[1].trimmed : ""
        }
        let systemd = facts["manager"] == "systemd"
        var before = "", after = ""
        var commands: [ShellCommand] = []
        if let name {
            guard facts["known"] != nil else {
                return ModulePlan(result: .failure("given timezone \"\(name)\" is not available: there is no /usr/share/zoneinfo/\(name) on \(context.hostName)"))
            }
            let current = facts["zone"] ?? ""
            // Without systemd the zone is right only when /etc/localtime holds it too.
            let right = current == name && (systemd || facts["localtime"] != nil)
            before += "name: \(current)\n"
            after += "name: \(name)\n"
            if !right {
                if systemd {
                    commands.append(ShellCommand("timedatectl", "set-timezone", name))
                } else if facts["dpkg"] != nil {
                    commands.append(ShellCommand("ln", "-sf", "/usr/share/zoneinfo/" + name, "/etc/localtime"))
                    commands.append(ShellCommand("dpkg-reconfigure", "--frontend", "noninteractive", "tzdata").withEnvironment(["DEBIAN_FRONTEND": "noninteractive"]))
                } else {
                    commands.append(ShellCommand("ln", "-sf", "/usr/share/zoneinfo/" + name, "/etc/localtime"))
                    commands.append(ShellCommand("printf", "%s\\n", name).redirectingOutput(to: "/etc/timezone"))
                }
            }
        }
        if let hwclock {
            guard systemd else {
                return ModulePlan(result: .failure("timezone: hwclock needs systemd's timedatectl, and systemd is not running on \(context.hostName)"))
            }
            let local = facts["rtc"] == "yes"
            before += "hwclock: \(local ? "local" : "UTC")\n"
            after += "hwclock: \(hwclock)\n"
            if local != (hwclock == "local") { commands.append(ShellCommand("timedatectl", "set-local-rtc", hwclock == "local" ? "yes" : "no")) }
        }
        var result = ModuleResult()
        guard let first = commands.first else { return .unchanged(result) }
        if context.diffMode { result.diffs.append(ModuleDiff(beforeHeader: "timezone", afterHeader: "timezone", before: before, after: after)) }
        return .change([.run(commands.dropFirst().reduce(first) { $0.and($1) })], result)
    }
}
