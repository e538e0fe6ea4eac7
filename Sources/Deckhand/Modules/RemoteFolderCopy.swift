import Foundation
import Jinja

/// copy with `remote_src: true` and a folder on the host as src, as Ansible's copy_directory: `src: dir/` fills
/// dest with dir's contents, `src: dir` makes dest/dir. Missing folders are made with their source's mode,
/// missing or differing files copied (each atomically, keeping its source's mode); owner and group go to
/// everything below; mode (directory_mode when given) to the top folder only.
struct RemoteFolderCopy {
    var source: String
    /// The folder the contents land in.
    var target: String
    var options: FileWriteOptions
    var directoryMode: FileMode?
    /// local_follow: copy what links lead to (true, Ansible's default), or the links themselves.
    var followsLinks: Bool

    init(source: String, destination: String, options: FileWriteOptions, directoryMode: FileMode?, followsLinks: Bool) {
        self.source = source
        self.followsLinks = followsLinks
        self.options = options
        self.directoryMode = directoryMode
        var base = destination
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        target = source.hasSuffix("/") ? base : base + "/" + (source as NSString).lastPathComponent
    }

    /// find's words for one line per entry below a folder: kind (d, f or l), octal mode, owner, group, uid, gid,
    /// path; a link's target on the next line, after "=> ".
    private static let listing = ["-mindepth", "1", "(", "-type", "d", "-printf", "d %m %u %g %U %G %P\\n", "-o",
                                  "-type", "f", "-printf", "f %m %u %g %U %G %P\\n", "-o",
                                  "-type", "l", "-printf", "l %m %u %g %U %G %P\\n=> %l\\n", ")"]

    static let sections = ["@@tree-src", "@@sums-src", "@@tree-dest", "@@sums-dest"]

    /// The probe's second half, for when src is a folder: the top folder's own state, then both trees (links
    /// followed, as Ansible's local_follow) with every file's SHA-1.
    func probe() -> ShellCommand {
        func tree(_ folder: String, _ marker: String) -> ShellCommand {
            ShellCommand("echo", marker).then(ShellCommand(
                parts: [.syntax("test -d"), .word(folder), .syntax(followsLinks ? "&& find -L" : "&& find"), .word(folder)]
                    + RemoteFolderCopy.listing.map { .word($0) } + [.syntax("2>/dev/null; true")], compound: true))
        }
        func sums(_ folder: String, _ marker: String) -> ShellCommand {
            // A subshell, so the cd does not move the rest of the probe.
            ShellCommand("echo", marker).then(ShellCommand(parts: [
                .syntax("( test -d"), .word(folder), .syntax("&& cd --"), .word(folder),
                .syntax("&& find -L . -type f -exec sha1sum -- {} + 2>/dev/null; true )")], compound: true))
        }
        return FileState.probe(target).then(tree(source, "@@tree-src")).then(sums(source, "@@sums-src"))
            .then(tree(target, "@@tree-dest")).then(sums(target, "@@sums-dest"))
    }

    struct Entry {
        var kind: Character
        var mode: Int
        var owner: String, group: String, uid: String, gid: String
        var linkTarget: String? = nil
        var isFolder: Bool { kind == "d" }
    }

    /// Reads the probe: the top folder's state, each tree's entries by relative path, and each tree's checksums.
    static func parse(_ text: String) throws -> (FileState, [String: Entry], [String: String], [String: Entry], [String: String]) {
        var section = ""
        var head = ""
        var trees: [String: [String: Entry]] = [:]
        var sums: [String: [String: String]] = [:]
        var lastPath = ""
        for line in text.splitLines {
            if sections.contains(line) { section = line; continue }
            switch section {
            case "": head += line + "\n"
            case "@@tree-src", "@@tree-dest":
                if line.hasPrefix("=> ") { trees[section]?[lastPath]?.linkTarget = String(line.dropFirst(3)); continue }
                let fields = line.split(separator: " ", maxSplits: 6, omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 7, let mode = Int(fields[1], radix: 8) else { continue }
                lastPath = fields[6]
                trees[section, default: [:]][fields[6]] = Entry(kind: fields[0].first ?? "f", mode: mode, owner: fields[2],
                                                                group: fields[3], uid: fields[4], gid: fields[5])
            default:
                // sha1sum: "<40 hex>  ./path"
                guard line.count > 44 else { continue }
                sums[section, default: [:]][String(line.dropFirst(44))] = String(line.prefix(40))
            }
        }
        return (try FileState(probeOutput: Data(head.utf8)), trees["@@tree-src"] ?? [:], sums["@@sums-src"] ?? [:],
                trees["@@tree-dest"] ?? [:], sums["@@sums-dest"] ?? [:])
    }

    func plan(_ text: String, result: ModuleResult, before: [HostAction]) throws -> ModulePlan {
        let (top, sourceTree, sourceSums, targetTree, targetSums) = try RemoteFolderCopy.parse(text)
        var result = result
        var actions = before
        if top.exists && top.kind != .directory {
            return ModulePlan(result: .failure("\(target) is a \(top.kind.rawValue), not a folder to copy \(source) into"))
        }
        // A dest ending in / was made already (before); a folder made here takes its source's mode, as copytree.
        if !top.exists && before.isEmpty {
            actions.append(.run(ShellCommand("mkdir", "-p", "--", target)
                .and(ShellCommand("chmod", "--reference=" + source, "--", target))))
        }
        for path in sourceTree.keys.sorted() {
            guard let entry = sourceTree[path] else { continue }
            let destination = target + "/" + path
            if let link = entry.linkTarget {
                // local_follow: false: the link itself, where nothing is yet, as Ansible's os.symlink.
                if targetTree[path] == nil { actions.append(.run(ShellCommand("ln", "-s", "--", link, destination))) }
            } else if entry.isFolder {
                if targetTree[path] == nil {
                    actions.append(.run(ShellCommand("mkdir", "--", destination).and(ShellCommand("chmod", String(entry.mode, radix: 8), "--", destination))))
                }
            } else if targetTree[path]?.isFolder != false || targetSums[path] != sourceSums[path] || sourceSums[path] == nil {
                // Each file keeps its source's mode (Ansible's copymode); mode itself is the top folder's.
                actions.append(.run(ShellCommand.atomicCopy(from: source + "/" + path, to: destination, mode: entry.mode,
                                                            owner: options.owner, group: options.group)))
            }
        }
        // Owner and group reach everything below the top folder, as Ansible's chown_recursive.
        func differs(_ owner: String, _ uid: String, _ group: String, _ gid: String) -> Bool {
            (options.owner.map { $0 != owner && $0 != uid } ?? false) || (options.group.map { $0 != group && $0 != gid } ?? false)
        }
        let ownersDiffer = !top.exists || differs(top.owner ?? "", top.uid.map(String.init) ?? "", top.group ?? "", top.gid.map(String.init) ?? "")
            || targetTree.values.contains { differs($0.owner, $0.uid, $0.group, $0.gid) }
        if (options.owner != nil || options.group != nil) && ownersDiffer {
            let spec = (options.owner ?? "") + (options.group.map { ":" + $0 } ?? "")
            actions.append(.run(ShellCommand("chown", "-R", spec, "--", target)))
        }
        if let mode = directoryMode ?? (options.preservesMode ? nil : options.mode) {
            let wanted = try mode.resolve(current: top.exists ? top.mode : nil, isDirectory: true)
            if !top.exists || wanted != top.mode { actions.append(.run(ShellCommand("chmod", String(wanted, radix: 8), "--", target))) }
        }
        // The copied folder's attributes, as Ansible reports them: known from the probe, read back after a change.
        result["state"] = .string("directory")
        PathInfo.provisional(top, into: &result)
        guard !actions.isEmpty else { return ModulePlan(actions: [PathInfo.readBack(target)], result: result) }
        return .change(actions + [PathInfo.readBack(target)], result)
    }
}
