import Foundation
import Jinja
import OrderedCollections

/// How a task ended on one host, as the report and the recap count it.
public enum TaskStatus: String, Sendable {
    case ok, changed, skipped, failed, unreachable
}

/// The outcome of one task (all its loop items) on one host.
public struct HostTaskResult: Sendable {
    public var host: String
    public var status: TaskStatus
    /// Failed, but `ignore_errors` let the host go on.
    public var ignored: Bool
    /// The registered value (Ansible's result dict), secrets already hidden when no_log.
    public var result: OrderedDictionary<String, Value>
    /// One per loop item, for the per-item lines.
    public var items: [ItemResult]
    public var diffs: [ModuleDiff]
    /// Commands run, for -vv.
    public var commands: [String]
    /// What each command answered (exit status, stdout, stderr), for -vvv; secrets masked like the commands.
    public var outputs: [String]
    /// Where the task is written, for failure lines.
    public var location: SourceLocation?
    /// The host the task ran on when delegated.
    public var delegatedTo: String?
    /// Seconds the task took on this host (all its loop items and retries), for -v, JSON and --profile.
    public var duration: TimeInterval = 0
    /// Variables the task set on the host (set_fact, include_vars), which a loop's next items see.
    public var hostVariables: OrderedDictionary<String, Value> = [:]
    /// What `register:` sets on the host: the result under its name, or each register projection's value.
    public var registered: OrderedDictionary<String, Value> = [:]

    public init(host: String, status: TaskStatus, result: OrderedDictionary<String, Value> = [:]) {
        self.host = host
        self.status = status
        self.ignored = false
        self.result = result
        self.items = []
        self.diffs = []
        self.commands = []
        self.outputs = []
    }

    public var msg: String? {
        if case .string(let text)? = result["msg"] { return text }
        return nil
    }

    /// The warnings and deprecations the module reported (each loop item's too), once each, as Ansible prints
    /// them above the host's line.
    public var notes: [String] {
        var notes: [String] = []
        for result in [result] + items.map(\.result) {
            if case .list(let warnings)? = result["warnings"] {
                for case .string(let text) in warnings { notes.append(text) }
            }
            if case .list(let deprecations)? = result["deprecations"] {
                for case .dict(let deprecation) in deprecations {
                    var text = "deprecated: " + (deprecation["msg"]?.displayText ?? "")
                    if let version = deprecation["version"] { text += " (ansible-core removes it in \(version.displayText))" }
                    notes.append(text)
                }
            }
        }
        var seen = Set<String>()
        return notes.filter { seen.insert($0).inserted }
    }
}

/// One loop item's outcome.
public struct ItemResult: Sendable {
    public var label: String
    public var status: TaskStatus
    public var result: OrderedDictionary<String, Value>
}

/// Per-host counts for the PLAY RECAP.
public struct HostStats: Sendable, Hashable {
    public var ok = 0
    public var changed = 0
    public var unreachable = 0
    public var failed = 0
    public var skipped = 0
    public var rescued = 0
    public var ignored = 0

    public init() {}
}
