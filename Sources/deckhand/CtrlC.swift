import Deckhand
import Dispatch
import Foundation

/// Ctrl-C during a run that must clean up (deploy, rollback): the first one asks the run to stop at the next
/// task boundary, so the playbook's rescue/always sections still roll back and release the lock; a second one
/// quits at once (exit 130), leaving whatever is held for `deckhand lock`.
enum CtrlC {
    nonisolated(unsafe) private static var source: DispatchSourceSignal?

    /// Installs the handler for the rest of the process and returns the interruption the run watches.
    static func stopsRun(_ verb: String) -> RunInterruption {
        let interruption = RunInterruption()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let presses = Counter()
        source.setEventHandler {
            if presses.increment() == 1 {
                Terminal.error("""
                    interrupted: the \(verb) stops after the current task, then rolls back if it switched releases and \
                    releases the lock. Press Ctrl-C again to quit at once (the lock then stays; see `deckhand lock status`).
                    """)
                interruption.request("interrupted by Ctrl-C")
            } else {
                Terminal.error("quitting at once: the lock stays; release it with `deckhand lock release STAGE`")
                exit(130)
            }
        }
        source.resume()
        CtrlC.source = source
        return interruption
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() -> Int { lock.withLock { value += 1; return value } }
    }
}
