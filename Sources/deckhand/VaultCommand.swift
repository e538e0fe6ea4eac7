import ArgumentParser
import Deckhand
import Foundation

/// `deckhand vault VERB`: ansible-vault's verbs, writing files ansible-vault opens and opening its files.
struct VaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Encrypt, decrypt, view and edit Ansible Vault files and strings (ansible-vault's format).",
        discussion: """
            Passwords come from --vault-password-file, --vault-id label@file, ANSIBLE_VAULT_PASSWORD_FILE or \
            ANSIBLE_VAULT_IDENTITY_LIST; without any, deckhand asks on the terminal. An executable password \
            file is run and its output is the password. A vault id other than 'default' is written in the \
            header (format 1.2), as ansible-vault does.
              deckhand vault encrypt group_vars/prod/vault.yml --vault-password-file ~/.vault_pass
              deckhand vault encrypt_string --vault-id prod@~/.vault_prod --name db_password 's3cret'
            """,
        subcommands: [Encrypt.self, Decrypt.self, View.self, Edit.self, Create.self, EncryptString.self, Rekey.self]
    )

    struct Encrypt: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Encrypt files in place (or standard input with no file).")
        @Argument(help: "The files to encrypt ('-' or none: standard input to standard output).") var files: [String] = []
        @Option(name: .customLong("output"), help: ArgumentHelp("Write here instead ('-' for standard output).", valueName: "file"))
        var output: String?
        @Option(name: .customLong("encrypt-vault-id"), help: ArgumentHelp("The vault id to encrypt with.", valueName: "label"))
        var encryptVaultID: String?
        @OptionGroup var vault: VaultOptions

        func run() throws {
            try VaultCommand.reporting("encrypt") {
                let secrets = try vault.secrets(promptWhenNone: true)
                let password = try secrets.encryptionPassword(vaultID: encryptVaultID)
                for (file, target) in try VaultCommand.targets(files, output: output) {
                    let plaintext = try VaultFile.read(file)
                    guard !VaultText.isEncrypted(String(decoding: plaintext.prefix(32), as: UTF8.self)) else {
                        throw VaultError("\(file) is already encrypted with Ansible Vault; use 'deckhand vault rekey' to change its password")
                    }
                    try VaultFile.write(Array(try secrets.seal(plaintext, with: password).text.utf8), to: target)
                }
                VaultCommand.note("Encryption successful")
            }
        }
    }

    struct Decrypt: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decrypt files in place (or standard input with no file).")
        @Argument(help: "The files to decrypt ('-' or none: standard input to standard output).") var files: [String] = []
        @Option(name: .customLong("output"), help: ArgumentHelp("Write here instead ('-' for standard output).", valueName: "file"))
        var output: String?
        @OptionGroup var vault: VaultOptions

        func run() throws {
            try VaultCommand.reporting("decrypt") {
                let secrets = try vault.secrets(promptWhenNone: true)
                for (file, target) in try VaultCommand.targets(files, output: output) {
                    let text = String(decoding: try VaultFile.read(file), as: UTF8.self)
                    try VaultFile.write(try secrets.open(text, source: VaultCommand.name(file)).plaintext, to: target)
                }
                VaultCommand.note("Decryption successful")
            }
        }
    }

    struct View: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the plaintext of vault files.")
        @Argument(help: "The files to show.") var files: [String]
        @OptionGroup var vault: VaultOptions

        func run() throws {
            try VaultCommand.reporting("view") {
                let secrets = try vault.secrets(promptWhenNone: true)
                for file in files {
                    let text = String(decoding: try VaultFile.read(file), as: UTF8.self)
                    try VaultFile.write(try secrets.open(text, source: VaultCommand.name(file)).plaintext, to: "-")
                }
            }
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Edit a vault file with $EDITOR; it is encrypted again with the password that opened it.")
        @Argument(help: "The file to edit.") var file: String
        @Option(name: .customLong("encrypt-vault-id"), help: ArgumentHelp("Encrypt with this vault id instead.", valueName: "label"))
        var encryptVaultID: String?
        @OptionGroup var vault: VaultOptions

        func run() throws {
            try VaultCommand.reporting("edit") {
                let secrets = try vault.secrets(promptWhenNone: true)
                let opened = try secrets.open(String(decoding: try VaultFile.read(file), as: UTF8.self), source: file)
                let edited = try VaultFile.edit(opened.plaintext, suffix: VaultCommand.suffix(of: file))
                guard edited != opened.plaintext || encryptVaultID != nil else { return }
                let password = try encryptVaultID.map { try secrets.encryptionPassword(vaultID: $0) } ?? opened.password
                try VaultFile.write(Array(try secrets.seal(edited, with: password).text.utf8), to: file)
            }
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a vault file, written with $EDITOR.")
        @Argument(help: "The file to create (it must not exist).") var file: String
        @Option(name: .customLong("encrypt-vault-id"), help: ArgumentHelp("The vault id to encrypt with.", valueName: "label"))
        var encryptVaultID: String?
        @OptionGroup var vault: VaultOptions

        func run() throws {
            try VaultCommand.reporting("create") {
                guard !FileManager.default.fileExists(atPath: file) else {
                    throw VaultError("\(file) exists; use 'deckhand vault edit \(file)' to change it")
                }
                let secrets = try vault.secrets(promptWhenNone: true)
                let password = try secrets.encryptionPassword(vaultID: encryptVaultID)
                let plaintext = try VaultFile.edit([], suffix: VaultCommand.suffix(of: file))
                try VaultFile.write(Array(try secrets.seal(plaintext, with: password).text.utf8), to: file)
            }
        }
    }

    struct EncryptString: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "encrypt_string",
            abstract: "Encrypt strings as `!vault |` values to paste into YAML.")
        @Argument(help: "The strings (none: standard input, read whole).") var strings: [String] = []
        @Option(name: [.short, .customLong("name")], help: ArgumentHelp("The variable name of each string, in order (repeatable).", valueName: "name"))
        var names: [String] = []
        @Option(name: .customLong("stdin-name"), help: ArgumentHelp("The variable name of the string read from standard input.", valueName: "name"))
        var stdinName: String?
        @Option(name: .customLong("encrypt-vault-id"), help: ArgumentHelp("The vault id to encrypt with.", valueName: "label"))
        var encryptVaultID: String?
        @OptionGroup var vault: VaultOptions

        func run() throws {
            try VaultCommand.reporting("encrypt_string") {
                var plaintexts = strings.enumerated().map { (text: $0.element, name: $0.offset < names.count ? names[$0.offset] : nil) }
                if strings.isEmpty || strings == ["-"] {
                    // As ansible-vault: standard input is taken whole, its last line break included.
                    let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                    guard !text.isEmpty else { throw VaultError("standard input was empty: nothing to encrypt") }
                    plaintexts = [(text, stdinName ?? names.first)]
                }
                let secrets = try vault.secrets(promptWhenNone: true)
                let password = try secrets.encryptionPassword(vaultID: encryptVaultID)
                let blocks = try plaintexts.map { plaintext in
                    try secrets.seal(Array(plaintext.text.utf8), with: password).inlineYAML(name: plaintext.name)
                }
                Terminal.out(blocks.joined(separator: "\n") + "\n")
                VaultCommand.note("Encryption successful")
            }
        }
    }

    struct Rekey: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Encrypt vault files again with a new password.")
        @Argument(help: "The files to rekey.") var files: [String]
        @Option(name: .customLong("new-vault-password-file"), help: ArgumentHelp("The new password's file.", valueName: "file"))
        var newPasswordFile: String?
        @Option(name: .customLong("new-vault-id"), help: ArgumentHelp("The new password as label@file or label@prompt.", valueName: "id"))
        var newVaultID: String?
        @OptionGroup var vault: VaultOptions

        func run() throws {
            try VaultCommand.reporting("rekey") {
                let secrets = try vault.secrets(promptWhenNone: true)
                var source = newVaultID.map(VaultPasswordSource.init(parsing:)) ?? VaultPasswordSource(source: "prompt")
                if let newPasswordFile { source = VaultPasswordSource(vaultID: source.vaultID, source: newPasswordFile) }
                let newPassword = try source.password(flag: newPasswordFile != nil ? "--new-vault-password-file" : "--new-vault-id") {
                    VaultOptions.askOnTerminal("New " + $0)
                }
                for file in files {
                    let opened = try secrets.open(String(decoding: try VaultFile.read(file), as: UTF8.self), source: file)
                    try VaultFile.write(Array(try secrets.seal(opened.plaintext, with: newPassword).text.utf8), to: file)
                }
                VaultCommand.note("Rekey successful")
            }
        }
    }

    /// Each input with where its result goes: in place, or --output for a single input.
    static func targets(_ files: [String], output: String?) throws -> [(String, String)] {
        let inputs = files.isEmpty ? ["-"] : files
        if let output {
            guard inputs.count == 1 else { throw VaultError("--output takes one input file, got \(inputs.count)") }
            return [(inputs[0], output)]
        }
        return inputs.map { ($0, $0) }
    }

    static func name(_ file: String) -> String { file == "-" ? "standard input" : file }

    static func suffix(of file: String) -> String {
        let ext = (file as NSString).pathExtension
        return ext.isEmpty ? "" : "." + ext
    }

    static func note(_ text: String) {
        _ = Terminal.write(Data((text + "\n").utf8), to: STDERR_FILENO)
    }

    /// Runs `body`; a vault error is one line on stderr and exit status 1.
    static func reporting(_ verb: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as VaultError {
            _ = Terminal.write(Data("deckhand vault \(verb): \(error.description)\n".utf8), to: STDERR_FILENO)
            throw ExitCode(1)
        } catch let failure as DeckhandFailure {
            _ = Terminal.write(Data("deckhand vault \(verb): \(failure.message)\n".utf8), to: STDERR_FILENO)
            throw failure.exitCode
        }
    }
}
