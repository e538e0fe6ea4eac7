import Foundation
import Jinja
import OrderedCollections

/// debconf: a package's preseeded answer (`debconf-set-selections`), compared with what `debconf-show` reports.
///
///     - debconf: { name: tzdata, question: tzdata/Areas, vtype: select, value: Europe }
public struct DebconfModule: Module {
    public static let spec = ModuleSpec(
        name: "debconf",
        arguments: [
            ArgumentSpec("name", required: true, aliases: ["pkg"], doc: "The package owning the question."),
            ArgumentSpec("question", aliases: ["selection", "setting"], doc: "The question (tzdata/Areas)."),
            ArgumentSpec("vtype", choices: ["boolean", "error", "multiselect", "note", "password", "seen", "select", "string", "text", "title"],
                         doc: "The question's type."),
            ArgumentSpec("value", type: .raw, aliases: ["answer"], doc: "The answer (a list for multiselect)."),
            ArgumentSpec("unseen", type: .bool, default: .bool(false), doc: "Leave the question unseen (debconf-set-selections -u)."),
        ],
        doc: "Sets a debconf answer for a package with debconf-set-selections; changed when debconf-show (or, for a password, "
            + "debconf's own database) holds another one. Without a question it reports the package's answers.",
        example: "- debconf:\n    name: tzdata\n    question: tzdata/Areas\n    vtype: select\n    value: Europe")

    var package: String
    var question: String?
    var vtype: String?
    var value: String?
    var multiselect: [String]?
    var unseen: Bool

    public init(_ arguments: ModuleArguments) throws {
        package = try arguments.requiredString("name")
        question = try arguments.string("question")
        vtype = try arguments.string("vtype")
        switch arguments.value("value") {
        case .list(let items)?: multiselect = items.map(\.displayText)
        case .bool(let flag)?: value = flag ? "true" : "false"
        case let other?: value = other.displayText
        case nil: value = nil
        }
        if vtype == "boolean" { value = value?.lowercased() }
        unseen = try arguments.bool("unseen")
        if question != nil && (vtype == nil || (value == nil && multiselect == nil)) {
            throw ModuleArgumentError("when supplying a question you must supply a valid vtype and value")
        }
        // One line per answer: a line break would preseed another question.
        for text in [package, question ?? "", value ?? ""] + (multiselect ?? []) where text.contains(where: \.isNewline) {
            throw ModuleArgumentError("debconf: name, question and value must be single lines")
        }
        if package.contains(where: \.isWhitespace) || question?.contains(where: \.isWhitespace) == true {
            throw ModuleArgumentError("debconf: name and question cannot hold spaces")
        }
    }

    /// `debconf-show`, and for a password debconf's stored value.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var command = ShellCommand("debconf-show", package)
        if vtype == "password", let question {
            command = command.then(ShellCommand("echo", "@@password"))
                .then(ShellCommand("printf", "GET %s\\n", question).pipe(ShellCommand("debconf-communicate", package)).silencingErrors.or(ShellCommand("true")))
        }
        return command
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if let probe, probe.exitStatus != 0 {
            return ModulePlan(result: .failure("debconf-show \(package) failed: \(probe.stderrText.trimmed)"))
        }
        var selections = OrderedDictionary<String, String>()
        var storedPassword: String?
        var inPassword = false
        for line in (probe?.stdoutText ?? "").splitLines {
            if line == "@@password" { inPassword = true; continue }
            if inPassword {
                // debconf-communicate answers "0 value" (0: found).
                if line.hasPrefix("0") { storedPassword = line.count > 2 ? String(line.dropFirst(2)) : "" }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "* "))
            selections[key] = String(line[line.index(after: colon)...]).trimmed
        }
        let all = Value.dict(selections.mapValues(Value.string))
        guard let question, let vtype else { return .unchanged(ModuleResult(values: ["current": all])) }
        var wanted = value ?? ""
        var changed: Bool
        if let existing = selections[question] {
            switch vtype {
            case "boolean": changed = existing.lowercased() != wanted
            case "password": changed = storedPassword != wanted
            case "multiselect" where multiselect != nil:
                changed = existing.split(separator: ",").map { String($0).trimmed }.sorted() != multiselect!.sorted()
            default: changed = existing != wanted
            }
        } else {
            changed = true
        }
        if let multiselect { wanted = multiselect.sorted().joined(separator: ", ") }
        guard changed else { return .unchanged(ModuleResult(values: ["current": all])) }
        // A password is never shown: not in the result (Ansible's shows it) nor in the diff.
        let secret = vtype == "password"
        let previous = secret ? (storedPassword?.isEmpty ?? true ? "" : "********") : selections[question] ?? ""
        let shown = secret ? "********" : wanted
        var result = ModuleResult(values: ["current": .dict([question: .string(shown)]), "previous": .dict([question: .string(previous)])])
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: package, afterHeader: package, before: "\(question): \(previous)\n", after: "\(question): \(shown)\n"))
        }
        let line = [package, question, vtype, wanted].joined(separator: " ") + "\n"
        return .change([.run(ShellCommand(words: ["debconf-set-selections"] + (unseen ? ["-u"] : [])), stdin: Data(line.utf8))], result)
    }
}
