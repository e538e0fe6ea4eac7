import Foundation

/// copy with a directory as `src`: every file of the tree lands under `dest`, each written only when it differs.
/// As in Ansible, `src: conf/` copies the folder's contents into dest, `src: conf` the folder itself.
struct DirectoryCopy {
    /// Each source file (relative to the source folder) and the host path it is written to.
    var files: [(relative: String, destination: String)]
    /// The host folders the files go into, parents first.
    var directories: [String]

    /// Separates the probe's per-file answers; random (made once per task) so no file's contents imitate it.
    let marker: String

    init(source: String, destination: String, files relativePaths: [String], marker: String) {
        self.marker = marker
        var base = destination.hasSuffix("/") && destination.count > 1 ? String(destination.dropLast()) : destination
        if !source.hasSuffix("/") { base += "/" + (source as NSString).lastPathComponent }
        files = relativePaths.map { ($0, base + "/" + $0) }
        var folders = [base]
        for path in relativePaths {
            var folder = (path as NSString).deletingLastPathComponent
            var chain: [String] = []
            while !folder.isEmpty {
                chain.insert(base + "/" + folder, at: 0)
                folder = (folder as NSString).deletingLastPathComponent
            }
            for entry in chain where !folders.contains(entry) { folders.append(entry) }
        }
        directories = folders
    }

    /// The regular files under `root` (links followed, as Ansible's local_follow), sorted, relative to it.
    static func files(under root: String) throws -> [String] {
        let rootURL = URL(fileURLWithPath: root).resolvingSymlinksInPath()
        guard let walker = FileManager.default.enumerator(at: rootURL, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw ModuleArgumentError("could not read the folder \(root)")
        }
        var found: [String] = []
        let prefix = rootURL.path.hasSuffix("/") ? rootURL.path : rootURL.path + "/"
        for case let url as URL in walker {
            let resolved = url.resolvingSymlinksInPath()
            guard (try? resolved.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let path = url.path
            guard path.hasPrefix(prefix) else { continue }
            found.append(String(path.dropFirst(prefix.count)))
        }
        return found.sorted()
    }

    /// One command probing every destination file, each answer after a marker line.
    func probe(content: Bool) -> ShellCommand {
        var command = ShellCommand("echo", marker)
        for file in files {
            // The newline first: a file's contents (diff mode) need not end with one.
            command = command.then(FileState.probe(file.destination, checksum: true, content: content))
                .then(ShellCommand("printf", "\\n%s\\n", marker))
        }
        return command
    }

    /// The probe's answer for each file, in `files` order.
    func states(from output: Data) throws -> [FileState] {
        let separator = Data(("\n" + marker + "\n").utf8)
        var rest = output
        let opening = Data((marker + "\n").utf8)
        guard rest.starts(with: opening) else { throw ModuleArgumentError("unexpected probe output for the copy of a folder") }
        rest = rest.dropFirst(opening.count)
        var states: [FileState] = []
        for _ in files {
            guard let end = rest.range(of: separator) else {
                throw ModuleArgumentError("the probe of the copied folder's files ended early")
            }
            states.append(try FileState(probeOutput: Data(rest[rest.startIndex..<end.lowerBound])))
            rest = rest[end.upperBound...]
        }
        return states
    }

    /// Every file's plan, merged: one result, the folders made first when anything is written.
    func plan(states: [FileState], read: (String) throws -> Data, options: FileWriteOptions, diffMode: Bool,
              destination: String) throws -> ModulePlan {
        var result = ModuleResult()
        result["dest"] = .string(destination)
        var writes: [HostAction] = []
        var folderMissing = false
        for (file, state) in zip(files, states) {
            let content = FileContent(path: file.destination, data: try read(file.relative), options: options)
            let plan = try content.plan(current: state, diffMode: diffMode)
            if plan.result.failed { return ModulePlan(result: plan.result) }
            if state.kind == .absent { folderMissing = true }
            writes += plan.actions
            result.diffs += plan.result.diffs
            if plan.result.changed { result.changed = true }
        }
        guard result.changed else { return .unchanged(result) }
        var actions: [HostAction] = []
        if folderMissing {
            actions.append(.run(ShellCommand(words: ["mkdir", "-p", "--"] + directories)))
            if options.owner != nil || options.group != nil {
                let owner = (options.owner ?? "") + (options.group.map { ":" + $0 } ?? "")
                actions.append(.run(ShellCommand(words: ["chown", "--", owner] + directories)))
            }
        }
        return .change(actions + writes, result)
    }
}
