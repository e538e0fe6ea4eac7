import Foundation
import Jinja

/// apt_key: an OpenPGP key in APT's keyring (or the given keyring file) through `apt-key`, or no such key.
/// Without an id, the key's fingerprint is read from its data, file or URL on the host (gpg --show-keys)
/// before anything is added, so a key already there reports ok.
///
///     - apt_key: { url: "https://www.postgresql.org/media/keys/ACCC4CF8.asc", keyring: /etc/apt/trusted.gpg.d/pgdg.gpg }
public struct AptKeyModule: Module {
    public static let spec = ModuleSpec(
        name: "apt_key",
        arguments: [
            ArgumentSpec("id", doc: "The key's id: 8 or 16 hex digits or its fingerprint."),
            ArgumentSpec("url", doc: "Where to download the key (on the host, with curl)."),
            ArgumentSpec("data", doc: "The key itself (armored)."),
            ArgumentSpec("file", type: .path, doc: "A key file on the host."),
            ArgumentSpec("keyring", type: .path, doc: "The keyring file (apt-key --keyring)."),
            ArgumentSpec("keyserver", doc: "A keyserver to receive the key id from."),
            ArgumentSpec("validate_certs", type: .bool, default: .bool(true), doc: "Check the URL's certificate."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
        ],
        mutuallyExclusive: [["data", "file", "keyserver", "url"]],
        doc: "Adds a key to APT's keyring with apt-key (from data, a file, a URL or a keyserver) or removes it; "
            + "compares fingerprints first, so an existing key reports ok.",
        example: "- apt_key:\n    url: https://www.postgresql.org/media/keys/ACCC4CF8.asc\n    state: present")

    var id: String?
    var url: String?
    var data: String?
    var file: String?
    var keyring: String?
    var keyserver: String?
    var validateCerts: Bool
    var present: Bool

    public init(_ arguments: ModuleArguments) throws {
        id = try arguments.string("id").map { text in
            var id = text.trimmed.uppercased().replacingOccurrences(of: " ", with: "")
            if id.hasPrefix("0X") { id.removeFirst(2) }
            return id
        }
        url = try arguments.string("url")
        data = try arguments.string("data")
        file = try arguments.string("file")
        keyring = try arguments.string("keyring")
        keyserver = try arguments.string("keyserver")
        validateCerts = try arguments.bool("validate_certs")
        present = try arguments.requiredString("state") == "present"
        if let id, ![8, 16, 40].contains(id.count) || id.contains(where: { !$0.isHexDigit }) {
            throw ModuleArgumentError("apt_key: Invalid key_id \(id): give 8 or 16 hex digits or the 40-digit fingerprint")
        }
        if id == nil && keyserver != nil { throw ModuleArgumentError("Missing key_id, required with keyserver.") }
        if id == nil && !present { throw ModuleArgumentError("key is required to remove a key") }
        if id == nil && url == nil && data == nil && file == nil { throw ModuleArgumentError("apt_key: give id, url, data or file") }
    }

    var aptKey: [String] { ["apt-key"] + (keyring.map { ["--keyring", $0] } ?? []) }

    var download: ShellCommand? {
        url.map { ShellCommand(words: ["curl", "-fsSL"] + (validateCerts ? [] : ["-k"]) + ["--", $0]) }
    }

    /// The keyring's primary-key fingerprints (`have`), and without an id the fingerprints of the key to add (`want`).
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        let list = ShellCommand(words: aptKey + ["adv", "--list-public-keys", "--with-colons", "--fingerprint"]).silencingErrors
            .pipe(ShellCommand("awk", "-F:", "$1 == \"pub\" { p = 1; next } $1 == \"fpr\" && p { print \"have \" $10; p = 0 }"))
        guard id == nil else { return list.then(ShellCommand("true")) }
        var source: ShellCommand
        if let download { source = download } else if let file { source = ShellCommand("cat", "--", file) } else {
            source = ShellCommand(parts: [.syntax("printf '%s\\n' \"$DECKHAND_KEY_DATA\"")], compound: true)
        }
        // gpg gets a throwaway home: reading a key must not create ~/.gnupg on the host.
        let show = ShellCommand.script("h=$(mktemp -d) && trap 'rm -rf \"$h\"' EXIT;")
            .then(source.pipe(ShellCommand(parts: [.syntax("gpg --homedir \"$h\" --batch --with-colons --show-keys")], compound: false))
                .pipe(ShellCommand("awk", "-F:", "$1 == \"pub\" { p = 1; next } $1 == \"fpr\" && p { print \"want \" $10; p = 0 }")))
        var command = list.then(show).then(ShellCommand("true"))
        if let data { command = command.withEnvironment(["DECKHAND_KEY_DATA": data]) }
        return command
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var have: [String] = [], want: [String] = []
        for line in (probe?.stdoutText ?? "").splitLines {
            if line.hasPrefix("have ") { have.append(String(line.dropFirst(5))) }
            if line.hasPrefix("want ") { want.append(String(line.dropFirst(5))) }
        }
        let wanted: [String]
        if let id { wanted = [id] } else {
            guard !want.isEmpty else {
                return ModulePlan(result: .failure("Unable to extract key from '\(url ?? file ?? "inline data")': no public key found there"))
            }
            wanted = want
        }
        let installed = wanted.filter { key in have.contains { $0.hasSuffix(key) } }
        var result = ModuleResult(values: ["id": .string(wanted[0]), "before": .list(have.map(Value.string))])
        if let fingerprint = (id?.count == 40 ? id : want.first) { result["fp"] = .string(fingerprint) }
        if present {
            guard installed.count < wanted.count else { return .unchanged(result) }
            let add: HostAction
            if let file { add = .run(ShellCommand(words: aptKey + ["add", file])) }
            else if let keyserver, let id { add = .run(ShellCommand(words: aptKey + ["adv", "--no-tty", "--keyserver", keyserver, "--recv", id])) }
            else if let data { add = .run(ShellCommand(words: aptKey + ["add", "-"]), stdin: Data((data + "\n").utf8)) }
            else if let download { add = .run(ShellCommand("set", "-o", "pipefail").silencingErrors.then(download.pipe(ShellCommand(words: aptKey + ["add", "-"])))) }
            else { return ModulePlan(result: .failure("apt_key: key \(wanted[0]) is not in the keyring; give url, data, file or keyserver to add it")) }
            return .change([add], result)
        }
        guard !installed.isEmpty else { return .unchanged(result) }
        // apt-key del takes the short id (the workaround Ansible uses for Launchpad bug 1481871).
        return .change([.run(ShellCommand(words: aptKey + ["del", String(installed[0].suffix(8))]))], result)
    }
}
