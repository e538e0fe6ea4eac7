// Splits template source into text and tag tokens the way Jinja2's lexer does, including whitespace
// control, trim_blocks/lstrip_blocks and raw blocks. Works on UTF-8 bytes: no regexes.

enum Token: Equatable {
    case data(String)
    case varBegin, varEnd, blockBegin, blockEnd
    case name(String)
    case string(String)
    case int(Int)
    case float(Double)
    case op(String)
    case eof

    /// How Jinja2 names the token in "unexpected ..." messages.
    var describe: String {
        switch self {
        case .data: return "template data"
        case .varBegin: return "begin of print statement"
        case .varEnd: return "end of print statement"
        case .blockBegin: return "begin of statement block"
        case .blockEnd: return "end of statement block"
        case .name(let n): return n
        case .string: return "string"
        case .int: return "integer"
        case .float: return "float"
        case .op(let o): return o
        case .eof: return "end of template"
        }
    }
}

struct LexedToken {
    var token: Token
    var line: Int
}

struct Lexer {
    let bytes: [UInt8]
    let options: Options
    /// The delimiters as bytes: block, variable, comment starts; then their ends.
    let blockStart: [UInt8], variableStart: [UInt8], commentStart: [UInt8]
    let blockEnd: [UInt8], variableEnd: [UInt8], commentEnd: [UInt8]
    /// The three starts, longest first, and the bytes any of them begins with (the scan's fast test).
    let starts: [(TagKind, [UInt8])]
    let startBytes: [Bool]

    enum TagKind { case variable, block, comment }
    let name: String
    var pos = 0
    var line = 1
    var tokens: [LexedToken] = []

    init(source: String, options: Options, name: String) {
        self.options = options
        self.name = name
        let delimiters = options.delimiters
        blockStart = Array(delimiters.blockStart.utf8)
        variableStart = Array(delimiters.variableStart.utf8)
        commentStart = Array(delimiters.commentStart.utf8)
        blockEnd = Array(delimiters.blockEnd.utf8)
        variableEnd = Array(delimiters.variableEnd.utf8)
        commentEnd = Array(delimiters.commentEnd.utf8)
        starts = [(TagKind.block, blockStart), (.variable, variableStart), (.comment, commentStart)].sorted { $0.1.count > $1.1.count }
        var startBytes = [Bool](repeating: false, count: 256)
        for (_, delimiter) in starts { if let first = delimiter.first { startBytes[Int(first)] = true } }
        self.startBytes = startBytes
        // Jinja2 normalises \r\n and \r to \n, and drops one trailing newline unless told to keep it.
        var b = [UInt8]()
        b.reserveCapacity(source.utf8.count)
        var it = source.utf8.makeIterator()
        var pendingCR = false
        while let c = it.next() {
            if pendingCR {
                pendingCR = false
                b.append(10)
                if c == 10 { continue }
            }
            if c == 13 { pendingCR = true; continue }
            b.append(c)
        }
        if pendingCR { b.append(10) }
        if !options.keepTrailingNewline, b.last == 10 { b.removeLast() }
        self.bytes = b
    }

    func error(_ message: String, line: Int? = nil) -> TemplateError {
        TemplateError(.syntax, message, templateName: name, line: line ?? self.line)
    }

    mutating func tokenize() throws -> [LexedToken] {
        var dataStart = pos
        var stripNextLeadingWhitespace = false
        while true {
            guard let (open, kind, length) = findTagOpen(from: pos) else {
                emitData(from: dataStart, to: bytes.count, stripLeading: stripNextLeadingWhitespace, stripTrailing: false, lstrip: false)
                break
            }
            var after = open + length
            var stripLeft = false
            var noLstrip = false
            if after < bytes.count, bytes[after] == UInt8(ascii: "-") { stripLeft = true; after += 1 }
            else if after < bytes.count, bytes[after] == UInt8(ascii: "+"), kind != .variable { noLstrip = true; after += 1 }
            let lstrip = options.lstripBlocks && !noLstrip && kind != .variable
            emitData(from: dataStart, to: open, stripLeading: stripNextLeadingWhitespace, stripTrailing: stripLeft, lstrip: lstrip)
            countLines(from: dataStart, to: open)
            pos = after
            stripNextLeadingWhitespace = false
            if kind == .comment {
                let (end, stripRight) = try scanCommentEnd()
                pos = end
                if stripRight { stripNextLeadingWhitespace = true } else { trimBlockNewline() }
            } else if kind == .block, let rawBodyStart = rawTagEnd(at: pos) {
                try lexRaw(bodyStart: rawBodyStart)
            } else {
                let isBlock = kind == .block
                tokens.append(LexedToken(token: isBlock ? .blockBegin : .varBegin, line: line))
                let (stripRight, trim) = try lexInsideTag(block: isBlock)
                if stripRight { stripNextLeadingWhitespace = true } else if trim { trimBlockNewline() }
            }
            dataStart = pos
        }
        tokens.append(LexedToken(token: .eof, line: line))
        return tokens
    }

    /// The next tag opening at or after `start`: where, which kind, and the length of its delimiter (the
    /// longest delimiter wins where two start at the same place, as in Jinja2).
    private func findTagOpen(from start: Int) -> (Int, TagKind, Int)? {
        var i = start
        let n = bytes.count
        while i + 1 < n {
            if startBytes[Int(bytes[i])] {
                for (kind, delimiter) in starts where matches(delimiter, at: i) { return (i, kind, delimiter.count) }
            }
            i += 1
        }
        return nil
    }

    /// Whether `delimiter` is at `i`.
    private func matches(_ delimiter: [UInt8], at i: Int) -> Bool {
        guard !delimiter.isEmpty, i + delimiter.count <= bytes.count else { return false }
        for k in 0..<delimiter.count where bytes[i + k] != delimiter[k] { return false }
        return true
    }

    private mutating func countLines(from a: Int, to b: Int) {
        var i = a
        while i < b { if bytes[i] == 10 { line += 1 }; i += 1 }
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 || c == 11 || c == 12 }

    private mutating func emitData(from a: Int, to b: Int, stripLeading: Bool, stripTrailing: Bool, lstrip: Bool) {
        var start = a, end = b
        if stripLeading { while start < end, Lexer.isSpace(bytes[start]) { start += 1 } }
        if stripTrailing {
            while end > start, Lexer.isSpace(bytes[end - 1]) { end -= 1 }
        } else if lstrip {
            // lstrip_blocks: drop spaces and tabs between the line start and the tag.
            var j = end
            while j > start, bytes[j - 1] == 32 || bytes[j - 1] == 9 { j -= 1 }
            if j == 0 || bytes[j - 1] == 10 { end = j }
        }
        guard end > start else { return }
        let text = String(decoding: bytes[start..<end], as: UTF8.self)
        if case .data(let prev)? = tokens.last?.token {
            tokens[tokens.count - 1].token = .data(prev + text)
        } else {
            tokens.append(LexedToken(token: .data(text), line: line))
        }
    }

    private mutating func trimBlockNewline() {
        if options.trimBlocks, pos < bytes.count, bytes[pos] == 10 { pos += 1; line += 1 }
    }

    /// Finds the comment's end (`#}`); returns the position after it and whether it was `-#}`.
    private mutating func scanCommentEnd() throws -> (Int, Bool) {
        let startLine = line
        var i = pos
        while i + 1 < bytes.count {
            if matches(commentEnd, at: i) {
                let strip = i > pos && bytes[i - 1] == UInt8(ascii: "-")
                countLines(from: pos, to: i)
                return (i + commentEnd.count, strip)
            }
            i += 1
        }
        throw error("Missing end of comment tag", line: startLine)
    }

    private func skipSpaces(_ i: inout Int) {
        while i < bytes.count, Lexer.isSpace(bytes[i]) { i += 1 }
    }

    private func matchWord(_ word: String, at i: Int) -> Bool {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count else { return false }
        for k in 0..<w.count where bytes[i + k] != w[k] { return false }
        let j = i + w.count
        if j < bytes.count, Lexer.isIdentChar(bytes[j]) { return false }
        return true
    }

    /// If `{% raw %}` starts at pos (just after `{%` and its modifier), where its body starts.
    private func rawTagEnd(at start: Int) -> Int? {
        var i = start
        skipSpaces(&i)
        guard matchWord("raw", at: i) else { return nil }
        i += 3
        skipSpaces(&i)
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") {
            if matches(blockEnd, at: i + 1) {
                var j = i + 1 + blockEnd.count
                skipSpaces(&j)
                return j
            }
            return nil
        }
        if matches(blockEnd, at: i) { return i + blockEnd.count }
        return nil
    }

    private mutating func lexRaw(bodyStart: Int) throws {
        let startLine = line
        countLines(from: pos, to: bodyStart)
        var i = bodyStart
        while let (open, kind, length) = findTagOpen(from: i) {
            guard kind == .block else { i = open + 1; continue }
            var j = open + length
            var stripLeft = false
            if j < bytes.count, bytes[j] == UInt8(ascii: "-") { stripLeft = true; j += 1 }
            else if j < bytes.count, bytes[j] == UInt8(ascii: "+") { j += 1 }
            skipSpaces(&j)
            guard matchWord("endraw", at: j) else { i = open + 1; continue }
            j += 6
            skipSpaces(&j)
            var stripRight = false
            var trim = true
            if j < bytes.count, bytes[j] == UInt8(ascii: "-") { stripRight = true; j += 1 }
            else if j < bytes.count, bytes[j] == UInt8(ascii: "+") { trim = false; j += 1 }
            guard matches(blockEnd, at: j) else {
                i = open + 1; continue
            }
            emitData(from: bodyStart, to: open, stripLeading: false, stripTrailing: stripLeft, lstrip: false)
            countLines(from: bodyStart, to: j + blockEnd.count)
            pos = j + blockEnd.count
            if stripRight { while pos < bytes.count, Lexer.isSpace(bytes[pos]) { if bytes[pos] == 10 { line += 1 }; pos += 1 } }
            else if trim { trimBlockNewline() }
            return
        }
        throw error("Missing end of raw directive", line: startLine)
    }

    static func isIdentStart(_ c: UInt8) -> Bool {
        (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c == 95 || c >= 0x80
    }
    static func isIdentChar(_ c: UInt8) -> Bool { isIdentStart(c) || (c >= 48 && c <= 57) }
    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    /// Tokens up to the tag's end; returns (strip whitespace after, apply trim_blocks).
    private mutating func lexInsideTag(block: Bool) throws -> (Bool, Bool) {
        var balance: [UInt8] = []
        let tagLine = line
        while true {
            while pos < bytes.count, Lexer.isSpace(bytes[pos]) { if bytes[pos] == 10 { line += 1 }; pos += 1 }
            guard pos < bytes.count else {
                throw error("unexpected end of template, expected '\(block ? "end of statement block" : "end of print statement")'.", line: tagLine)
            }
            let c = bytes[pos]
            let c1: UInt8 = pos + 1 < bytes.count ? bytes[pos + 1] : 0
            if balance.isEmpty {
                let close = block ? blockEnd : variableEnd
                if c == UInt8(ascii: "-"), matches(close, at: pos + 1) {
                    tokens.append(LexedToken(token: block ? .blockEnd : .varEnd, line: line))
                    pos += 1 + close.count
                    return (true, false)
                }
                if block, c == UInt8(ascii: "+"), matches(close, at: pos + 1) {
                    tokens.append(LexedToken(token: .blockEnd, line: line))
                    pos += 1 + close.count
                    return (false, false)
                }
                if matches(close, at: pos) {
                    tokens.append(LexedToken(token: block ? .blockEnd : .varEnd, line: line))
                    pos += close.count
                    return (false, block)
                }
            }
            if Lexer.isIdentStart(c) {
                let s = pos
                while pos < bytes.count, Lexer.isIdentChar(bytes[pos]) { pos += 1 }
                tokens.append(LexedToken(token: .name(String(decoding: bytes[s..<pos], as: UTF8.self)), line: line))
                continue
            }
            if Lexer.isDigit(c) {
                try lexNumber()
                continue
            }
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                try lexString(quote: c)
                continue
            }
            // Operators, longest first.
            let two = c1 != 0 ? String(decoding: [c, c1], as: UTF8.self) : ""
            if ["//", "**", "==", "!=", "<=", ">="].contains(two) {
                tokens.append(LexedToken(token: .op(two), line: line))
                pos += 2
                continue
            }
            let single = "+-*/%~<>=.,:|()[]{}"
            let ch = Character(Unicode.Scalar(c))
            guard c < 0x80, single.contains(ch) else {
                throw error("unexpected char \(Value.pythonStringRepr(String(decoding: [c], as: UTF8.self))) at \(pos)")
            }
            if c == UInt8(ascii: "(") || c == UInt8(ascii: "[") || c == UInt8(ascii: "{") {
                balance.append(c)
            } else if c == UInt8(ascii: ")") || c == UInt8(ascii: "]") || c == UInt8(ascii: "}") {
                guard let top = balance.last else { throw error("unexpected '\(ch)'") }
                let expected: UInt8 = top == UInt8(ascii: "(") ? UInt8(ascii: ")") : (top == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}"))
                guard expected == c else {
                    throw error("unexpected '\(ch)', expected '\(Character(Unicode.Scalar(expected)))'")
                }
                balance.removeLast()
            }
            tokens.append(LexedToken(token: .op(String(ch)), line: line))
            pos += 1
        }
    }

    private mutating func lexNumber() throws {
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

    private mutating func lexString(quote: UInt8) throws {
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
