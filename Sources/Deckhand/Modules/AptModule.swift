import Foundation
import Jinja

/// apt: installs, upgrades or removes Debian packages; refreshes the package lists when asked (or too old).
///
///     - apt: { name: [nginx, postgresql], state: present, update_cache: yes, cache_valid_time: 3600 }
public struct AptModule: Module {
    public static let spec = ModuleSpec(
        name: "apt",
        aliases: ["apt_get"],
        arguments: [
            ArgumentSpec("name", type: .list, aliases: ["package", "pkg"], doc: "Packages; `name=version` pins a version."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent", "latest", "installed", "removed"],
                         doc: "present, absent or latest."),
            ArgumentSpec("update_cache", type: .bool, default: .bool(false), aliases: ["update-cache"], doc: "apt-get update first."),
            ArgumentSpec("cache_valid_time", type: .int, default: .int(0), doc: "Skip the update when the lists are younger than this (seconds)."),
            ArgumentSpec("install_recommends", type: .bool, aliases: ["install-recommends"], doc: "Install recommended packages too."),
            ArgumentSpec("purge", type: .bool, default: .bool(false), doc: "With absent: remove configuration too."),
            ArgumentSpec("deb", type: .path, doc: "A .deb file on the host to install."),
        ],
        doc: "Installs (present), upgrades (latest) or removes (absent) packages with apt-get, without prompts.",
        example: "- apt:\n    name: [nginx, supervisor]\n    update_cache: yes\n    cache_valid_time: 3600")

    var packages: [String]
    var state: String
    var updateCache: Bool
    var cacheValidTime: Int
    var installRecommends: Bool?
    var purge: Bool
    var deb: String?

    public init(_ arguments: ModuleArguments) throws {
        packages = try arguments.list("name") ?? []
        state = try arguments.requiredString("state")
        if state == "installed" { state = "present" }
        if state == "removed" { state = "absent" }
        updateCache = try arguments.bool("update_cache")
        cacheValidTime = try arguments.requiredInt("cache_valid_time")
        installRecommends = try arguments.optionalBool("install_recommends")
        purge = try arguments.bool("purge")
        deb = try arguments.string("deb")
        if packages.isEmpty && !updateCache && deb == nil {
            throw ModuleArgumentError("give name, deb or update_cache")
        }
        if cacheValidTime > 0 { updateCache = true }
    }

    var names: [String] { packages.map { String($0.split(separator: "=", maxSplits: 1).first ?? "") } }

    /// Installed versions (`dpkg-query`), the age of the package lists, and for latest the simulated upgrades.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var parts: [ShellCommand] = [ShellCommand("echo", "@@installed")]
        if !names.isEmpty {
            parts.append(ShellCommand(words: ["dpkg-query", "-W", "-f=${Package} ${Status} ${Version}\\n"] + names)
                .silencingErrors.or(ShellCommand("true")))
        }
        if updateCache {
            parts.append(ShellCommand("echo", "@@cache"))
            parts.append(ShellCommand.script("stat -c %Y /var/lib/apt/periodic/update-success-stamp /var/lib/apt/lists 2>/dev/null | sort -n | tail -n 1; date +%s"))
        }
        if state == "latest" && !names.isEmpty {
            parts.append(ShellCommand("echo", "@@upgrades"))
            parts.append(ShellCommand(words: ["apt-get", "-s", "-o", "Debug::NoLocking=1", "install", "--only-upgrade"] + names)
                .silencingErrors.pipe(ShellCommand("grep", "^Inst ")).or(ShellCommand("true")))
        }
        return parts.dropFirst().reduce(parts[0]) { $0.then($1) }
    }

    struct ProbeAnswer {
        var installed: [String: String] = [:]
        var cacheAge: Int?
        var upgrades: [String] = []
    }

    static func parse(_ output: String) -> ProbeAnswer {
        var answer = ProbeAnswer()
        var section = ""
        var cacheLines: [Int] = []
        for line in output.splitLines {
            if line.hasPrefix("@@") { section = String(line.dropFirst(2)); continue }
            switch section {
            case "installed":
                let fields = line.split(separator: " ").map(String.init)
                // "nginx install ok installed 1.22.1-9"
                if fields.count >= 5, fields[3] == "installed" { answer.installed[fields[0]] = fields[4] }
            case "cache":
                if let number = Int(line.trimmed) { cacheLines.append(number) }
            case "upgrades":
                if line.hasPrefix("Inst "), let name = line.split(separator: " ").dropFirst().first { answer.upgrades.append(String(name)) }
            default: break
            }
        }
        if cacheLines.count >= 2 { answer.cacheAge = cacheLines[cacheLines.count - 1] - cacheLines[cacheLines.count - 2] }
        return answer
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let answer = AptModule.parse(probe?.stdoutText ?? "")
        var commands: [ShellCommand] = []
        var result = ModuleResult()
        let environment = ["DEBIAN_FRONTEND": "noninteractive"]
        if updateCache {
            let stale = cacheValidTime == 0 || (answer.cacheAge.map { $0 > cacheValidTime } ?? true)
            result["cache_updated"] = .bool(stale)
            if stale { commands.append(ShellCommand("apt-get", "update", "-q")) }
        }
        var options = ["-y", "-q", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"]
        if let installRecommends { options.append(installRecommends ? "--install-recommends" : "--no-install-recommends") }
        switch state {
        case "absent":
            let present = names.filter { answer.installed[$0] != nil }
            if !present.isEmpty { commands.append(ShellCommand(words: ["apt-get", purge ? "purge" : "remove", "-y", "-q"] + present)) }
        default:
            let missing = packages.filter { spec in
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                guard let version = answer.installed[parts[0]] else { return true }
                return parts.count == 2 && !version.hasPrefix(parts[1])
            }
            var install = missing
            if state == "latest" { install += answer.upgrades.filter { !missing.contains($0) } }
            if !install.isEmpty { commands.append(ShellCommand(words: ["apt-get", "install"] + options + install)) }
            if let deb { commands.append(ShellCommand(words: ["apt-get", "install"] + options + [deb])) }
        }
        guard let first = commands.first else { return .unchanged(result) }
        let command = commands.dropFirst().reduce(first) { $0.and($1) }.withEnvironment(environment)
        if deb != nil && commands.count == 1 {
            // A .deb already at its version installs nothing: "0 newly installed".
            return .change([.run(command, changedWhenOutputContains: "Setting up ")], result)
        }
        return .change([.run(command)], result)
    }
}
