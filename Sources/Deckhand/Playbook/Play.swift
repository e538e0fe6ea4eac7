import Jinja
import OrderedCollections

/// One play: which hosts, which variables, and the roles and tasks to run on them.
public struct Play: Sendable, Hashable {
    public var name: String?
    /// The host pattern (`all`, `web:db`, `web:&prod`, `web:!db`, globs); a YAML list is joined with `:`.
    public var hosts: String
    public var vars: OrderedDictionary<String, Value>
    public var varsFiles: [VarsFile]
    public var varsPrompt: [VarsPrompt]
    public var roles: [RoleReference]
    public var preTasks: [TaskItem]
    public var tasks: [TaskItem]
    public var postTasks: [TaskItem]
    public var handlers: [Handler]
    /// Keywords every task of the play inherits (become, environment, ignore_errors, tags, module_defaults…).
    public var keywords: TaskKeywords
    public var gatherFacts: Bool
    /// Batch sizes; empty means all hosts at once. The last size repeats.
    public var serial: [SerialStep]
    public var maxFailPercentage: Double?
    public var anyErrorsFatal: Bool
    public var strategy: Strategy
    /// `remote_user:`; inventory `ansible_user` beats it, as in Ansible.
    public var remoteUser: String? = nil
    /// Where `playbook_dir` points (the folder of the file this play is in).
    public var playbookDirectory: String
    public var location: SourceLocation

    public init(name: String? = nil, hosts: String, vars: OrderedDictionary<String, Value> = [:],
                varsFiles: [VarsFile] = [], varsPrompt: [VarsPrompt] = [], roles: [RoleReference] = [],
                preTasks: [TaskItem] = [], tasks: [TaskItem] = [], postTasks: [TaskItem] = [],
                handlers: [Handler] = [], keywords: TaskKeywords = TaskKeywords(), gatherFacts: Bool = true,
                serial: [SerialStep] = [], maxFailPercentage: Double? = nil, anyErrorsFatal: Bool = false,
                strategy: Strategy = .linear, playbookDirectory: String, location: SourceLocation) {
        self.name = name
        self.hosts = hosts
        self.vars = vars
        self.varsFiles = varsFiles
        self.varsPrompt = varsPrompt
        self.roles = roles
        self.preTasks = preTasks
        self.tasks = tasks
        self.postTasks = postTasks
        self.handlers = handlers
        self.keywords = keywords
        self.gatherFacts = gatherFacts
        self.serial = serial
        self.maxFailPercentage = maxFailPercentage
        self.anyErrorsFatal = anyErrorsFatal
        self.strategy = strategy
        self.playbookDirectory = playbookDirectory
        self.location = location
    }

    /// The tasks of `roles:` in run order: each role's dependencies first, each role once unless its
    /// parameters differ. Ansible runs these after `pre_tasks` (and their handlers) and before `tasks`.
    public var roleTasks: [TaskItem] {
        var seen = Set<RoleRun>()
        return roles.flatMap { $0.expandedBlocks(alreadyRun: &seen) }.map { TaskItem.block($0) }
    }

    /// Every handler the play knows, in definition order: roles' handlers, then the play's own.
    /// Handlers of roles imported inside task lists are included too.
    public var allHandlers: [Handler] {
        var handlers = roles.flatMap { $0.expandedHandlers() }
        for item in preTasks + tasks + postTasks { handlers += item.importedRoleHandlers }
        return handlers + self.handlers
    }

    /// The defaults of every role of `roles:` (dependencies included, in run order, later winning). Ansible
    /// exposes them to the whole play, below the running task's own role's defaults.
    public var roleDefaults: OrderedDictionary<String, Value> {
        var merged = OrderedDictionary<String, Value>()
        for reference in roles { reference.collect(\.defaults, into: &merged) }
        return merged
    }

    /// The vars of every role of `roles:`, as `roleDefaults` (Ansible's default `private_role_vars = False`).
    public var roleVars: OrderedDictionary<String, Value> {
        var merged = OrderedDictionary<String, Value>()
        for reference in roles { reference.collect(\.vars, into: &merged) }
        return merged
    }

    /// Shown in the PLAY banner: the name, else the host pattern.
    public var displayName: String { name ?? hosts }
}

extension TaskItem {
    /// Handlers of roles pulled in by `import_role` inside this item (the loader stores them on the block).
    var importedRoleHandlers: [Handler] {
        guard case .block(let block) = self else { return [] }
        var handlers = block.importedHandlers
        for item in block.block + block.rescue + block.always { handlers += item.importedRoleHandlers }
        return handlers
    }
}

/// One batch size of `serial:`.
public enum SerialStep: Sendable, Hashable {
    case count(Int)
    case percent(Double)

    /// The number of hosts in a batch for a play over `total` hosts (at least 1).
    public func size(of total: Int) -> Int {
        switch self {
        case .count(let count): return max(1, count)
        case .percent(let percent): return max(1, Int((Double(total) * percent / 100).rounded(.down)))
        }
    }
}

/// `strategy:`.
public enum Strategy: String, Sendable, Hashable {
    case linear
    case free
}

/// An entry of `vars_files:`: one path, or a list of alternatives of which the first that exists is used.
public struct VarsFile: Sendable, Hashable {
    /// Paths (possibly templates) relative to the playbook's folder.
    public var candidates: [String]
    public var location: SourceLocation

    public init(candidates: [String], location: SourceLocation) {
        self.candidates = candidates
        self.location = location
    }
}

/// An entry of `vars_prompt:`.
public struct VarsPrompt: Sendable, Hashable {
    public var name: String
    public var prompt: String
    public var defaultValue: Value?
    /// Input is not echoed (Ansible's default is true).
    public var isPrivate: Bool
    public var confirm: Bool
    public var location: SourceLocation

    public init(name: String, prompt: String, defaultValue: Value? = nil, isPrivate: Bool = true,
                confirm: Bool = false, location: SourceLocation) {
        self.name = name
        self.prompt = prompt
        self.defaultValue = defaultValue
        self.isPrivate = isPrivate
        self.confirm = confirm
        self.location = location
    }
}

extension Play {
    /// Every task the play holds, blocks opened (pre_tasks, roles, tasks, post_tasks), then its handlers' tasks:
    /// what the checks before a run look through.
    var everyTask: [PlaybookTask] {
        var found: [PlaybookTask] = []
        func walk(_ items: [TaskItem]) {
            for item in items {
                switch item {
                case .task(let task): found.append(task)
                case .block(let block): walk(block.block + block.rescue + block.always)
                }
            }
        }
        walk(preTasks + roleTasks + tasks + postTasks)
        return found + allHandlers.map(\.task)
    }
}
