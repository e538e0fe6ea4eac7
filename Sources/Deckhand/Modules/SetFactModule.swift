import Foundation
import Jinja
import OrderedCollections

/// set_fact: sets host variables for the rest of the run (above play and role vars, below extra vars).
///
///     - set_fact: { release_dir: "/webapps/app/releases/{{ version }}" }
public struct SetFactModule: Module {
    public static let spec = ModuleSpec(
        name: "set_fact",
        runsOnController: true, setsHostVariables: true, registersFacts: false,
        arguments: [ArgumentSpec("cacheable", type: .bool, default: .bool(false), doc: "Accepted and ignored (no fact cache).")],
        acceptsAnyArguments: true,
        doc: "Sets variables on the host for the rest of the run; each argument is one variable.",
        example: "- set_fact:\n    release_dir: \"/webapps/app/releases/{{ version }}\"")

    var facts: OrderedDictionary<String, Value>

    public init(_ arguments: ModuleArguments) throws {
        facts = arguments.values.filter { key, _ in SetFactModule.spec.argument(named: key) == nil }
        guard !facts.isEmpty else { throw ModuleArgumentError("set_fact needs at least one variable to set") }
        for name in facts.keys where !SetFactModule.isIdentifier(name) {
            throw ModuleArgumentError("\(name) is not a valid variable name (letters, digits and _; not starting with a digit)")
        }
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var result = ModuleResult()
        result.facts = facts
        return .unchanged(result)
    }
}
