import Jinja
import Yams

/// What a play or block around a task tells the loader about the task's arguments: whether a failure of the
/// task is handled there (a `rescue:`, `ignore_errors: true`), and which modules its `module_defaults` give
/// arguments to.
///
/// A mistake in a task's arguments or templates is an error before anything runs, unless the play itself handles
/// the task failing: Ansible fails such a task only when it runs, and a play that ignores or rescues that failure
/// (a test of the error message, a fallback) relies on it. Such a task fails at run time with Ansible's message.
struct ArgumentScope {
    var handlesFailure = false
    /// Canonical names of the modules its module_defaults give arguments to.
    var defaultedModules: Set<String> = []
    /// Its module_defaults name an action group (`group/...`), whose modules are known only at run time.
    var defaultsGroups = false
    /// Its `when:`, which every task inside runs under.
    var conditions: [String] = []
}

extension LoadSession {
    /// What a block's or play's mapping says, read before its tasks (its `rescue:` may come after them).
    func argumentScope(of node: Node, reader: NodeReader) -> ArgumentScope {
        var scope = ArgumentScope()
        for (key, _, value) in reader.entries(node) {
            switch key {
            case "rescue":
                if case .list(let tasks) = reader.value(value), !tasks.isEmpty { scope.handlesFailure = true }
            case "ignore_errors":
                scope.handlesFailure = scope.handlesFailure || Self.isLiteralTrue(reader.value(value))
            case "when":
                scope.conditions = reader.conditions(value, key)
            case "module_defaults":
                if case .dict(let defaults) = reader.value(value) {
                    for name in defaults.keys {
                        if name.hasPrefix("group/") { scope.defaultsGroups = true }
                        scope.defaultedModules.insert(spec(named: name)?.name ?? ModuleRegistry.canonicalName(name))
                    }
                }
            default: continue
            }
        }
        return scope
    }

    /// Reads `body` inside `scope`.
    func within<T>(_ scope: ArgumentScope, _ body: () -> T) -> T {
        argumentScopes.append(scope)
        defer { argumentScopes.removeLast() }
        return body()
    }

    /// Whether the enclosing module_defaults may give `module` arguments (so a missing one is checked at run time).
    func enclosingDefaults(give module: String) -> Bool {
        argumentScopes.contains { $0.defaultsGroups || $0.defaultedModules.contains(module) }
    }

    /// When the play handles `task` failing (its own ignore_errors or failed_when, or a block's rescue or
    /// ignore_errors around it), the errors recorded since `mark` (its arguments, its templates) are taken back:
    /// the task fails with them when it runs. Returns their messages (empty when they stay load errors), and warns.
    func deferringHandledErrors(since mark: Int, task: PlaybookTask) -> [String] {
        guard errors.errors.count > mark else { return [] }
        let ownHandling = task.keywords.ignoreErrors == .literal(true) || task.failedWhen != nil
        guard ownHandling || argumentScopes.contains(where: \.handlesFailure) else { return [] }
        var seen = Set<String>()
        // One problem may be found twice (the argument under `args:` and the task's merged arguments).
        let taken = errors.take(since: mark).filter { seen.insert($0.message).inserted }
        for error in taken {
            var warning = error
            warning.message += "; the play handles this task failing (ignore_errors, failed_when or rescue), "
                + "so it fails when it runs, as in Ansible"
            warnings.append(warning)
        }
        return taken.map { $0.message + ($0.suggestion.map { " (did you mean '\($0)'?)" } ?? "") }
    }

    static func isLiteralTrue(_ value: Value) -> Bool {
        switch value {
        case .bool(let flag): return flag
        case .string(let text): return NodeReader.truth(text) == true
        default: return false
        }
    }
}
