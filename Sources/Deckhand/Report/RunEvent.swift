import Foundation
import Jinja
import OrderedCollections

/// What happens during a run, in order; the human and JSON reports both read these.
public enum RunEvent: Sendable {
    case playStart(name: String, hosts: [String], checkMode: Bool)
    case taskStart(TaskInfo)
    case hostResult(TaskInfo, HostTaskResult)
    /// A host finished the running task (its result follows with the others, in host order).
    case hostDone(TaskInfo, host: String)
    /// A line for the user that is not a host result (no hosts matched, a skipped include).
    case notice(String)
    case warning(String)
    case recap(stats: [(host: String, stats: HostStats)], duration: TimeInterval)
}

/// The task a result belongs to, as the report names and locates it.
public struct TaskInfo: Sendable {
    public var name: String
    public var location: SourceLocation?
    public var isHandler: Bool
    /// How many hosts run it (for the progress line).
    public var hostCount: Int
    public var noLog: Bool
    /// Its results are printed at every verbosity (debug's, as its spec declares).
    public var showsResult: Bool

    public init(name: String, location: SourceLocation?, isHandler: Bool = false, hostCount: Int, noLog: Bool = false,
                showsResult: Bool = false) {
        self.name = name
        self.showsResult = showsResult
        self.location = location
        self.isHandler = isHandler
        self.hostCount = hostCount
        self.noLog = noLog
    }
}

/// Receives the run's events; called from many tasks at once, so implementations serialise their output.
public protocol RunReporter: Sendable {
    func record(_ event: RunEvent)
    /// Waits until everything recorded is written.
    func finish()
}

/// Discards everything (tests that only look at hosts).
public struct SilentReporter: RunReporter {
    public init() {}
    public func record(_ event: RunEvent) {}
    public func finish() {}
}

/// Keeps every event in memory (tests that look at what the user would see).
public final class RecordingReporter: RunReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var _events: [RunEvent] = []

    public init() {}
    public func record(_ event: RunEvent) { lock.withLock { _events.append(event) } }
    public func finish() {}
    public var events: [RunEvent] { lock.withLock { _events } }
}
