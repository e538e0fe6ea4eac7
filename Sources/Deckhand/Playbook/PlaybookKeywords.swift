/// The keywords each level of a playbook accepts, for validation and "did you mean".
enum PlaybookKeywords {
    static let play: Set<String> = [
        "name", "hosts", "vars", "vars_files", "vars_prompt", "roles", "pre_tasks", "tasks", "post_tasks",
        "handlers", "become", "become_user", "become_method", "become_flags", "gather_facts", "gather_subset",
        "gather_timeout", "serial", "max_fail_percentage", "any_errors_fatal", "environment", "tags",
        "ignore_errors", "ignore_unreachable", "check_mode", "diff", "module_defaults", "strategy", "no_log",
        "remote_user", "collections", "force_handlers", "order", "run_once", "timeout", "throttle", "connection",
        "port", "fact_path", "become_exe",
    ]

    /// Keywords shared by tasks and blocks (inherited by the tasks inside a block).
    static let common: Set<String> = [
        "name", "when", "tags", "become", "become_user", "become_method", "become_flags", "ignore_errors",
        "ignore_unreachable", "no_log", "check_mode", "diff", "environment", "delegate_to", "delegate_facts",
        "run_once", "vars", "any_errors_fatal", "module_defaults", "throttle", "timeout", "debugger",
        "collections", "remote_user", "port", "connection", "become_exe",
    ]

    static let taskOnly: Set<String> = [
        "loop", "loop_control", "register", "notify", "changed_when", "failed_when", "until", "retries",
        "delay", "args", "action", "local_action", "async", "poll",
    ]

    static let handlerOnly: Set<String> = ["listen"]

    static let blockOnly: Set<String> = ["block", "rescue", "always", "notify"]

    static var task: Set<String> { common.union(taskOnly) }

    /// Actions the loader handles itself rather than a module.
    static let controlActions: Set<String> = [
        "import_tasks", "include_tasks", "import_role", "include_role", "include", "meta", "import_playbook",
    ]

    /// `key` is a control action, bare or qualified (`ansible.builtin.import_tasks`).
    static func isControlAction(_ key: String) -> Bool {
        controlActions.contains(ModuleRegistry.canonicalName(key))
    }

    static let loopKinds: [String: LoopKind] = Dictionary(uniqueKeysWithValues: LoopKind.allCases.map { ($0.keyword, $0) })

    /// with_* lookups deckhand does not implement (told apart from unknown modules in errors).
    static let unsupportedLookups: Set<String> = [
        "with_flattened", "with_cartesian",
        "with_inventory_hostnames", "with_ini", "with_password", "with_url",
        "with_filetree", "with_community.general.filetree",
    ]

    static let roleEntry: Set<String> = ["role", "name", "vars", "tasks_from", "vars_from", "defaults_from",
                                         "handlers_from", "public", "allow_duplicates", "apply", "rolespec_validate"]
}
