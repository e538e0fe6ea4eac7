import Foundation
import Jinja
import OrderedCollections
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// find: lists files under paths that match name patterns, age, size and type (one `find` on the host).
///
///     - find: { paths: /webapps/app/releases, file_type: directory, age: 30d }
///       register: old_releases
public struct FindModule: Module {
    public static let spec = ModuleSpec(
        name: "find",
        arguments: [
            ArgumentSpec("paths", type: .list, required: true, aliases: ["name", "path"], doc: "Directories to search."),
            ArgumentSpec("patterns", type: .list, default: .list([]), aliases: ["pattern"], doc: "Shell globs (or regexes with use_regex) the base name must match, any of them."),
            ArgumentSpec("excludes", type: .list, aliases: ["exclude"], doc: "Globs (or regexes) of base names to leave out."),
            ArgumentSpec("contains", doc: "A regex some line of a file must match."),
            ArgumentSpec("age", doc: "At least this old (30d, 2h, 1w; negative: at most this old); seconds without a unit."),
            ArgumentSpec("age_stamp", default: .string("mtime"), choices: ["atime", "ctime", "mtime"], doc: "Which time age compares."),
            ArgumentSpec("size", doc: "At least this big (10m, 1g, 100k, bytes without unit; negative: at most)."),
            ArgumentSpec("file_type", default: .string("file"), choices: ["any", "directory", "file", "link"], doc: "What kind of entries to return."),
            ArgumentSpec("recurse", type: .bool, default: .bool(false), doc: "Descend into subdirectories."),
            ArgumentSpec("depth", type: .int, doc: "How deep to descend with recurse."),
            ArgumentSpec("hidden", type: .bool, default: .bool(false), doc: "Include names starting with a dot."),
            ArgumentSpec("follow", type: .bool, default: .bool(false), doc: "Follow symlinks."),
            ArgumentSpec("use_regex", type: .bool, default: .bool(false), doc: "patterns and excludes are Python-style regexes, not globs."),
            ArgumentSpec("get_checksum", type: .bool, default: .bool(false), doc: "Accepted; checksums are not reported."),
        ],
        doc: "Finds files under `paths` by name patterns, age, size, type and contents; returns `files` (a stat-like "
            + "dict per match: path, mode, isdir, isreg, islnk, uid, gid, pw_name, gr_name, size, mtime...), `matched` "
            + "and `examined`. Never changes anything.",
        example: "- find:\n    paths: /webapps/app/releases\n    file_type: directory\n    age: 30d\n  register: old_releases")

    enum FileType: String { case any, directory, file, link }

    var paths: [String]
    var patterns: [String]
    var excludes: [String]
    /// Searched by grep -E on the host, in regular files only (as Ansible does).
    var contains: String?
    var age: Int?
    var ageStamp: String
    var size: Int?
    var fileType: FileType
    var recurse: Bool
    var depth: Int?
    var hidden: Bool
    var follow: Bool
    var useRegex: Bool

    public init(_ arguments: ModuleArguments) throws {
        paths = try arguments.requiredList("paths")
        guard !paths.isEmpty else { throw ModuleArgumentError("missing required argument: paths") }
        patterns = try arguments.requiredList("patterns")
        excludes = try arguments.list("excludes") ?? []
        contains = try arguments.string("contains")
        age = try arguments.string("age").map { try FindModule.amount($0, units: ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800], name: "age") }
        ageStamp = try arguments.requiredString("age_stamp")
        size = try arguments.string("size").map { try FindModule.amount($0, units: ["b": 1, "k": 1024, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40], name: "size") }
        fileType = FileType(rawValue: try arguments.requiredString("file_type")) ?? .file
        recurse = try arguments.bool("recurse")
        depth = try arguments.int("depth")
        hidden = try arguments.bool("hidden")
        follow = try arguments.bool("follow")
        useRegex = try arguments.bool("use_regex")
        if useRegex {
            for pattern in patterns + excludes where (try? NSRegularExpression(pattern: pattern)) == nil {
                throw ModuleArgumentError("pattern \(pattern) is not a valid regular expression")
            }
        }
    }

    /// `30d` -> seconds, `10m` (size) -> bytes; a leading `-` keeps its sign.
    static func amount(_ text: String, units: [String: Int], name: String) throws -> Int {
        let trimmed = text.trimmed.lowercased()
        guard let last = trimmed.last else { throw ModuleArgumentError("\(name) is empty") }
        if let factor = units[String(last)], let number = Int(trimmed.dropLast()) { return number * factor }
        if let number = Int(trimmed) { return number }
        throw ModuleArgumentError("\(name) must be a number with an optional unit (\(units.keys.sorted().joined(separator: ", "))), got \(text)")
    }

    static let recordFormat = "%y %m %U %G %s %T@ %A@ %C@ %f\\0%u\\0%g\\0%p\\0"

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        // Host time first, so ages are measured against the host's clock; then per path a marker and find's records.
        var parts: [ShellCommand.Part] = [.syntax("date +%s;")]
        for path in paths {
            let start = path.hasPrefix("-") ? "./" + path : path
            parts += [.syntax("printf '@@root\\0%s\\0'"), .word(path), .syntax(";"),
                      .syntax("if test -d"), .word(start), .syntax("; then find" + (follow ? " -L" : "")), .word(start),
                      .syntax("-mindepth 1" + (recurse ? depth.map { " -maxdepth \($0)" } ?? "" : " -maxdepth 1")),
                      ] + (contains.map { [.syntax("\\( ! -type f -o -exec grep -q -E -e"), .word($0), .syntax("{} \\; \\)")] } ?? [])
                   + [.syntax("-printf '\(FindModule.recordFormat)' 2>/dev/null; else printf '@@skip\\0'; fi;")]
        }
        parts.append(.syntax("true"))
        return ShellCommand(parts: parts, compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let data = probe?.stdout ?? Data()
        var fields = data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard !fields.isEmpty else { return .unchanged(ModuleResult(values: ["files": .list([]), "matched": .int(0), "examined": .int(0)])) }
        let firstLine = fields[0].split(separator: "\n", maxSplits: 1).map(String.init)
        let now = Double(firstLine.first ?? "") ?? Date().timeIntervalSince1970
        fields[0] = firstLine.count > 1 ? firstLine[1] : ""
        var files: [Value] = []
        var examined = 0
        var skipped: OrderedDictionary<String, Value> = [:]
        var index = 0
        var root = ""
        while index < fields.count {
            let field = fields[index]
            if field == "@@root", index + 1 < fields.count {
                root = fields[index + 1]
                index += 2
                continue
            }
            if field == "@@skip" {
                skipped[root] = .string("\(root) was skipped as it does not seem to be a valid directory or it cannot be accessed")
                index += 1
                continue
            }
            guard index + 3 < fields.count else { break }
            let head = field.split(separator: " ", maxSplits: 8).map(String.init)
            let owner = fields[index + 1], group = fields[index + 2], path = fields[index + 3]
            index += 4
            guard head.count == 9 else { continue }
            examined += 1
            let name = head[8]
            if let entry = entry(head, name: name, path: path, owner: owner, group: group, now: now) { files.append(.dict(entry)) }
        }
        var result = ModuleResult(msg: "All paths examined")
        result["files"] = .list(files)
        result["matched"] = .int(files.count)
        result["examined"] = .int(examined)
        result["skipped_paths"] = .dict(skipped)
        return .unchanged(result)
    }

    /// The result entry for one record, or nil when a filter rejects it.
    private func entry(_ head: [String], name: String, path: String, owner: String, group: String, now: Double)
        -> OrderedDictionary<String, Value>? {
        let kind = head[0]
        switch fileType {
        case .file where kind != "f", .directory where kind != "d", .link where kind != "l": return nil
        default: break
        }
        if !hidden && name.hasPrefix(".") { return nil }
        if !patterns.isEmpty && !patterns.contains(where: { matches(name, $0) }) { return nil }
        if excludes.contains(where: { matches(name, $0) }) { return nil }
        let mode = Int(head[1], radix: 8) ?? 0
        let bytes = Int(head[4]) ?? 0
        let mtime = Double(head[5]) ?? 0, atime = Double(head[6]) ?? 0, ctime = Double(head[7]) ?? 0
        if let age {
            let stamp = ageStamp == "atime" ? atime : ageStamp == "ctime" ? ctime : mtime
            let elapsed = now - stamp
            if age >= 0 ? elapsed < Double(age) : elapsed > Double(-age) { return nil }
        }
        if let size {
            if size >= 0 ? bytes < size : bytes > -size { return nil }
        }
        var entry: OrderedDictionary<String, Value> = [:]
        entry["path"] = .string(path)
        entry["mode"] = .string(String(format: "%04o", mode))
        entry["isdir"] = .bool(kind == "d")
        entry["isreg"] = .bool(kind == "f")
        entry["islnk"] = .bool(kind == "l")
        entry["uid"] = .int(Int(head[2]) ?? -1)
        entry["gid"] = .int(Int(head[3]) ?? -1)
        entry["pw_name"] = .string(owner)
        entry["gr_name"] = .string(group)
        entry["size"] = .int(bytes)
        entry["mtime"] = .double(mtime)
        entry["atime"] = .double(atime)
        entry["ctime"] = .double(ctime)
        return entry
    }

    private func matches(_ name: String, _ pattern: String) -> Bool {
        if useRegex {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
            // Python's re.match anchors at the start only.
            return regex.firstMatch(in: name, options: [.anchored], range: NSRange(name.startIndex..., in: name)) != nil
        }
        return fnmatch(pattern, name, 0) == 0
    }
}
