import Crypto
import _CryptoExtras
import Foundation

/// Ansible Vault's AES256 cipher (ansible-core's `VaultAES256`): PBKDF2-HMAC-SHA256 over the password and a
/// 32-byte salt (10000 rounds, 80 bytes) gives the AES-256 key, the HMAC-SHA256 key and the 16-byte initial
/// counter; the PKCS#7-padded plaintext is encrypted with AES-256-CTR and the ciphertext signed with the HMAC.
/// The result is the vault body: hex of `hex(salt) \n hex(hmac) \n hex(ciphertext)`.
enum VaultCipher {
    static let name = "AES256"

    /// The vault body of `plaintext` (salt: 32 random bytes unless given, as in known-answer tests).
    static func encrypt(_ plaintext: [UInt8], password: [UInt8], salt: [UInt8]? = nil) throws -> [UInt8] {
        let salt = salt ?? randomSalt()
        let keys = try Keys(password: password, salt: salt)
        let ciphertext = Array(try AES._CTR.encrypt(pad(plaintext), using: keys.cipher, nonce: keys.counter))
        let signature = Array(HMAC<SHA256>.authenticationCode(for: ciphertext, using: keys.signing))
        let inner = Hex.encode(salt) + [0x0A] + Hex.encode(signature) + [0x0A] + Hex.encode(ciphertext)
        return Hex.encode(inner)
    }

    /// The plaintext of a vault body, nil when the password does not match its signature.
    static func decrypt(body: [UInt8], password: [UInt8]) throws -> [UInt8]? {
        guard let inner = Hex.decode(body) else { throw VaultFormatError("the body is not hexadecimal") }
        let parts = inner.split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let salt = Hex.decode(Array(parts[0])), let signature = Hex.decode(Array(parts[1])),
              let ciphertext = Hex.decode(Array(parts[2])) else {
            throw VaultFormatError("the body does not hold a salt, a signature and a ciphertext")
        }
        let keys = try Keys(password: password, salt: salt)
        // isValidAuthenticationCode compares in constant time.
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: ciphertext, using: keys.signing) else {
            return nil
        }
        let padded = Array(try AES._CTR.decrypt(ciphertext, using: keys.cipher, nonce: keys.counter))
        guard let plaintext = unpad(padded) else { throw VaultFormatError("the decrypted data has no valid padding") }
        return plaintext
    }

    private struct Keys {
        let cipher: SymmetricKey
        let signing: SymmetricKey
        let counter: AES._CTR.Nonce

        init(password: [UInt8], salt: [UInt8]) throws {
            // 10000 rounds is the vault format's, fixed since Ansible 1.5; the library calls fewer than
            // 210000 "unsafe", and changing it would make files ansible-vault cannot open.
            let material = try KDF.Insecure.PBKDF2.deriveKey(from: password, salt: salt, using: .sha256,
                                                             outputByteCount: 80, unsafeUncheckedRounds: 10000)
            let bytes = material.withUnsafeBytes { Array($0) }
            cipher = SymmetricKey(data: bytes[0..<32])
            signing = SymmetricKey(data: bytes[32..<64])
            counter = try AES._CTR.Nonce(nonceBytes: bytes[64..<80])
        }
    }

    private static func randomSalt() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    private static func pad(_ bytes: [UInt8]) -> [UInt8] {
        let count = 16 - bytes.count % 16
        return bytes + [UInt8](repeating: UInt8(count), count: count)
    }

    private static func unpad(_ bytes: [UInt8]) -> [UInt8]? {
        guard let last = bytes.last, (1...16).contains(last), bytes.count >= Int(last),
              bytes.suffix(Int(last)).allSatisfy({ $0 == last }) else { return nil }
        return Array(bytes.dropLast(Int(last)))
    }
}

/// A vault text whose structure is broken (not a wrong password).
struct VaultFormatError: Error {
    let problem: String
    init(_ problem: String) { self.problem = problem }
}

/// Lower-case hexadecimal, as Python's hexlify writes it (unhexlify reads either case).
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0x0F)])
        }
        return result
    }

    static func decode(_ hex: [UInt8]) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(hex.count / 2)
        var index = 0
        while index < hex.count {
            guard let high = value(hex[index]), let low = value(hex[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
