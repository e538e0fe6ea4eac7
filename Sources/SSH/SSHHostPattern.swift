/// One OpenSSH host pattern (`*.example.com`, `web?`, `!bastion`), matched case-insensitively.
struct SSHHostPattern: Sendable, Equatable {
    /// The pattern without its leading `!`, lowercased.
    let glob: String
    let negated: Bool

    init(_ text: String) {
        if text.hasPrefix("!") {
            negated = true
            glob = String(text.dropFirst()).lowercased()
        } else {
            negated = false
            glob = text.lowercased()
        }
    }

    /// Whether `name` matches the glob, ignoring negation.
    func globMatches(_ name: String) -> Bool {
        Self.wildcardMatch(Array(glob.unicodeScalars), Array(name.lowercased().unicodeScalars))
    }

    /// `*` matches any run of characters (also none), `?` exactly one; everything else itself.
    static func wildcardMatch(_ pattern: [Unicode.Scalar], _ name: [Unicode.Scalar]) -> Bool {
        // Iterative matcher with one backtrack point: linear enough for host names, no recursion blow-up.
        var p = 0, n = 0
        var starP = -1, starN = 0
        while n < name.count {
            if p < pattern.count && (pattern[p] == "?" || pattern[p] == name[n]) {
                p += 1
                n += 1
            } else if p < pattern.count && pattern[p] == "*" {
                starP = p
                starN = n
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starN += 1
                n = starN
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}

/// A list of host patterns as on a `Host` line: it matches when some plain pattern matches and no negated one does.
struct SSHHostPatternList: Sendable, Equatable {
    let patterns: [SSHHostPattern]

    init(_ words: [String]) {
        patterns = words.map(SSHHostPattern.init)
    }

    /// `Match host a,b,!c` style: one word, comma-separated.
    init(commaSeparated text: String) {
        self.init(text.split(separator: ",", omittingEmptySubsequences: true).map(String.init))
    }

    func matches(_ name: String) -> Bool {
        var matched = false
        for pattern in patterns where pattern.globMatches(name) {
            if pattern.negated { return false }
            matched = true
        }
        return matched
    }
}
