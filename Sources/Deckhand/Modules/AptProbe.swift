import Foundation

/// What the apt module reads before deciding, in one command: installed versions, which packages a source
/// provides, the age of the package lists, and what latest, upgrade, autoremove and deb would change.
enum AptProbe {
    struct Answer {
        var installed: [String: String] = [:]
        /// The names apt knows a candidate for; nil when not probed (then every name counts as known).
        var available: Set<String>?
        var cacheAge: Int?
        var upgrades: [String] = []
        /// Packages `upgrade` would install or upgrade.
        var upgradable: [String] = []
        /// Packages `autoremove` would remove.
        var removable: [String] = []
        /// Whether the .deb's package is installed at the .deb's version.
        var debInstalled: Bool?
    }

    /// apt-get simulating `words`, its Inst/Remv lines only (no lock taken: other apt runs go on).
    private static func simulate(_ words: [String], lines prefix: String) -> ShellCommand {
        ShellCommand(words: ["apt-get", "-s", "-o", "Debug::NoLocking=1"] + words)
            .silencingErrors.pipe(ShellCommand("grep", "^\(prefix) ")).or(ShellCommand("true"))
    }

    static func command(for apt: AptModule) -> ShellCommand {
        var parts: [ShellCommand] = [ShellCommand("echo", "@@installed")]
        let names = apt.names
        if !names.isEmpty {
            parts.append(ShellCommand(words: ["dpkg-query", "-W", "-f=${Package} ${Status} ${Version}\\n"] + names)
                .silencingErrors.or(ShellCommand("true")))
            if apt.state != "absent" {
                // `apt-cache policy` names each package it knows, with its candidate ("(none)": nothing installs it).
                parts.append(ShellCommand("echo", "@@policy"))
                parts.append(ShellCommand(words: ["apt-cache", "policy"] + apt.releaseOptions + ["--"] + names)
                    .silencingErrors.or(ShellCommand("true")))
            }
        }
        if apt.updateCache {
            parts.append(ShellCommand("echo", "@@cache"))
            parts.append(ShellCommand.script("stat -c %Y /var/lib/apt/periodic/update-success-stamp /var/lib/apt/lists 2>/dev/null | sort -n | tail -n 1; date +%s"))
        }
        if apt.state == "latest" && !names.isEmpty {
            parts.append(ShellCommand("echo", "@@upgrades"))
            parts.append(simulate(apt.releaseOptions + ["install", "--only-upgrade"] + names, lines: "Inst"))
        }
        if let upgrade = apt.upgrade {
            parts.append(ShellCommand("echo", "@@upgradable"))
            parts.append(simulate(apt.releaseOptions + [upgrade] + (upgrade == "upgrade" ? ["--with-new-pkgs"] : []), lines: "Inst"))
        }
        if apt.autoremove && names.isEmpty && apt.deb == nil {
            parts.append(ShellCommand("echo", "@@removable"))
            parts.append(simulate(["autoremove"], lines: "Remv"))
        }
        if let deb = apt.deb {
            parts.append(ShellCommand("echo", "@@deb"))
            parts.append(ShellCommand(parts: [
                .assignment("d", deb), .syntax(";"),
                .syntax("""
                p=$(dpkg-deb -f -- "$d" Package 2>/dev/null); v=$(dpkg-deb -f -- "$d" Version 2>/dev/null); \
                test -n "$p" && test "$(dpkg-query -W -f='${Status} ${Version}' -- "$p" 2>/dev/null)" = "install ok installed $v" \
                && echo installed || echo other
                """),
            ], compound: true))
        }
        return parts.dropFirst().reduce(parts[0]) { $0.then($1) }
    }

    static func parse(_ output: String) -> Answer {
        var answer = Answer()
        var section = ""
        var cacheLines: [Int] = []
        var policyName: String?
        for line in output.splitLines {
            if line.hasPrefix("@@") {
                section = String(line.dropFirst(2))
                if section == "policy" { answer.available = [] }
                continue
            }
            switch section {
            case "installed":
                let fields = line.split(separator: " ").map(String.init)
                // "nginx install ok installed 1.22.1-9"
                if fields.count >= 5, fields[3] == "installed" { answer.installed[fields[0]] = fields[4] }
            case "policy":
                // "nginx:" then "  Candidate: 1.22.1-9" (or "(none)")
                if !line.hasPrefix(" "), line.hasSuffix(":") { policyName = String(line.dropLast()) }
                let trimmed = line.trimmed
                if trimmed.hasPrefix("Candidate:"), let name = policyName, !trimmed.hasSuffix("(none)") {
                    answer.available?.insert(name)
                }
            case "cache":
                if let number = Int(line.trimmed) { cacheLines.append(number) }
            case "upgrades", "upgradable", "removable":
                let words = line.split(separator: " ")
                guard words.count > 1, words[0] == "Inst" || words[0] == "Remv" else { continue }
                let name = String(words[1])
                if section == "upgrades" { answer.upgrades.append(name) }
                if section == "upgradable" { answer.upgradable.append(name) }
                if section == "removable" { answer.removable.append(name) }
            case "deb":
                if line == "installed" || line == "other" { answer.debInstalled = line == "installed" }
            default: break
            }
        }
        if cacheLines.count >= 2 { answer.cacheAge = cacheLines[cacheLines.count - 1] - cacheLines[cacheLines.count - 2] }
        return answer
    }
}

extension AptModule {
    public func probe(_ context: ModuleContext) throws -> ShellCommand? { AptProbe.command(for: self) }
}
