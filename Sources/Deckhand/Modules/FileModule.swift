import Foundation
import Jinja

/// file: makes a path a file, directory, symlink or hard link with the given attributes, touches or removes it.
///
///     - file: { path: /webapps/app/logs, state: directory, owner: app, mode: "0755" }
///     - file: { src: /webapps/app/releases/42, dest: /webapps/app/current, state: link }
public struct FileModule: Module {
    public static let spec = ModuleSpec(
        name: "file",
        arguments: [
            ArgumentSpec("path", type: .path, required: true, aliases: ["dest", "name"], doc: "The path to manage."),
            ArgumentSpec("state", choices: State.allCases.map(\.rawValue), doc: "file, directory, touch, absent, link or hard (default: what is there, else file)."),
            ArgumentSpec("src", type: .path, doc: "What a link points to (state link or hard)."),
            ArgumentSpec("mode", type: .mode, doc: "Permissions: octal (\"0644\") or symbolic (u=rw,g=r,o=r)."),
            ArgumentSpec("owner", doc: "User that should own it (name or uid)."),
            ArgumentSpec("group", doc: "Group that should own it (name or gid)."),
            ArgumentSpec("recurse", type: .bool, default: .bool(false), doc: "Apply owner/group/mode to everything inside a directory."),
            ArgumentSpec("force", type: .bool, default: .bool(false), doc: "Replace an existing file with a link; link to a src that does not exist."),
            ArgumentSpec("follow", type: .bool, default: .bool(true),
                         doc: "When the path is (or, for state link, leads to) a link, set owner, group and mode on where it leads; false: on the link itself."),
            ArgumentSpec("_diff_peek", type: .bool, doc: "Ansible's internal peek: report appears_binary for the path and change nothing."),
        ] + FileAttributes.arguments,
        doc: "Sets a path's kind (file, directory, link) and attributes, touches it, or removes it.",
        example: "- file:\n    path: /webapps/app/logs\n    state: directory\n    owner: app\n    mode: \"0755\"")

    enum State: String, CaseIterable { case file, directory, touch, absent, link, hard }

    var path: String
    var state: State?
    var source: String?
    var mode: FileMode?
    var owner: String?
    var group: String?
    var force: Bool
    var recurse: Bool
    var follow: Bool
    var preserveTimes: Bool
    var extras: FileAttributes
    var diffPeek: Bool

    public init(_ arguments: ModuleArguments) throws {
        path = try arguments.requiredString("path")
        if let text = try arguments.string("state") {
            state = State(rawValue: text)
        }
        source = try arguments.string("src")
        mode = try arguments.mode()
        owner = try arguments.string("owner")
        group = try arguments.string("group")
        force = try arguments.bool("force")
        recurse = try arguments.bool("recurse")
        follow = try arguments.bool("follow")
        extras = try FileAttributes(arguments)
        diffPeek = try arguments.bool("_diff_peek")
        preserveTimes = extras.preservesTimes
        if (state == .link || state == .hard) && source == nil {
            throw ModuleArgumentError("state=\(state?.rawValue ?? "link") needs src (what the link points to)")
        }
        if recurse && state != nil && state != .directory {
            throw ModuleArgumentError("recurse option requires state to be 'directory'")
        }
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        if diffPeek {
            // A NUL byte in the first 8 KiB makes it binary, as Ansible's peek reads it.
            return ShellCommand(parts: [.assignment("p", path), .syntax("""
                ; a=$(head -c 8192 -- "$p" 2>/dev/null | wc -c); b=$(head -c 8192 -- "$p" 2>/dev/null | tr -d '\\000' | wc -c); \
                if test "$a" = "$b"; then echo text; else echo binary; fi
                """)], compound: true)
        }
        let probe = try stateProbe()
        return extras.probes && state != .absent ? probe.then(extras.probeCommand) : probe
    }

    private func stateProbe() throws -> ShellCommand {
        switch state {
        case .absent: return FileState.probe(path)
        case .link: return FileState.probe(path, following: source)
        case .hard: break
        default: return follow ? FileState.probe(path, following: nil) : FileState.probe(path)
        }
        var probe = FileState.probe(path)
        if let source {
            probe = probe.then(ShellCommand("test", path, "-ef", source).and(ShellCommand("echo", "same inode")).or(ShellCommand("true")))
        }
        return probe
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var result = ModuleResult()
        result["path"] = .string(path)
        if diffPeek {
            result["appears_binary"] = .bool(probe?.stdoutText.hasPrefix("binary") ?? false)
            return .unchanged(result)
        }
        let (probed, followed) = try FileState.followed(probe?.stdout ?? Data())
        // Without state, Ansible keeps what is there (file when it does not exist: an error).
        let state = self.state ?? (probed.kind == .directory ? .directory : probed.kind == .link ? .link
            : probed.kind == .absent && recurse ? .directory : .file)
        result["state"] = .string(state == .touch ? "file" : state.rawValue)
        if recurse && state != .directory {
            return ModulePlan(result: .failure("recurse option requires state to be 'directory'"))
        }
        // With follow (the default), a link's owner, group and mode are those of where it leads, as Ansible's.
        var path = self.path, current = probed
        if follow, state != .link, state != .absent, probed.kind == .link, let followed {
            path = followed.path
            current = followed.state
        }
        var before = current.summary
        var after = current
        func finish(_ commands: ShellCommand) throws -> ModulePlan {
            var commands = commands
            if extras.probes { commands = commands.and(extras.commands(for: path, probe: probe?.stdoutText ?? "")) }
            if context.diffMode {
                result.diffs.append(ModuleDiff(beforeHeader: path, afterHeader: path, before: before, after: after.summary))
            }
            if commands.isEmpty { return .unchanged(result) }
            guard recurse && current.kind == .directory else { return .change([.run(commands)], result) }
            // What lies inside is not probed: chmod/chown -c say whether they changed anything; check mode
            // predicts from the folder itself.
            var plan = ModulePlan.change([.run(commands, changedWhenOutputContains: "changed ")], result)
            if context.checkMode { plan.result.changed = try current.attributeChanges(mode: mode, owner: owner, group: group) != nil }
            return plan
        }
        func attributes(isLink: Bool = false) throws -> ShellCommand {
            if recurse { return try recursiveAttributes(of: path) }
            var target = current
            target.kind = after.kind
            if target.kind != current.kind { target.mode = nil; target.owner = nil; target.group = nil; target.uid = nil; target.gid = nil }
            guard let change = try target.attributeChanges(mode: isLink ? nil : mode, owner: owner, group: group) else {
                return ShellCommand(words: [])
            }
            if let mode = change.mode { after.mode = mode }
            if let owner = change.owner { after.owner = owner }
            if let group = change.group { after.group = group }
            return FileState.applying(change, to: path, link: isLink)
        }

        switch state {
        case .absent:
            guard current.exists else { return .unchanged(result) }
            after = FileState(kind: .absent)
            before = current.summary
            return try finish(ShellCommand("rm", "-rf", "--", path))
        case .directory:
            switch current.kind {
            case .absent:
                after = FileState(kind: .directory)
                return try finish(ShellCommand("mkdir", "-p", "--", path).and(attributes()))
            case .directory:
                return try finish(attributes())
            default:
                return ModulePlan(result: .failure("\(path) already exists as a \(current.kind.rawValue), not a directory"))
            }
        case .file:
            switch current.kind {
            case .absent:
                return ModulePlan(result: .failure("file (\(path)) is absent, cannot continue; use state=touch to create it"))
            case .directory:
                return ModulePlan(result: .failure("\(path) is a directory, not a file"))
            case .link where !follow:
                return ModulePlan(result: .failure("file (\(path)) is link, cannot continue (follow: false)"))
            default:
                return try finish(attributes())
            }
        case .touch:
            switch current.kind {
            case .absent:
                after = FileState(kind: .file)
                return try finish(ShellCommand("touch", "--", path).and(attributes()))
            default:
                let attributeCommands = try attributes()
                if preserveTimes { return try finish(attributeCommands) }
                // Like Ansible, touching an existing file updates its times and so always reports changed.
                return try finish(ShellCommand("touch", "--", path).and(attributeCommands))
            }
        case .link:
            let source = self.source ?? current.linkTarget ?? ""
            if !force, followed?.state.exists == false {
                let named = source.hasPrefix("/") ? source : (path as NSString).deletingLastPathComponent + "/" + source
                return ModulePlan(result: .failure("src file does not exist, use \"force=yes\" if you really want to create the link: \(named)"))
            }
            let linking: ShellCommand
            if current.kind == .link && current.linkTarget == source {
                linking = ShellCommand(words: [])
            } else if current.kind == .directory || (current.kind == .file && !force) {
                return ModulePlan(result: .failure(
                    "\(path) already exists as a \(current.kind.rawValue); set force: yes to replace it with a link"))
            } else {
                after = FileState(kind: .link)
                after.linkTarget = source
                linking = ShellCommand("ln", "-sfn", "--", source, path)
            }
            guard follow, let followed else { return try finish(linking.and(attributes(isLink: true))) }
            // Attributes go to where the link leads; a link to nothing has none to set (Ansible warns).
            guard followed.state.exists, let change = try followed.state.attributeChanges(mode: mode, owner: owner, group: group) else {
                return try finish(linking)
            }
            return try finish(linking.and(FileState.applying(change, to: followed.path)))
        case .hard:
            let source = self.source ?? ""
            let sameInode = probe?.stdoutText.contains("same inode") ?? false
            if sameInode { return try finish(attributes()) }
            if current.exists && !force && current.kind != .file {
                return ModulePlan(result: .failure("\(path) already exists; set force: yes to replace it with a hard link"))
            }
            after = FileState(kind: .file)
            return try finish(ShellCommand("ln", "-f", "--", source, path).and(attributes()))
        }
    }

    /// chmod/chown of everything under `root` (itself included); with follow, through the links inside it too
    /// (what they lead to, and the folders they lead into), as Ansible's recurse. `-c` lists what changed.
    func recursiveAttributes(of root: String) throws -> ShellCommand {
        var commands: [ShellCommand] = []
        let ownership = owner.map { $0 + (group.map { ":" + $0 } ?? "") } ?? group.map { ":" + $0 }
        if follow {
            // find -L lists what each link leads to; a link leading nowhere stays a link (-type l) and is left alone.
            let walk = ["find", "-L", root, "!", "-type", "l", "-exec"]
            if let mode { commands.append(ShellCommand(words: walk + ["chmod", "-c", mode.chmodArgument, "--", "{}", "+"])) }
            if let ownership { commands.append(ShellCommand(words: walk + ["chown", "-c", ownership, "--", "{}", "+"])) }
        } else {
            if let mode { commands.append(ShellCommand("chmod", "-R", "-c", mode.chmodArgument, "--", root)) }
            if let ownership { commands.append(ShellCommand("chown", "-R", "-h", "-c", ownership, "--", root)) }
        }
        return commands.dropFirst().reduce(commands.first ?? ShellCommand(words: [])) { $0.and($1) }
    }
}
