import Foundation

/// The vault passwords of a run, by vault id, in the order given (Ansible's vault secrets). Decrypting tries the
/// password whose id the envelope names first, then every other one, as ansible-core does by default.
public struct VaultSecrets: Sendable {
    /// The id of a password given without a label (`--vault-password-file`, `--ask-vault-pass`).
    public static let defaultID = "default"

    public struct Password: Sendable {
        public let vaultID: String
        /// Where it came from, for errors: a file, a script, or "the prompt".
        public let origin: String
        let bytes: [UInt8]

        public init(vaultID: String, origin: String, password: String) {
            self.vaultID = vaultID
            self.origin = origin
            self.bytes = Array(password.utf8)
        }
    }

    public private(set) var passwords: [Password] = []

    public init(_ passwords: [Password] = []) {
        self.passwords = passwords
    }

    public var isEmpty: Bool { passwords.isEmpty }

    public mutating func add(_ password: Password) {
        passwords.append(password)
    }

    /// The plaintext of the vault data `text` read from `source` (a file name, or file:line for a `!vault`
    /// value). Throws a `VaultError` naming `source`, the envelope's vault id and the ids tried.
    public func decrypt(_ text: String, source: String) throws -> String {
        guard let text = String(bytes: try open(text, source: source).plaintext, encoding: .utf8) else {
            throw VaultError("\(source) decrypts to bytes that are not UTF-8 text")
        }
        return text
    }

    /// The plaintext bytes of `text` and the password that opened it.
    public func open(_ text: String, source: String) throws -> (plaintext: [UInt8], password: Password) {
        let envelope: VaultText
        do {
            envelope = try VaultText(parsing: text)
        } catch let error as VaultFormatError {
            throw VaultError("\(source) is not valid Ansible Vault data: \(error.problem)")
        }
        guard !passwords.isEmpty else {
            throw VaultError("\(source) is encrypted with Ansible Vault (vault id '\(envelope.vaultID)') and no vault "
                             + "password was given: pass --vault-password-file FILE, --ask-vault-pass or "
                             + "--vault-id \(envelope.vaultID)@FILE (or set ANSIBLE_VAULT_PASSWORD_FILE)")
        }
        let ordered = passwords.filter { $0.vaultID == envelope.vaultID } + passwords.filter { $0.vaultID != envelope.vaultID }
        for password in ordered {
            do {
                if let plaintext = try envelope.open(with: password.bytes) { return (plaintext, password) }
            } catch let error as VaultFormatError {
                throw VaultError("\(source) is not valid Ansible Vault data: \(error.problem)")
            }
        }
        let tried = ordered.map { "'\($0.vaultID)' (\($0.origin))" }.joined(separator: ", ")
        throw VaultError("the vault password is wrong for \(source) (vault id '\(envelope.vaultID)'): "
                         + "none of the passwords given opens it; tried vault ids \(tried)")
    }

    /// `plaintext` encrypted as ansible-vault would, with the password of `vaultID` (or the only password
    /// given when `vaultID` is nil).
    public func encrypt(_ plaintext: String, vaultID: String? = nil) throws -> VaultText {
        try seal(Array(plaintext.utf8), with: try encryptionPassword(vaultID: vaultID))
    }

    /// `plaintext` encrypted with `password`, its header naming the password's vault id.
    public func seal(_ plaintext: [UInt8], with password: Password) throws -> VaultText {
        try VaultText.seal(plaintext, password: password.bytes, vaultID: password.vaultID)
    }

    /// The password `encrypt` uses: the one of `vaultID`, else the only one.
    public func encryptionPassword(vaultID: String?) throws -> Password {
        if let vaultID {
            guard let password = passwords.first(where: { $0.vaultID == vaultID }) else {
                throw VaultError("no password was given for the vault id '\(vaultID)' "
                                 + "(given: \(passwords.map { "'\($0.vaultID)'" }.joined(separator: ", "))); "
                                 + "add --vault-id \(vaultID)@FILE")
            }
            return password
        }
        guard let first = passwords.first else {
            throw VaultError("no vault password was given: pass --vault-password-file FILE, --ask-vault-pass or --vault-id LABEL@FILE")
        }
        guard Set(passwords.map(\.vaultID)).count == 1 else {
            throw VaultError("several vault ids were given (\(passwords.map { "'\($0.vaultID)'" }.joined(separator: ", "))); "
                             + "choose the one to encrypt with: --encrypt-vault-id LABEL")
        }
        return first
    }
}

/// Why vault data could not be read or written: what, where, and what to do.
public struct VaultError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
