import Foundation
import Jinja
import OrderedCollections

/// A module: a pure description of what to probe on a host, how to read it, and what to change.
///
/// The runner drives every module the same way: `probe` (at most one command), `plan` from the probe's
/// answer, then — unless in check mode — the plan's actions. Nothing here opens a connection, so each
/// module is unit-testable from recorded probe output.
public protocol Module: Sendable {
    /// The module's declaration: names, arguments, documentation; the validator and `deckhand doc` read it.
    static var spec: ModuleSpec { get }

    /// Reads the task's (templated) arguments; throws `ModuleArgumentError` on wrong names, types or values.
    init(_ arguments: ModuleArguments) throws

    /// The one command that reads the current state, or nil when the module needs none.
    func probe(_ context: ModuleContext) throws -> ShellCommand?

    /// Compares the probe's answer with the wanted state: what to change and what to report.
    func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan
}

extension Module {
    public func probe(_ context: ModuleContext) throws -> ShellCommand? { nil }
}

/// What a module needs from the engine besides its arguments; closures keep modules free of runner types.
public struct ModuleContext: Sendable {
    public var hostName: String
    public var checkMode: Bool
    public var diffMode: Bool
    /// The bytes of a file the task names by `src` (looked up in the role's files/, then beside the playbook).
    public var readSourceFile: @Sendable (String) throws -> Data
    /// The same file's bytes as they are on disk, a vaulted one not decrypted (script's `decrypt: false`).
    public var readRawSourceFile: @Sendable (String) throws -> Data
    /// When the `src` a task names is a directory: its files, as sorted paths relative to it; nil for a file.
    public var listSourceDirectory: @Sendable (String) throws -> [String]?
    /// Renders a template named by `src` (looked up in the role's templates/) with the host's variables.
    public var renderTemplate: @Sendable (String) throws -> String
    /// The same, read with the template module's overrides (trim_blocks, delimiters, newline_sequence).
    public var renderTemplateWithSettings: @Sendable (String, TemplateSettings) throws -> String
    /// The role the task belongs to, when it does (include_vars' `dir` is under its vars/).
    public var rolePath: String?
    /// Evaluates a bare Jinja expression (`when`, `that`, debug's `var`) with the host's variables.
    public var evaluate: @Sendable (String) throws -> Value
    /// Evaluates a conditional as ansible-core does (`Templating.conditional`); it must be text the operator wrote.
    public var conditional: @Sendable (Value) throws -> ConditionalVerdict
    /// A whole `{{ template }}` rendered only as far as its container: a variable holding a list is that list as
    /// written, its items not rendered (assert's `that: "{{ checks }}"`).
    public var resolveContainer: @Sendable (String) throws -> Value
    /// The playbook's directory: relative controller paths (fetch's dest) are relative to it, as in Ansible.
    public var playbookDirectory: String?
    /// The permission bits of the controller file a task names by `src` (copy's and template's `mode: preserve`).
    public var sourceFileMode: @Sendable (String) throws -> Int

    public init(
        hostName: String = "localhost", checkMode: Bool = false, diffMode: Bool = false,
        readSourceFile: @escaping @Sendable (String) throws -> Data = { name in
            throw ModuleArgumentError("no source file \(name) (no files/ folder known)") },
        listSourceDirectory: @escaping @Sendable (String) throws -> [String]? = { _ in nil },
        renderTemplate: @escaping @Sendable (String) throws -> String = { name in
            throw ModuleArgumentError("no template \(name) (no templates/ folder known)") },
        evaluate: @escaping @Sendable (String) throws -> Value = { _ in .none },
        conditional: (@Sendable (Value) throws -> ConditionalVerdict)? = nil,
        resolveContainer: (@Sendable (String) throws -> Value)? = nil,
        playbookDirectory: String? = nil,
        renderTemplateWithSettings: (@Sendable (String, TemplateSettings) throws -> String)? = nil,
        rolePath: String? = nil,
        readRawSourceFile: (@Sendable (String) throws -> Data)? = nil,
        sourceFileMode: @escaping @Sendable (String) throws -> Int = { name in
            throw ModuleArgumentError("no source file \(name) (no files/ folder known)") }
    ) {
        self.sourceFileMode = sourceFileMode
        self.hostName = hostName
        self.checkMode = checkMode
        self.diffMode = diffMode
        self.readSourceFile = readSourceFile
        self.readRawSourceFile = readRawSourceFile ?? readSourceFile
        self.listSourceDirectory = listSourceDirectory
        self.renderTemplate = renderTemplate
        self.renderTemplateWithSettings = renderTemplateWithSettings ?? { name, _ in try renderTemplate(name) }
        self.rolePath = rolePath
        self.evaluate = evaluate
        self.conditional = conditional ?? { condition in ConditionalVerdict(holds: try evaluate(condition.displayText).isTruthy) }
        self.resolveContainer = resolveContainer ?? { text in try evaluate(text) }
        self.playbookDirectory = playbookDirectory
    }
}

/// One step that changes a host: a command, or an atomic file write.
public struct HostAction: Sendable {
    public enum Kind: Sendable {
        case run(ShellCommand, stdin: Data?)
        case put(FileWrite)
    }

    public var kind: Kind
    /// When set, the action's rc/stdout/stderr become the task's (command, shell, raw).
    public var reportsOutput: Bool
    /// Reads the action's output into the result (django_manage's applied migrations, git's new HEAD, fetch's
    /// bytes); runs before the exit status is judged (with reportsOutput: after rc, stdout and stderr are
    /// recorded), and a thrown error fails the task with its message.
    public var interpret: (@Sendable (CommandResult, inout ModuleResult) throws -> Void)? = nil
    /// For commands that decide themselves whether they change anything (`pip install -r`, `apt-get
    /// upgrade`): the task reports changed only when this text appears in the command's output.
    public var changeMarker: String?
    /// The opposite: the task reports ok when a line of the output starts with this text.
    public var unchangedMarker: String?
    /// With reportsOutput: stdout and stderr lose their trailing line breaks (command's strip_empty_ends).
    public var stripsEmptyEnds = true
    /// With reportsOutput: the task's msg when the command exits non-zero (Ansible's words differ by module).
    public var nonZeroMessage = "non-zero return code"

    public static func run(_ command: ShellCommand, stdin: Data? = nil) -> HostAction {
        HostAction(kind: .run(command, stdin: stdin), reportsOutput: false)
    }

    /// A command that changed something only when its output contains `marker`.
    public static func run(_ command: ShellCommand, stdin: Data? = nil, changedWhenOutputContains marker: String) -> HostAction {
        var action = HostAction.run(command, stdin: stdin)
        action.changeMarker = marker
        return action
    }

    /// A command whose output is the task's result (command, shell, raw).
    public static func runReporting(_ command: ShellCommand, stdin: Data? = nil) -> HostAction {
        HostAction(kind: .run(command, stdin: stdin), reportsOutput: true)
    }

    public static func put(_ data: Data, to path: String, mode: Int? = nil, owner: String? = nil,
                           group: String? = nil, validate: [String]? = nil, expected: FileExpectation? = nil) -> HostAction {
        HostAction(kind: .put(FileWrite(data: data, path: path, mode: mode, owner: owner, group: group, validate: validate,
                                        expected: expected)),
                   reportsOutput: false)
    }

    /// This action, its output read by `interpret`.
    public func interpreting(_ interpret: @escaping @Sendable (CommandResult, inout ModuleResult) throws -> Void) -> HostAction {
        var action = self
        action.interpret = interpret
        return action
    }

    /// What the action does, for -vv output and failure messages (file contents left out).
    public var summary: String {
        switch kind {
        case .run(let command, _): return command.rendered
        case .put(let write):
            var text = "write \(write.data.count) bytes to \(write.path)"
            if let mode = write.mode { text += " mode " + String(mode, radix: 8) }
            if let owner = write.owner { text += " owner \(owner)" }
            if let group = write.group { text += " group \(group)" }
            if let validate = write.validate { text += " validated by " + validate.joined(separator: " ") }
            return text
        }
    }
}

/// A module's decision: the actions that close the gap (none when the host is already right) and the result.
public struct ModulePlan: Sendable {
    public var actions: [HostAction]
    /// The result to report when the actions succeed (or, in check mode, the prediction).
    public var result: ModuleResult
    /// Actions that only read (a command task in check mode with nothing to predict) still run in check mode.
    public var runsInCheckMode: Bool

    public init(actions: [HostAction] = [], result: ModuleResult = ModuleResult(), runsInCheckMode: Bool = false) {
        self.actions = actions
        self.result = result
        self.runsInCheckMode = runsInCheckMode
    }

    /// Nothing to do: the host already is as wanted.
    public static func unchanged(_ result: ModuleResult = ModuleResult()) -> ModulePlan {
        ModulePlan(actions: [], result: result)
    }

    /// Change the host with `actions`; `result.changed` is set.
    public static func change(_ actions: [HostAction], _ result: ModuleResult = ModuleResult()) -> ModulePlan {
        var result = result
        result.changed = true
        return ModulePlan(actions: actions, result: result)
    }
}

/// A before/after pair for `--diff`: file contents (shown as a unified diff) or a state summary.
public struct ModuleDiff: Sendable, Hashable {
    public var beforeHeader: String
    public var afterHeader: String
    public var before: String
    public var after: String
    /// The texts were withheld (`no_log`): only that it changed is shown.
    public var hidden = false

    public init(beforeHeader: String, afterHeader: String, before: String, after: String) {
        self.beforeHeader = beforeHeader
        self.afterHeader = afterHeader
        self.before = before
        self.after = after
    }

    /// The same change without its texts, for a `no_log` task; nil when nothing changed.
    var withheld: ModuleDiff? {
        guard before != after else { return nil }
        var diff = ModuleDiff(beforeHeader: beforeHeader, afterHeader: afterHeader, before: "", after: "")
        diff.hidden = true
        return diff
    }
}

/// Ansible's result contract: changed, failed, msg, skipped, plus the module's own keys (rc, stdout, stat...).
public struct ModuleResult: Sendable {
    public var changed: Bool
    public var failed: Bool
    public var skipped: Bool
    public var msg: String?
    /// The module's own keys, in the order they are reported.
    public var values: OrderedDictionary<String, Value>
    /// Facts to merge into the host's variables (setup, set_fact): reported as `ansible_facts`.
    public var facts: OrderedDictionary<String, Value>
    public var diffs: [ModuleDiff]
    /// For add_host and group_by: what the runner changes in the run's inventory (it then decides `changed`).
    public var inventoryChange: InventoryChange?

    public init(changed: Bool = false, failed: Bool = false, msg: String? = nil,
                values: OrderedDictionary<String, Value> = [:]) {
        self.changed = changed
        self.failed = failed
        self.skipped = false
        self.msg = msg
        self.values = values
        self.facts = [:]
        self.diffs = []
        self.inventoryChange = nil
    }

    public static func failure(_ msg: String, values: OrderedDictionary<String, Value> = [:]) -> ModuleResult {
        ModuleResult(failed: true, msg: msg, values: values)
    }

    /// A module that broke off (in Ansible, its Python raised) instead of reporting a failure: ansible-core 2.21
    /// makes the task's message from the exception chain, "Task failed: Module failed: <what was raised>".
    public static func crash(_ raised: String) -> ModuleResult {
        ModuleResult(failed: true, msg: "Task failed: Module failed: \(raised)", values: ["exception": .string(raised)])
    }

    public subscript(key: String) -> Value? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// The result as `register` stores it and `--output json` prints it.
    public var registered: Value {
        var dict: OrderedDictionary<String, Value> = ["changed": .bool(changed), "failed": .bool(failed)]
        if skipped { dict["skipped"] = .bool(true) }
        if let msg { dict["msg"] = .string(msg) }
        for (key, value) in values { dict[key] = value }
        if !facts.isEmpty { dict["ansible_facts"] = .dict(facts) }
        return .dict(dict)
    }

    /// Sets rc, stdout, stderr and their _lines as command-like modules report them.
    /// A `cmd` the module set itself (the user's text, not deckhand's wrapping) is kept.
    public mutating func record(_ output: CommandResult, command: String?, stripEmptyEnds: Bool = true) {
        let stdout = stripEmptyEnds ? output.stdoutText.trimmingTrailingNewline : output.stdoutText
        let stderr = stripEmptyEnds ? output.stderrText.trimmingTrailingNewline : output.stderrText
        if let command, values["cmd"] == nil { values["cmd"] = .string(command) }
        values["rc"] = .int(Int(output.exitStatus))
        values["stdout"] = .string(stdout)
        values["stderr"] = .string(stderr)
        values["stdout_lines"] = .list(stdout.splitLines.map(Value.string))
        values["stderr_lines"] = .list(stderr.splitLines.map(Value.string))
    }
}

extension String {
    var trimmingTrailingNewline: String {
        var scalars = Substring(self).unicodeScalars
        while let last = scalars.last, last == "\n" || last == "\r" { scalars.removeLast() }
        return String(scalars)
    }

    /// Lines without their terminators; empty text has no lines.
    var splitLines: [String] {
        if isEmpty { return [] }
        // Split on scalars: "\r\n" is a single Character, which a Character-based split would not see as "\n".
        var lines = unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String(String.UnicodeScalarView($0)) }
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
    }
}
