import Foundation
import Jinja
import OrderedCollections

/// Variables the runner shares across tasks: inventory variables, hostvars and how to reach each host.
extension PlaybookRunner {
    /// The host's inventory variables (group and host vars after precedence), plus the implicit localhost's.
    func inventoryVariables(of host: String) -> OrderedDictionary<String, Value> {
        HostVariables.inventoryVariables(of: host, in: inventory)
    }

    /// `groups` as the inventory stands now (add_host and group_by change it).
    var groupsVariable: Value { inventory.groupsVariable }

    /// `hostvars`: every known host's inventory variables, facts and set facts (not templated).
    func hostvars() -> Value {
        var all = OrderedDictionary<String, Value>()
        var names = inventory.hostNames(inGroup: "all")
        for state in hostStates where !names.contains(state.name) { names.append(state.name) }
        for name in names {
            var vars = inventoryVariables(of: name)
            vars["inventory_hostname"] = .string(name)
            // As in Ansible's hostvars, the host's groups (a host add_host made included).
            vars["group_names"] = .list(inventory.groupNames(of: name).map(Value.string))
            let state = state(of: name)
            let facts = state.facts
            if !facts.isEmpty {
                for (key, value) in facts { vars["ansible_" + key] = value }
                vars["ansible_facts"] = .dict(facts)
            }
            for (key, value) in state.hostVars { vars[key] = value }
            all[name] = .dict(vars)
        }
        return .dict(all)
    }

    /// How to reach `host`: its connection variables templated with `scope` (its own task scope) or alone.
    func connectionVariables(of host: String, scope: TemplatedScope?, remoteUser: String? = nil) throws -> ConnectionVariables {
        let inventory = self.inventory
        guard inventory.host(named: host) != nil else {
            throw ModuleArgumentError("delegate_to: \(host) is not in the inventory (nor localhost)")
        }
        let scope = scope ?? TemplatedScope(layers: HostVariables.layers(of: host, inventory: inventory, extraVars: options.extraVars,
                                                                              literalExtraVars: options.literalExtraVars),
                                            magic: ["inventory_hostname": .string(host)], renderer: templating.renderer)
        var variables = try HostVariables.connection(of: host, inventory: inventory, scope: scope)
        // remote_user on a play, block or task applies unless the inventory names ansible_user.
        if let remoteUser, variables.user == nil { variables.user = remoteUser }
        return variables
    }
}
