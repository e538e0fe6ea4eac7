import Foundation
import Jinja
import OrderedCollections
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// find's probe output read into Ansible's result: the entries that pass every filter, in the order the host
/// listed them, with what was examined and the paths that could not be (skipped_paths, and a warning each).
struct FindListing {
    let module: FindModule
    private(set) var files: [Value] = []
    private(set) var examined = 0
    private(set) var skipped: OrderedDictionary<String, Value> = [:]
    private(set) var warnings: [String] = []
    private(set) var limitReached = false
    /// Folders the walk could not enter: reported in skipped_paths without a warning, as Ansible's find does.
    private var walkErrors: OrderedDictionary<String, Value> = [:]

    /// One entry of the host's listing.
    private struct Entry {
        var fields: [String]
        var owner: String
        var group: String
        var path: String
        var kind: String { fields[0] }
        var name: String { fields[13] }
    }

    /// What the content pass said of a regular file.
    private struct Content {
        var verdict: String
        var checksum: String?
    }

    init(module: FindModule, output: Data) {
        self.module = module
        var fields = output.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard !fields.isEmpty else { return }
        let firstLine = fields[0].split(separator: "\n", maxSplits: 1).map(String.init)
        let now = Double(firstLine.first ?? "") ?? Date().timeIntervalSince1970
        fields[0] = firstLine.count > 1 ? firstLine[1] : ""

        // Each root's entries and content verdicts first, then judged, since the content pass comes after.
        var roots: [(path: String, entries: [Entry], contents: [String: Content], problem: String?)] = []
        var index = 0
        while index < fields.count {
            let field = fields[index]
            switch field {
            case "@@root" where index + 1 < fields.count:
                roots.append((fields[index + 1], [], [:], nil))
                index += 2
            case "@@skip":
                if !roots.isEmpty { roots[roots.count - 1].problem = "'\(roots[roots.count - 1].path)' is not a directory" }
                index += 1
            case "@@errors" where index + 1 < fields.count:
                // find's complaints (LC_ALL=C): "find: 'PATH': Permission denied", as Python's OSError text.
                for line in fields[index + 1].split(separator: "\n") {
                    guard let open = line.firstIndex(of: "'"), let close = line.range(of: "': ", options: .backwards),
                          open < close.lowerBound else { continue }
                    let path = String(line[line.index(after: open)..<close.lowerBound])
                    let reason = String(line[close.upperBound...])
                    let number = ["Permission denied": "13", "No such file or directory": "2"][reason].map { "[Errno \($0)] " } ?? ""
                    walkErrors[path] = .string("\(number)\(reason): '\(path)'")
                }
                index += 2
            case "@@badenc":
                if !roots.isEmpty { roots[roots.count - 1].problem = "unknown encoding: \(module.encoding ?? "utf-8")" }
                index += 1
            case "@@file" where index + 3 < fields.count:
                if !roots.isEmpty {
                    roots[roots.count - 1].contents[fields[index + 1]] =
                        Content(verdict: fields[index + 2], checksum: fields[index + 3] == "-" ? nil : fields[index + 3])
                }
                index += 4
            default:
                guard index + 3 < fields.count, !roots.isEmpty else { index = fields.count; break }
                let head = field.split(separator: " ", maxSplits: FindModule.recordFields - 1).map(String.init)
                if head.count == FindModule.recordFields {
                    roots[roots.count - 1].entries.append(
                        Entry(fields: head, owner: fields[index + 1], group: fields[index + 2], path: fields[index + 3]))
                }
                index += 4
            }
        }
        for root in roots where !limitReached {
            if let problem = root.problem {
                skip(root.path, problem)
                continue
            }
            for entry in root.entries {
                examined += 1
                if limitReached { continue }
                switch judge(entry, contents: root.contents, now: now) {
                case .match(let record):
                    files.append(.dict(record))
                    if files.count == module.limit { limitReached = true }
                case .rejected: break
                case .undecodable:
                    // Python's decode error ends the walk of this path, as Ansible's find does.
                    let encoding = module.encoding ?? "utf-8 (Python default)"
                    skip(root.path, "Failed to decode the file '\(entry.path)' with encoding: \(encoding)")
                }
                if skipped[root.path] != nil { break }
            }
        }
    }

    private mutating func skip(_ path: String, _ why: String) {
        skipped[path] = .string(why)
        warnings.append("Skipped '\(path)' path due to this access issue: \(why)\n")
    }

    var result: ModuleResult {
        let message = !skipped.isEmpty ? "Not all paths examined, check warnings for details"
            : limitReached ? "Limit of matches reached" : "All paths examined"
        var result = ModuleResult(msg: message)
        result["files"] = .list(files)
        result["matched"] = .int(files.count)
        result["examined"] = .int(examined)
        result["skipped_paths"] = .dict(walkErrors.merging(skipped) { $1 })
        if !warnings.isEmpty { result["warnings"] = .list(warnings.map(Value.string)) }
        return result
    }

    private enum Verdict {
        case match(OrderedDictionary<String, Value>)
        case rejected
        case undecodable
    }

    /// Ansible's filters in Ansible's order (name, age, size, contents, mode); contents only for `file`.
    private func judge(_ entry: Entry, contents: [String: Content], now: Double) -> Verdict {
        let kind = entry.kind
        switch module.fileType {
        case .file where kind != "f", .directory where kind != "d", .link where kind != "l": return .rejected
        default: break
        }
        if let depth = module.depth, module.recurse, Int(entry.fields[12]) ?? 0 > depth { return .rejected }
        if !module.hidden && entry.name.hasPrefix(".") { return .rejected }
        if !nameMatches(entry.name) { return .rejected }
        let times = (mtime: Double(entry.fields[5]) ?? 0, atime: Double(entry.fields[6]) ?? 0, ctime: Double(entry.fields[7]) ?? 0)
        if let age = module.age {
            let stamp = module.ageStamp == "atime" ? times.atime : module.ageStamp == "ctime" ? times.ctime : times.mtime
            let elapsed = now - stamp
            if age >= 0 ? elapsed < Double(age) : elapsed > Double(-age) { return .rejected }
        }
        let bytes = Int(entry.fields[4]) ?? 0
        if let size = module.size, kind == "f", size >= 0 ? bytes < size : bytes > -size { return .rejected }
        let content = contents[entry.path]
        if module.grepPattern != nil {
            switch content?.verdict {
            case "e"?: return .undecodable
            case "y"?: break
            default: return .rejected
            }
        }
        let permissions = (Int(entry.fields[1], radix: 8) ?? 0) & 0o7777
        if let mode = module.mode, module.exactMode ? permissions != mode : permissions & mode == 0 { return .rejected }

        var record = FindListing.statInfo(entry, permissions: permissions, bytes: bytes, times: times)
        if module.checksumAlgorithm != nil, kind == "f", let checksum = content?.checksum {
            record["checksum"] = .string(checksum)
        }
        return .match(record)
    }

    /// Ansible's statinfo keys for one entry.
    private static func statInfo(_ entry: Entry, permissions: Int, bytes: Int,
                                 times: (mtime: Double, atime: Double, ctime: Double)) -> OrderedDictionary<String, Value> {
        let kind = entry.kind
        var record: OrderedDictionary<String, Value> = ["path": .string(entry.path)]
        record["mode"] = .string(String(format: "%04o", permissions))
        record["isdir"] = .bool(kind == "d")
        record["ischr"] = .bool(kind == "c")
        record["isblk"] = .bool(kind == "b")
        record["isreg"] = .bool(kind == "f")
        record["isfifo"] = .bool(kind == "p")
        record["islnk"] = .bool(kind == "l")
        record["issock"] = .bool(kind == "s")
        record["uid"] = .int(Int(entry.fields[2]) ?? -1)
        record["gid"] = .int(Int(entry.fields[3]) ?? -1)
        record["size"] = .int(bytes)
        record["inode"] = .int(Int(entry.fields[8]) ?? 0)
        record["dev"] = .int(Int(entry.fields[9]) ?? 0)
        record["nlink"] = .int(Int(entry.fields[10]) ?? 0)
        record["atime"] = .double(times.atime)
        record["mtime"] = .double(times.mtime)
        record["ctime"] = .double(times.ctime)
        record["gr_name"] = .string(entry.group)
        record["pw_name"] = .string(entry.owner)
        for (key, bit) in [("wusr", 0o200), ("rusr", 0o400), ("xusr", 0o100), ("wgrp", 0o020), ("rgrp", 0o040),
                           ("xgrp", 0o010), ("woth", 0o002), ("roth", 0o004), ("xoth", 0o001),
                           ("isuid", 0o4000), ("isgid", 0o2000)] {
            record[key] = .bool(permissions & bit != 0)
        }
        let blocks = Int(entry.fields[11]) ?? 0
        record["blocks"] = .int(blocks)
        record["disk_usage_bytes"] = .int(blocks * 512)
        return record
    }

    /// Ansible's pfilter: some pattern matches and (then) no exclude does.
    private func nameMatches(_ name: String) -> Bool {
        let patterns = module.patterns.isEmpty ? [module.useRegex ? ".*" : "*"] : module.patterns
        guard patterns.contains(where: { matches(name, $0) }) else { return false }
        return !module.excludes.contains(where: { matches(name, $0) })
    }

    private func matches(_ name: String, _ pattern: String) -> Bool {
        if module.useRegex {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
            // Python's re.match anchors at the start only.
            return regex.firstMatch(in: name, options: [.anchored], range: NSRange(name.startIndex..., in: name)) != nil
        }
        return fnmatch(pattern, name, 0) == 0
    }
}
