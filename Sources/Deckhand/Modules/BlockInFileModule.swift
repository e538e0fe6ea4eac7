import Foundation
import Jinja

/// blockinfile: keeps a block of lines between two marker lines in a file (or removes it).
///
///     - blockinfile:
///         path: /etc/ssh/sshd_config
///         block: |
///           Match User deploy
///             PasswordAuthentication no
public struct BlockInFileModule: Module {
    public static let spec = ModuleSpec(
        name: "blockinfile",
        arguments: [
            ArgumentSpec("path", type: .path, required: true, aliases: ["dest", "destfile", "name"], doc: "The file to edit."),
            ArgumentSpec("block", default: .string(""), aliases: ["content"], doc: "The lines to keep between the markers."),
            ArgumentSpec("marker", default: .string("# {mark} ANSIBLE MANAGED BLOCK"), singleLine: true, doc: "The marker line; {mark} becomes BEGIN/END."),
            ArgumentSpec("marker_begin", default: .string("BEGIN"), singleLine: true, doc: "Replaces {mark} in the first marker."),
            ArgumentSpec("marker_end", default: .string("END"), singleLine: true, doc: "Replaces {mark} in the last marker."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("insertafter", doc: "EOF (default) or a regexp: where a new block goes."),
            ArgumentSpec("insertbefore", doc: "BOF or a regexp: where a new block goes."),
            ArgumentSpec("create", type: .bool, default: .bool(false), doc: "Create the file when missing."),
            ArgumentSpec("backup", type: .bool, default: .bool(false), doc: "Keep the old file beside it."),
            ArgumentSpec("mode", type: .mode, doc: "Permissions of the file."),
            ArgumentSpec("owner", doc: "Owner of the file."),
            ArgumentSpec("group", doc: "Group of the file."),
            ArgumentSpec("encoding", default: .string("utf-8"),
                         doc: "The file's character encoding, a Python codec name (utf-8, utf-16, latin-1, cp1252, ...)."),
            ArgumentSpec("prepend_newline", type: .bool, default: .bool(false),
                         doc: "Put a blank line before the block unless it starts the file or one is there."),
            ArgumentSpec("append_newline", type: .bool, default: .bool(false),
                         doc: "Put a blank line after the block unless it ends the file or one is there."),
            FileWriteOptions.validateArgument,
        ],
        mutuallyExclusive: [["insertafter", "insertbefore"]],
        doc: "Inserts, updates or removes a block of lines surrounded by marker lines.",
        example: "- blockinfile:\n    path: /etc/hosts\n    block: |\n      10.0.0.5 db")

    var path: String
    var block: String
    var begin: String
    var end: String
    var present: Bool
    var insertAfter: String?
    var insertBefore: String?
    var create: Bool
    var backup: Bool
    var mode: FileMode?
    var owner: String?
    var group: String?
    var encoding: TextEncoding
    var validate: [String]?
    var prependNewline: Bool
    var appendNewline: Bool

    public init(_ arguments: ModuleArguments) throws {
        path = try arguments.requiredString("path")
        block = try arguments.requiredString("block")
        let marker = try arguments.requiredString("marker")
        begin = marker.replacingOccurrences(of: "{mark}", with: try arguments.requiredString("marker_begin"))
        end = marker.replacingOccurrences(of: "{mark}", with: try arguments.requiredString("marker_end"))
        present = try arguments.requiredString("state") == "present"
        insertAfter = try arguments.string("insertafter")
        insertBefore = try arguments.string("insertbefore")
        create = try arguments.bool("create")
        backup = try arguments.bool("backup")
        mode = try arguments.mode()
        owner = try arguments.string("owner")
        group = try arguments.string("group")
        encoding = try TextEncoding(arguments.requiredString("encoding"))
        prependNewline = try arguments.bool("prepend_newline")
        appendNewline = try arguments.bool("append_newline")
        validate = try FileWriteOptions.validation(arguments)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        FileState.probe(path, content: true)
    }

    /// The text with the block put in place (or taken out). Lines keep their own endings (a CRLF file stays
    /// CRLF), as Ansible's blockinfile works on lines with their separators.
    func edit(_ text: String) -> String {
        var lines = BlockInFileModule.linesKeepingEnds(text)
        func bare(_ line: String) -> String {
            var line = Substring(line)
            while let last = line.unicodeScalars.last, last == "\n" || last == "\r" { line = Substring(line.unicodeScalars.dropLast()) }
            return String(line)
        }
        var body = block
        if !body.hasSuffix("\n") { body += "\n" }
        let wanted = present && !block.isEmpty ? [begin + "\n"] + BlockInFileModule.linesKeepingEnds(body) + [end + "\n"] : []
        // As Ansible's: the last begin marker and the last end marker delimit the old block.
        let first = lines.lastIndex { bare($0) == begin }, last = lines.lastIndex { bare($0) == end }
        var position = lines.count
        if let first, let last {
            lines.removeSubrange(min(first, last)...max(first, last))
            position = min(first, last)
        } else {
            /// The line a pattern picks: the last line it matches; with (?m), the line where its first match in the
            /// whole text ends (insertafter) or starts (insertbefore), as Ansible's multiline search.
            func matchingLine(_ pattern: String, after: Bool) -> Int? {
                guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
                if pattern.hasPrefix("(?m)") {
                    let joined = lines.joined()
                    guard let match = regex.firstMatch(in: joined, range: NSRange(joined.startIndex..., in: joined)),
                          let range = Range(match.range, in: joined) else { return nil }
                    return joined[..<(after ? range.upperBound : range.lowerBound)].filter { $0 == "\n" || $0 == "\r\n" }.count
                }
                return lines.lastIndex { line in let line = bare(line); return regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil }
            }
            if insertBefore == "BOF" { position = 0 }
            else if let insertBefore, let index = matchingLine(insertBefore, after: false) { position = index }
            else if let insertAfter, insertAfter != "EOF", let index = matchingLine(insertAfter, after: true) { position = index + 1 }
        }
        if position > 0 && !lines[position - 1].hasSuffix("\n") { lines[position - 1] += "\n" }
        if !wanted.isEmpty {
            if prependNewline && position != 0 && lines[position - 1] != "\n" {
                lines.insert("\n", at: position)
                position += 1
            }
            lines.insert(contentsOf: wanted, at: position)
            let after = position + wanted.count
            if appendNewline && after < lines.count && lines[after] != "\n" { lines.insert("\n", at: after) }
        }
        return lines.joined()
    }

    /// The lines of `text`, each with its "\n" (or "\r\n"); a last line without one keeps none.
    static func linesKeepingEnds(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            current.append(scalar)
            if scalar == "\n" { lines.append(String(current)); current = String.UnicodeScalarView() }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
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
        let text = try encoding.decode(current.content ?? Data())
        let edited = edit(text)
        if edited == text && current.exists {
            guard let change = try current.attributeChanges(mode: mode, owner: owner, group: group) else {
                return .unchanged(ModuleResult(msg: ""))
            }
            return .change([.run(FileState.applying(change, to: path))], ModuleResult(msg: "ownership, perms or SE linux context changed"))
        }
        var withChecksum = current
        withChecksum.checksum = current.content.map(ContentDigest.sha1)
        var content = FileContent(path: path, data: try encoding.encode(edited), mode: mode, owner: owner, group: group, backup: backup,
                                  validate: validate, textEncoding: encoding)
        content.expected = current.expectation
        var plan = try content.plan(current: withChecksum, diffMode: context.diffMode)
        plan.result.msg = current.exists ? (present ? "Block inserted" : "Block removed") : "File created"
        // Ansible's keys: msg and, with backup, backup_file.
        plan.result.values = plan.result.values.filter { $0.key == "backup_file" }
        let folder = (path as NSString).deletingLastPathComponent
        if !current.exists && !folder.isEmpty {
            // As Ansible's create: the missing folders first, a failure named as Ansible names it.
            let mkdir = ShellCommand("mkdir", "-p", "--", folder).mergingErrors.or(ShellCommand("echo", BlockInFileModule.mkdirFailed))
            plan.actions.insert(HostAction.run(mkdir).interpreting { output, _ in
                let text = output.stdoutText
                guard text.contains(BlockInFileModule.mkdirFailed) else { return }
                let reason = text.replacingOccurrences(of: BlockInFileModule.mkdirFailed, with: "").trimmed
                throw ModuleArgumentError("Error creating \(folder) Error description: \(reason)")
            }, at: 0)
        }
        return plan
    }

    private static let mkdirFailed = "@@deckhand-mkdir-failed@@"
}
