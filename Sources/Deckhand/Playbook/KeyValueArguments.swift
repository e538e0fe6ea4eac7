/// Ansible's `key=value` short form for module arguments (`copy: src=a dest="/tmp/b c" mode=0644`) and `-e`:
/// words split on spaces outside quotes and `{{ }}`/`{% %}`/`{# #}`, `key=value` words become arguments with
/// their escapes decoded and outer quotes removed, the other words are free-form text.
///
/// This is Ansible's parse_kv/split_args, not shlex (ShellWords), on purpose: Ansible splits these arguments
/// before templating, so a Jinja block is one word whatever it holds, quotes stay in the word until the value
/// is unquoted as a whole, a backslash only stops a quote from counting (in either kind of quotes), Python's
/// escapes (`\n`, `\t`, `\"`, `\u00e9`...) are decoded in every key=value word, and only spaces and newlines
/// separate words. A `command:` line is then split again into program words by ShellWords, as Ansible does.
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
        guard !rest.isEmpty else { return Parsed(pairs: pairs, freeForm: nil) }
        // The free-form text as Ansible rebuilds it from its own words (spacing, line breaks and a script's last
        // newline kept, a line ending in `\` joined to the next).
        let freeWords = try AnsibleArgumentSplit.words(text).filter { word in
            guard let (key, _) = keyValue(word.trimmingCharacters(in: .whitespacesAndNewlines)) else { return true }
            return !(onlyKeys.map { $0.contains(key) } ?? true)
        }
        return Parsed(pairs: pairs, freeForm: AnsibleArgumentSplit.joined(freeWords))
    }

    /// Words separated by unquoted spaces and newlines outside Jinja blocks; quotes stay in the words.
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
            if character == "\\", let next {
                current.append(character)
                current.append(next)
                index += 2
                continue
            }
            if quote == nil && jinjaDepth == 0 && (character == " " || character == "\n") {
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

    /// `key=value`: the word's escapes decoded, split at the first `=` not escaped, the value without one pair of
    /// outer quotes (as Ansible's unquote). Unlike Ansible, a key that is neither an identifier nor templated
    /// makes the word free-form text: it could name neither an argument nor a variable, and saying so is clearer.
    private static func keyValue(_ word: String) -> (String, String)? {
        let decoded = decodingEscapes(word)
        guard let equals = decoded.indices.dropFirst().first(where: { index in
            decoded[index] == "=" && decoded[decoded.index(before: index)] != "\\"
        }) else { return nil }
        let key = decoded[..<equals].trimmingCharacters(in: .whitespacesAndNewlines)
        // A key with a template in it (set_fact: "user_{{ item }}=x") names a variable decided at run time.
        let isTemplate = key.contains("{{") && key.contains("}}")
        guard isTemplate || (key.first.map { $0.isLetter || $0 == "_" } ?? false
                             && key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })) else { return nil }
        var value = decoded[decoded.index(after: equals)...].trimmingCharacters(in: .whitespacesAndNewlines)
        if value.count >= 2, let open = value.first, open == value.last, open == "\"" || open == "'",
           value.dropLast().last != "\\" {
            value = String(value.dropFirst().dropLast())
        }
        return (key, value)
    }

    /// Python's escapes as Ansible's _decode_escapes decodes them: `\\`, `\'`, `\"`, `\a\b\f\n\r\t\v`,
    /// `\xHH`, `\uHHHH`, `\UHHHHHHHH`; any other backslash stays.
    static func decodingEscapes(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        let simple: [Character: String] = ["\\": "\\", "'": "'", "\"": "\"", "a": "\u{07}", "b": "\u{08}",
                                           "f": "\u{0C}", "n": "\n", "r": "\r", "t": "\t", "v": "\u{0B}"]
        let hexDigits: [Character: Int] = ["x": 2, "u": 4, "U": 8]
        let characters = Array(text)
        var out = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard character == "\\", index + 1 < characters.count else {
                out.append(character)
                index += 1
                continue
            }
            let marker = characters[index + 1]
            if let replacement = simple[marker] {
                out += replacement
                index += 2
            } else if let count = hexDigits[marker], index + 2 + count <= characters.count,
                      let code = UInt32(String(characters[(index + 2)..<(index + 2 + count)]), radix: 16),
                      let scalar = Unicode.Scalar(code) {
                out.unicodeScalars.append(scalar)
                index += 2 + count
            } else {
                out.append(character)
                index += 1
            }
        }
        return out
    }
}
