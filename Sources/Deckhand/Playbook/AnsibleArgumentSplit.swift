/// Ansible's split_args and join_args (lib/ansible/parsing/splitter.py), for free-form text: the words keep the
/// spacing and line breaks between them, a `\` ending a line outside quotes joins it to the next, and joining
/// the words gives the text Ansible hands the module as `_raw_params` (a shell script's trailing newline kept).
enum AnsibleArgumentSplit {
    /// split_args: words split on spaces and newlines, put back together inside quotes and Jinja blocks.
    static func words(_ text: String) throws -> [String] {
        guard !text.isEmpty else { return [] }
        var params: [String] = []
        var quote: Character?
        var printDepth = 0, blockDepth = 0, commentDepth = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (lineIndex, line) in lines.enumerated() {
            var lineContinuation = false
            for (index, token) in line.split(separator: " ", omittingEmptySubsequences: false).map(String.init).enumerated() {
                if token.isEmpty && index != 0 {
                    if params.isEmpty { params.append("") }
                    params[params.count - 1] += " "
                    continue
                }
                if token == "\\" && quote == nil {
                    lineContinuation = true
                    continue
                }
                let wasInsideQuotes = quote != nil
                quote = quoteState(token, quote)
                let insideQuotes = quote != nil
                let inBlock = printDepth > 0 || blockDepth > 0 || commentDepth > 0
                var appended = false
                if insideQuotes && !wasInsideQuotes && !inBlock {
                    params.append(token)
                    appended = true
                } else if inBlock || insideQuotes || wasInsideQuotes {
                    let spacer = index == 0 && wasInsideQuotes ? "" : (index > 0 ? " " : "")
                    if params.isEmpty { params.append("") }
                    params[params.count - 1] += spacer + token
                    appended = true
                }
                for (open, close) in [("{{", "}}"), ("{%", "%}"), ("{#", "#}")] {
                    let before = depth(open, printDepth, blockDepth, commentDepth)
                    let after = count(token, before, open, close)
                    switch open {
                    case "{{": printDepth = after
                    case "{%": blockDepth = after
                    default: commentDepth = after
                    }
                    if after != before && !appended {
                        params.append(token)
                        appended = true
                    }
                }
                if printDepth == 0 && blockDepth == 0 && commentDepth == 0 && quote == nil && !appended && !token.isEmpty {
                    params.append(token)
                }
            }
            if lines.count > 1 && lineIndex != lines.count - 1 && !lineContinuation {
                if params.isEmpty { params.append("") }
                params[params.count - 1] += "\n"
            }
        }
        if printDepth > 0 || blockDepth > 0 || commentDepth > 0 || quote != nil { throw KeyValueArguments.UnbalancedQuote() }
        return params
    }

    /// join_args: the words back into one text, a space between them except after a line break.
    static func joined(_ words: [String]) -> String {
        words.reduce(into: "") { result, word in
            result += result.isEmpty || result.hasSuffix("\n") ? word : " " + word
        }
    }

    private static func depth(_ open: String, _ print: Int, _ block: Int, _ comment: Int) -> Int {
        open == "{{" ? print : open == "{%" ? block : comment
    }

    /// _count_jinja2_blocks: the depth after `token`'s opening and closing delimiters.
    private static func count(_ token: String, _ depth: Int, _ open: String, _ close: String) -> Int {
        let opened = token.components(separatedBy: open).count - 1
        let closed = token.components(separatedBy: close).count - 1
        guard opened != closed else { return depth }
        return max(0, depth + opened - closed)
    }

    /// _get_quote_state: the quote still open after `token` (a quote after a backslash does not count).
    private static func quoteState(_ token: String, _ quote: Character?) -> Character? {
        var quote = quote
        var previous: Character?
        for character in token {
            if (character == "\"" || character == "'") && previous != "\\" {
                if let open = quote {
                    if character == open { quote = nil }
                } else {
                    quote = character
                }
            }
            previous = character
        }
        return quote
    }
}
