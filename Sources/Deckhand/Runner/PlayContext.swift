import Foundation
import Jinja
import OrderedCollections

/// What one batch of one play shares while it runs.
final class PlayContext: @unchecked Sendable {
    let play: Play
    let playVars: OrderedDictionary<String, Value>
    let batch: [HostState]
    let allPlayHosts: [String]
    private let lock = NSLock()
    private var _ended = false

    init(play: Play, playVars: OrderedDictionary<String, Value>, batch: [HostState], allPlayHosts: [String]) {
        self.play = play
        self.playVars = playVars
        self.batch = batch
        self.allPlayHosts = allPlayHosts
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
