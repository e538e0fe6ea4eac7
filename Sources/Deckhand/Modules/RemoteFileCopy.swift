import Foundation
import Jinja

/// copy with `remote_src: true`: src is a file already on the host, copied there as Ansible's copy module does
/// (the file's own mode unless mode is given, `mode: preserve` taking it too; dest a folder or ending in / gets
/// src's name; owner and group only where given, else whoever runs the copy).
struct RemoteFileCopy {
    var source: String
    var destination: String
    var options: FileWriteOptions
    var directoryMode: FileMode?
    var followsLinks = true

    static let sourceMarker = "@@deckhand-remote-src@@"
    static let destinationMarker = "@@deckhand-remote-dest@@"

    /// dest ending in / names the folder to copy into, made when missing (Ansible's recursive-copy rule).
    var intoFolder: String? {
        guard destination.hasSuffix("/"), destination.count > 1 else { return nil }
        return String(destination.dropLast())
    }

    /// The source (followed where it is a link, as Ansible reads it), its MD5, then dest (or the file of src's
    /// name inside it) and whether the folder it goes into exists.
    func probe() -> ShellCommand {
        let name = (source as NSString).lastPathComponent
        let target = intoFolder.map { $0 + "/" + name } ?? destination
        let parent = intoFolder ?? (target as NSString).deletingLastPathComponent
        let md5 = ShellCommand(parts: [.syntax("test -f"), .word(source), .syntax("&& printf 'md5 %s\\n' \"$(md5sum <"),
                                       .word(source), .syntax("| cut -c1-32)\" && printf 'size %s\\n' \"$(wc -c <"),
                                       .word(source), .syntax(")\"; true")], compound: true)
        let folderCheck = ShellCommand(parts: [.syntax("test -d"), .word(parent.isEmpty ? "." : parent),
                                               .syntax("|| echo missing-folder; true")], compound: true)
        return ShellCommand("echo", RemoteFileCopy.sourceMarker)
            .then(FileState.probe(source, checksum: true, following: true)).then(md5)
            .then(ShellCommand("echo", RemoteFileCopy.destinationMarker)).then(folderCheck)
            .then(FileState.probe(target, checksum: true, inside: name, following: options.follow))
            .then(ShellCommand(parts: [.syntax("if test -d"), .word(source), .syntax("; then echo"), .word(RemoteFileCopy.folderMarker),
                                       .syntax(";")] + folder.probe().grouped + [.syntax("; fi")], compound: true))
    }

    static let folderMarker = "@@deckhand-remote-folder@@"

    var folder: RemoteFolderCopy {
        RemoteFolderCopy(source: source, destination: destination, options: options, directoryMode: directoryMode,
                         followsLinks: followsLinks)
    }

    func plan(_ output: Data, checkMode: Bool) throws -> ModulePlan {
        let sourceOpening = Data((RemoteFileCopy.sourceMarker + "\n").utf8)
        guard output.starts(with: sourceOpening),
              let split = output.range(of: Data(("\n" + RemoteFileCopy.destinationMarker + "\n").utf8)) else {
            throw ModuleArgumentError("unexpected probe output for the copy of \(source) on the host")
        }
        let sourcePart = output.subdata(in: sourceOpening.count..<split.lowerBound)
        let destinationPart = output.subdata(in: split.upperBound..<output.endIndex)
        let sourceState = try FileState(probeOutput: sourcePart)
        let sourceLines = String(decoding: sourcePart, as: UTF8.self).splitLines
        let md5 = sourceLines.first { $0.hasPrefix("md5 ") }.map { String($0.dropFirst(4)) }
        let size = sourceLines.first { $0.hasPrefix("size ") }.flatMap { Int($0.dropFirst(5)) }
        let current = try FileState(probeOutput: destinationPart)
        let folderMissing = String(decoding: destinationPart, as: UTF8.self).splitLines.contains("missing-folder")
        let name = (source as NSString).lastPathComponent
        let path = FileState.redirected(destinationPart) ?? (intoFolder.map { $0 + "/" + name } ?? destination)

        switch sourceState.kind {
        case .absent: return ModulePlan(result: .failure("Source \(source) not found"))
        case .file, .link, .directory: break
        case .other: return ModulePlan(result: .failure("Cannot copy invalid source '\(source)': not a file"))
        }
        var result = ModuleResult()
        result["src"] = .string(source)
        if let checksum = sourceState.checksum { result["checksum"] = .string(checksum) }
        if let md5 { result["md5sum"] = .string(md5) }
        result["dest"] = .string(path)
        var actions: [HostAction] = []
        if folderMissing {
            guard let folder = intoFolder else {
                let folder = (path as NSString).deletingLastPathComponent
                return ModulePlan(result: .failure("Destination directory \(folder) does not exist"))
            }
            if checkMode {
                // Ansible's copy stops here in check mode, saying so.
                var result = ModuleResult(msg: "dest directory \(folder) would be created", values: ["src": .string(source)])
                result.changed = true
                return ModulePlan(result: result)
            }
            actions.append(.run(ShellCommand("mkdir", "-p", "--", folder)))
            let change = (mode: try directoryMode?.resolve(current: nil, isDirectory: true), owner: options.owner, group: options.group)
            if change.mode != nil || change.owner != nil || change.group != nil {
                actions.append(.run(FileState.applying(change, to: folder)))
            }
        }
        if sourceState.kind == .directory {
            let text = String(decoding: destinationPart, as: UTF8.self)
            guard let range = text.range(of: RemoteFileCopy.folderMarker + "\n") else {
                throw ModuleArgumentError("the probe of the folder \(source) on the host ended early")
            }
            // As Ansible's: dest that is a folder already is reported with src's name (none for `src: dir/`).
            var reported = destination
            if FileState.redirected(destinationPart) != nil {
                reported = source.hasSuffix("/") ? (destination.hasSuffix("/") ? destination : destination + "/") : path
            }
            result["dest"] = .string(reported)
            result["checksum"] = Value.none
            result["md5sum"] = Value.none
            return try folder.plan(String(text[range.upperBound...]), result: result, before: actions)
        }
        if current.exists && !options.force {
            // Ansible's early exit: no checksums, the path's attributes as they are.
            var kept = ModuleResult(msg: "file already exists", values: ["src": .string(source), "dest": .string(path)])
            kept["state"] = .string("file")
            PathInfo.provisional(current, into: &kept)
            return .unchanged(kept)
        }
        if current.kind == .directory {
            return ModulePlan(result: .failure("\(path) is a directory; give the full path of the file to write"))
        }
        // mode: preserve is the source's mode, which the copy keeps anyway.
        let mode = options.preservesMode ? sourceState.mode.map(FileMode.octal) : options.mode
        let written = current.kind != .file || current.checksum != sourceState.checksum
        if written {
            if options.backup, current.kind == .file {
                let backupPath = path + "." + FileContent.backupStamp()
                actions.append(.run(ShellCommand("cp", "-p", "--", path, backupPath)))
                result["backup_file"] = .string(backupPath)
            }
            let newMode = try mode?.resolve(current: sourceState.mode, isDirectory: false)
            actions.append(.run(ShellCommand.atomicCopy(from: source, to: path, mode: newMode, owner: options.owner,
                                                        group: options.group, validate: options.validate)))
        } else if let change = try current.attributeChanges(mode: mode, owner: options.owner, group: options.group) {
            actions.append(.run(FileState.applying(change, to: path)))
        }
        result["state"] = .string("file")
        var after = current
        if let owner = options.owner { after.owner = owner }
        if let group = options.group { after.group = group }
        // Without mode: a new file gets 0666 less the umask (0644 as a rule), a replaced one the source's.
        let modeBefore = written ? (current.exists ? sourceState.mode : 0o644) : current.mode
        after.mode = try mode?.resolve(current: modeBefore, isDirectory: false) ?? modeBefore
        PathInfo.provisional(after, into: &result)
        if let size { result["size"] = .int(size) }
        guard !actions.isEmpty else { return .unchanged(result) }
        actions.append(PathInfo.readBack(path))
        return .change(actions, result)
    }
}
