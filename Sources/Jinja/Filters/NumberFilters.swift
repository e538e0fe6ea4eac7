import Foundation

/// Conversions and arithmetic filters: int, float, bool (Ansible's), round, abs.
enum NumberFilters {
    static let table: [String: PureFilters.Body] = [
        "int": int,
        "float": float,
        "bool": bool,
        "round": round,
        "abs": abs,
    ]

    /// Jinja's int: Python's int(), then int(float()) so "42.23" gives 42, then the default.
    @Sendable static func int(_ value: Value, _ args: FilterArguments) throws -> Value {
        let fallback = args.value(0, "default") ?? .int(0)
        let base = try args.int(1, "base", default: 10)
        switch value {
        case .int: return value
        case .bool(let b): return .int(b ? 1 : 0)
        case .double(let d): return try truncated(d) ?? fallback
        case .string(let s):
            if let i = parseInt(s, base: base) { return .int(i) }
            if let d = parseFloat(s) { return try truncated(d) ?? fallback }
            return fallback
        default:
            return fallback
        }
    }

    /// int(float): NaN and infinity fall back to the default as in Jinja; finite values beyond 64 bits are errors
    /// rather than a silently wrong number (Python would give a big integer).
    private static func truncated(_ d: Double) throws -> Value? {
        if !d.isFinite { return nil }
        guard Swift.abs(d) < 9.2e18 else {
            throw TemplateError.filterError("int: \(Value.pythonFloatRepr(d)) is beyond the 64-bit integers deckhand handles")
        }
        return .int(Int(d.rounded(.towardZero)))
    }

    /// Python's int(s, base): surrounding whitespace, a sign, `_` between digits, 0x/0o/0b prefixes.
    static func parseInt(_ text: String, base: Int) -> Int? {
        var s = Substring(TextFilters.strip(text, chars: nil))
        var negative = false
        if let first = s.first, first == "+" || first == "-" { negative = first == "-"; s = s.dropFirst() }
        var radix = base
        let lower = s.lowercased()
        let prefixes: [(String, Int)] = [("0x", 16), ("0o", 8), ("0b", 2)]
        for (prefix, prefixBase) in prefixes where lower.hasPrefix(prefix) && (base == prefixBase || base == 0) {
            radix = prefixBase
            s = s.dropFirst(2)
            if s.first == "_" { s = s.dropFirst() }
            break
        }
        if radix == 0 {
            // Base 0 without a prefix: decimal, and a leading zero is only allowed for zero itself.
            radix = 10
            if s.count > 1, s.first == "0", s.contains(where: { $0 != "0" && $0 != "_" }) { return nil }
        }
        guard (2...36).contains(radix), !s.isEmpty, s.first != "_", s.last != "_", !s.contains("__") else { return nil }
        guard let magnitude = Int(s.replacingOccurrences(of: "_", with: ""), radix: radix) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// Python's float(s): whitespace, `_` between digits, inf/nan spelled any case.
    static func parseFloat(_ text: String) -> Double? {
        let s = TextFilters.strip(text, chars: nil)
        guard !s.isEmpty else { return nil }
        let lower = s.lowercased()
        var body = Substring(lower)
        var negative = false
        if let first = body.first, first == "+" || first == "-" { negative = first == "-"; body = body.dropFirst() }
        if body == "inf" || body == "infinity" { return negative ? -.infinity : .infinity }
        if body == "nan" { return .nan }
        guard body.allSatisfy({ "0123456789._e+-".contains($0) }), body.first != "_", body.last != "_",
              !body.contains("__") else { return nil }
        let cleaned = lower.replacingOccurrences(of: "_", with: "")
        guard cleaned.contains(where: { $0.isNumber }) else { return nil }
        return Double(cleaned)
    }

    @Sendable static func float(_ value: Value, _ args: FilterArguments) throws -> Value {
        let fallback = args.value(0, "default") ?? .double(0)
        switch value {
        case .double: return value
        case .int(let i): return .double(Double(i))
        case .bool(let b): return .double(b ? 1 : 0)
        case .string(let s): return parseFloat(s).map { .double($0) } ?? fallback
        default: return fallback
        }
    }

    /// Ansible's bool: yes/on/1/true (any case) and the number 1 are true, None stays None, the rest is false.
    @Sendable static func bool(_ value: Value, _ args: FilterArguments) throws -> Value {
        switch value {
        case .none, .bool: return value
        case .string(let s): return .bool(["yes", "on", "1", "true"].contains(s.lowercased()))
        case .int(let i): return .bool(i == 1)
        case .double(let d): return .bool(d == 1)
        default: return .bool(false)
        }
    }

    /// Jinja's round: Python's round() (half to even on the exact binary value) or math.ceil/floor.
    @Sendable static func round(_ value: Value, _ args: FilterArguments) throws -> Value {
        let precision = try args.int(0, "precision", default: 0)
        let method = try args.string(1, "method", default: "common")
        guard let x = value.numeric else {
            throw TemplateError.typeError("type \(value.pythonTypeName) doesn't define __round__ method")
        }
        switch method {
        case "common":
            if let i = value.intLike { return .int(roundInt(i, precision)) }
            return .double(pythonRound(x, precision))
        case "ceil", "floor":
            let scale = pow(10.0, Double(precision))
            let scaled = x * scale
            let rounded = method == "ceil" ? scaled.rounded(.up) : scaled.rounded(.down)
            return .double(rounded / scale)
        default:
            throw TemplateError.filterError("round: method must be common, ceil or floor, not '\(method)'")
        }
    }

    private static func roundInt(_ i: Int, _ precision: Int) -> Int {
        guard precision < 0 else { return i }
        guard precision > -19 else { return 0 }
        var p = 1
        for _ in 0..<(-precision) { p *= 10 }
        let q = i / p, r = i % p
        var down = q * p
        var rem = r
        if rem < 0 { down -= p; rem += p }
        if rem * 2 > p || (rem * 2 == p && (down / p) % 2 != 0) { return down + p }
        return down
    }

    /// Python's round(x, n): correctly rounded to n decimals, ties to even on the exact value.
    static func pythonRound(_ x: Double, _ n: Int) -> Double {
        guard x.isFinite else { return x }
        if n >= 0 {
            if n > 308 { return x }
            return Double(String(format: "%.\(n)f", x)) ?? x
        }
        let scale = pow(10.0, Double(-n))
        let rounded = (x / scale).rounded(.toNearestOrEven) * scale
        return rounded == 0 ? (x.sign == .minus ? -0.0 : 0.0) : rounded
    }

    @Sendable static func abs(_ value: Value, _ args: FilterArguments) throws -> Value {
        switch value {
        case .int(let i): return .int(Swift.abs(i))
        case .bool(let b): return .int(b ? 1 : 0)
        case .double(let d): return .double(Swift.abs(d))
        default: throw TemplateError.typeError("bad operand type for abs(): '\(value.pythonTypeName)'")
        }
    }
}
