import Foundation
import Jinja
import SSH

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
        path = try arguments.requiredString("path", "dest", "destfile", "name")
        let pattern = try arguments.requiredString("regexp")
        do { regexp = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) } catch {
            throw ModuleArgumentError("regexp \(pattern) is not a valid regular expression")
        }
        // Python's \1 (and \g<1>) become NSRegularExpression's $1; a literal $ must be escaped.
        let raw = try arguments.string("replace") ?? ""
        replacement = raw.replacingOccurrences(of: "$", with: "\\$")
            .replacingOccurrences(of: "\\\\g<(\\d+)>", with: "\\$$1", options: .regularExpression)
            .replacingOccurrences(of: "\\\\(\\d)", with: "\\$$1", options: .regularExpression)
        backup = try arguments.bool("backup", default: false)
        mode = try arguments.mode()
        owner = try arguments.string("owner")
        group = try arguments.string("group")
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        FileState.probe(path, content: true)
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
        withChecksum.checksum = current.content.map(SHA1.hex)
        var plan = try FileContent(path: path, data: Data(edited.utf8), mode: mode, owner: owner, group: group, backup: backup)
            .plan(current: withChecksum, diffMode: context.diffMode)
        plan.result.msg = "\(count) replacements made"
        return plan
    }
}
