import Foundation
import Jinja

/// A task deckhand cannot run — a module it does not have (another OS's package manager such as yum, a
/// Windows module) — met inside an include_tasks or include_role. Ansible reads those only when a host reaches
/// them, so a role's `RedHat.yml` never stops a Debian run: the loader keeps the task as this placeholder,
/// warns, and the task fails only on a host that reaches it. Every other mistake in the file (a misspelt
/// argument of a module deckhand has, bad YAML, a broken template) is still an error before the run.
public struct UnavailableTask: Sendable, Hashable {
    /// The module as written.
    public var module: String
    /// Why deckhand cannot run it (the validation message).
    public var reason: String

    public init(module: String, reason: String) {
        self.module = module
        self.reason = reason
    }
}

/// An include the loader is reading through: where it is, and the conditions that guard it.
struct DynamicInclude {
    var location: SourceLocation
    var keyword: String
    var conditions: [String]

    /// "include_tasks at roles/x/tasks/main.yml:5 (when: ansible_os_family == 'RedHat')".
    var description: String {
        "\(keyword) at \(location)" + (conditions.isEmpty ? "" : " (when: \(conditions.joined(separator: " and ")))")
    }
}

extension LoadSession {
    /// Reads `body` as the inside of the dynamic include `task` (its `when:` is the condition the warnings name).
    func insideDynamicInclude<T>(_ keyword: String, task: PlaybookTask, at location: SourceLocation,
                                 _ body: () -> T) -> T {
        dynamicIncludes.append(DynamicInclude(location: location, keyword: keyword, conditions: task.keywords.when))
        defer { dynamicIncludes.removeLast() }
        return body()
    }

    /// Inside a dynamic include, the errors since `mark` become a warning and the task a placeholder that fails
    /// only when reached; elsewhere (or with no new errors) nil, and the errors stay errors.
    ///
    /// Outside one, a module that Ansible has and deckhand lacks (ansible-core's `dnf`, a collection's
    /// `community.general.pam_limits`) in a task that runs only under a condition (its own `when:` or an enclosing
    /// block's) is deferred the same way: roles guard another OS's tasks so (`when: ansible_os_family ==
    /// 'RedHat'`), and the task may never run here. A name Ansible does not know either stays an error (a typo).
    func deferringErrors(since mark: Int, module: String, at location: SourceLocation,
                         conditions taskConditions: [String] = []) -> UnavailableTask? {
        guard errors.errors.count > mark else { return nil }
        let where_: String
        if let include = dynamicIncludes.last {
            let conditions = dynamicIncludes.flatMap(\.conditions)
            where_ = conditions.count > include.conditions.count
                ? "\(include.keyword) at \(include.location) (when: \(conditions.joined(separator: " and ")))"
                : include.description
        } else {
            let conditions = argumentScopes.flatMap(\.conditions) + taskConditions
            guard !conditions.isEmpty, AnsibleModuleNames.isAnsibleModule(module) else { return nil }
            where_ = "a task that runs only when \(conditions.joined(separator: " and "))"
        }
        let taken = errors.take(since: mark)
        let reason = taken.map(\.message).joined(separator: "; ")
        let suggestion = taken.compactMap(\.suggestion).first.map { " (did you mean '\($0)'?)" } ?? ""
        warnings.append(ValidationError(
            "deckhand cannot run this task: \(reason)\(suggestion); it is inside \(where_), so it fails only on a "
                + "host that reaches it", at: location, offendingText: module))
        return UnavailableTask(module: module, reason: reason + suggestion)
    }
}

extension ErrorCollector {
    /// Removes and returns the errors recorded after the first `count`.
    func take(since count: Int) -> [ValidationError] {
        let taken = Array(errors.dropFirst(count))
        errors.removeLast(taken.count)
        return taken
    }
}
