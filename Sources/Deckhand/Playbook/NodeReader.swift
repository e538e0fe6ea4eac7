import Jinja
import OrderedCollections
import Yams

/// Reads typed keyword values out of YAML nodes, recording a `ValidationError` (and returning nil) when a
/// value has the wrong shape, so a whole file is checked in one pass.
final class NodeReader {
    let document: YAMLDocument
    private let errors: ErrorCollector

    init(document: YAMLDocument, errors: ErrorCollector) {
        self.document = document
        self.errors = errors
    }

    var path: String { document.path }

    func location(_ node: Node) -> SourceLocation { document.location(of: node) }

    func fail(_ message: String, at node: Node, text: String? = nil, suggestion: String? = nil) {
        errors.add(ValidationError(message, at: location(node), offendingText: text ?? node.scalar?.string,
                                   suggestion: suggestion))
    }

    /// The entries of a mapping with string keys, in order.
    func entries(_ node: Node) -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let mapping) = node else { return [] }
        return mapping.map { (YAMLDocument.keyString($0.key), $0.key, $0.value) }
    }

    func value(_ node: Node) -> Value { YAMLDocument.value(of: node) }

    func string(_ node: Node, _ keyword: String) -> String? {
        switch value(node) {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return flag ? "True" : "False"
        case .none: return nil
        default:
            fail("'\(keyword)' must be a single value, not a list or mapping", at: node, text: keyword)
            return nil
        }
    }

    /// A string or a list of strings (tags, notify, listen, hosts).
    func strings(_ node: Node, _ keyword: String) -> [String] {
        switch value(node) {
        case .list(let items):
            return items.compactMap { item in
                switch item {
                case .string(let text): return text
                case .int(let number): return String(number)
                case .bool(let flag): return flag ? "True" : "False"
                default:
                    fail("every entry of '\(keyword)' must be a single value", at: node, text: keyword)
                    return nil
                }
            }
        case .none: return []
        default:
            return string(node, keyword).map { [$0] } ?? []
        }
    }

    /// Tags may also be written comma-separated.
    func tags(_ node: Node) -> [String] {
        strings(node, "tags").flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// Conditions: a bool, an expression, or a list of them, as written (a whole `{{ … }}` is rendered when
    /// evaluated: see `Templating.conditional`).
    func conditions(_ node: Node, _ keyword: String) -> [String] {
        // An `!unsafe` condition is data, never an expression: as a template giving its text, which is then
        // not text the operator wrote (TrustedText), so evaluating it fails as ansible-core's does.
        let items = node.sequence.map(Array.init) ?? [node]
        if items.contains(where: { $0.tag.rawValue == YAMLDocument.unsafeTag }) {
            return items.compactMap { item in
                guard item.tag.rawValue == YAMLDocument.unsafeTag, let text = item.scalar?.string else {
                    return string(item, keyword)?.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                return YAMLDocument.constantTemplate(text)
            }
        }
        return strings(node, keyword).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    static func unwrapExpression(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}") else { return trimmed }
        let inner = trimmed.dropFirst(2).dropLast(2)
        if inner.contains("{{") || inner.contains("}}") { return trimmed }
        return inner.trimmingCharacters(in: .whitespaces)
    }

    func boolSetting(_ node: Node, _ keyword: String) -> BoolSetting? {
        switch value(node) {
        case .bool(let flag): return .literal(flag)
        case .int(let number) where number == 0 || number == 1: return .literal(number == 1)
        case .string(let text):
            if text.contains("{{") || text.contains("{%") { return .template(text) }
            if let flag = NodeReader.truth(text) { return .literal(flag) }
        case .none: return nil
        default: break
        }
        fail("'\(keyword)' must be yes/no, true/false or a template", at: node, text: keyword)
        return nil
    }

    /// Ansible's boolean spellings.
    static func truth(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "yes", "true", "on", "1", "y", "t": return true
        case "no", "false", "off", "0", "n", "f": return false
        default: return nil
        }
    }

    func bool(_ node: Node, _ keyword: String) -> Bool? {
        switch boolSetting(node, keyword) {
        case .literal(let flag): return flag
        case .template:
            fail("'\(keyword)' cannot be a template here; write yes or no", at: node, text: keyword)
            return nil
        case nil: return nil
        }
    }

    func dict(_ node: Node, _ keyword: String) -> OrderedDictionary<String, Value>? {
        switch value(node) {
        case .dict(let dict): return dict
        case .none: return [:]
        case .list(let items) where keyword == "vars" && items.allSatisfy({ if case .dict = $0 { return true }; return false }):
            // The old list-of-mappings form of vars.
            var merged = OrderedDictionary<String, Value>()
            for case .dict(let dict) in items { merged.merge(dict) { $1 } }
            return merged
        default:
            fail("'\(keyword)' must be a mapping of names to values", at: node, text: keyword)
            return nil
        }
    }

    /// A mapping, or a template string that renders to one (environment).
    func dictOrTemplate(_ node: Node, _ keyword: String) -> Value? {
        switch value(node) {
        case .dict(let dict): return .dict(dict)
        case .string(let text) where text.contains("{{"): return .string(text)
        case .none: return nil
        default:
            fail("'\(keyword)' must be a mapping or a template", at: node, text: keyword)
            return nil
        }
    }

    /// A number of seconds, fractions allowed, or a template deciding it per host (delay: 0.5).
    func secondsOrTemplate(_ node: Node, _ keyword: String) -> Value? {
        switch value(node) {
        case .double(let seconds) where seconds >= 0: return .double(seconds)
        case .string(let text) where Double(text.trimmingCharacters(in: .whitespaces)).map { $0 >= 0 } == true:
            return .double(Double(text.trimmingCharacters(in: .whitespaces))!)
        default: return intOrTemplate(node, keyword)
        }
    }

    /// An int, or a template deciding it per host (retries).
    func intOrTemplate(_ node: Node, _ keyword: String) -> Value? {
        switch value(node) {
        case .int(let number): return .int(number)
        case .string(let text) where text.contains("{{"): return .string(text)
        case .string(let text) where Int(text) != nil: return .int(Int(text)!)
        case .none: return nil
        default:
            fail("'\(keyword)' must be a whole number or a template", at: node, text: keyword)
            return nil
        }
    }
}

/// Collects every validation error of a load, in the order found.
final class ErrorCollector {
    var errors: [ValidationError] = []
    private var fileLines: [String: [Substring]] = [:]

    func add(_ error: ValidationError) {
        var error = error
        if error.sourceLine == nil { error.sourceLine = line(error.location) }
        errors.append(error)
    }

    func add(_ thrown: Error, at location: SourceLocation) {
        switch thrown {
        case let error as ValidationError: add(error)
        case let error as ValidationErrors: error.errors.forEach(add)
        default: add(ValidationError("\(thrown)", at: location))
        }
    }

    private func line(_ location: SourceLocation) -> String? {
        guard location.line > 0 else { return nil }
        if fileLines[location.file] == nil {
            let text = (try? String(contentsOfFile: location.file, encoding: .utf8)) ?? ""
            fileLines[location.file] = text.split(separator: "\n", omittingEmptySubsequences: false)
        }
        guard let lines = fileLines[location.file], location.line <= lines.count else { return nil }
        let line = String(lines[location.line - 1])
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }
}
