import Foundation

/// One CIDR block of `maintenance on --allow` (`203.0.113.0/24`, `2001:db8::/48`, a bare address meaning that
/// address alone), read strictly because it is written into nginx's configuration: only an IPv4 dotted quad
/// (no leading zeros, no shortened forms such as `10.1`) or an IPv6 address inet_pton accepts, and a prefix
/// length in range. Host bits set below the prefix are refused with the block they probably meant.
public struct AddressBlock: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable { case ipv4, ipv6 }

    public let family: Family
    /// The network address, 4 or 16 bytes.
    public let bytes: [UInt8]
    public let prefixLength: Int

    /// Reads `text`; an error says what is wrong and what a correct block looks like.
    public init(_ text: String) throws {
        let parts = text.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), !parts[0].isEmpty else {
            throw AddressBlockError(text, "give an address or a CIDR block such as 203.0.113.7 or 203.0.113.0/24")
        }
        let address: [UInt8]
        let family: Family
        if let quad = Self.ipv4(parts[0]) {
            (address, family) = (quad, .ipv4)
        } else if let six = Self.ipv6(parts[0]) {
            (address, family) = (six, .ipv6)
        } else {
            throw AddressBlockError(text, "'\(parts[0])' is no IPv4 address (four numbers 0-255 joined by dots) or IPv6 address")
        }
        let maximum = address.count * 8
        var length = maximum
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy(\.isASCIIDigit),
                  digits == "0" || digits.first != "0", let number = Int(digits), number <= maximum else {
                throw AddressBlockError(text, "the prefix length after '/' must be a number from 0 to \(maximum)")
            }
            length = number
        }
        let network = Self.masked(address, to: length)
        if network != address {
            let meant = Self.format(network, family: family) + "/\(length)"
            throw AddressBlockError(text, "the address has bits set beyond the /\(length) prefix: did you mean \(meant)?")
        }
        self.family = family
        self.bytes = address
        self.prefixLength = length
    }

    /// The block as nginx reads it: always with its prefix length (`127.0.0.2/32`).
    public var description: String { Self.format(bytes, family: family) + "/\(prefixLength)" }

    /// Whether `address` (an IPv4 or IPv6 address) falls inside the block.
    public func contains(_ address: String) -> Bool {
        guard let other = family == .ipv4 ? Self.ipv4(address) : Self.ipv6(address) else { return false }
        return Self.masked(other, to: prefixLength) == bytes
    }

    private static func ipv4(_ text: String) -> [UInt8]? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for octet in octets {
            guard (1...3).contains(octet.count), octet.allSatisfy(\.isASCIIDigit),
                  octet == "0" || octet.first != "0", let value = UInt8(octet) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func ipv6(_ text: String) -> [UInt8]? {
        // Letters, digits, ':' and '.' (an embedded IPv4 tail) only: inet_pton does the rest. No zone (%eth0).
        guard text.contains(":"), text.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }) else {
            return nil
        }
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    private static func masked(_ bytes: [UInt8], to prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let kept = max(0, min(8, prefixLength - index * 8))
            return kept == 8 ? byte : byte & UInt8(truncatingIfNeeded: 0xFF << (8 - kept))
        }
    }

    private static func format(_ bytes: [UInt8], family: Family) -> String {
        if family == .ipv4 { return bytes.map(String.init).joined(separator: ".") }
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return "::" }
        return String(cString: buffer)
    }
}

/// An `--allow` value that is no address or CIDR block, with why.
public struct AddressBlockError: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ text: String, _ reason: String) {
        description = "'\(text)' is not an address or CIDR block: \(reason)"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
