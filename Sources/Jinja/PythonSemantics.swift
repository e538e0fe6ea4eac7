import Foundation
import OrderedCollections

// Python's view of a Value: what str() and repr() print, what is truthy, what is equal and ordered.
// Users compare rendered files with what Ansible wrote before, so these follow CPython exactly.

extension TemplateError {
    /// A Python TypeError raised where the location is not known yet; the engine fills in template and line.
    public static func typeError(_ message: String) -> TemplateError {
        TemplateError(.type, message, templateName: "", line: 0)
    }

    /// A filter failure (bad argument, bad input) whose location the engine fills in.
    public static func filterError(_ message: String) -> TemplateError {
        TemplateError(.filter, message, templateName: "", line: 0)
    }

    /// Using an undefined value; the engine fills in template and line.
    public static func undefinedError(_ undefined: Undefined) -> TemplateError {
        TemplateError(.undefined, undefined.message, templateName: "", line: 0)
    }
}

extension Value {
    /// Python's type name, as TypeError messages print it.
    public var pythonTypeName: String {
        switch self {
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .list: return "list"
        case .dict: return "dict"
        case .tuple: return "tuple"
        case .undefined: return "StrictUndefined"
        case .object(let o): return o.typeName
        }
    }

    /// What `{{ value }}` prints: Python's `str()`.
    public var pythonStr: String {
        switch self {
        case .string(let s): return s
        case .undefined: return ""
        default: return pythonRepr
        }
    }

    /// Python's `repr()`: strings quoted, containers with their items' reprs.
    public var pythonRepr: String {
        var out = ""
        appendRepr(to: &out)
        return out
    }

    /// Appends `str()` to `out` without an intermediate string for the common scalar cases.
    public func appendStr(to out: inout String) {
        switch self {
        case .string(let s): out += s
        case .int(let i): out += String(i)
        case .undefined: break
        default: appendRepr(to: &out)
        }
    }

    func appendRepr(to out: inout String) {
        switch self {
        case .none: out += "None"
        case .bool(let b): out += b ? "True" : "False"
        case .int(let i): out += String(i)
        case .double(let d): out += Value.pythonFloatRepr(d)
        case .string(let s): out += Value.pythonStringRepr(s)
        case .list(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                item.appendRepr(to: &out)
            }
            out += "]"
        case .tuple(let items):
            out += "("
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                item.appendRepr(to: &out)
            }
            out += items.count == 1 ? ",)" : ")"
        case .dict(let d):
            out += "{"
            var first = true
            for (k, v) in d {
                if !first { out += ", " }
                first = false
                out += Value.pythonStringRepr(k)
                out += ": "
                v.appendRepr(to: &out)
            }
            out += "}"
        case .undefined: out += "Undefined"
        case .object(let o): out += o.displayName
        }
    }

    /// Python's repr of a str: single quotes unless the text has ' and no ".
    public static func pythonStringRepr(_ s: String) -> String {
        let useDouble = s.contains("'") && !s.contains("\"")
        let quote: Character = useDouble ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "'" where !useDouble: out += "\\'"
            default:
                let v = scalar.value
                if v < 0x20 || v == 0x7f {
                    out += "\\x" + hex(v, width: 2)
                } else if v >= 0x80 && v < 0xa0 {
                    out += "\\x" + hex(v, width: 2)
                } else if !isPrintable(scalar) {
                    if v < 0x100 {
                        out += "\\x" + hex(v, width: 2)
                    } else {
                        out += v <= 0xffff ? "\\u" + hex(v, width: 4) : "\\U" + hex(v, width: 8)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append(quote)
        return out
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    // Python's str.isprintable() for non-ASCII: not a control, format, separator (except space) or unassigned.
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
            return false
        case .spaceSeparator:
            return scalar == " "
        default:
            return true
        }
    }

    /// Python's repr of a float: shortest round-trip digits, exponent form below 1e-4 or from 1e16.
    public static func pythonFloatRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description also yields the shortest round-trip digits; re-lay them out Python's way.
        let desc = abs(d).description
        var digits = ""
        var exponent = 0
        var mantissa = Substring(desc)
        if let e = desc.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = desc[..<e]
            exponent = Int(desc[desc.index(after: e)...]) ?? 0
        }
        var pointPos = mantissa.count
        if let dot = mantissa.firstIndex(of: ".") {
            pointPos = mantissa.distance(from: mantissa.startIndex, to: dot)
        }
        for c in mantissa where c != "." { digits.append(c) }
        // Normalise: strip leading zeros (adjusting the point), then trailing zeros.
        var decimalExponent = pointPos + exponent  // position of the decimal point relative to digits start
        while digits.count > 1 && digits.first == "0" {
            digits.removeFirst()
            decimalExponent -= 1
        }
        while digits.count > 1 && digits.last == "0" { digits.removeLast() }
        let sign = d < 0 ? "-" : ""
        let exp10 = decimalExponent - 1
        if exp10 < -4 || exp10 >= 16 {
            var s = sign + String(digits.first!)
            if digits.count > 1 { s += "." + digits.dropFirst() }
            let e = abs(exp10)
            s += (exp10 < 0 ? "e-" : "e+") + (e < 10 ? "0" : "") + String(e)
            return s
        }
        if decimalExponent <= 0 {
            return sign + "0." + String(repeating: "0", count: -decimalExponent) + digits
        }
        if decimalExponent >= digits.count {
            return sign + digits + String(repeating: "0", count: decimalExponent - digits.count) + ".0"
        }
        let idx = digits.index(digits.startIndex, offsetBy: decimalExponent)
        return sign + digits[..<idx] + "." + digits[idx...]
    }

    /// Python's truthiness; undefined is falsy (testing it never raises).
    public var isTruthy: Bool {
        switch self {
        case .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.isEmpty
        case .tuple(let t): return !t.isEmpty
        case .dict(let d): return !d.isEmpty
        case .undefined: return false
        case .object: return true
        }
    }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// The numeric value when this is bool, int or float (Python's numeric tower).
    var numeric: Double? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    var intLike: Int? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return i
        default: return nil
        }
    }

    /// Python's `==`: 1 == 1.0 == True, list != tuple, containers compare item by item.
    public func pythonEquals(_ other: Value) -> Bool {
        switch (self, other) {
        case (.none, .none): return true
        case (.string(let a), .string(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)):
            guard a.count == b.count else { return false }
            for i in a.indices where !a[i].pythonEquals(b[i]) { return false }
            return true
        case (.dict(let a), .dict(let b)):
            guard a.count == b.count else { return false }
            for (k, v) in a {
                guard let w = b[k], v.pythonEquals(w) else { return false }
            }
            return true
        case (.undefined, .undefined): return true
        case (.object(let a), .object(let b)): return a === b
        default:
            if let a = intLike, let b = other.intLike { return a == b }
            if let a = numeric, let b = other.numeric { return a == b }
            return false
        }
    }

    /// Python's ordering: numbers with numbers, str with str, sequences item by item; anything else
    /// is a TypeError naming the operator, e.g. "'<' not supported between instances of 'str' and 'int'".
    public func pythonCompare(_ other: Value, op: String = "<") throws -> Int {
        switch (self, other) {
        case (.string(let a), .string(let b)):
            if a == b { return 0 }
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : 1
        case (.int(let a), .int(let b)):
            return a < b ? -1 : (a == b ? 0 : 1)
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)):
            for i in 0..<min(a.count, b.count) where !a[i].pythonEquals(b[i]) {
                return try a[i].pythonCompare(b[i], op: op)
            }
            return a.count < b.count ? -1 : (a.count == b.count ? 0 : 1)
        default:
            if let a = intLike, let b = other.intLike { return a < b ? -1 : (a == b ? 0 : 1) }
            if let a = numeric, let b = other.numeric {
                return a < b ? -1 : (a == b ? 0 : (a > b ? 1 : 0))
            }
            throw TemplateError.typeError(
                "'\(op)' not supported between instances of '\(pythonTypeName)' and '\(other.pythonTypeName)'")
        }
    }

    /// `self < other` in Python.
    public func pythonLess(_ other: Value) throws -> Bool { try pythonCompare(other, op: "<") < 0 }
}

/// A Value hashed and compared with Python's semantics (1, 1.0 and True are one key), for unique/union/groupby.
public struct PythonKey: Hashable {
    public let value: Value

    public init(_ value: Value) { self.value = value }

    public static func == (lhs: PythonKey, rhs: PythonKey) -> Bool { lhs.value.pythonEquals(rhs.value) }

    public func hash(into hasher: inout Hasher) {
        PythonKey.hash(value, into: &hasher)
    }

    private static func hash(_ v: Value, into hasher: inout Hasher) {
        switch v {
        case .bool(let b): hasher.combine(0); hasher.combine(b ? 1 : 0)
        case .int(let i): hasher.combine(0); hasher.combine(i)
        case .double(let d):
            if d.rounded() == d, abs(d) < 9.2e18 { hasher.combine(0); hasher.combine(Int(d)) } else { hasher.combine(1); hasher.combine(d) }
        case .list(let l): hasher.combine(2); for x in l { hash(x, into: &hasher) }
        case .tuple(let l): hasher.combine(3); for x in l { hash(x, into: &hasher) }
        case .dict(let d): hasher.combine(4); hasher.combine(d.count)
        default: hasher.combine(v)
        }
    }
}
