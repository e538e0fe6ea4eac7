import Foundation
import Jinja
import OrderedCollections

/// What one batch of one play shares while it runs.
final class PlayContext: @unchecked Sendable {
    let play: Play
    let playVars: OrderedDictionary<String, Value>
    let batch: [HostState]
    let allPlayHosts: [String]
    /// The defaults and vars of every role of the play's `roles:`, which Ansible shows to every task of the
    /// play below the running role's own.
    let roleDefaults: OrderedDictionary<String, Value>
    let roleVars: OrderedDictionary<String, Value>
    /// role_names, ansible_play_role_names, ansible_role_names and ansible_dependent_role_names.
    let roleNameVariables: OrderedDictionary<String, Value>
    private let lock = NSLock()
    private var _ended = false

    init(play: Play, playVars: OrderedDictionary<String, Value>, batch: [HostState], allPlayHosts: [String]) {
        self.play = play
        self.playVars = playVars
        self.batch = batch
        self.allPlayHosts = allPlayHosts
        roleDefaults = play.roleDefaults
        roleVars = play.roleVars
        roleNameVariables = play.roleNameVariables
    }

    private var _includedHandlers: [Handler] = []

    var ended: Bool { lock.withLock { _ended } }
    func end() { lock.withLock { _ended = true } }

    /// Handlers of roles pulled in by include_role, after the play's own (each once).
    var includedHandlers: [Handler] { lock.withLock { _includedHandlers } }
    func addHandlers(_ handlers: [Handler]) {
        lock.withLock { for handler in handlers where !_includedHandlers.contains(handler) { _includedHandlers.append(handler) } }
    }
}
