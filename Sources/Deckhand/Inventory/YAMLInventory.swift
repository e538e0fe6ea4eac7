import Jinja
import OrderedCollections
import Yams

/// Ansible's YAML inventory format: groups (usually `all`) with `hosts`, `vars` and `children`.
enum YAMLInventory {
    static func parse(_ document: YAMLDocument, into inventory: inout Inventory) throws {
        guard let root = document.root else { return }
        guard case .mapping(let groups) = root else {
            throw ValidationErrors([ValidationError(
                "a YAML inventory must be a mapping of group names (usually 'all:') to hosts, vars and children",
                at: document.location(of: root))])
        }
        var errors: [ValidationError] = []
        if let plugin = groups.first(where: { YAMLDocument.keyString($0.key) == "plugin" }) {
            throw ValidationErrors([ValidationError(
                "inventory plugins are not supported; list the hosts in a YAML or INI inventory",
                at: document.location(of: plugin.key), offendingText: plugin.value.scalar?.string)])
        }
        for (key, body) in groups {
            readGroup(YAMLDocument.keyString(key), body: body, document: document, inventory: &inventory,
                      errors: &errors)
        }
        if !errors.isEmpty { throw ValidationErrors(errors) }
    }

    private static let groupKeys = ["hosts", "vars", "children"]

    private static func readGroup(_ name: String, body: Node, document: YAMLDocument, inventory: inout Inventory,
                                  errors: inout [ValidationError]) {
        if name != "all" && name != "ungrouped" { inventory.addGroup(name) }
        guard case .mapping(let mapping) = body else {
            if YAMLDocument.value(of: body) != .none {
                errors.append(ValidationError("group '\(name)' must be a mapping with hosts, vars or children",
                                              at: document.location(of: body)))
            }
            return
        }
        for (keyNode, value) in mapping {
            let key = YAMLDocument.keyString(keyNode)
            switch key {
            case "hosts":
                guard case .mapping(let hosts) = value else {
                    if YAMLDocument.value(of: value) != .none {
                        errors.append(ValidationError(
                            "'hosts' of group '\(name)' must be a mapping of host names (each with its vars or nothing)",
                            at: document.location(of: value)))
                    }
                    continue
                }
                for (hostNode, hostVars) in hosts {
                    var vars = OrderedDictionary<String, Value>()
                    switch YAMLDocument.value(of: hostVars) {
                    case .dict(let dict): vars = dict
                    case .none: break
                    default:
                        errors.append(ValidationError("the vars of host '\(YAMLDocument.keyString(hostNode))' must be a mapping",
                                                      at: document.location(of: hostVars)))
                    }
                    for host in HostRange.expand(YAMLDocument.keyString(hostNode)) {
                        inventory.addHost(host, to: name == "ungrouped" ? nil : name, vars: vars)
                    }
                }
            case "vars":
                switch YAMLDocument.value(of: value) {
                case .dict(let vars): inventory.setGroupVars(name, vars)
                case .none: break
                default:
                    errors.append(ValidationError("'vars' of group '\(name)' must be a mapping",
                                                  at: document.location(of: value)))
                }
            case "children":
                guard case .mapping(let children) = value else {
                    if YAMLDocument.value(of: value) != .none {
                        errors.append(ValidationError("'children' of group '\(name)' must be a mapping of group names",
                                                      at: document.location(of: value)))
                    }
                    continue
                }
                for (childNode, childBody) in children {
                    let child = YAMLDocument.keyString(childNode)
                    inventory.addChild(child, to: name)
                    readGroup(child, body: childBody, document: document, inventory: &inventory, errors: &errors)
                }
            default:
                errors.append(ValidationError("unknown key '\(key)' in group '\(name)'",
                                              at: document.location(of: keyNode), offendingText: key,
                                              suggestion: Suggestion.nearest(key, in: groupKeys)))
            }
        }
    }
}
