import Foundation
import Jinja
import OrderedCollections

/// `meta:` actions.
extension PlaybookRunner {
    func runMeta(_ action: MetaAction, task: PlaybookTask, keywords: TaskKeywords, hosts: [HostState],
                         context: PlayContext) async {
        switch action {
        case .flushHandlers:
            await flushHandlers(context: context)
        case .endPlay:
            let execution = TaskExecution(runner: self, task: task, keywords: keywords, context: context)
            if hosts.contains(where: { execution.conditionHolds(on: $0) }) {
                context.end()
                for host in context.batch { host.markEnded() }
            }
        case .endHost:
            let execution = TaskExecution(runner: self, task: task, keywords: keywords, context: context)
            for host in hosts where execution.conditionHolds(on: host) { host.markEnded() }
        case .clearHostErrors:
            for host in context.batch where !host.unreachable { host.markFailed(false) }
        default:
            break
        }
    }

    /// include_role: the role is loaded when reached (its name may be a template) and run on the hosts
}
