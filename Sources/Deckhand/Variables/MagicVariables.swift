import Jinja
import OrderedCollections

/// Ansible's magic variables for one host in one play.
public enum MagicVariables {
    /// What the play knows when a task starts.
    public struct PlayState: Sendable {
        /// Every host the play targets (`ansible_play_hosts_all`).
        public var allHosts: [String]
        /// Hosts of the play not failed or unreachable (`ansible_play_hosts`).
        public var activeHosts: [String]
        /// Hosts of the current serial batch (`ansible_play_batch`, `play_hosts`).
        public var batch: [String]
        public var playbookDirectory: String
        public var checkMode: Bool
        public var diffMode: Bool

        public init(allHosts: [String], activeHosts: [String]? = nil, batch: [String]? = nil,
                    playbookDirectory: String, checkMode: Bool = false, diffMode: Bool = false) {
            self.allHosts = allHosts
            self.activeHosts = activeHosts ?? allHosts
            self.batch = batch ?? activeHosts ?? allHosts
            self.playbookDirectory = playbookDirectory
            self.checkMode = checkMode
            self.diffMode = diffMode
        }
    }

    /// The magic variables of `host`. `groups` and `hostvars` are passed in so callers build them once per
    /// task rather than once per host.
    public static func values(host: String, inventory: Inventory, play: PlayState, role: RoleContext?,
                              groups: Value? = nil, hostvars: Value? = nil) -> OrderedDictionary<String, Value> {
        let entry = inventory.host(named: host) ?? InventoryHost(name: host)
        var values: OrderedDictionary<String, Value> = [
            "inventory_hostname": .string(host),
            "inventory_hostname_short": .string(entry.shortName),
            "group_names": .list(inventory.groupNames(of: host).map(Value.string)),
            "groups": groups ?? inventory.groupsVariable,
            "play_hosts": .list(play.batch.map(Value.string)),
            "ansible_play_batch": .list(play.batch.map(Value.string)),
            "ansible_play_hosts": .list(play.activeHosts.map(Value.string)),
            "ansible_play_hosts_all": .list(play.allHosts.map(Value.string)),
            "playbook_dir": .string(play.playbookDirectory),
            "ansible_check_mode": .bool(play.checkMode),
            "ansible_diff_mode": .bool(play.diffMode),
            "omit": .string(TemplateRenderer.omitPlaceholder),
        ]
        if let hostvars { values["hostvars"] = hostvars }
        if let role {
            values["role_name"] = .string(role.name)
            values["role_path"] = .string(role.path)
        }
        return values
    }
}
