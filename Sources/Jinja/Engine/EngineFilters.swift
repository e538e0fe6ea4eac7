import Foundation

/// The filters that need the engine: they call other filters or tests, look up attributes the way
/// templates do, or accept undefined input.
enum EngineFilters {
    /// Filters that receive an undefined input instead of raising.
    static let acceptsUndefined: Set<String> = ["default", "d", "mandatory"]

    static func kw(_ args: [Value], _ kwargs: [String: Value], _ index: Int, _ name: String) -> Value? {
        if index < args.count { return args[index] }
        return kwargs[name]
    }

    /// Jinja2's attribute getter: "a.b.0" walks items then attributes.
    static func attributeGetter(_ path: Value) -> (Value) throws -> Value {
        let parts: [Value] = path.pythonStr.split(separator: ".").map { p in
            if let i = Int(p) { return .int(i) }
            return .string(String(p))
        }
        return { v in
            var cur = v
            for p in parts {
                cur = try getItem(cur, p)
                if case .undefined = cur { return cur }
            }
            return cur
        }
    }

    static func ignoreCase(_ v: Value, _ caseSensitive: Bool) -> Value {
        if !caseSensitive, case .string(let s) = v { return .string(s.lowercased()) }
        return v
    }

    /// Python's stable sort with a throwing `<`.
    static func sorted(_ items: [Value], key: (Value) throws -> Value, reverse: Bool) throws -> [Value] {
        let keyed = try items.enumerated().map { (idx: $0.offset, key: try key($0.element), value: $0.element) }
        let ordered = try keyed.sorted { a, b in
            let c = try a.key.pythonCompare(b.key)
            if c != 0 { return reverse ? c > 0 : c < 0 }
            return a.idx < b.idx
        }
        return ordered.map { $0.value }
    }

    static func make(_ environment: Environment) -> [String: Filter] {
        var f: [String: Filter] = [:]
        unowned let env = environment

        let defaultFilter: Filter = { v, args, kwargs in
            let def = kw(args, kwargs, 0, "default_value") ?? .string("")
            let boolean = kw(args, kwargs, 1, "boolean")?.isTruthy ?? false
            if v.isUndefined || (boolean && !v.isTruthy) { return def }
            return v
        }
        f["default"] = defaultFilter
        f["d"] = defaultFilter

        f["mandatory"] = { v, args, kwargs in
            guard case .undefined(let u) = v else { return v }
            if let msg = kw(args, kwargs, 0, "msg"), !(msg == .none) { throw TemplateError.filterError(msg.pythonStr) }
            throw TemplateError.filterError("Mandatory variable \(u.name.map { "'\($0)' " } ?? "")not defined.")
        }

        f["ternary"] = { v, args, kwargs in
            let yes = kw(args, kwargs, 0, "true_val") ?? .none
            let no = kw(args, kwargs, 1, "false_val") ?? .none
            let none = kw(args, kwargs, 2, "none_val") ?? .none
            if case .none = v, none != .none { return none }
            return v.isTruthy ? yes : no
        }

        f["attr"] = { v, args, _ in
            guard let name = args.first else { throw TemplateError.typeError("attr() missing 1 required positional argument: 'name'") }
            if case .dict = v, !Methods.isDictMethod(name.pythonStr) {
                return .undefined(Undefined("\(objectTypeRepr(v)) has no attribute '\(name.pythonStr)'", name: name.pythonStr))
            }
            return try getAttribute(v, name.pythonStr)
        }

        f["map"] = { v, args, kwargs in
            let items = try iterate(v)
            if let attribute = kwargs["attribute"] {
                let get = attributeGetter(attribute)
                let def = kwargs["default"]
                return .list(try items.map { item in
                    let r = try get(item)
                    if r.isUndefined, let d = def { return d }
                    return r
                })
            }
            guard let nameValue = args.first, case .string(let name) = nameValue else {
                throw TemplateError.filterError("map requires a filter name or attribute=")
            }
            guard let filter = env.filter(named: name) else {
                throw TemplateError.filterError("No filter named '\(name)'.")
            }
            let rest = Array(args.dropFirst())
            return .list(try items.map { item in
                if case .undefined(let u) = item, !acceptsUndefined.contains(Environment.builtinName(name) ?? name) { throw TemplateError.undefinedError(u) }
                return try filter(item, rest, kwargs)
            })
        }

        func selectOrReject(_ select: Bool, attribute: Bool) -> Filter {
            return { v, args, _ in
                var rest = args
                var get: (Value) throws -> Value = { $0 }
                if attribute {
                    guard let a = rest.first else { throw TemplateError.filterError("Missing parameter for attribute name") }
                    get = attributeGetter(a)
                    rest.removeFirst()
                }
                var test: (Value) throws -> Bool = { $0.isTruthy }
                if let nameValue = rest.first {
                    let name = nameValue.pythonStr
                    guard let t = env.test(named: name) else {
                        throw TemplateError.filterError("No test named '\(name)'.")
                    }
                    let testArgs = Array(rest.dropFirst())
                    test = { try t($0, testArgs, [:]) }
                }
                return .list(try iterate(v).filter { item in try test(try get(item)) == select })
            }
        }
        f["select"] = selectOrReject(true, attribute: false)
        f["reject"] = selectOrReject(false, attribute: false)
        f["selectattr"] = selectOrReject(true, attribute: true)
        f["rejectattr"] = selectOrReject(false, attribute: true)

        f["sort"] = { v, args, kwargs in
            let reverse = kw(args, kwargs, 0, "reverse")?.isTruthy ?? false
            let caseSensitive = kw(args, kwargs, 1, "case_sensitive")?.isTruthy ?? false
            var getters: [(Value) throws -> Value] = []
            if let a = kw(args, kwargs, 2, "attribute") {
                for part in a.pythonStr.split(separator: ",") {
                    getters.append(attributeGetter(.string(part.trimmingCharacters(in: .whitespaces))))
                }
            }
            let key: (Value) throws -> Value = { item in
                if getters.isEmpty { return ignoreCase(item, caseSensitive) }
                if getters.count == 1 { return ignoreCase(try defined(try getters[0](item)), caseSensitive) }
                return .list(try getters.map { ignoreCase(try defined(try $0(item)), caseSensitive) })
            }
            return .list(try sorted(try iterate(v), key: key, reverse: reverse))
        }

        f["dictsort"] = { v, args, kwargs in
            guard case .dict(let d) = v else { throw TemplateError.filterError("You can only sort by either \"key\" or \"value\"") }
            let caseSensitive = kw(args, kwargs, 0, "case_sensitive")?.isTruthy ?? false
            let by = kw(args, kwargs, 1, "by")?.pythonStr ?? "key"
            let reverse = kw(args, kwargs, 2, "reverse")?.isTruthy ?? false
            guard by == "key" || by == "value" else { throw TemplateError.filterError("You can only sort by either \"key\" or \"value\"") }
            let pairs: [Value] = d.map { .tuple([.string($0.key), $0.value]) }
            return .list(try sorted(pairs, key: { p in
                guard case .tuple(let t) = p else { return p }
                return ignoreCase(by == "key" ? t[0] : t[1], caseSensitive)
            }, reverse: reverse))
        }

        f["groupby"] = { v, args, kwargs in
            guard let a = kw(args, kwargs, 0, "attribute") else { throw TemplateError.typeError("groupby() missing 1 required positional argument: 'attribute'") }
            let def = kw(args, kwargs, 1, "default")
            let caseSensitive = kw(args, kwargs, 2, "case_sensitive")?.isTruthy ?? false
            let get = attributeGetter(a)
            let keyOf: (Value) throws -> Value = { item in
                var k = try get(item)
                if k.isUndefined, let d = def { k = d }
                return ignoreCase(try defined(k), caseSensitive)
            }
            let items = try sorted(try iterate(v), key: keyOf, reverse: false)
            var groups: [Value] = []
            var currentKey: Value?
            var currentItems: [Value] = []
            var firstOriginalKey: Value = .none
            for item in items {
                let k = try keyOf(item)
                if let ck = currentKey, ck.pythonEquals(k) {
                    currentItems.append(item)
                } else {
                    if currentKey != nil { groups.append(.tuple([firstOriginalKey, .list(currentItems)])) }
                    currentKey = k
                    var orig = try get(item)
                    if orig.isUndefined, let d = def { orig = d }
                    firstOriginalKey = orig
                    currentItems = [item]
                }
            }
            if currentKey != nil { groups.append(.tuple([firstOriginalKey, .list(currentItems)])) }
            return .list(groups)
        }

        f["unique"] = { v, args, kwargs in
            let caseSensitive = kw(args, kwargs, 0, "case_sensitive")?.isTruthy ?? false
            let get = kw(args, kwargs, 1, "attribute").map { attributeGetter($0) }
            var seen = Set<PythonKey>()
            var out: [Value] = []
            for item in try iterate(v) {
                var k = item
                if let g = get { k = try g(item) }
                k = ignoreCase(k, caseSensitive)
                if seen.insert(PythonKey(k)).inserted { out.append(item) }
            }
            return .list(out)
        }

        func minMax(_ isMax: Bool) -> Filter {
            return { v, args, kwargs in
                let caseSensitive = kw(args, kwargs, 0, "case_sensitive")?.isTruthy ?? false
                let get = kw(args, kwargs, 1, "attribute").map { attributeGetter($0) }
                let items = try iterate(v)
                guard var best = items.first else {
                    return .undefined(Undefined("No aggregated item, sequence was empty."))
                }
                func key(_ x: Value) throws -> Value {
                    ignoreCase(try get.map { try defined(try $0(x)) } ?? x, caseSensitive)
                }
                var bestKey = try key(best)
                for item in items.dropFirst() {
                    let k = try key(item)
                    let c = try k.pythonCompare(bestKey)
                    if isMax ? c > 0 : c < 0 { best = item; bestKey = k }
                }
                return best
            }
        }
        f["min"] = minMax(false)
        f["max"] = minMax(true)

        f["sum"] = { v, args, kwargs in
            let get = kw(args, kwargs, 0, "attribute").map { attributeGetter($0) }
            var total = kw(args, kwargs, 1, "start") ?? .int(0)
            for item in try iterate(v) {
                let x = try defined(try get.map { try $0(item) } ?? item)
                total = try Operators.binary(.add, total, x)
            }
            return total
        }
        return f
    }
}

extension Environment {
    static func makeGlobals() -> [String: Value] {
        var g: [String: Value] = [:]
        g["range"] = .object(NativeFunction("range") { args, _ in
            let ints = try args.map { a -> Int in
                guard let i = a.intLike else { throw TemplateError.typeError("'\(a.pythonTypeName)' object cannot be interpreted as an integer") }
                return i
            }
            var start = 0, stop = 0, step = 1
            switch ints.count {
            case 1: stop = ints[0]
            case 2: start = ints[0]; stop = ints[1]
            case 3: start = ints[0]; stop = ints[1]; step = ints[2]
            default: throw TemplateError.typeError("range expected at most 3 arguments, got \(ints.count)")
            }
            guard step != 0 else { throw TemplateError(.runtime, "range() arg 3 must not be zero", templateName: "", line: 0) }
            var out: [Value] = []
            var i = start
            while step > 0 ? i < stop : i > stop {
                out.append(.int(i))
                guard out.count <= 100_000 else { throw TemplateError(.runtime, "range too big, max 100000 items", templateName: "", line: 0) }
                i += step
            }
            return .list(out)
        })
        g["dict"] = .object(NativeFunction("dict") { args, kwargs in
            var d = OrderedDict()
            if let first = args.first, case .dict(let base) = first {
                d = base
            } else if let first = args.first {
                // Python's dict(pairs): `dict(keys | zip(values))`.
                for pair in try first.pythonIterated("dict") {
                    var kv: [Value] = []
                    if case .list(let l) = pair { kv = l } else if case .tuple(let t) = pair { kv = t }
                    guard kv.count == 2 else {
                        throw TemplateError.typeError("dictionary update sequence element has length other than 2")
                    }
                    d[kv[0].pythonStr] = kv[1]
                }
            }
            for k in kwargs.keys.sorted() { d[k] = kwargs[k] }
            return .dict(d)
        })
        // Ansible's now(utc=False, fmt=None): the time as text, strftime's format with Python's %f (microseconds).
        g["now"] = .object(NativeFunction("now") { args, kwargs in
            let utc = (args.first ?? kwargs["utc"])?.isTruthy ?? false
            let seconds = Date().timeIntervalSince1970
            let micros = String(format: "%06d", Int((seconds - seconds.rounded(.down)) * 1_000_000))
            var format = "%Y-%m-%d %H:%M:%S.%f"
            if let given = args.count > 1 ? args[1] : kwargs["fmt"], !given.isNoneValue { format = given.pythonStr }
            let text = try AnsibleFilters.strftime(.string(format.replacingOccurrences(of: "%f", with: micros)),
                                                   FilterArguments("now", [.double(seconds), .bool(utc)], [:]))
            return text
        })
        g["namespace"] = .object(NativeFunction("namespace") { args, kwargs in
            var values = kwargs
            if let first = args.first, case .dict(let base) = first { for (k, v) in base where values[k] == nil { values[k] = v } }
            return .object(NamespaceObject(values))
        })
        g["cycler"] = .object(NativeFunction("cycler") { args, _ in .object(CyclerObject(args)) })
        g["joiner"] = .object(NativeFunction("joiner") { args, _ in .object(JoinerObject(args.first?.pythonStr ?? ", ")) })
        return g
    }
}
