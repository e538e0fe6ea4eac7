// Jinja2's line statements and line comments (line_statement_prefix, line_comment_prefix), as its lexer's
// regular expressions define them:
//   a line statement opens with  ^[ \t\v]*PREFIX      (only at a line's start; its indentation is part of it)
//   and ends with                \s*(\n|$)           (outside brackets: the line's end, and any blank lines after)
//   a line comment opens with    (?:^|(?<=\S))[^\S\r\n]*PREFIX   (anywhere; the blanks before it go with it)
//   and runs to                  (?=\n|$)            (the newline stays in the text)

extension Lexer {
    /// The blanks of a line other than its newline (Python's `[^\S\r\n]`, ASCII).
    static let lineBlanks: [UInt8] = [32, 9, 11, 12]

    /// The tag openings in the order Jinja2 tries them where several match at one place: longest first, then by
    /// its token names, descending (variable_begin, linestatement_begin, linecomment_begin, comment_begin, block_begin).
    static func openingOrder(block: [UInt8], variable: [UInt8], comment: [UInt8],
                             lineStatement: [UInt8]?, lineComment: [UInt8]?) -> [(TagKind, [UInt8])] {
        var openings: [(kind: TagKind, text: [UInt8], tieRank: Int)] = [
            (.variable, variable, 0), (.comment, comment, 3), (.block, block, 4),
        ]
        if let lineStatement { openings.append((.lineStatement, lineStatement, 1)) }
        if let lineComment { openings.append((.lineComment, lineComment, 2)) }
        return openings
            .sorted { $0.text.count != $1.text.count ? $0.text.count > $1.text.count : $0.tieRank < $1.tieRank }
            .map { ($0.kind, $0.text) }
    }

    /// The length of a line statement's opening at `i` (its indentation and prefix), or nil when none opens there.
    func lineStatementOpening(at i: Int) -> Int? {
        guard let prefix = lineStatementPrefix, i == 0 || bytes[i - 1] == 10 else { return nil }
        var j = i
        while j < bytes.count, bytes[j] == 32 || bytes[j] == 9 || bytes[j] == 11 { j += 1 }
        return matches(prefix, at: j) ? j + prefix.count - i : nil
    }

    /// The length of a line comment's opening at `i` (the blanks before its prefix and the prefix), or nil.
    func lineCommentOpening(at i: Int) -> Int? {
        guard let prefix = lineCommentPrefix, i == 0 || bytes[i - 1] == 10 || !Lexer.isSpace(bytes[i - 1]) else { return nil }
        var j = i
        while j < bytes.count, Lexer.lineBlanks.contains(bytes[j]) { j += 1 }
        return matches(prefix, at: j) ? j + prefix.count - i : nil
    }

    /// Moves past a line comment's text, to its line's newline (which stays template text).
    mutating func skipLineComment() {
        while pos < bytes.count, bytes[pos] != 10 { pos += 1 }
    }

    /// Where a line statement ends when it ends at `pos`: after the last newline of the whitespace there (so the
    /// blank lines after the statement go with it), or at the end of the template; nil when the line goes on.
    func lineStatementEnd() -> Int? {
        var j = pos
        var afterLastNewline: Int?
        while j < bytes.count, Lexer.isSpace(bytes[j]) {
            if bytes[j] == 10 { afterLastNewline = j + 1 }
            j += 1
        }
        return j == bytes.count ? j : afterLastNewline
    }
}
