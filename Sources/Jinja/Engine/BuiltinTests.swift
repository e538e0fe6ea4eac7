import Foundation

/// The `is` tests of Jinja2 and Ansible.
enum BuiltinTests {
    static func regexTest(_ value: Value, _ args: [Value], mode: String) throws -> Bool {
        // As Ansible's regex tests (to_text): any other value is searched as Python writes it (a result dict too).
        if value.isUndefined { return false }
        let s = value.pythonStr
        guard let p = args.first, case .string(let pattern) = p else {
            throw TemplateError.typeError("\(mode) test needs a pattern string")
        }
        var options: NSRegularExpression.Options = []
        if args.count > 1, args[1].isTruthy { options.insert(.caseInsensitive) }
        if args.count > 2, args[2].isTruthy { options.insert(.anchorsMatchLines) }
        let re: NSRegularExpression
        do { re = try NSRegularExpression(pattern: pattern, options: options) } catch {
            throw TemplateError.filterError("invalid regular expression '\(pattern)'")
        }
        let range = NSRange(s.startIndex..., in: s)
        let matchOptions: NSRegularExpression.MatchingOptions = mode == "match" ? [.anchored] : []
        return re.firstMatch(in: s, options: matchOptions, range: range) != nil
    }

    static func arg(_ args: [Value], _ name: String) throws -> Value {
        guard let a = args.first else { throw TemplateError.typeError("\(name)() missing 1 required positional argument") }
        return a
    }

    static let all: [String: Test] = {
        var t: [String: Test] = [:]
        t["defined"] = { v, _, _ in !v.isUndefined }
        t["undefined"] = { v, _, _ in v.isUndefined }
        t["none"] = { v, _, _ in if case .none = v { return true }; return false }
        t["string"] = { v, _, _ in if case .string = v { return true }; return false }
        t["number"] = { v, _, _ in switch v { case .int, .double, .bool: return true; default: return false } }
        t["integer"] = { v, _, _ in if case .int = v { return true }; return false }
        t["float"] = { v, _, _ in if case .double = v { return true }; return false }
        t["boolean"] = { v, _, _ in if case .bool = v { return true }; return false }
        t["true"] = { v, _, _ in if case .bool(true) = v { return true }; return false }
        t["false"] = { v, _, _ in if case .bool(false) = v { return true }; return false }
        t["mapping"] = { v, _, _ in if case .dict = v { return true }; return false }
        t["sequence"] = { v, _, _ in switch v { case .list, .tuple, .string, .dict: return true; default: return false } }
        t["iterable"] = { v, _, _ in switch v { case .list, .tuple, .string, .dict: return true; default: return false } }
        t["callable"] = { v, _, _ in if case .object(let o) = v { return o.isCallable }; return false }
        t["sameas"] = { v, a, _ in
            let o = try arg(a, "sameas")
            switch (v, o) {
            case (.none, .none): return true
            case (.bool(let x), .bool(let y)): return x == y
            case (.object(let x), .object(let y)): return x === y
            case (.int(let x), .int(let y)): return x == y && x >= -5 && x <= 256
            default: return false
            }
        }
        t["even"] = { v, _, _ in guard let i = v.intLike else { throw TemplateError.typeError("not all arguments converted during string formatting") }; return i % 2 == 0 }
        t["odd"] = { v, _, _ in guard let i = v.intLike else { throw TemplateError.typeError("not all arguments converted during string formatting") }; return i % 2 != 0 }
        t["divisibleby"] = { v, a, _ in
            let d = try arg(a, "divisibleby")
            let r = try Operators.binary(.mod, try defined(v), d)
            return r.pythonEquals(.int(0))
        }
        t["lower"] = { v, _, _ in guard case .string(let s) = v else { return false }; return s.lowercased() == s && s.contains { $0.isCased } }
        t["upper"] = { v, _, _ in guard case .string(let s) = v else { return false }; return s.uppercased() == s && s.contains { $0.isCased } }
        let compare: [(String, CompareOperator)] = [
            ("eq", .eq), ("equalto", .eq), ("==", .eq), ("ne", .ne), ("!=", .ne), ("lt", .lt), ("lessthan", .lt),
            ("<", .lt), ("gt", .gt), ("greaterthan", .gt), (">", .gt), ("le", .le), ("<=", .le), ("ge", .ge), (">=", .ge),
        ]
        for (name, op) in compare {
            t[name] = { v, a, _ in try Operators.compare(op, try defined(v), try defined(try arg(a, name))) }
        }
        t["in"] = { v, a, _ in try Operators.contains(try defined(try arg(a, "in")), try defined(v)) }
        @Sendable func regexArgs(_ a: [Value], _ k: [String: Value]) -> [Value] {
            var out = a
            for (i, name) in ["pattern", "ignorecase", "multiline", "match_type"].enumerated() where i >= out.count {
                guard let v = k[name] else { break }
                out.append(v)
            }
            // Fill gaps so keyword-only flags land in their positions.
            if out.count < 4 {
                for (i, name) in ["pattern", "ignorecase", "multiline", "match_type"].enumerated() where i >= out.count {
                    out.append(k[name] ?? (i == 3 ? .string("search") : .bool(false)))
                }
            }
            return out
        }
        t["match"] = { v, a, k in try regexTest(v, regexArgs(a, k), mode: "match") }
        t["search"] = { v, a, k in try regexTest(v, regexArgs(a, k), mode: "search") }
        t["regex"] = { v, a, k in
            let args = regexArgs(a, k)
            return try regexTest(v, args, mode: args[3].pythonStr)
        }
        @Sendable func truthy(_ v: Value, _ a: [Value], _ k: [String: Value]) -> Bool {
            if (a.first ?? k["convert_bool"])?.isTruthy == true {
                switch v {
                case .bool(let b): return b
                case .none: return false
                case .string(let s): return ["yes", "on", "1", "true"].contains(s.lowercased())
                case .int(let i): return i == 1
                case .double(let d): return d == 1
                default: return false
                }
            }
            return v.isTruthy
        }
        t["truthy"] = { v, a, k in truthy(v, a, k) }
        t["falsy"] = { v, a, k in !truthy(v, a, k) }
        t["escaped"] = { _, _, _ in false }
        t["filter"] = { _, _, _ in false }
        t["test"] = { _, _, _ in false }
        t.merge(AnsibleResultTests.all) { _, ansible in ansible }
        t.merge(AnsiblePathTests.all) { _, ansible in ansible }
        t.merge(VersionTests.all) { _, ansible in ansible }
        t.merge(AnsibleCollectionTests.all) { _, ansible in ansible }
        return t
    }()
}

@inline(__always)
func defined(_ v: Value) throws -> Value {
    if case .undefined(let u) = v { throw TemplateError.undefinedError(u) }
    return v
}
