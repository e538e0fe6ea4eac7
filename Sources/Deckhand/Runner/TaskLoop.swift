import Foundation
import Jinja
import OrderedCollections

/// `loop:` and `with_*`: one scope per item, each item run, the results gathered as Ansible registers them.
extension TaskExecution {
    /// One scope addition per loop item (loop var, index var, label), or one empty one without a loop.
    func loopScopes(_ scope: TemplatedScope) throws -> [(OrderedDictionary<String, Value>, String?)] {
        guard let loop = task.loop else { return [([:], nil)] }
        let sourceFolder = task.moduleCall.flatMap { ModuleRegistry.spec(named: $0.name)?.sourceFolder } ?? "files"
        let items = try LoopItems.items(of: loop, scope: scope, templating: templating, sourceFolder: sourceFolder)
        return try items.enumerated().map { index, item in
            var vars: OrderedDictionary<String, Value> = [loop.control.loopVar: item,
                                                          "ansible_loop_var": .string(loop.control.loopVar)]
            if let indexVar = loop.control.indexVar { vars[indexVar] = .int(index) }
            if loop.control.extended {
                var extended: OrderedDictionary<String, Value> = [
                    "allitems": .list(items), "index": .int(index + 1), "index0": .int(index),
                    "first": .bool(index == 0), "last": .bool(index == items.count - 1), "length": .int(items.count),
                    "revindex": .int(items.count - index), "revindex0": .int(items.count - index - 1)]
                if index > 0 { extended["previtem"] = items[index - 1] }
                if index + 1 < items.count { extended["nextitem"] = items[index + 1] }
                vars["ansible_loop"] = .dict(extended)
            }
            var label: String?
            if let template = loop.control.label {
                label = try templating.renderText(template, scope.adding(vars))
            }
            return (vars, label)
        }
    }

    func runLoop(on host: HostState, scope: TemplatedScope) async throws -> HostTaskResult {
        var items: [ItemResult] = []
        var results: [Value] = []
        var diffs: [ModuleDiff] = []
        var commands: [String] = []
        var outputs: [String] = []
        let loopVar = task.loop?.control.loopVar ?? "item"
        let scopes: [(OrderedDictionary<String, Value>, String?)]
        do {
            scopes = try loopScopes(scope)
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
        for (position, (vars, label)) in scopes.enumerated() {
            // loop_control.pause: the wait between two items, as Ansible's (none before the first).
            if position > 0, let pause = task.loop?.control.pause, pause > 0 {
                try? await _Concurrency.Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000))
            }
            // Facts an earlier item set (set_fact in a loop) are seen by the next items, as in Ansible.
            let itemScope = factsSoFar.isEmpty ? scope.adding(vars) : scope.adding(factsSoFar).adding(vars)
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
            factsSoFar.merge(outcome.hostVariables) { $1 }
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
}
