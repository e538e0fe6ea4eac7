import Foundation

/// What deckhand can tell about a private key file before handing it to libssh2: its type and whether a
/// passphrase protects it.
struct PrivateKeyFile {
    let path: String
    /// The public key's algorithm ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"), when known.
    let keyType: String?
    let encrypted: Bool
    /// The matching `.pub` file, when present.
    let publicKeyPath: String?

    var isRSA: Bool { keyType == "ssh-rsa" }

    /// Reads `path`; nil when the file does not exist or cannot be read.
    init?(path: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        self.path = path
        let publicPath = path + ".pub"
        self.publicKeyPath = FileManager.default.isReadableFile(atPath: publicPath) ? publicPath : nil
        let publicType = publicKeyPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
            .flatMap { $0.split(separator: " ").first.map(String.init) }

        if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
            let parsed = PrivateKeyFile.parseOpenSSH(text)
            self.keyType = parsed.keyType ?? publicType
            self.encrypted = parsed.encrypted
        } else {
            self.encrypted = text.contains("ENCRYPTED")
            if text.contains("BEGIN RSA PRIVATE KEY") {
                self.keyType = "ssh-rsa"
            } else if text.contains("BEGIN EC PRIVATE KEY") {
                self.keyType = publicType ?? "ecdsa-sha2-nistp256"
            } else {
                self.keyType = publicType
            }
        }
    }

    /// The "openssh-key-v1" container: magic, cipher name, KDF name, KDF options, key count, public key blob.
    private static func parseOpenSSH(_ text: String) -> (keyType: String?, encrypted: Bool) {
        let body = text.split(separator: "\n")
            .filter { !$0.hasPrefix("-----") }
            .joined()
        guard let data = Data(base64Encoded: body, options: .ignoreUnknownCharacters) else { return (nil, false) }
        var reader = SSHWireReader(bytes: [UInt8](data))
        let magic = Array("openssh-key-v1".utf8) + [0]
        guard reader.take(magic.count) == magic,
              let cipher = reader.string(),
              reader.string() != nil,  // KDF name
              reader.string() != nil,  // KDF options
              reader.uint32() != nil,  // number of keys
              let publicBlob = reader.lengthPrefixed()
        else { return (nil, false) }
        var blobReader = SSHWireReader(bytes: publicBlob)
        return (blobReader.string(), cipher != "none")
    }
}

/// Reads the SSH wire encoding (RFC 4251): big-endian uint32 lengths before strings.
struct SSHWireReader {
    private let buffer: [UInt8]
    private var offset = 0

    init(bytes: [UInt8]) { self.buffer = bytes }

    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset + count <= buffer.count else { return nil }
        defer { offset += count }
        return Array(buffer[offset..<(offset + count)])
    }

    mutating func uint32() -> UInt32? {
        guard let raw = take(4) else { return nil }
        return raw.reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func lengthPrefixed() -> [UInt8]? {
        guard let length = uint32() else { return nil }
        return take(Int(length))
    }

    mutating func string() -> String? {
        lengthPrefixed().map { String(decoding: $0, as: UTF8.self) }
    }
}
