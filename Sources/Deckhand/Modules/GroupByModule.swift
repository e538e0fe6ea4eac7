import Foundation
import Jinja

/// group_by: puts the host into a group named from its variables, for later plays.
///
///     - group_by: { key: "os_{{ ansible_distribution }}" }
public struct GroupByModule: Module {
    public static let spec = ModuleSpec(
        name: "group_by",
        runsOnController: true,
        arguments: [
            ArgumentSpec("key", required: true, doc: "The group's name (templated per host; spaces become dashes)."),
            ArgumentSpec("parents", type: .list, default: .list([.string("all")]), doc: "Parent groups of the new group."),
        ],
        argumentProblemWording: ModuleSpec.invalidOptions("group_by"),
        doc: "Adds each host to the group its `key` names (created when new, under `parents`), so later plays "
            + "can target it. Reports changed only when the inventory changed; the inventory files are not modified.",
        example: "- group_by:\n    key: \"os_{{ ansible_distribution }}\"")

    var key: String
    var parents: [String]

    public init(_ arguments: ModuleArguments) throws {
        key = try arguments.requiredString("key").trimmed.replacingOccurrences(of: " ", with: "-")
        guard !key.isEmpty else { throw ModuleArgumentError("key is empty: group_by needs the group's name") }
        parents = try arguments.requiredList("parents")
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var result = ModuleResult()
        result["add_group"] = .string(key)
        result["parent_groups"] = .list(parents.map(Value.string))
        result.inventoryChange = .joinGroup(group: key, parents: parents)
        return ModulePlan(result: result)
    }
}
