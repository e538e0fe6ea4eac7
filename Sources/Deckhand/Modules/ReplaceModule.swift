import Foundation
import Jinja

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
            ArgumentSpec("backup", type: .bool, default: .bool(false), doc: "Keep the old file beside it."),
            ArgumentSpec("mode", type: .mode, doc: "Permissions of the file."),
            ArgumentSpec("owner", doc: "Owner of the file."),
            ArgumentSpec("group", doc: "Group of the file."),
        ],
        doc: "Replaces every match of a regular expression in a file; ok when nothing matches.",
        example: "- replace:\n    path: /etc/nginx/nginx.conf\n    regexp: 'worker_processes \\\\d+;'\n    replace: 'worker_processes auto;'")

    var path: String
    var regexp: NSRegularExpression
    var replacement: String
    var backup: Bool
    var mode: FileMode?
    var owner: String?
    var group: String?

    public init(_ arguments: ModuleArguments) throws {
        path = try arguments.requiredString("path")
        let pattern = try arguments.requiredString("regexp")
        do { regexp = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) } catch {
            throw ModuleArgumentError("regexp \(pattern) is not a valid regular expression")
        }
        replacement = ReplaceModule.template(fromPython: try arguments.requiredString("replace"))
        backup = try arguments.bool("backup")
        mode = try arguments.mode()
        owner = try arguments.string("owner")
        group = try arguments.string("group")
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        FileState.probe(path, content: true)
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

    func edit(_ text: String) -> (String, Int) {
        let range = NSRange(text.startIndex..., in: text)
        let count = regexp.numberOfMatches(in: text, range: range)
        return (regexp.stringByReplacingMatches(in: text, range: range, withTemplate: replacement), count)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let current = try FileState(probeOutput: probe?.stdout ?? Data())
        guard current.kind == .file else {
            return ModulePlan(result: .failure("Path \(path) does not exist or is not a file"))
        }
        let text = String(decoding: current.content ?? Data(), as: UTF8.self)
        let (edited, count) = edit(text)
        guard edited != text else {
            if let change = try current.attributeChanges(mode: mode, owner: owner, group: group) {
                return .change([.run(FileState.applying(change, to: path))], ModuleResult(msg: "ownership, perms changed"))
            }
            return .unchanged(ModuleResult(msg: ""))
        }
        var withChecksum = current
        withChecksum.checksum = current.content.map(ContentDigest.sha1)
        var content = FileContent(path: path, data: Data(edited.utf8), mode: mode, owner: owner, group: group, backup: backup)
        content.expected = current.expectation
        var plan = try content.plan(current: withChecksum, diffMode: context.diffMode)
        plan.result.msg = "\(count) replacements made"
        return plan
    }
}
