import Foundation

/// A host as typed by a person: `[user@]host[:port]`, `user@[::1]:2222` or `ssh://user@host:port`.
public struct SSHTarget: Sendable, Equatable, CustomStringConvertible {
    public var user: String?
    /// A Host alias of the ssh config, a DNS name or an address (without IPv6 brackets).
    public var host: String
    public var port: Int?

    public init(user: String? = nil, host: String, port: Int? = nil) {
        self.user = user
        self.host = host
        self.port = port
    }

    /// Parses `text`; the error says what is wrong with it, without a location (callers add theirs).
    public init(parsing text: String) throws {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest.hasPrefix("ssh://") { rest = rest.dropFirst("ssh://".count) }
        guard !rest.isEmpty else { throw SSHTargetError("an empty host name") }

        // The last '@' separates the user, as OpenSSH does: a user name may itself contain '@'.
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            guard user?.isEmpty == false else { throw SSHTargetError("an empty user name before '@' in '\(text)'") }
        }

        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw SSHTargetError("'\(text)' opens '[' without a closing ']'")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw SSHTargetError("unexpected '\(after)' after ']' in '\(text)'")
            }
        } else if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            // No colon, or a bare IPv6 address (several colons): all of it is the host.
            host = rest
        }
        guard !host.isEmpty else { throw SSHTargetError("an empty host name in '\(text)'") }
        if host.contains(where: { $0.isWhitespace || $0 == "/" }) {
            throw SSHTargetError("'\(host)' is not a host name")
        }

        var port: Int?
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw SSHTargetError("'\(portText)' in '\(text)' is not a port number (1-65535)")
            }
            port = number
        }
        self.init(user: user, host: String(host), port: port)
    }

    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let userPart = user.map { "\($0)@" } ?? ""
        let portPart = port.map { ":\($0)" } ?? ""
        return userPart + hostPart + portPart
    }
}

/// Why a target string could not be parsed: a phrase that completes "expected [user@]host[:port], got ...".
struct SSHTargetError: Error {
    let problem: String
    init(_ problem: String) { self.problem = problem }
}
