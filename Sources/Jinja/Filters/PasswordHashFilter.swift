import CCrypt
import Foundation

/// Ansible's `password_hash(hashtype='sha512', salt=None, salt_size=None, rounds=None, ident=None)`, computed
/// as ansible-core 2.21 computes it with libxcrypt: the salt string from crypt_gensalt (a given salt is its
/// random input, not the salt itself), then crypt. So the same arguments give Ansible's very string.
public enum PasswordHashFilter {
    private struct Algorithm {
        var ident: String
        var saltSize: Int
        var implicitRounds: Int?
        var saltExact = false
    }

    private static let algorithms: [String: Algorithm] = [
        "md5_crypt": Algorithm(ident: "1", saltSize: 8),
        "bcrypt": Algorithm(ident: "2b", saltSize: 22, implicitRounds: 12, saltExact: true),
        "sha256_crypt": Algorithm(ident: "5", saltSize: 16, implicitRounds: 535000),
        "sha512_crypt": Algorithm(ident: "6", saltSize: 16, implicitRounds: 656000),
        "yescrypt": Algorithm(ident: "y", saltSize: 16, implicitRounds: 5, saltExact: true),
    ]
    private static let shortNames = ["md5": "md5_crypt", "blowfish": "bcrypt", "sha256": "sha256_crypt", "sha512": "sha512_crypt"]
    private static let saltCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./")

    static let table: [String: PureFilters.Body] = [
        "password_hash": { v, args in
            let type = try args.string(0, "hashtype", default: "sha512")
            return .string(try hash(v.pythonStr, type: type, salt: args.optionalString(1, "salt"),
                                    saltSize: try args.optionalInt(2, "salt_size"), rounds: try args.optionalInt(3, "rounds"),
                                    ident: args.optionalString(4, "ident")))
        },
    ]

    public static func hash(_ secret: String, type: String, salt: String?, saltSize: Int?, rounds: Int?, ident: String?) throws -> String {
        let name = shortNames[type] ?? type
        guard let algorithm = algorithms[name] else {
            throw TemplateError.filterError("password_hash: crypt does not support '\(name)' algorithm; use sha512, sha256, md5, blowfish or yescrypt")
        }
        let size = saltSize ?? algorithm.saltSize
        if algorithm.saltExact ? size != algorithm.saltSize : size > algorithm.saltSize {
            throw TemplateError.filterError("password_hash: invalid salt size supplied (\(size)), expected "
                + (algorithm.saltExact ? "" : "at most ") + "\(algorithm.saltSize)")
        }
        var randomInput: [UInt8]
        if let salt, !salt.isEmpty {
            guard salt.allSatisfy(saltCharacters.contains) else { throw TemplateError.filterError("password_hash: invalid characters in salt") }
            if algorithm.saltExact ? salt.count != algorithm.saltSize : salt.count > algorithm.saltSize {
                throw TemplateError.filterError("password_hash: invalid salt size supplied (\(salt.count)), expected "
                    + (algorithm.saltExact ? "" : "at most ") + "\(algorithm.saltSize)")
            }
            randomInput = Array(salt.utf8)
        } else {
            var generator = SystemRandomNumberGenerator()
            randomInput = (0..<size).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        }
        let prefix = "$\(ident ?? algorithm.ident)$"
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        let made = randomInput.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { input in
                crypt_gensalt_rn(prefix, UInt(rounds ?? algorithm.implicitRounds ?? 0), input.baseAddress, Int32(input.count),
                                 &setting, Int32(setting.count))
            }
        }
        guard made != nil else {
            throw TemplateError.filterError("password_hash: failed to generate salt for '\(name)' algorithm (rounds \(rounds.map(String.init) ?? "default"))")
        }
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let hashed = crypt_rn(secret, setting, data, Int32(MemoryLayout<crypt_data>.size)), hashed.pointee != 42 else {
            throw TemplateError.filterError("password_hash: crypt does not support '\(name)' algorithm")
        }
        return String(cString: hashed)
    }
}
