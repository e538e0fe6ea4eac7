import Foundation
import Jinja
import OrderedCollections

/// Ansible's INI inventory format: host lines with `key=value` vars, `[group]`, `[group:vars]`,
/// `[group:children]`.
enum INIInventory {
    static func parse(_ text: String, path: String, into inventory: inout Inventory) throws {
        var errors: [ValidationError] = []
        var section = "ungrouped"
        var kind = "hosts"
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            let location = SourceLocation(file: path, line: index + 1, column: 1)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    errors.append(ValidationError("a section header must end with ']'", at: location,
                                                  offendingText: line))
                    continue
                }
                let header = line.dropFirst().dropLast()
                let parts = header.split(separator: ":", maxSplits: 1).map(String.init)
                section = parts.first ?? ""
                kind = parts.count > 1 ? parts[1] : "hosts"
                guard ["hosts", "vars", "children"].contains(kind) else {
                    errors.append(ValidationError("unknown section kind ':\(kind)'", at: location,
                                                  offendingText: line,
                                                  suggestion: Suggestion.nearest(kind, in: ["vars", "children"])))
                    kind = "hosts"
                    continue
                }
                if section != "all" && section != "ungrouped" { inventory.addGroup(section) }
                continue
            }
            switch kind {
            case "vars":
                guard let equals = line.firstIndex(of: "=") else {
                    errors.append(ValidationError("expected key=value in [\(section):vars]", at: location,
                                                  offendingText: line))
                    continue
                }
                let key = line[..<equals].trimmingCharacters(in: .whitespaces)
                let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                inventory.setGroupVars(section, [key: literal(value)])
            case "children":
                inventory.addChild(line.split(separator: " ").first.map(String.init) ?? line, to: section)
            default:
                do {
                    let words = try InventoryLineWords.split(line)
                    guard var hostPattern = words.first else { continue }
                    var vars = OrderedDictionary<String, Value>()
                    if let port = portSuffix(of: hostPattern) {
                        hostPattern = String(hostPattern.dropLast(String(port).count + 1))
                        vars["ansible_port"] = .int(port)
                    }
                    for word in words.dropFirst() {
                        guard let equals = word.firstIndex(of: "=") else {
                            errors.append(ValidationError("expected key=value after the host name", at: location,
                                                          offendingText: word))
                            continue
                        }
                        vars[String(word[..<equals])] = literal(String(word[word.index(after: equals)...]))
                    }
                    for name in HostRange.expand(hostPattern) {
                        inventory.addHost(name, to: section, vars: vars)
                    }
                } catch {
                    errors.append(ValidationError("\(error)", at: location, offendingText: line))
                }
            }
        }
        if !errors.isEmpty { throw ValidationErrors(errors) }
    }

    /// `host:2222` (but not an IPv6 address).
    private static func portSuffix(of host: String) -> Int? {
        let parts = host.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { return nil }
        return port
    }

    /// INI values are Python literals when they parse as one (22, True, "quoted"), else strings.
    static func literal(_ text: String) -> Value {
        if let number = Int(text) { return .int(number) }
        if let number = Double(text), text.contains(".") { return .double(number) }
        switch text {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .none
        default: break
        }
        if text.count >= 2, let first = text.first, first == text.last, first == "\"" || first == "'" {
            let unquoted = String(text.dropFirst().dropLast())
            TrustedText.record(unquoted)
            return .string(unquoted)
        }
        if (text.hasPrefix("[") && text.hasSuffix("]")) || (text.hasPrefix("{") && text.hasSuffix("}")),
           let document = try? YAMLDocument.parse(text, path: "<ini value>"), let root = document.root {
            return YAMLDocument.value(of: root)
        }
        TrustedText.record(text)
        return .string(text)
    }
}

/// POSIX-shell-like word splitting (quotes, backslashes, `#` comments), as Python's shlex does for
/// inventory lines.
enum InventoryLineWords {
    struct UnbalancedQuote: Error, CustomStringConvertible {
        var description: String { "a quote is not closed" }
    }

    static func split(_ text: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var iterator = Array(text)
        var index = 0
        while index < iterator.count {
            let character = iterator[index]
            index += 1
            if let open = quote {
                if character == open {
                    quote = nil
                } else if character == "\\" && open == "\"" && index < iterator.count {
                    current.append(iterator[index])
                    index += 1
                } else {
                    current.append(character)
                }
                continue
            }
            switch character {
            case "\"", "'":
                quote = character
                inWord = true
            case "\\" where index < iterator.count:
                current.append(iterator[index])
                index += 1
                inWord = true
            case " ", "\t":
                if inWord { words.append(current) }
                current = ""
                inWord = false
            case "#" where !inWord:
                iterator = []
            default:
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { throw UnbalancedQuote() }
        if inWord { words.append(current) }
        return words
    }
}
