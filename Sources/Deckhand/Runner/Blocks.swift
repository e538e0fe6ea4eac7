import Foundation
import Jinja
import OrderedCollections

/// Walking task lists: tasks and blocks with rescue and always, and an interruption delivered between tasks.
extension PlaybookRunner {
    func runItems(_ items: [TaskItem], keywords: TaskKeywords, hosts: [HostState], context: PlayContext) async {
        for item in items {
            // Delivered before a task, never before a block: a block entered after the request (deploy.yml's,
            // right after the lock is taken) still gets its rescue/always run.
            if case .task = item, let reason = options.interruption?.take() {
                interrupt(context.batch.filter(\.isActive), reason: reason)
            }
            let active = hosts.filter(\.isActive)
            guard !active.isEmpty, !context.ended else { return }
            switch item {
            case .task(let task):
                await runTask(task, keywords: task.keywords.inheriting(from: keywords), hosts: active, context: context)
            case .block(let block):
                await runBlock(block, keywords: block.keywords.inheriting(from: keywords), hosts: active, context: context)
            }
        }
    }

    /// Fails `hosts` with `reason` as if their next task had failed, so enclosing rescue/always sections run.
    func interrupt(_ hosts: [HostState], reason: String) {
        fail(hosts.map { ($0, reason) }, at: TaskInfo(name: "interrupted", location: nil, hostCount: hosts.count))
    }

    func runBlock(_ block: Block, keywords outer: TaskKeywords, hosts: [HostState], context: PlayContext) async {
        var keywords = outer
        if let role = block.role { keywords.enclosingRoles.insert(EnclosingRole(name: role.name, path: role.path), at: 0) }
        await runItems(block.block, keywords: keywords, hosts: hosts, context: context)
        let failedInBlock = hosts.filter { $0.failed && !$0.unreachable }
        if !block.rescue.isEmpty, !failedInBlock.isEmpty {
            for host in failedInBlock {
                host.markFailed(false)
                if let failure = host.lastFailure {
                    host.setVariable("ansible_failed_task", .dict(["name": .string(failure.task)]))
                    host.setVariable("ansible_failed_result", .dict(failure.result))
                }
            }
            // As Ansible counts it: the block's failure is rescued even when the rescue fails in turn (that
            // failure is counted on its own).
            for host in failedInBlock {
                host.count { $0.rescued += 1; $0.failed -= 1 }
            }
            await runItems(block.rescue, keywords: keywords, hosts: failedInBlock, context: context)
        }
        if !block.always.isEmpty {
            let stillFailed = hosts.filter { $0.failed && !$0.unreachable }
            for host in stillFailed { host.markFailed(false) }
            await runItems(block.always, keywords: keywords, hosts: hosts.filter { !$0.unreachable }, context: context)
            for host in stillFailed { host.markFailed(true) }
        }
    }
}
