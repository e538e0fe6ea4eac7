import Foundation
import Jinja
import OrderedCollections

extension PlaybookRunner {
    /// Fails each host with its message at a task that ran no module (an include that cannot be loaded, an
    /// interruption), as a module's failure would: a failed result under the task's banner (text and JSON),
    /// counted, and remembered for a rescue's ansible_failed_task and ansible_failed_result.
    func fail(_ failures: [(host: HostState, message: String)], at task: TaskInfo) {
        guard !failures.isEmpty else { return }
        reporter.record(.taskStart(task))
        for (host, message) in failures {
            var result = HostTaskResult(host: host.name, status: .failed,
                                        result: ["failed": .bool(true), "msg": .string(message), "changed": .bool(false)])
            result.location = task.location
            reporter.record(.hostResult(task, result))
            host.recordFailedTask(task.name, result: result.result)
        }
    }
}
