// Splits template source into text and tag tokens the way Jinja2's lexer does, including whitespace
// control, trim_blocks/lstrip_blocks, raw blocks and line statements/comments. Works on UTF-8 bytes: no regexes.

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
    /// The line prefixes when set (LineSyntax.swift).
    let lineStatementPrefix: [UInt8]?, lineCommentPrefix: [UInt8]?
    /// The openings in the order Jinja2 tries them where several match at one place (longest first), and the
    /// bytes any of them begins with (the scan's fast test).
    let openings: [(TagKind, [UInt8])]
    let startBytes: [Bool]

    enum TagKind { case variable, block, comment, lineStatement, lineComment }
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
        lineStatementPrefix = delimiters.lineStatementPrefix.map { Array($0.utf8) }.flatMap { $0.isEmpty ? nil : $0 }
        lineCommentPrefix = delimiters.lineCommentPrefix.map { Array($0.utf8) }.flatMap { $0.isEmpty ? nil : $0 }
        openings = Lexer.openingOrder(block: blockStart, variable: variableStart, comment: commentStart,
                                      lineStatement: lineStatementPrefix, lineComment: lineCommentPrefix)
        var startBytes = [Bool](repeating: false, count: 256)
        for (_, delimiter) in openings { if let first = delimiter.first { startBytes[Int(first)] = true } }
        // A line comment's opening takes the blanks before its prefix.
        if lineCommentPrefix != nil { for blank in Lexer.lineBlanks { startBytes[Int(blank)] = true } }
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
        while true {
            guard let (open, kind, length) = findTagOpen(from: pos) else {
                emitData(from: dataStart, to: bytes.count, stripTrailing: false, lstrip: false)
                break
            }
            var after = open + length
            var stripLeft = false
            var noLstrip = false
            if after < bytes.count, bytes[after] == UInt8(ascii: "-") { stripLeft = true; after += 1 }
            else if after < bytes.count, bytes[after] == UInt8(ascii: "+"), kind != .variable { noLstrip = true; after += 1 }
            let lstrip = options.lstripBlocks && !noLstrip && kind != .variable
            emitData(from: dataStart, to: open, stripTrailing: stripLeft, lstrip: lstrip)
            countLines(from: dataStart, to: open)
            pos = after
            if kind == .comment {
                let (end, stripRight) = try scanCommentEnd()
                pos = end
                if stripRight { skipWhitespace() } else { trimBlockNewline() }
            } else if kind == .lineComment {
                skipLineComment()
            } else if kind == .block, let rawBodyStart = rawTagEnd(at: pos) {
                try lexRaw(bodyStart: rawBodyStart)
            } else {
                tokens.append(LexedToken(token: kind == .variable ? .varBegin : .blockBegin, line: line))
                let (stripRight, trim) = try lexInsideTag(kind)
                if stripRight { skipWhitespace() } else if trim { trimBlockNewline() }
            }
            dataStart = pos
        }
        tokens.append(LexedToken(token: .eof, line: line))
        return tokens
    }

    /// The next tag opening at or after `start`: where, which kind, and its length up to the end of its delimiter
    /// or prefix (the first of `openings` wins where two start at the same place, as in Jinja2).
    private func findTagOpen(from start: Int) -> (Int, TagKind, Int)? {
        var i = start
        let n = bytes.count
        while i < n {
            if startBytes[Int(bytes[i])] || (lineStatementPrefix != nil && (i == 0 || bytes[i - 1] == 10)) {
                for (kind, delimiter) in openings {
                    switch kind {
                    case .lineStatement: if let length = lineStatementOpening(at: i) { return (i, kind, length) }
                    case .lineComment: if let length = lineCommentOpening(at: i) { return (i, kind, length) }
                    default: if matches(delimiter, at: i) { return (i, kind, delimiter.count) }
                    }
                }
            }
            i += 1
        }
        return nil
    }

    /// Whether `delimiter` is at `i`.
    func matches(_ delimiter: [UInt8], at i: Int) -> Bool {
        guard !delimiter.isEmpty, i + delimiter.count <= bytes.count else { return false }
        for k in 0..<delimiter.count where bytes[i + k] != delimiter[k] { return false }
        return true
    }

    mutating func countLines(from a: Int, to b: Int) {
        var i = a
        while i < b { if bytes[i] == 10 { line += 1 }; i += 1 }
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 || c == 11 || c == 12 }

    private mutating func emitData(from a: Int, to b: Int, stripTrailing: Bool, lstrip: Bool) {
        let start = a
        var end = b
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

    /// After a `-` closing (`-}}`, `-%}`, `-#}`): the whitespace that follows is part of the tag, as in Jinja2, so a
    /// line statement or comment cannot open inside it.
    private mutating func skipWhitespace() {
        while pos < bytes.count, Lexer.isSpace(bytes[pos]) { if bytes[pos] == 10 { line += 1 }; pos += 1 }
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
            emitData(from: bodyStart, to: open, stripTrailing: stripLeft, lstrip: false)
            countLines(from: bodyStart, to: j + blockEnd.count)
            pos = j + blockEnd.count
            if stripRight { skipWhitespace() }
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

    /// Tokens up to the tag's end (a line statement's is its line's); returns (strip whitespace after, apply trim_blocks).
    private mutating func lexInsideTag(_ kind: TagKind) throws -> (Bool, Bool) {
        var balance: [UInt8] = []
        let tagLine = line
        let block = kind != .variable
        while true {
            if kind == .lineStatement, balance.isEmpty, let end = lineStatementEnd() {
                tokens.append(LexedToken(token: .blockEnd, line: line))
                countLines(from: pos, to: end)
                pos = end
                return (false, false)
            }
            while pos < bytes.count, Lexer.isSpace(bytes[pos]) { if bytes[pos] == 10 { line += 1 }; pos += 1 }
            guard pos < bytes.count else {
                throw error("unexpected end of template, expected '\(block ? "end of statement block" : "end of print statement")'.", line: tagLine)
            }
            let c = bytes[pos]
            let c1: UInt8 = pos + 1 < bytes.count ? bytes[pos + 1] : 0
            if balance.isEmpty, kind != .lineStatement {
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
}
