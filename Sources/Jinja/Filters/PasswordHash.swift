import Crypto
import Foundation

/// Ansible's `password_hash` filter (`pw | password_hash('sha512')`, what the user module's `password` takes) as
/// ansible-core 2.21 computes it through the C library's crypt: SHA-crypt ($5$ sha256, $6$ sha512) with Ansible's
/// default rounds written into the hash, a random 16-character salt unless one is given.
enum PasswordHash {
    static let saltCharacters = Array("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    private struct Algorithm {
        let ident: String
        let defaultRounds: Int
        let sha512: Bool
    }

    private static let algorithms: [String: Algorithm] = [
        "sha256_crypt": Algorithm(ident: "5", defaultRounds: 535_000, sha512: false),
        "sha512_crypt": Algorithm(ident: "6", defaultRounds: 656_000, sha512: true),
    ]

    @Sendable static func passwordHash(_ value: Value, _ args: FilterArguments) throws -> Value {
        try args.allowKeywords(["hashtype", "salt", "salt_size", "rounds", "ident"])
        let written = try args.string(0, "hashtype", default: "sha512")
        let name = ["sha256": "sha256_crypt", "sha512": "sha512_crypt", "md5": "md5_crypt", "blowfish": "bcrypt"][written] ?? written
        guard let algorithm = algorithms[name] else {
            throw TemplateError.filterError("crypt does not support '\(name)' algorithm"
                                            + (["md5_crypt", "bcrypt"].contains(name) ? " in deckhand (it has sha256 and sha512)" : ""))
        }
        let salt = args.value(1, "salt").flatMap { $0.isNoneValue ? nil : $0.pythonStr }
        var saltSize = 16
        if let given = args.value(2, "salt_size"), !given.isNoneValue {
            guard case .int(let size) = given else { throw TemplateError.filterError("salt_size must be an integer") }
            if size > 16 { throw TemplateError.filterError("invalid salt size supplied (\(size)), expected at most 16") }
            if size > 0 { saltSize = size }
        }
        var rounds = algorithm.defaultRounds
        if let given = args.value(3, "rounds"), !given.isNoneValue {
            guard case .int(let count) = given else { throw TemplateError.filterError("rounds must be an integer") }
            if count != 0 { rounds = count }
        }
        if let ident = args.value(4, "ident"), !ident.isNoneValue, ident.pythonStr != algorithm.ident {
            throw TemplateError.filterError("crypt does not support ident '\(ident.pythonStr)' for '\(name)'")
        }
        let chosenSalt = salt ?? String((0..<saltSize).map { _ in saltCharacters.randomElement()! })
        guard chosenSalt.allSatisfy({ saltCharacters.contains($0) }) else {
            throw TemplateError.filterError("invalid characters in salt")
        }
        guard chosenSalt.count <= 16 else {
            throw TemplateError.filterError("invalid salt size supplied (\(chosenSalt.count)), expected at most 16")
        }
        return .string(shaCrypt(value.pythonStr, salt: chosenSalt, rounds: rounds, sha512: algorithm.sha512))
    }

    private static func digest(_ parts: [[UInt8]], sha512: Bool) -> [UInt8] {
        if sha512 {
            var hasher = SHA512()
            for part in parts { hasher.update(data: part) }
            return Array(hasher.finalize())
        }
        var hasher = SHA256()
        for part in parts { hasher.update(data: part) }
        return Array(hasher.finalize())
    }

    /// Ulrich Drepper's SHA-crypt, as glibc and libxcrypt compute `$5$rounds=N$salt$...` and `$6$...`.
    static func shaCrypt(_ password: String, salt: String, rounds requested: Int, sha512: Bool) -> String {
        let p = Array(password.utf8), s = Array(salt.utf8.prefix(16))
        let rounds = min(max(requested, 1000), 999_999_999)
        let size = sha512 ? 64 : 32
        let b = digest([p, s, p], sha512: sha512)
        var aParts: [[UInt8]] = [p, s]
        var count = p.count
        while count > size { aParts.append(b); count -= size }
        aParts.append(Array(b.prefix(count)))
        count = p.count
        while count > 0 { aParts.append(count & 1 != 0 ? b : p); count >>= 1 }
        let a = digest(aParts, sha512: sha512)
        let dp = digest(Array(repeating: p, count: p.count), sha512: sha512)
        let pSequence = (0..<p.count).map { dp[$0 % size] }
        let ds = digest(Array(repeating: s, count: 16 + Int(a[0])), sha512: sha512)
        let sSequence = (0..<s.count).map { ds[$0 % size] }
        var c = a
        // The rounds are most of the work (656000 by default): one hasher each, nothing else allocated.
        func mix<H: HashFunction>(_ type: H.Type) {
            for round in 0..<rounds {
                var hasher = H()
                hasher.update(data: round & 1 != 0 ? pSequence : c)
                if round % 3 != 0 { hasher.update(data: sSequence) }
                if round % 7 != 0 { hasher.update(data: pSequence) }
                hasher.update(data: round & 1 != 0 ? c : pSequence)
                let next = hasher.finalize()
                c.withUnsafeMutableBytes { target in next.withUnsafeBytes { target.copyMemory(from: $0) } }
            }
        }
        if sha512 { mix(SHA512.self) } else { mix(SHA256.self) }
        let order: [(Int, Int, Int)] = sha512
            ? [(0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48), (28, 49, 7),
               (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13), (56, 14, 35),
               (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60), (40, 61, 19), (62, 20, 41)]
            : [(0, 10, 20), (21, 1, 11), (12, 22, 2), (3, 13, 23), (24, 4, 14), (15, 25, 5), (6, 16, 26), (27, 7, 17),
               (18, 28, 8), (9, 19, 29)]
        var encoded = ""
        func append(_ b2: UInt8, _ b1: UInt8, _ b0: UInt8, _ characters: Int) {
            var word = Int(b2) << 16 | Int(b1) << 8 | Int(b0)
            for _ in 0..<characters { encoded.append(saltCharacters[word & 0x3F]); word >>= 6 }
        }
        for (x, y, z) in order { append(c[x], c[y], c[z], 4) }
        if sha512 { append(0, 0, c[63], 2) } else { append(0, c[31], c[30], 3) }
        let ident = sha512 ? "6" : "5"
        return "$\(ident)$rounds=\(rounds)$" + salt.prefix(16) + "$" + encoded
    }
}
