import Foundation
import Jinja
import SSH

/// replace: replaces every match of a regular expression in a file (Python `re` style, multiline).
///
///     - replace: { path: /etc/nginx/nginx.conf, regexp: 'worker_processes \d+;', replace: 'worker_processes auto;' }
public struct ReplaceModule: Module {
    public static let spec = ModuleSpec(
        name: "replace",
        arguments: [
            ArgumentSpec("path", type: .path, required: true, aliases: ["dest", "destfile", "name"], doc: "The file to edit."),
            ArgumentSpec("regexp", required: true, doc: "The regular expression to look for (multiline: ^ and $ match at line ends)."),
            ArgumentSpec("replace", default: .string(""), doc: "The replacement; \\1 and \\g<name> insert groups."),
            ArgumentSpec("after", doc: "Only replace after the first match of this regexp."),
            ArgumentSpec("before", doc: "Only replace before the first match of this regexp."),
            ArgumentSpec("backup", type: .bool, default: .bool(false), doc: "Keep the old file beside it, with a timestamp."),
            ArgumentSpec("validate", doc: "A command run on the new file (%s) before it replaces the old one."),
            ArgumentSpec("encoding", default: .string("utf-8"), doc: "Only utf-8 is supported."),
            ArgumentSpec("mode", type: .mode, doc: "Permissions of the file."),
            ArgumentSpec("owner", doc: "Owner of the file."),
            ArgumentSpec("group", doc: "Group of the file."),
        ],
        doc: "Replaces all matches of a regular expression in a file, atomically; ok when nothing matches or the "
            + "replacement is already there.",
        example: "- replace:\n    path: /etc/nginx/nginx.conf\n    regexp: 'worker_processes\\s+\\d+;'\n    replace: 'worker_processes auto;'")

    var path: String
    var regexp: NSRegularExpression
    var replacement: String
    var after: NSRegularExpression?
    var before: NSRegularExpression?
    var backup: Bool
    var validate: [String]?
    var mode: FileMode?
    var owner: String?
    var group: String?

    public init(_ arguments: ModuleArguments) throws {
        path = try arguments.requiredString("path", "dest", "destfile", "name")
        func regex(_ name: String) throws -> NSRegularExpression? {
            guard let pattern = try arguments.string(name) else { return nil }
            do { return try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) } catch {
                throw ModuleArgumentError("\(name) \(pattern) is not a valid regular expression")
            }
        }
        guard let regexp = try regex("regexp") else { throw ModuleArgumentError("missing required argument: regexp") }
        self.regexp = regexp
        replacement = ReplaceModule.template(fromPython: try arguments.string("replace") ?? "")
        after = try regex("after")
        before = try regex("before")
        backup = try arguments.bool("backup", default: false)
        if let text = try arguments.string("validate") {
            guard text.contains("%s") else { throw ModuleArgumentError("validate must contain %s (the file to check): \(text)") }
            validate = try ShellWords.split(text)
        }
        if let encoding = try arguments.string("encoding"), !["utf-8", "utf8"].contains(encoding.lowercased()) {
            throw ModuleArgumentError("encoding \(encoding) is not supported; only utf-8")
        }
        mode = try arguments.mode()
        owner = try arguments.string("owner")
        group = try arguments.string("group")
    }

    /// Python's replacement syntax (`\1`, `\g<1>`, `\g<name>`, `\n`) as an NSRegularExpression template.
    static func template(fromPython text: String) -> String {
        var out = ""
        var characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "$" { out += "\\$"; index += 1; continue }
            guard character == "\\", index + 1 < characters.count else { out.append(character); index += 1; continue }
            let next = characters[index + 1]
            switch next {
            case "0"..."9": out += "$" + String(next); index += 2
            case "g":
                if index + 2 < characters.count, characters[index + 2] == "<",
                   let close = characters[(index + 3)...].firstIndex(of: ">") {
                    let name = String(characters[(index + 3)..<close])
                    out += Int(name) != nil ? "$" + name : "${" + name + "}"
                    index = close + 1
                } else { out += "g"; index += 2 }
            case "n": out += "\n"; index += 2
            case "t": out += "\t"; index += 2
            case "\\": out += "\\\\"; index += 2
            default: out += "\\" + String(next); index += 2
            }
        }
        characters.removeAll()
        return out
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        FileState.probe(path, checksum: true, content: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let current = try FileState(probeOutput: probe?.stdout ?? Data())
        guard current.kind == .file else {
            return ModulePlan(result: .failure("Path \(path) does not exist or is not a file"))
        }
        let text = String(decoding: current.content ?? Data(), as: UTF8.self)
        let (newText, count) = edit(text)
        if newText == text {
            guard let change = try current.attributeChanges(mode: mode, owner: owner, group: group) else {
                return .unchanged(ModuleResult(msg: ""))
            }
            return .change([.run(FileState.applying(change, to: path))], ModuleResult(msg: "ownership, perms or SE linux context changed"))
        }
        var content = FileContent(path: path, data: Data(newText.utf8), mode: mode, owner: owner, group: group, backup: backup)
        content.validate = validate
        var plan = try content.plan(current: current, diffMode: context.diffMode)
        plan.result.msg = "\(count) replacements made"
        plan.result.values.removeValue(forKey: "checksum")
        plan.result.values.removeValue(forKey: "size")
        plan.result.values.removeValue(forKey: "dest")
        plan.result.changed = true
        return plan
    }

    /// The text with every match between `after` and `before` replaced, and how many there were.
    func edit(_ text: String) -> (String, Int) {
        let whole = text as NSString
        var lower = 0
        var upper = whole.length
        if let after, let match = after.firstMatch(in: text, range: NSRange(location: 0, length: whole.length)) {
            lower = match.range.location + match.range.length
        }
        if let before, let match = before.firstMatch(in: text, range: NSRange(location: lower, length: whole.length - lower)) {
            upper = match.range.location
        }
        guard upper >= lower else { return (text, 0) }
        let section = whole.substring(with: NSRange(location: lower, length: upper - lower))
        let count = regexp.numberOfMatches(in: section, range: NSRange(location: 0, length: (section as NSString).length))
        guard count > 0 else { return (text, 0) }
        let replaced = regexp.stringByReplacingMatches(in: section, range: NSRange(location: 0, length: (section as NSString).length),
                                                       withTemplate: replacement)
        return (whole.substring(to: lower) + replaced + whole.substring(from: upper), count)
    }
}
