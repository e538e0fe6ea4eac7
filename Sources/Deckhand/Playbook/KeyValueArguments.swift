/// Ansible's `key=value` short form for module arguments (`copy: src=a dest="/tmp/b c" mode=0644`):
/// words split on spaces outside quotes and `{{ }}`/`{% %}`, `key=value` words become arguments with
/// their outer quotes removed, the other words are free-form text.
enum KeyValueArguments {
    struct Parsed: Equatable {
        /// Arguments in the order written; values are strings, as Ansible's parse_kv gives them.
        var pairs: [(key: String, value: String)]
        /// The words that were not `key=value`, joined by single spaces (quotes kept).
        var freeForm: String?

        static func == (lhs: Parsed, rhs: Parsed) -> Bool {
            lhs.freeForm == rhs.freeForm && lhs.pairs.map(\.key) == rhs.pairs.map(\.key)
                && lhs.pairs.map(\.value) == rhs.pairs.map(\.value)
        }
    }

    struct UnbalancedQuote: Error {}

    /// Splits `text`. When `onlyKeys` is given, only those keys are taken as arguments (as Ansible does for
    /// command and shell, whose free-form text may itself contain `=`).
    static func parse(_ text: String, onlyKeys: Set<String>? = nil) throws -> Parsed {
        var pairs: [(String, String)] = []
        var rest: [String] = []
        for word in try words(text) {
            if let (key, value) = keyValue(word), onlyKeys.map({ $0.contains(key) }) ?? true {
                pairs.append((key, value))
            } else {
                rest.append(word)
            }
        }
        let freeForm: String?
        if rest.isEmpty {
            freeForm = nil
        } else if pairs.isEmpty {
            freeForm = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            freeForm = rest.joined(separator: " ")
        }
        return Parsed(pairs: pairs, freeForm: freeForm)
    }

    /// Words separated by unquoted whitespace outside Jinja blocks; quotes stay in the words.
    static func words(_ text: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var jinjaDepth = 0
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
            if character == "\\" && next != nil && quote != "'" {
                current.append(character)
                current.append(next!)
                index += 2
                continue
            }
            if quote == nil && jinjaDepth == 0 && (character == " " || character == "\t" || character == "\n") {
                if !current.isEmpty { words.append(current) }
                current = ""
                index += 1
                continue
            }
            if character == "{", let next, next == "{" || next == "%" || next == "#" {
                jinjaDepth += 1
                current.append(character)
                current.append(next)
                index += 2
                continue
            }
            if jinjaDepth > 0, let next, next == "}", character == "}" || character == "%" || character == "#" {
                jinjaDepth -= 1
                current.append(character)
                current.append(next)
                index += 2
                continue
            }
            if jinjaDepth == 0 && (character == "\"" || character == "'") {
                if quote == nil {
                    quote = character
                } else if quote == character {
                    quote = nil
                }
            }
            current.append(character)
            index += 1
        }
        if quote != nil { throw UnbalancedQuote() }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// `key=value` with an identifier key; the value loses one pair of outer quotes and `\=` escapes.
    private static func keyValue(_ word: String) -> (String, String)? {
        guard let equals = word.firstIndex(of: "=") else { return nil }
        let key = String(word[..<equals])
        guard let first = key.first, first.isLetter || first == "_",
              key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        var value = String(word[word.index(after: equals)...])
        if value.count >= 2, let open = value.first, open == value.last, open == "\"" || open == "'" {
            value = String(value.dropFirst().dropLast())
            if open == "\"" { value = value.replacingOccurrences(of: "\\\"", with: "\"") }
        }
        return (key, value.replacingOccurrences(of: "\\=", with: "="))
    }
}
