import Jinja
import OrderedCollections

/// One stage of deckhand.yml (`test`, `production`, ...): one host and the variables the playbooks get for it.
public struct Stage: Sendable, Hashable {
    public var name: String
    /// Where the stage is written (for messages).
    public var location: SourceLocation
    /// The stage's host variables: connection (ansible_host, ansible_port, ansible_user), the settings mapped to
    /// the built-in playbooks' variable names, then its free `vars:` (which win).
    public var variables: OrderedDictionary<String, Value>
    /// Who hears about its deploys, rollbacks and maintenance changes (`notify:`), nil for nobody.
    public var notify: NotifySettings?

    public init(name: String, location: SourceLocation, variables: OrderedDictionary<String, Value>,
                notify: NotifySettings? = nil) {
        self.name = name
        self.location = location
        self.variables = variables
        self.notify = notify
    }

    /// The inventory the engine runs against: this stage alone, as host `name`, in a group of the same name
    /// prefixed `stage_` (so a playbook can target it without clashing with the host name).
    public var inventory: Inventory {
        var inventory = Inventory()
        inventory.addGroup("stage_" + name)
        inventory.addHost(name, to: "stage_" + name, vars: variables)
        inventory.finish()
        return inventory
    }
}
