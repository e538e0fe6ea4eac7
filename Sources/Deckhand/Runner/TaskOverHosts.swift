import Foundation
import Jinja
import OrderedCollections

/// One task over a batch's hosts: tags, start-at-task, run_once, forks, failure policies.
extension PlaybookRunner {
    func runTask(_ task: PlaybookTask, keywords: TaskKeywords, hosts: [HostState], context: PlayContext,
                 isHandler: Bool = false, countsForStart: Bool = true) async {
        guard selectedByTags(keywords.tags) else { return }
        if countsForStart && !isHandler && !reachesStart(task) { return }
        switch task.action {
        case .meta(let action):
            await runMeta(action, task: task, keywords: keywords, hosts: hosts, context: context)
            return
        case .includeTasks(let include):
            guard let keywords = enterInclude(task, keywords: keywords, hosts: hosts) else { return }
            await runInclude(include, task: task, keywords: keywords, hosts: hosts, context: context)
            return
        case .includeRole(let include):
            guard let keywords = enterInclude(task, keywords: keywords, hosts: hosts) else { return }
            await runIncludeRole(include, task: task, keywords: keywords, hosts: hosts, context: context)
            return
        case .module, .unavailable:
            break
        }
        let execution = TaskExecution(runner: self, task: task, keywords: keywords, context: context)
        let noLog = (try? execution.flag(keywords.noLog, scope: nil)) ?? false
        let spec = task.moduleCall.flatMap { ModuleRegistry.spec(named: $0.name) }
        let info = TaskInfo(name: execution.title(on: hosts.first), location: task.location, isHandler: isHandler,
                            hostCount: hosts.count, noLog: noLog, showsResult: spec?.showsResult ?? false)
        await connectionCut?.taskStarting(info.name, hosts: hosts, runner: self)
        reporter.record(.taskStart(info))
        var runOn = hosts
        if case .literal(true)? = keywords.runOnce, let first = hosts.first { runOn = [first] }
        // As in Ansible: once for the first host, its result that host's alone (add_host).
        let bypassesHostLoop = spec?.bypassesHostLoop ?? false
        if bypassesHostLoop, let first = hosts.first { runOn = [first] }
        let reporter = self.reporter
        let results = await forEachHost(runOn) { host in
            let started = Date()
            var result = await execution.run(on: host)
            result.duration = Date().timeIntervalSince(started)
            reporter.record(.hostDone(info, host: host.name))
            return result
        }
        for result in results {
            if !info.noLog { for note in result.notes { reporter.record(.warning("\(result.host): \(note)")) } }
            reporter.record(.hostResult(info, result))
        }
        customStats.collect(results, runOnceHosts: runOn.count < hosts.count && !bypassesHostLoop ? hosts.map(\.name) : [])
        if runOn.count < hosts.count, !bypassesHostLoop, let first = results.first {
            // run_once: every host of the batch gets the result (register, facts), as Ansible does.
            for host in hosts.dropFirst() {
                for (name, value) in first.registered { host.setVariable(name, value) }
            }
        }
        applyFailurePolicies(results, keywords: keywords, context: context)
    }

    /// any_errors_fatal and max_fail_percentage: a failure may end the play for the whole batch.
    func applyFailurePolicies(_ results: [HostTaskResult], keywords: TaskKeywords, context: PlayContext) {
        let failedNow = results.filter { ($0.status == .failed && !$0.ignored) || $0.status == .unreachable }
        guard !failedNow.isEmpty else { return }
        var fatal = context.play.anyErrorsFatal
        if case .literal(let value)? = keywords.anyErrorsFatal { fatal = value }
        if let max = context.play.maxFailPercentage {
            let failed = context.batch.filter { $0.failed || $0.unreachable }.count
            if Double(failed) / Double(context.batch.count) * 100 > max { fatal = true }
        }
        if fatal {
            context.end()
            for host in context.batch where host.isActive { host.markEnded() }
            reporter.record(.notice("NO MORE HOSTS LEFT"))
        }
    }

    /// Runs `body` for each host, at most `forks` at once, results in host order.
    func forEachHost(_ hosts: [HostState], _ body: @escaping @Sendable (HostState) async -> HostTaskResult) async -> [HostTaskResult] {
        let forks = max(1, options.forks)
        return await withTaskGroup(of: (Int, HostTaskResult).self) { group in
            var results = [HostTaskResult?](repeating: nil, count: hosts.count)
            var next = 0
            while next < min(forks, hosts.count) {
                let index = next, host = hosts[index]
                group.addTask { (index, await body(host)) }
                next += 1
            }
            while let (index, result) = await group.next() {
                results[index] = result
                if next < hosts.count {
                    let index = next, host = hosts[index]
                    group.addTask { (index, await body(host)) }
                    next += 1
                }
            }
            return results.compactMap { $0 }
        }
    }

    /// --tags / --skip-tags with Ansible's `always` and `never`.
    func selectedByTags(_ tags: [String]) -> Bool {
        let tagSet = Set(tags)
        if !options.skipTags.isEmpty {
            if !tagSet.isDisjoint(with: options.skipTags) { return false }
        }
        if tagSet.contains("always") { return true }
        if options.tags.isEmpty || options.tags.contains("all") {
            return !tagSet.contains("never")
        }
        if options.tags.contains("tagged") && !tagSet.isEmpty { return true }
        if options.tags.contains("untagged") && tagSet.isEmpty { return true }
        return !tagSet.isDisjoint(with: options.tags)
    }
}
