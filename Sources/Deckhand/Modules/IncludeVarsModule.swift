import Foundation
import Jinja
import OrderedCollections

/// include_vars: loads variables from a YAML (or JSON) file on the controller into the host's variables.
///
///     - include_vars: { file: "vars/{{ env }}.yml" }
public struct IncludeVarsModule: Module {
    public static let spec = ModuleSpec(
        name: "include_vars",
        runsOnController: true, setsHostVariables: true, hostVariablesAreTemplates: true,
        sourceFolder: "vars",
        arguments: [
            ArgumentSpec("file", type: .path, doc: "The file (looked up in the role's vars/, tasks/ and folder, then the playbook's vars/ and folder) (free form)."),
            ArgumentSpec("name", doc: "Put all the file's variables under this one variable."),
        ],
        freeFormArgument: "file",
        requiredOneOf: [["file"]],
        doc: "Reads a YAML or JSON mapping on the controller and sets its keys as host variables for the rest of "
            + "the run, like set_fact (or under `name`). Reported as ansible_facts; never touches the host.",
        example: "- include_vars:\n    file: vars/production.yml\n    name: settings")

    var file: String
    var name: String?

    public init(_ arguments: ModuleArguments) throws {
        file = try arguments.requiredString("file")
        name = try arguments.string("name")
        if let name, !SetFactModule.isIdentifier(name) {
            throw ModuleArgumentError("name \(name) is not a valid variable name")
        }
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let data = try context.readSourceFile(file)
        guard let text = String(data: data, encoding: .utf8) else {
            return ModulePlan(result: .failure("\(file) is not UTF-8 text"))
        }
        let document = try YAMLDocument.parse(text, path: file)
        let value = document.root.map(YAMLDocument.value(of:)) ?? .dict([:])
        guard case .dict(let variables) = value else {
            return ModulePlan(result: .failure("\(file) must hold a mapping of variable names to values, not a \(value.typeName)"))
        }
        for key in variables.keys where !SetFactModule.isIdentifier(key) {
            return ModulePlan(result: .failure("\(file): \(key) is not a valid variable name"))
        }
        var result = ModuleResult()
        result.facts = name.map { [$0: .dict(variables)] } ?? variables
        result["ansible_included_var_files"] = .list([.string(file)])
        return .unchanged(result)
    }
}
