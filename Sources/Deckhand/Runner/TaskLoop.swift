import Foundation
import Jinja
import OrderedCollections

/// `loop:` and `with_*`: one scope per item, each item run, the results gathered as Ansible registers them.
extension TaskExecution {
    /// The loop's variable names: `loop_var` and `index_var` may be templates (rendered with the task's scope).
    func loopNames(_ scope: TemplatedScope) throws -> (loopVar: String, indexVar: String?) {
        guard let control = task.loop?.control else { return ("item", nil) }
        if let invalid = control.invalid { throw LoopControlError(invalid) }
        let loopVar = try templating.renderText(control.loopVar, scope)
        let indexVar = try control.indexVar.map { try templating.renderText($0, scope) }
        // As Ansible: the names must be identifiers that are not Python keywords.
        for (keyword, name) in [("loop_var", loopVar), ("index_var", indexVar)] {
            if let name, !SetFactModule.isIdentifier(name) {
                throw LoopControlError("Invalid '\(keyword)': Invalid variable name '\(name)'.")
            }
        }
        return (loopVar, indexVar)
    }

    /// One scope addition per loop item (loop var, index var, ansible_loop), or one empty one without a loop.
    func loopScopes(_ scope: TemplatedScope) throws -> [OrderedDictionary<String, Value>] {
        guard let loop = task.loop else { return [[:]] }
        let sourceFolder = task.moduleCall.flatMap { ModuleRegistry.spec(named: $0.name)?.sourceFolder } ?? "files"
        let items = try LoopItems.items(of: loop, scope: scope, templating: templating, sourceFolder: sourceFolder)
        let names = try loopNames(scope)
        return items.enumerated().map { index, item in
            var vars: OrderedDictionary<String, Value> = [names.loopVar: item, "ansible_loop_var": .string(names.loopVar)]
            if let indexVar = names.indexVar {
                vars[indexVar] = .int(index)
                vars["ansible_index_var"] = .string(indexVar)
            }
            if loop.control.extended {
                var extended: OrderedDictionary<String, Value> = [
                    "allitems": .list(items), "index": .int(index + 1), "index0": .int(index),
                    "first": .bool(index == 0), "last": .bool(index == items.count - 1), "length": .int(items.count),
                    "revindex": .int(items.count - index), "revindex0": .int(items.count - index - 1)]
                if index > 0 { extended["previtem"] = items[index - 1] }
                if index + 1 < items.count { extended["nextitem"] = items[index + 1] }
                vars["ansible_loop"] = .dict(extended)
            }
            return vars
        }
    }

    func runLoop(on host: HostState, scope: TemplatedScope, record: TaskRecord) async throws -> HostTaskResult {
        var items: [ItemResult] = []
        var diffs: [ModuleDiff] = []
        var commands: [String] = []
        var outputs: [String] = []
        let scopes: [OrderedDictionary<String, Value>]
        let names: (loopVar: String, indexVar: String?)
        do {
            scopes = try loopScopes(scope)
            names = try loopNames(scope)
        } catch let error as TemplateError where error.kind == .undefined {
            // As Ansible: items that cannot be known fail the task only if its `when` holds without them.
            if let condition = try keywords.when.first(where: { try !templating.condition($0, scope) }) {
                return HostTaskResult(host: host.name, status: .skipped, result: [
                    "changed": .bool(false), "skipped": .bool(true),
                    "skip_reason": .string("Conditional result was False"), "false_condition": .string(condition)])
            }
            throw error
        }
        var factsSoFar = OrderedDictionary<String, Value>()
        for (position, vars) in scopes.enumerated() {
            // loop_control.pause: the wait between two items, as Ansible's (none before the first).
            if position > 0, let pause = task.loop?.control.pause, pause > 0 {
                try? await _Concurrency.Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000))
            }
            // Facts an earlier item set (set_fact in a loop) are seen by the next items, as in Ansible.
            let itemScope = factsSoFar.isEmpty ? scope.adding(vars) : scope.adding(factsSoFar).adding(vars)
            var fields: OrderedDictionary<String, Value> = [names.loopVar: vars[names.loopVar] ?? .none,
                                                            "ansible_loop_var": .string(names.loopVar)]
            if let indexVar = names.indexVar { fields[indexVar] = vars[indexVar] }
            record.startItem(fields)
            var outcome: HostTaskResult
            do {
                outcome = try await runItem(on: host, scope: itemScope, record: record)
            } catch let error as ConnectionError {
                throw error
            } catch {
                outcome = HostTaskResult(host: host.name, status: .failed,
                                         result: ["failed": .bool(true), "msg": .string(describe(error)), "changed": .bool(false)])
            }
            factsSoFar.merge(outcome.hostVariables) { $1 }
            for (key, value) in fields { outcome.result[key] = value }
            let label = itemLabel(&outcome, scope: itemScope, record: record, loopVar: names.loopVar)
            let breaks = breakWhen(&outcome, scope: itemScope, record: record)
            record.record(outcome.result)
            items.append(ItemResult(label: label, status: outcome.status, result: outcome.result))
            diffs += outcome.diffs
            commands += outcome.commands
            outputs += outcome.outputs
            if breaks { break }
        }
        record.loopExited = true
        var result = record.loopResult()
        let changed = items.contains { $0.status == .changed }
        let failed = items.contains { $0.status == .failed }
        if failed && result["failed"] == nil {
            result["failed"] = .bool(true)
            result["msg"] = .string("One or more items failed")
        }
        let allSkipped = items.allSatisfy { $0.status == .skipped }
        var outcome = HostTaskResult(host: host.name, status: failed ? .failed : changed ? .changed : allSkipped ? .skipped : .ok,
                                     result: result)
        outcome.items = items
        outcome.diffs = diffs
        outcome.commands = commands
        outcome.outputs = outputs
        return outcome
    }

    /// The item's line in the output: loop_control.label rendered after the item ran (so it may read the
    /// registered result), else the item. A label that fails to render is a warning in the item's result.
    private func itemLabel(_ outcome: inout HostTaskResult, scope: TemplatedScope, record: TaskRecord,
                           loopVar: String) -> String {
        let item = outcome.result[loopVar]?.displayText ?? ""
        guard let template = task.loop?.control.label else { return item }
        record.record(outcome.result)
        do {
            return try templating.renderText(template, record.scope(scope))
        } catch {
            let reason = (error as? TemplateError)?.message ?? (error as? LoopControlError)?.message ?? "\(error)"
            var warnings: [Value] = []
            if case .list(let earlier)? = outcome.result["warnings"] { warnings = earlier }
            warnings.append(.string("Failed to template loop_control label: \(reason)"))
            outcome.result["warnings"] = .list(warnings)
            return item
        }
    }

    /// loop_control.break_when after the item: true stops the loop there. An expression that fails stops it
    /// too and fails the item with the error (the module's own failure kept as break_when_suppressed_exception).
    private func breakWhen(_ outcome: inout HostTaskResult, scope: TemplatedScope, record: TaskRecord) -> Bool {
        guard let conditions = task.loop?.control.breakWhen else { return false }
        record.record(outcome.result)
        let itemScope = record.scope(scope)
        do {
            if let invalid = task.loop?.control.invalidBreakWhen { throw LoopControlError(invalid) }
            let breaks = try conditions.allSatisfy { try templating.condition($0, itemScope) }
            outcome.result["break_when_result"] = .bool(breaks)
            return breaks
        } catch {
            let reason = (error as? TemplateError)?.message ?? (error as? LoopControlError)?.message ?? "\(error)"
            if let exception = outcome.result["exception"] { outcome.result["break_when_suppressed_exception"] = exception }
            outcome.result["break_when_result"] = .string(reason)
            outcome.result["failed"] = .bool(true)
            outcome.result["exception"] = .string("A 'break_when' expression failed: \(reason)")
            outcome.status = .failed
            return true
        }
    }
}

/// A loop_control setting Ansible refuses when the task runs; the message is Ansible's.
struct LoopControlError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
