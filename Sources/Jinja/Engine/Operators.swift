import Foundation

/// Python's arithmetic and comparison operators over Values.
enum Operators {
    static func unsupported(_ op: String, _ a: Value, _ b: Value) -> TemplateError {
        TemplateError.typeError("unsupported operand type(s) for \(op): '\(a.pythonTypeName)' and '\(b.pythonTypeName)'")
    }

    static func overflow() -> TemplateError {
        TemplateError(.runtime, "integer result is too large for deckhand (64-bit integers)", templateName: "", line: 0)
    }

    static func negate(_ v: Value) throws -> Value {
        switch v {
        case .int(let i):
            guard i != Int.min else { throw overflow() }
            return .int(-i)
        case .bool(let b): return .int(b ? -1 : 0)
        case .double(let d): return .double(-d)
        default: throw TemplateError.typeError("bad operand type for unary -: '\(v.pythonTypeName)'")
        }
    }

    static func binary(_ op: BinaryOperator, _ a: Value, _ b: Value) throws -> Value {
        // Fast path: both ints (bools count as ints in Python).
        if let x = a.intLike, let y = b.intLike {
            return try intOp(op, x, y)
        }
        if let x = a.numeric, let y = b.numeric {
            return try floatOp(op, x, y)
        }
        switch (op, a, b) {
        case (.add, .string(let x), .string(let y)): return .string(x + y)
        case (.add, .list(let x), .list(let y)): return .list(x + y)
        case (.add, .tuple(let x), .tuple(let y)): return .tuple(x + y)
        case (.add, .string, _):
            throw TemplateError.typeError("can only concatenate str (not \"\(b.pythonTypeName)\") to str")
        case (.add, .list, _):
            throw TemplateError.typeError("can only concatenate list (not \"\(b.pythonTypeName)\") to list")
        case (.add, .tuple, _):
            throw TemplateError.typeError("can only concatenate tuple (not \"\(b.pythonTypeName)\") to tuple")
        case (.mul, .string(let s), _) where b.intLike != nil:
            return .string(String(repeating: s, count: max(0, b.intLike!)))
        case (.mul, _, .string(let s)) where a.intLike != nil:
            return .string(String(repeating: s, count: max(0, a.intLike!)))
        case (.mul, .list(let l), _) where b.intLike != nil:
            return .list(repeated(l, b.intLike!))
        case (.mul, _, .list(let l)) where a.intLike != nil:
            return .list(repeated(l, a.intLike!))
        case (.mul, .tuple(let l), _) where b.intLike != nil:
            return .tuple(repeated(l, b.intLike!))
        case (.mul, .string, _), (.mul, .list, _), (.mul, .tuple, _):
            throw TemplateError.typeError("can't multiply sequence by non-int of type '\(b.pythonTypeName)'")
        case (.mod, .string(let f), _):
            return .string(try PercentFormat.format(f, b))
        default:
            throw unsupported(op.rawValue, a, b)
        }
    }

    static func repeated(_ l: [Value], _ n: Int) -> [Value] {
        guard n > 0 else { return [] }
        var out: [Value] = []
        out.reserveCapacity(l.count * n)
        for _ in 0..<n { out.append(contentsOf: l) }
        return out
    }

    static func intOp(_ op: BinaryOperator, _ x: Int, _ y: Int) throws -> Value {
        switch op {
        case .add:
            let (r, o) = x.addingReportingOverflow(y)
            if o { throw overflow() }
            return .int(r)
        case .sub:
            let (r, o) = x.subtractingReportingOverflow(y)
            if o { throw overflow() }
            return .int(r)
        case .mul:
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if o { throw overflow() }
            return .int(r)
        case .div:
            guard y != 0 else { throw zeroDivision("division by zero") }
            return .double(Double(x) / Double(y))
        case .floorDiv:
            guard y != 0 else { throw zeroDivision("integer division or modulo by zero") }
            return .int(floorDiv(x, y))
        case .mod:
            guard y != 0 else { throw zeroDivision("integer modulo by zero") }
            let r = x % y
            return .int(r != 0 && (r < 0) != (y < 0) ? r + y : r)
        case .pow:
            if y < 0 { return .double(pow(Double(x), Double(y))) }
            var result = 1, base = x, e = y
            while e > 0 {
                if e & 1 == 1 {
                    let (r, o) = result.multipliedReportingOverflow(by: base)
                    if o { throw overflow() }
                    result = r
                }
                e >>= 1
                if e > 0 {
                    let (b2, o) = base.multipliedReportingOverflow(by: base)
                    if o { throw overflow() }
                    base = b2
                }
            }
            return .int(result)
        }
    }

    static func floorDiv(_ x: Int, _ y: Int) -> Int {
        let q = x / y
        return (x % y != 0 && (x < 0) != (y < 0)) ? q - 1 : q
    }

    static func zeroDivision(_ message: String) -> TemplateError {
        TemplateError(.runtime, message, templateName: "", line: 0)
    }

    static func floatOp(_ op: BinaryOperator, _ x: Double, _ y: Double) throws -> Value {
        switch op {
        case .add: return .double(x + y)
        case .sub: return .double(x - y)
        case .mul: return .double(x * y)
        case .div:
            guard y != 0 else { throw zeroDivision("float division by zero") }
            return .double(x / y)
        case .floorDiv:
            guard y != 0 else { throw zeroDivision("float floor division by zero") }
            return .double(Foundation.floor(x / y))
        case .mod:
            guard y != 0 else { throw zeroDivision("float modulo") }
            var r = fmod(x, y)
            if r != 0 && (r < 0) != (y < 0) { r += y }
            return .double(r)
        case .pow:
            if x == 0 && y < 0 { throw zeroDivision("0.0 cannot be raised to a negative power") }
            return .double(pow(x, y))
        }
    }

    static func compare(_ op: CompareOperator, _ a: Value, _ b: Value) throws -> Bool {
        switch op {
        case .eq: return a.pythonEquals(b)
        case .ne: return !a.pythonEquals(b)
        case .lt: return try a.pythonCompare(b, op: "<") < 0
        case .le: return try a.pythonCompare(b, op: "<=") <= 0
        case .gt: return try a.pythonCompare(b, op: ">") > 0
        case .ge: return try a.pythonCompare(b, op: ">=") >= 0
        case .isIn: return try contains(b, a)
        case .notIn: return try !contains(b, a)
        }
    }

    /// Python's `needle in container`.
    static func contains(_ container: Value, _ needle: Value) throws -> Bool {
        switch container {
        case .string(let s):
            guard case .string(let n) = needle else {
                throw TemplateError.typeError("'in <string>' requires string as left operand, not \(needle.pythonTypeName)")
            }
            return n.isEmpty || s.contains(n)
        case .list(let items), .tuple(let items):
            return items.contains { $0.pythonEquals(needle) }
        case .dict(let d):
            switch needle {
            case .string(let k): return d[k] != nil
            case .list, .dict: throw TemplateError.typeError("unhashable type: '\(needle.pythonTypeName)'")
            default: return false
            }
        case .object(let o):
            if let ns = o as? NamespaceObject, case .string(let k) = needle { return ns.values[k] != nil }
            throw TemplateError.typeError("argument of type '\(o.typeName)' is not iterable")
        default:
            throw TemplateError.typeError("argument of type '\(container.pythonTypeName)' is not iterable")
        }
    }
}
