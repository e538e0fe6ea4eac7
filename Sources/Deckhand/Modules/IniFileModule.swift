import Foundation
import Jinja

/// ini_file: one option of one section of an INI file (added, changed or removed), or a whole section removed.
/// The edit follows community.general's line by line, so the same file comes out the same.
///
///     - ini_file: { path: /etc/php/8.2/fpm/php.ini, section: PHP, option: memory_limit, value: 256M }
public struct IniFileModule: Module {
    public static let spec = ModuleSpec(
        name: "ini_file",
        arguments: [
            ArgumentSpec("path", type: .path, required: true, aliases: ["dest"], doc: "The INI file."),
            ArgumentSpec("section", singleLine: true, doc: "The section; leave out for options before the first section."),
            ArgumentSpec("option", singleLine: true, doc: "The option; leave out with state absent to remove the whole section."),
            ArgumentSpec("value", singleLine: true, doc: "Its value."),
            ArgumentSpec("values", type: .list, doc: "Several values: one `option = value` line each."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("exclusive", type: .bool, default: .bool(true), doc: "Remove the option's other lines (absent: all of them)."),
            ArgumentSpec("no_extra_spaces", type: .bool, default: .bool(false), doc: "Write option=value instead of option = value."),
            ArgumentSpec("ignore_spaces", type: .bool, default: .bool(false), doc: "A line differing only in spaces around = is unchanged."),
            ArgumentSpec("allow_no_value", type: .bool, default: .bool(false), doc: "An option without a value is allowed."),
            ArgumentSpec("modify_inactive_option", type: .bool, default: .bool(true), doc: "Turn a commented `;option = x` into the option."),
            ArgumentSpec("create", type: .bool, default: .bool(true), doc: "Create the file when it is missing."),
            ArgumentSpec("backup", type: .bool, default: .bool(false), doc: "Keep the old file beside it, with a timestamp."),
            ArgumentSpec("mode", type: .mode, doc: "Permissions of the file."),
            ArgumentSpec("owner", doc: "Owner of the file."),
            ArgumentSpec("group", doc: "Group of the file."),
        ],
        mutuallyExclusive: [["value", "values"]],
        doc: "Adds, changes or removes an option in an INI file section, or removes a section, keeping the rest of the file "
            + "as it is. Not supported: section_has_values, follow.",
        example: "- ini_file:\n    path: /etc/app.ini\n    section: server\n    option: workers\n    value: \"4\"")

    var path: String
    var section: String?
    var option: String?
    var values: [String]
    var present: Bool
    var exclusive: Bool
    var noExtraSpaces: Bool
    var ignoreSpaces: Bool
    var allowNoValue: Bool
    var modifyInactive: Bool
    var create: Bool
    var backup: Bool
    var mode: FileMode?
    var owner: String?
    var group: String?

    public init(_ arguments: ModuleArguments) throws {
        path = try arguments.requiredString("path")
        section = try arguments.string("section")
        option = try arguments.string("option")
        let given = try arguments.string("value").map { [$0] } ?? arguments.list("values") ?? []
        values = given.reduce(into: []) { unique, value in if !unique.contains(value) { unique.append(value) } }
        // Each value becomes one line: a line break would add an option (or a section) the task never declared.
        if values.contains(where: { $0.contains(where: \.isNewline) }) {
            throw ModuleArgumentError("argument 'values' of 'ini_file' must hold single lines, but one holds a line break: remove it")
        }
        present = try arguments.requiredString("state") == "present"
        exclusive = try arguments.bool("exclusive")
        noExtraSpaces = try arguments.bool("no_extra_spaces")
        ignoreSpaces = try arguments.bool("ignore_spaces")
        allowNoValue = try arguments.bool("allow_no_value")
        modifyInactive = try arguments.bool("modify_inactive_option")
        create = try arguments.bool("create")
        backup = try arguments.bool("backup")
        mode = try arguments.mode()
        owner = try arguments.string("owner")
        group = try arguments.string("group")
        if present && !allowNoValue && values.isEmpty {
            throw ModuleArgumentError("Parameter 'value(s)' must be defined if state=present and allow_no_value=False.")
        }
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        FileState.probe(path, checksum: false, content: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let current = try FileState(probeOutput: probe?.stdout ?? Data())
        if current.kind == .absent && !create {
            return ModulePlan(result: ModuleResult(failed: true, msg: "Destination \(path) does not exist!", values: ["rc": .int(257)]))
        }
        guard current.kind == .file || current.kind == .absent else {
            return ModulePlan(result: .failure("\(path) is a \(current.kind.rawValue), not a file"))
        }
        var text = String(decoding: current.content ?? Data(), as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let (newText, changed, message) = edit(text)
        var result = ModuleResult(msg: message, values: ["path": .string(path)])
        if !changed {
            guard current.exists, let change = try current.attributeChanges(mode: mode, owner: owner, group: group) else {
                return .unchanged(result)
            }
            return .change([.run(FileState.applying(change, to: path))], result)
        }
        var content = FileContent(path: path, data: Data(newText.utf8), mode: mode, owner: owner, group: group, backup: backup)
        content.expected = current.expectation
        var plan = try content.plan(current: current, diffMode: false)
        if let backupFile = plan.result["backup_file"] { result["backup_file"] = backupFile }
        if context.diffMode {
            result.diffs = [ModuleDiff(beforeHeader: "\(path) (content)", afterHeader: "\(path) (content)", before: text, after: newText)]
        }
        if current.kind == .absent {
            plan.actions.insert(.run(ShellCommand("mkdir", "-p", "--", (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent)), at: 0)
        }
        plan.result = result
        plan.result.changed = true
        return plan
    }

    /// The file with the edit made, whether anything changed, and Ansible's message.
    func edit(_ text: String) -> (String, Bool, String) {
        // Lines keep their "\n", as Python's readlines.
        var lines = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0).map { String($0) + "\n" }
        var changed = !text.isEmpty && !text.hasSuffix("\n")
        if lines.isEmpty { lines = ["\n"] }
        let fake = "ad01e11446efb704fcdbdb21f2c43757423d91c5"
        lines.insert("[\(fake)]", at: 0)
        lines.append("[")
        let wanted = section.flatMap { $0.isEmpty ? nil : $0 } ?? fake
        let header = try! NSRegularExpression(pattern: "^\\[\\s*" + NSRegularExpression.escapedPattern(for: wanted.trimmed) + "\\s*]")
        var within = false
        var start = 0, end = 0
        for (index, line) in lines.enumerated() {
            if within && line.hasPrefix("[") { end = index; break }
            if header.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil { within = true; start = index }
        }
        let before = Array(lines[0..<start])
        var sectionLines = Array(lines[start..<end])
        let after = Array(lines[end...])
        var changedLines = [Bool](repeating: false, count: sectionLines.count)
        var message = "OK"
        var values = self.values
        let format: (String, String) -> String = { option, value in noExtraSpaces ? "\(option)=\(value)\n" : "\(option) = \(value)\n" }
        var noValuePresent = false
        func match(_ line: String, active: Bool = !modifyInactive) -> String?? { IniFileModule.match(option ?? "", line, active: active) }
        func update(_ index: Int, _ newLine: String) {
            var differs: Bool?
            if ignoreSpaces, case .some(.some(let old)) = IniFileModule.match(option ?? "", sectionLines[index], active: true),
               case .some(.some(let new)) = IniFileModule.match(option ?? "", newLine, active: true) {
                differs = old != new
            }
            let optionChanged = differs ?? (sectionLines[index] != newLine)
            if optionChanged { sectionLines[index] = newLine; changed = true; message = "option changed" }
            changedLines[index] = true
        }
        if present, let option {
            for index in sectionLines.indices {
                guard case .some(let found) = match(sectionLines[index]) else { continue }
                if !values.isEmpty, let value = found, let position = values.firstIndex(of: value) {
                    update(index, value.isEmpty && allowNoValue ? "\(option)\n" : format(option, value))
                    if value.isEmpty && allowNoValue { noValuePresent = true }
                    values.remove(at: position)
                } else if values.isEmpty && allowNoValue {
                    update(index, "\(option)\n")
                    noValuePresent = true
                    break
                }
            }
        }
        if present && exclusive && !allowNoValue, let option {
            if !values.isEmpty {
                for index in sectionLines.indices where !changedLines[index] && match(sectionLines[index]) != nil {
                    update(index, format(option, values.removeFirst()))
                    if values.isEmpty { break }
                }
            }
            for index in stride(from: sectionLines.count - 1, to: 0, by: -1) where !changedLines[index] && match(sectionLines[index]) != nil {
                sectionLines.remove(at: index)
                changedLines.remove(at: index)
                changed = true
                message = "option changed"
            }
        }
        if present {
            for index in stride(from: sectionLines.count, to: 0, by: -1) {
                let previous = sectionLines[index - 1]
                guard previous.range(of: "^[ \\t]*([#;].*)?$", options: .regularExpression) == nil || previous.hasPrefix("[") else { continue }
                if let option, !values.isEmpty {
                    for value in values.reversed() { sectionLines.insert(format(option, value), at: index) }
                    message = "option added"
                    changed = true
                } else if let option, values.isEmpty, allowNoValue, !noValuePresent {
                    sectionLines.insert("\(option)\n", at: index)
                    message = "option added"
                    changed = true
                }
                break
            }
        } else if let option {
            let kept = sectionLines.filter { line in
                guard case .some(let found) = IniFileModule.match(option, line, active: true) else { return true }
                return !exclusive && !(found.map(values.contains) ?? false)
            }
            if kept != sectionLines && (exclusive || !values.isEmpty) { sectionLines = kept; changed = true; message = "option changed" }
        } else if !sectionLines.isEmpty {
            sectionLines = []
            message = "section removed"
            changed = true
        }
        var result = before + sectionLines + after
        result.removeFirst()
        result.removeLast()
        if !within && present {
            result.append("[\(wanted)]\n")
            message = "section and option added"
            if let option, !values.isEmpty {
                for value in values { result.append(format(option, value)) }
            } else if let option, allowNoValue {
                result.append("\(option)\n")
            } else {
                message = "only section added"
            }
            changed = true
        }
        return (result.joined(), changed, message)
    }

    /// community.general's match_opt: nil when the line is not the option; otherwise its value (after `=`),
    /// itself nil for a commented line when only active lines count.
    static func match(_ option: String, _ line: String, active: Bool) -> String?? {
        let pattern = (active ? "^()" : "^([#;]?)") + "( |\\t)*(" + NSRegularExpression.escapedPattern(for: option) + ")( |\\t)*(=|$)( |\\t)*(.*)"
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let found = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
              let range = Range(found.range(at: 7), in: line) else { return nil }
        return .some(String(line[range]).trimmingTrailingNewline)
    }
}
