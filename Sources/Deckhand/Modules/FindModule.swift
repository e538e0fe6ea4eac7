import Foundation
import Jinja
import OrderedCollections

/// find: lists files under paths that match name patterns, age, size, mode, type and contents (one probe on
/// the host: `find` lists every entry, then a second pass reads the contents and checksums it is asked for).
///
///     - find: { paths: /webapps/app/releases, file_type: directory, age: 30d }
///       register: old_releases
public struct FindModule: Module {
    public static let spec = ModuleSpec(
        name: "find",
        arguments: [
            ArgumentSpec("paths", type: .pathList, required: true, aliases: ["name", "path"], doc: "Directories to search."),
            ArgumentSpec("patterns", type: .list, default: .list([]), aliases: ["pattern"], doc: "Shell globs (or regexes with use_regex) the base name must match, any of them."),
            ArgumentSpec("excludes", type: .list, aliases: ["exclude"], doc: "Globs (or regexes) of base names to leave out."),
            ArgumentSpec("contains", doc: "A regular expression a regular file's contents must match: at the start of some line, or anywhere with read_whole_file."),
            ArgumentSpec("read_whole_file", type: .bool, default: .bool(false), doc: "Search contains in the whole file (it may span lines) instead of matching each line's start."),
            ArgumentSpec("encoding", doc: "The files' encoding for contains (Python's codec names); UTF-8 when not given."),
            ArgumentSpec("age", doc: "At least this old (30d, 2h, 1w; negative: at most this old); seconds without a unit."),
            ArgumentSpec("age_stamp", default: .string("mtime"), choices: ["atime", "ctime", "mtime"], doc: "Which time age compares."),
            ArgumentSpec("size", doc: "At least this big (10m, 1g, 100k, bytes without unit; negative: at most)."),
            ArgumentSpec("file_type", default: .string("file"), choices: ["any", "directory", "file", "link"], doc: "What kind of entries to return."),
            ArgumentSpec("recurse", type: .bool, default: .bool(false), doc: "Descend into subdirectories."),
            ArgumentSpec("depth", type: .int, doc: "How deep to descend with recurse."),
            ArgumentSpec("hidden", type: .bool, default: .bool(false), doc: "Include names starting with a dot."),
            ArgumentSpec("follow", type: .bool, default: .bool(false), doc: "Follow symlinks."),
            ArgumentSpec("use_regex", type: .bool, default: .bool(false), doc: "patterns and excludes are Python-style regexes, not globs."),
            ArgumentSpec("mode", type: .raw, doc: "Permission bits to match, octal ('0644') or symbolic ('u=rw,g=r'): exactly, or any of them with exact_mode false."),
            ArgumentSpec("exact_mode", type: .bool, default: .bool(true), doc: "mode must equal the entry's permission bits."),
            ArgumentSpec("get_checksum", type: .bool, default: .bool(false), doc: "Report each regular file's checksum."),
            ArgumentSpec("checksum_algorithm", default: .string("sha1"), aliases: ["checksum", "checksum_algo"],
                         choices: ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"], doc: "The checksum's algorithm."),
            ArgumentSpec("limit", type: .int, doc: "Stop after this many matches."),
        ],
        doc: "Finds files under `paths` by name patterns, age, size, mode, type and contents; returns `files` (a "
            + "stat-like dict per match: path, mode, isdir, isreg, islnk, uid, gid, pw_name, gr_name, size, mtime, "
            + "inode, nlink...), `matched`, `examined` and `skipped_paths`. Never changes anything.",
        example: "- find:\n    paths: /webapps/app/releases\n    file_type: directory\n    age: 30d\n  register: old_releases")

    enum FileType: String { case any, directory, file, link }

    var paths: [String]
    var patterns: [String]
    var excludes: [String]
    var contains: String?
    var readWholeFile: Bool
    /// As the task named it (messages quote it); nil: Python's default, UTF-8.
    var encoding: String?
    var age: Int?
    var ageStamp: String
    var size: Int?
    var fileType: FileType
    var recurse: Bool
    var depth: Int?
    var hidden: Bool
    var follow: Bool
    var useRegex: Bool
    var mode: Int?
    var exactMode: Bool
    var checksumAlgorithm: String?
    var limit: Int?

    public init(_ arguments: ModuleArguments) throws {
        paths = try arguments.requiredList("paths")
        guard !paths.isEmpty else { throw ModuleArgumentError("missing required argument: paths") }
        patterns = try arguments.requiredList("patterns")
        excludes = try arguments.list("excludes") ?? []
        contains = try arguments.string("contains")
        readWholeFile = try arguments.bool("read_whole_file")
        encoding = try arguments.string("encoding")
        age = try arguments.string("age").map { try FindModule.amount($0, units: ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800], name: "age") }
        ageStamp = try arguments.requiredString("age_stamp")
        size = try arguments.string("size").map { try FindModule.amount($0, units: ["b": 1, "k": 1024, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40], name: "size") }
        fileType = FileType(rawValue: try arguments.requiredString("file_type")) ?? .file
        recurse = try arguments.bool("recurse")
        depth = try arguments.int("depth")
        hidden = try arguments.bool("hidden")
        follow = try arguments.bool("follow")
        useRegex = try arguments.bool("use_regex")
        exactMode = try arguments.bool("exact_mode")
        checksumAlgorithm = try arguments.bool("get_checksum") ? try arguments.requiredString("checksum_algorithm") : nil
        limit = try arguments.int("limit")
        if let limit, limit <= 0 { throw ModuleArgumentError("limit cannot be \(limit) (use None for unlimited)") }
        switch arguments.value("mode") {
        case nil, .none?: mode = nil
        case .string(let text)?:
            // Symbolic modes count from no bits at all, as Ansible's find resolves them.
            mode = text.isEmpty ? nil : try FileMode(argument: text).resolve(current: 0, isDirectory: false) & 0o7777
        case let other?:
            throw ModuleArgumentError("argument 'mode' is not a string and conversion is not allowed, value is of type \(other.pythonTypeName)")
        }
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

    /// One entry: type, mode, ids, size, times, inode, device, links, blocks, depth, name; then owner, group, path.
    static let recordFormat = "%y %m %U %G %s %T@ %A@ %C@ %i %D %n %b %d %f\\0%u\\0%g\\0%p\\0"
    static let recordFields = 14

    /// Reads each regular file it is given: whether its text decodes (`e` when not) and matches the pattern
    /// (`y`/`n`, `-` when there is none), and its checksum (`-` when none is asked for).
    private static let contentScript = """
        enc=$1 pat=$2 whole=$3 algo=$4; shift 4
        for f; do
          v=-
          if [ -n "$pat" ]; then
            if ! iconv -f "$enc" -t UTF-8 "$f" >/dev/null 2>&1; then v=e
            elif iconv -f "$enc" -t UTF-8 "$f" 2>/dev/null | grep -q -P $whole -e "$pat" 2>/dev/null; then v=y
            else v=n; fi
          fi
          c=-
          if [ -n "$algo" ]; then c=$("${algo}sum" < "$f" 2>/dev/null) && c=${c%% *} || c=-; fi
          printf '@@file\\0%s\\0%s\\0%s\\0' "$f" "$v" "$c"
        done
        """

    /// iconv's name for the Python codec the task named (an unknown one stays as written: iconv refuses it on
    /// the host and every path is skipped with Python's message, as Ansible's find does).
    var iconvEncoding: String { encoding.map { (try? TextEncoding($0))?.iconvName ?? $0 } ?? "UTF-8" }

    /// The pattern as grep -P reads it: Python's re.match anchors at a line's start; a whole-file search keeps
    /// line breaks as escapes (grep takes one pattern per line otherwise).
    var grepPattern: String? {
        guard let contains, fileType == .file else { return nil }
        if readWholeFile { return FindModule.wholeTextPattern(contains) }
        return "^(?:" + contains + ")"
    }

    /// Python's `$` (without re.MULTILINE) also matches before the text's last line break; grep -z's does not,
    /// so each `$` outside a character class becomes that lookahead.
    static func wholeTextPattern(_ pattern: String) -> String {
        var result = ""
        var escaped = false, inClass = false
        for character in pattern {
            switch character {
            case _ where escaped: result.append(character); escaped = false
            case "\\": result.append(character); escaped = true
            case "[" where !inClass: result.append(character); inClass = true
            case "]" where inClass: result.append(character); inClass = false
            case "$" where !inClass && !pattern.contains("(?m"): result += "(?=\\n?\\z)"
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        // Host time first, so ages are measured against the host's clock; then per path a marker, find's
        // records, what find could not read (Ansible's walk errors), and the content pass.
        var parts: [ShellCommand.Part] = [.syntax("exec 4>&1; date +%s;")]
        let reachedDepth = recurse ? depth.map { " -maxdepth \($0 + 1)" } ?? "" : " -maxdepth 1"
        let find = "LC_ALL=C find" + (follow ? " -L" : "") + " \"$p\" -mindepth 1" + reachedDepth
        for path in paths {
            parts += [.assignment("p", path), .syntax(";")]
            parts.append(.syntax("printf '@@root\\0%s\\0' \"$p\"; case $p in -*) p=./$p;; esac;"
                                 + " if test -d \"$p\"; then"))
            if grepPattern != nil {
                parts += [.syntax("iconv -f"), .word(iconvEncoding), .syntax("-t UTF-8 </dev/null >/dev/null 2>&1 || printf '@@badenc\\0';")]
            }
            parts.append(.syntax("e=$(\(find) -printf '\(FindModule.recordFormat)' 2>&1 >&4); printf '@@errors\\0%s\\0' \"$e\";"))
            if grepPattern != nil || checksumAlgorithm != nil {
                parts += [.syntax(find + " -type f -exec sh -c"),
                          .word(FindModule.contentScript), .word("sh"), .word(iconvEncoding), .word(grepPattern ?? ""),
                          .word(readWholeFile ? "-z" : ""), .word(checksumAlgorithm ?? ""),
                          .syntax("{} + 2>/dev/null;")]
            }
            parts.append(.syntax("else printf '@@skip\\0'; fi;"))
        }
        parts.append(.syntax("true"))
        return ShellCommand(parts: parts, compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        .unchanged(FindListing(module: self, output: probe?.stdout ?? Data()).result)
    }
}
