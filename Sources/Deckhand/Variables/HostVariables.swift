import Foundation
import Jinja
import OrderedCollections

/// The variables of one inventory host as the runner resolves them, outside any play: the inventory's (group
/// and host vars, the playbook's group_vars/host_vars loaded into it, the implicit localhost's) below the -e
/// variables. Every task scope of the host starts from these layers, and a command that runs no playbook
/// (`exec`, `logs tail`) reads the host's variables and connection through `scope` and `connection`, so both
/// see one value for one variable.
public enum HostVariables {
    /// `host`'s inventory variables after precedence, plus the implicit localhost's.
    public static func inventoryVariables(of host: String, in inventory: Inventory) -> OrderedDictionary<String, Value> {
        var vars = inventory.variables(for: host)
        if let implicit = inventory.host(named: host), implicit.isImplicit {
            for (key, value) in implicit.vars where vars[key] == nil { vars[key] = value }
        }
        return vars
    }

    /// The layers every scope of `host` starts from: its inventory variables and the extra (-e) variables,
    /// of which `literalExtraVars` are data, never rendered (a verb's own option values).
    public static func layers(of host: String, inventory: Inventory, extraVars: OrderedDictionary<String, Value>,
                              literalExtraVars: Set<String> = []) -> VariableLayers {
        var layers = VariableLayers()
        layers.set(.playContext, playContext(of: host, in: inventory), data: ["ansible_connection"])
        layers.set(.inventory, inventoryVariables(of: host, in: inventory))
        layers.set(.extraVars, extraVars, data: literalExtraVars)
        return layers
    }

    /// The connection variables Ansible's play context gives a task when no variable names them
    /// (PlayContext.update_vars): where the host is reached (ansible_ssh_host, else the inventory name) and how.
    static func playContext(of host: String, in inventory: Inventory) -> OrderedDictionary<String, Value> {
        let implicitLocal = Inventory.localNames.contains(host) && inventory.host(named: host)?.isImplicit == true
        return [
            "ansible_host": .string("{{ ansible_ssh_host | default(\(TemplateText.stringLiteral(host))) }}"),
            "ansible_connection": .string(implicitLocal ? "local" : "ssh"),
        ]
    }

    /// `host`'s variables outside any task, templated as a task templates them (lookups included), with the
    /// magic variables of a play of `host` alone whose playbook is in `playbookDirectory`.
    public static func scope(of host: String, inventory: Inventory, extraVars: OrderedDictionary<String, Value>,
                             playbookDirectory: String, templating: Templating = Templating()) -> TemplatedScope {
        var hostvars = OrderedDictionary<String, Value>()
        for name in inventory.hostNames(inGroup: "all") + [host] where hostvars[name] == nil {
            var vars = inventoryVariables(of: name, in: inventory)
            vars["inventory_hostname"] = .string(name)
            hostvars[name] = .dict(vars)
        }
        let play = MagicVariables.PlayState(allHosts: [host], playbookDirectory: playbookDirectory)
        let magic = MagicVariables.values(host: host, inventory: inventory, play: play, role: nil,
                                          hostvars: .dict(hostvars))
        return TemplatedScope(layers: layers(of: host, inventory: inventory, extraVars: extraVars), magic: magic,
                              renderer: templating.renderer)
    }

    /// How to reach `host`: its connection variables templated through `scope` (its task scope, or `scope(of:)`).
    /// The implicit localhost runs locally unless told otherwise.
    public static func connection(of host: String, inventory: Inventory, scope: TemplatedScope) throws -> ConnectionVariables {
        var vars = OrderedDictionary<String, Value>()
        for key in ConnectionVariables.names {
            if let value = try scope.value(named: key) { vars[key] = value }
        }
        if Inventory.localNames.contains(host), vars["ansible_connection"] == nil, inventory.host(named: host)?.isImplicit == true {
            vars["ansible_connection"] = .string("local")
        }
        return ConnectionVariables(hostName: host, variables: vars)
    }
}
