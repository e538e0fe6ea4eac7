import Foundation
import Jinja

/// A file an editing module was about to replace had changed since its probe (another run edited it).
struct FileChangedMeanwhile: Error {
    var write: FileWriteError
}

extension TaskExecution {
    /// How many times a task reads and plans again when the file it edits keeps changing under it.
    static let concurrentEditAttempts = 10

    /// `runModule`, probed and planned again when its compare-and-swap write found the file changed, so two
    /// runs editing one file each keep the other's edits.
    func runModuleRereadingChangedFiles(_ call: ModuleCall, on host: HostState, scope: TemplatedScope) async throws -> HostTaskResult {
        var attempt = 1
        while true {
            do {
                return try await runModule(call, on: host, scope: scope)
            } catch let changed as FileChangedMeanwhile {
                guard attempt < TaskExecution.concurrentEditAttempts else {
                    return HostTaskResult(host: host.name, status: .failed, result: [
                        "failed": .bool(true), "changed": .bool(false),
                        "msg": .string("\(changed.write.path) changed each time deckhand was about to write it "
                                       + "(\(attempt) tries): something else keeps editing it. Stop that, then run again."),
                    ])
                }
                attempt += 1
                // A random pause growing with each collision (at most 1.6 s), so runs that collided fall out of step.
                let ceiling = UInt64(50_000_000) << UInt64(min(attempt - 1, 5))
                try await _Concurrency.Task.sleep(nanoseconds: UInt64.random(in: 1_000_000...ceiling))
            }
        }
    }
}
