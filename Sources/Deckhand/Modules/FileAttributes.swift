import Foundation
import Jinja

/// What the file module sets besides kind, owner, group and mode: chattr attributes and the modification and
/// access times, read by a few lines appended to its probe (on `$p`, the path after following links).
struct FileAttributes: Sendable {
    static let arguments: [ArgumentSpec] = [
        ArgumentSpec("attributes", aliases: ["attr"],
                     doc: "chattr flags it should have: `A` exactly these (=), `+A` added, `-A` removed."),
        ArgumentSpec("modification_time", doc: "`now`, `preserve`, or a time in modification_time_format (the host's local time)."),
        ArgumentSpec("modification_time_format", default: .string("%Y%m%d%H%M.%S"), doc: "How modification_time is written (strftime)."),
        ArgumentSpec("access_time", doc: "`now`, `preserve`, or a time in access_time_format (the host's local time)."),
        ArgumentSpec("access_time_format", default: .string("%Y%m%d%H%M.%S"), doc: "How access_time is written (strftime)."),
    ]

    /// A time to set: now, or a moment as `date -d` reads it.
    enum Time: Sendable, Equatable { case now, at(String) }

    /// The chattr operator (`=`, `+`, `-`) and the flags.
    var attributes: (operator: String, flags: String)?
    var modification: Time?
    var access: Time?
    /// Both times were given as preserve (touch then changes nothing by itself).
    var preservesTimes: Bool

    init(_ arguments: ModuleArguments) throws {
        if let text = try arguments.string("attributes"), !text.isEmpty {
            let mod = text.first == "+" || text.first == "-" ? String(text.first!) : "="
            let flags = mod == "=" ? text.drop { $0 == "=" } : text.dropFirst()
            if !flags.isEmpty { attributes = (mod, String(flags)) }
        }
        let modificationText = try arguments.string("modification_time")
        let accessText = try arguments.string("access_time")
        modification = try FileAttributes.time(modificationText, format: arguments.requiredString("modification_time_format"), "modification_time")
        access = try FileAttributes.time(accessText, format: arguments.requiredString("access_time_format"), "access_time")
        preservesTimes = modificationText == "preserve" && accessText == "preserve"
    }

    /// `text` read with the strftime `format`, as "YYYY-MM-DD HH:MM:SS" for `date -d`; nil for preserve or unset.
    static func time(_ text: String?, format: String, _ name: String) throws -> Time? {
        guard let text, text != "preserve" else { return nil }
        if text == "now" { return .now }
        guard let parts = parse(text, format: format) else {
            throw ModuleArgumentError("\(name) \(text) does not match \(name)_format \(format); give it in that format, or now/preserve")
        }
        return .at(String(format: "%04d-%02d-%02d %02d:%02d:%02d", parts["Y"] ?? 1900, parts["m"] ?? 1, parts["d"] ?? 1,
                          parts["H"] ?? 0, parts["M"] ?? 0, parts["S"] ?? 0))
    }

    /// strptime for the numeric directives (%Y %y %m %d %H %M %S, %%): the fields by directive letter.
    static func parse(_ text: String, format: String) -> [Character: Int]? {
        var fields: [Character: Int] = [:]
        var input = Substring(text)
        var pattern = Substring(format)
        while let next = pattern.first {
            pattern.removeFirst()
            guard next == "%", let directive = pattern.first else {
                guard input.first == next else { return nil }
                input.removeFirst()
                continue
            }
            pattern.removeFirst()
            if directive == "%" {
                guard input.first == "%" else { return nil }
                input.removeFirst()
                continue
            }
            guard let width = ["Y": 4, "y": 2, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2][directive] else { return nil }
            let digits = input.prefix(width).prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let number = Int(digits) else { return nil }
            input.removeFirst(digits.count)
            fields[directive == "y" ? "Y" : directive] = directive == "y" ? (number < 69 ? 2000 + number : 1900 + number) : number
        }
        return input.isEmpty ? fields : nil
    }

    var probes: Bool { attributes != nil || modification != nil || access != nil }

    /// Lines about `$p`: `attr-flags`, `times <mtime> <atime>`, and the wanted times as seconds.
    var probeCommand: ShellCommand {
        var parts: [ShellCommand.Part] = [.syntax("echo @@file-attributes;")]
        if attributes != nil {
            parts.append(.syntax("printf 'attr-flags %s\\n' \"$(lsattr -d -- \"$p\" 2>/dev/null | cut -d' ' -f1 | tr -d -)\";"))
        }
        parts.append(.syntax("printf 'times %s\\n' \"$(stat -c '%Y %X' -- \"$p\" 2>/dev/null)\";"))
        for (name, time) in [("want-mtime", modification), ("want-atime", access)] {
            guard case .at(let moment)? = time else { continue }
            parts += [.assignment("w", moment), .syntax("; printf '\(name) %s\\n' \"$(date -d \"$w\" +%s)\";")]
        }
        parts.append(.syntax("true"))
        return ShellCommand(parts: parts, compound: true)
    }

    /// The commands that give `path` what is asked, from the probe's answer; empty when it already has it.
    func commands(for path: String, probe output: String) -> ShellCommand {
        let fields = FileAttributes.fields(output)
        var command = ShellCommand(words: [])
        // Ansible's comparison, kept as it is: the flags as lsattr lists them against the ones given; `-` always runs.
        if let attributes, fields["attr-flags"] != attributes.flags || attributes.operator == "-" {
            command = command.and(ShellCommand("chattr", attributes.operator + attributes.flags, "--", path))
        }
        let times = (fields["times"] ?? "").split(separator: " ").map(String.init)
        for (flag, time, current, wanted) in [("-m", modification, times.first, fields["want-mtime"]),
                                              ("-a", access, times.dropFirst().first, fields["want-atime"])] {
            switch time {
            case .now?: command = command.and(ShellCommand("touch", flag, "--", path))
            case .at(let moment)? where current == nil || current != wanted:
                command = command.and(ShellCommand("touch", flag, "-d", moment, "--", path))
            default: break
            }
        }
        return command
    }

    /// The probe's `key value` lines after its marker.
    private static func fields(_ output: String) -> [String: String] {
        var fields: [String: String] = [:]
        if let start = output.range(of: "@@file-attributes\n") {
            for line in String(output[start.upperBound...]).splitLines {
                let pair = line.split(separator: " ", maxSplits: 1).map(String.init)
                fields[pair[0]] = pair.count == 2 ? pair[1] : ""
            }
        }
        return fields
    }

    /// The times a run changes, as Ansible's file diff lists them: mtime and atime before and after, in seconds.
    func timeDiff(probe output: String) -> (before: [(String, Value)], after: [(String, Value)]) {
        let fields = FileAttributes.fields(output)
        let times = (fields["times"] ?? "").split(separator: " ").map(String.init)
        var before: [(String, Value)] = [], after: [(String, Value)] = []
        for (key, time, current, wanted) in [("mtime", modification, times.first, fields["want-mtime"]),
                                             ("atime", access, times.dropFirst().first, fields["want-atime"])] {
            let now = String(Int(Date().timeIntervalSince1970))
            switch time {
            case .now?: break
            case .at? where current != wanted: break
            default: continue
            }
            if let current, let seconds = Double(current) { before.append((key, .double(seconds))) }
            let becomes: String? = time == .now ? now : wanted
            if let becomes, let seconds = Double(becomes) { after.append((key, .double(seconds))) }
        }
        return (before, after)
    }
}
