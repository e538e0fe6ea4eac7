import Foundation
import Jinja
import OrderedCollections

/// Runs a playbook's plays over the inventory's hosts: batches, strategies, blocks, handlers, the recap.
public final class PlaybookRunner: @unchecked Sendable {
    /// The inventory as it stands now: add_host and group_by change it during the run.
    public var inventory: Inventory { lock.withLock { currentInventory } }
    public let options: RunOptions
    let pool: ConnectionPool
    let reporter: RunReporter
    let templating: Templating
    /// What set_stats tasks named, for the summary.
    let customStats = CustomStatsRecorder()
    let connectionCut = ConnectionCut.fromEnvironment()
    private let lock = NSLock()
    private var states: OrderedDictionary<String, HostState> = [:]
    private var startReached: Bool
    private var currentInventory: Inventory

    public init(inventory: Inventory, options: RunOptions, pool: ConnectionPool, reporter: RunReporter,
                templating: Templating = Templating()) {
        self.currentInventory = inventory
        self.options = options
        self.pool = pool
        self.reporter = reporter
        self.templating = templating
        self.startReached = options.startAtTask == nil
    }

    /// The state of `name`, created on first use (hosts keep facts and failures across plays).
    func state(of name: String) -> HostState {
        lock.withLock {
            if let state = states[name] { return state }
            let state = HostState(name: name)
            states[name] = state
            return state
        }
    }

    /// Applies a task's add_host or group_by for `host`; returns whether the inventory changed.
    func changeInventory(_ change: InventoryChange, for host: String) -> Bool {
        lock.withLock { currentInventory.apply(change, host: host) }
    }

    /// --start-at-task: false for the tasks before the named one, true from it on.
    func reachesStart(_ task: PlaybookTask) -> Bool {
        lock.withLock {
            if !startReached {
                guard task.name == options.startAtTask || task.displayName == options.startAtTask else { return false }
                startReached = true
            }
            return true
        }
    }

    /// Every host that took part, in the order first seen.
    public var hostStates: [HostState] { lock.withLock { Array(states.values) } }

    /// Runs every play; returns the recap's counts. Connections are closed at the end.
    @discardableResult
    public func run(_ playbook: Playbook) async -> RunSummary {
        let started = Date()
        for warning in playbook.warnings { reporter.record(.warning(warning.description)) }
        for play in playbook.plays {
            await run(play)
        }
        await pool.closeAll()
        let stats = hostStates.map { (host: $0.name, stats: $0.stats) }
        reporter.record(.recap(stats: stats, duration: Date().timeIntervalSince(started)))
        reporter.finish()
        return RunSummary(stats: stats, customStats: customStats.collected)
    }
}
