import Foundation
import Jinja
import OrderedCollections

/// The one host of a stage, outside any playbook: its variables as a task of the playbooks in
/// `playbookDirectory` sees them (inventory, the playbooks' group_vars/host_vars, -e; templated with
/// lookups), how to reach it, and how to become root there. What `exec` and `logs tail` start from.
public struct StageHost: Sendable {
    /// The stage (or inventory host) as the user named it, for messages.
    public let stage: String
    /// The host's inventory name.
    public let hostName: String
    public let variables: TemplatedScope
    /// How to reach the host, templated as the runner templates it.
    public let connection: ConnectionVariables
    /// ansible.cfg's settings: become_method for root, and the login defaults the connector was given.
    public let ansible: AnsibleConfig

    /// `host` of `inventory`, with the group_vars/host_vars beside the playbooks loaded as a playbook run
    /// loads them (the built-in playbooks' defaults.yml comes in as group_vars/all.yml), and `extraVars` on top.
    public init(stage: String, host: String, inventory: Inventory, playbookDirectory: String,
                extraVars: OrderedDictionary<String, Value>, ansible: AnsibleConfig = AnsibleConfig()) throws {
        var inventory = inventory
        try inventory.loadPlaybookVariables(directory: playbookDirectory)
        self.stage = stage
        self.ansible = ansible
        hostName = host
        variables = HostVariables.scope(of: host, inventory: inventory, extraVars: extraVars,
                                        playbookDirectory: playbookDirectory)
        do {
            connection = try HostVariables.connection(of: host, inventory: inventory, scope: variables)
        } catch {
            throw StageHostError("\(stage): could not work out how to reach \(host): \(error)")
        }
    }

    /// A variable as text; empty or undefined says where to set it.
    public func text(_ name: String) throws -> String {
        let value: String
        do {
            value = try variables.value(named: name)?.displayText ?? ""
        } catch {
            throw StageHostError("\(stage): could not work out \(name): \(error)")
        }
        guard !value.isEmpty else {
            throw StageHostError("\(stage) has no \(name): set it in deckhand.yml (domain:, app_user:) or with -e \(name)=...")
        }
        return value
    }

    /// A variable with its structure (lists, mappings), every string in it templated.
    public func value(_ name: String) throws -> Value {
        let found: Value?
        do {
            found = try variables.value(named: name)
        } catch {
            throw StageHostError("\(stage): could not work out \(name): \(error)")
        }
        guard let found else {
            throw StageHostError("\(stage) has no \(name): the built-in playbooks' defaults.yml sets it; set it in deckhand.yml or with -e")
        }
        return found
    }

    /// Root, as `become: true` in the playbooks: the host's ansible_become_method and _password, else
    /// ansible.cfg's become_method or sudo, and `defaultPassword`.
    public func becomeRoot(defaultPassword: String? = nil) throws -> Become {
        let name = connection.becomeMethod ?? ansible.becomeMethod ?? "sudo"
        guard let method = Become.Method(rawValue: name) else {
            throw StageHostError("\(stage): become_method \(name) is not supported: deckhand becomes root with sudo or su")
        }
        return Become(method: method, user: "root", password: connection.becomePassword ?? defaultPassword)
    }

    /// The host's connection: nothing connects until its first command (or `connect()`).
    public func connection(through connector: HostConnector) throws -> Connection {
        try connector.connection(for: connection)
    }
}

/// A stage's variable that cannot be worked out or is not set, with where to set it.
public struct StageHostError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
