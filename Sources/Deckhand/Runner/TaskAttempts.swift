import Foundation
import Jinja
import OrderedCollections

/// One loop item: `when`, until/retries, then changed_when/failed_when over the module's verdict.
extension TaskExecution {
    /// One module run (one loop item), with `when`, until/retries and changed_when/failed_when; its result
    /// recorded in `record` (what `_task` and the register projections read).
    func runItem(on host: HostState, scope: TemplatedScope, record: TaskRecord) async throws -> HostTaskResult {
        record.lastScope = scope
        let outcome = try await attempts(on: host, scope: scope, record: record)
        record.record(outcome.result)
        return outcome
    }

    private func attempts(on host: HostState, scope: TemplatedScope, record: TaskRecord) async throws -> HostTaskResult {
        for condition in keywords.when {
            guard try templating.condition(condition, record.scope(scope)) else {
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
        // As Ansible: `retries` alone retries until the task succeeds; `until` alone retries 3 times.
        let retries = task.retries != nil ? max(0, try intValue(task.retries, scope: scope, default: 3))
            : task.until != nil ? 3 : 0
        let delay = retries == 0 ? 0 : try secondsValue(task.delay, scope: scope, default: 5)
        var attempt = 0
        while true {
            attempt += 1
            var outcome = try await runModuleWithinTimeout(call, on: host, scope: record.scope(scope))
            // Before changed_when/failed_when, so that they can read it (as Ansible's).
            if retries > 0 { outcome.result["attempts"] = .int(attempt) }
            try applyOverrides(&outcome, scope: scope, record: record)
            guard retries > 0, outcome.status != .skipped else { return outcome }
            record.record(outcome.result)
            let done = try task.until.map { try $0.allSatisfy { try templating.condition($0, record.scope(scope)) } }
                ?? (outcome.status != .failed)
            if done { return outcome }
            if attempt > retries {
                // Ansible's count once the retries run out: the retries, not the runs.
                outcome.result["attempts"] = .int(retries)
                // A failed_when that was evaluated has the last word on failure, as in Ansible.
                guard outcome.result["failed_when_result"] == nil else { return outcome }
                outcome.status = .failed
                outcome.result["failed"] = .bool(true)
                if outcome.msg == nil { outcome.result["msg"] = .string("Retried \(retries) times; the until condition never held") }
                return outcome
            }
            if delay > 0 { try? await _Concurrency.Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000)) }
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

    /// Seconds (delay: 0.01 as Ansible takes it), from a number or a template.
    func secondsValue(_ value: Value?, scope: TemplatedScope, default fallback: Double) throws -> Double {
        guard let value else { return fallback }
        switch try templating.renderDeep(value, scope) {
        case .int(let number): return Double(max(0, number))
        case .double(let number): return max(0, number)
        case .string(let text): return Double(text.trimmed).map { max(0, $0) } ?? fallback
        default: return fallback
        }
    }

    /// changed_when and failed_when replace the module's own verdict, and say so in the result as Ansible's
    /// do: `changed_when_result` / `failed_when_result` (the error's text when the expression itself fails,
    /// which fails the task and keeps the module's output), `failed_when_suppressed_exception` when a failure
    /// was turned into success.
    func applyOverrides(_ outcome: inout HostTaskResult, scope base: TemplatedScope, record: TaskRecord) throws {
        guard outcome.status != .skipped, outcome.status != .unreachable else { return }
        // Each condition reads the result as the one before left it (`failed_when: _task.result is changed`).
        func current() -> TemplatedScope {
            record.record(outcome.result)
            return record.scope(base)
        }
        if outcome.status == .failed && outcome.result["exception"] == nil {
            outcome.result["exception"] = .string(Self.noTraceback)
        }
        if let changedWhen = task.changedWhen {
            do {
                let scope = current()
                let changed = try changedWhen.allSatisfy { try templating.condition($0, scope) }
                outcome.result["changed"] = .bool(changed)
                if outcome.status != .failed { outcome.status = changed ? .changed : .ok }
            } catch {
                failExpression("changed_when", error, &outcome)
                return
            }
        }
        if let failedWhen = task.failedWhen {
            let failed: Bool
            do {
                let scope = current()
                failed = try failedWhen.contains { try templating.condition($0, scope) }
            } catch {
                failExpression("failed_when", error, &outcome)
                return
            }
            outcome.result["failed_when_result"] = .bool(failed)
            if let exception = outcome.result["exception"] { outcome.result["failed_when_suppressed_exception"] = exception }
            outcome.result["failed"] = .bool(failed)
            if failed {
                outcome.status = .failed
                if outcome.result["exception"] == nil { outcome.result["exception"] = .string(Self.noTraceback) }
            } else {
                if outcome.status == .failed { outcome.status = outcome.result["changed"] == .bool(true) ? .changed : .ok }
                outcome.result.removeValue(forKey: "exception")
            }
        }
    }

    /// What Ansible puts in `exception` for a failure that raised nothing on the host (a module's own "failed").
    static let noTraceback = "(traceback unavailable)"

    /// A changed_when/failed_when expression that could not be evaluated fails the task with its error; a
    /// module failure it hid stays in `<keyword>_suppressed_exception`.
    private func failExpression(_ keyword: String, _ error: Error, _ outcome: inout HostTaskResult) {
        let templateError = error as? TemplateError
        let reason = templateError?.kind == .undefined
            ? "Error while evaluating conditional: \(templateError!.message)"
            : "Error rendering expression: \(templateError?.message ?? "\(error)")"
        let moduleFailed = outcome.status == .failed
        if moduleFailed, let exception = outcome.result["exception"] {
            outcome.result["\(keyword)_suppressed_exception"] = exception
        }
        outcome.result["\(keyword)_result"] = .string(reason)
        outcome.result["failed"] = .bool(true)
        outcome.result["exception"] = .string(Self.noTraceback)
        outcome.result["msg"] = .string(
            "Task failed: \(moduleFailed ? "Module" : "Action") failed: A '\(keyword)' expression failed: \(reason)")
        outcome.status = .failed
    }
}
