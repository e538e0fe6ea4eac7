import Crypto
import Foundation

/// Ansible's digest filters over a value's text (UTF-8): `hash('sha256')`, `checksum`, `md5`, `sha1`.
enum DigestFilters {
    static let table: [String: PureFilters.Body] = [
        "hash": { v, args in
            let algorithm = try args.string(0, "hashtype", default: "sha1")
            guard let digest = digest(algorithm, v.pythonStr) else {
                throw TemplateError.filterError(
                    "hash: unsupported hash type '\(algorithm)'; use one of \(algorithms.joined(separator: ", "))")
            }
            return .string(digest)
        },
        "checksum": { v, _ in .string(digest("sha1", v.pythonStr)!) },
        "sha1": { v, _ in .string(digest("sha1", v.pythonStr)!) },
        "md5": { v, _ in .string(digest("md5", v.pythonStr)!) },
    ]

    static let algorithms = ["md5", "sha1", "sha256", "sha384", "sha512"]

    /// The lower-case hex digest of `text`, nil for an algorithm Python's hashlib would not know here.
    static func digest(_ algorithm: String, _ text: String) -> String? {
        let data = Data(text.utf8)
        switch algorithm.lowercased() {
        case "md5": return hex(Insecure.MD5.hash(data: data))
        case "sha1": return hex(Insecure.SHA1.hash(data: data))
        case "sha256": return hex(SHA256.hash(data: data))
        case "sha384": return hex(SHA384.hash(data: data))
        case "sha512": return hex(SHA512.hash(data: data))
        default: return nil
        }
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
