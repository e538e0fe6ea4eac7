/// Ansible's tests on lists and numbers: `seq is contains(x)`, `is any`, `is all`, `a is subset(b)`,
/// `a is superset(b)` (and their `issubset`/`issuperset` names), `x is nan`, `x is finite` (and `isnan`, `isfinite`).
enum AnsibleCollectionTests {
    static let all: [String: Test] = {
        var t: [String: Test] = [:]
        t["contains"] = { v, a, k in
            guard let item = a.first ?? k["value"] else { throw TemplateError.typeError("contains() missing 1 required positional argument: 'value'") }
            return try Operators.contains(try defined(v), try defined(item))
        }
        t["any"] = { v, _, _ in try defined(v).pythonIterated("any").contains { $0.isTruthy } }
        t["all"] = { v, _, _ in try defined(v).pythonIterated("all").allSatisfy { $0.isTruthy } }
        @Sendable func within(_ small: Value, _ large: Value, _ name: String) throws -> Bool {
            let pool = try defined(large).pythonIterated(name)
            return try defined(small).pythonIterated(name).allSatisfy { item in pool.contains { $0 == item } }
        }
        for name in ["subset", "issubset"] {
            t[name] = { v, a, k in try within(v, try BuiltinTests.arg(a.isEmpty ? k["b"].map { [$0] } ?? [] : a, name), name) }
        }
        for name in ["superset", "issuperset"] {
            t[name] = { v, a, k in try within(try BuiltinTests.arg(a.isEmpty ? k["b"].map { [$0] } ?? [] : a, name), v, name) }
        }
        t["nan"] = { v, _, _ in if case .double(let d) = try defined(v) { return d.isNaN }; return false }
        t["isnan"] = t["nan"]
        t["finite"] = { v, _, _ in
            switch try defined(v) {
            case .double(let d): return d.isFinite
            case .int, .bool: return true
            case .string(let s): return Double(s)?.isFinite ?? false
            default: return false
            }
        }
        t["isfinite"] = t["finite"]
        return t
    }()
}
