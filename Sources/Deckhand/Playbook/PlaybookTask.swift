import Jinja
import OrderedCollections

/// One task: an action (a module call, a dynamic include or a meta action) and the keywords around it.
public struct PlaybookTask: Sendable, Hashable {
    public var name: String?
    public var action: TaskAction
    /// Keywords written on the task itself (not yet merged with enclosing blocks and the play).
    public var keywords: TaskKeywords
    public var loop: Loop?
    /// `register: name`: the task's result under that name.
    public var register: String?
    /// Ansible 2.21's `register: {name: expression}`: each name the expression's value (over `_task.result`,
    /// `_task.loop_result`, the loop item...) once the task ran; empty with `register: name` or none.
    public var registerExpressions: OrderedDictionary<String, String> = [:]
    /// Handler names or `listen` topics to notify when the task reports changed.
    public var notify: [String]
    /// Handler topics (only in handler lists; `Handler.listen` holds the same).
    public var listen: [String] = []
    /// Expressions; nil when the keyword is absent (then the module decides). `changed_when: false` is `["False"]`.
    public var changedWhen: [String]?
    public var failedWhen: [String]?
    public var until: [String]?
    /// An int or a template; Ansible's default is 3 when `until` is set.
    public var retries: Value?
    /// Seconds between retries (int or template); Ansible's default is 5.
    public var delay: Value?
    /// `async:` seconds (an int or a template): the task runs in the background on the host, killed after them.
    public var asyncSeconds: Value?
    /// `poll:` seconds between checks of a background task (Ansible's default 15); 0: fire and forget.
    public var pollSeconds: Value?
    /// The role this task was written in, if any (for role_path, files/ and templates/).
    public var role: RoleContext?
    public var location: SourceLocation

    public init(name: String? = nil, action: TaskAction, keywords: TaskKeywords = TaskKeywords(), loop: Loop? = nil,
                register: String? = nil, notify: [String] = [], changedWhen: [String]? = nil,
                failedWhen: [String]? = nil, until: [String]? = nil, retries: Value? = nil, delay: Value? = nil,
                role: RoleContext? = nil, location: SourceLocation) {
        self.name = name
        self.action = action
        self.keywords = keywords
        self.loop = loop
        self.register = register
        self.notify = notify
        self.changedWhen = changedWhen
        self.failedWhen = failedWhen
        self.until = until
        self.retries = retries
        self.delay = delay
        self.role = role
        self.location = location
    }

    /// What the output calls the task: its name, else `module` (as Ansible does), prefixed by the role.
    public var displayName: String {
        let base = name ?? action.displayName
        if let role { return "\(role.name) : \(base)" }
        return base
    }

    /// What `register:` sets, as Ansible reads it: `register: name` is `{name: _task.polymorphic_result}`.
    public var registerProjections: OrderedDictionary<String, String> {
        if let register { return [register: "_task.polymorphic_result"] }
        return registerExpressions
    }

    /// The module call, when the action is one.
    public var moduleCall: ModuleCall? {
        if case .module(let call) = action { return call }
        return nil
    }
}

/// What a task does.
public enum TaskAction: Sendable, Hashable {
    case module(ModuleCall)
    /// `include_tasks:` — loaded at run time (the file may be a template; vars are in the task's keywords).
    case includeTasks(IncludeTasks)
    /// `include_role:` — loaded at run time.
    case includeRole(IncludeRole)
    case meta(MetaAction)
    /// What deckhand cannot run, inside an include_tasks or include_role: fails only on a host that reaches it.
    case unavailable(UnavailableTask)

    public var displayName: String {
        switch self {
        case .module(let call): return call.name
        case .includeTasks: return "include_tasks"
        case .includeRole: return "include_role"
        case .meta: return "meta"
        case .unavailable(let task): return task.module
        }
    }
}

/// A module and its arguments as written; templates are rendered per host at run time.
public struct ModuleCall: Sendable, Hashable {
    /// The canonical name, collection prefix stripped (`copy` for `ansible.builtin.copy`).
    public var name: String
    /// The name as written in the task.
    public var originalName: String
    /// Always a `.dict`: YAML-dict arguments, `key=value` short-form arguments and `args:` merged.
    /// Free-form text (`shell: echo hi`) sits under the spec's free-form argument name.
    public var arguments: Value
    public var location: SourceLocation
    /// The mistakes in the arguments as written, left for run time because the play handles the task failing
    /// (see `ArgumentScope`): the task fails with them when it runs.
    public var argumentErrors: [String] = []

    public init(name: String, originalName: String, arguments: Value, location: SourceLocation,
                argumentErrors: [String] = []) {
        self.argumentErrors = argumentErrors
        self.name = name
        self.originalName = originalName
        self.arguments = arguments
        self.location = location
    }

    /// Where a task's arguments written as one template (`assert: "{{ item }}"`) wait for run time, as Ansible's
    /// `_variable_params`: the mapping it renders to, under the arguments written beside it (`args:`).
    public static let variableArguments = "_variable_params"

    /// Whether `text` is one `{{ ... }}` expression and nothing else.
    static func isWholeTemplate(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.hasPrefix("{{") && trimmed.hasSuffix("}}") && trimmed.dropFirst(2).dropLast(2).range(of: "{{") == nil
    }

    /// The arguments as a dictionary (empty when somehow not a dict).
    public var argumentDictionary: OrderedDictionary<String, Value> {
        if case .dict(let dict) = arguments { return dict }
        return [:]
    }
}

/// `include_tasks: file` (or `include_tasks: {file: ..., apply: ...}`).
public struct IncludeTasks: Sendable, Hashable {
    /// The file, possibly a template; relative to the including file's folder (or the role's tasks/).
    public var file: String
    /// The folder relative paths are resolved against.
    public var baseDirectory: String
    /// `apply:` keywords given to the included tasks.
    public var apply: TaskKeywords

    public init(file: String, baseDirectory: String, apply: TaskKeywords = TaskKeywords()) {
        self.file = file
        self.baseDirectory = baseDirectory
        self.apply = apply
    }
}

/// `include_role: {name: ..., tasks_from: ...}`.
public struct IncludeRole: Sendable, Hashable {
    public var name: String
    public var tasksFrom: String
    public var handlersFrom: String
    public var defaultsFrom: String
    public var varsFrom: String
    public var apply: TaskKeywords
    /// Folder of the playbook (or including role), where `roles/` is searched first.
    public var searchBase: String
    /// `rolespec_validate:` (default true): the role starts by validating its argument spec, if it has one.
    public var validatesArguments = true

    public init(name: String, tasksFrom: String = "main", handlersFrom: String = "main",
                defaultsFrom: String = "main", varsFrom: String = "main", apply: TaskKeywords = TaskKeywords(),
                searchBase: String) {
        self.name = name
        self.tasksFrom = tasksFrom
        self.handlersFrom = handlersFrom
        self.defaultsFrom = defaultsFrom
        self.varsFrom = varsFrom
        self.apply = apply
        self.searchBase = searchBase
    }
}

/// `meta:` actions the runner understands.
public enum MetaAction: String, Sendable, Hashable, CaseIterable {
    case flushHandlers = "flush_handlers"
    case endPlay = "end_play"
    case endHost = "end_host"
    case endBatch = "end_batch"
    case noop
    case clearFacts = "clear_facts"
    case clearHostErrors = "clear_host_errors"
    case refreshInventory = "refresh_inventory"
    case resetConnection = "reset_connection"
}

/// An entry of a task list: a task or a block of tasks.
public enum TaskItem: Sendable, Hashable {
    case task(PlaybookTask)
    case block(Block)

    public var location: SourceLocation {
        switch self {
        case .task(let task): return task.location
        case .block(let block): return block.location
        }
    }
}
