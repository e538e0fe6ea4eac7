import Foundation
import Jinja
import OrderedCollections

/// What the run's set_stats tasks named, as Ansible keeps them: once for the run (`per_host: false`) and per
/// host (`per_host: true`). A built-in playbook's outcome for its verb is one of these names.
public struct CustomStats: Sendable {
    /// The stats set with `per_host: false`.
    public private(set) var run: OrderedDictionary<String, Value> = [:]
    /// The stats set with `per_host: true`, by host.
    public private(set) var hosts: OrderedDictionary<String, OrderedDictionary<String, Value>> = [:]

    public init() {}

    /// Applies one set_stats result of `host`; `runOnceHosts` are every host of a run_once task (Ansible gives
    /// them all the per-host stats of its one run).
    public mutating func apply(_ update: StatsUpdate, host: String, runOnceHosts: [String] = []) {
        guard update.perHost else {
            for (name, value) in update.data { run[name] = CustomStats.joined(run[name], value, aggregate: update.aggregate) }
            return
        }
        for target in runOnceHosts.isEmpty ? [host] : runOnceHosts {
            var stats = hosts[target] ?? [:]
            for (name, value) in update.data {
                stats[name] = CustomStats.joined(stats[name], value, aggregate: update.aggregate)
            }
            hosts[target] = stats
        }
    }

    /// The stat called `name`: each host's value in `hostOrder`, then the run's own.
    public func values(named name: String, hostOrder: [String]) -> [Value] {
        hostOrder.compactMap { hosts[$0]?[name] } + (run[name].map { [$0] } ?? [])
    }

    /// Ansible's aggregation: a new stat is set; numbers sum, text and lists join, dicts merge (recursively);
    /// a value of another type leaves the stat as it was. Without `aggregate` the new value replaces it.
    static func joined(_ existing: Value?, _ new: Value, aggregate: Bool) -> Value {
        guard aggregate, let existing else { return new }
        switch (existing, new) {
        case (.int(let a), .int(let b)): return .int(a + b)
        case (.int(let a), .bool(let b)): return .int(a + (b ? 1 : 0))
        case (.bool(let a), .bool(let b)): return .int((a ? 1 : 0) + (b ? 1 : 0))
        case (.double(let a), .double(let b)): return .double(a + b)
        case (.string(let a), .string(let b)): return .string(a + b)
        case (.list(let a), .list(let b)): return .list(a + b)
        case (.dict(let a), .dict(let b)): return .dict(merged(a, b))
        default: return existing
        }
    }

    /// Ansible's merge_hash: `b`'s keys over `a`'s, dicts within merged the same way.
    static func merged(_ a: OrderedDictionary<String, Value>, _ b: OrderedDictionary<String, Value>) -> OrderedDictionary<String, Value> {
        var result = a
        for (key, value) in b {
            if case .dict(let inner)? = result[key], case .dict(let newInner) = value {
                result[key] = .dict(merged(inner, newInner))
            } else {
                result[key] = value
            }
        }
        return result
    }
}

/// Collects the custom stats while hosts run tasks side by side.
final class CustomStatsRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var stats = CustomStats()

    /// The `ansible_stats` of a task's results that did not fail or skip (each loop item's for a loop).
    /// `runOnceHosts`: every host of the batch when the task ran once for them all.
    func collect(_ results: [HostTaskResult], runOnceHosts: [String] = []) {
        for result in results where result.status != .failed && result.status != .skipped && result.status != .unreachable {
            let reported = result.items.isEmpty ? [result.result["ansible_stats"]]
                : result.items.filter { $0.status != .failed && $0.status != .skipped }.map { $0.result["ansible_stats"] }
            for update in reported.compactMap(StatsUpdate.init(reported:)) {
                lock.withLock { stats.apply(update, host: result.host, runOnceHosts: runOnceHosts) }
            }
        }
    }

    var collected: CustomStats { lock.withLock { stats } }
}

extension RunSummary {
    /// The stat a playbook named `name` with set_stats: each host's value in recap order, then the run's own.
    public func outcome(named name: String) -> [Value] {
        customStats.values(named: name, hostOrder: stats.map(\.host))
    }
}
