import Foundation
import Jinja
import SSH

/// blockinfile: keeps a block of lines between marker lines in a file (inserted, updated or removed).
///
///     - blockinfile: { path: /etc/hosts, block: "10.0.0.5 db" }
public struct BlockInFileModule: Module {
    public static let spec = ModuleSpec(
        name: "blockinfile",
        arguments: [
            ArgumentSpec("path", type: .path, required: true, aliases: ["dest", "destfile", "name"], doc: "The file to edit."),
            ArgumentSpec("block", default: .string(""), aliases: ["content"], doc: "The lines to keep between the markers (empty removes the block)."),
            ArgumentSpec("marker", default: .string("# {mark} ANSIBLE MANAGED BLOCK"), doc: "The marker line; {mark} becomes marker_begin or marker_end."),
            ArgumentSpec("marker_begin", default: .string("BEGIN"), doc: "What {mark} is in the first marker."),
            ArgumentSpec("marker_end", default: .string("END"), doc: "What {mark} is in the last marker."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("insertafter", doc: "EOF (default) or a regexp: a new block goes after the last line matching it."),
            ArgumentSpec("insertbefore", doc: "BOF or a regexp: a new block goes before the last line matching it."),
            ArgumentSpec("create", type: .bool, default: .bool(false), doc: "Create the file when it does not exist."),
            ArgumentSpec("backup", type: .bool, default: .bool(false), doc: "Keep the old file beside it, with a timestamp."),
            ArgumentSpec("validate", doc: "A command run on the new file (%s) before it replaces the old one."),
            ArgumentSpec("append_newline", type: .bool, default: .bool(false), doc: "Put an empty line after a new block."),
            ArgumentSpec("prepend_newline", type: .bool, default: .bool(false), doc: "Put an empty line before a new block."),
            ArgumentSpec("mode", type: .mode, doc: "Permissions of the file."),
            ArgumentSpec("owner", doc: "Owner of the file."),
            ArgumentSpec("group", doc: "Group of the file."),
        ],
        mutuallyExclusive: [["insertafter", "insertbefore"]],
        doc: "Inserts, updates or removes a block of lines surrounded by marker lines, so the same task can later "
            + "update exactly that block.",
        example: "- blockinfile:\n    path: /etc/hosts\n    marker: \"# {mark} deckhand hosts\"\n    block: |\n      10.0.0.5 db\n      10.0.0.6 cache")

    var path: String
    var block: String
    var markerBegin: String
    var markerEnd: String
    var present: Bool
    var insertAfter: String?
    var insertBefore: String?
    var create: Bool
    var backup: Bool
    var validate: [String]?
    var appendNewline: Bool
    var prependNewline: Bool
    var mode: FileMode?
    var owner: String?
    var group: String?

    public init(_ arguments: ModuleArguments) throws {
        path = try arguments.requiredString("path", "dest", "destfile", "name")
        block = try arguments.string("block", "content") ?? ""
        let marker = try arguments.string("marker") ?? "# {mark} ANSIBLE MANAGED BLOCK"
        markerBegin = marker.replacingOccurrences(of: "{mark}", with: try arguments.string("marker_begin") ?? "BEGIN")
        markerEnd = marker.replacingOccurrences(of: "{mark}", with: try arguments.string("marker_end") ?? "END")
        guard markerBegin != markerEnd else {
            throw ModuleArgumentError("marker must contain {mark} (or marker_begin and marker_end must differ), else the block cannot be found again")
        }
        present = try arguments.choice("state", ["present", "absent"], default: "present") == "present"
        insertAfter = try arguments.string("insertafter")
        insertBefore = try arguments.string("insertbefore")
        for pattern in [insertAfter, insertBefore].compactMap({ $0 }) where !["EOF", "BOF"].contains(pattern) {
            if (try? NSRegularExpression(pattern: pattern)) == nil {
                throw ModuleArgumentError("insertafter/insertbefore \(pattern) is not a valid regular expression")
            }
        }
        create = try arguments.bool("create", default: false)
        backup = try arguments.bool("backup", default: false)
        if let text = try arguments.string("validate") {
            guard text.contains("%s") else { throw ModuleArgumentError("validate must contain %s (the file to check): \(text)") }
            validate = try ShellWords.split(text)
        }
        appendNewline = try arguments.bool("append_newline", default: false)
        prependNewline = try arguments.bool("prepend_newline", default: false)
        mode = try arguments.mode()
        owner = try arguments.string("owner")
        group = try arguments.string("group")
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        FileState.probe(path, checksum: true, content: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let current = try FileState(probeOutput: probe?.stdout ?? Data())
        if current.kind == .absent {
            if !present { return .unchanged(ModuleResult(msg: "")) }
            if !create { return ModulePlan(result: .failure("Path \(path) does not exist; set create: yes to create it")) }
        }
        guard current.kind == .file || current.kind == .absent else {
            return ModulePlan(result: .failure("\(path) is a \(current.kind.rawValue), not a file"))
        }
        let text = String(decoding: current.content ?? Data(), as: UTF8.self)
        let (newText, message) = edit(text)
        if newText == text && current.exists {
            guard let change = try current.attributeChanges(mode: mode, owner: owner, group: group) else {
                return .unchanged(ModuleResult(msg: ""))
            }
            return .change([.run(FileState.applying(change, to: path))], ModuleResult(msg: "ownership, perms or SE linux context changed"))
        }
        var content = FileContent(path: path, data: Data(newText.utf8), mode: mode, owner: owner, group: group, backup: backup)
        content.validate = validate
        var plan = try content.plan(current: current, diffMode: context.diffMode)
        var result = ModuleResult(msg: message)
        result.diffs = plan.result.diffs
        if let backupFile = plan.result["backup_file"] { result["backup_file"] = backupFile }
        result.changed = true
        plan.result = result
        return plan
    }

    /// The edited text and Ansible's message (Block inserted / Block removed / "").
    func edit(_ text: String) -> (String, String) {
        var lines = text.splitLines
        let begin = lines.lastIndex(of: markerBegin)
        let end = begin.flatMap { start in lines[start...].firstIndex(of: markerEnd) } ?? lines.lastIndex(of: markerEnd)
        let blockLines = block.isEmpty ? [] : block.splitLines
        let wanted = present && !block.isEmpty ? [markerBegin] + blockLines + [markerEnd] : []
        let join: ([String]) -> String = { $0.isEmpty ? "" : $0.joined(separator: "\n") + "\n" }
        if let begin, let end, begin <= end {
            if Array(lines[begin...end]) == wanted { return (text, "") }
            lines.replaceSubrange(begin...end, with: wanted)
            return (join(lines), wanted.isEmpty ? "Block removed" : "Block inserted")
        }
        guard !wanted.isEmpty else { return (text, "") }
        var position = lines.count
        func lastMatch(_ pattern: String) -> Int? {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
            return lines.lastIndex { regex.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil }
        }
        if let insertBefore {
            position = insertBefore == "BOF" ? 0 : lastMatch(insertBefore) ?? lines.count
        } else if let insertAfter, insertAfter != "EOF" {
            position = lastMatch(insertAfter).map { $0 + 1 } ?? lines.count
        }
        var inserted = wanted
        if prependNewline && position > 0 { inserted.insert("", at: 0) }
        if appendNewline && position < lines.count { inserted.append("") }
        lines.insert(contentsOf: inserted, at: position)
        return (join(lines), "Block inserted")
    }
}
