import Foundation
import Jinja

/// Ansible's `-e` values: `key=value` words (strings), `@file` (YAML or JSON), or inline `{...}` JSON/YAML.
/// Later values replace earlier ones key by key, as ansible-playbook does.
struct ExtraVariables {
    private(set) var values: [String: Value] = [:]

    /// What went wrong reading one `-e` value, said so that the user can fix the command line.
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    mutating func add(_ argument: String, relativeTo folder: URL) throws {
        let trimmed = argument.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("@") {
            let path = String(trimmed.dropFirst())
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                let why = FileManager.default.fileExists(atPath: url.path) ? "it is not readable UTF-8 text" : "no such file"
                throw Problem(description: "-e @\(path): cannot read \(url.path): \(why)")
            }
            try merge(parseDocument(text, source: "@\(path)", json: url.pathExtension.lowercased() == "json"),
                      source: "@\(path)")
        } else if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            try merge(parseDocument(trimmed, source: "'\(trimmed)'", json: false), source: "'\(trimmed)'")
        } else {
            for word in try ExtraVariables.shellWords(trimmed) {
                guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
                    throw Problem(description: "-e '\(word)': expected key=value, @vars.yml or a JSON object")
                }
                values[String(word[..<eq])] = .string(String(word[word.index(after: eq)...]))
            }
        }
    }

    private func parseDocument(_ text: String, source: String, json: Bool) throws -> Value {
        do {
            return json ? try JSONFormat.decode(text) : try YAMLFormat.load(text)
        } catch let error as TemplateError {
            throw Problem(description: "-e \(source): \(error.message)")
        }
    }

    private mutating func merge(_ document: Value, source: String) throws {
        switch document {
        case .dict(let d):
            for (k, v) in d { values[k] = v }
        case .none:
            break
        default:
            throw Problem(description: "-e \(source): expected a mapping of variable names to values, got \(document.pythonTypeName)")
        }
    }

    /// Splits `a=1 b='two words'` the way a shell (and Ansible's parse_kv) would.
    static func shellWords(_ s: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        var escaped = false
        for ch in s {
            if escaped { current.append(ch); escaped = false; continue }
            if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escaped = true } else { current.append(ch) }
                continue
            }
            switch ch {
            case "'", "\"": quote = ch; inWord = true
            case "\\": escaped = true; inWord = true
            case " ", "\t":
                if inWord { words.append(current); current = ""; inWord = false }
            default: current.append(ch); inWord = true
            }
        }
        if quote != nil { throw Problem(description: "-e '\(s)': unterminated quote") }
        if inWord { words.append(current) }
        return words
    }
}
