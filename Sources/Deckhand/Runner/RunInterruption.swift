import Foundation

/// A request to stop a run early (Ctrl-C): at the next task boundary every active host fails with the reason,
/// once, so the blocks' `rescue:` and `always:` sections still run (a deploy rolls back and releases its lock).
/// The task running when the request comes finishes first: its remote command is not cut off half-way.
public final class RunInterruption: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: String?
    private var delivered = false

    public init() {}

    /// Asks the run to stop; only the first request counts.
    public func request(_ reason: String) {
        lock.withLock { if !delivered && pending == nil { pending = reason } }
    }

    /// Whether a request came (delivered or not).
    public var wasRequested: Bool { lock.withLock { delivered || pending != nil } }

    /// The reason, once: the runner turns it into failures, after which the run goes on normally.
    func take() -> String? {
        lock.withLock {
            guard let reason = pending else { return nil }
            pending = nil
            delivered = true
            return reason
        }
    }
}
