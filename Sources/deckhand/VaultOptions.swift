import ArgumentParser
import Deckhand
import Foundation

/// Where the Ansible Vault passwords come from, as ansible-playbook takes them; `run`, the verbs and
/// `deckhand vault` share this group.
struct VaultOptions: ParsableArguments {
    @Option(name: .customLong("vault-id"), help: ArgumentHelp(
        "A vault password as label@file, label@prompt or file (repeatable); an executable file is run for it.",
        valueName: "id"))
    var vaultIDs: [String] = []

    @Option(name: .customLong("vault-password-file"), help: ArgumentHelp(
        "A file holding the vault password (or a script printing it); also ANSIBLE_VAULT_PASSWORD_FILE.",
        valueName: "file"))
    var vaultPasswordFiles: [String] = []

    @Flag(name: .customLong("ask-vault-pass"), help: "Ask for the vault password (only on a terminal).")
    var askVaultPass = false

    /// The sources in Ansible's order: ANSIBLE_VAULT_IDENTITY_LIST, --vault-id, --vault-password-file and
    /// ANSIBLE_VAULT_PASSWORD_FILE, then --ask-vault-pass (or, with `promptWhenNone`, a prompt when nothing
    /// else was given, as ansible-vault does).
    func sources(environment: [String: String] = ProcessInfo.processInfo.environment,
                 promptWhenNone: Bool = false) -> [(VaultPasswordSource, flag: String)] {
        let fromEnvironment = VaultPasswordSource.fromEnvironment(environment)
        var sources = fromEnvironment.identities.map { ($0, flag: "ANSIBLE_VAULT_IDENTITY_LIST") }
        sources += vaultIDs.map { (VaultPasswordSource(parsing: $0), flag: "--vault-id") }
        sources += vaultPasswordFiles.map { (VaultPasswordSource(source: $0), flag: "--vault-password-file") }
        sources += fromEnvironment.passwordFiles.map { ($0, flag: "ANSIBLE_VAULT_PASSWORD_FILE") }
        if askVaultPass || (promptWhenNone && sources.isEmpty) {
            sources.append((VaultPasswordSource(source: "prompt"), flag: askVaultPass ? "--ask-vault-pass" : ""))
        }
        return sources
    }

    /// The passwords, read now (files, scripts, the terminal).
    func secrets(promptWhenNone: Bool = false) throws -> VaultSecrets {
        do {
            return try VaultSecrets.load(sources(promptWhenNone: promptWhenNone), prompt: Self.askOnTerminal)
        } catch let error as VaultError {
            throw DeckhandFailure(.usage, error.description)
        }
    }

    /// Reads the passwords and installs them for everything deckhand loads afterwards.
    func install() throws {
        VaultSecrets.installed = try secrets()
    }

    /// Asks on the terminal, never on a pipe: nil when standard input is not a terminal.
    static func askOnTerminal(_ question: String) -> String? {
        guard isatty(STDIN_FILENO) == 1 else { return nil }
        return VarsPromptReader.readFromTerminal(question, true)
    }
}
