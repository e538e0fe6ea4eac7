import Foundation
import XCTest
@testable import Deckhand

/// A team's vaulted secrets, used by a run and by `deckhand vault`; ansible-vault (when installed) checks that
/// each side opens the other's files.
final class VaultRunTests: XCTestCase {
    typealias Vectors = AnsibleVaultVectors
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "deckhand-vault-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/group_vars", withIntermediateDirectories: true)
        try write("pw", Vectors.password + "\n")
        try write("pw-prod", Vectors.prodPassword + "\n")
        try write("hosts.ini", "[web]\nweb1 ansible_connection=local\n")
        try write("group_vars/web.yml", Vectors.file11)
        // The other places a team keeps vaulted data, encrypted by deckhand (VaultTests holds it to ansible-vault).
        try FileManager.default.createDirectory(atPath: folder + "/files", withIntermediateDirectories: true)
        try write("vault_prod.yml", try Vectors.secrets.encrypt("from_vars_files: vf-secret\n", vaultID: "prod").text)
        try write("included.yml", try Vectors.secrets.encrypt("from_include: inc-secret\n", vaultID: "prod").text)
        try write("extra.yml", try Vectors.secrets.encrypt("from_extra: ex-secret\n", vaultID: "default").text)
        try write("files/key.pem", try Vectors.secrets.encrypt("-----BEGIN KEY-----\nkey-body\n", vaultID: "prod").text)
        try write("site.yml", """
            - hosts: web
              gather_facts: false
              vars_files: [vault_prod.yml]
              vars:
            \(Vectors.inlineToken.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
              tasks:
                - include_vars: included.yml
                - name: write the secrets
                  copy:
                    dest: "\(folder)/out"
                    content: "{{ db_password }} {{ api_token }} {{ from_vars_files }} {{ from_include }} {{ from_extra }}\\n"
                - name: a vaulted file is copied as its plaintext
                  copy: { src: key.pem, dest: "\(folder)/key.pem" }
                - name: show one
                  debug: { msg: "token={{ api_token }}" }
            """)
    }

    private let expected = "s3cret-from-vault tok-123456 vf-secret inc-secret ex-secret\n"

    override func tearDown() {
        VaultSecrets.installed = VaultSecrets()
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
    }

    private func read(_ name: String) -> String? { try? String(contentsOfFile: folder + "/" + name, encoding: .utf8) }

    private func deckhand(_ arguments: [String], input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        try DeckhandBinary.run(arguments, in: folder, input: input ?? "")
    }

    func testARunUsesAVaultedGroupVarsFileAndAnInlineVaultValue() async throws {
        VaultSecrets.installed = Vectors.secrets
        let loader = PlaybookLoader()
        let playbook = try loader.loadPlaybook(at: folder + "/site.yml")
        let inventory = try Inventory.load(from: [folder + "/hosts.ini"])
        var options = RunOptions()
        options.loader = loader
        options.extraVars = try ExtraVars.parse(["@" + folder + "/extra.yml"])
        let reporter = RecordingReporter()
        let pool = ConnectionPool { variables in LocalConnection(hostName: variables.hostName) }
        let summary = await PlaybookRunner(inventory: inventory, options: options, pool: pool, reporter: reporter).run(playbook)
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(read("out"), expected)
        XCTAssertEqual(read("key.pem"), "-----BEGIN KEY-----\nkey-body\n")
    }

    func testDeckhandRunTakesAPasswordFileAndMasksTheDecryptedValues() throws {
        let result = try deckhand(["run", "site.yml", "-i", "hosts.ini", "--vault-password-file", "pw",
                                   "--vault-id", "prod@pw-prod", "-e", "@extra.yml", "-v", "--diff"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(read("out"), expected)
        XCTAssertTrue(result.stdout.contains("token=********"), result.stdout)
        for secret in ["tok-123456", "s3cret-from-vault", "vf-secret", "inc-secret", "ex-secret", "key-body"] {
            XCTAssertFalse(result.stdout.contains(secret), "\(secret) shown in:\n" + result.stdout)
        }
        try FileManager.default.removeItem(atPath: folder + "/out")
        let json = try deckhand(["run", "site.yml", "-i", "hosts.ini", "--vault-password-file", "pw",
                                 "--vault-id", "prod@pw-prod", "-e", "@extra.yml", "--output", "json", "--diff"])
        XCTAssertEqual(json.status, 0, json.stdout + json.stderr)
        XCTAssertTrue(json.stdout.contains("token=********"), json.stdout)
        XCTAssertFalse(json.stdout.contains("tok-123456") || json.stdout.contains("inc-secret"), json.stdout)
    }

    func testDeckhandRunWithAWrongPasswordNamesTheFileAndChangesNothing() throws {
        try write("wrong", "not the password\n")
        let result = try deckhand(["run", "site.yml", "-i", "hosts.ini", "--vault-id", "ops@wrong"])
        XCTAssertEqual(result.status, 5, result.stderr)
        XCTAssertTrue(result.stderr.contains("web.yml"), result.stderr)
        XCTAssertTrue(result.stderr.contains("'ops' (wrong)"), result.stderr)
        XCTAssertNil(read("out"))
    }

    func testDeckhandRunWithoutAPasswordSaysWhichFlagsToPass() throws {
        let asked = try deckhand(["run", "site.yml", "-i", "hosts.ini", "--ask-vault-pass"])
        XCTAssertEqual(asked.status, 1, asked.stderr)
        XCTAssertTrue(asked.stderr.contains("--ask-vault-pass needs a terminal"), asked.stderr)
        let none = try deckhand(["run", "site.yml", "-i", "hosts.ini"])
        XCTAssertEqual(none.status, 5, none.stderr)
        XCTAssertTrue(none.stderr.contains("--vault-password-file"), none.stderr)
        XCTAssertNil(read("out"))
    }

    func testThePasswordsCanComeFromTheEnvironmentAndTheInventoryCanBeVaulted() throws {
        try write("hosts.ini", try Vectors.secrets.encrypt("[web]\nweb1 ansible_connection=local\n", vaultID: "prod").text)
        let environment = ["ANSIBLE_VAULT_PASSWORD_FILE": folder + "/pw", "ANSIBLE_VAULT_IDENTITY_LIST": "prod@" + folder + "/pw-prod"]
        let result = try DeckhandBinary.run(["run", "site.yml", "-i", "hosts.ini", "-e", "@extra.yml"], in: folder,
                                            input: "", environment: environment)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(read("out"), expected)
    }

    func testTheVaultVerbsRoundTripAFileAndAString() throws {
        try write("secrets.yml", "db_password: hunter2\n")
        var result = try deckhand(["vault", "encrypt", "secrets.yml", "--vault-id", "prod@pw-prod"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(read("secrets.yml")?.hasPrefix("$ANSIBLE_VAULT;1.2;AES256;prod\n") == true, read("secrets.yml") ?? "")
        result = try deckhand(["vault", "view", "secrets.yml", "--vault-id", "prod@pw-prod"])
        XCTAssertEqual(result.stdout, "db_password: hunter2\n", result.stderr)

        result = try deckhand(["vault", "encrypt", "secrets.yml", "--vault-id", "prod@pw-prod"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("already encrypted"), result.stderr)

        result = try deckhand(["vault", "rekey", "secrets.yml", "--vault-id", "prod@pw-prod", "--new-vault-password-file", "pw"])
        XCTAssertEqual(result.status, 0, result.stderr)
        result = try deckhand(["vault", "view", "secrets.yml", "--vault-id", "prod@pw-prod"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("secrets.yml") && result.stderr.contains("'prod'"), result.stderr)
        result = try deckhand(["vault", "decrypt", "secrets.yml", "--vault-password-file", "pw"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(read("secrets.yml"), "db_password: hunter2\n")

        result = try deckhand(["vault", "encrypt_string", "--vault-password-file", "pw", "--name", "api_token", "tok-9"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("api_token: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n"), result.stdout)
        let document = try YAMLDocument.parse(result.stdout, path: "x.yml", vault: Vectors.secrets)
        XCTAssertEqual(document.root.map(YAMLDocument.value(of:)), .dict(["api_token": .string("tok-9")]))

        result = try deckhand(["vault", "view", "secrets.yml"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("--vault-password-file"), result.stderr)
    }

    func testEditAndCreateUseTheEditorOnAPrivateTemporaryFile() throws {
        // The "editor" appends a line and records the mode of the file it was given.
        try write("editor.sh", "#!/bin/sh\nstat -c %a \"$1\" > \"\(folder)/mode\"\necho 'added: yes' >> \"$1\"\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder + "/editor.sh")
        let editor = ["EDITOR": folder + "/editor.sh"]
        var result = try DeckhandBinary.run(["vault", "create", "new.yml", "--vault-id", "prod@pw-prod"], in: folder,
                                            input: "", environment: editor)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(read("mode"), "600\n")
        result = try DeckhandBinary.run(["vault", "edit", "new.yml", "--vault-id", "prod@pw-prod"], in: folder,
                                        input: "", environment: editor)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(read("new.yml")?.hasPrefix("$ANSIBLE_VAULT;1.2;AES256;prod\n") == true)
        XCTAssertEqual(try Vectors.secrets.decrypt(read("new.yml") ?? "", source: "new.yml"), "added: yes\nadded: yes\n")
        result = try DeckhandBinary.run(["vault", "create", "new.yml", "--vault-id", "prod@pw-prod"], in: folder,
                                        input: "", environment: editor)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("deckhand vault edit new.yml"), result.stderr)
    }

    /// ansible-vault from tools/ansible-oracle's virtualenv (or .venv-oracle, or PATH), when one is installed.
    private func ansibleVault() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var candidates = [".venv-oracle/bin/ansible-vault", "tools/ansible-oracle/.venv/bin/ansible-vault",
                          "Benchmarks/.venv/bin/ansible-vault"].map { root.appendingPathComponent($0).path }
        candidates += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { $0 + "/ansible-vault" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("ansible-vault is not installed (tools/ansible-oracle/run installs ansible-core); the known-answer tests in VaultTests still ran")
        }
        return found
    }

    private func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testAnsibleVaultOpensWhatDeckhandWritesAndTheReverse() throws {
        let ansibleVault = try ansibleVault()
        try write("ours.yml", "from: deckhand\n")
        XCTAssertEqual(try deckhand(["vault", "encrypt", "ours.yml", "--vault-id", "prod@pw-prod"]).status, 0)
        var result = try run(ansibleVault, ["view", "--vault-id", "prod@pw-prod", "ours.yml"])
        XCTAssertEqual(result.stdout, "from: deckhand\n")

        let inline = try deckhand(["vault", "encrypt_string", "--vault-password-file", "pw", "--name", "k", "v 1"]).stdout
        try write("inline.txt", inline.split(separator: "\n").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: "\n") + "\n")
        result = try run(ansibleVault, ["decrypt", "--vault-password-file", "pw", "--output", "-", "inline.txt"])
        XCTAssertEqual(result.stdout, "v 1")

        try write("theirs.yml", "from: ansible\n")
        XCTAssertEqual(try run(ansibleVault, ["encrypt", "--vault-id", "ops@pw", "theirs.yml"]).status, 0)
        XCTAssertEqual(try deckhand(["vault", "view", "theirs.yml", "--vault-id", "ops@pw"]).stdout, "from: ansible\n")
        XCTAssertEqual(try run(ansibleVault, ["encrypt", "--vault-id", "ops@pw", "theirs.yml"]).status, 1,
                       "ansible-vault refuses to encrypt twice, as deckhand does")
    }
}
