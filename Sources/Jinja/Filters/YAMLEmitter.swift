import Foundation

/// YAML as PyYAML's SafeDumper writes it (what Ansible's to_yaml and to_nice_yaml produce): sorted keys,
/// the same quoting decisions, flow style for leaf collections when asked, and folding at `width` columns.
struct YAMLEmitter {
    struct Settings {
        /// nil: collections of scalars only are written in flow style (`[a, b]`), as PyYAML's default does.
        var defaultFlowStyle: Bool?
        var indent = 2
        var width = 80
    }

    indirect enum Node {
        /// `plainImplicit`: the text reads back as this type when written plain (false for "yes" as a string).
        case scalar(String, plainImplicit: Bool, tagLength: Int)
        case sequence([Node], flow: Bool)
        case mapping([(Node, Node)], flow: Bool)
    }

    static func dump(_ value: Value, _ settings: Settings) throws -> String {
        var emitter = YAMLEmitter(settings)
        let node = try emitter.represent(value)
        emitter.emitDocument(node)
        return emitter.out
    }

    private let settings: Settings
    private var out = ""
    private var indent: Int?
    private var indents: [Int?] = []
    private var flowLevel = 0
    private var column = 0
    private var whitespace = true
    private var indention = true
    private var openEnded = false
    private var rootContext = false
    private var sequenceContext = false
    private var mappingContext = false
    private var simpleKeyContext = false
    private let bestIndent: Int
    private let bestWidth: Int

    private init(_ settings: Settings) {
        self.settings = settings
        bestIndent = (2..<10).contains(settings.indent) ? settings.indent : 2
        bestWidth = settings.width > bestIndent * 2 ? settings.width : 80
    }

    // MARK: - representer

    private func represent(_ value: Value) throws -> Node {
        switch value {
        case .none: return .scalar("null", plainImplicit: true, tagLength: 6)
        case .bool(let b): return .scalar(b ? "true" : "false", plainImplicit: true, tagLength: 6)
        case .int(let i): return .scalar(String(i), plainImplicit: true, tagLength: 5)
        case .double(let d): return .scalar(YAMLEmitter.floatText(d), plainImplicit: true, tagLength: 7)
        case .string(let s): return .scalar(s, plainImplicit: YAMLResolver.resolvesToString(s), tagLength: 5)
        case .list(let items), .tuple(let items):
            let nodes = try items.map(represent)
            let leaf = nodes.allSatisfy { if case .scalar = $0 { return true } else { return false } }
            return .sequence(nodes, flow: settings.defaultFlowStyle ?? leaf)
        case .dict(let d):
            let keys = d.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            var pairs: [(Node, Node)] = []
            var leaf = true
            for key in keys {
                let k = try represent(.string(key))
                let v = try represent(d[key] ?? .none)
                if case .scalar = v {} else { leaf = false }
                pairs.append((k, v))
            }
            return .mapping(pairs, flow: settings.defaultFlowStyle ?? leaf)
        case .undefined(let u):
            throw TemplateError.undefinedError(u)
        case .object(let o):
            throw TemplateError.filterError("cannot represent an object: \(o.displayName)")
        }
    }

    /// PyYAML's float: repr() lowercased, with ".0" added before a bare exponent (1e+20 -> 1.0e+20).
    static func floatText(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
        var text = Value.pythonFloatRepr(d).lowercased()
        if !text.contains("."), let e = text.firstIndex(of: "e") {
            text.replaceSubrange(e...e, with: ".0e")
        }
        return text
    }

    // MARK: - emitter states

    private mutating func emitDocument(_ node: Node) {
        expectNode(node, root: true)
        writeIndent()
        if openEnded {
            writeIndicator("...", needWhitespace: true)
            writeIndent()
        }
    }

    private mutating func expectNode(_ node: Node, root: Bool = false, sequence: Bool = false,
                                     mapping: Bool = false, simpleKey: Bool = false) {
        rootContext = root
        sequenceContext = sequence
        mappingContext = mapping
        simpleKeyContext = simpleKey
        switch node {
        case .scalar(let text, let plainImplicit, _):
            increaseIndent(flow: true)
            processScalar(text, plainImplicit: plainImplicit)
            indent = indents.popLast() ?? nil
        case .sequence(let items, let flow):
            if flowLevel > 0 || flow || items.isEmpty { flowSequence(items) } else { blockSequence(items) }
        case .mapping(let pairs, let flow):
            if flowLevel > 0 || flow || pairs.isEmpty { flowMapping(pairs) } else { blockMapping(pairs) }
        }
    }

    private mutating func flowSequence(_ items: [Node]) {
        writeIndicator("[", needWhitespace: true, whitespace: true)
        flowLevel += 1
        increaseIndent(flow: true)
        for (i, item) in items.enumerated() {
            if i > 0 { writeIndicator(",", needWhitespace: false) }
            if column > bestWidth { writeIndent() }
            expectNode(item, sequence: true)
        }
        indent = indents.popLast() ?? nil
        flowLevel -= 1
        writeIndicator("]", needWhitespace: false)
    }

    private mutating func flowMapping(_ pairs: [(Node, Node)]) {
        writeIndicator("{", needWhitespace: true, whitespace: true)
        flowLevel += 1
        increaseIndent(flow: true)
        for (i, (key, value)) in pairs.enumerated() {
            if i > 0 { writeIndicator(",", needWhitespace: false) }
            if column > bestWidth { writeIndent() }
            if isSimpleKey(key) {
                expectNode(key, mapping: true, simpleKey: true)
                writeIndicator(":", needWhitespace: false)
            } else {
                writeIndicator("?", needWhitespace: true)
                expectNode(key, mapping: true)
                if column > bestWidth { writeIndent() }
                writeIndicator(":", needWhitespace: true)
            }
            expectNode(value, mapping: true)
        }
        indent = indents.popLast() ?? nil
        flowLevel -= 1
        writeIndicator("}", needWhitespace: false)
    }

    private mutating func blockSequence(_ items: [Node]) {
        let indentless = mappingContext && !indention
        increaseIndent(flow: false, indentless: indentless)
        for item in items {
            writeIndent()
            writeIndicator("-", needWhitespace: true, indention: true)
            expectNode(item, sequence: true)
        }
        indent = indents.popLast() ?? nil
    }

    private mutating func blockMapping(_ pairs: [(Node, Node)]) {
        increaseIndent(flow: false)
        for (key, value) in pairs {
            writeIndent()
            if isSimpleKey(key) {
                expectNode(key, mapping: true, simpleKey: true)
                writeIndicator(":", needWhitespace: false)
            } else {
                writeIndicator("?", needWhitespace: true, indention: true)
                expectNode(key, mapping: true)
                writeIndent()
                writeIndicator(":", needWhitespace: true, indention: true)
            }
            expectNode(value, mapping: true)
        }
        indent = indents.popLast() ?? nil
    }

    private func isSimpleKey(_ node: Node) -> Bool {
        switch node {
        case .scalar(let text, _, let tagLength):
            let analysis = ScalarAnalysis(text)
            return tagLength + analysis.length < 128 && !analysis.empty && !analysis.multiline
        case .sequence(let items, _): return items.isEmpty
        case .mapping(let pairs, _): return pairs.isEmpty
        }
    }

    private mutating func increaseIndent(flow: Bool, indentless: Bool = false) {
        indents.append(indent)
        if let current = indent {
            if !indentless { indent = current + bestIndent }
        } else {
            indent = flow ? bestIndent : 0
        }
    }

    // MARK: - scalars

    private mutating func processScalar(_ text: String, plainImplicit: Bool) {
        let analysis = ScalarAnalysis(text)
        let split = !simpleKeyContext
        if plainImplicit && !(simpleKeyContext && (analysis.empty || analysis.multiline))
            && ((flowLevel > 0 && analysis.allowFlowPlain) || (flowLevel == 0 && analysis.allowBlockPlain)) {
            writePlain(analysis.scalars, split: split)
        } else if analysis.allowSingleQuoted && !(simpleKeyContext && analysis.multiline) {
            writeSingleQuoted(analysis.scalars, split: split)
        } else {
            writeDoubleQuoted(analysis.scalars, split: split)
        }
    }

    private mutating func write(_ scalars: ArraySlice<Unicode.Scalar>) {
        column += scalars.count
        out.unicodeScalars.append(contentsOf: scalars)
    }

    private mutating func write(_ text: String) {
        column += text.unicodeScalars.count
        out += text
    }

    private mutating func writeIndicator(_ indicator: String, needWhitespace: Bool, whitespace ws: Bool = false,
                                         indention ind: Bool = false) {
        let data = (whitespace || !needWhitespace) ? indicator : " " + indicator
        whitespace = ws
        indention = indention && ind
        openEnded = false
        write(data)
    }

    private mutating func writeIndent() {
        let target = indent ?? 0
        if !indention || column > target || (column == target && !whitespace) {
            writeLineBreak()
        }
        if column < target {
            whitespace = true
            out += String(repeating: " ", count: target - column)
            column = target
        }
    }

    private mutating func writeLineBreak(_ lineBreak: Unicode.Scalar = "\n") {
        whitespace = true
        indention = true
        out.unicodeScalars.append(lineBreak)
        column = 0
    }

    private static func isBreak(_ c: Unicode.Scalar?) -> Bool {
        guard let c = c else { return false }
        return c == "\n" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}"
    }

    private mutating func writePlain(_ text: [Unicode.Scalar], split: Bool) {
        if rootContext { openEnded = true }
        if text.isEmpty { return }
        if !whitespace { write(" ") }
        whitespace = false
        indention = false
        var spaces = false, breaks = false
        var start = 0, end = 0
        while end <= text.count {
            let ch: Unicode.Scalar? = end < text.count ? text[end] : nil
            if spaces {
                if ch != " " {
                    if start + 1 == end && column > bestWidth && split {
                        writeIndent()
                        whitespace = false
                        indention = false
                    } else {
                        write(text[start..<end])
                    }
                    start = end
                }
            } else if breaks {
                if !YAMLEmitter.isBreak(ch) {
                    if text[start] == "\n" { writeLineBreak() }
                    for br in text[start..<end] { writeLineBreak(br) }
                    writeIndent()
                    whitespace = false
                    indention = false
                    start = end
                }
            } else if ch == nil || ch == " " || YAMLEmitter.isBreak(ch) {
                write(text[start..<end])
                start = end
            }
            if let ch = ch {
                spaces = ch == " "
                breaks = YAMLEmitter.isBreak(ch)
            }
            end += 1
        }
    }

    private mutating func writeSingleQuoted(_ text: [Unicode.Scalar], split: Bool) {
        writeIndicator("'", needWhitespace: true)
        var spaces = false, breaks = false
        var start = 0, end = 0
        while end <= text.count {
            let ch: Unicode.Scalar? = end < text.count ? text[end] : nil
            if spaces {
                if ch == nil || ch != " " {
                    if start + 1 == end && column > bestWidth && split && start != 0 && end != text.count {
                        writeIndent()
                    } else {
                        write(text[start..<end])
                    }
                    start = end
                }
            } else if breaks {
                if ch == nil || !YAMLEmitter.isBreak(ch) {
                    if text[start] == "\n" { writeLineBreak() }
                    for br in text[start..<end] {
                        if br == "\n" { writeLineBreak() } else { writeLineBreak(br) }
                    }
                    writeIndent()
                    start = end
                }
            } else if ch == nil || ch == " " || YAMLEmitter.isBreak(ch) || ch == "'" {
                if start < end {
                    write(text[start..<end])
                    start = end
                }
            }
            if ch == "'" {
                write("''")
                start = end + 1
            }
            if let ch = ch {
                spaces = ch == " "
                breaks = YAMLEmitter.isBreak(ch)
            }
            end += 1
        }
        writeIndicator("'", needWhitespace: false)
    }

    private static let escapes: [Unicode.Scalar: String] = [
        "\0": "0", "\u{07}": "a", "\u{08}": "b", "\t": "t", "\n": "n", "\u{0B}": "v", "\u{0C}": "f",
        "\r": "r", "\u{1B}": "e", "\"": "\"", "\\": "\\", "\u{85}": "N", "\u{A0}": "_",
        "\u{2028}": "L", "\u{2029}": "P",
    ]

    private mutating func writeDoubleQuoted(_ text: [Unicode.Scalar], split: Bool) {
        writeIndicator("\"", needWhitespace: true)
        var start = 0, end = 0
        while end <= text.count {
            let ch: Unicode.Scalar? = end < text.count ? text[end] : nil
            if let c = ch, !(c == "\"" || c == "\\" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}" || c == "\u{FEFF}")
                && ((0x20...0x7E).contains(c.value) || (0xA0...0xD7FF).contains(c.value)
                    || (0xE000...0xFFFD).contains(c.value)) {
                // printable: keep collecting
            } else {
                if start < end {
                    write(text[start..<end])
                    start = end
                }
                if let c = ch {
                    let data: String
                    if let e = YAMLEmitter.escapes[c] {
                        data = "\\" + e
                    } else if c.value <= 0xFF {
                        data = "\\x" + String(c.value, radix: 16, uppercase: true).leftPadded(to: 2)
                    } else if c.value <= 0xFFFF {
                        data = "\\u" + String(c.value, radix: 16, uppercase: true).leftPadded(to: 4)
                    } else {
                        data = "\\U" + String(c.value, radix: 16, uppercase: true).leftPadded(to: 8)
                    }
                    write(data)
                    start = end + 1
                }
            }
            if end > 0 && end < text.count - 1 && (ch == " " || start >= end)
                && column + (end - start) > bestWidth && split {
                var data = String(String.UnicodeScalarView(text[start..<max(start, end)])) + "\\"
                if start < end { start = end }
                if data.isEmpty { data = "\\" }
                write(data)
                writeIndent()
                whitespace = false
                indention = false
                if text[start] == " " { write("\\") }
            }
            end += 1
        }
        writeIndicator("\"", needWhitespace: false)
    }
}
