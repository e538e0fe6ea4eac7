import Foundation
import Jinja
import OrderedCollections

/// include_tasks and include_role: loaded when reached, run on the hosts whose `when` holds.
extension PlaybookRunner {
    func runIncludeRole(_ include: IncludeRole, task: PlaybookTask, keywords: TaskKeywords, hosts: [HostState],
                        context: PlayContext) async {
        let execution = TaskExecution(runner: self, task: task, keywords: keywords, context: context)
        let targets = hosts.filter { execution.conditionHolds(on: $0) }
        guard let first = targets.first else { return }
        do {
            let scope = execution.scope(for: first)
            let name = try templating.renderText(include.name, scope)
            var params = OrderedDictionary<String, Value>()
            for (key, value) in keywords.vars { params[key] = try templating.renderDeep(value, scope) }
            let reference = try options.loader.loadIncludedRole(include, name: name, params: params,
                                                                playbookDirectory: context.play.playbookDirectory,
                                                                location: task.location)
            context.addHandlers(reference.expandedHandlers())
            var seen = Set<RoleRun>()
            var roleKeywords = keywords
            roleKeywords.when = []
            let blocks = reference.expandedBlocks(alreadyRun: &seen).map { TaskItem.block($0) }
            await runItems(blocks, keywords: roleKeywords, hosts: targets, context: context)
        } catch {
            let message = "include_role: " + execution.describe(error)
            fail(targets.map { ($0, message) }, at: includeInfo(task, hostCount: targets.count))
        }
    }

    func runInclude(_ include: IncludeTasks, task: PlaybookTask, keywords: TaskKeywords, hosts: [HostState],
                    context: PlayContext) async {
        let execution = TaskExecution(runner: self, task: task, keywords: keywords, context: context)
        // Hosts that resolve to the same file and loop item run the included tasks together.
        var groups: [(path: String, vars: OrderedDictionary<String, Value>, hosts: [HostState])] = []
        var failures: [(HostState, String)] = []
        for host in hosts {
            do {
                for (path, vars) in try execution.includeTargets(include, on: host) {
                    if let index = groups.firstIndex(where: { $0.path == path && $0.vars == vars }) {
                        groups[index].hosts.append(host)
                    } else {
                        groups.append((path, vars, [host]))
                    }
                }
            } catch {
                failures.append((host, "include_tasks: " + execution.describe(error)))
            }
        }
        fail(failures, at: includeInfo(task, hostCount: hosts.count))
        for group in groups {
            let items: [TaskItem]
            do {
                items = try options.loader.loadIncludedTasks(include, file: group.path, role: task.role,
                                                             playbookDirectory: context.play.playbookDirectory,
                                                             location: task.location)
            } catch {
                let message = execution.describe(error)
                fail(group.hosts.map { ($0, message) }, at: includeInfo(task, hostCount: group.hosts.count))
                continue
            }
            var includeKeywords = include.apply.inheriting(from: keywords)
            includeKeywords.when = []
            for (key, value) in group.vars { includeKeywords.vars[key] = value }
            reporter.record(.notice("included: \(group.path) for \(group.hosts.map(\.name).joined(separator: ", "))"))
            await runItems(items, keywords: includeKeywords, hosts: group.hosts, context: context)
        }
    }

    private func includeInfo(_ task: PlaybookTask, hostCount: Int) -> TaskInfo {
        TaskInfo(name: task.displayName, location: task.location, hostCount: hostCount)
    }
}

extension TaskExecution {
    /// include_tasks: the file and vars per loop item on `host` (none when `when` is false).
    func includeTargets(_ include: IncludeTasks, on host: HostState) throws -> [(String, OrderedDictionary<String, Value>)] {
        let base = scope(for: host)
        var targets: [(String, OrderedDictionary<String, Value>)] = []
        for (itemVars, _) in try loopScopes(base) {
            let scope = itemVars.isEmpty ? base : base.adding(itemVars)
            guard try keywords.when.allSatisfy({ try templating.condition($0, scope) }) else { continue }
            let path = try templating.renderText(include.file, scope)
            var vars = itemVars
            for (key, value) in keywords.vars { vars[key] = try templating.renderDeep(value, scope) }
            targets.append((path, vars))
        }
        return targets
    }
}
