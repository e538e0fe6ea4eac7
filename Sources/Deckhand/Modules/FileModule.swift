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
        // A link without src keeps pointing where it does (its mode or owner may change); see plan.
        if source != nil && state != .link && state != .hard {
            throw ModuleArgumentError("src option requires state to be 'link' or 'hard'")
        }
        if state == .hard && source == nil {
            throw ModuleArgumentError("src is required for creating new hardlinks")
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
        // A path in a folder the user cannot search reads as absent: Ansible says so in a warning.
        var probe = try stateProbe().then(ShellCommand(parts: [.assignment("p", path), .syntax(
            "; test -e \"$p\" || test -L \"$p\" || { LC_ALL=C stat -- \"$p\" 2>&1 >/dev/null | grep -q 'Permission denied' && echo inaccessible-path; }; true")],
            compound: true))
        if context.checkMode && (owner != nil || group != nil) {
            // Check mode cannot see a user or group an earlier task would create: Ansible warns of them.
            var parts: [ShellCommand.Part] = []
            if let owner { parts += [.syntax("getent passwd --"), .word(owner), .syntax(">/dev/null || echo lookup-failed user;")] }
            if let group { parts += [.syntax("getent group --"), .word(group), .syntax(">/dev/null || echo lookup-failed group;")] }
            probe = probe.then(ShellCommand(parts: parts + [.syntax("true")], compound: true))
        }
        if state == .absent && context.diffMode {
            // What removing a folder would take with it, for the diff's path_content.
            return probe.then(ShellCommand(parts: [.assignment("p", path), .syntax(
                "; test -d \"$p\" && find \"$p\" -mindepth 1 \\( -type d -printf 'content-dir %p\\n' -o -printf 'content-file %p\\n' \\) 2>/dev/null; true")],
                compound: true))
        }
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
                .then(ShellCommand("test", "-e", source).or(ShellCommand("echo", "no source")))
        }
        return probe
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var plan = try planState(probe, context)
        let lines = (probe?.stdoutText ?? "").splitLines
        var warnings: [Value] = []
        for (kind, name) in [("user", owner), ("group", group)] {
            guard let name, lines.contains("lookup-failed \(kind)") else { continue }
            let named = Int(name) != nil ? "\(kind) with \(kind == "user" ? "uid" : "gid") \(name)" : "\(kind) \(name)"
            warnings.append(.string("failed to look up \(named). Create \(kind) up to this point in real play"))
        }
        if lines.contains("inaccessible-path") {
            warnings.append(.string("Insufficient permissions to access \(path). Treating as absent"))
        }
        if !warnings.isEmpty { plan.result["warnings"] = .list(warnings) }
        return plan
    }

    private func planState(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
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
        if state == .touch || state == .link || state == .hard {
            // Ansible's file module names the path `dest` for these (and the link's `src`).
            result.values.removeValue(forKey: "path")
            result["dest"] = .string(path)
            if state != .touch, let source { result["src"] = .string(source) }
        }
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
                result["diff"] = FileModule.registeredDiff(path: path, state: state, current: current, after: after,
                                                           probe: probe?.stdoutText ?? "",
                                                           times: extras.probes ? extras.timeDiff(probe: probe?.stdoutText ?? "") : nil)
            }
            if after.kind != .absent { PathInfo.provisional(after, into: &result) }
            if commands.isEmpty { return .unchanged(result) }
            let readBack = after.kind == .absent ? [] : [PathInfo.readBack(path)]
            guard recurse && current.kind == .directory else { return .change([.run(commands)] + readBack, result) }
            // What lies inside is not probed: chmod/chown -c say whether they changed anything; check mode
            // predicts from the folder itself.
            var plan = ModulePlan.change([.run(commands, changedWhenOutputContains: "changed ")] + readBack, result)
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
                return ModulePlan(result: .failure("file (\(path)) is absent, cannot continue; use state=touch to create it",
                                                   values: ["path": .string(path), "state": .string("absent")]))
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
                // A new file whose owner or mode cannot be set is removed again, as Ansible's touch does.
                let attributeCommands = try attributes()
                let undo = ShellCommand("rm", "-f", "--", path).and(ShellCommand("false"))
                return try finish(ShellCommand("touch", "--", path)
                    .and(attributeCommands.isEmpty ? attributeCommands : attributeCommands.or(undo)))
            default:
                let attributeCommands = try attributes()
                if preserveTimes { return try finish(attributeCommands) }
                // Like Ansible, touching an existing file updates its times and so always reports changed.
                return try finish(ShellCommand("touch", "--", path).and(attributeCommands))
            }
        case .link:
            guard let source = self.source ?? current.linkTarget else {
                return ModulePlan(result: .failure("src is required for creating new symlinks"))
            }
            if !force, followed?.state.exists == false {
                let named = source.hasPrefix("/") ? source : (path as NSString).deletingLastPathComponent + "/" + source
                return ModulePlan(result: .failure("src file does not exist, use \"force=yes\" if you really want to create the link: \(named)"))
            }
            let linking: ShellCommand
            if current.kind == .link && current.linkTarget == source {
                linking = ShellCommand(words: [])
            } else if (current.kind == .directory || current.kind == .file) && !force {
                return ModulePlan(result: .failure("refusing to convert from \(current.kind.rawValue) to symlink for \(path)"
                                                   + " (force: yes replaces it)"))
            } else if current.kind == .directory {
                // Only an empty folder gives way to the link, as Ansible's file module does.
                after = FileState(kind: .link)
                after.linkTarget = source
                linking = ShellCommand(parts: [.assignment("p", path), .syntax(
                    "; rmdir -- \"$p\" 2>/dev/null || { printf 'the directory %s is not empty, refusing to convert it\\n' \"$p\" >&2; exit 1; };"),
                    .syntax("ln -sfn --"), .word(source), .syntax("\"$p\"")], compound: true)
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
            if (probe?.stdoutText.splitLines ?? []).contains("no source") {
                return ModulePlan(result: .failure("src does not exist", values: ["dest": .string(path), "src": .string(source)]))
            }
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
