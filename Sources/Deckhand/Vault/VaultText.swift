import Foundation

/// An Ansible Vault envelope: `$ANSIBLE_VAULT;1.1;AES256` (or `;1.2;AES256;label` with a vault id), then the
/// hexadecimal body in lines of 80 characters and a final newline, as ansible-core's
/// `format_vaulttext_envelope` writes it and `parse_vaulttext_envelope` reads it.
public struct VaultText: Equatable, Sendable {
    static let marker = "$ANSIBLE_VAULT"

    /// The vault id the header names ("default" for a 1.1 header).
    public let vaultID: String
    public let version: String
    public let cipherName: String
    /// The hexadecimal body, line breaks removed.
    let body: [UInt8]

    /// True when `text` is vault data (Ansible's `is_encrypted`: it starts with the marker).
    public static func isEncrypted(_ text: String) -> Bool {
        text.hasPrefix(marker)
    }

    /// Reads an envelope; a header or body that is not vault data is a `VaultFormatError`.
    init(parsing text: String) throws {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard let headerLine = lines.first, headerLine.hasPrefix(Self.marker) else {
            throw VaultFormatError("it does not start with \(Self.marker)")
        }
        let header = headerLine.trimmingCharacters(in: .whitespaces).split(separator: ";", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard header.count >= 3 else {
            throw VaultFormatError("the header '\(headerLine)' lacks a version and a cipher")
        }
        version = header[1]
        cipherName = header[2]
        vaultID = header.count >= 4 ? header[3] : VaultSecrets.defaultID
        body = Array(lines.dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }.joined().utf8)
    }

    init(vaultID: String, body: [UInt8]) {
        self.vaultID = vaultID
        // As ansible-vault: a vault id other than "default" asks for the 1.2 header that names it.
        self.version = vaultID == VaultSecrets.defaultID ? "1.1" : "1.2"
        self.cipherName = VaultCipher.name
        self.body = body
    }

    /// The envelope as ansible-vault writes it, ending with a newline.
    public var text: String {
        var header = [Self.marker, version, cipherName]
        if version == "1.2" { header.append(vaultID) }
        var lines = [header.joined(separator: ";")]
        var start = 0
        while start < body.count {
            let end = min(start + 80, body.count)
            lines.append(String(decoding: body[start..<end], as: UTF8.self))
            start = end
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The envelope as a `!vault |` value (`name: !vault |` with a name), indented by ten spaces, as
    /// ansible-vault encrypt_string prints it.
    public func inlineYAML(name: String?) -> String {
        let header = (name.map { "\($0): " } ?? "") + "!vault |"
        return ([header] + text.split(separator: "\n").map { "          " + $0 }).joined(separator: "\n")
    }

    /// The plaintext when `password` opens this envelope, nil when it does not.
    func open(with password: [UInt8]) throws -> [UInt8]? {
        guard cipherName == VaultCipher.name else {
            throw VaultFormatError("the cipher \(cipherName) is unknown (ansible-vault writes \(VaultCipher.name))")
        }
        return try VaultCipher.decrypt(body: body, password: password)
    }

    /// `plaintext` sealed with `password` under `vaultID`.
    static func seal(_ plaintext: [UInt8], password: [UInt8], vaultID: String, salt: [UInt8]? = nil) throws -> VaultText {
        VaultText(vaultID: vaultID, body: try VaultCipher.encrypt(plaintext, password: password, salt: salt))
    }
}
