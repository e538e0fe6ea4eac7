import Foundation
import OrderedCollections

/// JSON the way Python's json module writes and reads it: same spacing, escapes, float digits and key order.
public enum JSONFormat {
    /// json.dumps options that templates use.
    public struct Options {
        public var indent: String?
        public var sortKeys = false
        public var ensureASCII = true
        /// Jinja's tojson also escapes `< > & '` so the output is safe inside HTML.
        public var htmlSafe = false

        public init(indent: String? = nil, sortKeys: Bool = false, ensureASCII: Bool = true) {
            self.indent = indent
            self.sortKeys = sortKeys
            self.ensureASCII = ensureASCII
        }
    }

    /// json.dumps(value, ...).
    public static func encode(_ value: Value, _ options: Options = Options()) throws -> String {
        var out = ""
        try write(value, options, level: 0, into: &out)
        return out
    }

    private static func write(_ value: Value, _ options: Options, level: Int, into out: inout String) throws {
        switch value {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" } else {
                out += Value.pythonFloatRepr(d)
            }
        case .string(let s): writeString(s, options, into: &out)
        case .list(let items), .tuple(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += options.indent == nil ? ", " : "," }
                newline(options, level + 1, into: &out)
                try write(item, options, level: level + 1, into: &out)
            }
            newline(options, level, into: &out)
            out += "]"
        case .dict(let d):
            if d.isEmpty { out += "{}"; return }
            out += "{"
            let keys = options.sortKeys
                ? d.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) } : Array(d.keys)
            for (i, key) in keys.enumerated() {
                if i > 0 { out += options.indent == nil ? ", " : "," }
                newline(options, level + 1, into: &out)
                writeString(key, options, into: &out)
                out += ": "
                try write(d[key] ?? .none, options, level: level + 1, into: &out)
            }
            newline(options, level, into: &out)
            out += "}"
        case .undefined(let u):
            throw TemplateError.undefinedError(u)
        case .object(let o):
            throw TemplateError.typeError("Object of type \(o.typeName) is not JSON serializable")
        }
    }

    private static func newline(_ options: Options, _ level: Int, into out: inout String) {
        guard let indent = options.indent else { return }
        out += "\n"
        for _ in 0..<level { out += indent }
    }

    private static func writeString(_ s: String, _ options: Options, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "<" where options.htmlSafe: out += "\\u003c"
            case ">" where options.htmlSafe: out += "\\u003e"
            case "&" where options.htmlSafe: out += "\\u0026"
            case "'" where options.htmlSafe: out += "\\u0027"
            default:
                let v = scalar.value
                if v < 0x20 || (options.ensureASCII && v > 0x7E) {
                    if v > 0xFFFF {
                        let u = v - 0x10000
                        out += unicodeEscape(0xD800 + (u >> 10)) + unicodeEscape(0xDC00 + (u & 0x3FF))
                    } else {
                        out += unicodeEscape(v)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    private static func unicodeEscape(_ v: UInt32) -> String {
        "\\u" + String(v, radix: 16).leftPadded(to: 4)
    }

    // MARK: - decoding

    /// json.loads(text): objects keep their key order, integers stay ints, NaN/Infinity are accepted.
    public static func decode(_ text: String) throws -> Value {
        var parser = Parser(Array(text.utf8))
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.atEnd else { throw parser.error("Extra data") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var pos = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { pos >= bytes.count }

        func error(_ what: String) -> TemplateError {
            var line = 1, column = 1
            for b in bytes[0..<min(pos, bytes.count)] {
                if b == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
            }
            return TemplateError.runtime("invalid JSON: \(what): line \(line) column \(column) (char \(pos))")
        }

        mutating func skipWhitespace() {
            while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
        }

        mutating func consume(_ literal: String) -> Bool {
            let l = Array(literal.utf8)
            guard pos + l.count <= bytes.count, Array(bytes[pos..<pos + l.count]) == l else { return false }
            pos += l.count
            return true
        }

        mutating func parseValue() throws -> Value {
            guard pos < bytes.count else { throw error("Expecting value") }
            switch bytes[pos] {
            case UInt8(ascii: "{"): return try parseObject()
            case UInt8(ascii: "["): return try parseArray()
            case UInt8(ascii: "\""): return .string(try parseString())
            default:
                if consume("null") { return .none }
                if consume("true") { return .bool(true) }
                if consume("false") { return .bool(false) }
                if consume("NaN") { return .double(.nan) }
                if consume("Infinity") { return .double(.infinity) }
                if consume("-Infinity") { return .double(-.infinity) }
                return try parseNumber()
            }
        }

        mutating func parseObject() throws -> Value {
            pos += 1
            var d = OrderedDictionary<String, Value>()
            skipWhitespace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .dict(d) }
            while true {
                skipWhitespace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
                    throw error("Expecting property name enclosed in double quotes")
                }
                let key = try parseString()
                skipWhitespace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw error("Expecting ':' delimiter") }
                pos += 1
                skipWhitespace()
                d[key] = try parseValue()
                skipWhitespace()
                guard pos < bytes.count else { throw error("Expecting ',' delimiter") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .dict(d) }
                throw error("Expecting ',' delimiter")
            }
        }

        mutating func parseArray() throws -> Value {
            pos += 1
            var items: [Value] = []
            skipWhitespace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .list(items) }
            while true {
                skipWhitespace()
                items.append(try parseValue())
                skipWhitespace()
                guard pos < bytes.count else { throw error("Expecting ',' delimiter") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .list(items) }
                throw error("Expecting ',' delimiter")
            }
        }

        mutating func parseString() throws -> String {
            pos += 1
            var out = [UInt8]()
            while pos < bytes.count {
                let b = bytes[pos]
                pos += 1
                if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                if b < 0x20 { throw error("Invalid control character") }
                guard b == UInt8(ascii: "\\") else { out.append(b); continue }
                guard pos < bytes.count else { break }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), consume("\\u") {
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            out.append(contentsOf: Array(String(Unicode.Scalar(0xFFFD)!).utf8))
                            code = low
                        }
                    }
                    let scalar = Unicode.Scalar(code) ?? Unicode.Scalar(0xFFFD)!
                    out.append(contentsOf: Array(String(scalar).utf8))
                default:
                    pos -= 1
                    throw error("Invalid \\escape")
                }
            }
            throw error("Unterminated string starting at")
        }

        mutating func hex4() throws -> UInt32 {
            guard pos + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[pos..<pos + 4], as: UTF8.self), radix: 16)
            else { throw error("Invalid \\uXXXX escape") }
            pos += 4
            return v
        }

        mutating func parseNumber() throws -> Value {
            let start = pos
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            let digitsStart = pos
            while pos < bytes.count, (0x30...0x39).contains(bytes[pos]) { pos += 1 }
            guard pos > digitsStart else { pos = start; throw error("Expecting value") }
            var isFloat = false
            if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
                isFloat = true
                pos += 1
                while pos < bytes.count, (0x30...0x39).contains(bytes[pos]) { pos += 1 }
            }
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
                isFloat = true
                pos += 1
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
                while pos < bytes.count, (0x30...0x39).contains(bytes[pos]) { pos += 1 }
            }
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            if !isFloat, let i = Int(text) { return .int(i) }
            guard let d = Double(text) else { throw error("Expecting value") }
            return .double(d)
        }
    }
}
