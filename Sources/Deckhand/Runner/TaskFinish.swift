import Foundation
import Jinja
import OrderedCollections

/// What happens after a task ran on a host: register, notify, count, censor.
extension TaskExecution {
    /// `register:` once the task is done: `register: name` is the result itself; each projection of
    /// `register: {name: expression}` is evaluated over the last item's scope, and one that fails fails the task
    /// (its name undefined, saying why), as Ansible's does.
    func register(_ outcome: inout HostTaskResult, record: TaskRecord, scope: TemplatedScope) {
        if let name = task.register {
            outcome.registered = [name: .dict(outcome.result)]
            return
        }
        guard !task.registerExpressions.isEmpty else { return }
        if !record.isLoop || record.results.isEmpty { record.record(outcome.result) }
        record.loopExited = true
        let (values, errors) = record.registeredValues(templating, base: scope)
        outcome.registered = values
        guard !errors.isEmpty else { return }
        let reasons = errors.map { "'\($0.name)': \(($0.error as? TemplateError)?.message ?? "\($0.error)")" }
        outcome.status = .failed
        outcome.result["failed"] = .bool(true)
        outcome.result["msg"] = .string("Task failed due to errors in \(errors.count) out of "
            + "\(task.registerExpressions.count) register projections: " + reasons.joined(separator: "; "))
    }

    /// Registers, notifies, counts and censors; decides whether the host goes on.
    func finish(_ outcome: HostTaskResult, on host: HostState, scope: TemplatedScope) -> HostTaskResult {
        var outcome = outcome
        for (name, value) in outcome.registered { host.setVariable(name, value) }
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
            if ignoreUnreachable { outcome.ignored = true; host.count { $0.ok += 1; $0.ignored += 1 } }
            else { host.markUnreachable(); host.count { $0.unreachable += 1 } }
        case .failed:
            outcome.ignored = ignoreErrors
            // ansible_failed_task.name is the task's own name, without the role prefix of the output.
            host.recordFailedTask(task.name ?? task.action.displayName, result: outcome.result, ignored: ignoreErrors)
        }
        if (try? flag(keywords.noLog, scope: scope)) ?? false {
            outcome.result = TaskExecution.censored(outcome.result)
            outcome.items = outcome.items.map { ItemResult(label: "(item hidden)", status: $0.status, result: TaskExecution.censored($0.result)) }
            outcome.diffs = outcome.diffs.compactMap(\.withheld)
            outcome.commands = []
            outcome.outputs = []
        }
        return SecretMask(scope: scope).masking(outcome)
    }

    static func censored(_ result: OrderedDictionary<String, Value>) -> OrderedDictionary<String, Value> {
        var out: OrderedDictionary<String, Value> = [
            "censored": .string("the output has been hidden due to the fact that 'no_log: true' was specified for this result"),
        ]
        for key in ["changed", "failed", "skipped", "unreachable"] { if let value = result[key] { out[key] = value } }
        return out
    }
}
