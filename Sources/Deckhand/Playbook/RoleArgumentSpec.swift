import Foundation
import Jinja
import OrderedCollections
import Yams

/// The argument spec of the entry point a role is used by (`main`, or the `tasks_from` name), from
/// `meta/argument_specs.yml` (or `argument_specs:` in meta/main.yml when that file is absent), as ansible-core
/// reads it: the role then starts with a validate_argument_spec task over the role's variables.
public struct RoleArgumentSpec: Sendable, Hashable {
    public var entryPoint: String
    public var shortDescription: String?
    /// Option name -> its description (type, required, default, choices...).
    public var options: Value
    public var location: SourceLocation

    /// The task ansible-core prepends (`Role._create_validation_task`), tagged `always`, checking `params`
    /// (the role's parameters) with the variables of the options' names.
    func validationTask(role: Role, params: OrderedDictionary<String, Value>) -> PlaybookTask {
        var name = "Validating arguments against arg spec '\(entryPoint)'"
        if let shortDescription { name += " - \(shortDescription)" }
        let arguments: Value = .dict([
            "argument_spec": options,
            "provided_arguments": .dict(params),
            "validate_args_context": .dict([
                "type": .string("role"),
                "name": .string(role.name),
                "argument_spec_name": .string(entryPoint),
                "path": .string(role.path),
            ]),
        ])
        var keywords = TaskKeywords()
        keywords.tags = ["always"]
        let call = ModuleCall(name: "validate_argument_spec", originalName: "ansible.builtin.validate_argument_spec",
                              arguments: arguments, location: location)
        return PlaybookTask(name: name, action: .module(call), keywords: keywords, location: location)
    }
}

extension LoadSession {
    /// The spec of `entryPoint` in the role at `rolePath`, nil when the role declares none for it.
    /// `metaMainSpecs` is meta/main.yml's `argument_specs:` node, read only without meta/argument_specs.yml.
    func roleArgumentSpec(rolePath: String, entryPoint: String, metaMainSpecs: (Node, NodeReader)?,
                          location: SourceLocation) -> RoleArgumentSpec? {
        let metaFolder = (rolePath as NSString).appendingPathComponent("meta")
        var specs: (Node, NodeReader)? = metaMainSpecs
        if let file = ["argument_specs.yml", "argument_specs.yaml"].map({ (metaFolder as NSString).appendingPathComponent($0) })
            .first(where: { FileManager.default.fileExists(atPath: $0) }) {
            specs = nil
            if let document = document(at: file, location: location), let root = document.root {
                let reader = NodeReader(document: document, errors: errors)
                specs = reader.entries(root).first { $0.key == "argument_specs" }.map { ($0.value, reader) }
            }
        }
        guard let (node, reader) = specs else { return nil }
        guard let (_, keyNode, entry) = reader.entries(node).first(where: { $0.key == entryPoint }),
              case .dict(let spec) = reader.value(entry), !spec.isEmpty else { return nil }
        return RoleArgumentSpec(entryPoint: entryPoint, shortDescription: spec["short_description"]?.choiceText,
                                options: spec["options"] ?? .dict([:]), location: reader.location(keyNode))
    }
}
