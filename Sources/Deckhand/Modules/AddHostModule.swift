import Foundation
import Jinja
import OrderedCollections

/// add_host: adds a host (and groups) to the run's inventory for later plays; runs once per play, not per host.
///
///     - add_host: { name: "{{ new_ip }}", groups: web }
public struct AddHostModule: Module {
    public static let spec = ModuleSpec(
        name: "add_host",
        runsOnController: true, bypassesHostLoop: true,
        arguments: [
            ArgumentSpec("name", required: true, aliases: ["host", "hostname"],
                         doc: "The host's inventory name; `name:port` (or `[v6]:port`) also sets ansible_ssh_port."),
            ArgumentSpec("groups", type: .list, aliases: ["group", "groupname"], doc: "Groups to put it in (created when new)."),
        ],
        acceptsAnyArguments: true,
        doc: "Adds a host to the run's inventory, or gives a known host more groups and variables (every other "
            + "argument becomes a host variable). Later plays target it like any inventory host. Like Ansible, it "
            + "runs once for the play's first host (use a loop to add several) and reports changed only when the "
            + "inventory changed. The inventory files are not modified.",
        example: "- add_host:\n    name: \"{{ new_ip }}\"\n    groups: web\n    ansible_user: admin")

    var name: String
    var port: Int?
    var groups: [String]
    var variables: OrderedDictionary<String, Value>

    public init(_ arguments: ModuleArguments) throws {
        let written = try arguments.requiredString("name")
        (name, port) = InventoryChange.splitHostAndPort(written)
        guard !name.isEmpty else { throw ModuleArgumentError("name is empty: add_host needs the new host's name") }
        groups = try arguments.list("groups") ?? []
        variables = arguments.values.filter { key, _ in AddHostModule.spec.argument(named: key) == nil }
        // As Ansible's add_host: the port of `name:port` is the new host's ansible_ssh_port.
        if let port { variables["ansible_ssh_port"] = .int(port) }
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var result = ModuleResult()
        result["add_host"] = .dict(["host_name": .string(name), "groups": .list(groups.map(Value.string)),
                                    "host_vars": .dict(variables)])
        result.inventoryChange = .addHost(name: name, groups: groups, vars: variables)
        return ModulePlan(result: result)
    }
}
