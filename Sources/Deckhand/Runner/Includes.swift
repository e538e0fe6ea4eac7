import Foundation
import Jinja
import OrderedCollections

/// include_tasks and include_role: loaded when reached, run on the hosts whose `when` holds.
extension PlaybookRunner {
    func runIncludeRole(_ include: IncludeRole, task: PlaybookTask, keywords: TaskKeywords, hosts: [HostState],
                        context: PlayContext) async {
        let execution = TaskExecution(runner: self, task: task, keywords: keywords, context: context)
        let targets = hosts.filter { execution.conditionHolds(on: $0) }
        reportIncludeRow(execution, hosts: hosts, included: targets)
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
        // As ansible-playbook counts them: one ok per file (and loop item) a host includes.
        reportIncludeRow(execution, hosts: hosts, included: groups.flatMap(\.hosts), failures: failures)
        for group in groups {
            // The loop variable's name may be a template: each item's vars name it.
            let loopVar = group.vars["ansible_loop_var"]?.displayText
            let item = loopVar.flatMap { group.vars[$0] }.map { " => (item=\($0.displayText))" } ?? ""
            let file = options.loader.includedFile(include, file: group.path, role: task.role,
                                                   playbookDirectory: context.play.playbookDirectory) ?? group.path
            reporter.record(.notice("included: \(file) for \(group.hosts.map(\.name).joined(separator: ", "))\(item)"))
        }
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
            // The include's vars were rendered (and its loop items taken) on the host: data from here on.
            for (key, value) in group.vars {
                includeKeywords.vars[key] = value
                includeKeywords.dataVars.insert(key)
            }
            await runItems(items, keywords: includeKeywords, hosts: group.hosts, context: context)
        }
    }

    /// The include's own row, as ansible-playbook prints and counts it: its TASK banner, `skipping` for the
    /// hosts whose `when` is false, the failures; a host counts one ok each time it is in `included`.
    private func reportIncludeRow(_ execution: TaskExecution, hosts: [HostState], included: [HostState],
                                  failures: [(host: HostState, message: String)] = []) {
        guard !hosts.isEmpty else { return }
        let info = TaskInfo(name: execution.title(on: hosts.first), location: execution.task.location,
                            hostCount: hosts.count)
        reporter.record(.taskStart(info))
        for host in hosts {
            if let failure = failures.first(where: { $0.host === host }) {
                var result = HostTaskResult(host: host.name, status: .failed,
                                            result: ["failed": .bool(true), "msg": .string(failure.message),
                                                     "changed": .bool(false)])
                result.location = execution.task.location
                reporter.record(.hostResult(info, result))
                host.recordFailedTask(info.name, result: result.result)
            } else if case let inclusions = included.filter({ $0 === host }).count, inclusions > 0 {
                host.count { $0.ok += inclusions }
            } else {
                host.count { $0.skipped += 1 }
                reporter.record(.hostResult(info, HostTaskResult(
                    host: host.name, status: .skipped,
                    result: ["changed": .bool(false), "skipped": .bool(true),
                             "skip_reason": .string("Conditional result was False")])))
            }
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
        for itemVars in try loopScopes(base) {
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

extension PlaybookRunner {
    /// The keywords an include runs its tasks with, its own place added to the chain of includes; nil when the
    /// chain has run away (an include that includes itself without end), after failing `hosts` with the chain.
    func enterInclude(_ task: PlaybookTask, keywords: TaskKeywords, hosts: [HostState]) -> TaskKeywords? {
        var keywords = keywords
        keywords.includeChain = keywords.includeChain.adding(task.location)
        guard let runaway = keywords.includeChain.runawayMessage else { return keywords }
        fail(hosts.map { ($0, runaway) }, at: TaskInfo(name: task.displayName, location: task.location, hostCount: hosts.count))
        return nil
    }
}
