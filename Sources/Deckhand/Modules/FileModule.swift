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
            ArgumentSpec("force", type: .bool, default: .bool(false), doc: "Replace an existing file with a link."),
            ArgumentSpec("modification_time", doc: "`preserve` keeps times on touch (then touch reports ok when nothing else changes)."),
            ArgumentSpec("access_time", doc: "`preserve` keeps times on touch."),
        ],
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
    var preserveTimes: Bool

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
        preserveTimes = try arguments.string("modification_time") == "preserve"
            && arguments.string("access_time") == "preserve"
        if (state == .link || state == .hard) && source == nil {
            throw ModuleArgumentError("state=\(state?.rawValue ?? "link") needs src (what the link points to)")
        }
        if recurse && state != .directory {
            throw ModuleArgumentError("recurse needs state=directory")
        }
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var probe = FileState.probe(path)
        if state == .hard, let source {
            probe = probe.then(ShellCommand("test", path, "-ef", source).and(ShellCommand("echo", "same inode")).or(ShellCommand("true")))
        }
        return probe
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let current = try FileState(probeOutput: probe?.stdout ?? Data())
        var result = ModuleResult()
        result["path"] = .string(path)
        // Without state, Ansible keeps what is there (file when it does not exist: an error).
        let state = self.state ?? (current.kind == .directory ? .directory : current.kind == .link ? .link : .file)
        result["state"] = .string(state == .touch ? "file" : state.rawValue)
        var before = current.summary
        var after = current
        func finish(_ commands: ShellCommand) -> ModulePlan {
            if context.diffMode {
                result.diffs.append(ModuleDiff(beforeHeader: path, afterHeader: path, before: before, after: after.summary))
            }
            return commands.isEmpty ? .unchanged(result) : .change([.run(commands)], result)
        }
        func attributes(isLink: Bool = false) throws -> ShellCommand {
            var target = current
            target.kind = after.kind
            if target.kind != current.kind { target.mode = nil; target.owner = nil; target.group = nil; target.uid = nil; target.gid = nil }
            guard let change = try target.attributeChanges(mode: isLink ? nil : mode, owner: owner, group: group) else {
                return ShellCommand(words: [])
            }
            if let mode = change.mode { after.mode = mode }
            if let owner = change.owner { after.owner = owner }
            if let group = change.group { after.group = group }
            if recurse {
                var command = ShellCommand(words: [])
                if let mode = change.mode { command = command.and(ShellCommand("chmod", "-R", String(mode, radix: 8), "--", path)) }
                if change.owner != nil || change.group != nil {
                    let spec = (change.owner ?? "") + (change.group.map { ":" + $0 } ?? "")
                    command = command.and(ShellCommand("chown", "-R", spec, "--", path))
                }
                return command
            }
            return FileState.applying(change, to: path, link: isLink)
        }

        switch state {
        case .absent:
            guard current.exists else { return .unchanged(result) }
            after = FileState(kind: .absent)
            before = current.summary
            return finish(ShellCommand("rm", "-rf", "--", path))
        case .directory:
            switch current.kind {
            case .absent:
                after = FileState(kind: .directory)
                return finish(try ShellCommand("mkdir", "-p", "--", path).and(attributes()))
            case .directory:
                return finish(try attributes())
            default:
                return ModulePlan(result: .failure("\(path) already exists as a \(current.kind.rawValue), not a directory"))
            }
        case .file:
            switch current.kind {
            case .absent:
                return ModulePlan(result: .failure("file (\(path)) is absent, cannot continue; use state=touch to create it"))
            case .directory:
                return ModulePlan(result: .failure("\(path) is a directory, not a file"))
            default:
                return finish(try attributes())
            }
        case .touch:
            switch current.kind {
            case .absent:
                after = FileState(kind: .file)
                return finish(try ShellCommand("touch", "--", path).and(attributes()))
            default:
                let attributeCommands = try attributes()
                if preserveTimes { return finish(attributeCommands) }
                // Like Ansible, touching an existing file updates its times and so always reports changed.
                return finish(ShellCommand("touch", "--", path).and(attributeCommands))
            }
        case .link:
            let source = self.source ?? ""
            if current.kind == .link && current.linkTarget == source {
                return finish(try attributes(isLink: true))
            }
            if current.kind == .directory || (current.kind == .file && !force) {
                return ModulePlan(result: .failure(
                    "\(path) already exists as a \(current.kind.rawValue); set force: yes to replace it with a link"))
            }
            after = FileState(kind: .link)
            after.linkTarget = source
            return finish(try ShellCommand("ln", "-sfn", "--", source, path).and(attributes(isLink: true)))
        case .hard:
            let source = self.source ?? ""
            let sameInode = probe?.stdoutText.contains("same inode") ?? false
            if sameInode { return finish(try attributes()) }
            if current.exists && !force && current.kind != .file {
                return ModulePlan(result: .failure("\(path) already exists; set force: yes to replace it with a hard link"))
            }
            after = FileState(kind: .file)
            return finish(try ShellCommand("ln", "-f", "--", source, path).and(attributes()))
        }
    }
}
