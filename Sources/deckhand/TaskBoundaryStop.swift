import Deckhand
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A switch for the connection-fault tests: with DECKHAND_TEST_STOP_AT_TASK=k in the environment, deckhand
/// stops itself (SIGSTOP) right after announcing task k, before the task touches any host, so the test can
/// kill the sshd serving the run at exactly that boundary and then let it go on (SIGCONT).
struct TaskBoundaryStop: RunReporter {
    let inner: RunReporter
    let stopAt: Int
    private let started = StartedTasks()

    /// `reporter` itself unless the switch is set.
    static func wrapping(_ reporter: RunReporter) -> RunReporter {
        guard let text = ProcessInfo.processInfo.environment["DECKHAND_TEST_STOP_AT_TASK"], let k = Int(text), k > 0
        else { return reporter }
        return TaskBoundaryStop(inner: reporter, stopAt: k)
    }

    func record(_ event: RunEvent) {
        inner.record(event)
        if case .taskStart = event, started.next() == stopAt {
            raise(SIGSTOP)
        }
    }

    func finish() { inner.finish() }
}

/// How many tasks have started, counted across the threads that report.
private final class StartedTasks: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func next() -> Int { lock.withLock { count += 1; return count } }
}
