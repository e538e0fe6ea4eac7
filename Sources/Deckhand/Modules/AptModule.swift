import Foundation
import Jinja
import SSH

/// apt: installs, upgrades or removes Debian packages; refreshes the package lists when they are old.
///
///     - apt: { name: [nginx, postgresql], state: present, update_cache: yes, cache_valid_time: 3600 }
public struct AptModule: Module {
    static let states = ["present", "installed", "absent", "removed", "latest"]

    public static let spec = ModuleSpec(
        name: "apt",
        arguments: [
            ArgumentSpec("name", type: .list, aliases: ["package", "pkg"], doc: "Packages (name, or name=version)."),
            ArgumentSpec("state", default: .string("present"), choices: states, doc: "present, absent or latest."),
            ArgumentSpec("update_cache", type: .bool, default: .bool(false), aliases: ["update-cache"], doc: "Run apt-get update first."),
            ArgumentSpec("cache_valid_time", type: .int, default: .int(0), doc: "Skip the update when the lists are younger than this many seconds."),
            ArgumentSpec("install_recommends", type: .bool, aliases: ["install-recommends"], doc: "Install recommended packages (default: apt's setting)."),
            ArgumentSpec("deb", type: .path, doc: "A .deb file on the host to install."),
            ArgumentSpec("purge", type: .bool, default: .bool(false), doc: "Remove configuration files too (state absent)."),
            ArgumentSpec("autoremove", type: .bool, default: .bool(false), doc: "Remove packages nothing needs any more."),
            ArgumentSpec("default_release", aliases: ["default-release"], doc: "Install from this release (-t)."),
            ArgumentSpec("force", type: .bool, default: .bool(false), doc: "Allow downgrades and unauthenticated packages."),
            ArgumentSpec("dpkg_options", default: .string("force-confdef,force-confold"), doc: "Options for dpkg, comma-separated."),
            ArgumentSpec("only_upgrade", type: .bool, default: .bool(false), doc: "Only upgrade installed packages."),
        ],
        doc: "Manages Debian packages with apt-get: the probe reads every named package's status (and candidate "
            + "version for latest) and the lists' age in one round trip; nothing runs when all is as wanted.",
        example: "- apt:\n    name: [nginx, postgresql, supervisor]\n    update_cache: yes\n    cache_valid_time: 3600")

    var names: [String]
    var state: String
    var updateCache: Bool
    var cacheValidTime: Int
    var installRecommends: Bool?
    var deb: String?
    var purge: Bool
    var autoremove: Bool
    var defaultRelease: String?
    var force: Bool
    var dpkgOptions: [String]
    var onlyUpgrade: Bool

    public init(_ arguments: ModuleArguments) throws {
        names = try arguments.list("name", "package", "pkg") ?? []
        let state = try arguments.choice("state", AptModule.states, default: "present") ?? "present"
        self.state = state == "installed" ? "present" : state == "removed" ? "absent" : state
        updateCache = try arguments.bool("update_cache", "update-cache", default: false)
        cacheValidTime = try arguments.int("cache_valid_time") ?? 0
        installRecommends = arguments.has("install_recommends", "install-recommends")
            ? try arguments.bool("install_recommends", "install-recommends", default: true) : nil
        deb = try arguments.string("deb")
        purge = try arguments.bool("purge", default: false)
        autoremove = try arguments.bool("autoremove", default: false)
        defaultRelease = try arguments.string("default_release", "default-release")
        force = try arguments.bool("force", default: false)
        dpkgOptions = (try arguments.string("dpkg_options") ?? "force-confdef,force-confold").split(separator: ",").map { String($0).trimmed }
        onlyUpgrade = try arguments.bool("only_upgrade", default: false)
        for name in names where name.hasPrefix("-") || name.contains(where: { $0 == " " || $0 == "\n" }) {
            throw ModuleArgumentError("package name \(name.debugDescription) is not valid")
        }
        if names.isEmpty && deb == nil && !updateCache && !autoremove {
            throw ModuleArgumentError("one of name, deb, update_cache or autoremove is required")
        }
    }

    /// `nginx=1.22*` -> (nginx, 1.22*).
    static func split(_ spec: String) -> (name: String, version: String?) {
        guard let index = spec.firstIndex(of: "=") else { return (spec, nil) }
        return (String(spec[..<index]), String(spec[spec.index(after: index)...]))
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var parts: [ShellCommand.Part] = [.syntax("printf 'now %s\\n' \"$(date +%s)\";"),
            .syntax("printf 'lists %s\\n' \"$(stat -c %Y /var/lib/apt/periodic/update-success-stamp /var/lib/apt/lists 2>/dev/null | sort -n | tail -n 1)\";")]
        var packages = names.map { AptModule.split($0).name }
        if let deb {
            parts += [.syntax("printf 'deb %s\\n' \"$(dpkg-deb -f"), .word(deb), .syntax("Package Version 2>&1 | tr '\\n' ' ')\";")]
            parts += [.syntax("dpkg-query -W -f='pkg ${Package}\\t${Status}\\t${Version}\\n' \"$(dpkg-deb -f"), .word(deb), .syntax("Package 2>/dev/null)\" 2>/dev/null;")]
            packages = packages.filter { !$0.isEmpty }
        }
        if !packages.isEmpty {
            parts += [.syntax("dpkg-query -W -f='pkg ${Package}\\t${Status}\\t${Version}\\n' --")] + packages.map(ShellCommand.Part.word)
                + [.syntax("2>/dev/null;")]
            if state == "latest" {
                parts += [.syntax("LC_ALL=C apt-cache policy --")] + packages.map(ShellCommand.Part.word) + [.syntax("2>/dev/null;")]
            }
        }
        parts.append(.syntax("true"))
        return ShellCommand(parts: parts, compound: true)
    }

    struct Installed { var installed: Bool; var version: String }

    /// Package name -> installed state and version; candidates from `apt-cache policy`.
    static func parse(_ text: String) -> (installed: [String: Installed], candidates: [String: String], fields: [String: String]) {
        var installed: [String: Installed] = [:]
        var candidates: [String: String] = [:]
        var fields: [String: String] = [:]
        var policyPackage: String?
        for line in text.splitLines {
            if line.hasPrefix("pkg ") {
                let columns = line.dropFirst(4).split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard columns.count == 3 else { continue }
                // ${Package} may carry an architecture suffix for multi-arch names.
                let name = columns[0]
                installed[name] = Installed(installed: columns[1].hasSuffix(" installed"), version: columns[2])
            } else if !line.hasPrefix(" ") && line.hasSuffix(":") {
                policyPackage = String(line.dropLast())
            } else if let package = policyPackage, line.trimmed.hasPrefix("Candidate:") {
                candidates[package] = String(line.trimmed.dropFirst("Candidate:".count)).trimmed
            } else {
                let pair = line.split(separator: " ", maxSplits: 1).map(String.init)
                if pair.count == 2 { fields[pair[0]] = pair[1] }
            }
        }
        return (installed, candidates, fields)
    }

    var aptGet: [String] {
        var words = ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-y", "-q"]
        for option in dpkgOptions where !option.isEmpty { words += ["-o", "Dpkg::Options::=--" + option] }
        if let installRecommends { words.append(installRecommends ? "--install-recommends" : "--no-install-recommends") }
        if let defaultRelease { words += ["-t", defaultRelease] }
        if force { words += ["--allow-downgrades", "--allow-unauthenticated", "--allow-remove-essential", "--allow-change-held-packages"] }
        return words
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let (installed, candidates, fields) = AptModule.parse(probe?.stdoutText ?? "")
        var actions: [HostAction] = []
        var result = ModuleResult()
        var cacheUpdated = false
        if updateCache {
            let now = Int(fields["now"] ?? "") ?? Int(Date().timeIntervalSince1970)
            let age = Int(fields["lists"] ?? "").map { now - $0 }
            if cacheValidTime == 0 || age == nil || age! > cacheValidTime {
                actions.append(.run(ShellCommand("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update", "-q")))
                cacheUpdated = true
            }
        }
        result["cache_updated"] = .bool(cacheUpdated)
        result["cache_update_time"] = .int(Int(fields["lists"] ?? "") ?? 0)
        var change: [String] = []
        var verb = "install"
        switch state {
        case "absent":
            verb = "remove"
            change = names.filter { installed[AptModule.split($0).name]?.installed == true }.map { AptModule.split($0).name }
        case "latest":
            change = names.filter { spec in
                let name = AptModule.split(spec).name
                guard let current = installed[name], current.installed else { return !onlyUpgrade }
                guard let candidate = candidates[name], candidate != "(none)" else { return false }
                return candidate != current.version
            }
        default:
            change = names.filter { spec in
                let (name, version) = AptModule.split(spec)
                guard let current = installed[name], current.installed else { return !onlyUpgrade }
                guard let version else { return false }
                if version.hasSuffix("*") { return !current.version.hasPrefix(String(version.dropLast())) }
                return current.version != version
            }
        }
        if let deb {
            let header = (fields["deb"] ?? "").split(separator: " ").map(String.init)
            guard header.count >= 2 else {
                return ModulePlan(result: .failure("cannot read the package \(deb): \(fields["deb"] ?? "no answer from dpkg-deb")"))
            }
            let current = installed[header[0]]
            if current?.installed != true || current?.version != header[1] {
                actions.append(.run(ShellCommand(words: aptGet + ["install", "--", deb.hasPrefix("/") ? deb : "./" + deb])))
                change.append(header[0])
            }
        }
        if !change.isEmpty && deb == nil {
            let requested = names.filter { change.contains(AptModule.split($0).name) || change.contains($0) }
            var words = aptGet + [verb]
            if verb == "remove" && purge { words.append("--purge") }
            if onlyUpgrade { words.append("--only-upgrade") }
            actions.append(.run(ShellCommand(words: words + ["--"] + (verb == "remove" ? change : requested))))
        }
        if autoremove {
            let nothingElse = change.isEmpty && !cacheUpdated
            actions.append(HostAction.run(ShellCommand(words: aptGet + ["autoremove"] + (purge ? ["--purge"] : [])))
                .interpreting { output, result in
                    if nothingElse && output.stdoutText.contains(" 0 to remove") { result.changed = false }
                })
        }
        if context.diffMode && !change.isEmpty {
            let before = change.map { "\($0): \(installed[AptModule.split($0).name].map { $0.installed ? $0.version : "absent" } ?? "absent")" }
            let after = change.map { "\($0): \(verb == "remove" ? "absent" : "installed")" }
            result.diffs.append(ModuleDiff(beforeHeader: "packages", afterHeader: "packages",
                                           before: before.joined(separator: "\n") + "\n", after: after.joined(separator: "\n") + "\n"))
        }
        if change.isEmpty && !autoremove {
            // A cache refresh is a change, as Ansible reports it.
            return cacheUpdated ? .change(actions, result) : .unchanged(result)
        }
        return .change(actions, result)
    }
}
