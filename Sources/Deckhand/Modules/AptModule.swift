import Foundation
import Jinja

/// apt: installs, upgrades or removes Debian packages; refreshes the package lists when asked (or too old);
/// upgrades the whole system; removes what nothing needs any more.
///
///     - apt: { name: [nginx, postgresql], state: present, update_cache: yes, cache_valid_time: 3600 }
///     - apt: { upgrade: dist, autoremove: yes }
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
            ArgumentSpec("default_release", aliases: ["default-release"], doc: "Prefer packages of this release (apt-get -t), e.g. bookworm-backports."),
            ArgumentSpec("upgrade", default: .string("no"), choices: ["no", "yes", "safe", "full", "dist"],
                         doc: "Upgrade the system: yes/safe (apt-get upgrade --with-new-pkgs), full/dist (apt-get dist-upgrade)."),
            ArgumentSpec("autoremove", type: .bool, default: .bool(false),
                         doc: "Remove packages nothing needs any more (alone, or with the packages installed or removed)."),
            ArgumentSpec("allow_downgrade", type: .bool, default: .bool(false),
                         aliases: ["allow-downgrade", "allow_downgrades", "allow-downgrades"],
                         doc: "Let a pinned `name=version` replace a newer installed version (apt-get --allow-downgrades)."),
            ArgumentSpec("force", type: .bool, default: .bool(false),
                         doc: "Ansible's --force-yes: install, upgrade or remove even unauthenticated, downgraded, held or "
                            + "essential packages (apt 2's --allow-* options). Dangerous; almost never wanted."),
        ],
        requiredOneOf: [["name", "deb", "update_cache", "upgrade", "autoremove"]],
        mutuallyExclusive: [["deb", "name", "upgrade"]],
        doc: "Installs (present), upgrades (latest) or removes (absent) packages with apt-get, without prompts. A package "
            + "no source knows fails the task, in check mode too. A cache update alone reports changed; beside packages, "
            + "only their installation does, as Ansible's.",
        example: "- apt:\n    name: [nginx, supervisor]\n    update_cache: yes\n    cache_valid_time: 3600")

    var packages: [String]
    var state: String
    var updateCache: Bool
    var cacheValidTime: Int
    var installRecommends: Bool?
    var purge: Bool
    var deb: String?
    var defaultRelease: String?
    /// The apt-get subcommand of `upgrade`, nil for no.
    var upgrade: String?
    var autoremove: Bool
    var allowDowngrade: Bool
    var force: Bool

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
        defaultRelease = try arguments.string("default_release")
        switch try arguments.requiredString("upgrade") {
        case "yes", "safe": upgrade = "upgrade"
        case "full", "dist": upgrade = "dist-upgrade"
        default: upgrade = nil
        }
        autoremove = try arguments.bool("autoremove")
        allowDowngrade = try arguments.bool("allow_downgrade")
        force = try arguments.bool("force")
        if packages.isEmpty && !updateCache && deb == nil && upgrade == nil && !autoremove && cacheValidTime == 0 {
            throw ModuleArgumentError("give name, deb, upgrade, autoremove or update_cache")
        }
        if deb != nil && state != "present" { throw ModuleArgumentError("deb only supports state=present") }
        if let invalid = packages.first(where: { $0.filter { $0 == "=" }.count > 1 }) {
            throw ModuleArgumentError("invalid package spec: \(invalid)")
        }
        if cacheValidTime > 0 { updateCache = true }
    }

    var names: [String] { packages.map { String($0.split(separator: "=", maxSplits: 1).first ?? "") } }

    /// `-t release` where default_release is set.
    var releaseOptions: [String] { defaultRelease.map { ["-t", $0] } ?? [] }

    /// What apt-get install and remove are given besides the packages.
    var installOptions: [String] {
        var options = ["-y", "-q", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"] + releaseOptions
        if let installRecommends { options.append(installRecommends ? "--install-recommends" : "--no-install-recommends") }
        if autoremove { options.append("--auto-remove") }
        return options + forceOptions
    }

    /// What `force` means to apt 2, whose --force-yes (Ansible's word for it) is deprecated: every --allow-* it stood for.
    var forceOptions: [String] {
        force ? ["--allow-unauthenticated", "--allow-downgrades", "--allow-remove-essential", "--allow-change-held-packages"] : []
    }

    /// What install and upgrade are given besides installOptions (Ansible gives remove no --allow-downgrades).
    var downgradeOptions: [String] { allowDowngrade && !force ? ["--allow-downgrades"] : [] }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let answer = AptProbe.parse(probe?.stdoutText ?? "")
        var result = ModuleResult()
        let environment = ["DEBIAN_FRONTEND": "noninteractive"]
        var update: ShellCommand?
        if updateCache {
            let stale = cacheValidTime == 0 || (answer.cacheAge.map { $0 > cacheValidTime } ?? true)
            result["cache_updated"] = .bool(stale)
            if stale { update = ShellCommand("apt-get", "update", "-q") }
        }
        // As Ansible's: a package nothing provides fails the task, before anything changes (in check mode too).
        if state != "absent", let available = answer.available,
           let unknown = names.first(where: { answer.installed[$0] == nil && !available.contains($0) }) {
            return ModulePlan(result: .failure("No package matching '\(unknown)' is available"))
        }
        var commands: [ShellCommand] = []
        var action: HostAction?
        if let upgrade {
            if !answer.upgradable.isEmpty {
                action = HostAction.run(ShellCommand(words: ["apt-get", upgrade] + (upgrade == "upgrade" ? ["--with-new-pkgs"] : [])
                    + installOptions + downgradeOptions))
                action?.unchangedMarker = "0 upgraded, 0 newly installed"
            }
        } else if state == "absent" {
            let present = names.filter { answer.installed[$0] != nil }
            if !present.isEmpty { commands.append(ShellCommand(words: ["apt-get", purge ? "purge" : "remove"] + installOptions + present)) }
        } else {
            let missing = packages.filter { spec in
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                guard let version = answer.installed[parts[0]] else { return true }
                return parts.count == 2 && !version.hasPrefix(parts[1])
            }
            var install = missing
            if state == "latest" { install += answer.upgrades.filter { !missing.contains($0) } }
            if !install.isEmpty { commands.append(ShellCommand(words: ["apt-get", "install"] + installOptions + downgradeOptions + install)) }
            if let deb, answer.debInstalled != true {
                commands.append(ShellCommand(words: ["apt-get", "install"] + installOptions + downgradeOptions + [deb]))
            }
        }
        if packages.isEmpty && deb == nil && autoremove && !answer.removable.isEmpty {
            commands.append(ShellCommand(words: ["apt-get", "autoremove"] + installOptions + (purge ? ["--purge"] : [])))
        }
        if let first = commands.first {
            let command = commands.dropFirst().reduce(update.map { $0.and(first) } ?? first) { $0.and($1) }
            return .change([.run(command.withEnvironment(environment))], result)
        }
        if var action {
            // apt-get upgrade decides itself: "0 upgraded, 0 newly installed" is no change, as Ansible reads it.
            if case .run(let command, _) = action.kind { action.kind = .run(command.withEnvironment(environment), stdin: nil) }
            return .change((update.map { [.run($0.withEnvironment(environment))] } ?? []) + [action], result)
        }
        guard let update else { return .unchanged(result) }
        // The lists are refreshed either way; only a refresh with nothing else asked of the task is its change.
        let alone = packages.isEmpty && deb == nil && upgrade == nil
        var plan = ModulePlan(actions: [.run(update.withEnvironment(environment))], result: result)
        plan.result.changed = alone
        return plan
    }
}
