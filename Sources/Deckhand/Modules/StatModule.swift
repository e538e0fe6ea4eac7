import Foundation
import Jinja
import OrderedCollections

/// stat: reports what a path is (kind, mode, owner, size, times, checksum) for `register` + `when`.
///
///     - stat: { path: /webapps/app/current }
///       register: current
public struct StatModule: Module {
    public static let spec = ModuleSpec(
        name: "stat",
        arguments: [
            ArgumentSpec("path", type: .path, required: true, aliases: ["dest", "name"], doc: "The path to look at."),
            ArgumentSpec("follow", type: .bool, default: .bool(false), doc: "Follow a symlink and report its target."),
            ArgumentSpec("get_checksum", type: .bool, default: .bool(true), doc: "Report the checksum of a regular file."),
            ArgumentSpec("checksum_algorithm", default: .string("sha1"), aliases: ["checksum", "checksum_algo"],
                         choices: ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"], doc: "The checksum's algorithm."),
            ArgumentSpec("get_mime", type: .bool, default: .bool(true), aliases: ["mime", "mime_type", "mime-type"],
                         doc: "Report mimetype and charset (from `file`; unknown without it)."),
            ArgumentSpec("get_attributes", type: .bool, default: .bool(true), aliases: ["attr", "attributes"],
                         doc: "Report version, attributes and attr_flags (from `lsattr`)."),
            ArgumentSpec("get_selinux_context", type: .bool, default: .bool(false),
                         doc: "Report selinux_context: the path's SELinux user, role, type and level (nulls without SELinux)."),
        ],
        doc: "Reports whether a path exists and what it is: stat.exists, isdir, isreg, islnk, mode, uid, gid, "
            + "pw_name, gr_name, size, mtime, atime, ctime, lnk_source and checksum, as Ansible's stat does. Never changes anything.",
        example: "- stat:\n    path: /webapps/app/current\n  register: current\n- debug:\n    msg: \"{{ current.stat.lnk_source }}\"\n  when: current.stat.islnk")

    var path: String
    var follow: Bool
    var checksum: Bool
    var algorithm: String
    var mime: Bool
    var attributes: Bool
    var selinuxContext: Bool

    public init(_ arguments: ModuleArguments) throws {
        path = try arguments.requiredString("path")
        follow = try arguments.bool("follow")
        checksum = try arguments.bool("get_checksum")
        algorithm = try arguments.requiredString("checksum_algorithm")
        mime = try arguments.bool("get_mime")
        attributes = try arguments.bool("get_attributes")
        selinuxContext = try arguments.bool("get_selinux_context")
    }

    static let statFormat = "stat %f %u %g %s %.9Y %.9X %.9Z %i %h %d\\nowner %U\\ngroup %G\\nblocks %b %o %r %B\\n"

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var parts: [ShellCommand.Part] = [
            .assignment("p", path), .syntax(";"),
            .syntax("if test -e \"$p\" || test -L \"$p\"; then stat \(follow ? "-L " : "")--printf '\(StatModule.statFormat)' -- \"$p\";"),
            .syntax("test -L \"$p\" && printf 'source %s\\n' \"$(readlink -f -- \"$p\")\" && printf 'target %s\\n' \"$(readlink -- \"$p\")\";"),
            .syntax("test -r \"$p\" && echo readable; test -w \"$p\" && echo writeable; test -x \"$p\" && echo executable;"),
        ]
        if checksum {
            // As Ansible's: a checksum of a regular file only, a link's only when following it.
            let notALink = follow ? "" : "! test -L \"$p\" && "
            parts.append(.syntax("test -f \"$p\" && \(notALink)test -r \"$p\" && printf 'checksum %s\\n' \"$(\(algorithm)sum < \"$p\" | cut -d' ' -f1)\";"))
        }
        if mime {
            // Ansible's runs `file` on the path itself, following or not (a link is inode/symlink).
            parts.append(.syntax("printf 'mime %s\\n' \"$(file --mime-type --mime-encoding -- \"$p\" 2>/dev/null)\";"))
        }
        if attributes {
            parts.append(.syntax("printf 'attrs %s\\n' \"$(lsattr -vd -- \"$p\" 2>/dev/null)\";"))
        }
        if selinuxContext {
            parts.append(.syntax("printf 'secontext %s\\n' \"$(stat \(follow ? "-L " : "")-c %C -- \"$p\" 2>/dev/null)\";"))
        }
        parts.append(.syntax("else echo absent; fi; true"))
        return ShellCommand(parts: parts, compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var result = ModuleResult()
        result["stat"] = .dict(StatModule.parse(probe?.stdoutText ?? "absent\n", path: path))
        return .unchanged(result)
    }

    /// lsattr's flags by name, as Ansible's FILE_ATTRIBUTES.
    static let attributeNames: [Character: String] = [
        "A": "noatime", "a": "append", "c": "compressed", "C": "nocow", "d": "nodump", "D": "dirsync", "e": "extents",
        "E": "encrypted", "h": "blocksize", "i": "immutable", "I": "indexed", "j": "journalled", "N": "inline",
        "s": "zero", "S": "synchronous", "t": "notail", "T": "blockroot", "u": "undelete", "X": "compressedraw",
        "Z": "compresseddirty",
    ]

    /// The `stat` dict from the probe's lines (`exists: false` when the path is absent or unreadable).
    static func parse(_ text: String, path: String) -> OrderedDictionary<String, Value> {
        var stat: OrderedDictionary<String, Value> = [:]
        var fields: [String: String] = [:]
        var flags: Set<String> = []
        for line in text.split(separator: "\n") {
            let pair = line.split(separator: " ", maxSplits: 1).map(String.init)
            if pair.count == 2 { fields[pair[0]] = pair[1] } else if pair.count == 1 { flags.insert(pair[0]) }
        }
        guard let raw = fields["stat"]?.split(separator: " ").map(String.init), raw.count == 10,
              let bits = Int(raw[0], radix: 16) else {
            return ["exists": .bool(false)]
        }
        let type = bits & 0o170000
        let permissions = bits & 0o7777
        // Ansible's keys in Ansible's order (format_output, then the platform's st_* fields).
        stat["exists"] = .bool(true)
        stat["path"] = .string(path)
        stat["mode"] = .string(String(format: "%04o", permissions))
        stat["isdir"] = .bool(type == 0o040000)
        stat["ischr"] = .bool(type == 0o020000)
        stat["isblk"] = .bool(type == 0o060000)
        stat["isreg"] = .bool(type == 0o100000)
        stat["isfifo"] = .bool(type == 0o010000)
        stat["islnk"] = .bool(type == 0o120000)
        stat["issock"] = .bool(type == 0o140000)
        stat["uid"] = .int(Int(raw[1]) ?? -1)
        stat["gid"] = .int(Int(raw[2]) ?? -1)
        stat["size"] = .int(Int(raw[3]) ?? 0)
        stat["inode"] = .int(Int(raw[7]) ?? 0)
        stat["dev"] = .int(Int(raw[9]) ?? 0)
        stat["nlink"] = .int(Int(raw[8]) ?? 0)
        stat["atime"] = .double(Double(raw[5]) ?? 0)
        stat["mtime"] = .double(Double(raw[4]) ?? 0)
        stat["ctime"] = .double(Double(raw[6]) ?? 0)
        stat["wusr"] = .bool(permissions & 0o200 != 0)
        stat["rusr"] = .bool(permissions & 0o400 != 0)
        stat["xusr"] = .bool(permissions & 0o100 != 0)
        stat["wgrp"] = .bool(permissions & 0o020 != 0)
        stat["rgrp"] = .bool(permissions & 0o040 != 0)
        stat["xgrp"] = .bool(permissions & 0o010 != 0)
        stat["woth"] = .bool(permissions & 0o002 != 0)
        stat["roth"] = .bool(permissions & 0o004 != 0)
        stat["xoth"] = .bool(permissions & 0o001 != 0)
        stat["isuid"] = .bool(permissions & 0o4000 != 0)
        stat["isgid"] = .bool(permissions & 0o2000 != 0)
        let blocks = (fields["blocks"] ?? "").split(separator: " ").compactMap { Int($0) }
        if blocks.count >= 3 {
            stat["blocks"] = .int(blocks[0])
            stat["block_size"] = .int(blocks[1])
            stat["device_type"] = .int(blocks[2])
            // Python's st_blocks counts 512-byte units; stat's %b counts units of %B (the fourth number).
            stat["disk_usage_bytes"] = .int(blocks[0] * (blocks.count > 3 ? blocks[3] : 512))
        }
        stat["readable"] = .bool(flags.contains("readable"))
        stat["writeable"] = .bool(flags.contains("writeable"))
        stat["executable"] = .bool(flags.contains("executable"))
        if type == 0o120000, let source = fields["source"] { stat["lnk_source"] = .string(source) }
        if type == 0o120000, let target = fields["target"] { stat["lnk_target"] = .string(target) }
        // As Ansible's, names only where the uid and gid have one.
        if let owner = fields["owner"], owner != "UNKNOWN" { stat["pw_name"] = .string(owner) }
        if let group = fields["group"], group != "UNKNOWN" { stat["gr_name"] = .string(group) }
        if let checksum = fields["checksum"] { stat["checksum"] = .string(checksum) }
        if let mime = fields["mime"] {
            // "path: text/plain; charset=us-ascii", split as Ansible does; unknown when `file` said nothing.
            let answer = mime.components(separatedBy: ":").last?.components(separatedBy: ";") ?? []
            let known = answer.count == 2 && answer[1].contains("=")
            stat["mimetype"] = .string(known ? answer[0].trimmed : "unknown")
            stat["charset"] = .string(known ? (answer[1].components(separatedBy: "=").last ?? "").trimmed : "unknown")
        } else if flags.contains("mime") {
            stat["mimetype"] = .string("unknown")
            stat["charset"] = .string("unknown")
        }
        if let attrs = fields["attrs"] ?? (flags.contains("attrs") ? "" : nil) {
            // "4159889902 --------------e------- path"
            let words = attrs.split(separator: " ").map(String.init)
            let flagsText = words.count >= 2 ? words[1].replacingOccurrences(of: "-", with: "") : ""
            stat["version"] = words.count >= 2 ? .string(words[0]) : Value.none
            stat["attributes"] = .list(flagsText.compactMap { StatModule.attributeNames[$0] }.map(Value.string))
            stat["attr_flags"] = .string(flagsText)
        }
        if let context = fields["secontext"] ?? (flags.contains("secontext") ? "" : nil) {
            // As Ansible's selinux_context: the context's user, role, type and level; nulls without SELinux.
            let known = !context.isEmpty && context != "?"
            stat["selinux_context"] = .list(known ? context.split(separator: ":", maxSplits: 3).map { .string(String($0)) }
                                                  : [.none, .none, .none])
        }
        return stat
    }
}
