import Foundation
import Jinja
import OrderedCollections

/// Everything the run learns about one host: facts, set_fact and registered variables, notified handlers,
/// whether it failed, and its recap counts. Tasks of one host never run concurrently, but reports read it.
public final class HostState: @unchecked Sendable {
    public let name: String
    private let lock = NSLock()
    private var _facts: OrderedDictionary<String, Value> = [:]
    private var _hostVars: OrderedDictionary<String, Value> = [:]
    /// Names among `_hostVars` that hold templates the user wrote (include_vars); the rest is data.
    private var _templateNames: Set<String> = []
    private var _notified: [String] = []
    private var _failed = false
    private var _unreachable = false
    private var _ended = false
    private var _stats = HostStats()
    private var _lastFailure: (task: String, result: OrderedDictionary<String, Value>)?

    public init(name: String) {
        self.name = name
    }

    /// Gathered facts (setup), without the `ansible_` prefix.
    public var facts: OrderedDictionary<String, Value> { lock.withLock { _facts } }
    /// set_fact and register results: above play and role vars, below extra vars.
    public var hostVars: OrderedDictionary<String, Value> { lock.withLock { _hostVars } }
    /// Names among `hostVars` that hold data (registered results, set_fact values): never rendered.
    public var hostVarsData: Set<String> { lock.withLock { Set(_hostVars.keys).subtracting(_templateNames) } }
    public var failed: Bool { lock.withLock { _failed } }
    public var unreachable: Bool { lock.withLock { _unreachable } }
    /// end_host, end_play, or dropped by any_errors_fatal / max_fail_percentage.
    public var ended: Bool { lock.withLock { _ended } }
    public var stats: HostStats { lock.withLock { _stats } }
    /// Still running tasks in this play.
    public var isActive: Bool { lock.withLock { !_failed && !_unreachable && !_ended } }

    public func mergeFacts(_ facts: OrderedDictionary<String, Value>) {
        lock.withLock { for (key, value) in facts { _facts[key] = value } }
    }

    /// Sets a host variable: data unless `isTemplate` (a vars file the user wrote, read by include_vars).
    public func setVariable(_ name: String, _ value: Value, isTemplate: Bool = false) {
        lock.withLock {
            _hostVars[name] = value
            if isTemplate { _templateNames.insert(name) } else { _templateNames.remove(name) }
        }
    }

    public func notify(_ names: [String]) {
        lock.withLock { for name in names where !_notified.contains(name) { _notified.append(name) } }
    }

    /// The notifications since the last flush, cleared.
    public func takeNotified() -> [String] {
        lock.withLock { defer { _notified = [] }; return _notified }
    }

    public func markFailed(_ failed: Bool = true) { lock.withLock { _failed = failed } }
    public func markUnreachable() { lock.withLock { _unreachable = true } }
    public func markEnded(_ ended: Bool = true) { lock.withLock { _ended = ended } }

    /// The last failed task and its result, for a rescue's ansible_failed_task / ansible_failed_result.
    var lastFailure: (task: String, result: OrderedDictionary<String, Value>)? { lock.withLock { _lastFailure } }

    /// A task failed here: remembered for a rescue, and counted; unless ignored (ignore_errors) the host runs
    /// no further task of the play outside rescue and always. An ignored failure counts as ok and ignored (and
    /// changed when it changed something), as ansible-core's recap counts it.
    func recordFailedTask(_ task: String, result: OrderedDictionary<String, Value>, ignored: Bool = false) {
        lock.withLock {
            _lastFailure = (task, result)
            if ignored {
                _stats.ok += 1
                _stats.ignored += 1
                if result["changed"] == .bool(true) { _stats.changed += 1 }
            } else {
                _failed = true
                _stats.failed += 1
            }
        }
    }

    public func count(_ update: (inout HostStats) -> Void) {
        lock.withLock { update(&_stats) }
    }
}
