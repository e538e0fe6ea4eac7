import Jinja
import OrderedCollections

/// A role as loaded from its folder (tasks/, handlers/, defaults/, vars/, meta/, files/, templates/).
public struct Role: Sendable, Hashable {
    public var name: String
    /// The role's folder (role_path).
    public var path: String
    public var defaults: OrderedDictionary<String, Value>
    public var vars: OrderedDictionary<String, Value>
    /// tasks/main (or the `tasks_from` file), tasks carry a `RoleContext` without params.
    public var tasks: [TaskItem]
    public var handlers: [Handler]
    /// meta/main.yml `dependencies:`, run before the role.
    public var dependencies: [RoleReference]
    /// meta/main.yml `allow_duplicates:`.
    public var allowDuplicates: Bool
    /// The argument spec of the entry point the role was loaded for: its tasks start by validating it.
    public var argumentSpec: RoleArgumentSpec?

    public init(name: String, path: String, defaults: OrderedDictionary<String, Value> = [:],
                vars: OrderedDictionary<String, Value> = [:], tasks: [TaskItem] = [], handlers: [Handler] = [],
                dependencies: [RoleReference] = [], allowDuplicates: Bool = false) {
        self.name = name
        self.path = path
        self.defaults = defaults
        self.vars = vars
        self.tasks = tasks
        self.handlers = handlers
        self.dependencies = dependencies
        self.allowDuplicates = allowDuplicates
    }
}

/// A use of a role: an entry of `roles:`, an `import_role:` or a meta dependency, with its parameters.
public struct RoleReference: Sendable, Hashable {
    /// The name as written (a name on the roles path, or a path).
    public var name: String
    /// Role parameters (`- role: x` siblings that are not keywords, or `vars:`); they beat role vars.
    public var params: OrderedDictionary<String, Value>
    /// The parameters written beside `role:` itself (not under `vars:`), which Ansible validates against the role's
    /// argument spec as its role params; an include_role or import_role has none.
    public var arguments: OrderedDictionary<String, Value> = [:]
    /// `when`, `tags`, `become`… written on the reference; applied to every task of the role.
    public var keywords: TaskKeywords
    public var role: Role
    public var location: SourceLocation

    public init(name: String, params: OrderedDictionary<String, Value> = [:], keywords: TaskKeywords = TaskKeywords(),
                role: Role, location: SourceLocation) {
        self.name = name
        self.params = params
        self.keywords = keywords
        self.role = role
        self.location = location
    }

    /// What a task inside this use of the role needs to know about it: its defaults and vars over those of
    /// its dependencies (which Ansible shows to the role that depends on them).
    public var context: RoleContext {
        var defaults = OrderedDictionary<String, Value>()
        collect(\.defaults, into: &defaults)
        var vars = OrderedDictionary<String, Value>()
        collect(\.vars, into: &vars)
        return RoleContext(name: role.name, path: role.path, defaults: defaults, vars: vars, params: params)
    }

    /// The role's dependencies (first) and its own tasks, as blocks carrying this use's `RoleContext`.
    /// `alreadyRun` holds role uses seen earlier in the play: a role runs once unless its parameters differ
    /// or it allows duplicates, as in Ansible.
    public func expandedBlocks(alreadyRun: inout Set<RoleRun>) -> [Block] {
        var blocks: [Block] = []
        for dependency in role.dependencies {
            blocks += dependency.expandedBlocks(alreadyRun: &alreadyRun)
        }
        let run = RoleRun(path: role.path, params: params)
        if !role.allowDuplicates {
            if alreadyRun.contains(run) { return blocks }
            alreadyRun.insert(run)
        }
        let context = self.context
        var tasks = role.tasks
        if let spec = role.argumentSpec { tasks.insert(.task(spec.validationTask(role: role, params: arguments)), at: 0) }
        blocks.append(Block(name: nil, block: tasks.map { $0.inRole(context) }, keywords: keywords,
                            role: context, origin: .role(name: role.name), location: location))
        return blocks
    }

    /// The role's handlers (after its dependencies' handlers), carrying this use's `RoleContext`.
    public func expandedHandlers() -> [Handler] {
        var handlers = role.dependencies.flatMap { $0.expandedHandlers() }
        let context = self.context
        handlers += role.handlers.map { handler in
            var handler = handler
            handler.task.role = context
            return handler
        }
        return handlers
    }
}

extension RoleReference {
    /// Merges `variables` of the dependencies, then of the role itself, into `merged`.
    func collect(_ variables: KeyPath<Role, OrderedDictionary<String, Value>>,
                 into merged: inout OrderedDictionary<String, Value>) {
        for dependency in role.dependencies { dependency.collect(variables, into: &merged) }
        for (key, value) in role[keyPath: variables] { merged[key] = value }
    }
}

/// Identifies one run of a role in a play, for Ansible's "a role runs once per play" rule.
public struct RoleRun: Sendable, Hashable {
    public var path: String
    public var params: OrderedDictionary<String, Value>
}

/// What a task inside a role needs: role_name, role_path (files/, templates/), and the role's variables.
public struct RoleContext: Sendable, Hashable {
    public var name: String
    public var path: String
    public var defaults: OrderedDictionary<String, Value>
    public var vars: OrderedDictionary<String, Value>
    public var params: OrderedDictionary<String, Value>

    public init(name: String, path: String, defaults: OrderedDictionary<String, Value> = [:],
                vars: OrderedDictionary<String, Value> = [:], params: OrderedDictionary<String, Value> = [:]) {
        self.name = name
        self.path = path
        self.defaults = defaults
        self.vars = vars
        self.params = params
    }
}

extension TaskItem {
    /// This item with `context` as the role of every task and block inside it that has no other role
    /// (tasks of a nested `import_role` keep their own).
    func inRole(_ context: RoleContext) -> TaskItem {
        switch self {
        case .task(var task):
            if task.role == nil || task.role?.path == context.path { task.role = context }
            return .task(task)
        case .block(var block):
            if block.role != nil && block.role?.path != context.path { return .block(block) }
            if block.role != nil { block.role = context }
            block.block = block.block.map { $0.inRole(context) }
            block.rescue = block.rescue.map { $0.inRole(context) }
            block.always = block.always.map { $0.inRole(context) }
            return .block(block)
        }
    }
}
