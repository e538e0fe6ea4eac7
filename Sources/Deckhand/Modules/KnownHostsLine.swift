import Crypto
import Foundation

/// One entry of a known_hosts file as OpenSSH reads it: an optional marker (`@cert-authority`, `@revoked`), the
/// host patterns (or one hashed host), the key type and the key; a trailing comment is not part of it.
struct KnownHostsLine: Hashable {
    var marker: String?
    var hosts: String
    var type: String
    var key: String

    /// The entry a line holds; nil for a blank line, a comment, or a line ssh would not read as an entry.
    init?(_ line: String) {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).map(String.init)
        guard let first = fields.first, !first.hasPrefix("#") else { return nil }
        let rest = first.hasPrefix("@") ? Array(fields.dropFirst()) : fields
        guard rest.count >= 3 else { return nil }
        marker = first.hasPrefix("@") ? first : nil
        hosts = rest[0]
        type = rest[1]
        key = rest[2]
    }

    /// The markers ssh knows; a line with another marker is not an entry to it.
    static let markers = ["@cert-authority", "@revoked"]

    var hasKnownMarker: Bool { marker.map { KnownHostsLine.markers.contains($0) } ?? true }

    /// Whether ssh matches `host` against this entry (`ssh-keygen -F`): a hashed host through its HMAC-SHA1,
    /// otherwise the comma-separated patterns with `*`, `?` and `!` negation, ignoring case.
    func matches(_ host: String) -> Bool {
        guard hasKnownMarker else { return false }
        if let hashed = HashedHost(hosts) { return hashed.matches(host) }
        return KnownHostsLine.patternListMatches(host.lowercased(), hosts.lowercased())
    }

    /// OpenSSH's match_pattern_list: a negated pattern that matches rejects the host outright.
    static func patternListMatches(_ host: String, _ list: String) -> Bool {
        var positive = false
        for pattern in list.split(separator: ",", omittingEmptySubsequences: false) {
            let negated = pattern.hasPrefix("!")
            let glob = negated ? pattern.dropFirst() : pattern[...]
            if globMatches(Array(host.unicodeScalars), Array(glob.unicodeScalars)) {
                if negated { return false }
                positive = true
            }
        }
        return positive
    }

    /// `*` matches any run of characters, `?` any one character.
    static func globMatches(_ text: [Unicode.Scalar], _ pattern: [Unicode.Scalar]) -> Bool {
        var t = 0, p = 0, starAt = -1, resumeAt = 0
        while t < text.count {
            if p < pattern.count && (pattern[p] == "?" || pattern[p] == text[t]) {
                t += 1; p += 1
            } else if p < pattern.count && pattern[p] == "*" {
                starAt = p; resumeAt = t; p += 1
            } else if starAt >= 0 {
                p = starAt + 1; resumeAt += 1; t = resumeAt
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}

/// A hashed host field, `|1|base64(salt)|base64(HMAC-SHA1(salt, host))`, as `ssh-keygen -H` and
/// `HashKnownHosts yes` write it.
struct HashedHost {
    var salt: Data
    var digest: Data

    init?(_ field: String) {
        guard field.hasPrefix("|1|") else { return nil }
        let parts = field.dropFirst(3).split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 2, let salt = Data(base64Encoded: String(parts[0])), salt.count == Insecure.SHA1.byteCount,
              let digest = Data(base64Encoded: String(parts[1])) else { return nil }
        self.salt = salt
        self.digest = digest
    }

    /// `host` hashed with `salt` (20 random bytes when nil, as Ansible's hash_host).
    init(hashing host: String, salt: Data? = nil) {
        self.salt = salt ?? Data(SymmetricKey(size: SymmetricKeySize(bitCount: 160)).withUnsafeBytes { Array($0) })
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: Data(host.utf8), using: SymmetricKey(data: self.salt))
        digest = Data(code)
    }

    func matches(_ host: String) -> Bool {
        HashedHost(hashing: host, salt: salt).digest == digest
    }

    var field: String { "|1|" + salt.base64EncodedString() + "|" + digest.base64EncodedString() }
}
