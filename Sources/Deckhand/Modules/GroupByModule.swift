import Foundation
import Jinja
import SSH

/// group_by: puts the host into a group named from its variables, for later plays. Declared, not yet run.
///
///     - group_by: { key: "os_{{ ansible_distribution }}" }
public struct GroupByModule: Module {
    public static let spec = ModuleSpec(
        name: "group_by",
        arguments: [
            ArgumentSpec("key", required: true, doc: "The group's name (templated per host)."),
            ArgumentSpec("parents", type: .list, default: .list([.string("all")]), doc: "Parent groups of the new group."),
        ],
        doc: "Adds the host to a group made from `key`. Not supported yet: the runner's inventory is fixed for the "
            + "run, so the task fails saying so.",
        example: "- group_by:\n    key: \"os_{{ ansible_distribution }}\"")

    var key: String
    var parents: [String]

    public init(_ arguments: ModuleArguments) throws {
        key = try arguments.requiredString("key")
        parents = try arguments.list("parents") ?? ["all"]
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var result = ModuleResult.failure("group_by is not supported yet: deckhand's inventory is fixed for the run. "
            + "Put the hosts into group \(key) in the inventory file instead.")
        result["add_group"] = .string(key)
        result["parent_groups"] = .list(parents.map(Value.string))
        return ModulePlan(result: result)
    }
}
