// The lexer's number and string literals, read as Jinja2 reads them (Python's literal syntax).

extension Lexer {
    mutating func lexNumber() throws {
        let s = pos
        let afterDot: Bool = { if case .op(".")? = tokens.last?.token { return true }; return false }()
        func digits() { while pos < bytes.count, Lexer.isDigit(bytes[pos]) || (bytes[pos] == 95 && pos + 1 < bytes.count && Lexer.isDigit(bytes[pos + 1])) { pos += 1 } }
        if bytes[pos] == UInt8(ascii: "0"), pos + 1 < bytes.count, [UInt8(ascii: "x"), UInt8(ascii: "o"), UInt8(ascii: "b")].contains(bytes[pos + 1] | 0x20) {
            let radix = bytes[pos + 1] | 0x20 == UInt8(ascii: "x") ? 16 : (bytes[pos + 1] | 0x20 == UInt8(ascii: "o") ? 8 : 2)
            pos += 2
            let ds = pos
            while pos < bytes.count, Lexer.isIdentChar(bytes[pos]) { pos += 1 }
            let text = String(decoding: bytes[ds..<pos], as: UTF8.self).replacingOccurrences(of: "_", with: "")
            guard let v = Int(text, radix: radix) else { throw error("invalid number literal") }
            tokens.append(LexedToken(token: .int(v), line: line))
            return
        }
        digits()
        var isFloat = false
        if !afterDot, pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "."), Lexer.isDigit(bytes[pos + 1]) {
            isFloat = true
            pos += 1
            digits()
        }
        if !afterDot, pos < bytes.count, bytes[pos] | 0x20 == UInt8(ascii: "e") {
            var j = pos + 1
            if j < bytes.count, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") { j += 1 }
            if j < bytes.count, Lexer.isDigit(bytes[j]) {
                isFloat = true
                pos = j
                digits()
            }
        }
        var text = String(decoding: bytes[s..<pos], as: UTF8.self).replacingOccurrences(of: "_", with: "")
        if !isFloat, text.count > 1, text.first == "0" {
            // Jinja2 reads a leading-zero literal like 007 as 00 followed by another token.
            var end = s
            while end < pos, bytes[end] == UInt8(ascii: "0") || bytes[end] == 95 { end += 1 }
            pos = end
            text = "0"
        }
        if isFloat {
            guard let d = Double(text) else { throw error("invalid number literal '\(text)'") }
            tokens.append(LexedToken(token: .float(d), line: line))
        } else {
            guard let v = Int(text) else { throw error("integer literal '\(text)' is too large") }
            tokens.append(LexedToken(token: .int(v), line: line))
        }
    }

    mutating func lexString(quote: UInt8) throws {
        let startLine = line
        let stringStart = pos
        pos += 1
        var out = [UInt8]()
        var scalars = String.UnicodeScalarView()
        func flush() {
            if !out.isEmpty { scalars.append(contentsOf: String(decoding: out, as: UTF8.self).unicodeScalars); out.removeAll() }
        }
        while pos < bytes.count {
            let c = bytes[pos]
            if c == quote {
                pos += 1
                flush()
                tokens.append(LexedToken(token: .string(String(scalars)), line: startLine))
                return
            }
            if c == 10 { line += 1 }
            if c == UInt8(ascii: "\\"), pos + 1 < bytes.count {
                let e = bytes[pos + 1]
                pos += 2
                switch e {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "\\"): out.append(92)
                case UInt8(ascii: "'"): out.append(39)
                case UInt8(ascii: "\""): out.append(34)
                case UInt8(ascii: "a"): out.append(7)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "v"): out.append(11)
                case 10: line += 1  // backslash-newline continues the line
                case UInt8(ascii: "0")...UInt8(ascii: "7"):
                    var v = UInt32(e - 48)
                    var n = 1
                    while n < 3, pos < bytes.count, bytes[pos] >= 48, bytes[pos] <= 55 { v = v * 8 + UInt32(bytes[pos] - 48); pos += 1; n += 1 }
                    flush(); scalars.append(Unicode.Scalar(v) ?? "?")
                case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let width = e == UInt8(ascii: "x") ? 2 : (e == UInt8(ascii: "u") ? 4 : 8)
                    guard pos + width <= bytes.count,
                          let v = UInt32(String(decoding: bytes[pos..<pos + width], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(v) else {
                        throw error("invalid escape in string literal", line: startLine)
                    }
                    pos += width
                    flush(); scalars.append(scalar)
                default:
                    out.append(92); out.append(e)
                }
                continue
            }
            out.append(c)
            pos += 1
        }
        // Jinja2 sees an unterminated string as a stray quote character.
        throw error("unexpected char \(Value.pythonStringRepr(String(UnicodeScalar(quote)))) at \(stringStart)", line: startLine)
    }
}
