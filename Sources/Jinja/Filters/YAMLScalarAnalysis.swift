/// What PyYAML's analyze_scalar decides about a string: which quoting styles can carry it.
struct ScalarAnalysis {
    let scalars: [Unicode.Scalar]
    var length: Int { scalars.count }
    var empty = false
    var multiline = false
    var allowFlowPlain = true
    var allowBlockPlain = true
    var allowSingleQuoted = true

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else {
            empty = true
            allowFlowPlain = false
            return
        }
        func isSpaceOrBreak(_ c: Unicode.Scalar) -> Bool {
            c == "\0" || c == " " || c == "\t" || c == "\r" || c == "\n" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}"
        }
        func isBreak(_ c: Unicode.Scalar) -> Bool { c == "\n" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}" }
        var blockIndicators = false, flowIndicators = false, lineBreaks = false, specialCharacters = false
        var leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false
        var breakSpace = false, spaceBreak = false
        if text.hasPrefix("---") || text.hasPrefix("...") {
            blockIndicators = true
            flowIndicators = true
        }
        var precededByWhitespace = true
        var followedByWhitespace = scalars.count == 1 || isSpaceOrBreak(scalars[1])
        var previousSpace = false, previousBreak = false
        for (index, ch) in scalars.enumerated() {
            if index == 0 {
                if "#,[]{}&*!|>'\"%@`".unicodeScalars.contains(ch) {
                    flowIndicators = true
                    blockIndicators = true
                }
                if ch == "?" || ch == ":" {
                    flowIndicators = true
                    if followedByWhitespace { blockIndicators = true }
                }
                if ch == "-" && followedByWhitespace {
                    flowIndicators = true
                    blockIndicators = true
                }
            } else {
                if ",?[]{}".unicodeScalars.contains(ch) { flowIndicators = true }
                if ch == ":" {
                    flowIndicators = true
                    if followedByWhitespace { blockIndicators = true }
                }
                if ch == "#" && precededByWhitespace {
                    flowIndicators = true
                    blockIndicators = true
                }
            }
            if isBreak(ch) { lineBreaks = true }
            if !(ch == "\n" || (0x20...0x7E).contains(ch.value)) {
                let v = ch.value
                let unicodeOK = (v == 0x85 || (0xA0...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v)
                    || (0x10000..<0x10FFFF).contains(v)) && v != 0xFEFF
                if !unicodeOK { specialCharacters = true }
            }
            if ch == " " {
                if index == 0 { leadingSpace = true }
                if index == scalars.count - 1 { trailingSpace = true }
                if previousBreak { breakSpace = true }
                previousSpace = true
                previousBreak = false
            } else if isBreak(ch) {
                if index == 0 { leadingBreak = true }
                if index == scalars.count - 1 { trailingBreak = true }
                if previousSpace { spaceBreak = true }
                previousSpace = false
                previousBreak = true
            } else {
                previousSpace = false
                previousBreak = false
            }
            precededByWhitespace = isSpaceOrBreak(ch)
            followedByWhitespace = index + 2 >= scalars.count || isSpaceOrBreak(scalars[index + 2])
        }
        if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
            allowFlowPlain = false
            allowBlockPlain = false
        }
        if breakSpace {
            allowFlowPlain = false
            allowBlockPlain = false
            allowSingleQuoted = false
        }
        if spaceBreak || specialCharacters {
            allowFlowPlain = false
            allowBlockPlain = false
            allowSingleQuoted = false
        }
        if lineBreaks {
            allowFlowPlain = false
            allowBlockPlain = false
        }
        if flowIndicators { allowFlowPlain = false }
        if blockIndicators { allowBlockPlain = false }
        multiline = lineBreaks
    }
}
