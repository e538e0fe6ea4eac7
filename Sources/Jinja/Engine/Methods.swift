import Foundation

/// The Python methods templates call on strings, lists and dicts (`'a,b'.split(',')`, `d.items()`).
enum Methods {
    static let stringMethods: Set<String> = [
        "split", "rsplit", "startswith", "endswith", "strip", "lstrip", "rstrip", "lower", "upper", "replace",
        "format", "join", "title", "capitalize", "splitlines", "count", "index", "find", "rfind", "rindex",
        "isdigit", "isalpha", "isalnum", "isspace", "islower", "isupper", "isnumeric", "isdecimal", "istitle",
        "zfill", "ljust", "rjust", "center", "partition", "rpartition", "casefold", "swapcase", "removeprefix",
        "removesuffix", "expandtabs", "encode",
    ]
    static let listMethods: Set<String> = ["count", "index", "copy"]
    static let dictMethods: Set<String> = ["items", "keys", "values", "get", "copy"]

    static func isStringMethod(_ n: String) -> Bool { stringMethods.contains(n) }
    static func isListMethod(_ n: String) -> Bool { listMethods.contains(n) }
    /// A switch, not a set: this runs on every `dict.attr` and hashing the name would dominate.
    @inline(__always)
    static func isDictMethod(_ n: String) -> Bool {
        switch n {
        case "items", "keys", "values", "get", "copy": return true
        default: return false
        }
    }
}

func argCount(_ name: String, _ args: [Value], _ min: Int, _ max: Int) throws {
    if args.count < min || args.count > max {
        let expected = min == max ? "exactly \(min)" : (args.count < min ? "at least \(min)" : "at most \(max)")
        throw TemplateError.typeError("\(name)() takes \(expected) argument\(max == 1 && min == max ? "" : "s") (\(args.count) given)")
    }
}

func stringArg(_ method: String, _ v: Value) throws -> String {
    guard case .string(let s) = v else {
        throw TemplateError.typeError("\(method)() argument must be str, not \(v.pythonTypeName)")
    }
    return s
}

/// Calls `name` on `receiver` as Python would, or raises Jinja2's undefined error for a missing method.
func callMethod(on receiver: Value, _ name: String, _ args: [Value], _ kwargs: [String: Value]) throws -> Value {
    for a in args { if case .undefined(let u) = a { throw TemplateError.undefinedError(u) } }
    switch receiver {
    case .string(let s) where Methods.isStringMethod(name):
        return try stringMethod(s, name, args, kwargs)
    case .list(let items) where Methods.isListMethod(name), .tuple(let items) where Methods.isListMethod(name):
        switch name {
        case "count": try argCount(name, args, 1, 1); return .int(items.filter { $0.pythonEquals(args[0]) }.count)
        case "index":
            try argCount(name, args, 1, 1)
            guard let i = items.firstIndex(where: { $0.pythonEquals(args[0]) }) else {
                throw TemplateError(.runtime, "\(args[0].pythonRepr) is not in list", templateName: "", line: 0)
            }
            return .int(i)
        default: return receiver
        }
    case .dict(let d) where Methods.isDictMethod(name):
        switch name {
        case "items": return .list(d.map { .tuple([.string($0.key), $0.value]) })
        case "keys": return .list(d.keys.map { .string($0) })
        case "values": return .list(Array(d.values))
        case "get":
            try argCount(name, args, 1, 2)
            let def = args.count > 1 ? args[1] : .none
            guard case .string(let k) = args[0] else { return def }
            return d[k] ?? def
        default: return receiver
        }
    case .object(let o):
        if let loop = o as? LoopObject, let v = try loop.callMethod(name, args) { return v }
        if let c = o as? CyclerObject {
            switch name {
            case "next":
                guard !c.items.isEmpty else { return .none }
                let v = c.items[c.position]
                c.position = (c.position + 1) % c.items.count
                return v
            case "reset":
                c.position = 0
                return .none
            default: break
            }
        }
        if let v = o.attribute(name) {
            if case .object(let callee) = v, callee.isCallable { return try callee.call(args, kwargs) }
            throw TemplateError.typeError("'\(v.pythonTypeName)' object is not callable")
        }
    case .undefined(let u):
        throw TemplateError.undefinedError(u)
    default:
        break
    }
    throw TemplateError.undefinedError(Undefined("\(objectTypeRepr(receiver)) has no attribute '\(name)'"))
}

private func isPythonSpace(_ c: Character) -> Bool { c.isWhitespace }

private func pySplit(_ s: String, _ sep: String?, _ maxsplit: Int) -> [String] {
    var parts: [String] = []
    if let sep = sep {
        var rest = Substring(s)
        while maxsplit < 0 || parts.count < maxsplit, let r = rest.range(of: sep) {
            parts.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
    // Whitespace split: runs of whitespace separate, no empty strings.
    var i = s.startIndex
    while i < s.endIndex {
        while i < s.endIndex, isPythonSpace(s[i]) { i = s.index(after: i) }
        guard i < s.endIndex else { break }
        if maxsplit >= 0 && parts.count == maxsplit {
            var end = s.endIndex
            while end > i, isPythonSpace(s[s.index(before: end)]) { end = s.index(before: end) }
            parts.append(String(s[i..<end]))
            break
        }
        var j = i
        while j < s.endIndex, !isPythonSpace(s[j]) { j = s.index(after: j) }
        parts.append(String(s[i..<j]))
        i = j
    }
    return parts
}

private func pyRSplit(_ s: String, _ sep: String?, _ maxsplit: Int) -> [String] {
    if maxsplit < 0 { return pySplit(s, sep, maxsplit) }
    let rev = String(s.reversed())
    let parts = pySplit(rev, sep.map { String($0.reversed()) }, maxsplit)
    return parts.reversed().map { String($0.reversed()) }
}

private func stripChars(_ s: String, _ chars: Value?, left: Bool, right: Bool) throws -> String {
    let set: ((Character) -> Bool)
    if let c = chars, case .string(let cs) = c {
        set = { cs.contains($0) }
    } else {
        set = isPythonSpace
    }
    var sub = Substring(s)
    if left { while let f = sub.first, set(f) { sub = sub.dropFirst() } }
    if right { while let l = sub.last, set(l) { sub = sub.dropLast() } }
    return String(sub)
}

func pythonTitle(_ s: String) -> String {
    var out = ""
    var prevCased = false
    for c in s {
        if c.isLetter {
            out += prevCased ? c.lowercased() : c.uppercased()
            prevCased = true
        } else {
            out.append(c)
            prevCased = false
        }
    }
    return out
}

func pythonCapitalize(_ s: String) -> String {
    guard let f = s.first else { return s }
    return f.uppercased() + s.dropFirst().lowercased()
}

func pythonSplitlines(_ s: String, keepends: Bool = false) -> [String] {
    var lines: [String] = []
    var cur = ""
    for c in s {
        if c == "\n" || c == "\r" || c == "\r\n" || c == "\u{0B}" || c == "\u{0C}" || c == "\u{1C}" || c == "\u{1D}" || c == "\u{1E}" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}" {
            if keepends { cur.append(c) }
            lines.append(cur)
            cur = ""
        } else {
            cur.append(c)
        }
    }
    if !cur.isEmpty { lines.append(cur) }
    return lines
}

private func stringMethod(_ s: String, _ name: String, _ args: [Value], _ kwargs: [String: Value]) throws -> Value {
    func sepArg(_ i: Int, _ key: String) throws -> String? {
        let v = i < args.count ? args[i] : kwargs[key]
        guard let v = v else { return nil }
        if case .none = v { return nil }
        let sep = try stringArg(name, v)
        if sep.isEmpty { throw TemplateError(.runtime, "empty separator", templateName: "", line: 0) }
        return sep
    }
    func intArg(_ i: Int, _ key: String, _ def: Int) throws -> Int {
        let v = i < args.count ? args[i] : kwargs[key]
        guard let v = v else { return def }
        guard let n = v.intLike else { throw TemplateError.typeError("'\(v.pythonTypeName)' object cannot be interpreted as an integer") }
        return n
    }
    switch name {
    case "split":
        return .list(pySplit(s, try sepArg(0, "sep"), try intArg(1, "maxsplit", -1)).map { .string($0) })
    case "rsplit":
        return .list(pyRSplit(s, try sepArg(0, "sep"), try intArg(1, "maxsplit", -1)).map { .string($0) })
    case "startswith", "endswith":
        try argCount(name, args, 1, 3)
        let candidates: [Value]
        if case .tuple(let t) = args[0] { candidates = t } else { candidates = [args[0]] }
        for c in candidates {
            guard case .string(let p) = c else {
                throw TemplateError.typeError("\(name) first arg must be str or a tuple of str, not \(c.pythonTypeName)")
            }
            if name == "startswith" ? s.hasPrefix(p) : s.hasSuffix(p) { return .bool(true) }
        }
        return .bool(false)
    case "strip": return .string(try stripChars(s, args.first, left: true, right: true))
    case "lstrip": return .string(try stripChars(s, args.first, left: true, right: false))
    case "rstrip": return .string(try stripChars(s, args.first, left: false, right: true))
    case "lower", "casefold": return .string(s.lowercased())
    case "upper": return .string(s.uppercased())
    case "swapcase": return .string(String(s.map { $0.isUppercase ? Character($0.lowercased()) : Character($0.uppercased()) }))
    case "title": return .string(pythonTitle(s))
    case "capitalize": return .string(pythonCapitalize(s))
    case "replace":
        try argCount(name, args, 2, 3)
        let old = try stringArg(name, args[0]), new = try stringArg(name, args[1])
        let count = args.count > 2 ? (args[2].intLike ?? -1) : -1
        if count < 0 {
            if old.isEmpty {
                var out = new
                for c in s { out.append(c); out += new }
                return .string(out)
            }
            return .string(s.replacingOccurrences(of: old, with: new))
        }
        var out = ""
        var rest = Substring(s)
        var n = 0
        while n < count, !old.isEmpty, let r = rest.range(of: old) {
            out += rest[..<r.lowerBound]
            out += new
            rest = rest[r.upperBound...]
            n += 1
        }
        out += rest
        return .string(out)
    case "format":
        return .string(try BraceFormat.format(s, args, kwargs))
    case "join":
        try argCount(name, args, 1, 1)
        var parts: [String] = []
        for item in try iterate(args[0]) {
            guard case .string(let p) = item else {
                throw TemplateError.typeError("sequence item \(parts.count): expected str instance, \(item.pythonTypeName) found")
            }
            parts.append(p)
        }
        return .string(parts.joined(separator: s))
    case "splitlines":
        return .list(pythonSplitlines(s, keepends: (args.first ?? kwargs["keepends"])?.isTruthy ?? false).map { .string($0) })
    case "count":
        try argCount(name, args, 1, 1)
        let sub = try stringArg(name, args[0])
        if sub.isEmpty { return .int(s.count + 1) }
        return .int(s.components(separatedBy: sub).count - 1)
    case "find", "index", "rfind", "rindex":
        try argCount(name, args, 1, 1)
        let sub = try stringArg(name, args[0])
        let r = name.hasPrefix("r") ? s.range(of: sub, options: .backwards) : s.range(of: sub)
        guard let range = r else {
            if name.hasSuffix("index") { throw TemplateError(.runtime, "substring not found", templateName: "", line: 0) }
            return .int(-1)
        }
        return .int(s.distance(from: s.startIndex, to: range.lowerBound))
    case "isdigit", "isnumeric", "isdecimal": return .bool(!s.isEmpty && s.allSatisfy { $0.isNumber })
    case "isalpha": return .bool(!s.isEmpty && s.allSatisfy { $0.isLetter })
    case "isalnum": return .bool(!s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber })
    case "isspace": return .bool(!s.isEmpty && s.allSatisfy { $0.isWhitespace })
    case "islower": return .bool(s.contains { $0.isCased } && !s.contains { $0.isUppercase })
    case "isupper": return .bool(s.contains { $0.isCased } && !s.contains { $0.isLowercase })
    case "istitle": return .bool(!s.isEmpty && pythonTitle(s) == s && s.contains { $0.isCased })
    case "zfill":
        let width = try intArg(0, "width", 0)
        guard s.count < width else { return .string(s) }
        var body = s
        var sign = ""
        if let f = s.first, f == "-" || f == "+" { sign = String(f); body.removeFirst() }
        return .string(sign + String(repeating: "0", count: width - s.count) + body)
    case "ljust", "rjust", "center":
        let width = try intArg(0, "width", 0)
        let fill = args.count > 1 ? try stringArg(name, args[1]) : " "
        let pad = max(0, width - s.count)
        if pad == 0 { return .string(s) }
        switch name {
        case "ljust": return .string(s + String(repeating: fill, count: pad))
        case "rjust": return .string(String(repeating: fill, count: pad) + s)
        default:
            // CPython centres with the extra space on the left when the padding and width are both odd.
            let left = pad / 2 + (pad & width & 1)
            return .string(String(repeating: fill, count: left) + s + String(repeating: fill, count: pad - left))
        }
    case "partition", "rpartition":
        try argCount(name, args, 1, 1)
        let sep = try stringArg(name, args[0])
        let r = name == "partition" ? s.range(of: sep) : s.range(of: sep, options: .backwards)
        guard let range = r else {
            return name == "partition" ? .tuple([.string(s), .string(""), .string("")]) : .tuple([.string(""), .string(""), .string(s)])
        }
        return .tuple([.string(String(s[..<range.lowerBound])), .string(sep), .string(String(s[range.upperBound...]))])
    case "removeprefix":
        let p = try stringArg(name, args.first ?? .none)
        return .string(s.hasPrefix(p) ? String(s.dropFirst(p.count)) : s)
    case "removesuffix":
        let p = try stringArg(name, args.first ?? .none)
        return .string(s.hasSuffix(p) && !p.isEmpty ? String(s.dropLast(p.count)) : s)
    case "expandtabs":
        return .string(s.replacingOccurrences(of: "\t", with: String(repeating: " ", count: try intArg(0, "tabsize", 8))))
    case "encode":
        return .string(s)
    default:
        throw TemplateError.undefinedError(Undefined("'str object' has no attribute '\(name)'"))
    }
}
