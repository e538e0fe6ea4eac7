import Foundation

/// Python's printf-style `%` formatting (`'%s-%05.2f' % (a, b)`), used by the `format` filter and the `%` operator.
public enum PercentFormat {
    /// Formats `template` with `arguments`: a tuple gives the positional values, a dict feeds `%(name)s`,
    /// anything else is the single value.
    public static func format(_ template: String, _ arguments: Value) throws -> String {
        var positional: [Value]
        var mapping: OrderedDictionaryOfValues?
        switch arguments {
        case .tuple(let items): positional = items
        case .dict(let d): positional = [arguments]; mapping = d
        default: positional = [arguments]
        }
        var next = 0
        var out = ""
        let chars = Array(template.unicodeScalars)
        var i = 0
        func take() throws -> Value {
            guard next < positional.count else {
                throw TemplateError.typeError("not enough arguments for format string")
            }
            defer { next += 1 }
            return positional[next]
        }
        var usedMapping = false
        while i < chars.count {
            let c = chars[i]
            guard c == "%" else { out.unicodeScalars.append(c); i += 1; continue }
            i += 1
            guard i < chars.count else { throw TemplateError.runtime("incomplete format") }
            var key: String?
            if chars[i] == "(" {
                var depth = 1
                var j = i + 1
                var name = String.UnicodeScalarView()
                while j < chars.count {
                    if chars[j] == "(" { depth += 1 } else if chars[j] == ")" { depth -= 1; if depth == 0 { break } }
                    name.append(chars[j])
                    j += 1
                }
                guard j < chars.count else { throw TemplateError.runtime("incomplete format key") }
                key = String(name)
                i = j + 1
            }
            var flags = Set<Unicode.Scalar>()
            while i < chars.count, "-+ #0".unicodeScalars.contains(chars[i]) { flags.insert(chars[i]); i += 1 }
            var width: Int?
            if i < chars.count, chars[i] == "*" {
                width = try take().intLike
                i += 1
            } else {
                var digits = ""
                while i < chars.count, ("0"..."9").contains(chars[i]) { digits.unicodeScalars.append(chars[i]); i += 1 }
                if !digits.isEmpty { width = Int(digits) }
            }
            var precision: Int?
            if i < chars.count, chars[i] == "." {
                i += 1
                if i < chars.count, chars[i] == "*" {
                    precision = try take().intLike
                    i += 1
                } else {
                    var digits = ""
                    while i < chars.count, ("0"..."9").contains(chars[i]) { digits.unicodeScalars.append(chars[i]); i += 1 }
                    precision = Int(digits) ?? 0
                }
            }
            while i < chars.count, "hlL".unicodeScalars.contains(chars[i]) { i += 1 }
            guard i < chars.count else { throw TemplateError.runtime("incomplete format") }
            let conversion = chars[i]
            i += 1
            if conversion == "%" { out += "%"; continue }
            let value: Value
            if let key = key {
                guard let mapping = mapping else { throw TemplateError.typeError("format requires a mapping") }
                guard let v = mapping[key] else { throw TemplateError.runtime("KeyError: '\(key)'") }
                usedMapping = true
                value = v
            } else {
                value = try take()
            }
            let body = try convert(value, conversion, flags: flags, precision: precision)
            out += pad(body, width: width, flags: flags, numeric: !"srac".unicodeScalars.contains(conversion))
        }
        if next < positional.count && !(mapping != nil && (usedMapping || next == 0)) {
            throw TemplateError.typeError("not all arguments converted during string formatting")
        }
        return out
    }

    private static func convert(_ value: Value, _ conversion: Unicode.Scalar, flags: Set<Unicode.Scalar>,
                                precision: Int?) throws -> String {
        switch conversion {
        case "s":
            let s = value.pythonStr
            if let p = precision { return String(String.UnicodeScalarView(s.unicodeScalars.prefix(p))) }
            return s
        case "r", "a":
            let s = value.pythonRepr
            if let p = precision { return String(String.UnicodeScalarView(s.unicodeScalars.prefix(p))) }
            return s
        case "c":
            if case .int(let code) = value, let scalar = Unicode.Scalar(UInt32(clamping: code)) { return String(scalar) }
            if case .string(let s) = value, s.unicodeScalars.count == 1 { return s }
            throw TemplateError.typeError("%c requires int or char")
        case "d", "i", "u":
            let (negative, digits) = try integerDigits(value, conversion)
            return sign(negative, flags) + digits.leftPadded(to: precision ?? 0)
        case "x", "X", "o":
            guard let n = value.intLike else {
                throw TemplateError.typeError("%\(conversion) format: an integer is required, not \(value.pythonTypeName)")
            }
            var digits = String(n.magnitude, radix: conversion == "o" ? 8 : 16, uppercase: conversion == "X")
            digits = digits.leftPadded(to: precision ?? 0)
            if flags.contains("#") { digits = (conversion == "o" ? "0o" : (conversion == "X" ? "0X" : "0x")) + digits }
            return sign(n < 0, flags) + digits
        case "e", "E", "f", "F", "g", "G":
            guard let d = value.numeric else {
                throw TemplateError.typeError("must be real number, not \(value.pythonTypeName)")
            }
            if d.isNaN || d.isInfinite {
                let word = d.isNaN ? "nan" : "inf"
                let cased = "EFG".unicodeScalars.contains(conversion) ? word.uppercased() : word
                return sign(d < 0, flags) + cased
            }
            let alt = flags.contains("#") ? "#" : ""
            let body = String(format: "%\(alt).\(precision ?? 6)\(conversion)", d.magnitude)
            return sign(d.sign == .minus, flags) + body
        default:
            throw TemplateError.runtime("unsupported format character '\(conversion)'")
        }
    }

    /// The sign and decimal digits of int(value); floats beyond Int's range keep all their digits, as Python's do.
    private static func integerDigits(_ value: Value, _ conversion: Unicode.Scalar) throws -> (Bool, String) {
        switch value {
        case .int(let i): return (i < 0, String(i.magnitude))
        case .bool(let b): return (false, b ? "1" : "0")
        case .double(let d) where d.isFinite:
            let whole = d.rounded(.towardZero)
            return (whole < 0, String(format: "%.0f", whole.magnitude))
        case .double(let d):
            throw TemplateError.runtime("cannot convert float \(d.isNaN ? "NaN" : "infinity") to integer")
        default:
            throw TemplateError.typeError("%\(conversion) format: a real number is required, not \(value.pythonTypeName)")
        }
    }

    private static func sign(_ negative: Bool, _ flags: Set<Unicode.Scalar>) -> String {
        if negative { return "-" }
        if flags.contains("+") { return "+" }
        if flags.contains(" ") { return " " }
        return ""
    }

    /// Pads to `width`: left-justified with `-`, zero-filled after the sign with `0` for numbers.
    private static func pad(_ body: String, width: Int?, flags: Set<Unicode.Scalar>, numeric: Bool) -> String {
        let length = body.unicodeScalars.count
        guard let width = width, width > length else { return body }
        let fill = width - length
        if flags.contains("-") { return body + String(repeating: " ", count: fill) }
        if flags.contains("0") && numeric {
            var rest = Substring(body)
            var prefix = ""
            if let first = rest.first, "+- ".contains(first) { prefix = String(first); rest = rest.dropFirst() }
            if rest.hasPrefix("0x") || rest.hasPrefix("0X") || rest.hasPrefix("0o") {
                prefix += rest.prefix(2)
                rest = rest.dropFirst(2)
            }
            return prefix + String(repeating: "0", count: fill) + rest
        }
        return String(repeating: " ", count: fill) + body
    }
}

extension TemplateError {
    /// A runtime failure (Python's ValueError and friends) whose location the engine fills in.
    static func runtime(_ message: String) -> TemplateError {
        TemplateError(.runtime, message, templateName: "", line: 0)
    }
}
