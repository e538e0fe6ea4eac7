import Foundation
import Jinja
import OrderedCollections

/// Variables the runner shares across tasks: inventory variables, hostvars and how to reach each host.
extension PlaybookRunner {
    /// The host's inventory variables (group and host vars after precedence), plus the implicit localhost's.
    func inventoryVariables(of host: String) -> OrderedDictionary<String, Value> {
        var vars = inventory.variables(for: host)
        if let implicit = inventory.host(named: host), implicit.isImplicit {
            for (key, value) in implicit.vars where vars[key] == nil { vars[key] = value }
        }
        return vars
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

    static let connectionKeys = [
        "ansible_host", "ansible_ssh_host", "ansible_port", "ansible_ssh_port", "ansible_user", "ansible_ssh_user",
        "ansible_ssh_private_key_file", "ansible_private_key_file", "ansible_password", "ansible_ssh_pass",
        "ansible_become_password", "ansible_become_pass", "ansible_sudo_pass", "ansible_connection",
        "ansible_become", "ansible_become_user", "ansible_become_method",
    ]

    /// How to reach `host`: its connection variables templated with `scope` (its own task scope) or alone.
    func connectionVariables(of host: String, scope: TemplatedScope?, remoteUser: String? = nil) throws -> ConnectionVariables {
        guard inventory.host(named: host) != nil else {
            throw ModuleArgumentError("delegate_to: \(host) is not in the inventory (nor localhost)")
        }
        var layers = VariableLayers()
        layers.set(.inventory, inventoryVariables(of: host))
        layers.set(.extraVars, options.extraVars, data: options.literalExtraVars)
        let scope = scope ?? TemplatedScope(layers: layers, magic: ["inventory_hostname": .string(host)],
                                            renderer: templating.renderer)
        var vars = OrderedDictionary<String, Value>()
        for key in PlaybookRunner.connectionKeys {
            if let value = try scope.value(named: key) { vars[key] = value }
        }
        if Inventory.localNames.contains(host), vars["ansible_connection"] == nil, inventory.host(named: host)?.isImplicit == true {
            vars["ansible_connection"] = .string("local")
        }
        var variables = ConnectionVariables(hostName: host, variables: vars)
        // remote_user on a play, block or task applies unless the inventory names ansible_user.
        if let remoteUser, vars["ansible_user"] == nil, vars["ansible_ssh_user"] == nil { variables.user = remoteUser }
        return variables
    }
}
