import OrderedCollections

/// A filter call's arguments, read the way Python binds them: by position or by keyword, with defaults.
struct FilterArguments {
    let filter: String
    let positional: [Value]
    let keywords: [String: Value]

    init(_ filter: String, _ positional: [Value], _ keywords: [String: Value]) {
        self.filter = filter
        self.positional = positional
        self.keywords = keywords
    }

    /// The argument at `index` (after the filtered value) or named `name`; nil when not given.
    func value(_ index: Int, _ name: String) -> Value? {
        if index < positional.count { return positional[index] }
        return keywords[name]
    }

    func string(_ index: Int, _ name: String, default fallback: String) throws -> String {
        guard let v = value(index, name), !v.isNoneValue else { return fallback }
        return v.pythonStr
    }

    func optionalString(_ index: Int, _ name: String) -> String? {
        guard let v = value(index, name), !v.isNoneValue else { return nil }
        return v.pythonStr
    }

    func int(_ index: Int, _ name: String, default fallback: Int) throws -> Int {
        guard let v = value(index, name), !v.isNoneValue else { return fallback }
        switch v {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        case .double(let d) where d.rounded(.towardZero) == d && abs(d) < 9e18: return Int(d)
        default:
            throw TemplateError.filterError(
                "\(filter): '\(name)' must be an integer, got \(v.pythonTypeName) \(v.pythonRepr)")
        }
    }

    func optionalInt(_ index: Int, _ name: String) throws -> Int? {
        guard let v = value(index, name), !v.isNoneValue else { return nil }
        return try int(index, name, default: 0)
    }

    func bool(_ index: Int, _ name: String, default fallback: Bool) -> Bool {
        guard let v = value(index, name) else { return fallback }
        return v.isTruthy
    }

    /// Rejects keyword arguments the filter does not take, as Python would with a TypeError.
    func allowKeywords(_ names: Set<String>) throws {
        for key in keywords.keys.sorted() where !names.contains(key) {
            throw TemplateError.typeError("\(filter)() got an unexpected keyword argument '\(key)'")
        }
    }
}

extension Value {
    var isNoneValue: Bool {
        if case .none = self { return true }
        return false
    }

    /// The items Python's `iter()` yields: list and tuple items, a string's characters, a dict's keys.
    func pythonIterated(_ filter: String) throws -> [Value] {
        switch self {
        case .list(let items), .tuple(let items): return items
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }  // code points, as Python iterates
        case .dict(let d): return d.keys.map { .string($0) }
        case .undefined(let u): throw TemplateError.undefinedError(u)
        default: throw TemplateError.typeError("'\(pythonTypeName)' object is not iterable")
        }
    }

    /// `attribute` looked up the way Jinja's `attribute=` arguments do: dotted path, dict keys or list indices.
    func lookupAttribute(_ path: String) -> Value {
        var current = self
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            let key = String(part)
            switch current {
            case .dict(let d):
                guard let next = d[key] else { return .undefined(Undefined("'dict object' has no attribute '\(key)'")) }
                current = next
            case .list(let items), .tuple(let items):
                guard let index = Int(key), index >= -items.count, index < items.count else {
                    return .undefined(Undefined("'\(current.pythonTypeName) object' has no attribute '\(key)'"))
                }
                current = items[index < 0 ? index + items.count : index]
            default:
                return .undefined(Undefined("'\(current.pythonTypeName) object' has no attribute '\(key)'"))
            }
        }
        return current
    }
}
