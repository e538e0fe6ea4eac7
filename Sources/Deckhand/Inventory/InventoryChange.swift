import Jinja
import OrderedCollections

/// A change a task asks of the run's inventory (add_host, group_by); the runner applies it between tasks, so
/// later plays (and `groups`, `hostvars`) see the new hosts and groups.
public enum InventoryChange: Sendable, Equatable {
    /// add_host: the host (new or known) gets these variables and joins these groups.
    case addHost(name: String, groups: [String], vars: OrderedDictionary<String, Value>)
    /// group_by: the task's host joins `group`, which becomes a child of each of `parents`.
    case joinGroup(group: String, parents: [String])

    /// add_host's `name`, which may carry a port as Ansible accepts it (`web1:2222`, `[::1]:2222`): the
    /// inventory name and the port, if any.
    public static func splitHostAndPort(_ text: String) -> (name: String, port: Int?) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let name = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":"), let port = Int(rest.dropFirst()) { return (name, port) }
            return (name, nil)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, let port = Int(parts[1]), !parts[0].isEmpty { return (String(parts[0]), port) }
        return (text, nil)
    }
}

extension Inventory {
    /// Applies `change` on behalf of `host` (the task's host, for group_by). Returns whether anything changed,
    /// which is what add_host and group_by report as `changed`, as in Ansible.
    public mutating func apply(_ change: InventoryChange, host: String) -> Bool {
        var changed = false
        switch change {
        case .addHost(let name, let groups, let vars):
            if hosts[name] == nil {
                addHost(name)
                changed = true
            }
            let newVars = vars.filter { hosts[name]?.vars[$0.key] != $0.value }
            if !newVars.isEmpty {
                addHost(name, vars: newVars)
                changed = true
            }
            for group in groups where group != "all" {
                if !(self.groups[group]?.hosts.contains(name) ?? false) {
                    addHost(name, to: group)
                    changed = true
                }
            }
        case .joinGroup(let group, let parents):
            if groups[group] == nil {
                addGroup(group)
                changed = true
            }
            for parent in parents where parent != "all" && parent != group {
                if !(groups[parent]?.children.contains(group) ?? false) {
                    addChild(group, to: parent)
                    changed = true
                }
            }
            if hosts[host] != nil, !(groups[group]?.hosts.contains(host) ?? false) {
                addHost(host, to: group)
                changed = true
            }
        }
        if changed { finish() }
        return changed
    }
}
