import Jinja
import OrderedCollections

/// The keywords a play or block passes down to the tasks inside it, and that a task may set itself.
/// A nil field means "not set here": the nearest enclosing setting applies.
public struct TaskKeywords: Sendable, Hashable {
    /// Conditions (Jinja expressions without braces); all must hold. Inherited conditions are AND-ed.
    public var when: [String] = []
    public var tags: [String] = []
    public var become: BoolSetting?
    public var becomeUser: String?
    /// `sudo` or `su`.
    public var becomeMethod: String?
    public var becomeFlags: String?
    public var ignoreErrors: BoolSetting?
    public var ignoreUnreachable: BoolSetting?
    public var noLog: BoolSetting?
    public var checkMode: BoolSetting?
    public var diff: BoolSetting?
    /// A dict of environment variables, or a template string that renders to one.
    public var environment: Value?
    public var delegateTo: String?
    /// `remote_user:` on a block or task; inventory `ansible_user` beats it, as in Ansible.
    public var remoteUser: String?
    public var runOnce: BoolSetting?
    /// `timeout:` seconds a task may run (an int or a template); 0 or unset: no limit.
    public var timeout: Value?
    public var anyErrorsFatal: BoolSetting?
    /// Block or task vars (play vars live on `Play.vars`).
    public var vars: OrderedDictionary<String, Value> = [:]
    /// Names among `vars` holding data, never rendered: an include's vars and loop item, rendered on a host.
    public var dataVars: Set<String> = []
    /// The includes that led here (not a keyword: carried along so runaway recursion stops with its chain).
    public var includeChain = IncludeChain()
    /// The roles whose bodies enclose this point, innermost first (not a keyword: set as the run enters a
    /// role's block, for ansible_parent_role_names).
    public var enclosingRoles: [EnclosingRole] = []
    /// Module name (canonical) -> default arguments, from `module_defaults`.
    public var moduleDefaults: OrderedDictionary<String, Value> = [:]

    public init() {}

    /// These keywords as seen from inside `outer`: own settings win, conditions and tags accumulate,
    /// vars and module defaults merge with own keys winning.
    public func inheriting(from outer: TaskKeywords) -> TaskKeywords {
        var merged = self
        merged.when = outer.when + when
        merged.tags = outer.tags + tags.filter { !outer.tags.contains($0) }
        merged.become = become ?? outer.become
        merged.becomeUser = becomeUser ?? outer.becomeUser
        merged.becomeMethod = becomeMethod ?? outer.becomeMethod
        merged.becomeFlags = becomeFlags ?? outer.becomeFlags
        merged.ignoreErrors = ignoreErrors ?? outer.ignoreErrors
        merged.ignoreUnreachable = ignoreUnreachable ?? outer.ignoreUnreachable
        merged.noLog = noLog ?? outer.noLog
        merged.checkMode = checkMode ?? outer.checkMode
        merged.diff = diff ?? outer.diff
        merged.environment = environment ?? outer.environment
        merged.delegateTo = delegateTo ?? outer.delegateTo
        merged.remoteUser = remoteUser ?? outer.remoteUser
        merged.runOnce = runOnce ?? outer.runOnce
        merged.timeout = timeout ?? outer.timeout
        merged.anyErrorsFatal = anyErrorsFatal ?? outer.anyErrorsFatal
        var vars = outer.vars
        for (key, value) in self.vars { vars[key] = value }
        merged.vars = vars
        merged.dataVars = outer.dataVars.subtracting(self.vars.keys).union(dataVars)
        merged.includeChain = outer.includeChain
        merged.enclosingRoles = outer.enclosingRoles
        var defaults = outer.moduleDefaults
        for (key, value) in moduleDefaults { defaults[key] = value }
        merged.moduleDefaults = defaults
        return merged
    }
}
