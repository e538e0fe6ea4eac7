import Foundation
import OrderedCollections

/// Jinja2's string filters, with Python's string semantics (code points, str.strip, str.center, ...).
enum TextFilters {
    static let table: [String: PureFilters.Body] = [
        "join": join,
        "lower": { v, _ in .string(v.pythonStr.lowercased()) },
        "upper": { v, _ in .string(v.pythonStr.uppercased()) },
        "capitalize": { v, _ in .string(capitalize(v.pythonStr)) },
        "title": { v, _ in .string(title(v.pythonStr)) },
        "replace": replace,
        "trim": { v, a in .string(strip(v.pythonStr, chars: a.optionalString(0, "chars"))) },
        "string": { v, _ in .string(v.pythonStr) },
        "center": { v, a in .string(center(v.pythonStr, width: try a.int(0, "width", default: 80))) },
        "wordcount": { v, _ in .int(wordCount(v.pythonStr)) },
        "truncate": truncate,
        "wordwrap": wordwrap,
        "indent": indent,
        "urlencode": urlencode,
        "escape": { v, _ in .string(escapeHTML(v.pythonStr)) },
        "e": { v, _ in .string(escapeHTML(v.pythonStr)) },
        "format": format,
    ]

    // MARK: - join, replace, strip

    @Sendable static func join(_ value: Value, _ args: FilterArguments) throws -> Value {
        let separator = try args.string(0, "d", default: "")
        var items = try value.pythonIterated("join")
        if let attribute = args.optionalString(1, "attribute") {
            items = items.map { $0.lookupAttribute(attribute) }
        }
        var out = ""
        for (i, item) in items.enumerated() {
            if case .undefined(let u) = item { throw TemplateError.undefinedError(u) }
            if i > 0 { out += separator }
            item.appendStr(to: &out)
        }
        return .string(out)
    }

    @Sendable static func replace(_ value: Value, _ args: FilterArguments) throws -> Value {
        guard let old = args.value(0, "old"), let new = args.value(1, "new") else {
            throw TemplateError.typeError("replace() needs the old and new text, e.g. replace('-', '_')")
        }
        let count = try args.optionalInt(2, "count") ?? -1
        return .string(pythonReplace(value.pythonStr, old.pythonStr, new.pythonStr, count: count))
    }

    /// Python's str.replace, including the empty-needle case that inserts between every character.
    static func pythonReplace(_ s: String, _ old: String, _ new: String, count: Int) -> String {
        var remaining = count < 0 ? Int.max : count
        if old.isEmpty {
            var out = ""
            for scalar in s.unicodeScalars {
                if remaining > 0 { out += new; remaining -= 1 }
                out.unicodeScalars.append(scalar)
            }
            if remaining > 0 { out += new }
            return out
        }
        // UTF-8 is self-synchronising, so a byte search finds exactly the code-point matches, without bridging.
        let haystack = Array(s.utf8), needle = Array(old.utf8), replacement = Array(new.utf8)
        guard haystack.count >= needle.count else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(haystack.count)
        var i = 0
        let first = needle[0], last = haystack.count - needle.count
        while i <= last && remaining > 0 {
            if haystack[i] == first && haystack[i..<i + needle.count].elementsEqual(needle) {
                out.append(contentsOf: replacement)
                i += needle.count
                remaining -= 1
            } else {
                out.append(haystack[i])
                i += 1
            }
        }
        out.append(contentsOf: haystack[i...])
        return String(decoding: out, as: UTF8.self)
    }

    /// Python's str.strip: whitespace by default, else any of `chars`.
    static func strip(_ s: String, chars: String?) -> String {
        let scalars = Array(s.unicodeScalars)
        let remove: (Unicode.Scalar) -> Bool
        if let chars = chars {
            let set = Set(chars.unicodeScalars)
            remove = { set.contains($0) }
        } else {
            remove = isPythonWhitespace
        }
        var start = 0, end = scalars.count
        while start < end, remove(scalars[start]) { start += 1 }
        while end > start, remove(scalars[end - 1]) { end -= 1 }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[start..<end])
        return String(out)
    }

    static func isPythonWhitespace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    // MARK: - case

    /// Python's str.capitalize: the first code point title-cased ('ﬁ' -> 'Fi'), the rest lower-cased.
    static func capitalize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        let rest = String(String.UnicodeScalarView(s.unicodeScalars.dropFirst()))
        return first.properties.titlecaseMapping + rest.lowercased()
    }

    /// Jinja's title: words start after runs of whitespace, '-', '(', '{', '[' or '<'.
    static func title(_ s: String) -> String {
        var out = ""
        var atWordStart = true
        for ch in s {
            let isBoundary = ch.isWhitespace || "-({[<".contains(ch)
            if isBoundary {
                out.append(ch)
                atWordStart = true
            } else if atWordStart {
                out += String(ch).uppercased()
                atWordStart = false
            } else {
                out += String(ch).lowercased()
            }
        }
        return out
    }

    // MARK: - layout

    /// Python's str.center: the odd space goes left when the width is odd.
    static func center(_ s: String, width: Int) -> String {
        let length = s.unicodeScalars.count
        guard width > length else { return s }
        let margin = width - length
        let left = margin / 2 + (margin & width & 1)
        return String(repeating: " ", count: left) + s + String(repeating: " ", count: margin - left)
    }

    /// Words as Python's `\w+` finds them.
    static func wordCount(_ s: String) -> Int {
        var count = 0
        var inWord = false
        for scalar in s.unicodeScalars {
            let word = isWordScalar(scalar)
            if word && !inWord { count += 1 }
            inWord = word
        }
        return count
    }

    static func isWordScalar(_ c: Unicode.Scalar) -> Bool {
        if c == "_" { return true }
        let p = c.properties
        return p.isAlphabetic || p.numericType != nil
    }

    @Sendable static func truncate(_ value: Value, _ args: FilterArguments) throws -> Value {
        let s = value.pythonStr
        let length = try args.int(0, "length", default: 255)
        let killwords = args.bool(1, "killwords", default: false)
        let end = try args.string(2, "end", default: "...")
        let leeway = try args.int(3, "leeway", default: 5)
        let scalars = Array(s.unicodeScalars)
        let endLength = end.unicodeScalars.count
        guard length >= endLength else {
            throw TemplateError.filterError("truncate: expected length >= \(endLength), got \(length)")
        }
        guard leeway >= 0 else { throw TemplateError.filterError("truncate: expected leeway >= 0, got \(leeway)") }
        if scalars.count <= length + leeway { return .string(s) }
        var head = String(String.UnicodeScalarView(scalars[0..<(length - endLength)]))
        if !killwords, let space = head.range(of: " ", options: [.backwards, .literal]) {
            head = String(head[..<space.lowerBound])
        }
        return .string(head + end)
    }

    /// Jinja's wordwrap: Python's textwrap.wrap on each line (tabs and runs of spaces kept, whitespace dropped
    /// at line ends, words split after hyphens and when longer than the width).
    @Sendable static func wordwrap(_ value: Value, _ args: FilterArguments) throws -> Value {
        let width = try args.int(0, "width", default: 79)
        let breakLong = args.bool(1, "break_long_words", default: true)
        let wrapString = try args.string(2, "wrapstring", default: "\n")
        let breakOnHyphens = args.bool(3, "break_on_hyphens", default: true)
        guard width > 0 else { throw TemplateError.filterError("wordwrap: invalid width \(width) (must be > 0)") }
        let wrapped = try splitLines(value.pythonStr).map { line in
            try TextWrap.wrap(line, width: width, breakLongWords: breakLong, breakOnHyphens: breakOnHyphens)
                .joined(separator: wrapString)
        }
        return .string(wrapped.joined(separator: wrapString))
    }

    /// Python's str.splitlines (without line ends).
    static func splitLines(_ s: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousCR = false
        for scalar in s.unicodeScalars {
            if previousCR && scalar == "\n" { previousCR = false; continue }
            previousCR = false
            switch scalar.value {
            case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029:
                lines.append(String(current))
                current = String.UnicodeScalarView()
                previousCR = scalar == "\r"
            default:
                current.append(scalar)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    @Sendable static func indent(_ value: Value, _ args: FilterArguments) throws -> Value {
        let indention: String
        if case .string(let s)? = args.value(0, "width") {
            indention = s
        } else {
            indention = String(repeating: " ", count: max(0, try args.int(0, "width", default: 4)))
        }
        let first = args.bool(1, "first", default: false)
        let blank = args.bool(2, "blank", default: false)
        let lines = splitLines(value.pythonStr + "\n")
        var out: String
        if blank {
            out = lines.joined(separator: "\n" + indention)
        } else {
            out = lines.first ?? ""
            for line in lines.dropFirst() {
                out += "\n"
                if !line.isEmpty { out += indention }
                out += line
            }
        }
        if first { out = indention + out }
        return .string(out)
    }

    // MARK: - escaping

    @Sendable static func urlencode(_ value: Value, _ args: FilterArguments) throws -> Value {
        switch value {
        case .dict(let d):
            return .string(d.map { urlQuote($0.key, forQuery: true) + "=" + urlQuote($0.value.pythonStr, forQuery: true) }
                .joined(separator: "&"))
        case .list(let items), .tuple(let items):
            var parts: [String] = []
            for item in items {
                let pair = try item.pythonIterated("urlencode")
                guard pair.count == 2 else {
                    throw TemplateError.filterError("urlencode: expected (key, value) pairs, got \(item.pythonRepr)")
                }
                parts.append(urlQuote(pair[0].pythonStr, forQuery: true) + "=" + urlQuote(pair[1].pythonStr, forQuery: true))
            }
            return .string(parts.joined(separator: "&"))
        default:
            return .string(urlQuote(value.pythonStr, forQuery: false))
        }
    }

    /// urllib's quote over UTF-8: letters, digits and `_.-~` stay (and `/` outside query strings).
    static func urlQuote(_ s: String, forQuery: Bool) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where !forQuery:
                out += "/"
            case UInt8(ascii: " ") where forQuery:
                out += "+"
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// markupsafe's escape.
    static func escapeHTML(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    @Sendable static func format(_ value: Value, _ args: FilterArguments) throws -> Value {
        if !args.positional.isEmpty && !args.keywords.isEmpty {
            throw TemplateError.filterError("format: can't handle positional and keyword arguments at the same time")
        }
        if !args.keywords.isEmpty {
            var d = OrderedDictionaryOfValues()
            for key in args.keywords.keys.sorted() { d[key] = args.keywords[key] }
            return .string(try PercentFormat.format(value.pythonStr, .dict(d)))
        }
        return .string(try PercentFormat.format(value.pythonStr, .tuple(args.positional)))
    }
}

typealias OrderedDictionaryOfValues = OrderedDictionary<String, Value>

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
