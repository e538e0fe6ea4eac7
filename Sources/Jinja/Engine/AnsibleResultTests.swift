/// Ansible's tests on a registered task result: `result is changed`, `is failed`, `is succeeded`, `is skipped`...
enum AnsibleResultTests {
    static let all: [String: Test] = {
        var t: [String: Test] = [:]
        let changed = flag("changed", default: false, throughLoopResults: true)
        let failed = flag("failed", default: false)
        let skipped = flag("skipped", default: false)
        let unreachable = flag("unreachable", default: false)
        let finished = flag("finished", default: true)
        let started = flag("started", default: true)
        for name in ["changed", "change"] { t[name] = { v, _, _ in try changed(v, name) } }
        for name in ["failed", "failure"] { t[name] = { v, _, _ in try failed(v, name) } }
        for name in ["succeeded", "success", "successful"] { t[name] = { v, _, _ in try !failed(v, name) } }
        for name in ["skipped", "skip"] { t[name] = { v, _, _ in try skipped(v, name) } }
        t["unreachable"] = { v, _, _ in try unreachable(v, "unreachable") }
        t["reachable"] = { v, _, _ in try !unreachable(v, "reachable") }
        t["finished"] = { v, _, _ in try finished(v, "finished") }
        t["started"] = { v, _, _ in try started(v, "started") }
        // A task ended by its `timeout:` keyword: `timedout.period` is set.
        t["timedout"] = { v, _, _ in
            guard case .dict(let result) = try defined(v) else {
                throw TemplateError.filterError("The 'timedout' test expects a dictionary")
            }
            guard let timedout = result["timedout"], timedout.isTruthy else { return false }
            if case .dict(let details) = timedout { return details["period"]?.isTruthy ?? false }
            return false
        }
        return t
    }()

    /// A test reading one boolean key of a result dict; `changed` also looks at a loop's `results`, as Ansible does.
    private static func flag(_ key: String, default fallback: Bool, throughLoopResults: Bool = false)
        -> @Sendable (Value, String) throws -> Bool {
        return { value, test in
            guard case .dict(let result) = try defined(value) else {
                throw TemplateError.filterError("The '\(test)' test expects a dictionary")
            }
            if let flag = result[key] { return flag.isTruthy }
            if throughLoopResults, case .list(let items)? = result["results"], case .dict? = items.first {
                return items.contains { item in
                    if case .dict(let each) = item { return each[key]?.isTruthy ?? false }
                    return false
                }
            }
            return fallback
        }
    }
}
