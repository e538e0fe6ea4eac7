import Foundation

/// Where one vault password comes from: `--vault-id label@source`, where source is a file, an executable
/// (run; its standard output is the password; a name ending in `-client` is asked with `--vault-id label`),
/// or `prompt`. `--vault-password-file F` is `default@F`, `--ask-vault-pass` is `default@prompt`.
public struct VaultPasswordSource: Equatable, Sendable {
    public let vaultID: String
    /// A path, or "prompt".
    public let source: String

    public init(vaultID: String = VaultSecrets.defaultID, source: String) {
        self.vaultID = vaultID
        self.source = source
    }

    /// Reads `label@source` or a bare `source` (label "default"), as `--vault-id` takes it.
    public init(parsing slug: String) {
        if let at = slug.firstIndex(of: "@") {
            self.init(vaultID: String(slug[..<at]), source: String(slug[slug.index(after: at)...]))
        } else {
            self.init(source: slug)
        }
    }

    public var isPrompt: Bool { source == "prompt" || source == "prompt_ask_vault_pass" }

    /// The sources Ansible's environment names, before the command line's: ANSIBLE_VAULT_IDENTITY_LIST
    /// (comma-separated `label@source`), then ANSIBLE_VAULT_PASSWORD_FILE (labelled ANSIBLE_VAULT_IDENTITY
    /// or "default").
    public static func fromEnvironment(_ environment: [String: String]) -> (identities: [VaultPasswordSource], passwordFiles: [VaultPasswordSource]) {
        let label = environment["ANSIBLE_VAULT_IDENTITY"].flatMap { $0.isEmpty ? nil : $0 } ?? VaultSecrets.defaultID
        let identities = (environment["ANSIBLE_VAULT_IDENTITY_LIST"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map(VaultPasswordSource.init(parsing:))
        let files = (environment["ANSIBLE_VAULT_PASSWORD_FILE"] ?? "").isEmpty ? []
            : [VaultPasswordSource(vaultID: label, source: environment["ANSIBLE_VAULT_PASSWORD_FILE"]!)]
        return (identities, files)
    }

    /// The password, read from the file, the script's output, or `prompt` (asked only on a terminal; `flag`
    /// names the option that asked, for errors; empty when deckhand asks because no option was given).
    public func password(flag: String, prompt: (String) -> String?) throws -> VaultSecrets.Password {
        if isPrompt {
            let question = vaultID == VaultSecrets.defaultID ? "Vault password: " : "Vault password (\(vaultID)): "
            guard let answer = prompt(question) else {
                let instead = "use --vault-password-file FILE or --vault-id \(vaultID)@FILE (or set ANSIBLE_VAULT_PASSWORD_FILE)"
                throw VaultError(flag.isEmpty
                    ? "no vault password was given and standard input is not a terminal to ask for one: \(instead)"
                    : "\(flag) needs a terminal to ask for the vault password, and standard input is not one: \(instead)")
            }
            return try checked(VaultSecrets.Password(vaultID: vaultID, origin: "the prompt", password: answer.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        let path = (source as NSString).expandingTildeInPath
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw VaultError("the vault password file \(source) (given with \(flag)) does not exist; give the path of a file holding the password")
        }
        if FileManager.default.isExecutableFile(atPath: path) {
            return try checked(VaultSecrets.Password(vaultID: vaultID, origin: "the script \(source)", password: try runScript(path)))
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw VaultError("cannot read the vault password file \(source) (given with \(flag)): is it readable UTF-8 text?")
        }
        // Ansible strips the file's surrounding whitespace.
        return try checked(VaultSecrets.Password(vaultID: vaultID, origin: source, password: text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    private func checked(_ password: VaultSecrets.Password) throws -> VaultSecrets.Password {
        guard !password.bytes.isEmpty else {
            throw VaultError("the vault password from \(password.origin) (vault id '\(vaultID)') is empty")
        }
        return password
    }

    private func runScript(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        if name.hasSuffix("-client") { process.arguments = ["--vault-id", vaultID] }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw VaultError("cannot run the vault password script \(source): \(error.localizedDescription)")
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw VaultError("the vault password script \(source) exited with \(process.terminationStatus): "
                             + String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        // Ansible strips only line breaks from a script's output.
        return String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r\n"))
    }
}

extension VaultSecrets {
    /// The passwords of `sources`, in order (an id given twice keeps both: Ansible tries each).
    public static func load(_ sources: [(VaultPasswordSource, flag: String)],
                            prompt: (String) -> String?) throws -> VaultSecrets {
        var secrets = VaultSecrets()
        for (source, flag) in sources {
            secrets.add(try source.password(flag: flag, prompt: prompt))
        }
        return secrets
    }
}
