import Foundation
import Jinja

/// lineinfile: makes sure one line is in a file (replacing the line a regexp matches), or is not.
///
///     - lineinfile: { path: /etc/hosts, regexp: '^127\.0\.1\.1', line: "127.0.1.1 {{ inventory_hostname }}" }
public struct LineInFileModule: Module {
    public static let spec = ModuleSpec(
        name: "lineinfile",
        arguments: [
            ArgumentSpec("path", type: .path, required: true, aliases: ["dest", "destfile", "name"], doc: "The file to edit."),
            ArgumentSpec("line", aliases: ["value"], singleLine: true, doc: "The line that should be in the file (state present)."),
            ArgumentSpec("regexp", aliases: ["regex"], doc: "The line to replace or remove: the last line matching this."),
            ArgumentSpec("search_string", doc: "Like regexp, a literal substring."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("insertafter", doc: "EOF (default) or a regexp: insert after the last line matching it."),
            ArgumentSpec("insertbefore", doc: "BOF or a regexp: insert before the last line matching it."),
            ArgumentSpec("create", type: .bool, default: .bool(false), doc: "Create the file when it does not exist."),
            ArgumentSpec("backrefs", type: .bool, default: .bool(false), doc: "line may use \\1 groups of regexp; no insert when nothing matches."),
            ArgumentSpec("firstmatch", type: .bool, default: .bool(false), doc: "insertafter/insertbefore use the first match."),
            ArgumentSpec("backup", type: .bool, default: .bool(false), doc: "Keep the old file beside it, with a timestamp."),
            ArgumentSpec("mode", type: .mode, doc: "Permissions of the file."),
            ArgumentSpec("owner", doc: "Owner of the file."),
            ArgumentSpec("group", doc: "Group of the file."),
            ArgumentSpec("encoding", default: .string("utf-8"),
                         doc: "The file's character encoding, a Python codec name (utf-8, utf-16, latin-1, cp1252, ...)."),
            FileWriteOptions.validateArgument,
        ],
        mutuallyExclusive: [["insertafter", "insertbefore"], ["regexp", "search_string"]],
        doc: "Ensures one line is present in (or absent from) a text file, replacing a matched line in place.",
        example: "- lineinfile:\n    path: /etc/ssh/sshd_config\n    regexp: '^#?PasswordAuthentication'\n    line: PasswordAuthentication no")

    var path: String
    var line: String?
    var regexp: NSRegularExpression?
    var searchString: String?
    var present: Bool
    var insertAfter: String?
    var insertBefore: String?
    var create: Bool
    var backrefs: Bool
    var firstMatch: Bool
    var backup: Bool
    var mode: FileMode?
    var owner: String?
    var group: String?
    var encoding: TextEncoding
    var validate: [String]?

    public init(_ arguments: ModuleArguments) throws {
        path = try arguments.requiredString("path")
        line = try arguments.string("line")
        if let pattern = try arguments.string("regexp") {
            do { regexp = try NSRegularExpression(pattern: pattern) } catch {
                throw ModuleArgumentError("regexp \(pattern) is not a valid regular expression")
            }
        }
        searchString = try arguments.string("search_string")
        present = try arguments.requiredString("state") == "present"
        insertAfter = try arguments.string("insertafter")
        insertBefore = try arguments.string("insertbefore")
        create = try arguments.bool("create")
        backrefs = try arguments.bool("backrefs")
        firstMatch = try arguments.bool("firstmatch")
        backup = try arguments.bool("backup")
        mode = try arguments.mode()
        owner = try arguments.string("owner")
        group = try arguments.string("group")
        encoding = try TextEncoding(arguments.requiredString("encoding"))
        validate = try FileWriteOptions.validation(arguments)
        if present && line == nil { throw ModuleArgumentError("line is required with state=present") }
        if !present && regexp == nil && searchString == nil && line == nil {
            throw ModuleArgumentError("one of line, regexp or search_string is required with state=absent")
        }
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        FileState.probe(path, checksum: false, content: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let current = try FileState(probeOutput: probe?.stdout ?? Data())
        if current.kind == .absent {
            if !present { return .unchanged(ModuleResult(msg: "file not present")) }
            if !create {
                return ModulePlan(result: .failure("Destination \(path) does not exist; set create: yes to create it"))
            }
        }
        guard current.kind == .file || current.kind == .absent else {
            return ModulePlan(result: .failure("\(path) is a \(current.kind.rawValue), not a file"))
        }
        let text = try encoding.decode(current.content ?? Data())
        let (newText, message) = edit(text)
        // As Ansible's: `backup` is the backup's path, or "" when none was made.
        var result = ModuleResult(msg: message, values: ["backup": .string("")])
        if newText == text && current.exists {
            // Contents already right; attributes may still differ.
            guard let change = try current.attributeChanges(mode: mode, owner: owner, group: group) else {
                return .unchanged(ModuleResult(msg: "", values: result.values))
            }
            return .change([.run(FileState.applying(change, to: path))],
                           ModuleResult(msg: "ownership, perms or SE linux context changed", values: result.values))
        }
        var content = FileContent(path: path, data: try encoding.encode(newText), mode: mode, owner: owner, group: group,
                                  backup: backup, validate: validate, textEncoding: encoding)
        content.expected = current.expectation
        var plan = try content.plan(current: current, diffMode: context.diffMode)
        let folder = (path as NSString).deletingLastPathComponent
        if !current.exists && !folder.isEmpty {
            // As Ansible's create: the missing folders are made first.
            plan.actions.insert(.run(ShellCommand("mkdir", "-p", "--", folder)), at: 0)
        }
        result.diffs = plan.result.diffs
        if let backupFile = plan.result["backup_file"] { result["backup"] = backupFile }
        plan.result = result
        plan.result.changed = true
        return plan
    }

    /// The edited text and Ansible's message for what happened ("line added", "line replaced", ...).
    func edit(_ text: String) -> (String, String) {
        var lines = text.splitLines
        func matches(_ candidate: String) -> Bool {
            if let regexp {
                return regexp.firstMatch(in: candidate, range: NSRange(candidate.startIndex..., in: candidate)) != nil
            }
            if let searchString { return candidate.contains(searchString) }
            return candidate == self.line
        }
        func join(_ lines: [String]) -> String {
            lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
        }
        if !present {
            let kept = lines.filter { !matches($0) }
            if kept.count == lines.count { return (text, "") }
            return (join(kept), "\(lines.count - kept.count) line(s) removed")
        }
        var line = self.line ?? ""
        let matchIndex = regexp != nil || searchString != nil ? lines.lastIndex(where: matches) : nil
        if let index = matchIndex {
            if backrefs, let regexp {
                let candidate = lines[index]
                let range = NSRange(candidate.startIndex..., in: candidate)
                if let match = regexp.firstMatch(in: candidate, range: range) {
                    line = regexp.replacementString(for: match, in: candidate, offset: 0,
                                                    template: line.replacingOccurrences(of: "\\\\(\\d)", with: "\\$$1", options: .regularExpression))
                }
            }
            if lines[index] == line { return (text, "") }
            lines[index] = line
            return (join(lines), "line replaced")
        }
        if backrefs { return (text, "") }
        if lines.contains(line) { return (text, "") }
        var position = lines.count
        if let insertBefore {
            if insertBefore == "BOF" {
                position = 0
            } else if let pattern = try? NSRegularExpression(pattern: insertBefore) {
                let found = lines.indices.filter { pattern.firstMatch(in: lines[$0], range: NSRange(lines[$0].startIndex..., in: lines[$0])) != nil }
                if let index = firstMatch ? found.first : found.last { position = index }
            }
        } else if let insertAfter, insertAfter != "EOF", let pattern = try? NSRegularExpression(pattern: insertAfter) {
            let found = lines.indices.filter { pattern.firstMatch(in: lines[$0], range: NSRange(lines[$0].startIndex..., in: lines[$0])) != nil }
            if let index = firstMatch ? found.first : found.last { position = index + 1 }
        }
        lines.insert(line, at: position)
        return (join(lines), "line added")
    }
}
