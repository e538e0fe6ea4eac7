import Foundation
#if canImport(Glibc)
import Glibc
#endif
import OrderedCollections

/// Ansible's filters (ansible-core plugins/filter/core.py and mathstuff.py) that templates for web hosts use.
enum AnsibleFilters {
    static let table: [String: PureFilters.Body] = [
        // The value's Python type name (str, dict, list, int, float, bool, NoneType), as Ansible's filter gives it.
        "type_debug": { v, _ in .string(v.pythonTypeName) },
        "b64encode": b64encode,
        "b64decode": b64decode,
        "basename": { v, _ in .string(basename(v.pythonStr)) },
        "dirname": { v, _ in .string(dirname(v.pythonStr)) },
        "expanduser": { v, _ in .string(expanduser(v.pythonStr)) },
        "regex_replace": regexReplace,
        "regex_search": regexSearch,
        "regex_findall": regexFindall,
        "quote": { v, _ in .string(shellQuote(v.isNoneValue ? "" : v.pythonStr)) },
        "combine": combine,
        "dict2items": dict2items,
        "items2dict": items2dict,
        "flatten": flatten,
        "difference": { a, args in try setOperation(a, args) { x, b in uniqueList(x.filter { !contains(b, $0) }) } },
        "intersect": { a, args in try setOperation(a, args) { x, b in uniqueList(x.filter { contains(b, $0) }) } },
        "union": { a, args in try setOperation(a, args) { x, b in uniqueList(x + b) } },
        "symmetric_difference": { a, args in
            try setOperation(a, args) { x, b in
                let both = uniqueList(x.filter { contains(b, $0) })
                return uniqueList(x + b).filter { !contains(both, $0) }
            }
        },
        "split": split,
        "strftime": strftime,
    ]

    /// Ansible's `strftime(second=None, utc=False)`: the format applied to a Unix time (now when none is given),
    /// in local time or UTC, through the C library's strftime as Python's time.strftime does.
    @Sendable static func strftime(_ value: Value, _ args: FilterArguments) throws -> Value {
        try args.allowKeywords(["second", "utc"])
        var seconds = Date().timeIntervalSince1970
        if let given = args.value(0, "second"), !given.isNoneValue {
            switch given {
            case .int(let i): seconds = Double(i)
            case .double(let d): seconds = d
            case .string(let text):
                guard let d = Double(text.trimmingCharacters(in: .whitespaces)) else {
                    throw TemplateError.filterError("Invalid value for epoch value (\(text))")
                }
                seconds = d
            default:
                throw TemplateError.filterError("Invalid value for epoch value (\(given.pythonStr))")
            }
        }
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        if args.bool(1, "utc", default: false) { gmtime_r(&time, &parts) } else { localtime_r(&time, &parts) }
        let format = value.pythonStr
        var buffer = [CChar](repeating: 0, count: max(256, format.utf8.count * 8))
        let count = Glibc.strftime(&buffer, buffer.count, format, &parts)
        return .string(String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    @Sendable static func b64encode(_ value: Value, _ args: FilterArguments) throws -> Value {
        let encoding = try TextEncoding(try args.string(0, "encoding", default: "utf-8"))
        var encoded = try encoding.encode(value.pythonStr).base64EncodedString()
        if args.bool(1, "urlsafe", default: false) {
            encoded = String(encoded.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
        }
        return .string(encoded)
    }

    /// The bytes are read as text in `encoding` (utf-8 by default). Bytes that are not valid UTF-8 become U+FFFD,
    /// as Python's "replace" error handler makes them: Ansible keeps them as surrogate escapes, which a string
    /// here cannot hold.
    @Sendable static func b64decode(_ value: Value, _ args: FilterArguments) throws -> Value {
        let encoding = try TextEncoding(try args.string(0, "encoding", default: "utf-8"))
        var text = value.pythonStr
        if args.bool(1, "urlsafe", default: false) {
            text = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        }
        // Python's b64decode drops characters outside the alphabet, then insists on correct padding.
        let cleaned = text.unicodeScalars.filter {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || "+/=".unicodeScalars.contains($0)
        }
        guard let data = Data(base64Encoded: String(String.UnicodeScalarView(cleaned))) else {
            throw TemplateError.runtime("b64decode: '\(value.pythonStr)' is not valid base64 (wrong length or padding)")
        }
        return .string(try encoding.decode(data))
    }

    /// posixpath.basename.
    static func basename(_ p: String) -> String {
        guard let slash = p.lastIndex(of: "/") else { return p }
        return String(p[p.index(after: slash)...])
    }

    /// posixpath.dirname: the head, trailing slashes removed unless it is all slashes.
    static func dirname(_ p: String) -> String {
        guard let slash = p.lastIndex(of: "/") else { return "" }
        var head = String(p[...slash])
        if !head.allSatisfy({ $0 == "/" }) {
            while head.hasSuffix("/") { head.removeLast() }
        }
        return head
    }

    /// posixpath.expanduser on the controller: `~` is $HOME (else the user's home), `~name` that user's home;
    /// a path without a leading `~`, or naming no known user, is left as it is.
    static func expanduser(_ p: String) -> String {
        guard p.hasPrefix("~") else { return p }
        let end = p.firstIndex(of: "/") ?? p.endIndex
        let name = String(p[p.index(after: p.startIndex)..<end])
        let entry = name.isEmpty ? getpwuid(getuid()) : getpwnam(name)
        let environmentHome = name.isEmpty ? ProcessInfo.processInfo.environment["HOME"] : nil
        guard var home = environmentHome ?? entry.map({ String(cString: $0.pointee.pw_dir) }) else { return p }
        while home.hasSuffix("/") { home.removeLast() }
        let expanded = home + p[end...]
        return expanded.isEmpty ? "/" : expanded
    }

    @Sendable static func regexReplace(_ value: Value, _ args: FilterArguments) throws -> Value {
        let pattern = try args.string(0, "pattern", default: "")
        let replacement = try args.string(1, "replacement", default: "")
        let regex = try PythonRegex(pattern, ignoreCase: args.bool(2, "ignorecase", default: false),
                                    multiline: args.bool(3, "multiline", default: false))
        let count = try args.int(4, "count", default: 0)
        let mandatory = try args.int(5, "mandatory_count", default: 0)
        let (out, n) = try regex.substitute(in: value.pythonStr, template: replacement, count: count)
        if mandatory != 0 && mandatory != n {
            throw TemplateError.filterError(
                "regex_replace: '\(pattern)' should match \(mandatory) times, but matches \(n) times in '\(value.pythonStr)'")
        }
        return .string(out)
    }

    /// Ansible's regex_search: the whole match, or the listed groups ('\\1', '\\g<name>'), or None.
    @Sendable static func regexSearch(_ value: Value, _ args: FilterArguments) throws -> Value {
        guard let patternValue = args.positional.first else {
            throw TemplateError.typeError("regex_search() needs a pattern, e.g. regex_search('\\\\d+')")
        }
        var groups: [String] = []
        for arg in args.positional.dropFirst() {
            let text = arg.pythonStr
            if text.hasPrefix("\\g<"), text.hasSuffix(">") {
                groups.append(String(text.dropFirst(3).dropLast()))
            } else if text.hasPrefix("\\"), let n = Int(text.dropFirst()) {
                groups.append(String(n))
            } else {
                throw TemplateError.filterError("regex_search: unknown argument '\(text)'; use '\\\\1' or '\\\\g<name>'")
            }
        }
        let regex = try PythonRegex(patternValue.pythonStr,
                                    ignoreCase: args.keywords["ignorecase"]?.isTruthy ?? false,
                                    multiline: args.keywords["multiline"]?.isTruthy ?? false)
        let s = value.pythonStr
        guard let match = regex.firstMatch(in: s) else { return .none }
        if groups.isEmpty { return .string(try regex.group(match, "0", in: s) ?? "") }
        return .list(try groups.map { g in try regex.group(match, g, in: s).map(Value.string) ?? .none })
    }

    /// `regex_findall(regex, multiline=False, ignorecase=False)`: re.findall, every match's text, or its one
    /// group's, or a list of its groups ('' for a group that did not take part).
    @Sendable static func regexFindall(_ value: Value, _ args: FilterArguments) throws -> Value {
        try args.allowKeywords(["regex", "multiline", "ignorecase"])
        guard let pattern = args.value(0, "regex") else {
            throw TemplateError.typeError("regex_findall() needs a pattern, e.g. regex_findall('\\\\d+')")
        }
        let regex = try PythonRegex(pattern.pythonStr, ignoreCase: args.bool(2, "ignorecase", default: false),
                                    multiline: args.bool(1, "multiline", default: false))
        let s = value.pythonStr
        let groups = regex.regex.numberOfCaptureGroups
        return .list(try regex.matches(in: s).map { match in
            if groups == 0 { return .string(try regex.group(match, "0", in: s) ?? "") }
            let texts = try (1...groups).map { Value.string(try regex.group(match, String($0), in: s) ?? "") }
            return groups == 1 ? texts[0] : .list(texts)
        })
    }

    /// shlex.quote: safe words as they are, everything else in single quotes.
    static func shellQuote(_ s: String) -> String {
        if s.isEmpty { return "''" }
        let safe = s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_@%+=:,./-".unicodeScalars.contains($0)
        }
        if safe { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\"'\"'") + "'"
    }

    @Sendable static func combine(_ value: Value, _ args: FilterArguments) throws -> Value {
        try args.allowKeywords(["recursive", "list_merge"])
        let recursive = args.keywords["recursive"]?.isTruthy ?? false
        let listMerge = args.keywords["list_merge"]?.pythonStr ?? "replace"
        let modes = ["replace", "keep", "append", "prepend", "append_rp", "prepend_rp"]
        guard modes.contains(listMerge) else {
            throw TemplateError.filterError("combine: list_merge must be one of \(modes.joined(separator: ", ")), not '\(listMerge)'")
        }
        var terms: [Value] = []
        for term in [value] + args.positional {
            if case .list(let items) = term { terms += items } else { terms.append(term) }
        }
        var result = OrderedDictionary<String, Value>()
        for term in terms {
            guard case .dict(let d) = term else {
                throw TemplateError.filterError("combine expects dictionaries, got \(term.pythonRepr)")
            }
            result = merge(result, d, recursive: recursive, listMerge: listMerge)
        }
        return .dict(result)
    }

    private static func merge(_ x: OrderedDictionary<String, Value>, _ y: OrderedDictionary<String, Value>,
                              recursive: Bool, listMerge: String) -> OrderedDictionary<String, Value> {
        // ansible's merge_hash: an empty or equal left side yields the right side, key order included.
        if x.isEmpty || Value.dict(x).pythonEquals(.dict(y)) { return y }
        var out = x
        for (key, new) in y {
            switch (out[key], new) {
            case (.dict(let a)?, .dict(let b)) where recursive:
                out[key] = .dict(merge(a, b, recursive: recursive, listMerge: listMerge))
            case (.list(let a)?, .list(let b)) where listMerge != "replace":
                switch listMerge {
                case "keep": break
                case "append": out[key] = .list(a + b)
                case "prepend": out[key] = .list(b + a)
                case "append_rp": out[key] = .list(a.filter { !contains(b, $0) } + b)
                default: out[key] = .list(b + a.filter { !contains(b, $0) })
                }
            default:
                out[key] = new
            }
        }
        return out
    }

    @Sendable static func dict2items(_ value: Value, _ args: FilterArguments) throws -> Value {
        guard case .dict(let d) = value else {
            throw TemplateError.filterError("dict2items requires a dictionary, got \(value.pythonTypeName) instead.")
        }
        let keyName = try args.string(0, "key_name", default: "key")
        let valueName = try args.string(1, "value_name", default: "value")
        return .list(d.map { .dict([keyName: .string($0.key), valueName: $0.value]) })
    }

    @Sendable static func items2dict(_ value: Value, _ args: FilterArguments) throws -> Value {
        guard case .list(let items) = value else {
            throw TemplateError.filterError("items2dict requires a list, got \(value.pythonTypeName) instead.")
        }
        let keyName = try args.string(0, "key_name", default: "key")
        let valueName = try args.string(1, "value_name", default: "value")
        var out = OrderedDictionary<String, Value>()
        for item in items {
            guard case .dict(let d) = item, let k = d[keyName], let v = d[valueName] else {
                throw TemplateError.filterError(
                    "items2dict: each item needs '\(keyName)' and '\(valueName)' keys, got \(item.pythonRepr)")
            }
            out[k.pythonStr] = v
        }
        return .dict(out)
    }

    @Sendable static func flatten(_ value: Value, _ args: FilterArguments) throws -> Value {
        let levels = try args.optionalInt(0, "levels")
        let skipNulls = args.bool(1, "skip_nulls", default: true)
        return .list(try flattened(value.pythonIterated("flatten"), levels: levels, skipNulls: skipNulls))
    }

    private static func flattened(_ items: [Value], levels: Int?, skipNulls: Bool) throws -> [Value] {
        var out: [Value] = []
        for element in items {
            if skipNulls, element.isNoneValue || element == .string("None") || element == .string("null") { continue }
            switch element {
            case .list(let inner), .tuple(let inner):
                if let levels = levels {
                    if levels >= 1 {
                        out += try flattened(inner, levels: levels - 1, skipNulls: skipNulls)
                    } else {
                        out.append(element)
                    }
                } else {
                    out += try flattened(inner, levels: nil, skipNulls: skipNulls)
                }
            default:
                out.append(element)
            }
        }
        return out
    }

    private static func contains(_ list: [Value], _ v: Value) -> Bool { list.contains { $0.pythonEquals(v) } }

    private static func uniqueList(_ items: [Value]) -> [Value] {
        var out: [Value] = []
        for item in items where !contains(out, item) { out.append(item) }
        return out
    }

    private static func setOperation(_ a: Value, _ args: FilterArguments,
                                     _ body: ([Value], [Value]) -> [Value]) throws -> Value {
        guard let b = args.value(0, "b") else {
            throw TemplateError.typeError("\(args.filter)() needs a second list, e.g. \(args.filter)(['x'])")
        }
        return .list(body(try a.pythonIterated(args.filter), try b.pythonIterated(args.filter)))
    }

    @Sendable static func split(_ value: Value, _ args: FilterArguments) throws -> Value {
        let separator = args.optionalString(0, "separator")
        let maxsplit = try args.int(1, "maxsplit", default: -1)
        let s = value.pythonStr
        guard let sep = separator else {
            var parts: [Value] = []
            var current = ""
            var splits = 0
            var scalars = s.unicodeScalars[...]
            while let c = scalars.first, TextFilters.isPythonWhitespace(c) { scalars = scalars.dropFirst() }
            while let c = scalars.first {
                if TextFilters.isPythonWhitespace(c) && (maxsplit < 0 || splits < maxsplit) {
                    parts.append(.string(current))
                    current = ""
                    splits += 1
                    while let w = scalars.first, TextFilters.isPythonWhitespace(w) { scalars = scalars.dropFirst() }
                    continue
                }
                current.unicodeScalars.append(c)
                scalars = scalars.dropFirst()
            }
            // Once maxsplit is reached the rest is kept as it is, trailing whitespace included (Python's str.split).
            if !current.isEmpty { parts.append(.string(current)) }
            return .list(parts)
        }
        guard !sep.isEmpty else { throw TemplateError.runtime("split: empty separator") }
        var parts: [Value] = []
        var rest = Substring(s)
        var splits = 0
        while maxsplit < 0 || splits < maxsplit, let r = rest.range(of: sep, options: .literal) {
            parts.append(.string(String(rest[..<r.lowerBound])))
            rest = rest[r.upperBound...]
            splits += 1
        }
        parts.append(.string(String(rest)))
        return .list(parts)
    }
}
