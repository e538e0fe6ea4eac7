import Foundation
import Jinja
import OrderedCollections
import SSH

/// One task on one host: variables, loop, conditions, the module's probe/plan/change, and the result.
struct TaskExecution: Sendable {
    let runner: PlaybookRunner
    let task: PlaybookTask
    let keywords: TaskKeywords
    let context: PlayContext
    /// Computed once per task and shared by its hosts.
    let shared = TaskShared()

    var templating: Templating { runner.templating }
    var options: RunOptions { runner.options }

    // MARK: Variables

    /// The variables the task sees on `host`, in Ansible's precedence, with the magic variables.
    func scope(for host: HostState) -> TemplatedScope {
        let facts = host.facts
        var factVars = OrderedDictionary<String, Value>()
        if !facts.isEmpty {
            for (key, value) in facts { factVars["ansible_" + key] = value }
            factVars["ansible_facts"] = .dict(facts)
        }
        let role = task.role
        var layers = VariableLayers()
        layers.set(.roleDefaults, role?.defaults ?? [:])
        layers.set(.inventory, runner.inventoryVariables(of: host.name))
        layers.set(.facts, factVars)
        layers.set(.playVars, context.playVars)
        layers.set(.varsPrompt, options.promptedVars)
        layers.set(.roleVars, role?.vars ?? [:])
        layers.set(.taskVars, keywords.vars)
        layers.set(.setFacts, host.hostVars)
        layers.set(.roleParams, role?.params ?? [:])
        layers.set(.extraVars, options.extraVars)
        let checkMode = (try? flag(keywords.checkMode, scope: nil)) ?? options.checkMode
        let active = context.batch.filter { !$0.failed && !$0.unreachable }.map(\.name)
        let play = MagicVariables.PlayState(allHosts: context.allPlayHosts, activeHosts: active,
                                            batch: context.batch.map(\.name),
                                            playbookDirectory: context.play.playbookDirectory,
                                            checkMode: checkMode, diffMode: options.diffMode)
        var magic = MagicVariables.values(host: host.name, inventory: runner.inventory, play: play, role: role,
                                          groups: runner.groupsVariable, hostvars: shared.hostvars(runner))
        magic["ansible_verbosity"] = .int(options.verbosity)
        magic["ansible_play_name"] = .string(context.play.displayName)
        return TemplatedScope(layers: layers, magic: magic, renderer: templating.renderer)
    }

    /// A yes/no keyword, templated when written as a template.
    /// The task's name as the output shows it: templated with the first host's variables, as Ansible does, or
    /// left as written when that fails (a name naming a loop item or a registered result not yet there).
    func title(on host: HostState?) -> String {
        guard let name = task.name, TemplateRenderer.isTemplate(name), let host else { return task.displayName }
        guard let rendered = try? templating.renderText(name, scope(for: host)) else { return task.displayName }
        if let role = task.role { return "\(role.name) : \(rendered)" }
        return rendered
    }

    func flag(_ setting: BoolSetting?, scope: TemplatedScope?) throws -> Bool? {
        switch setting {
        case nil: return nil
        case .literal(let value): return value
        case .template(let text):
            guard let scope else { return nil }
            return try templating.render(text, scope).isTruthy
        }
    }

    /// The task's `when:` on `host` (without loop items), false when it cannot be evaluated.
    func conditionHolds(on host: HostState) -> Bool {
        let scope = scope(for: host)
        return (try? keywords.when.allSatisfy { try templating.condition($0, scope) }) ?? false
    }

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

    /// One scope addition per loop item (loop var, index var, label), or one empty one without a loop.
    func loopScopes(_ scope: TemplatedScope) throws -> [(OrderedDictionary<String, Value>, String?)] {
        guard let loop = task.loop else { return [([:], nil)] }
        let items = try LoopItems.items(of: loop, scope: scope, templating: templating)
        return try items.enumerated().map { index, item in
            var vars: OrderedDictionary<String, Value> = [loop.control.loopVar: item]
            if let indexVar = loop.control.indexVar { vars[indexVar] = .int(index) }
            if loop.control.extended {
                vars["ansible_loop"] = .dict(["index": .int(index + 1), "index0": .int(index),
                                              "first": .bool(index == 0), "last": .bool(index == items.count - 1),
                                              "length": .int(items.count)])
            }
            var label: String?
            if let template = loop.control.label {
                label = try templating.renderText(template, scope.adding(vars))
            }
            return (vars, label)
        }
    }

    // MARK: Running

    func run(on host: HostState) async -> HostTaskResult {
        let base = scope(for: host)
        var outcome: HostTaskResult
        do {
            if task.loop == nil {
                outcome = try await runItem(on: host, scope: base)
            } else {
                outcome = try await runLoop(on: host, scope: base)
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
        return finish(outcome, on: host, scope: base)
    }

    /// Registers, notifies, counts and censors; decides whether the host goes on.
    private func finish(_ outcome: HostTaskResult, on host: HostState, scope: TemplatedScope) -> HostTaskResult {
        var outcome = outcome
        if let register = task.register { host.setVariable(register, .dict(outcome.result)) }
        if outcome.status == .changed && !task.notify.isEmpty {
            let names = task.notify.map { (try? templating.renderText($0, scope)) ?? $0 }
            host.notify(names)
        }
        let ignoreErrors = (try? flag(keywords.ignoreErrors, scope: scope)) ?? false
        switch outcome.status {
        case .ok: host.count { $0.ok += 1 }
        case .changed: host.count { $0.ok += 1; $0.changed += 1 }
        case .skipped: host.count { $0.skipped += 1 }
        case .unreachable:
            let ignoreUnreachable = (try? flag(keywords.ignoreUnreachable, scope: scope)) ?? false
            if ignoreUnreachable { outcome.ignored = true; host.count { $0.ignored += 1 } }
            else { host.markUnreachable(); host.count { $0.unreachable += 1 } }
        case .failed:
            host.recordFailure(task: task.displayName, result: outcome.result)
            if ignoreErrors {
                outcome.ignored = true
                host.count { $0.ignored += 1 }
            } else {
                host.markFailed()
                host.count { $0.failed += 1 }
            }
        }
        if (try? flag(keywords.noLog, scope: scope)) ?? false {
            outcome.result = TaskExecution.censored(outcome.result)
            outcome.items = outcome.items.map { ItemResult(label: "(item hidden)", status: $0.status, result: TaskExecution.censored($0.result)) }
            outcome.diffs = []
            outcome.commands = []
            outcome.outputs = []
        }
        return outcome
    }

    static func censored(_ result: OrderedDictionary<String, Value>) -> OrderedDictionary<String, Value> {
        var out: OrderedDictionary<String, Value> = [
            "censored": .string("the output has been hidden due to the fact that 'no_log: true' was specified for this result"),
        ]
        for key in ["changed", "failed", "skipped", "unreachable"] { if let value = result[key] { out[key] = value } }
        return out
    }

    private func runLoop(on host: HostState, scope: TemplatedScope) async throws -> HostTaskResult {
        var items: [ItemResult] = []
        var results: [Value] = []
        var diffs: [ModuleDiff] = []
        var commands: [String] = []
        var outputs: [String] = []
        let loopVar = task.loop?.control.loopVar ?? "item"
        for (vars, label) in try loopScopes(scope) {
            let itemScope = scope.adding(vars)
            var outcome: HostTaskResult
            do {
                outcome = try await runItem(on: host, scope: itemScope)
            } catch let error as ConnectionError {
                throw error
            } catch {
                outcome = HostTaskResult(host: host.name, status: .failed,
                                         result: ["failed": .bool(true), "msg": .string(describe(error)), "changed": .bool(false)])
            }
            var result = outcome.result
            result[loopVar] = vars[loopVar]
            result["ansible_loop_var"] = .string(loopVar)
            if let indexVar = task.loop?.control.indexVar { result[indexVar] = vars[indexVar] }
            let shown = label ?? (vars[loopVar]?.displayText ?? "")
            items.append(ItemResult(label: shown, status: outcome.status, result: result))
            results.append(.dict(result))
            diffs += outcome.diffs
            commands += outcome.commands
            outputs += outcome.outputs
        }
        let changed = items.contains { $0.status == .changed }
        let failed = items.contains { $0.status == .failed }
        let allSkipped = !items.isEmpty && items.allSatisfy { $0.status == .skipped }
        var result: OrderedDictionary<String, Value> = ["changed": .bool(changed)]
        if failed { result["failed"] = .bool(true); result["msg"] = .string("One or more items failed") }
        if allSkipped || items.isEmpty {
            result["skipped"] = .bool(true)
            if items.isEmpty { result["skipped_reason"] = .string("No items in the list") }
        }
        result["results"] = .list(results)
        var outcome = HostTaskResult(host: host.name,
                                     status: failed ? .failed : changed ? .changed : (allSkipped || items.isEmpty) ? .skipped : .ok,
                                     result: result)
        outcome.items = items
        outcome.diffs = diffs
        outcome.commands = commands
        outcome.outputs = outputs
        return outcome
    }

    /// One module run (one loop item), with `when`, until/retries and changed_when/failed_when.
    private func runItem(on host: HostState, scope: TemplatedScope) async throws -> HostTaskResult {
        for condition in keywords.when {
            guard try templating.condition(condition, scope) else {
                return HostTaskResult(host: host.name, status: .skipped, result: [
                    "changed": .bool(false), "skipped": .bool(true),
                    "skip_reason": .string("Conditional result was False"), "false_condition": .string(condition)])
            }
        }
        guard let call = task.moduleCall else {
            return HostTaskResult(host: host.name, status: .skipped, result: ["skipped": .bool(true)])
        }
        let retries = try task.until == nil ? 0 : intValue(task.retries, scope: scope, default: 3)
        let delay = try task.until == nil ? 0 : intValue(task.delay, scope: scope, default: 5)
        var attempt = 0
        while true {
            attempt += 1
            var outcome = try await runModuleWithinTimeout(call, on: host, scope: scope)
            let resultScope = task.register.map { scope.adding([$0: .dict(outcome.result)]) } ?? scope
            try applyOverrides(&outcome, scope: resultScope)
            guard let until = task.until, outcome.status != .skipped else { return outcome }
            let untilScope = task.register.map { scope.adding([$0: .dict(outcome.result)]) } ?? scope
            let done = try until.allSatisfy { try templating.condition($0, untilScope) }
            if done {
                outcome.result["attempts"] = .int(attempt)
                return outcome
            }
            if attempt > retries {
                outcome.status = .failed
                outcome.result["failed"] = .bool(true)
                outcome.result["attempts"] = .int(attempt)
                if outcome.msg == nil { outcome.result["msg"] = .string("Retried \(retries) times; the until condition never held") }
                return outcome
            }
            if delay > 0 { try? await _Concurrency.Task.sleep(nanoseconds: UInt64(delay) * 1_000_000_000) }
        }
    }

    func intValue(_ value: Value?, scope: TemplatedScope, default fallback: Int) throws -> Int {
        guard let value else { return fallback }
        switch try templating.renderDeep(value, scope) {
        case .int(let number): return number
        case .string(let text): return Int(text.trimmed) ?? fallback
        case .double(let number): return Int(number)
        default: return fallback
        }
    }

    /// changed_when and failed_when replace the module's own verdict.
    private func applyOverrides(_ outcome: inout HostTaskResult, scope: TemplatedScope) throws {
        guard outcome.status != .skipped, outcome.status != .unreachable else { return }
        if let changedWhen = task.changedWhen {
            let changed = try changedWhen.allSatisfy { try templating.condition($0, scope) }
            outcome.result["changed"] = .bool(changed)
            if outcome.status != .failed { outcome.status = changed ? .changed : .ok }
        }
        if let failedWhen = task.failedWhen {
            let failed = try failedWhen.contains { try templating.condition($0, scope) }
            outcome.result["failed"] = .bool(failed)
            if failed {
                outcome.status = .failed
            } else if outcome.status == .failed {
                outcome.status = outcome.result["changed"] == .bool(true) ? .changed : .ok
                outcome.result.removeValue(forKey: "msg")
            }
        }
    }

    /// Probe, plan and (unless checking) change, through the host's connection.
    func runModule(_ call: ModuleCall, on host: HostState, scope: TemplatedScope) async throws -> HostTaskResult {
        guard let moduleType = ModuleRegistry.module(named: call.name) else {
            throw ModuleArgumentError("unknown module \(call.originalName)")
        }
        var arguments = OrderedDictionary<String, Value>()
        if case .dict(let defaults)? = keywords.moduleDefaults[call.name] { arguments = defaults }
        for (key, value) in call.argumentDictionary { arguments[key] = value }
        let rendered = try templating.renderer.templateArguments(.dict(arguments), scope)
        guard case .dict(let args) = rendered else { throw ModuleArgumentError("arguments must be a mapping") }
        let secrets = moduleType.spec.arguments.filter(\.noLog).compactMap { spec -> String? in
            if case .string(let text)? = args[spec.name] { return text }
            return nil
        }
        let module = try moduleType.init(ModuleArguments(args))
        if let debug = module as? DebugModule, debug.verbosity > options.verbosity {
            return HostTaskResult(host: host.name, status: .skipped, result: [
                "changed": .bool(false), "skipped": .bool(true),
                "skip_reason": .string("verbosity threshold not met")])
        }

        let checkMode = try flag(keywords.checkMode, scope: scope) ?? options.checkMode
        let diffMode = try flag(keywords.diff, scope: scope) ?? options.diffMode
        let moduleContext = makeModuleContext(host: host, scope: scope, checkMode: checkMode, diffMode: diffMode)

        var commands: [String] = []
        var outputs: [String] = []
        func mask(_ text: String) -> String {
            secrets.filter { !$0.isEmpty }.reduce(text) { $0.replacingOccurrences(of: $1, with: "********") }
        }
        func note(_ command: String) {
            commands.append(mask(command))
            outputs.append("")
        }
        func answer(_ output: CommandResult) {
            var text = "rc=\(output.exitStatus)"
            for (name, stream) in [("stdout", output.stdoutText), ("stderr", output.stderrText)] where !stream.isEmpty {
                let shown = stream.count > 4000 ? String(stream.prefix(4000)) + "... (\(stream.count) characters)" : stream
                text += "\n\(name):\n" + shown.trimmingTrailingNewline
            }
            outputs[outputs.count - 1] = mask(text)
        }

        var probeResult: CommandResult?
        let target = try await connectionTarget(for: host, scope: scope)
        if let probe = try module.probe(moduleContext) {
            let command = probe.withEnvironment(target.environment)
            note(command.rendered)
            probeResult = try await target.connection.run(command, become: target.become, stdin: nil)
            if let probeResult { answer(probeResult) }
        }
        let plan = try module.plan(probeResult, moduleContext)
        var result = plan.result

        if !checkMode || plan.runsInCheckMode {
            var markedActions = 0, markersSeen = 0
            defer {
                if markedActions > 0 && markersSeen == 0 && !result.failed { result.changed = false }
            }
            for action in plan.actions {
                switch action.kind {
                case .run(let command, let stdin):
                    let wrapped = command.withEnvironment(target.environment)
                    note(wrapped.rendered)
                    let started = Date()
                    let output = try await target.connection.run(wrapped, become: target.become, stdin: stdin)
                    answer(output)
                    if let interpret = action.interpret {
                        do { try interpret(output, &result) } catch {
                            result.failed = true
                            result.msg = "\(error)"
                        }
                    }
                    if let marker = action.changeMarker {
                        markedActions += 1
                        if (output.stdoutText + output.stderrText).contains(marker) { markersSeen += 1 }
                    }
                    if let marker = action.unchangedMarker {
                        markedActions += 1
                        let lines = (output.stdoutText + "\n" + output.stderrText).splitLines
                        if !lines.contains(where: { $0.trimmed.hasPrefix(marker) }) { markersSeen += 1 }
                    }
                    if action.reportsOutput {
                        result.record(output, command: command.rendered)
                        result["delta"] = .string(String(format: "%.3fs", Date().timeIntervalSince(started)))
                        if output.exitStatus != 0 {
                            result.failed = true
                            result.msg = output.exitSignal.map { "killed by signal \($0)" } ?? "non-zero return code"
                        }
                    } else if output.exitStatus != 0 {
                        result.failed = true
                        result.record(output, command: nil)
                        result.values.removeValue(forKey: "stdout_lines")
                        result.values.removeValue(forKey: "stderr_lines")
                        let stderr = output.stderrText.trimmed
                        result.msg = "\(command.rendered) failed (exit \(output.exitStatus))" + (stderr.isEmpty ? "" : ": \(stderr)")
                        result["cmd"] = .string(command.rendered)
                    }
                case .put(let write):
                    note(action.summary)
                    do {
                        try await target.connection.put(write, become: target.become)
                    } catch let error as FileWriteError {
                        if error.contentChanged { throw FileChangedMeanwhile(write: error) }
                        result.failed = true
                        result.msg = error.description
                    }
                }
                if result.failed { break }
            }
        }

        if let change = result.inventoryChange, !result.failed {
            result.changed = runner.changeInventory(change, for: host.name)
        }
        if !result.facts.isEmpty {
            if call.name == "set_fact" || call.name == "include_vars" {
                for (key, value) in result.facts { host.setVariable(key, value) }
            } else {
                host.mergeFacts(result.facts)
            }
        }
        let registered = result.registered
        guard case .dict(var dict) = registered else { throw ModuleArgumentError("internal: result is not a dict") }
        if call.name == "set_fact" { dict.removeValue(forKey: "ansible_facts") }
        if diffMode, !result.diffs.isEmpty {
            dict["diff"] = .list(result.diffs.map { .dict(["before_header": .string($0.beforeHeader), "after_header": .string($0.afterHeader),
                                                           "before": .string($0.before), "after": .string($0.after)]) })
        }
        let status: TaskStatus = result.failed ? .failed : result.skipped ? .skipped : result.changed ? .changed : .ok
        var outcome = HostTaskResult(host: host.name, status: status, result: dict)
        outcome.diffs = diffMode ? result.diffs : []
        outcome.commands = commands
        outcome.outputs = outputs
        if target.delegated { outcome.delegatedTo = target.hostName }
        return outcome
    }

    private func makeModuleContext(host: HostState, scope: TemplatedScope, checkMode: Bool, diffMode: Bool) -> ModuleContext {
        let rolePath = task.role?.path
        let playbookDirectory = context.play.playbookDirectory
        let templating = self.templating
        @Sendable func find(_ name: String, _ folder: String) throws -> String {
            if name.hasPrefix("/") { return name }
            var candidates: [String] = []
            if let rolePath { candidates.append("\(rolePath)/\(folder)/\(name)"); candidates.append("\(rolePath)/\(name)") }
            candidates.append("\(playbookDirectory)/\(folder)/\(name)")
            candidates.append("\(playbookDirectory)/\(name)")
            if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
            throw ModuleArgumentError("could not find \(name); looked in " + candidates.joined(separator: ", "))
        }
        return ModuleContext(
            hostName: host.name, checkMode: checkMode, diffMode: diffMode,
            readSourceFile: { name in
                let path = try find(name, "files")
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ModuleArgumentError("could not read \(path)")
                }
                return data
            },
            listSourceDirectory: { name in
                let path = try find(name, "files")
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                    return nil
                }
                return try DirectoryCopy.files(under: path)
            },
            renderTemplate: { name in try TemplateFile.render(path: try find(name, "templates"), scope: scope) },
            evaluate: { expression in try templating.evaluate(expression, scope) },
            playbookDirectory: playbookDirectory)
    }

    /// Where the task's commands go: the host, or the delegate, with become and environment.
    struct Target {
        var connection: Connection
        var hostName: String
        var delegated: Bool
        var become: Become?
        var environment: [String: String]
    }

    private func connectionTarget(for host: HostState, scope: TemplatedScope) async throws -> Target {
        var targetName = host.name
        var delegated = false
        if let delegate = keywords.delegateTo {
            targetName = try templating.renderText(delegate, scope)
            delegated = targetName != host.name
        }
        let remoteUser = try keywords.remoteUser.map { try templating.renderText($0, scope) }
        let variables = try runner.connectionVariables(of: targetName, scope: delegated ? nil : scope, remoteUser: remoteUser)
        let connection = try runner.pool.connection(for: variables)
        var become: Become?
        if try variables.become ?? flag(keywords.become, scope: scope) ?? false {
            let methodName = variables.becomeMethod ?? keywords.becomeMethod ?? "sudo"
            guard let method = Become.Method(rawValue: methodName) else {
                throw ModuleArgumentError("become_method \(methodName) is not supported: deckhand becomes another user "
                                          + "with sudo or su; set become_method to one of them")
            }
            let user = try variables.becomeUser ?? keywords.becomeUser.map { try templating.renderText($0, scope) } ?? "root"
            become = Become(method: method, user: user, password: variables.becomePassword ?? options.becomePassword)
        }
        var environment: [String: String] = [:]
        if let env = keywords.environment, case .dict(let dict) = try templating.renderDeep(env, scope) {
            for (key, value) in dict { environment[key] = value.displayText }
        }
        return Target(connection: connection, hostName: targetName, delegated: delegated, become: become, environment: environment)
    }

    private func describe(_ error: Error) -> String {
        if let error = error as? ModuleArgumentError { return error.message }
        if let error = error as? TemplateError {
            if error.kind == .undefined {
                return "template error: \(error.description) (define it in vars, inventory or -e, or use `| default(...)`)"
            }
            return "template error: \(error.description)"
        }
        if let error = error as? LoopError { return "\(error.location): \(error.message)" }
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
