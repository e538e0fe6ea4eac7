import Crypto
import Foundation

/// Digests of file contents as the host's tools print them (lower-case hex), from swift-crypto.
enum ContentDigest {
    /// As `sha1sum` prints it: how copy, template and the line editors compare contents without downloading them.
    static func sha1(_ data: Data) -> String {
        hex(Insecure.SHA1.hash(data: data))
    }

    /// As `md5sum` prints it: copy's and template's `md5sum` result, kept for Ansible's compatibility.
    static func md5(_ data: Data) -> String {
        hex(Insecure.MD5.hash(data: data))
    }

    /// As `sha256sum` prints it: what the host checks an upload against before the rename.
    static func sha256(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
