import Foundation
import OrderedCollections

/// Ansible's URL filters (Jinja2's own `urlencode` is in TextFilters): `urldecode` (Python's unquote_plus) and
/// `urlsplit` (Python's urllib.parse.urlsplit, as a dict or one component of it).
enum URLFilters {
    static let table: [String: PureFilters.Body] = [
        "urldecode": urldecode,
        "urlsplit": urlsplit,
    ]

    /// `+` is a space, `%XX` a byte; bytes that are not UTF-8 become U+FFFD, as Python decodes with 'replace'.
    @Sendable static func urldecode(_ value: Value, _ args: FilterArguments) throws -> Value {
        var bytes: [UInt8] = []
        let text = Array(value.pythonStr.replacingOccurrences(of: "+", with: " ").utf8)
        var index = 0
        while index < text.count {
            if text[index] == UInt8(ascii: "%"), index + 2 < text.count,
               let byte = UInt8(String(decoding: text[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                bytes.append(byte)
                index += 3
            } else {
                bytes.append(text[index])
                index += 1
            }
        }
        return .string(String(decoding: bytes, as: UTF8.self))
    }

    /// `urlsplit(query='')`: fragment, hostname, netloc, password, path, port, query, scheme and username.
    @Sendable static func urlsplit(_ value: Value, _ args: FilterArguments) throws -> Value {
        let parts = try split(value.pythonStr)
        let query = try args.string(0, "query", default: "")
        guard !query.isEmpty else { return .dict(parts) }
        guard let part = parts[query] else { throw TemplateError.filterError("urlsplit: unknown URL component: \(query)") }
        return part
    }

    private static func split(_ url: String) throws -> OrderedDictionary<String, Value> {
        let pattern = #/^(?:([A-Za-z][A-Za-z0-9+.\-]*):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/#
        guard let m = url.wholeMatch(of: pattern) else { throw TemplateError.filterError("urlsplit: cannot read \(url)") }
        let netloc = m.2.map(String.init) ?? ""
        var userinfo: Substring?, hostport = Substring(netloc)
        if let at = netloc.lastIndex(of: "@") {
            userinfo = netloc[..<at]
            hostport = netloc[netloc.index(after: at)...]
        }
        var username: Value = .none, password: Value = .none
        if let userinfo {
            let pair = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            username = .string(String(pair[0]))
            if pair.count > 1 { password = .string(String(pair[1])) }
        }
        var host = hostport, port: Value = .none
        if hostport.hasPrefix("["), let close = hostport.firstIndex(of: "]") {
            host = hostport[hostport.index(after: hostport.startIndex)..<close]
            let rest = hostport[hostport.index(after: close)...]
            if rest.hasPrefix(":"), let number = Int(rest.dropFirst()) { port = .int(number) }
        } else if let colon = hostport.lastIndex(of: ":") {
            host = hostport[..<colon]
            let digits = hostport[hostport.index(after: colon)...]
            if !digits.isEmpty {
                guard let number = Int(digits), (0...65535).contains(number) else {
                    throw TemplateError.filterError("urlsplit: Port could not be cast to integer value as '\(digits)'")
                }
                port = .int(number)
            }
        }
        var parts = OrderedDictionary<String, Value>()
        parts["fragment"] = .string(m.5.map(String.init) ?? "")
        parts["hostname"] = host.isEmpty ? Value.none : Value.string(host.lowercased())
        parts["netloc"] = .string(netloc)
        parts["password"] = password
        parts["path"] = .string(String(m.3))
        parts["port"] = port
        parts["query"] = .string(m.4.map(String.init) ?? "")
        parts["scheme"] = .string((m.1.map(String.init) ?? "").lowercased())
        parts["username"] = username
        return parts
    }
}
