import Foundation
import Jinja
import OrderedCollections

/// One loop item: `when`, until/retries, then changed_when/failed_when over the module's verdict.
extension TaskExecution {
    /// One module run (one loop item), with `when`, until/retries and changed_when/failed_when.
    func runItem(on host: HostState, scope: TemplatedScope) async throws -> HostTaskResult {
        for condition in keywords.when {
            guard try templating.condition(condition, scope) else {
                return HostTaskResult(host: host.name, status: .skipped, result: [
                    "changed": .bool(false), "skipped": .bool(true),
                    "skip_reason": .string("Conditional result was False"), "false_condition": .string(condition)])
            }
        }
        if case .unavailable(let unavailable) = task.action {
            return HostTaskResult(host: host.name, status: .failed, result: [
                "failed": .bool(true), "changed": .bool(false),
                "msg": .string("deckhand cannot run '\(unavailable.module)': \(unavailable.reason)")])
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
    func applyOverrides(_ outcome: inout HostTaskResult, scope: TemplatedScope) throws {
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
}
