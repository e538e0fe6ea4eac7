import Foundation
import Jinja
import OrderedCollections

/// How a playbook run behaves: the `deckhand run` options, passed in whole.
public struct RunOptions: Sendable {
    public var checkMode = false
    public var diffMode = false
    /// Run only tasks with one of these tags (empty: all); `always` tasks run unless skipped explicitly.
    public var tags: [String] = []
    public var skipTags: [String] = []
    public var startAtTask: String?
    public var forks = 50
    public var verbosity = 0
    /// `-e` variables, highest precedence.
    public var extraVars: OrderedDictionary<String, Value> = [:]
    /// Names among `extraVars` that are data, not templates: a verb's own option values (`--message`), used
    /// as typed, never rendered.
    public var literalExtraVars: Set<String> = []
    /// Answers to the plays' vars_prompt questions, asked before anything connects.
    public var promptedVars: OrderedDictionary<String, Value> = [:]
    public var limit: String?
    /// From --ask-become-pass or DECKHAND_BECOME_PASSWORD; the inventory's ansible_become_password wins per host.
    public var becomePassword: String?
    /// Run notified handlers even on hosts where a later task failed (deckhand's default).
    public var forceHandlers = true
    /// Loads include_tasks files and include_role roles at run time (roles_path included).
    public var loader = PlaybookLoader()
    /// ansible.cfg's [privilege_escalation] become, become_method and become_user: what a play, block or task
    /// that does not say gets.
    public var defaultBecome: Bool?
    public var defaultBecomeMethod: String?
    public var defaultBecomeUser: String?
    /// `ansible_managed` as templates see it (ansible.cfg's `ansible_managed`).
    public var ansibleManaged = "Ansible managed"
    /// Set by the caller to stop the run at the next task boundary (Ctrl-C); rescue/always still run.
    public var interruption: RunInterruption?

    public init() {}
}
