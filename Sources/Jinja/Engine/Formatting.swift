import Foundation

/// One format spec, as `%` and `str.format` share them: fill, align, sign, zero, width, precision, type.
struct FormatSpec {
    var fill: Character = " "
    var align: Character?
    var sign: Character = "-"
    var alternate = false
    var zero = false
    var width = 0
    var thousands = false
    var precision: Int?
    var type: Character?

    func pad(_ body: String, numeric: Bool) -> String {
        let n = body.count
        guard width > n else { return body }
        let padding = width - n
        let a = align ?? (numeric ? ">" : "<")
        if zero && align == nil && numeric {
            var b = body
            var signPart = ""
            if let f = b.first, f == "-" || f == "+" || f == " " { signPart = String(f); b.removeFirst() }
            return signPart + String(repeating: "0", count: padding) + b
        }
        switch a {
        case "<": return body + String(repeating: fill, count: padding)
        case "^":
            let left = padding / 2
            return String(repeating: fill, count: left) + body + String(repeating: fill, count: padding - left)
        case "=":
            var b = body
            var signPart = ""
            if let f = b.first, f == "-" || f == "+" || f == " " { signPart = String(f); b.removeFirst() }
            return signPart + String(repeating: fill, count: padding) + b
        default: return String(repeating: fill, count: padding) + body
        }
    }

    func signed(_ negative: Bool, _ digits: String) -> String {
        if negative { return "-" + digits }
        if sign == "+" { return "+" + digits }
        if sign == " " { return " " + digits }
        return digits
    }

    static func groupThousands(_ digits: String) -> String {
        var intPart = digits
        var rest = ""
        if let dot = digits.firstIndex(where: { $0 == "." || $0 == "e" }) {
            intPart = String(digits[..<dot])
            rest = String(digits[dot...])
        }
        var out = ""
        for (i, c) in intPart.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed()) + rest
    }

    func formatNumber(_ v: Value) throws -> String {
        let t = type ?? (v.intLike != nil ? "d" : "g")
        switch t {
        case "d", "i", "u":
            guard let d = v.numeric else { throw TemplateError.typeError("%d format: a real number is required, not \(v.pythonTypeName)") }
            let i = v.intLike ?? Int(d.rounded(.towardZero))
            var digits = String(i.magnitude)
            if thousands { digits = FormatSpec.groupThousands(digits) }
            return pad(signed(i < 0, digits), numeric: true)
        case "x", "X", "o", "b":
            guard let i = v.intLike else { throw TemplateError.typeError("an integer is required, not \(v.pythonTypeName)") }
            let radix = t == "o" ? 8 : (t == "b" ? 2 : 16)
            var digits = String(i.magnitude, radix: radix, uppercase: t == "X")
            if alternate { digits = "0" + String(t) + digits }
            return pad(signed(i < 0, digits), numeric: true)
        case "f", "F", "e", "E", "g", "G", "%":
            guard var d = v.numeric else { throw TemplateError.typeError("must be real number, not \(v.pythonTypeName)") }
            if t == "%" { d *= 100 }
            let p = precision ?? 6
            var digits: String
            if d.isNaN { digits = "nan" } else if d.isInfinite { digits = "inf" } else {
                switch t {
                case "f", "F", "%": digits = String(format: "%.\(p)f", abs(d))
                case "e", "E": digits = String(format: "%.\(p)\(t)", abs(d))
                default:
                    if type == nil && precision == nil {
                        digits = Value.pythonFloatRepr(abs(d))
                    } else {
                        digits = String(format: "%.\(max(p, 1))\(t == "G" ? "G" : "g")", abs(d))
                        if alternate == false, digits.contains("e") == false, precision == nil, !digits.contains(".") { }
                    }
                }
            }
            if thousands { digits = FormatSpec.groupThousands(digits) }
            if t == "%" { digits += "%" }
            return pad(signed(d.sign == .minus && !d.isNaN && (d != 0 || true) && d < 0, digits), numeric: true)
        default:
            throw TemplateError(.runtime, "Unknown format code '\(t)' for object of type '\(v.pythonTypeName)'", templateName: "", line: 0)
        }
    }
}

/// Python's `'{} {name:>8}'.format(a, name=b)`.
enum BraceFormat {
    static func parseSpec(_ s: String) -> FormatSpec {
        var spec = FormatSpec()
        var c = Array(s)[...]
        if c.count >= 2, "<>=^".contains(c[c.startIndex + 1]) {
            spec.fill = c.removeFirst()
            spec.align = c.removeFirst()
        } else if let f = c.first, "<>=^".contains(f) {
            spec.align = c.removeFirst()
        }
        if let f = c.first, "+- ".contains(f) { spec.sign = f; c.removeFirst() }
        if c.first == "#" { spec.alternate = true; c.removeFirst() }
        if c.first == "0" { spec.zero = true; c.removeFirst() }
        var w = ""
        while let x = c.first, x.isNumber { w.append(x); c.removeFirst() }
        spec.width = Int(w) ?? 0
        if c.first == "," { spec.thousands = true; c.removeFirst() }
        if c.first == "." {
            c.removeFirst()
            var p = ""
            while let x = c.first, x.isNumber { p.append(x); c.removeFirst() }
            spec.precision = Int(p)
        }
        spec.type = c.first
        return spec
    }

    static func format(_ f: String, _ args: [Value], _ kwargs: [String: Value]) throws -> String {
        var out = ""
        var auto = 0
        var chars = Array(f)[...]
        while let c = chars.popFirst() {
            if c == "}" {
                if chars.first == "}" { chars.removeFirst(); out.append("}"); continue }
                throw TemplateError(.runtime, "Single '}' encountered in format string", templateName: "", line: 0)
            }
            guard c == "{" else { out.append(c); continue }
            if chars.first == "{" { chars.removeFirst(); out.append("{"); continue }
            var field = ""
            while let x = chars.popFirst(), x != "}" { field.append(x) }
            var specText = ""
            var conversion: Character?
            if let colon = field.firstIndex(of: ":") {
                specText = String(field[field.index(after: colon)...])
                field = String(field[..<colon])
            }
            if let bang = field.firstIndex(of: "!") {
                conversion = field[field.index(after: bang)...].first
                field = String(field[..<bang])
            }
            var path = field.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let head = path.isEmpty ? "" : path.removeFirst()
            var value: Value
            if head.isEmpty {
                guard auto < args.count else { throw TemplateError(.runtime, "Replacement index \(auto) out of range for positional args tuple", templateName: "", line: 0) }
                value = args[auto]
                auto += 1
            } else if let i = Int(head) {
                guard i < args.count else { throw TemplateError(.runtime, "Replacement index \(i) out of range for positional args tuple", templateName: "", line: 0) }
                value = args[i]
            } else {
                var name = head
                var index: String?
                if let b = head.firstIndex(of: "[") {
                    name = String(head[..<b])
                    index = String(head[head.index(after: b)...].dropLast())
                }
                guard let v = kwargs[name] else { throw TemplateError(.runtime, "KeyError: '\(name)'", templateName: "", line: 0) }
                value = v
                if let idx = index { value = try getItem(value, Int(idx).map { .int($0) } ?? .string(idx)) }
            }
            for attr in path { value = try getAttribute(value, attr) }
            if case .undefined(let u) = value { throw TemplateError.undefinedError(u) }
            if conversion == "r" { value = .string(value.pythonRepr) }
            let spec = parseSpec(specText)
            switch value {
            case .int, .bool, .double:
                // Like Python: an empty spec is str(); any other spec formats bools as the ints they are.
                out += specText.isEmpty ? value.pythonStr : try spec.formatNumber(value)
            default:
                var s = value.pythonStr
                if let p = spec.precision { s = String(s.prefix(p)) }
                out += spec.pad(s, numeric: false)
            }
        }
        return out
    }
}
