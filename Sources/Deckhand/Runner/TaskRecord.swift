import Foundation
import Jinja
import OrderedCollections

/// What a task has recorded so far on one host, as Ansible 2.21's task context keeps it: the result of each
/// loop item (the current item's replaced on each retry), whether the loop has ended. Conditions, arguments
/// and labels read it as `_task` (`result`, `loop_result`, `polymorphic_result`), and `register:` projections
/// become visible once the first result is recorded (so a loop's later items see them, a lone task does not).
final class TaskRecord: @unchecked Sendable {
    let isLoop: Bool
    /// `register:` as name -> expression (`register: r` is `r: _task.polymorphic_result`).
    let projections: OrderedDictionary<String, String>
    /// Each a result dict (kept as values so that `_task.loop_result` shares them, not copies them).
    private(set) var results: [Value] = []
    /// The loop item's variables (loop var, index var) every result of the current item carries.
    private var itemFields: OrderedDictionary<String, Value> = [:]
    private var currentRecorded = false
    private var projectionsVisible = false
    /// Set after the last item (or the one `break_when` stopped at): `polymorphic_result` is the loop's result.
    var loopExited = false {
        didSet { version += 1 }
    }
    /// The scope the last item ran with: the final register projections are evaluated over it.
    var lastScope: TemplatedScope?

    init(isLoop: Bool, projections: OrderedDictionary<String, String>) {
        self.isLoop = isLoop
        self.projections = projections
    }

    /// A new loop item starts: its first result is appended, later ones (retries) replace it.
    func startItem(_ fields: OrderedDictionary<String, Value>) {
        itemFields = fields
        currentRecorded = false
    }

    /// Records (or, for the same item, replaces) the current result.
    func record(_ result: OrderedDictionary<String, Value>) {
        version += 1
        var result = result
        for (key, value) in itemFields { result[key] = value }
        if currentRecorded, !results.isEmpty {
            results[results.count - 1] = .dict(result)
        } else {
            results.append(.dict(result))
            currentRecorded = true
        }
        projectionsVisible = true
    }

    /// `base` with `_task` and, once a result is recorded, the register projections. The same scope until the
    /// next record, so that what its variables rendered to is rendered once (a `when` and the arguments).
    func scope(_ base: TemplatedScope) -> TemplatedScope {
        if let cached, cached.base === base, cached.version == version { return cached.scope }
        var scope = base.adding(["_task": taskValue])
        if projectionsVisible && !projections.isEmpty { scope = scope.projecting(projections) }
        cached = (base, version, scope)
        return scope
    }

    private var version = 0
    private var cached: (base: TemplatedScope, version: Int, scope: TemplatedScope)?

    /// The loop's result as Ansible builds it: changed/failed when any item is, skipped when all are, a `msg`,
    /// and every item's result under `results`.
    func loopResult() -> OrderedDictionary<String, Value> {
        func flag(_ result: Value, _ key: String) -> Bool {
            if case .dict(let dict) = result { return dict[key]?.isTruthy == true }
            return false
        }
        var result: OrderedDictionary<String, Value> = ["changed": .bool(results.contains { flag($0, "changed") })]
        let failed = results.contains { flag($0, "failed") }
        if failed { result["failed"] = .bool(true) }
        if results.isEmpty {
            result["skipped"] = .bool(true)
            result["skipped_reason"] = .string("No items in the list")
        } else if results.allSatisfy({ flag($0, "skipped") }) {
            result["skipped"] = .bool(true)
            result["msg"] = .string("All items skipped")
        } else {
            result["msg"] = .string(failed ? "One or more items failed" : "All items completed")
        }
        result["results"] = .list(results)
        return result
    }

    private var taskValue: Value {
        var task = OrderedDictionary<String, Value>()
        let latest = results.last
        if let latest { task["result"] = latest }
        if isLoop { task["loop_result"] = .dict(loopResult()) }
        if isLoop && loopExited { task["polymorphic_result"] = .dict(loopResult()) } else if let latest {
            task["polymorphic_result"] = latest
        }
        return .dict(task)
    }

    /// The variables `register:` sets once the task is done: each projection's value over the last item's
    /// scope, and the projections that failed (their names hold an undefined saying why; the task fails).
    func registeredValues(_ templating: Templating, base: TemplatedScope)
        -> (values: OrderedDictionary<String, Value>, errors: [(name: String, error: Error)]) {
        let scope = self.scope(lastScope ?? base)
        var values = OrderedDictionary<String, Value>()
        var errors: [(name: String, error: Error)] = []
        for name in projections.keys {
            do {
                guard let value = try scope.value(named: name) else { continue }
                if let undefined = value.firstUndefined { throw TemplateError.undefinedError(undefined) }
                values[name] = value
            } catch {
                errors.append((name, error))
                // As Ansible: the name is set, undefined, and using it says why.
                let reason = (error as? TemplateError)?.message ?? "\(error)"
                values[name] = .undefined(Undefined(
                    "The variable '\(name)' is undefined because its register expression failed: \(reason)", name: name))
            }
        }
        return (values, errors)
    }
}
