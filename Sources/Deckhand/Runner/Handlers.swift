import Foundation
import Jinja
import OrderedCollections

/// Handlers: run when notified, at a flush, on the hosts that notified them.
extension PlaybookRunner {
    func flushHandlers(context: PlayContext) async {
        let handlers = context.play.allHandlers + context.includedHandlers
        guard !handlers.isEmpty else { return }
        // Handlers may notify handlers; a few rounds settle any chain.
        for _ in 0..<5 {
            var pending: [(HostState, [String])] = []
            for host in context.batch {
                let eligible = host.isActive || (options.forceHandlers && host.failed && !host.unreachable && !context.ended)
                let names = host.takeNotified()
                if eligible && !names.isEmpty { pending.append((host, names)) }
            }
            guard !pending.isEmpty else { return }
            for handler in handlers {
                let reach = Set(handler.notificationNames)
                let targets = pending.filter { !reach.isDisjoint(with: $0.1) }.map(\.0)
                guard !targets.isEmpty else { continue }
                let wasFailed = targets.filter(\.failed)
                for host in wasFailed { host.markFailed(false) }
                await runTask(handler.task, keywords: handler.task.keywords.inheriting(from: context.play.keywords),
                              hosts: targets, context: context, isHandler: true)
                for host in wasFailed { host.markFailed(true) }
            }
        }
    }
}
