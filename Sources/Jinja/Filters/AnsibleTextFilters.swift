/// Ansible's text filters for writing configuration: `comment` (a text as a comment block in a file's style)
/// and `regex_escape` (a text as a literal inside a regular expression).
enum AnsibleTextFilters {
    static let table: [String: PureFilters.Body] = [
        "comment": comment,
        "regex_escape": regexEscape,
    ]

    private static let styles: [String: [String: String]] = [
        "plain": ["decoration": "# "],
        "erlang": ["decoration": "% "],
        "c": ["decoration": "// "],
        "cblock": ["beginning": "/*", "decoration": " * ", "end": " */"],
        "xml": ["beginning": "<!--", "decoration": " - ", "end": "-->"],
    ]

    /// `comment(style='plain', decoration=, prefix=, prefix_count=, postfix=, postfix_count=, beginning=, end=,
    /// newline=)`, composed as Ansible's filter does, part by part.
    @Sendable static func comment(_ value: Value, _ args: FilterArguments) throws -> Value {
        let style = try args.string(0, "style", default: "plain")
        guard let styleParameters = styles[style] else {
            throw TemplateError.filterError("comment: unknown style '\(style)'; use one of \(styles.keys.sorted().joined(separator: ", "))")
        }
        let prePostfix = args.keywords["decoration"]?.pythonStr ?? styleParameters["decoration"]!
        var p: [String: String] = [
            "newline": "\n", "beginning": "", "prefix": rstrip(prePostfix), "decoration": "",
            "postfix": rstrip(prePostfix), "end": "",
        ]
        var counts = ["prefix_count": 1, "postfix_count": 1]
        p.merge(styleParameters) { $1 }
        for (key, v) in args.keywords {
            if counts[key] == nil { p[key] = v.pythonStr; continue }
            guard let count = v.intLike else {
                throw TemplateError.filterError("comment: '\(key)' must be an integer, got \(v.pythonRepr)")
            }
            counts[key] = count
        }
        let newline = p["newline"]!, decoration = p["decoration"]!
        var out = ""
        if !p["beginning"]!.isEmpty { out += p["beginning"]! + newline }
        if let prefix = p["prefix"], !prefix.isEmpty {
            out += String(repeating: prefix == newline ? newline : prefix + newline, count: max(0, counts["prefix_count"]!))
        }
        let decorated = decoration + value.pythonStr.replacingOccurrences(of: newline, with: newline + decoration)
        out += decorated.replacingOccurrences(of: decoration + newline, with: rstrip(decoration) + newline)
        out += String(repeating: newline + p["postfix"]!, count: max(0, counts["postfix_count"]!))
        if !p["end"]!.isEmpty { out += newline + p["end"]! }
        return .string(out)
    }

    /// `regex_escape(re_type='python')`: Python's re.escape, or the BRE specials for 'posix_basic'.
    @Sendable static func regexEscape(_ value: Value, _ args: FilterArguments) throws -> Value {
        let reType = try args.string(0, "re_type", default: "python")
        let specials: Set<Character>
        switch reType {
        case "python": specials = Set("()[]{}?*+-|^$\\.&~# \t\n\r\u{0B}\u{0C}")
        case "posix_basic": specials = Set("].[^*$")
        case "posix_extended": throw TemplateError.filterError("Regex type (\(reType)) not yet implemented")
        default: throw TemplateError.filterError("Invalid regex type (\(reType))")
        }
        var out = ""
        for c in value.pythonStr {
            if specials.contains(c) { out.append("\\") }
            out.append(c)
        }
        return .string(out)
    }

    private static func rstrip(_ s: String) -> String {
        var s = Substring(s)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
