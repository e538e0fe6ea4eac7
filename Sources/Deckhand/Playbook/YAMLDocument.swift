import Foundation
import Jinja
import OrderedCollections
import Yams

/// A YAML file composed into nodes that remember their line and column.
struct YAMLDocument {
    let path: String
    let root: Node?

    /// YAML 1.1 as Ansible reads it (yes/no booleans, 0644 octal), but dates stay strings.
    static let resolver = Resolver.default.removing(.timestamp).removing(.value)

    /// Reads and composes `path`; a missing file or a syntax error is a `ValidationError` at its position.
    static func load(path: String) throws -> YAMLDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the file (does it exist and is it readable?)",
                                  at: .synthetic(path))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("the file is not UTF-8 text", at: .synthetic(path))
        }
        return try parse(text, path: path)
    }

    /// Composes `text`, naming it `path` in errors. Vault data (a whole vaulted file, `!vault` values) is
    /// decrypted with `vault`'s passwords; a whole file that cannot be is an error, a `!vault` value that cannot
    /// be reads as undefined, failing where it is used with what to do.
    static func parse(_ text: String, path: String, vault: VaultSecrets = .installed) throws -> YAMLDocument {
        let vaulted = VaultText.isEncrypted(text)
        let plaintext = vaulted ? try VaultedYAML.decryptFile(text, path: path, vault: vault) : text
        do {
            let root = try Yams.compose(yaml: plaintext, resolver)
            guard vaulted || plaintext.contains(VaultedYAML.tag) else { return YAMLDocument(path: path, root: root) }
            return YAMLDocument(path: path, root: try root.map {
                try VaultedYAML.decryptValues(in: $0, path: path, vault: vault, revealingStrings: vaulted)
            })
        } catch let error as YamlError {
            throw syntaxError(error, path: path, text: plaintext)
        }
    }

    private static func syntaxError(_ error: YamlError, path: String, text: String) -> ValidationError {
        func at(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> ValidationError {
            var message = "YAML syntax error: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
            let line = text.split(separator: "\n", omittingEmptySubsequences: false)
            let offending = mark.line >= 1 && mark.line <= line.count ? String(line[mark.line - 1]) : nil
            return ValidationError(message, at: SourceLocation(file: path, line: mark.line, column: mark.column),
                                   offendingText: offending?.trimmingCharacters(in: .whitespaces))
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return at(mark, problem, context)
        case let .duplicatedKeysInMapping(duplicates, context):
            return ValidationError("YAML error: the key '\(duplicates.joined(separator: "', '"))' appears twice in one mapping",
                                   at: SourceLocation(file: path, line: context.mark.line, column: context.mark.column),
                                   offendingText: duplicates.first)
        default:
            return ValidationError("YAML error: \(error)", at: .synthetic(path))
        }
    }

    /// Where `node` starts in this file.
    func location(of node: Node) -> SourceLocation {
        guard let mark = node.mark else { return .synthetic(path) }
        return SourceLocation(file: path, line: mark.line, column: mark.column)
    }

    /// Ansible's tag for a string that is data, never a template.
    static let unsafeTag = "!unsafe"

    /// The node as a template-ready value: YAML 1.1 scalars typed, `<<` merge keys applied.
    static func value(of node: Node) -> Value {
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar, node: node)
        case .sequence(let sequence):
            return .list(sequence.map { value(of: $0) })
        case .mapping(let mapping):
            var dict = OrderedDictionary<String, Value>()
            for (key, child) in mapping {
                if key.tag.rawValue == Tag.Name.merge.rawValue {
                    mergeInto(&dict, value(of: child))
                    continue
                }
                dict[keyString(key)] = value(of: child)
            }
            return .dict(dict)
        case .alias:
            return .none
        }
    }

    private static func mergeInto(_ dict: inout OrderedDictionary<String, Value>, _ merged: Value) {
        switch merged {
        case .dict(let source):
            for (key, value) in source where dict[key] == nil { dict[key] = value }
        case .list(let sources):
            for source in sources { mergeInto(&dict, source) }
        default:
            break
        }
    }

    private static func scalarValue(_ scalar: Node.Scalar, node: Node) -> Value {
        if node.tag.rawValue == VaultedYAML.undecryptableTag { return .undefined(Undefined(scalar.string)) }
        if node.tag.rawValue == unsafeTag { return unsafeValue(scalar.string) }
        guard scalar.style == .plain || scalar.style == .any else {
            TrustedText.record(scalar.string)
            return .string(scalar.string)
        }
        switch Tag.Name(rawValue: node.tag.rawValue) {
        case .null: return .none
        case .bool: return node.bool.map(Value.bool) ?? .string(scalar.string)
        case .int: return node.int.map(Value.int) ?? .string(scalar.string)
        case .float: return node.float.map(Value.double) ?? .string(scalar.string)
        default:
            TrustedText.record(scalar.string)
            return .string(scalar.string)
        }
    }

    /// An `!unsafe` string: data that must never be rendered, whatever braces it holds (a password with `{{`).
    /// Text with template syntax becomes the one template that renders to exactly that text, a string constant
    /// (`{{ '{{ x }}' }}`), so every path that renders values (arguments, variables, loops) gives it back
    /// unchanged, and nothing renders it twice. It is never `TrustedText`.
    static func unsafeValue(_ text: String) -> Value {
        .string(TemplateText.mayHoldTemplate(text) ? constantTemplate(text) : text)
    }

    /// The template that renders to exactly `text`.
    static func constantTemplate(_ text: String) -> String {
        "{{ " + TemplateText.stringLiteral(text) + " }}"
    }

    /// A mapping key as Ansible sees it (keys are strings; `1:` and `true:` become "1" and "True").
    static func keyString(_ node: Node) -> String {
        if node.tag.rawValue == unsafeTag { return node.scalar?.string ?? "" }
        switch value(of: node) {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "True" : "False"
        case .double(let number): return String(number)
        case .none: return "None"
        default: return node.scalar?.string ?? ""
        }
    }
}
