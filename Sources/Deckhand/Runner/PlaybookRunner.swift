import Foundation
import Jinja
import OrderedCollections

/// Runs a playbook's plays over the inventory's hosts: batches, strategies, blocks, handlers, the recap.
public final class PlaybookRunner: @unchecked Sendable {
    /// The inventory as it stands now: add_host and group_by change it during the run.
    public var inventory: Inventory { lock.withLock { currentInventory } }
    public let options: RunOptions
    let pool: ConnectionPool
    let reporter: RunReporter
    let templating: Templating
    private let lock = NSLock()
    private var states: OrderedDictionary<String, HostState> = [:]
    private var startReached: Bool
    private var currentInventory: Inventory

    public init(inventory: Inventory, options: RunOptions, pool: ConnectionPool, reporter: RunReporter,
                templating: Templating = Templating()) {
        self.currentInventory = inventory
        self.options = options
        self.pool = pool
        self.reporter = reporter
        self.templating = templating
        self.startReached = options.startAtTask == nil
    }

    /// The state of `name`, created on first use (hosts keep facts and failures across plays).
    func state(of name: String) -> HostState {
        lock.withLock {
            if let state = states[name] { return state }
            let state = HostState(name: name)
            states[name] = state
            return state
        }
    }

    /// Applies a task's add_host or group_by for `host`; returns whether the inventory changed.
    func changeInventory(_ change: InventoryChange, for host: String) -> Bool {
        lock.withLock { currentInventory.apply(change, host: host) }
    }

    /// Every host that took part, in the order first seen.
    public var hostStates: [HostState] { lock.withLock { Array(states.values) } }

    /// Runs every play; returns the recap's counts. Connections are closed at the end.
    @discardableResult
    public func run(_ playbook: Playbook) async -> RunSummary {
        let started = Date()
        for play in playbook.plays {
            await run(play)
        }
        await pool.closeAll()
        let stats = hostStates.map { (host: $0.name, stats: $0.stats) }
        reporter.record(.recap(stats: stats, duration: Date().timeIntervalSince(started)))
        reporter.finish()
        return RunSummary(stats: stats)
    }

    func run(_ play: Play) async {
        let names: [String]
        do {
            names = try inventory.hostNames(matching: HostPattern(play.hosts), limit: options.limit)
        } catch {
            reporter.record(.warning("\(play.location): \(error)"))
            return
        }
        let hosts = names.map(state(of:)).filter { !$0.failed && !$0.unreachable }
        for host in hosts { host.markEnded(false) }
        reporter.record(.playStart(name: play.displayName, hosts: hosts.map(\.name), checkMode: options.checkMode))
        guard !hosts.isEmpty else {
            reporter.record(.notice("skipping: no hosts matched"))
            return
        }
        let playVars: OrderedDictionary<String, Value>
        do {
            playVars = try loadPlayVars(play)
        } catch {
            // As in Ansible, the play does not run without its vars files: every host fails it.
            let problem = error as? VarsFileError ?? VarsFileError(message: "\(error)", location: play.location)
            fail(hosts, on: "vars_files", at: problem.location, message: problem.message)
            return
        }
        for batch in batches(of: hosts, serial: play.serial) {
            let context = PlayContext(play: play, playVars: playVars, batch: batch, allPlayHosts: hosts.map(\.name))
            await run(play, context: context)
            // end_play and any_errors_fatal end the whole play, not only this batch.
            if context.ended { break }
        }
    }

    /// Play vars then vars_files (first existing candidate of each entry), read once per play; an entry none
    /// of whose candidates exists, or that cannot be read, fails the play (`VarsFileError`).
    private func loadPlayVars(_ play: Play) throws -> OrderedDictionary<String, Value> {
        var vars = play.vars
        for file in play.varsFiles {
            // Names may be templates of play and extra vars (`vars/{{ stage }}.yml`), as in Ansible.
            var layers = VariableLayers()
            layers.set(.playVars, vars)
            layers.set(.extraVars, options.extraVars, data: options.literalExtraVars)
            let scope = TemplatedScope(layers: layers, magic: ["playbook_dir": .string(play.playbookDirectory)],
                                       renderer: templating.renderer)
            var found = false
            for template in file.candidates where !found {
                let candidate: String
                do {
                    candidate = try templating.renderText(template, scope)
                } catch {
                    throw VarsFileError(message: "vars_files entry \(template): \(error)", location: file.location)
                }
                let path = candidate.hasPrefix("/") ? candidate : (play.playbookDirectory as NSString).appendingPathComponent(candidate)
                guard FileManager.default.fileExists(atPath: path) else { continue }
                do {
                    for (key, value) in try VariablesFile.read(path: path) { vars[key] = value }
                } catch {
                    throw VarsFileError(message: "could not read the vars file \(path): \(error)", location: file.location)
                }
                found = true
            }
            if !found {
                throw VarsFileError(message: "vars file \(file.candidates.joined(separator: " or ")) was not found beside "
                                    + "the playbook (\(play.playbookDirectory)); create it, or remove it from vars_files",
                                    location: file.location)
            }
        }
        return vars
    }

    private func batches(of hosts: [HostState], serial: [SerialStep]) -> [[HostState]] {
        guard !serial.isEmpty else { return [hosts] }
        var batches: [[HostState]] = []
        var index = 0, step = 0
        while index < hosts.count {
            let size = serial[min(step, serial.count - 1)].size(of: hosts.count)
            batches.append(Array(hosts[index..<min(hosts.count, index + size)]))
            index += size
            step += 1
        }
        return batches
    }

    private func run(_ play: Play, context: PlayContext) async {
        let keywords = play.keywords
        if play.gatherFacts {
            let setup = PlaybookTask(name: "Gathering Facts", action: .module(ModuleCall(
                name: "setup", originalName: "setup", arguments: .dict([:]), location: play.location)),
                location: play.location)
            var gatherKeywords = keywords
            gatherKeywords.tags = ["always"]
            gatherKeywords.when = []
            await runTask(setup, keywords: gatherKeywords, hosts: context.batch, context: context, countsForStart: false)
        }
        let sections: [[TaskItem]] = [play.preTasks, play.roleTasks + play.tasks, play.postTasks]
        for section in sections {
            if play.strategy == .free {
                await withTaskGroup(of: Void.self) { group in
                    for host in context.batch where host.isActive {
                        group.addTask { await self.runItems(section, keywords: keywords, hosts: [host], context: context) }
                    }
                }
            } else {
                await runItems(section, keywords: keywords, hosts: context.batch, context: context)
            }
            await flushHandlers(context: context)
            if context.batch.allSatisfy({ !$0.isActive }) { break }
        }
    }

    // MARK: Walking task lists

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
    private func interrupt(_ hosts: [HostState], reason: String) {
        let info = TaskInfo(name: "interrupted", location: nil, hostCount: hosts.count)
        for host in hosts {
            let result = HostTaskResult(host: host.name, status: .failed,
                                        result: ["failed": .bool(true), "msg": .string(reason)])
            reporter.record(.hostResult(info, result))
            host.recordFailure(task: "interrupted", result: result.result)
            host.markFailed()
            host.count { $0.failed += 1 }
        }
    }

    private func runBlock(_ block: Block, keywords: TaskKeywords, hosts: [HostState], context: PlayContext) async {
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

    // MARK: Handlers

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

    // MARK: One task over hosts

    func runTask(_ task: PlaybookTask, keywords: TaskKeywords, hosts: [HostState], context: PlayContext,
                 isHandler: Bool = false, countsForStart: Bool = true) async {
        guard selectedByTags(keywords.tags) else { return }
        if countsForStart && !isHandler && !lock.withLock({ startReached }) {
            guard task.name == options.startAtTask || task.displayName == options.startAtTask else { return }
            lock.withLock { startReached = true }
        }
        switch task.action {
        case .meta(let action):
            await runMeta(action, task: task, keywords: keywords, hosts: hosts, context: context)
            return
        case .includeTasks(let include):
            var keywords = keywords
            keywords.includeChain = keywords.includeChain.adding(task.location)
            if let runaway = keywords.includeChain.runawayMessage {
                return fail(hosts, on: task.displayName, at: task.location, message: runaway)
            }
            await runInclude(include, task: task, keywords: keywords, hosts: hosts, context: context)
            return
        case .includeRole(let include):
            var keywords = keywords
            keywords.includeChain = keywords.includeChain.adding(task.location)
            if let runaway = keywords.includeChain.runawayMessage {
                return fail(hosts, on: task.displayName, at: task.location, message: runaway)
            }
            await runIncludeRole(include, task: task, keywords: keywords, hosts: hosts, context: context)
            return
        case .module:
            break
        }
        let execution = TaskExecution(runner: self, task: task, keywords: keywords, context: context)
        let noLog = (try? execution.flag(keywords.noLog, scope: nil)) ?? false
        let info = TaskInfo(name: execution.title(on: hosts.first), location: task.location, isHandler: isHandler,
                            hostCount: hosts.count, noLog: noLog, module: task.moduleCall?.name)
        reporter.record(.taskStart(info))
        var runOn = hosts
        if case .literal(true)? = keywords.runOnce, let first = hosts.first { runOn = [first] }
        // add_host bypasses the host loop, as in Ansible: once for the first host, its result that host's alone.
        let bypassesHostLoop = task.moduleCall?.name == "add_host"
        if bypassesHostLoop, let first = hosts.first { runOn = [first] }
        let reporter = self.reporter
        let results = await forEachHost(runOn) { host in
            let result = await execution.run(on: host)
            reporter.record(.hostDone(info, host: host.name))
            return result
        }
        for result in results {
            reporter.record(.hostResult(info, result))
        }
        if runOn.count < hosts.count, !bypassesHostLoop, let first = results.first {
            // run_once: every host of the batch gets the result (register, facts), as Ansible does.
            for host in hosts.dropFirst() {
                if let register = task.register { host.setVariable(register, .dict(first.result)) }
            }
        }
        applyFailurePolicies(results, keywords: keywords, context: context)
    }

    /// any_errors_fatal and max_fail_percentage: a failure may end the play for the whole batch.
    private func applyFailurePolicies(_ results: [HostTaskResult], keywords: TaskKeywords, context: PlayContext) {
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

    // MARK: meta and include_tasks

    private func runMeta(_ action: MetaAction, task: PlaybookTask, keywords: TaskKeywords, hosts: [HostState],
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
    /// whose `when` holds; its handlers join the play's from then on.
    private func runIncludeRole(_ include: IncludeRole, task: PlaybookTask, keywords: TaskKeywords, hosts: [HostState],
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
            reporter.record(.warning("\(task.location): include_role: \(error)"))
            for host in targets { host.markFailed(); host.count { $0.failed += 1 } }
        }
    }

    private func runInclude(_ include: IncludeTasks, task: PlaybookTask, keywords: TaskKeywords, hosts: [HostState],
                            context: PlayContext) async {
        let execution = TaskExecution(runner: self, task: task, keywords: keywords, context: context)
        // Hosts that resolve to the same file and loop item run the included tasks together.
        var groups: [(path: String, vars: OrderedDictionary<String, Value>, hosts: [HostState])] = []
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
                let info = TaskInfo(name: task.displayName, location: task.location, hostCount: 1)
                var result = HostTaskResult(host: host.name, status: .failed, result: ["failed": .bool(true),
                    "msg": .string("include_tasks: \(error)")])
                result.location = task.location
                reporter.record(.hostResult(info, result))
                host.recordFailure(task: task.displayName, result: result.result)
                host.markFailed()
                host.count { $0.failed += 1 }
            }
        }
        for group in groups {
            let items: [TaskItem]
            do {
                items = try options.loader.loadIncludedTasks(include, file: group.path, role: task.role,
                                                             playbookDirectory: context.play.playbookDirectory,
                                                             location: task.location)
            } catch {
                reporter.record(.warning("\(task.location): could not load \(group.path): \(error)"))
                for host in group.hosts { host.markFailed(); host.count { $0.failed += 1 } }
                continue
            }
            var includeKeywords = include.apply.inheriting(from: keywords)
            includeKeywords.when = []
            // The include's vars were rendered (and its loop items taken) on the host: data from here on.
            for (key, value) in group.vars {
                includeKeywords.vars[key] = value
                includeKeywords.dataVars.insert(key)
            }
            reporter.record(.notice("included: \(group.path) for \(group.hosts.map(\.name).joined(separator: ", "))"))
            await runItems(items, keywords: includeKeywords, hosts: group.hosts, context: context)
        }
    }
}

/// What one batch of one play shares while it runs.
final class PlayContext: @unchecked Sendable {
    let play: Play
    let playVars: OrderedDictionary<String, Value>
    let batch: [HostState]
    let allPlayHosts: [String]
    private let lock = NSLock()
    private var _ended = false

    init(play: Play, playVars: OrderedDictionary<String, Value>, batch: [HostState], allPlayHosts: [String]) {
        self.play = play
        self.playVars = playVars
        self.batch = batch
        self.allPlayHosts = allPlayHosts
    }

    private var _includedHandlers: [Handler] = []

    var ended: Bool { lock.withLock { _ended } }
    func end() { lock.withLock { _ended = true } }

    /// Handlers of roles pulled in by include_role, after the play's own (each once).
    var includedHandlers: [Handler] { lock.withLock { _includedHandlers } }
    func addHandlers(_ handlers: [Handler]) {
        lock.withLock { for handler in handlers where !_includedHandlers.contains(handler) { _includedHandlers.append(handler) } }
    }
}

/// The recap's counts and the exit status they mean.
public struct RunSummary: Sendable {
    public var stats: [(host: String, stats: HostStats)]

    /// ansible-playbook's: 0 all fine, 2 a host failed, 4 a host was unreachable.
    public var exitCode: Int32 {
        if stats.contains(where: { $0.stats.failed > 0 }) { return 2 }
        if stats.contains(where: { $0.stats.unreachable > 0 }) { return 4 }
        return 0
    }

    public func stats(of host: String) -> HostStats? {
        stats.first { $0.host == host }?.stats
    }
}
