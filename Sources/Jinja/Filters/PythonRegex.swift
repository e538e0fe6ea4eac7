import Foundation

/// Python `re` patterns run on NSRegularExpression (ICU): named groups and anchors translated,
/// replacement templates (`\1`, `\g<name>`) expanded the way re.sub does.
public struct PythonRegex: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as thread-safe; sharing compiled patterns is fine.
    public let regex: NSRegularExpression
    /// The `(?P<name>...)` groups, so a reference to another name fails as Python's does.
    let groupNames: Set<String>

    private static let cache = RegexCache()

    /// Compiles `pattern` (Python syntax); the error names the pattern and says what is wrong.
    public init(_ pattern: String, ignoreCase: Bool = false, multiline: Bool = false) throws {
        var options: NSRegularExpression.Options = []
        if ignoreCase { options.insert(.caseInsensitive) }
        if multiline { options.insert(.anchorsMatchLines) }
        let key = "\(options.rawValue)\u{0}\(pattern)"
        groupNames = PythonRegex.namedGroups(pattern)
        if let cached = PythonRegex.cache.get(key) {
            regex = cached
            return
        }
        do {
            regex = try NSRegularExpression(pattern: PythonRegex.translate(pattern), options: options)
        } catch {
            throw TemplateError.runtime("invalid regular expression '\(pattern)': check its brackets and escapes")
        }
        PythonRegex.cache.set(key, regex)
    }

    static func namedGroups(_ pattern: String) -> Set<String> {
        var names = Set<String>()
        var rest = Substring(pattern)
        while let start = rest.range(of: "(?P<") {
            rest = rest[start.upperBound...]
            if let end = rest.firstIndex(of: ">") { names.insert(String(rest[..<end])) }
        }
        return names
    }

    /// Python syntax that ICU spells differently: (?P<n>...), (?P=n), \Z.
    static func translate(_ pattern: String) -> String {
        var out = ""
        var chars = Array(pattern.unicodeScalars)[...]
        var inClass = false
        while let c = chars.first {
            chars = chars.dropFirst()
            if c == "\\", let next = chars.first {
                chars = chars.dropFirst()
                if next == "Z" && !inClass { out += "\\z" } else { out.unicodeScalars.append(c); out.unicodeScalars.append(next) }
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
                out.unicodeScalars.append(c)
                continue
            }
            if c == "[" {
                inClass = true
                out.unicodeScalars.append(c)
                // A ']' right after '[' or '[^' is literal in Python.
                if chars.first == "^" { out += "^"; chars = chars.dropFirst() }
                if chars.first == "]" { out += "\\]"; chars = chars.dropFirst() }
                continue
            }
            if c == "(", chars.starts(with: "?P<".unicodeScalars) {
                out += "(?<"
                chars = chars.dropFirst(3)
                continue
            }
            if c == "(", chars.starts(with: "?P=".unicodeScalars) {
                chars = chars.dropFirst(3)
                var name = ""
                while let n = chars.first, n != ")" { name.unicodeScalars.append(n); chars = chars.dropFirst() }
                chars = chars.dropFirst()
                out += "\\k<\(name)>"
                continue
            }
            out.unicodeScalars.append(c)
        }
        return out
    }

    func matches(in s: String) -> [NSTextCheckingResult] {
        regex.matches(in: s, options: [], range: NSRange(s.startIndex..., in: s))
    }

    /// re.search.
    public func firstMatch(in s: String) -> NSTextCheckingResult? {
        regex.firstMatch(in: s, options: [], range: NSRange(s.startIndex..., in: s))
    }

    /// re.match: anchored at the start.
    public func matchAtStart(_ s: String) -> NSTextCheckingResult? {
        regex.firstMatch(in: s, options: [.anchored], range: NSRange(s.startIndex..., in: s))
    }

    /// The text of group `group` (number or name), nil when it did not take part.
    public func group(_ match: NSTextCheckingResult, _ group: String, in s: String) throws -> String? {
        let range: NSRange
        if let number = Int(group) {
            guard number <= match.numberOfRanges - 1 else { throw TemplateError.runtime("invalid group reference \(number)") }
            range = match.range(at: number)
        } else {
            guard groupNames.contains(group) else { throw TemplateError.runtime("unknown group name '\(group)'") }
            range = match.range(withName: group)
        }
        guard range.location != NSNotFound, let r = Range(range, in: s) else { return nil }
        return String(s[r])
    }

    /// re.subn: every match (up to `count` when above zero) replaced by the expanded template.
    public func substitute(in s: String, template: String, count: Int = 0) throws -> (String, Int) {
        let parts = try PythonRegex.parseTemplate(template)
        var out = ""
        var last = s.startIndex
        var n = 0
        for match in matches(in: s) {
            if count > 0 && n >= count { break }
            guard let r = Range(match.range, in: s) else { continue }
            out += s[last..<r.lowerBound]
            for part in parts {
                switch part {
                case .text(let t): out += t
                case .group(let g): out += try group(match, g, in: s) ?? ""
                }
            }
            last = r.upperBound
            n += 1
        }
        out += s[last...]
        return (out, n)
    }

    enum TemplatePart { case text(String), group(String) }

    /// Python's replacement template: \1..\99, \g<n>, \g<name>, and the string escapes \n \t \\ ...
    static func parseTemplate(_ template: String) throws -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var text = ""
        var chars = Array(template.unicodeScalars)[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            guard c == "\\" else { text.unicodeScalars.append(c); continue }
            guard let e = chars.first else { throw TemplateError.runtime("bad escape (end of pattern) in replacement") }
            chars = chars.dropFirst()
            switch e {
            case "g":
                guard chars.first == "<", let close = chars.firstIndex(of: ">") else {
                    throw TemplateError.runtime("missing group name in replacement \\g<...>")
                }
                let name = String(String.UnicodeScalarView(chars[chars.index(after: chars.startIndex)..<close]))
                chars = chars[chars.index(after: close)...]
                if !text.isEmpty { parts.append(.text(text)); text = "" }
                parts.append(.group(name))
            case "0"..."9":
                var digits = String(e)
                if let d = chars.first, ("0"..."9").contains(d) { digits.unicodeScalars.append(d); chars = chars.dropFirst() }
                if !text.isEmpty { parts.append(.text(text)); text = "" }
                parts.append(.group(String(Int(digits) ?? 0)))
            case "n": text += "\n"
            case "t": text += "\t"
            case "r": text += "\r"
            case "f": text += "\u{0C}"
            case "v": text += "\u{0B}"
            case "a": text += "\u{07}"
            case "b": text += "\u{08}"
            case "\\": text += "\\"
            default:
                if ("a"..."z").contains(e) || ("A"..."Z").contains(e) {
                    throw TemplateError.runtime("bad escape \\\(e) in replacement")
                }
                text += "\\"
                text.unicodeScalars.append(e)
            }
        }
        if !text.isEmpty { parts.append(.text(text)) }
        return parts
    }
}

/// Compiled patterns by flags and source; templates reuse a handful, so compile each once.
private final class RegexCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: NSRegularExpression] = [:]

    func get(_ key: String) -> NSRegularExpression? {
        lock.lock()
        defer { lock.unlock() }
        return entries[key]
    }

    func set(_ key: String, _ value: NSRegularExpression) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count > 512 { entries.removeAll() }
        entries[key] = value
    }
}
