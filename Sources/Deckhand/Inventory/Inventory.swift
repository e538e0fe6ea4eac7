import Jinja
import OrderedCollections

/// Hosts, groups and their variables, as read from Ansible YAML or INI inventories and group_vars/host_vars.
public struct Inventory: Sendable {
    /// Every host in the order first seen (implicit localhost is not listed, as in Ansible).
    public private(set) var hosts: OrderedDictionary<String, InventoryHost> = [:]
    /// Every group, `all` and `ungrouped` included.
    public private(set) var groups: OrderedDictionary<String, InventoryGroup> = [
        "all": InventoryGroup(name: "all"), "ungrouped": InventoryGroup(name: "ungrouped"),
    ]
    /// group_vars/ and host_vars/ found beside the inventory.
    var inventoryDirectoryVars = VarsDirectoryLayer()
    /// group_vars/ and host_vars/ found beside the playbook.
    var playbookDirectoryVars = VarsDirectoryLayer()

    public init() {
        groups["all"]?.children = ["ungrouped"]
    }

    // MARK: Building

    /// Adds `name` (if new) to `group` (created if new); hosts named before any group land in `ungrouped`.
    public mutating func addHost(_ name: String, to group: String? = nil,
                                 vars: OrderedDictionary<String, Value> = [:]) {
        if hosts[name] == nil { hosts[name] = InventoryHost(name: name) }
        for (key, value) in vars { hosts[name]?.vars[key] = value }
        if let group, group != "all", group != "ungrouped" {
            addGroup(group)
            if !(groups[group]?.hosts.contains(name) ?? true) { groups[group]?.hosts.append(name) }
        }
    }

    /// Creates `name` as a child of `all` if it does not exist yet.
    public mutating func addGroup(_ name: String) {
        guard groups[name] == nil else { return }
        groups[name] = InventoryGroup(name: name)
        groups["all"]?.children.append(name)
    }

    /// Makes `child` a child group of `parent` (both created if new).
    public mutating func addChild(_ child: String, to parent: String) {
        addGroup(parent)
        addGroup(child)
        guard parent != child, !(groups[parent]?.children.contains(child) ?? true) else { return }
        groups[parent]?.children.append(child)
    }

    /// Sets variables written on the group in the inventory file (`[web:vars]`, `vars:`).
    public mutating func setGroupVars(_ name: String, _ vars: OrderedDictionary<String, Value>) {
        addGroup(name)
        for (key, value) in vars { groups[name]?.vars[key] = value }
    }

    /// Called once everything is added: hosts in no group but `all` go to `ungrouped`.
    mutating func finish() {
        let grouped = Set(groups.values.filter { $0.name != "all" && $0.name != "ungrouped" }.flatMap(\.hosts))
        groups["ungrouped"]?.hosts = hosts.keys.filter { !grouped.contains($0) }
    }

    // MARK: Queries

    /// The host, or Ansible's implicit `localhost` (local connection) when it is not in the inventory.
    public func host(named name: String) -> InventoryHost? {
        if let host = hosts[name] { return host }
        if Inventory.localNames.contains(name) {
            return InventoryHost(name: name, vars: ["ansible_connection": .string("local")], isImplicit: true)
        }
        return nil
    }

    static let localNames: Set<String> = ["localhost", "127.0.0.1", "::1"]

    /// Every host name of `group` and its descendants, in inventory order.
    public func hostNames(inGroup group: String) -> [String] {
        if group == "all" { return Array(hosts.keys) }
        var seen = Set<String>()
        var members = Set<String>()
        collect(group, into: &members, seen: &seen)
        return hosts.keys.filter { members.contains($0) }
    }

    private func collect(_ group: String, into members: inout Set<String>, seen: inout Set<String>) {
        guard let entry = groups[group], seen.insert(group).inserted else { return }
        members.formUnion(entry.hosts)
        for child in entry.children { collect(child, into: &members, seen: &seen) }
    }

    /// Every group `host` belongs to, directly or through child groups, `all` included, ordered as Ansible
    /// applies their variables: by depth (all first, deepest last), then by name.
    public func groups(of host: String) -> [String] {
        var direct = groups.values.filter { $0.hosts.contains(host) }.map(\.name)
        if hosts[host] != nil && direct.isEmpty { direct = ["ungrouped"] }
        var result = Set<String>(["all"])
        var queue = direct
        while let group = queue.popLast() {
            guard result.insert(group).inserted || group == "all" else { continue }
            queue += groups.values.filter { $0.children.contains(group) }.map(\.name)
        }
        if hosts[host] == nil { return ["all"] }
        let depths = groupDepths()
        return result.sorted { (depths[$0] ?? 0, $0) < (depths[$1] ?? 0, $1) }
    }

    /// `group_names`: the host's groups without `all`, sorted.
    public func groupNames(of host: String) -> [String] {
        groups(of: host).filter { $0 != "all" }.sorted()
    }

    /// `groups`: each group's hosts, as the magic variable holds them.
    public var groupsVariable: Value {
        var dict = OrderedDictionary<String, Value>()
        for name in groups.keys { dict[name] = .list(hostNames(inGroup: name).map(Value.string)) }
        return .dict(dict)
    }

    /// Longest distance from `all` for each group (a child is deeper than its parents).
    private func groupDepths() -> [String: Int] {
        var depths: [String: Int] = ["all": 0]
        var changed = true
        var rounds = 0
        while changed && rounds <= groups.count {
            changed = false
            rounds += 1
            for group in groups.values {
                guard let depth = depths[group.name] else { continue }
                for child in group.children where (depths[child] ?? -1) < depth + 1 {
                    depths[child] = depth + 1
                    changed = true
                }
            }
        }
        return depths
    }

    /// The host's inventory variables after Ansible's precedence: inventory-file group vars (all, then parent,
    /// then child groups), group_vars/all (inventory's, then playbook's), group_vars/<group> (inventory's, then
    /// playbook's), inventory-file host vars, host_vars/ (inventory's, then playbook's).
    public func variables(for hostName: String) -> OrderedDictionary<String, Value> {
        let ordered = groups(of: hostName)
        var vars = OrderedDictionary<String, Value>()
        func merge(_ layer: OrderedDictionary<String, Value>?) {
            guard let layer else { return }
            for (key, value) in layer { vars[key] = value }
        }
        for group in ordered { merge(groups[group]?.vars) }
        merge(inventoryDirectoryVars.groupVars["all"])
        merge(playbookDirectoryVars.groupVars["all"])
        for group in ordered where group != "all" { merge(inventoryDirectoryVars.groupVars[group]) }
        for group in ordered where group != "all" { merge(playbookDirectoryVars.groupVars[group]) }
        merge(host(named: hostName)?.vars)
        merge(inventoryDirectoryVars.hostVars[hostName])
        merge(playbookDirectoryVars.hostVars[hostName])
        return vars
    }
}

/// One host of the inventory.
public struct InventoryHost: Sendable, Hashable {
    /// `inventory_hostname`.
    public var name: String
    /// Variables written on the host in the inventory file.
    public var vars: OrderedDictionary<String, Value>
    /// True for Ansible's implicit localhost (not in `all`).
    public var isImplicit: Bool

    public init(name: String, vars: OrderedDictionary<String, Value> = [:], isImplicit: Bool = false) {
        self.name = name
        self.vars = vars
        self.isImplicit = isImplicit
    }

    /// `inventory_hostname_short`: the name up to the first dot.
    public var shortName: String {
        String(name.split(separator: ".", maxSplits: 1).first ?? Substring(name))
    }
}

/// A group: its direct hosts, child groups and inventory-file variables.
public struct InventoryGroup: Sendable, Hashable {
    public var name: String
    public var hosts: [String] = []
    public var children: [String] = []
    public var vars: OrderedDictionary<String, Value> = [:]

    public init(name: String) {
        self.name = name
    }
}

/// Variables read from one folder's group_vars/ and host_vars/.
struct VarsDirectoryLayer: Sendable {
    var groupVars: [String: OrderedDictionary<String, Value>] = [:]
    var hostVars: [String: OrderedDictionary<String, Value>] = [:]
}
