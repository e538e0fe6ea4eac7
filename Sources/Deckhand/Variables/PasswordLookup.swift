import Crypto
import Foundation
import Jinja

/// Ansible's password lookup: `lookup('password', 'credentials/db length=24 chars=ascii_letters,digits')`.
/// The password is read from the file on the operator's machine (relative to the playbook), or made at
/// random and kept there (0600, in a 0700 folder) so later runs get the same one; `/dev/null` keeps nothing.
/// With `encrypt=sha512_crypt` (or sha256_crypt, md5_crypt, bcrypt) the result is the hash, and the file
/// keeps the salt beside the password (`password salt=...`) so the hash stays the same from run to run.
enum PasswordLookup {
    static let settingNames: Set<String> = ["length", "encrypt", "chars", "ident", "seed"]
    private static let defaultCharacters = ["ascii_letters", "digits", ".,:-_"]
    /// Python's string module constants, which `chars` may name.
    private static let namedCharacters: [String: String] = [
        "ascii_letters": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "ascii_lowercase": "abcdefghijklmnopqrstuvwxyz", "ascii_uppercase": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "digits": "0123456789", "hexdigits": "0123456789abcdefABCDEF", "octdigits": "01234567",
        "punctuation": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    ]
    private static let saltCharacters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./")
    private static let saltSizes = ["md5_crypt": 8, "bcrypt": 22, "sha256_crypt": 16, "sha512_crypt": 16, "yescrypt": 16]

    static func passwords(_ terms: [Value], options: [String: Value], playbookDirectory: String?) throws -> [String] {
        try terms.map { try password($0.displayText, options: options, playbookDirectory: playbookDirectory) }
    }

    private static func password(_ term: String, options: [String: Value], playbookDirectory: String?) throws -> String {
        var settings = options.mapValues(\.displayText)
        var relativePath = term
        if let space = term.firstIndex(of: " ") {
            let parsed = try KeyValueArguments.parse(String(term[term.index(after: space)...]))
            relativePath = String(term[..<space])
            if let rest = parsed.freeForm {
                // A path with spaces; anything after a key=value is a typo.
                relativePath += " " + rest
                guard term.hasPrefix(relativePath) else {
                    throw LookupError("password: unrecognized value after key=value parameters given to password lookup")
                }
            }
            for (key, value) in parsed.pairs { settings[key] = value }
        }
        let unknown = settings.keys.filter { !settingNames.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw LookupError("password: unrecognized parameter(s) given to password lookup: \(unknown.joined(separator: ", "))")
        }
        guard let length = Int(settings["length"] ?? "20"), length >= 0 else {
            throw LookupError("password: length must be a whole number, got \(settings["length"] ?? "")")
        }
        let characters = candidateCharacters(settings["chars"])
        guard !characters.isEmpty else { throw LookupError("password: chars leaves no characters to choose from") }
        let path = relativePath.hasPrefix("/") ? relativePath
            : ((playbookDirectory ?? FileManager.default.currentDirectoryPath) as NSString).appendingPathComponent(relativePath)
        let keeps = path != "/dev/null"

        var plaintext: String, salt: String?, ident: String?
        var changed = false
        if keeps, let data = FileManager.default.contents(atPath: path) {
            var content = String(decoding: data, as: UTF8.self)
            while content.last?.isWhitespace == true { content.removeLast() }
            (plaintext, salt, ident) = parse(content)
        } else {
            var generator = PasswordGenerator(seed: settings["seed"])
            plaintext = String((0..<length).map { _ in characters[generator.next(below: characters.count)] })
            changed = true
        }
        let encrypt = settings["encrypt"].flatMap { $0.isEmpty || $0 == "None" ? nil : $0 }
        if let encrypt, salt == nil {
            var generator = PasswordGenerator(seed: nil)
            salt = String((0..<(saltSizes[encrypt] ?? 8)).map { _ in saltCharacters[generator.next(below: saltCharacters.count)] })
            changed = true
        }
        if let wanted = settings["ident"], let stored = ident, wanted != stored {
            throw LookupError("password: the ident parameter provided (\(wanted)) does not match the stored one (\(stored))")
        }
        ident = ident ?? settings["ident"]
        if encrypt == "bcrypt" && ident == nil {
            ident = "2b"
            changed = true
        }
        if changed && keeps {
            var content = plaintext
            if let salt { content += " salt=\(salt)" + (ident.map { " ident=\($0)" } ?? "") }
            try write(content + "\n", to: path)
        }
        guard let encrypt else { return plaintext }
        do {
            return try PasswordHashFilter.hash(plaintext, type: encrypt, salt: salt, saltSize: nil, rounds: nil, ident: ident)
        } catch {
            throw LookupError("password: \(error)")
        }
    }

    /// `chars=ascii_letters,digits,,` : names of Python's string constants or literal characters; `,,` is a comma.
    private static func candidateCharacters(_ written: String?) -> [Character] {
        var specs = defaultCharacters
        if let written, !written.isEmpty {
            specs = (written.contains(",,") ? [","] : []) + written.replacingOccurrences(of: ",,", with: ",")
                .split(separator: ",").map(String.init)
        }
        return Array(specs.map { namedCharacters[$0] ?? $0 }.joined().filter { $0 != "\"" && $0 != "'" })
    }

    /// `password salt=XXXX ident=2b` as Ansible stores it.
    private static func parse(_ content: String) -> (String, String?, String?) {
        guard let saltMark = content.range(of: " salt=", options: .backwards) else { return (content, nil, nil) }
        let rest = String(content[saltMark.upperBound...])
        let password = String(content[..<saltMark.lowerBound])
        guard !rest.isEmpty else { return (password, nil, nil) }
        guard let identMark = rest.range(of: " ident=", options: .backwards) else { return (password, rest, nil) }
        return (password, String(rest[..<identMark.lowerBound]), String(rest[identMark.upperBound...]))
    }

    /// The file written whole, as `deckhand vault` writes (a new one 0600), in a folder made owner-only.
    private static func write(_ content: String, to path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try VaultFile.write(Array(content.utf8), to: path)
        } catch {
            throw LookupError("password: cannot keep the password in \(path): \(error)")
        }
    }
}

/// Random choices for a password: the system's generator, or with `seed=` a stream that is the same for the
/// same seed (SHA-256 of the seed and a counter; not Python's, so not Ansible's very password).
private struct PasswordGenerator {
    private var seed: String?
    private var counter = 0
    private var system = SystemRandomNumberGenerator()

    init(seed: String?) { self.seed = seed.flatMap { $0.isEmpty || $0 == "None" ? nil : $0 } }

    mutating func next(below bound: Int) -> Int {
        guard let seed else { return Int.random(in: 0..<bound, using: &system) }
        counter += 1
        let digest = Array(SHA256.hash(data: Data("\(seed)/\(counter)".utf8)))
        let number = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int(number % UInt64(bound))
    }
}
