/// Splits a `command:` line (and pip's extra_args, validate, ...) into words exactly as Python's
/// `shlex.split` (POSIX mode) does, which is what Ansible runs: quotes group, a backslash outside quotes keeps
/// the next character, inside double quotes it escapes only `"` and `\`, inside single quotes nothing.
enum ShellWords {
    static func split(_ text: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaping = false
        for character in text {
            if escaping {
                if quote == "\"" && character != "\"" && character != "\\" { current.append("\\") }
                current.append(character)
                escaping = false
                continue
            }
            switch (quote, character) {
            case (nil, "\\"), ("\"", "\\"):
                escaping = true
                inWord = true
            case (nil, "'"), (nil, "\""):
                quote = character
                inWord = true
            case ("'", "'"), ("\"", "\""):
                quote = nil
            case (nil, " "), (nil, "\t"), (nil, "\r"), (nil, "\n"), (nil, "\r\n"):
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { throw ModuleArgumentError("a quote is not closed in: \(text)") }
        if escaping { throw ModuleArgumentError("a backslash ends the line with nothing to escape in: \(text)") }
        if inWord { words.append(current) }
        return words
    }
}
