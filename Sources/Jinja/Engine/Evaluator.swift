import OrderedCollections

typealias OrderedDict = OrderedDictionary<String, Value>

// Evaluates expression nodes with Python's semantics and Jinja2's attribute/item lookup rules.

extension RenderContext {
    func eval(_ e: Expr, _ frame: Frame) throws -> Value {
        switch e {
        case .literal(let v):
            if rendersConstantTemplates, case .string(let text) = v, TemplateText.mayHoldTemplate(text) {
                return try renderConstant(text)
            }
            return v
        case .name(let n):
            return try lookup(n, frame)
        case .attribute(let target, let name):
            let base = try eval(target, frame)
            if case .undefined = base, environment.options.chainsUndefined { return base }
            return try getAttribute(base, name)
        case .item(let target, let key):
            let base = try eval(target, frame)
            if case .undefined = base, environment.options.chainsUndefined { return base }
            return try getItem(base, try eval(key, frame))
        case .slice(let target, let a, let b, let c):
            let v = try eval(target, frame)
            return try slice(v, a.map { try eval($0, frame) }, b.map { try eval($0, frame) }, c.map { try eval($0, frame) })
        case .negate(let x):
            return try Operators.negate(try defined(try eval(x, frame)))
        case .plus(let x):
            let v = try defined(try eval(x, frame))
            guard v.numeric != nil else { throw TemplateError.typeError("bad operand type for unary +: '\(v.pythonTypeName)'") }
            if case .bool(let b) = v { return .int(b ? 1 : 0) }
            return v
        case .binary(let op, let l, let r):
            let a = try defined(try eval(l, frame))
            let b = try defined(try eval(r, frame))
            return try Operators.binary(op, a, b)
        case .and(let l, let r):
            let a = try eval(l, frame)
            return a.isTruthy ? try eval(r, frame) : a
        case .or(let l, let r):
            let a = try eval(l, frame)
            return a.isTruthy ? a : try eval(r, frame)
        case .not(let x):
            return .bool(!(try eval(x, frame)).isTruthy)
        case .compare(let first, let ops):
            var left = try eval(first, frame)
            for (op, rightExpr) in ops {
                let right = try eval(rightExpr, frame)
                if !(try Operators.compare(op, try defined(left), try defined(right))) { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .concat(let parts):
            var s = ""
            for p in parts {
                let v = try defined(try eval(p, frame))
                v.appendStr(to: &s)
            }
            return .string(s)
        case .conditional(let cond, let yes, let no):
            if try eval(cond, frame).isTruthy { return try eval(yes, frame) }
            // Jinja2 yields its lenient Undefined here: not defined, yet printing it gives nothing.
            guard let no = no else { return .undefined(Undefined.lenient) }
            return try eval(no, frame)
        case .list(let items):
            var out: [Value] = []
            out.reserveCapacity(items.count)
            for i in items { out.append(try eval(i, frame)) }
            return .list(out)
        case .tuple(let items):
            var out: [Value] = []
            out.reserveCapacity(items.count)
            for i in items { out.append(try eval(i, frame)) }
            return .tuple(out)
        case .dict(let pairs):
            var d = OrderedDict()
            for (k, v) in pairs {
                let key = try defined(try eval(k, frame))
                d[try dictKey(key)] = try eval(v, frame)
            }
            return .dict(d)
        case .call, .methodCall:
            return try evalCall(e, frame, extraKwargs: [:])
        case .filter(let target, let name, let args, let l):
            let v = try eval(target, frame)
            if (name.id == Symbol.defaultFilter.id || name.id == Symbol.dFilter.id) && inlinesDefault {
                // `default` is the most used filter in Ansible templates: evaluated inline, without a call.
                return try inlineDefault(v, args, frame)
            }
            // Jinja2 reports errors at the line of the statement, which the enclosing node supplies.
            _ = l
            return try applyFilter(name, v, args, frame)
        case .test(let target, let name, let args, let negated, let l):
            let v = try eval(target, frame)
            let (positional, keyword) = try evalArguments(args, frame)
            guard let test = environment.test(named: name) else {
                throw TemplateError(.syntax, "No test named '\(name)'.", templateName: "", line: l)
            }
            let result = try test(v, positional, keyword)
            return .bool(negated ? !result : result)
        }
    }

    /// A string constant of the expression rendered as a template with the render's variables, as ansible-core
    /// renders those of a conditional expression and of a lookup's arguments.
    func renderConstant(_ text: String) throws -> Value {
        try environment.compile(text, name: text).renderValue(scope ?? DictionaryScope(variables: [:]))
    }

    /// Raises the undefined error when `v` is undefined (using a value that does not exist).
    @inline(__always)
    func defined(_ v: Value) throws -> Value {
        if case .undefined(let u) = v { throw TemplateError.undefinedError(u) }
        return v
    }

    func dictKey(_ key: Value) throws -> String {
        switch key {
        case .string(let s): return s
        case .int, .double, .bool, .none: return key.pythonStr
        default: throw TemplateError.typeError("unhashable type: '\(key.pythonTypeName)'")
        }
    }

    func evalArguments(_ args: Arguments, _ frame: Frame) throws -> ([Value], [String: Value]) {
        var positional: [Value] = []
        positional.reserveCapacity(args.positional.count)
        for a in args.positional { positional.append(try eval(a, frame)) }
        var keyword: [String: Value] = [:]
        for (k, a) in args.keyword { keyword[k] = try eval(a, frame) }
        if let items = args.unpackedPositional {
            positional += try iterate(try defined(eval(items, frame)))
        }
        if let mapping = args.unpackedKeyword {
            guard case .dict(let d) = try defined(eval(mapping, frame)) else {
                throw TemplateError.typeError("argument after ** must be a mapping")
            }
            for (k, v) in d { keyword[k] = v }
        }
        return (positional, keyword)
    }

    func evalCall(_ e: Expr, _ frame: Frame, extraKwargs: [String: Value]) throws -> Value {
        switch e {
        case .methodCall(let target, let name, let args):
            let receiver = try eval(target, frame)
            var (positional, keyword) = try evalArguments(args, frame)
            for (k, v) in extraKwargs { keyword[k] = v }
            if !args.keyword.isEmpty { keywordOrder = args.keyword.map { $0.0 } }
            if case .undefined(let u) = receiver { throw TemplateError.undefinedError(u) }
            if case .dict(let d) = receiver, !Methods.isDictMethod(name), let v = d[name] {
                return try callValue(v, positional, keyword)
            }
            return try callMethod(on: receiver, name, positional, keyword)
        case .call(let target, let args):
            let callee = try eval(target, frame)
            var rendersConstantArguments = false
            if case .object(let function as ScopedFunction) = callee { rendersConstantArguments = function.rendersConstantArguments }
            // Its string arguments are rendered below, one by one, never as constants of the whole expression.
            let rendersConstants = rendersConstantTemplates
            if rendersConstantArguments { rendersConstantTemplates = false }
            defer { rendersConstantTemplates = rendersConstants }
            var (positional, keyword) = try evalArguments(args, frame)
            if rendersConstantArguments {
                // `lookup('pipe', 'echo {{ x }}')`: a string written in the call is a template; the first
                // argument (which plugin) never is.
                for (index, argument) in args.positional.enumerated().dropFirst() {
                    guard case .literal(.string(let text)) = argument, TemplateText.mayHoldTemplate(text) else { continue }
                    do {
                        positional[index] = try renderConstant(text)
                    } catch let error as TemplateError where error.kind == .undefined {
                        // The function decides (a lookup first checks that its plugin exists).
                        positional[index] = .undefined(Undefined(error.message))
                    }
                }
            }
            for (k, v) in extraKwargs { keyword[k] = v }
            if !args.keyword.isEmpty { keywordOrder = args.keyword.map { $0.0 } }
            return try callValue(callee, positional, keyword)
        default:
            return try eval(e, frame)
        }
    }

    func callValue(_ callee: Value, _ args: [Value], _ kwargs: [String: Value]) throws -> Value {
        switch callee {
        case .object(let scoped as ScopedFunction):
            return try scoped.body(args, kwargs, scope)
        case .object(let o) where o.isCallable:
            return try o.call(args, kwargs)
        case .undefined(let u):
            throw TemplateError.undefinedError(u)
        default:
            throw TemplateError.typeError("'\(callee.pythonTypeName)' object is not callable")
        }
    }

    private func inlineDefault(_ v: Value, _ args: Arguments, _ frame: Frame) throws -> Value {
        guard args.keyword.isEmpty, !args.isUnpacking, args.positional.count <= 2 else {
            let (positional, keyword) = try evalArguments(args, frame)
            return try filters["default"]!(v, positional, keyword)
        }
        var replace = v.isUndefined
        if !replace, args.positional.count == 2 {
            replace = try eval(args.positional[1], frame).isTruthy && !v.isTruthy
        }
        guard replace else { return v }
        return args.positional.isEmpty ? .string("") : try eval(args.positional[0], frame)
    }

    func applyFilter(_ name: String, _ value: Value, _ args: Arguments, _ frame: Frame) throws -> Value {
        try applyFilter(Symbols.intern(name), value, args, frame)
    }

    func applyFilter(_ symbol: Symbol, _ value: Value, _ args: Arguments, _ frame: Frame) throws -> Value {
        let name = symbol.name
        let filter: Filter
        if symbol.id < filterCache.count, let f = filterCache[symbol.id] {
            filter = f
        } else {
            guard let f = filters[name] ?? environment.filter(named: name) else {
                throw TemplateError(.syntax, "No filter named '\(name)'.", templateName: "", line: 0)
            }
            if symbol.id >= filterCache.count {
                filterCache.append(contentsOf: repeatElement(nil, count: symbol.id - filterCache.count + 16))
            }
            filterCache[symbol.id] = f
            filter = f
        }
        var positional: [Value] = []
        var keyword: [String: Value] = [:]
        if !args.isEmpty { (positional, keyword) = try evalArguments(args, frame) }
        if case .undefined(let u) = value, !EngineFilters.acceptsUndefined.contains(Environment.builtinName(name) ?? name) {
            throw TemplateError.undefinedError(u)
        }
        return try filter(value, positional, keyword)
    }
}

/// Jinja2's `getattr`: Python attributes (methods) first, then the item of that name.
func getAttribute(_ v: Value, _ name: String) throws -> Value {
    switch v {
    case .dict(let d):
        if Methods.isDictMethod(name) { return .object(BoundMethod(receiver: v, name: name)) }
        if let x = smallDictLookup(d, name) { return x }
    case .undefined(let u):
        throw TemplateError.undefinedError(u)
    case .object(let o):
        if let x = o.attribute(name) { return x }
    case .string:
        if Methods.isStringMethod(name) { return .object(BoundMethod(receiver: v, name: name)) }
    case .list, .tuple:
        if Methods.isListMethod(name) { return .object(BoundMethod(receiver: v, name: name)) }
    default:
        break
    }
    if case .tuple(let t) = v, t.count == 2 {
        // groupby's items are Python named tuples (grouper, list).
        if name == "grouper" { return t[0] }
        if name == "list" { return t[1] }
    }
    return .undefined(Undefined("\(objectTypeRepr(v)) has no attribute '\(name)'", name: name))
}

/// How Jinja2 names an object in undefined messages: 'dict object', 'None'.
func objectTypeRepr(_ v: Value) -> String {
    if case .none = v { return "'None'" }
    return "'\(v.pythonTypeName) object'"
}

/// Jinja2's `getitem`: the item first, then the attribute of that name.
func getItem(_ v: Value, _ key: Value) throws -> Value {
    switch (v, key) {
    case (.undefined(let u), _):
        throw TemplateError.undefinedError(u)
    case (.dict(let d), .string(let k)):
        if let x = smallDictLookup(d, k) { return x }
        return try getAttribute(v, k)
    case (.dict(let d), _):
        if case .undefined(let u) = key { throw TemplateError.undefinedError(u) }
        if let k = key.intLike, let x = d[String(k)] { return x }
        return .undefined(Undefined(noElementMessage(v, key)))
    case (.list(let items), _), (.tuple(let items), _):
        if case .string(let k) = key { return try getAttribute(v, k) }
        guard let i = key.intLike else {
            if case .undefined(let u) = key { throw TemplateError.undefinedError(u) }
            return .undefined(Undefined(noElementMessage(v, key)))
        }
        let idx = i < 0 ? i + items.count : i
        guard idx >= 0, idx < items.count else {
            return .undefined(Undefined(noElementMessage(v, key)))
        }
        return items[idx]
    case (.string(let s), _):
        if case .string(let k) = key { return try getAttribute(v, k) }
        guard let i = key.intLike else {
            return .undefined(Undefined(noElementMessage(v, key)))
        }
        let chars = Array(s)
        let idx = i < 0 ? i + chars.count : i
        guard idx >= 0, idx < chars.count else {
            return .undefined(Undefined(noElementMessage(v, key)))
        }
        return .string(String(chars[idx]))
    case (_, .string(let k)):
        return try getAttribute(v, k)
    default:
        return .undefined(Undefined(noElementMessage(v, key)))
    }
}

/// Python's slice indices for a sequence of `count` items.
func sliceIndices(count: Int, _ start: Value?, _ stop: Value?, _ step: Value?) throws -> [Int] {
    func intOrNil(_ v: Value?) throws -> Int? {
        guard let v = v else { return nil }
        if case .none = v { return nil }
        if case .undefined(let u) = v { throw TemplateError.undefinedError(u) }
        guard let i = v.intLike else { throw TemplateError.typeError("slice indices must be integers or None or have an __index__ method") }
        return i
    }
    let st = try intOrNil(step) ?? 1
    guard st != 0 else { throw TemplateError(.runtime, "slice step cannot be zero", templateName: "", line: 0) }
    var result: [Int] = []
    if st > 0 {
        var a = try intOrNil(start) ?? 0
        var b = try intOrNil(stop) ?? count
        if a < 0 { a = max(0, a + count) } else { a = min(a, count) }
        if b < 0 { b = max(0, b + count) } else { b = min(b, count) }
        var i = a
        while i < b { result.append(i); i += st }
    } else {
        var a = try intOrNil(start) ?? (count - 1)
        var b = try intOrNil(stop) ?? -count - 1
        if a < 0 { a = max(-1, a + count) } else { a = min(a, count - 1) }
        if b < 0 { b = max(-1, b + count) } else { b = min(b, count - 1) }
        var i = a
        while i > b { result.append(i); i += st }
    }
    return result
}

func slice(_ v: Value, _ a: Value?, _ b: Value?, _ c: Value?) throws -> Value {
    switch v {
    case .list(let items):
        return .list(try sliceIndices(count: items.count, a, b, c).map { items[$0] })
    case .tuple(let items):
        return .tuple(try sliceIndices(count: items.count, a, b, c).map { items[$0] })
    case .string(let s):
        let chars = Array(s)
        return .string(String(try sliceIndices(count: chars.count, a, b, c).map { chars[$0] }))
    case .undefined(let u):
        throw TemplateError.undefinedError(u)
    default:
        throw TemplateError.typeError("'\(v.pythonTypeName)' object is not subscriptable")
    }
}

/// The items `for` walks: a list's items, a dict's keys, a string's characters.
func iterate(_ v: Value) throws -> [Value] {
    switch v {
    case .list(let items), .tuple(let items): return items
    case .dict(let d): return d.keys.map { .string($0) }
    case .string(let s): return s.map { .string(String($0)) }
    case .undefined(let u): throw TemplateError.undefinedError(u)
    case .object(let o):
        if let ns = o as? NamespaceObject { return ns.values.keys.sorted().map { .string($0) } }
        throw TemplateError.typeError("'\(o.typeName)' object is not iterable")
    default: throw TemplateError.typeError("'\(v.pythonTypeName)' object is not iterable")
    }
}

/// Jinja2 quotes the type in "has no attribute" messages but not in "has no element" ones.
func noElementMessage(_ v: Value, _ key: Value) -> String {
    if case .none = v { return "None has no element \(key.pythonRepr)" }
    return "\(v.pythonTypeName) object has no element \(key.pythonRepr)"
}

/// A dict lookup that scans small dicts instead of hashing: template dicts are mostly a handful of keys,
/// and comparing short strings is cheaper than hashing one.
@inline(__always)
func smallDictLookup(_ d: OrderedDict, _ key: String) -> Value? {
    if d.count <= 8 {
        let keys = d.keys.elements
        for i in keys.indices where keys[i] == key { return d.values[i] }
        return nil
    }
    return d[key]
}
