import Foundation
import Jinja

/// git: checks out a repository at a version (branch, tag or commit) on the host; reports before/after.
///
///     - git: { repo: "git@github.com:acme/shop.git", dest: /webapps/shop/src, version: main, accept_hostkey: yes }
public struct GitModule: Module {
    public static let spec = ModuleSpec(
        name: "git",
        arguments: [
            ArgumentSpec("repo", required: true, aliases: ["name"], doc: "The repository URL."),
            ArgumentSpec("dest", type: .path, required: true, doc: "Where to check it out."),
            ArgumentSpec("version", default: .string("HEAD"), doc: "Branch, tag or commit."),
            ArgumentSpec("force", type: .bool, default: .bool(false), doc: "Discard local changes."),
            ArgumentSpec("depth", type: .int, doc: "Shallow clone: fetch only this many commits of the version's history."),
            ArgumentSpec("recursive", type: .bool, default: .bool(true),
                         doc: "Clone and update the submodules too (git submodule update --init --recursive)."),
            ArgumentSpec("update", type: .bool, default: .bool(true), doc: "Fetch new commits when dest exists."),
            ArgumentSpec("accept_hostkey", type: .bool, default: .bool(false), doc: "Accept an unknown host key of the git server."),
            ArgumentSpec("key_file", type: .path, doc: "The SSH key for the git server."),
        ],
        doc: "Clones or updates a git checkout to a version; changed when the commit moved, with before/after.",
        example: "- git:\n    repo: https://github.com/acme/shop.git\n    dest: /webapps/shop/src\n    version: v1.4.2")

    var repo: String
    var dest: String
    var version: String
    var force: Bool
    var depth: Int?
    var recursive: Bool
    var update: Bool
    var acceptHostKey: Bool
    var keyFile: String?

    public init(_ arguments: ModuleArguments) throws {
        repo = try arguments.requiredString("repo")
        dest = try arguments.requiredString("dest")
        version = try arguments.requiredString("version")
        force = try arguments.bool("force")
        depth = try arguments.int("depth")
        if let depth, depth < 1 { throw ModuleArgumentError("depth must be a positive number, got \(depth)") }
        recursive = try arguments.bool("recursive")
        update = try arguments.bool("update")
        acceptHostKey = try arguments.bool("accept_hostkey")
        keyFile = try arguments.string("key_file")
    }

    var environment: [String: String] {
        var ssh = ["ssh"]
        if acceptHostKey { ssh += ["-o", "StrictHostKeyChecking=accept-new"] }
        if let keyFile { ssh += ["-i", keyFile, "-o", "IdentitiesOnly=yes"] }
        return ssh.count > 1 ? ["GIT_SSH_COMMAND": ssh.map(ShellCommand.quote).joined(separator: " ")] : [:]
    }

    var isCommit: Bool { version.count >= 7 && version.count <= 40 && version.allSatisfy(\.isHexDigit) }

    /// The checked-out commit, local changes, and the commit the version names on the remote.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var probe = ShellCommand("echo", "@@head")
            .then(ShellCommand("git", "-C", dest, "rev-parse", "HEAD").silencingErrors.or(ShellCommand("true")))
            .then(ShellCommand("echo", "@@dirty"))
            .then(ShellCommand("git", "-C", dest, "status", "--porcelain", "--untracked-files=no").silencingErrors.or(ShellCommand("true")))
        if recursive {
            // "-" not checked out, "+" at another commit than the superproject records.
            probe = probe.then(ShellCommand("echo", "@@submodules"))
                .then(ShellCommand("git", "-C", dest, "submodule", "status", "--recursive").silencingErrors.or(ShellCommand("true")))
        }
        if !isCommit && update {
            let ref = version == "HEAD" ? "HEAD" : version
            probe = probe.then(ShellCommand("echo", "@@remote"))
                .then(ShellCommand("git", "ls-remote", repo, ref, ref + "^{}").withEnvironment(environment).or(ShellCommand("echo", "ls-remote failed")))
        }
        return probe
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var sections: [String: [String]] = [:]
        var section = ""
        for line in (probe?.stdoutText ?? "").splitLines {
            if line.hasPrefix("@@") { section = String(line.dropFirst(2)); sections[section] = []; continue }
            sections[section, default: []].append(line)
        }
        let before = sections["head"]?.first { $0.count == 40 }
        let dirty = !(sections["dirty"] ?? []).filter { !$0.isEmpty }.isEmpty
        let staleSubmodules = recursive && (sections["submodules"] ?? []).contains { $0.hasPrefix("-") || $0.hasPrefix("+") }
        var remote: String?
        if isCommit {
            remote = version
        } else if let lines = sections["remote"] {
            if lines.contains("ls-remote failed") {
                return ModulePlan(result: .failure("could not read \(repo) from the host (git ls-remote failed); check the URL, network and keys (accept_hostkey?)"))
            }
            // An annotated tag's `^{}` line names the commit; else the ref's own line.
            let pairs = lines.map { $0.split(separator: "\t").map(String.init) }.filter { $0.count == 2 }
            remote = (pairs.first { $0[1].hasSuffix("^{}") } ?? pairs.first)?[0]
            if remote == nil { return ModulePlan(result: .failure("\(version) is not a branch or tag of \(repo)")) }
        }
        var result = ModuleResult(values: ["before": before.map(Value.string) ?? .none, "after": remote.map(Value.string) ?? (before.map(Value.string) ?? .none)])
        if before != nil && dirty && !force {
            return ModulePlan(result: .failure("\(dest) has local modifications; set force: yes to discard them"))
        }
        let env = environment
        if before == nil {
            var clone = ["git", "clone"]
            // As Ansible's: a shallow clone only of HEAD, a branch or a tag; a commit is cloned whole, with a warning.
            if let depth, !isCommit { clone += ["--depth", String(depth)] }
            if depth != nil && isCommit {
                result["warnings"] = .list([.string("Ignoring depth argument. Shallow clones are only available for HEAD, branches, tags or in combination with refspec.")])
            }
            if !isCommit && version != "HEAD" { clone += ["--branch", version] }
            var command = ShellCommand(words: clone + [repo, dest])
            if isCommit { command = command.and(ShellCommand("git", "-C", dest, "checkout", "--detach", version)) }
            if recursive { command = command.and(submoduleUpdate) }
            result.diffs.append(ModuleDiff(beforeHeader: "before", afterHeader: "after", before: "absent\n", after: (remote ?? version) + "\n"))
            return .change([.run(command.withEnvironment(env))], result)
        }
        guard update, let remote, let before else { return .unchanged(result) }
        if before == remote || (isCommit && before.hasPrefix(version)) {
            guard staleSubmodules else { return .unchanged(result) }
            result["submodules_changed"] = .bool(true)
            return .change([.run(submoduleUpdate.withEnvironment(env))], result)
        }
        var fetch = ["git", "-C", dest, "fetch", "--tags", "origin"]
        if let depth { fetch += ["--depth", String(depth)] }
        let target = isCommit ? version : remote
        var command = ShellCommand(words: fetch)
            .and(ShellCommand(words: ["git", "-C", dest, "checkout"] + (force ? ["--force"] : []) + ["--detach", target]))
        if recursive { command = command.and(submoduleUpdate) }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: "before", afterHeader: "after", before: before + "\n", after: target + "\n"))
        }
        return .change([.run(command.withEnvironment(env))], result)
    }

    /// Ansible's submodule step: sync the URLs, then check out each submodule at its recorded commit (nothing
    /// to do without .gitmodules).
    var submoduleUpdate: ShellCommand {
        ShellCommand("test", "-f", dest + "/.gitmodules")
            .and(ShellCommand("git", "-C", dest, "submodule", "sync", "--recursive"))
            .and(ShellCommand(words: ["git", "-C", dest, "submodule", "update", "--init", "--recursive"] + (force ? ["--force"] : [])))
            .or(ShellCommand("test", "!", "-f", dest + "/.gitmodules"))
    }
}
