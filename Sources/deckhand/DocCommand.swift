import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// `deckhand doc MODULE` / `deckhand doc --list`: module documentation from the declarations the validator uses.
struct DocCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doc",
        abstract: "Show a module's arguments, defaults and an example, or list the modules.")

    @Argument(help: ArgumentHelp("A module name, bare or fully qualified (ansible.builtin.copy).", valueName: "module"))
    var module: String?

    @Flag(name: [.short, .customLong("list")], help: "List every module with one line about it.")
    var list = false

    func validate() throws {
        if module == nil && !list { throw ValidationError("Name a module, or use --list.") }
    }

    func run() throws {
        if list || module == nil {
            let specs = ModuleRegistry.specs.sorted { $0.name < $1.name }
            let width = specs.map(\.name.count).max() ?? 0
            for spec in specs {
                // The first sentence: up to a period that ends a word (not the one in manage.py or ~/.ssh).
                let summary = spec.doc.range(of: ". ").map { String(spec.doc[..<$0.lowerBound]) }
                    ?? (spec.doc.hasSuffix(".") ? String(spec.doc.dropLast()) : spec.doc)
                print(spec.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + summary)
            }
            return
        }
        guard let name = module, let spec = ModuleRegistry.spec(named: name) else {
            let names = ModuleRegistry.specs.map(\.name).sorted().joined(separator: ", ")
            FileHandle.standardError.write(Data("deckhand doc: no module named \(module ?? ""); modules: \(names)\n".utf8))
            throw ExitCode(1)
        }
        print(DocCommand.render(spec), terminator: "")
    }

    static func render(_ spec: ModuleSpec) -> String {
        var lines = ["\(spec.name) (also ansible.builtin.\(spec.name)\(spec.aliases.isEmpty ? "" : ", " + spec.aliases.joined(separator: ", ")))", ""]
        lines.append(spec.doc)
        lines.append("")
        if spec.arguments.isEmpty {
            lines.append("No arguments.")
        } else {
            lines.append("ARGUMENTS")
            for argument in spec.arguments {
                var head = "  \(argument.name) (\(argument.type.rawValue)"
                if argument.required { head += ", required" }
                if let value = argument.defaultValue { head += ", default: \(text(value))" }
                head += ")"
                if argument.name == spec.freeFormArgument { head += " [free form]" }
                lines.append(head)
                lines.append("      " + argument.doc)
                if !argument.aliases.isEmpty { lines.append("      aliases: " + argument.aliases.joined(separator: ", ")) }
                if !argument.choices.isEmpty { lines.append("      choices: " + argument.choices.joined(separator: ", ")) }
            }
        }
        if spec.acceptsAnyArguments { lines.append("  (any other name: a variable to set)") }
        for group in spec.requiredOneOf { lines.append("One of \(group.joined(separator: ", ")) is required.") }
        for group in spec.mutuallyExclusive { lines.append("At most one of \(group.joined(separator: ", ")).") }
        lines.append("")
        lines.append("EXAMPLE")
        lines += spec.example.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func text(_ value: Value) -> String {
        switch value {
        case .string(let text): return text.isEmpty ? "''" : text
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .list(let items): return "[" + items.map(text).joined(separator: ", ") + "]"
        case .dict(let entries): return "{" + entries.map { "\($0.key): \(text($0.value))" }.joined(separator: ", ") + "}"
        default: return "\(value)"
        }
    }
}
