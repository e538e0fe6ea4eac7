/// Splits a `command:` line into words the way Python's shlex (POSIX mode) does, as Ansible does.
enum ShellWords {
    static func split(_ text: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaping = false
        for character in text {
            if escaping {
                // Inside double quotes a backslash only escapes ", \, $ and `.
                if quote == "\"" && !"\"\\$`\n".contains(character) { current.append("\\") }
                current.append(character)
                escaping = false
                inWord = true
                continue
            }
            switch (quote, character) {
            case (nil, "\\"), ("\"", "\\"):
                escaping = true
            case (nil, "'"), (nil, "\""):
                quote = character
                inWord = true
            case ("'", "'"), ("\"", "\""):
                quote = nil
            case (nil, _) where character.isWhitespace:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { throw ModuleArgumentError("unbalanced quotes in: \(text)") }
        if escaping { current.append("\\") }
        if inWord { words.append(current) }
        return words
    }
}
