import Foundation
import Jinja

/// apt_repository: a `deb` line in the host's APT sources (a file of its own under sources.list.d, named
/// as Ansible names it), or no such line; refreshes the package lists after a change. The sources are
/// read and written as plain files, so the host needs no python3-apt.
///
///     - apt_repository: { repo: "deb [signed-by=/etc/apt/keyrings/pgdg.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main", filename: pgdg }
public struct AptRepositoryModule: Module {
    static let sourceTypes = ["deb", "deb-src"]
    static let sourcesList = "/etc/apt/sources.list"
    static let sourceParts = "/etc/apt/sources.list.d"

    public static let spec = ModuleSpec(
        name: "apt_repository",
        arguments: [
            ArgumentSpec("repo", required: true, doc: "The source line (deb URI suite components)."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("filename", doc: "The file under sources.list.d (without .list); default: made from the URI."),
            ArgumentSpec("mode", type: .mode, doc: "Permissions of a new sources file (0644)."),
            ArgumentSpec("update_cache", type: .bool, default: .bool(true), aliases: ["update-cache"], doc: "apt-get update after a change."),
            ArgumentSpec("update_cache_retries", type: .int, default: .int(5), doc: "Tries of apt-get update."),
            ArgumentSpec("update_cache_retry_max_delay", type: .int, default: .int(12), doc: "Longest wait between tries (seconds)."),
            ArgumentSpec("validate_certs", type: .bool, default: .bool(true), doc: "Accepted for compatibility."),
            ArgumentSpec("install_python_apt", type: .bool, default: .bool(true), doc: "Accepted for compatibility: deckhand needs no python3-apt."),
            ArgumentSpec("codename", doc: "Accepted for compatibility (used by Ubuntu PPAs, which deckhand does not add)."),
        ],
        doc: "Adds (or re-enables) or removes an APT source line in /etc/apt/sources.list(.d), then runs apt-get update. "
            + "Not supported: ppa: repositories (give the deb line and its key).",
        example: "- apt_repository:\n    repo: deb http://deb.debian.org/debian bookworm-backports main\n    filename: backports")

    /// One line of a sources file, as Ansible's SourcesList keeps it.
    struct Entry: Equatable {
        var valid: Bool
        var enabled: Bool
        var source: String
        var comment: String

        init(_ raw: String) {
            var line = raw.trimmed
            enabled = true
            comment = ""
            if line.hasPrefix("#") { enabled = false; line.removeFirst() }
            if let hash = line.firstIndex(of: "#"), hash > line.startIndex {
                comment = String(line[line.index(after: hash)...]).trimmed
                line = String(line[..<hash])
            }
            source = line.trimmed
            let chunks = source.split(whereSeparator: \.isWhitespace)
            valid = chunks.first.map { AptRepositoryModule.sourceTypes.contains(String($0)) } ?? false
            if valid { source = chunks.joined(separator: " ") }
        }

        var line: String { (enabled ? "" : "# ") + source + (comment.isEmpty ? "" : " # " + comment) + "\n" }
    }

    var source: String
    var present: Bool
    var filename: String?
    var mode: FileMode?
    var updateCache: Bool
    var retries: Int
    var maxDelay: Int
    var repo: String

    public init(_ arguments: ModuleArguments) throws {
        repo = try arguments.requiredString("repo")
        if repo.hasPrefix("ppa:") {
            throw ModuleArgumentError("apt_repository: ppa: repositories need Launchpad (Ubuntu); deckhand does not add them: "
                                      + "give the PPA's deb line (repo: deb [signed-by=...] https://ppa.launchpadcontent.net/...) and its key")
        }
        let entry = Entry(repo)
        guard entry.valid, entry.enabled else { throw ModuleArgumentError("Invalid repository string: \(repo)") }
        if repo.contains(where: \.isNewline) { throw ModuleArgumentError("apt_repository: repo must be one line") }
        source = entry.source
        present = try arguments.requiredString("state") == "present"
        filename = try arguments.string("filename")
        mode = try arguments.mode()
        updateCache = try arguments.bool("update_cache")
        retries = max(1, try arguments.requiredInt("update_cache_retries"))
        maxDelay = try arguments.requiredInt("update_cache_retry_max_delay")
    }

    /// The sources file a new line goes to, named from its URI as Ansible does (`deb http://x.org/a b c` -> x_org_a.list).
    var targetFile: String {
        if let filename { return filename.contains("/") ? filename : AptRepositoryModule.sourceParts + "/" + filename + ".list" }
        var line = source.replacingOccurrences(of: "\\[[^\\]]+\\]", with: "", options: .regularExpression)
        line = line.replacingOccurrences(of: "\\w+://", with: "", options: .regularExpression)
        var parts = line.split(whereSeparator: \.isWhitespace).map(String.init).filter { !AptRepositoryModule.sourceTypes.contains($0) }
        if let at = parts.first?.firstIndex(of: "@") { parts[0] = String(parts[0][parts[0].index(after: at)...]) }
        let cleaned = (parts.first ?? "").replacingOccurrences(of: "[^a-zA-Z0-9]", with: " ", options: .regularExpression)
            .split(separator: " ").joined(separator: "_")
        return AptRepositoryModule.sourceParts + "/" + cleaned + ".list"
    }

    /// Every one-line-style sources file: `@@file PATH` and its lines.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        .script("""
            for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do if test -f "$f"; then printf '@@file %s\\n' "$f"; cat -- "$f"; echo; fi; done; true
            """)
    }

    static func files(_ output: String) -> [(path: String, entries: [Entry])] {
        var files: [(path: String, entries: [Entry])] = []
        for line in output.splitLines {
            if line.hasPrefix("@@file ") { files.append((String(line.dropFirst(7)), [])); continue }
            guard !files.isEmpty else { continue }
            files[files.count - 1].entries.append(Entry(line))
        }
        // The probe ends each file with a line break of its own: the last line read is that, not the file's.
        for index in files.indices where files[index].entries.last == Entry("") { files[index].entries.removeLast() }
        return files
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var files = AptRepositoryModule.files(probe?.stdoutText ?? "")
        let before = files
        if present {
            var found = false
            for file in files.indices {
                for entry in files[file].entries.indices where files[file].entries[entry].valid && files[file].entries[entry].source == source {
                    files[file].entries[entry].enabled = true
                    found = true
                }
            }
            if !found {
                let target = targetFile
                if let index = files.firstIndex(where: { $0.path == target }) {
                    files[index].entries.append(Entry(source))
                } else {
                    files.append((target, [Entry(source)]))
                }
            }
        } else {
            for file in files.indices {
                files[file].entries.removeAll { $0.valid && $0.enabled && $0.source == source }
            }
        }
        var result = ModuleResult(values: ["repo": .string(repo), "state": .string(present ? "present" : "absent")])
        var actions: [HostAction] = []
        var added: [String] = [], removed: [String] = []
        for file in files {
            let old = before.first { $0.path == file.path }
            let oldText = old?.entries.map(\.line).joined() ?? ""
            let newText = file.entries.map(\.line).joined()
            guard old == nil || old!.entries != file.entries else { continue }
            if file.entries.isEmpty {
                removed.append(file.path)
                actions.append(.run(ShellCommand("rm", "-f", "--", file.path)))
            } else {
                if old == nil { added.append(file.path) }
                actions.append(.put(Data(newText.utf8), to: file.path, mode: old == nil ? (try mode?.resolve(current: nil, isDirectory: false) ?? 0o644) : nil))
            }
            if context.diffMode {
                result.diffs.append(ModuleDiff(beforeHeader: old == nil ? "/dev/null" : file.path, afterHeader: file.entries.isEmpty ? "/dev/null" : file.path,
                                               before: oldText, after: newText))
            }
        }
        result["sources_added"] = .list(added.map(Value.string))
        result["sources_removed"] = .list(removed.map(Value.string))
        guard !actions.isEmpty else { return .unchanged(result) }
        if updateCache {
            // Ansible's backoff: 1, 2, 4... seconds, at most update_cache_retry_max_delay.
            let delays = (0..<retries).map { String(min(1 << $0, maxDelay)) }.joined(separator: " ")
            actions.append(.run(ShellCommand(parts: [.syntax("for d in \(delays); do"), ] + ShellCommand("apt-get", "update", "-q").grouped
                + [.syntax("&& exit 0; sleep $d; done; exit 1")], compound: true).withEnvironment(["DEBIAN_FRONTEND": "noninteractive"])))
        }
        return .change(actions, result)
    }
}
