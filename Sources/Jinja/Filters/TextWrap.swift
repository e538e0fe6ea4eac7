import Foundation

/// Python's textwrap.wrap with the settings Jinja's wordwrap uses (no tab expansion, whitespace kept).
enum TextWrap {
    private static let whitespace = "[\\t\\n\\x{0B}\\x{0C}\\r ]"
    private static let noWhitespace = "[^\\t\\n\\x{0B}\\x{0C}\\r ]"
    private static let wordPunct = "[\\w!\"'&.,?]"
    private static let letter = "[^\\d\\W]"

    /// textwrap's wordsep_re: whitespace runs, em-dashes, and words that may break after a hyphen.
    private static let hyphenated: NSRegularExpression = {
        let pattern = "(\(whitespace)+"
            + "|(?<=\(wordPunct))-{2,}(?=\\w)"
            + "|\(noWhitespace)+?(?:-(?:(?<=\(letter){2}-)|(?<=\(letter)-\(letter)-))(?=\(letter)-?\(letter))"
            + "|(?=\(whitespace)|\\z)|(?<=\(wordPunct))(?=-{2,}\\w)))"
        // A constant pattern; a failure is a programming error caught by the first test run.
        return try! NSRegularExpression(pattern: pattern)
    }()

    /// textwrap's wordsep_simple_re, used when words must not break at hyphens.
    private static let simple: NSRegularExpression = {
        try! NSRegularExpression(pattern: "(\(whitespace)+)")
    }()

    /// re.split with one capturing group: the text between matches and the matches, empty pieces dropped.
    private static func chunks(_ text: String, breakOnHyphens: Bool) -> [[Unicode.Scalar]] {
        let regex = breakOnHyphens ? hyphenated : simple
        let ns = text as NSString
        var pieces: [String] = []
        var last = 0
        for match in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let r = match.range
            pieces.append(ns.substring(with: NSRange(location: last, length: r.location - last)))
            pieces.append(ns.substring(with: r))
            last = r.location + r.length
        }
        pieces.append(ns.substring(from: last))
        return pieces.filter { !$0.isEmpty }.map { Array($0.unicodeScalars) }
    }

    private static func isBlank(_ chunk: [Unicode.Scalar]) -> Bool {
        chunk.allSatisfy(TextFilters.isPythonWhitespace)
    }

    static func wrap(_ text: String, width: Int, breakLongWords: Bool, breakOnHyphens: Bool) throws -> [String] {
        var pending = Array(chunks(text, breakOnHyphens: breakOnHyphens).reversed())
        var lines: [String] = []
        while !pending.isEmpty {
            var line: [[Unicode.Scalar]] = []
            var length = 0
            if let last = pending.last, isBlank(last), !lines.isEmpty { pending.removeLast() }
            while let next = pending.last, length + next.count <= width {
                line.append(next)
                length += next.count
                pending.removeLast()
            }
            if let next = pending.last, next.count > width {
                // textwrap's _handle_long_word.
                let room = width < 1 ? 1 : width - length
                if breakLongWords {
                    var end = room
                    if breakOnHyphens && next.count > room,
                       let hyphen = next[0..<room].lastIndex(of: "-"), hyphen > 0,
                       next[0..<hyphen].contains(where: { $0 != "-" }) {
                        end = hyphen + 1
                    }
                    line.append(Array(next[0..<end]))
                    pending[pending.count - 1] = Array(next[end...])
                } else if line.isEmpty {
                    line.append(next)
                    pending.removeLast()
                }
            }
            if let last = line.last, isBlank(last) { line.removeLast() }
            if !line.isEmpty {
                var out = String.UnicodeScalarView()
                for chunk in line { out.append(contentsOf: chunk) }
                lines.append(String(out))
            }
        }
        return lines
    }
}
