import Foundation
import Jinja
import SSH

/// git: keeps a checkout at a branch, tag or commit of a repository; changed only when HEAD moves.
///
///     - git: { repo: "git@github.com:acme/app.git", dest: /webapps/app/src, version: main, accept_hostkey: yes }
public struct GitModule: Module {
    public static let spec = ModuleSpec(
        name: "git",
        arguments: [
            ArgumentSpec("repo", required: true, aliases: ["name"], doc: "The repository's URL or path."),
            ArgumentSpec("dest", type: .path, required: true, doc: "Where the checkout lives."),
            ArgumentSpec("version", default: .string("HEAD"), doc: "Branch, tag or commit (HEAD: the remote's default branch)."),
            ArgumentSpec("force", type: .bool, default: .bool(false), doc: "Discard local modifications."),
            ArgumentSpec("depth", type: .int, doc: "Shallow clone/fetch with this many commits."),
            ArgumentSpec("update", type: .bool, default: .bool(true), doc: "Fetch and move an existing checkout."),
            ArgumentSpec("clone", type: .bool, default: .bool(true), doc: "Clone when dest does not exist."),
            ArgumentSpec("accept_hostkey", type: .bool, default: .bool(false), doc: "Accept an unknown SSH host key of the remote."),
            ArgumentSpec("key_file", type: .path, doc: "The SSH private key to use."),
            ArgumentSpec("ssh_opts", doc: "More options for ssh."),
            ArgumentSpec("remote", default: .string("origin"), doc: "The remote's name."),
            ArgumentSpec("executable", type: .path, default: .string("git"), doc: "The git program."),
            ArgumentSpec("single_branch", type: .bool, default: .bool(false), doc: "Clone only the history of version."),
        ],
        doc: "Clones or updates a git checkout to a branch, tag or commit. The probe reads the local HEAD, local "
            + "modifications and the remote's commit for version (git ls-remote) in one round trip, so an up-to-date "
            + "checkout costs nothing more and check mode predicts exactly. Reports before and after.",
        example: "- git:\n    repo: https://github.com/acme/app.git\n    dest: /webapps/app/src\n    version: main")

    var repo: String
    var dest: String
    var version: String
    var force: Bool
    var depth: Int?
    var update: Bool
    var clone: Bool
    var sshCommand: String?
    var remote: String
    var git: String
    var singleBranch: Bool

    public init(_ arguments: ModuleArguments) throws {
        repo = try arguments.requiredString("repo", "name")
        dest = try arguments.requiredString("dest")
        version = try arguments.string("version") ?? "HEAD"
        force = try arguments.bool("force", default: false)
        depth = try arguments.int("depth")
        update = try arguments.bool("update", default: true)
        clone = try arguments.bool("clone", default: true)
        remote = try arguments.string("remote") ?? "origin"
        git = try arguments.string("executable") ?? "git"
        singleBranch = try arguments.bool("single_branch", default: false)
        var ssh = ["ssh"]
        if try arguments.bool("accept_hostkey", default: false) { ssh += ["-o", "StrictHostKeyChecking=accept-new"] }
        if let key = try arguments.string("key_file") { ssh += ["-i", key, "-o", "IdentitiesOnly=yes"] }
        if let options = try arguments.string("ssh_opts") { ssh += try ShellWords.split(options) }
        // GIT_SSH_COMMAND is read by a shell, so its words are quoted here like any other.
        sshCommand = ssh.count > 1 ? ShellCommand(words: ssh).rendered : nil
        if version.hasPrefix("-") || remote.hasPrefix("-") { throw ModuleArgumentError("version and remote must not start with '-'") }
    }

    var isCommit: Bool {
        (7...40).contains(version.count) && version.allSatisfy { $0.isHexDigit }
    }

    private var environment: [ShellCommand.Part] {
        var parts: [ShellCommand.Part] = [.syntax("GIT_TERMINAL_PROMPT=0; export GIT_TERMINAL_PROMPT;")]
        if let sshCommand { parts += [.assignment("GIT_SSH_COMMAND", sshCommand), .syntax("; export GIT_SSH_COMMAND;")] }
        return parts
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand(parts: environment + [
            .assignment("d", dest), .syntax(";"), .assignment("g", git), .syntax(";"),
            .syntax("if test -e \"$d/.git\"; then printf 'before %s\\n' \"$(\"$g\" -C \"$d\" rev-parse HEAD 2>/dev/null)\";"),
            .syntax("printf 'branch %s\\n' \"$(\"$g\" -C \"$d\" symbolic-ref -q --short HEAD 2>/dev/null)\";"),
            .syntax("test -n \"$(\"$g\" -C \"$d\" status --porcelain --untracked-files=no 2>/dev/null)\" && echo dirty;"),
            .syntax("elif test -d \"$d\" && test -n \"$(ls -A \"$d\" 2>/dev/null)\"; then echo notempty; fi;"),
            .syntax("echo @@remote;"), .syntax("\"$g\" ls-remote"), .word(repo), .word("HEAD"), .word(version), .syntax("2>&1;"),
            .syntax("echo \"@@rc $?\""),
        ], compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let text = probe?.stdoutText ?? ""
        let parts = text.components(separatedBy: "@@remote\n")
        var fields: [String: String] = [:]
        var flags: Set<String> = []
        for line in (parts.first ?? "").splitLines {
            let pair = line.split(separator: " ", maxSplits: 1).map(String.init)
            if pair.count == 2 { fields[pair[0]] = pair[1] } else if let word = pair.first { flags.insert(word) }
        }
        let remoteText = parts.count > 1 ? parts[1] : ""
        let remoteLines = remoteText.splitLines
        let remoteFailed = remoteLines.last.map { $0 != "@@rc 0" } ?? true
        var refs: [String: String] = [:]
        for line in remoteLines where line.contains("\t") {
            let pair = line.split(separator: "\t", maxSplits: 1).map(String.init)
            refs[pair[1]] = pair[0]
        }
        let before = fields["before"].flatMap { $0.isEmpty ? nil : $0 }
        let exists = before != nil
        var result = ModuleResult()
        result["before"] = before.map(Value.string) ?? .none
        if !exists && flags.contains("notempty") {
            return ModulePlan(result: .failure("Destination path '\(dest)' already exists and is not an empty directory (and not a git checkout)"))
        }
        if exists && !update {
            result["after"] = result["before"]
            return .unchanged(result)
        }
        let kind: RefKind
        let target: String
        if version == "HEAD", let sha = refs["HEAD"] {
            kind = .head; target = sha
        } else if let sha = refs["refs/heads/" + version] {
            kind = .branch; target = sha
        } else if let sha = refs["refs/tags/" + version + "^{}"] ?? refs["refs/tags/" + version] {
            kind = .tag; target = sha
        } else if isCommit {
            kind = .commit; target = version
        } else if remoteFailed {
            let message = remoteLines.dropLast().joined(separator: "\n").trimmed
            return ModulePlan(result: .failure("cannot read the remote \(repo): \(message.isEmpty ? "git ls-remote failed" : message)"))
        } else {
            return ModulePlan(result: .failure("Cannot find the version \(version) in \(repo): it is no branch, tag or commit there"))
        }
        if exists && flags.contains("dirty") && !force {
            return ModulePlan(result: .failure("Local modifications exist in the repository (force=no): \(dest)"))
        }
        let moves = !(before.map { kind == .commit ? $0.hasPrefix(target) : $0 == target } ?? false)
        result["after"] = .string(kind == .commit && before?.hasPrefix(target) == true ? before! : target)
        result["remote_url_changed"] = .bool(false)
        if !moves && (!flags.contains("dirty") || !force) {
            return .unchanged(result)
        }
        if !exists && !clone { return .unchanged(result) }
        var script = ShellCommand(parts: environment, compound: true)
        let gitIn: ([String]) -> ShellCommand = { ShellCommand(words: [git, "-C", dest] + $0) }
        let depthWords = depth.map { ["--depth", String($0)] } ?? []
        if !exists {
            var words = [git, "clone", "--origin", remote] + depthWords
            if kind == .branch || kind == .tag { words += ["--branch", version] }
            if singleBranch { words.append("--single-branch") }
            script = script.then(ShellCommand(words: words + ["--", repo, dest]))
            if kind == .commit { script = script.and(gitIn(["checkout", "--detach", version])) }
        } else {
            let fetchWhat = kind == .commit && depth != nil ? [version] : []
            script = script.then(gitIn(["fetch", "--tags", "--force"] + depthWords + [remote] + fetchWhat))
            let forceWords = force ? ["--force"] : []
            switch kind {
            case .branch:
                script = script.and(gitIn(["checkout"] + forceWords + ["-B", version, target]))
                    .and(gitIn(["branch", "--set-upstream-to=\(remote)/\(version)", version]).silencingErrors.or(ShellCommand("true")))
            case .head:
                script = script.and(force ? gitIn(["reset", "--hard", target]) : gitIn(["merge", "--ff-only", target]))
            case .tag, .commit:
                script = script.and(gitIn(["checkout"] + forceWords + ["--detach", target]))
            }
        }
        let expected = target
        let action = HostAction.run(script.and(gitIn(["rev-parse", "HEAD"]))).interpreting { output, result in
            // The commit actually checked out (a short version resolves to the full SHA).
            if let head = output.stdoutText.splitLines.last, head.count == 40 { result["after"] = .string(head) }
            else if result["after"] == nil { result["after"] = .string(expected) }
        }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: dest, afterHeader: dest, before: (before ?? "absent") + "\n", after: target + "\n"))
        }
        return .change([action], result)
    }

    enum RefKind { case head, branch, tag, commit }
}
