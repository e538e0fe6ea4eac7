import Foundation
import Jinja
import OrderedCollections

/// A module's probe, plan and actions through the host's connection, and its result as the task reports it.
extension TaskExecution {
    /// Probe, plan and (unless checking) change, through the host's connection.
    func runModule(_ call: ModuleCall, on host: HostState, scope: TemplatedScope) async throws -> HostTaskResult {
        guard let moduleType = ModuleRegistry.module(named: call.name) else {
            throw ModuleArgumentError("unknown module \(call.originalName)")
        }
        var arguments = OrderedDictionary<String, Value>()
        if case .dict(let defaults)? = keywords.moduleDefaults[call.name] { arguments = defaults }
        let spec = moduleType.spec
        if case .string(let template)? = call.argumentDictionary[ModuleCall.variableArguments] {
            guard case .dict(let given) = try templating.renderDeep(.string(template), scope) else {
                throw ModuleArgumentError("the arguments of '\(call.originalName)' (\(template)) must render to a mapping")
            }
            for (key, value) in given { arguments[key] = value }
        }
        for (key, value) in call.argumentDictionary where key != ModuleCall.variableArguments { arguments[key] = value }
        var unrendered = OrderedDictionary<String, Value>()
        for name in spec.arguments.filter(\.unrendered).flatMap({ [$0.name] + $0.aliases }) {
            if let value = arguments.removeValue(forKey: name) { unrendered[name] = value }
        }
        let rendered = try templating.renderer.templateArguments(.dict(arguments), scope)
        guard case .dict(var args) = rendered else { throw ModuleArgumentError("arguments must be a mapping") }
        for (name, value) in unrendered { args[name] = value }
        if spec.acceptsAnyArguments, args.keys.contains(where: { $0.contains("{{") }) {
            // set_fact: "{{ name }}=value" — the variable's name is templated too.
            var named = OrderedDictionary<String, Value>()
            for (key, value) in args { named[key.contains("{{") ? try templating.renderText(key, scope) : key] = value }
            args = named
        }
        if let failure = argumentFailure(call, args, spec: spec, on: host) { return failure }
        let secrets = spec.arguments.filter(\.noLog).compactMap { argument -> String? in
            if case .string(let text)? = ([argument.name] + argument.aliases).lazy.compactMap({ args[$0] }).first { return text }
            return nil
        }
        var resolvedTarget: Target?
        func target() async throws -> Target {
            if let resolvedTarget { return resolvedTarget }
            let made = spec.runsOnController ? try controllerTarget(for: host, module: spec.name, scope: scope)
                : try await connectionTarget(for: host, scope: scope)
            resolvedTarget = made
            return made
        }
        if !spec.runsOnController { args = try await expandingHomes(args, spec: spec, target: target) }
        let module = try moduleType.make(args, task: task.displayName)
        if let argument = spec.verbosityArgument, Int(args[argument]?.displayText ?? "") ?? 0 > options.verbosity {
            return HostTaskResult(host: host.name, status: .skipped, result: [
                "changed": .bool(false), "skipped": .bool(true),
                "skip_reason": .string("verbosity threshold not met")])
        }

        let background = try backgroundSettings(scope: scope)
        if background != nil, !spec.runsInBackground {
            return HostTaskResult(host: host.name, status: .failed, result: [
                "failed": .bool(true), "changed": .bool(false), "msg": .string(backgroundRefusal(call))])
        }

        let checkMode = try flag(keywords.checkMode, scope: scope) ?? options.checkMode
        let diffMode = try flag(keywords.diff, scope: scope) ?? options.diffMode
        let moduleContext = makeModuleContext(host: host, scope: scope, checkMode: checkMode, diffMode: diffMode,
                                              destination: args["dest"]?.displayText)

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
        let target = try await target()
        if let probe = try module.probe(moduleContext) {
            let command = probe.withEnvironment(target.environment)
            note(command.displayed)
            if let wait = (module as? any ConnectionWaiting)?.connectionWait {
                probeResult = try await wait.run(command, on: target.connection, become: target.become)
            } else {
                probeResult = try await target.connection.run(command, become: target.become, stdin: nil)
            }
            if let probeResult { answer(probeResult) }
        }
        let plan = try module.plan(probeResult, moduleContext)
        var result = plan.result

        if let background, !checkMode, plan.actions.count <= 1, plan.actions.allSatisfy(\.reportsOutput) {
            result = try await runInBackground(plan.actions.first, planned: result, settings: background, target: target,
                                               scope: scope, note: note, answer: answer)
        } else if !checkMode || plan.runsInCheckMode {
            var markedActions = 0, markersSeen = 0
            defer {
                if markedActions > 0 && markersSeen == 0 && !result.failed { result.changed = false }
            }
            for action in plan.actions {
                switch action.kind {
                case .run(let command, let stdin):
                    let wrapped = command.withEnvironment(target.environment)
                    note(wrapped.displayed)
                    let started = Date()
                    let output = try await target.connection.run(wrapped, become: target.become, stdin: stdin)
                    answer(output)
                    func interpretOutput() {
                        guard let interpret = action.interpret else { return }
                        do { try interpret(output, &result) } catch {
                            result.failed = true
                            result.msg = "\(error)"
                        }
                    }
                    if !action.reportsOutput { interpretOutput() }
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
                        result.record(output, command: command.displayed, stripEmptyEnds: action.stripsEmptyEnds)
                        let ended = Date()
                        result["start"] = .string(PythonTime.dateTime(started))
                        result["end"] = .string(PythonTime.dateTime(ended))
                        result["delta"] = .string(PythonTime.timedelta(ended.timeIntervalSince(started)))
                        if output.exitStatus != 0 {
                            result.failed = true
                            result.msg = output.exitSignal.map { "killed by signal \($0)" } ?? action.nonZeroMessage
                        }
                        interpretOutput()
                    } else if output.exitStatus != 0 {
                        result.failed = true
                        result.record(output, command: nil)
                        result.values.removeValue(forKey: "stdout_lines")
                        result.values.removeValue(forKey: "stderr_lines")
                        let stderr = output.stderrText.trimmed
                        result.msg = "\(command.displayed) failed (exit \(output.exitStatus))" + (stderr.isEmpty ? "" : ": \(stderr)")
                        result["cmd"] = .string(command.displayed)
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
            if spec.setsHostVariables {
                for (key, value) in result.facts { host.setVariable(key, value, isTemplate: spec.hostVariablesAreTemplates) }
            } else {
                host.mergeFacts(result.facts)
            }
        }
        let registered = result.registered
        guard case .dict(var dict) = registered else { throw ModuleArgumentError("internal: result is not a dict") }
        if !spec.registersFacts {
            dict.removeValue(forKey: "ansible_facts")
        } else if !spec.registeredFactPrefix.isEmpty, case .dict(let facts)? = dict["ansible_facts"] {
            var named = OrderedDictionary<String, Value>()
            for (key, value) in facts { named[key.hasPrefix(spec.registeredFactPrefix) ? key : spec.registeredFactPrefix + key] = value }
            dict["ansible_facts"] = .dict(named)
        }
        // A module that registers its diff as Ansible's does (one mapping: assemble, known_hosts) keeps it.
        if diffMode, !result.diffs.isEmpty, dict["diff"] == nil {
            dict["diff"] = .list(result.diffs.map { .dict(["before_header": .string($0.beforeHeader), "after_header": .string($0.afterHeader),
                                                           "before": .string($0.before), "after": .string($0.after)]) })
        }
        let status: TaskStatus = result.failed ? .failed : result.skipped ? .skipped : result.changed ? .changed : .ok
        var outcome = HostTaskResult(host: host.name, status: status, result: dict)
        outcome.diffs = diffMode ? result.diffs : []
        outcome.commands = commands
        outcome.outputs = outputs
        if target.delegated { outcome.delegatedTo = target.hostName }
        if spec.setsHostVariables { outcome.hostVariables = result.facts }
        return outcome
    }

    func makeModuleContext(host: HostState, scope: TemplatedScope, checkMode: Bool, diffMode: Bool,
                           destination: String? = nil) -> ModuleContext {
        let rolePath = task.role?.path
        let search = Lookups.SearchPath(rolePath: rolePath, playbookDirectory: context.play.playbookDirectory)
        let playbookDirectory = context.play.playbookDirectory
        let templating = self.templating
        let sourceFolder = task.moduleCall.flatMap { ModuleRegistry.spec(named: $0.name)?.sourceFolder } ?? "files"
        /// A template module's template also sees where it goes (Ansible's template_destpath).
        @Sendable func withDestination(_ scope: TemplatedScope) -> TemplatedScope {
            destination.map { scope.adding(["template_destpath": .string($0)]) } ?? scope
        }
        @Sendable func find(_ name: String, _ folder: String) throws -> String {
            let candidates = search.candidates(name, in: folder)
            if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
            throw ModuleArgumentError("could not find \(name); looked in " + candidates.joined(separator: ", "))
        }
        return ModuleContext(
            hostName: host.name, checkMode: checkMode, diffMode: diffMode,
            readSourceFile: { name in
                let path = try find(name, sourceFolder)
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ModuleArgumentError("could not read \(path)")
                }
                return try VaultedFile.plaintext(of: data, path: path, vault: .installed)
            },
            listSourceDirectory: { name in
                let path = try find(name, sourceFolder)
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                    return nil
                }
                return try DirectoryCopy.files(under: path)
            },
            renderTemplate: { name in
                try TemplateFile.render(path: try find(name, "templates"), scope: withDestination(scope), writtenAs: name)
            },
            evaluate: { expression in try templating.evaluate(expression, scope) },
            conditional: { condition in try templating.conditional(condition, scope, writtenHere: false) },
            resolveContainer: { text in try templating.resolveContainer(text, scope) },
            playbookDirectory: playbookDirectory,
            renderTemplateWithSettings: { name, settings in
                try TemplateFile.render(path: try find(name, "templates"), scope: withDestination(scope), settings: settings,
                                        writtenAs: name)
            },
            rolePath: rolePath,
            readRawSourceFile: { name in
                let path = try find(name, sourceFolder)
                guard let data = FileManager.default.contents(atPath: path) else { throw ModuleArgumentError("could not read \(path)") }
                return data
            },
            sourceFileMode: { name in
                let path = try find(name, sourceFolder)
                guard let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber else {
                    throw ModuleArgumentError("could not read the mode of \(path)")
                }
                return mode.intValue & 0o7777
            })
    }
}
