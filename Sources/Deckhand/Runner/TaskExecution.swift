import Foundation
import Jinja
import OrderedCollections

/// One task on one host: variables (TaskScope), loop (TaskLoop), conditions and retries (TaskAttempts), the
/// module's probe/plan/change (ModuleExecution, ConnectionTarget), and the result (TaskFinish).
struct TaskExecution: Sendable {
    let runner: PlaybookRunner
    let task: PlaybookTask
    let keywords: TaskKeywords
    let context: PlayContext
    /// Computed once per task and shared by its hosts.
    let shared = TaskShared()

    var templating: Templating { runner.templating }
    var options: RunOptions { runner.options }

    func run(on host: HostState) async -> HostTaskResult {
        let base = scope(for: host)
        let record = TaskRecord(isLoop: task.loop != nil, projections: task.registerProjections)
        var outcome: HostTaskResult
        do {
            if task.loop == nil {
                outcome = try await runItem(on: host, scope: base, record: record)
            } else {
                outcome = try await runLoop(on: host, scope: base, record: record)
            }
        } catch let error as ConnectionError {
            outcome = HostTaskResult(host: host.name, status: .unreachable,
                                     result: ["unreachable": .bool(true), "changed": .bool(false),
                                              "msg": .string(error.message + " (during task '\(title(on: host))')")])
        } catch {
            outcome = HostTaskResult(host: host.name, status: .failed,
                                     result: ["failed": .bool(true), "msg": .string(describe(error)), "changed": .bool(false)])
        }
        outcome.location = task.location
        register(&outcome, record: record, scope: base)
        return finish(outcome, on: host, scope: base)
    }

    func describe(_ error: Error) -> String {
        if let error = error as? ModuleArgumentError { return error.message }
        if let error = error as? TemplateError {
            if error.kind == .undefined {
                return "template error: \(error.description) (define it in vars, inventory or -e, or use `| default(...)`)"
            }
            return "template error: \(error.description)"
        }
        if let error = error as? LoopError { return "\(error.location): \(error.message)" }
        if let error = error as? ValidationErrors {
            // The task's own location is already on the failure's `task:` line.
            return error.errors.map { $0.location == task.location ? $0.message : $0.description }.joined(separator: "\n")
        }
        return "\(error)"
    }
}

/// What every host of one task shares: `hostvars`, built on first use.
final class TaskShared: @unchecked Sendable {
    private let lock = NSLock()
    private var cachedHostvars: Value?

    func hostvars(_ runner: PlaybookRunner) -> Value {
        lock.withLock {
            if let cachedHostvars { return cachedHostvars }
            let value = runner.hostvars()
            cachedHostvars = value
            return value
        }
    }
}
