import Crypto
import Foundation

/// More of ansible-core's filters (plugins/filter/core.py): subelements, to_uuid and random.
enum AnsibleCoreFilters {
    static let table: [String: PureFilters.Body] = [
        "subelements": subelements,
        "to_uuid": toUUID,
        "random": RandomFilter.random,
    ]

    /// `subelements(obj, subelements, skip_missing=False)`: an `[element, value]` pair for each value of the list
    /// each element holds at the (dotted or listed) keys. Unlike the lookup, the element keeps that list.
    @Sendable static func subelements(_ value: Value, _ args: FilterArguments) throws -> Value {
        try args.allowKeywords(["subelements", "skip_missing"])
        let elements: [Value]
        switch value {
        case .dict(let dict): elements = Array(dict.values)
        case .list(let items): elements = items
        default: throw TemplateError.filterError("obj must be a list of dicts or a nested dict")
        }
        let keys: [Value]
        switch args.value(0, "subelements") {
        case .list(let items)?: keys = items
        case .string(let dotted)?: keys = dotted.split(separator: ".", omittingEmptySubsequences: false).map { .string(String($0)) }
        default: throw TemplateError.typeError("subelements must be a list or a string")
        }
        let skipMissing = args.bool(1, "skip_missing", default: false)
        var pairs: [Value] = []
        for element in elements {
            var values = element
            var lastKey = keys.last ?? .string("")
            keysLoop: for key in keys {
                lastKey = key
                guard case .dict(let dict) = values else {
                    throw TemplateError.typeError("the key \(key.pythonStr) should point to a dictionary, got '\(values.pythonStr)'")
                }
                if case .string(let name) = key, let next = dict[name] {
                    values = next
                } else if skipMissing {
                    values = .list([])
                    break keysLoop
                } else {
                    throw TemplateError.filterError("could not find \(key.pythonRepr) key in iterated item \(values.pythonRepr)")
                }
            }
            guard case .list(let children) = values else {
                throw TemplateError.typeError("the key \(lastKey.pythonRepr) should point to a list, got \(values.pythonRepr)")
            }
            pairs += children.map { .list([element, $0]) }
        }
        return .list(pairs)
    }

    /// Ansible's namespace for to_uuid.
    static let ansibleNamespace = "361E6D51-FAEC-444A-9079-341386DA8E2E"

    /// `to_uuid(namespace=...)`: the name-based (version 5, SHA-1) UUID of the text.
    @Sendable static func toUUID(_ value: Value, _ args: FilterArguments) throws -> Value {
        try args.allowKeywords(["namespace"])
        let namespace = args.value(0, "namespace") ?? .string(ansibleNamespace)
        guard case .string(let written) = namespace else {
            throw TemplateError.filterError("Invalid value '\(namespace.pythonStr)' for 'namespace': "
                                            + "'\(namespace.pythonTypeName)' object has no attribute 'replace'")
        }
        guard let namespaceBytes = uuidBytes(written) else {
            throw TemplateError.filterError("Invalid value '\(written)' for 'namespace': badly formed hexadecimal UUID string")
        }
        var digest = Array(Insecure.SHA1.hash(data: Data(namespaceBytes + Array(value.pythonStr.utf8))).prefix(16))
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        let hex = digest.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return .string(parts.joined(separator: "-"))
    }

    /// Python's uuid.UUID(text): braces, a urn:uuid: prefix and hyphens allowed around 32 hex digits.
    static func uuidBytes(_ text: String) -> [UInt8]? {
        var hex = text.replacingOccurrences(of: "urn:", with: "").replacingOccurrences(of: "uuid:", with: "")
        hex = hex.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).replacingOccurrences(of: "-", with: "")
        guard hex.count == 32, hex.allSatisfy(\.isHexDigit) else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
