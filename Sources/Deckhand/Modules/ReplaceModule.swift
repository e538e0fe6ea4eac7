import Foundation
import Jinja
import OrderedCollections

/// replace: replaces every match of a regular expression in a file.
///
///     - replace: { path: /etc/default/grub, regexp: 'quiet splash', replace: 'quiet' }
public struct ReplaceModule: Module {
    public static let spec = ModuleSpec(
        name: "replace",
        arguments: [
            ArgumentSpec("path", type: .path, required: true, aliases: ["dest", "destfile", "name"], doc: "The file to edit."),
            ArgumentSpec("regexp", required: true, doc: "What to replace (Python-style regex; \\1 groups in replace)."),
            ArgumentSpec("replace", default: .string(""), doc: "The replacement."),
            ArgumentSpec("after", doc: "Replace only after the first match of this regexp (dot matches newlines)."),
            ArgumentSpec("before", doc: "Replace only before the last match of this regexp; with after, between them."),
            ArgumentSpec("backup", type: .bool, default: .bool(false), doc: "Keep the old file beside it."),
            ArgumentSpec("mode", type: .mode, doc: "Permissions of the file."),
            ArgumentSpec("owner", doc: "Owner of the file."),
            ArgumentSpec("group", doc: "Group of the file."),
            ArgumentSpec("encoding", default: .string("utf-8"),
                         doc: "The file's character encoding, a Python codec name (utf-8, utf-16, latin-1, cp1252, ...)."),
        ],
        doc: "Replaces every match of a regular expression in a file; ok when nothing matches.",
        example: "- replace:\n    path: /etc/nginx/nginx.conf\n    regexp: 'worker_processes \\\\d+;'\n    replace: 'worker_processes auto;'")

    var path: String
    var regexp: NSRegularExpression
    var replacement: String
    /// The part of the file `after`/`before` select, as a regexp whose `section` group is that part.
    var section: NSRegularExpression?
    var sectionPattern: String?
    /// An escape Python's re refuses in the replacement (`\D`), with its position: the task fails on it.
    var badEscape: String?
    var backup: Bool
    var mode: FileMode?
    var owner: String?
    var group: String?
    var encoding: TextEncoding

    public init(_ arguments: ModuleArguments) throws {
        path = try arguments.requiredString("path")
        let pattern = try arguments.requiredString("regexp")
        do { regexp = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) } catch {
            throw ModuleArgumentError("regexp \(pattern) is not a valid regular expression")
        }
        let replace = try arguments.requiredString("replace")
        replacement = ReplaceModule.template(fromPython: replace)
        badEscape = ReplaceModule.badEscape(in: replace)
        switch (try arguments.string("after"), try arguments.string("before")) {
        // Written as Ansible writes it (its messages show it); NSRegularExpression names groups without the P.
        case (let after?, let before?): sectionPattern = "\(after)(?P<subsection>.*?)\(before)"
        case (let after?, nil): sectionPattern = "\(after)(?P<subsection>.*)"
        case (nil, let before?): sectionPattern = "(?P<subsection>.*)\(before)"
        case (nil, nil): sectionPattern = nil
        }
        if let sectionPattern {
            let pattern = sectionPattern.replacingOccurrences(of: "(?P<subsection>", with: "(?<subsection>")
            do { section = try NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) } catch {
                throw ModuleArgumentError("after/before make \(sectionPattern), not a valid regular expression")
            }
        }
        backup = try arguments.bool("backup")
        mode = try arguments.mode()
        owner = try arguments.string("owner")
        group = try arguments.string("group")
        encoding = try TextEncoding(arguments.requiredString("encoding"))
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        FileState.probe(path, content: true)
    }

    /// The first `\X` with X an ASCII letter Python's re.sub does not know, as "\X at position N".
    static func badEscape(in text: String) -> String? {
        let characters = Array(text)
        var index = 0
        while index + 1 < characters.count {
            if characters[index] == "\\" {
                let next = characters[index + 1]
                if next.isASCII && next.isLetter && !"nrtfvabg".contains(next) { return "\\\(next) at position \(index)" }
                index += 1
            }
            index += 1
        }
        return nil
    }

    /// Python's replacement syntax (\\1, \\g<1>, \\\\) as an NSRegularExpression template ($1, \\$).
    static func template(fromPython text: String) -> String {
        var out = ""
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "$" {
                out += "\\$"
            } else if character == "\\", index + 1 < characters.count {
                let next = characters[index + 1]
                if next.isNumber {
                    out += "$" + String(next)
                    index += 1
                } else if next == "g", index + 2 < characters.count, characters[index + 2] == "<",
                          let close = characters[(index + 3)...].firstIndex(of: ">") {
                    out += "$" + String(characters[(index + 3)..<close])
                    index = close
                } else if next == "\\" {
                    out += "\\\\"
                    index += 1
                } else if next == "n" {
                    out += "\n"
                    index += 1
                } else {
                    out += "\\\\"
                }
            } else {
                out.append(character)
            }
            index += 1
        }
        return out
    }

    /// The text with the replacements made in the part after/before select (the whole text without them);
    /// nil when after/before match nothing.
    func edit(_ text: String) -> (String, Int)? {
        var head = "", part = text, tail = ""
        if let section {
            guard let match = section.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                  let range = Range(match.range(withName: "subsection"), in: text) else { return nil }
            head = String(text[..<range.lowerBound])
            part = String(text[range])
            tail = String(text[range.upperBound...])
        }
        // The part is searched on its own, as Ansible's re.subn on the section: ^ matches at its start.
        let range = NSRange(part.startIndex..., in: part)
        let count = regexp.numberOfMatches(in: part, range: range)
        return (head + regexp.stringByReplacingMatches(in: part, range: range, withTemplate: replacement) + tail, count)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let current = try FileState(probeOutput: probe?.stdout ?? Data())
        if let escape = badEscape {
            return ModulePlan(result: .failure("Unable to process replace due to error: bad escape \(escape)"))
        }
        switch current.kind {
        case .directory: return ModulePlan(result: .failure("Path \(path) is a directory !", values: ["rc": .int(256)]))
        case .absent: return ModulePlan(result: .failure("Path \(path) does not exist !", values: ["rc": .int(257)]))
        case .file: break
        default: return ModulePlan(result: .failure("Path \(path) is not a regular file"))
        }
        let text = try encoding.decode(current.content ?? Data())
        // As Ansible's, every result that is no failure has rc 0.
        let succeeded: OrderedDictionary<String, Value> = ["rc": .int(0)]
        guard let (edited, count) = edit(text) else {
            return .unchanged(ModuleResult(msg: "Pattern for before/after params did not match the given file: \(sectionPattern ?? "")",
                                           values: succeeded))
        }
        guard edited != text else {
            if let change = try current.attributeChanges(mode: mode, owner: owner, group: group) {
                return .change([.run(FileState.applying(change, to: path))],
                               ModuleResult(msg: "ownership, perms changed", values: succeeded))
            }
            return .unchanged(ModuleResult(msg: "", values: succeeded))
        }
        var withChecksum = current
        withChecksum.checksum = current.content.map(ContentDigest.sha1)
        var content = FileContent(path: path, data: try encoding.encode(edited), mode: mode, owner: owner, group: group, backup: backup,
                                  textEncoding: encoding)
        content.expected = current.expectation
        var plan = try content.plan(current: withChecksum, diffMode: context.diffMode)
        plan.result.msg = "\(count) replacements made"
        plan.result.values = plan.result.values.filter { $0.key == "backup_file" }
        plan.result.values["rc"] = .int(0)
        return plan
    }
}
