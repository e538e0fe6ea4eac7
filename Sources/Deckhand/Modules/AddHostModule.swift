import Foundation
import Jinja
import OrderedCollections
import SSH

/// add_host: adds a host (and groups) to the in-memory inventory for later plays. Declared, not yet run.
///
///     - add_host: { name: "{{ new_ip }}", groups: web }
public struct AddHostModule: Module {
    public static let spec = ModuleSpec(
        name: "add_host",
        arguments: [
            ArgumentSpec("name", required: true, aliases: ["host", "hostname"], doc: "The host's name (host:port accepted)."),
            ArgumentSpec("groups", type: .list, aliases: ["group", "groupname"], doc: "Groups to put it in."),
        ],
        acceptsAnyArguments: true,
        doc: "Adds a host to the in-memory inventory (other arguments become its variables). Not supported yet: "
            + "the runner's inventory is fixed for the run, so the task fails saying so.",
        example: "- add_host:\n    name: \"{{ new_ip }}\"\n    groups: web\n    ansible_user: admin")

    var name: String
    var groups: [String]
    var variables: OrderedDictionary<String, Value>

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name", "host", "hostname")
        groups = try arguments.list("groups", "group", "groupname") ?? []
        variables = arguments.values.filter { !["name", "host", "hostname", "groups", "group", "groupname"].contains($0.key) }
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var result = ModuleResult.failure("add_host is not supported yet: deckhand's inventory is fixed for the run. "
            + "Put \(name) in the inventory file (groups: \(groups.joined(separator: ", "))) instead.")
        result["add_host"] = .dict(["host_name": .string(name), "groups": .list(groups.map(Value.string)), "host_vars": .dict(variables)])
        return ModulePlan(result: result)
    }
}
