import Jinja
import OrderedCollections

extension Play {
    /// Ansible's magic variables naming the play's roles: `ansible_play_role_names` (and its older name
    /// `role_names`): the roles the play names itself, in `roles:` or by `import_role`;
    /// `ansible_dependent_role_names`: the roles pulled in as dependencies; `ansible_role_names`: both.
    var roleNameVariables: OrderedDictionary<String, Value> {
        var direct: [String] = []
        var dependent: [String] = []
        func add(_ name: String, to names: inout [String]) {
            if !names.contains(name) { names.append(name) }
        }
        func addDependencies(of role: Role) {
            for dependency in role.dependencies {
                add(dependency.role.name, to: &dependent)
                addDependencies(of: dependency.role)
            }
        }
        // An import_role is a block of origin .role without a role of its own: its role's blocks (the
        // dependencies' first) are inside.
        func addImports(in items: [TaskItem]) {
            for case .block(let block) in items {
                if case .role(let name) = block.origin, block.role == nil {
                    add(name, to: &direct)
                    for case .block(let inner) in block.block {
                        if let role = inner.role, role.name != name { add(role.name, to: &dependent) }
                    }
                }
                addImports(in: block.block + block.rescue + block.always)
            }
        }
        for reference in roles {
            add(reference.role.name, to: &direct)
            addDependencies(of: reference.role)
            addImports(in: reference.role.tasks)
        }
        addImports(in: preTasks + tasks + postTasks)
        let all = direct + dependent.filter { !direct.contains($0) }
        return [
            "ansible_play_role_names": .list(direct.map(Value.string)),
            "role_names": .list(direct.map(Value.string)),
            "ansible_dependent_role_names": .list(dependent.map(Value.string)),
            "ansible_role_names": .list(all.map(Value.string)),
        ]
    }
}

/// A role whose body encloses a task, for `ansible_parent_role_names` / `ansible_parent_role_paths`.
public struct EnclosingRole: Sendable, Hashable {
    public var name: String
    public var path: String
}

extension TaskKeywords {
    /// `ansible_parent_role_names` and `ansible_parent_role_paths` of a task: the roles that imported or included
    /// its role, nearest first, as Ansible sets them on include_role/import_role; none for a role of `roles:`
    /// (the variables are then undefined).
    var parentRoleVariables: OrderedDictionary<String, Value> {
        let parents = enclosingRoles.dropFirst()
        guard !parents.isEmpty else { return [:] }
        return [
            "ansible_parent_role_names": .list(parents.map { .string($0.name) }),
            "ansible_parent_role_paths": .list(parents.map { .string($0.path) }),
        ]
    }
}
