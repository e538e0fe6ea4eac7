import Foundation
import Jinja

extension TaskExecution {
    /// The longest `timeout:` Ansible takes (its alarm's limit); a negative or longer one fails the task.
    static let longestTimeout = 100_000_000

    /// `runModule` under the task's `timeout:` (Ansible's: per attempt, and a task that runs longer fails with
    /// Ansible's message). The module's work is cancelled: a remote command's channel is closed.
    func runModuleWithinTimeout(_ call: ModuleCall, on host: HostState, scope: TemplatedScope) async throws -> HostTaskResult {
        let seconds = try intValue(keywords.timeout, scope: scope, default: 0)
        guard (0...Self.longestTimeout).contains(seconds) else {
            return HostTaskResult(host: host.name, status: .failed, result: [
                "failed": .bool(true), "changed": .bool(false),
                "msg": .string("Task failed: Timeout \(seconds) is invalid, it must be between 0 and \(Self.longestTimeout)."),
            ])
        }
        guard seconds > 0 else { return try await runModuleRereadingChangedFiles(call, on: host, scope: scope) }
        return try await withThrowingTaskGroup(of: HostTaskResult?.self) { group in
            group.addTask { try await runModuleRereadingChangedFiles(call, on: host, scope: scope) }
            group.addTask {
                try await _Concurrency.Task.sleep(nanoseconds: UInt64(seconds) * 1_000_000_000)
                return nil
            }
            defer { group.cancelAll() }
            if let finished = try await group.next(), let outcome = finished {
                return outcome
            }
            // Ansible 2.19+'s result: `timedout.period` (what the `timedout` test reads) beside the message.
            return HostTaskResult(host: host.name, status: .failed, result: [
                "failed": .bool(true), "changed": .bool(false),
                "msg": .string("Task failed: Timed out after \(seconds) second(s)."),
                "timedout": .dict(["period": .int(seconds)]),
            ])
        }
    }
}
