import Foundation
import XCTest
@testable import Deckhand

/// Known answers made by ansible-vault (ansible-core 2.17): deckhand opens what it writes, and writes the same
/// bytes for the same password and salt.
enum AnsibleVaultVectors {
    static let password = "correct horse battery staple"
    static let prodPassword = "prod-password"

    /// `ansible-vault encrypt --vault-password-file pw vars.yml` of `plaintext`.
    static let plaintext = "db_password: s3cret-from-vault\napp_secret_key: \"k3y with spaces\"\n"
    static let file11 = """
        $ANSIBLE_VAULT;1.1;AES256
        64323135373739626234323764663535396435343762393265623138303735353864323332353166
        3165386230333165303533396263613737313132613833630a353135666634623565386562323261
        36306339623430633161346163663430333162623762363736346233653662326133323664633665
        6135636165346338620a616131613361383035323338376163613331633636366237343732653363
        30306435613434326465373534346162626638656266353232306433656639653138653135383835
        35663738383331313733653135343465396332326439313035373463616638663530343736336466
        63623161376338356365336234346134333631333135353561623334346632363764396364663565
        33373439396233343065

        """
    /// `ansible-vault encrypt --vault-id prod@pw-prod vars.yml` of `plaintext`.
    static let file12 = """
        $ANSIBLE_VAULT;1.2;AES256;prod
        63333938343238623765633232643538633432326430376239316466323662363634373737303636
        3135356161396331616563393631393333383434363535340a333636373638303962373831623733
        35393238653333313634313963613435623739323366343933616433383931653161336165323162
        6635356561646364610a306364383839663236316533383863666136393238393632306237383439
        31343633333831383535613462343434306663313562313039323335303932313331376134623664
        34363133623136396466316532333866633238363836633130343763333936313235316163653130
        32373233613263393936316430653761333636326531343061336363313734393361363762343762
        36336337663732333961

        """
    /// `ansible-vault encrypt_string --vault-password-file pw --name api_token 'tok-123456'`.
    static let inlineToken = """
        api_token: !vault |
                  $ANSIBLE_VAULT;1.1;AES256
                  39306135623166323261343432323139383437336639383838396438613230623230616331663030
                  3630643438636133626137333032633633333466346665380a373930373231373737613165306364
                  66336537626464643136313564626139333433653165343031316431613265393038646332393039
                  3562333266386336640a333634313463316230356161623335313536633262336531636635653831
                  3665
        """
    /// Made with ANSIBLE_VAULT_ENCRYPT_SALT=`fixedSalt`, so deckhand must write the very same bytes.
    static let fixedSalt = "deckhand-known-answer-salt"
    /// `ansible-vault encrypt_string --vault-id prod@pw-prod 'fixed salt plaintext'`.
    static let fixedInline12 = """
        !vault |
                  $ANSIBLE_VAULT;1.2;AES256;prod
                  36343635363336623638363136653634326436623665366637373665326436313665373337373635
                  3732326437333631366337340a633834663031303533313862633561643132316662643432383932
                  363835323239303633636534643533383565346366643637656266656535643437613238660a6434
                  30653966306334613233383363616236383039653737666134363039363035373864653632646235
                  34336535636333666531356338613030316161336539
        """
    /// `ansible-vault encrypt --vault-password-file pw fixed.txt` of "line one\nline two\n".
    static let fixedFile11 = """
        $ANSIBLE_VAULT;1.1;AES256
        36343635363336623638363136653634326436623665366637373665326436313665373337373635
        3732326437333631366337340a376630666263353935363362333538626633363437616430343364
        356531343763336263653639353865656332336238383439376662383936323661663764390a6466
        35646264633534313435326265663462643162333136306330346665346638653933643333346164
        39616330356339386433316366363466376634663034

        """

    static var secrets: VaultSecrets {
        VaultSecrets([.init(vaultID: "default", origin: "pw", password: password),
                      .init(vaultID: "prod", origin: "pw-prod", password: prodPassword)])
    }
}

final class VaultTests: XCTestCase {
    typealias Vectors = AnsibleVaultVectors

    func testAFileAnsibleVaultEncryptedOpensWithItsPassword() throws {
        let secrets = VaultSecrets([.init(vaultID: "default", origin: "pw", password: Vectors.password)])
        XCTAssertEqual(try secrets.decrypt(Vectors.file11, source: "vars.yml"), Vectors.plaintext)
    }

    func testAFileWithAVaultIDOpensWithThatIDsPasswordWhicheverOrderTheyAreGiven() throws {
        let envelope = try VaultText(parsing: Vectors.file12)
        XCTAssertEqual(envelope.vaultID, "prod")
        XCTAssertEqual(envelope.version, "1.2")
        XCTAssertEqual(try Vectors.secrets.decrypt(Vectors.file12, source: "vars.yml"), Vectors.plaintext)
        // Ansible tries every password when the id does not match: a label typo still opens the file.
        let mislabelled = VaultSecrets([.init(vaultID: "staging", origin: "pw-prod", password: Vectors.prodPassword)])
        XCTAssertEqual(try mislabelled.decrypt(Vectors.file12, source: "vars.yml"), Vectors.plaintext)
    }

    func testDeckhandWritesTheSameBytesAsAnsibleVaultForTheSameSalt() throws {
        let salt = Array(Vectors.fixedSalt.utf8)
        let file = try VaultText.seal(Array("line one\nline two\n".utf8), password: Array(Vectors.password.utf8),
                                      vaultID: "default", salt: salt)
        XCTAssertEqual(file.text, Vectors.fixedFile11)
        let inline = try VaultText.seal(Array("fixed salt plaintext".utf8), password: Array(Vectors.prodPassword.utf8),
                                        vaultID: "prod", salt: salt)
        XCTAssertEqual(inline.inlineYAML(name: nil), Vectors.fixedInline12)
    }

    func testWhatDeckhandEncryptsItOpensAgainWithAFreshSalt() throws {
        let secrets = Vectors.secrets
        let sealed = try secrets.encrypt("a secret\nof two lines\n", vaultID: "prod")
        XCTAssertTrue(sealed.text.hasPrefix("$ANSIBLE_VAULT;1.2;AES256;prod\n"))
        XCTAssertTrue(sealed.text.components(separatedBy: "\n").dropFirst().allSatisfy { $0.count <= 80 })
        XCTAssertNotEqual(try secrets.encrypt("a secret", vaultID: "prod").text, try secrets.encrypt("a secret", vaultID: "prod").text)
        XCTAssertEqual(try secrets.decrypt(sealed.text, source: "x"), "a secret\nof two lines\n")
        // Every padding length, including a whole block of padding.
        for length in [0, 1, 15, 16, 17, 32, 33] {
            let text = String(repeating: "x", count: length)
            XCTAssertEqual(try secrets.decrypt(try secrets.encrypt(text, vaultID: "default").text, source: "x"), text)
        }
    }

    func testAWrongPasswordNamesTheFileAndTheVaultID() throws {
        let wrong = VaultSecrets([.init(vaultID: "prod", origin: ".vault_pass", password: "not it")])
        XCTAssertThrowsError(try wrong.decrypt(Vectors.file12, source: "group_vars/prod/vault.yml")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("group_vars/prod/vault.yml"), message)
            XCTAssertTrue(message.contains("vault id 'prod'"), message)
            XCTAssertTrue(message.contains("wrong"), message)
            XCTAssertTrue(message.contains(".vault_pass"), message)
        }
    }

    func testATamperedFileIsRefusedNotDecryptedToGarbage() throws {
        var lines = Vectors.file11.components(separatedBy: "\n")
        lines[3] = String(lines[3].reversed())
        let secrets = VaultSecrets([.init(vaultID: "default", origin: "pw", password: Vectors.password)])
        XCTAssertThrowsError(try secrets.decrypt(lines.joined(separator: "\n"), source: "vars.yml"))
    }

    func testAnInlineVaultValueInYAMLIsItsPlaintextString() throws {
        let yaml = "plain: 1\n" + Vectors.inlineToken + "\n"
        let document = try YAMLDocument.parse(yaml, path: "vars.yml", vault: Vectors.secrets)
        let vars = document.root.map(YAMLDocument.value(of:))
        XCTAssertEqual(vars, .dict(["plain": .int(1), "api_token": .string("tok-123456")]))
        XCTAssertTrue(VaultSecrets.revealed.all.contains("tok-123456"))
        XCTAssertEqual(VaultSecrets.revealed.mask("token is tok-123456."), "token is ********.")
    }

    func testAVaultedFileIsReadAsTheYAMLInside() throws {
        let document = try YAMLDocument.parse(Vectors.file11, path: "vault.yml", vault: Vectors.secrets)
        XCTAssertEqual(document.root.map(YAMLDocument.value(of:)),
                       .dict(["db_password": .string("s3cret-from-vault"), "app_secret_key": .string("k3y with spaces")]))
        XCTAssertEqual(VaultSecrets.revealed.mask("pw=s3cret-from-vault"), "pw=********")
        XCTAssertEqual(VaultSecrets.revealed.mask(#"{"msg": "k3y with spaces"}"#), #"{"msg": "********"}"#)
        VaultSecrets.revealed.insert("two\nlines \"quoted\"")
        XCTAssertEqual(VaultSecrets.revealed.mask(#"{"msg": "two\nlines \"quoted\""}"#), #"{"msg": "********"}"#)
    }

    func testVaultDataWithoutAPasswordSaysWhereAndWhichFlagToPass() throws {
        // A `!vault` value reads as undefined (it fails where it is used, as Ansible's); a vaulted file fails now.
        let yaml = "plain: 1\n" + Vectors.inlineToken + "\n"
        let document = try YAMLDocument.parse(yaml, path: "group_vars/all.yml", vault: VaultSecrets())
        guard case .dict(let values)? = document.root.map(YAMLDocument.value(of:)),
              case .undefined(let undecryptable)? = values["api_token"] else { return XCTFail("not undefined") }
        let message = undecryptable.message
        XCTAssertTrue(message.contains("undecryptable variable"), message)
        XCTAssertTrue(message.contains("group_vars/all.yml:2"), message)
        XCTAssertTrue(message.contains("--vault-password-file"), message)
        XCTAssertTrue(message.contains("--ask-vault-pass"), message)
        XCTAssertThrowsError(try YAMLDocument.parse(Vectors.file12, path: "vault.yml", vault: VaultSecrets())) { error in
            XCTAssertTrue("\(error)".contains("vault.yml"), "\(error)")
            XCTAssertTrue("\(error)".contains("--vault-id prod@FILE"), "\(error)")
        }
    }

    func testPasswordFilesAreStrippedAndExecutablePasswordFilesAreRun() throws {
        let folder = NSTemporaryDirectory() + "deckhand-vault-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "  \(Vectors.password)\n\n".write(toFile: folder + "/pw", atomically: true, encoding: .utf8)
        try "#!/bin/sh\necho '\(Vectors.prodPassword)'\n".write(toFile: folder + "/pw-prod.sh", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder + "/pw-prod.sh")
        try "#!/bin/sh\necho \"$1 $2\"\n".write(toFile: folder + "/vault-client", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder + "/vault-client")
        let secrets = try VaultSecrets.load([
            (VaultPasswordSource(parsing: folder + "/pw"), flag: "--vault-password-file"),
            (VaultPasswordSource(parsing: "prod@" + folder + "/pw-prod.sh"), flag: "--vault-id"),
        ], prompt: { _ in nil })
        XCTAssertEqual(try secrets.decrypt(Vectors.file11, source: "a"), Vectors.plaintext)
        XCTAssertEqual(try secrets.decrypt(Vectors.file12, source: "b"), Vectors.plaintext)
        // A script named *-client is asked for the vault id it should answer.
        let client = try VaultPasswordSource(parsing: "ops@" + folder + "/vault-client").password(flag: "--vault-id") { _ in nil }
        XCTAssertEqual(client.bytes, Array("--vault-id ops".utf8))
        XCTAssertThrowsError(try VaultPasswordSource(parsing: "prompt").password(flag: "--ask-vault-pass") { _ in nil }) { error in
            XCTAssertTrue("\(error)".contains("--ask-vault-pass"), "\(error)")
            XCTAssertTrue("\(error)".contains("not one"), "\(error)")
        }
        XCTAssertThrowsError(try VaultPasswordSource(parsing: folder + "/missing").password(flag: "--vault-password-file") { _ in nil }) { error in
            XCTAssertTrue("\(error)".contains(folder + "/missing"), "\(error)")
        }
    }

    func testTheEnvironmentNamesPasswordsAsAnsibleReadsIt() {
        let sources = VaultPasswordSource.fromEnvironment([
            "ANSIBLE_VAULT_PASSWORD_FILE": "~/.vault_pass",
            "ANSIBLE_VAULT_IDENTITY_LIST": "dev@~/.dev, prod@prompt",
        ])
        XCTAssertEqual(sources.identities, [VaultPasswordSource(vaultID: "dev", source: "~/.dev"),
                                            VaultPasswordSource(vaultID: "prod", source: "prompt")])
        XCTAssertEqual(sources.passwordFiles, [VaultPasswordSource(vaultID: "default", source: "~/.vault_pass")])
    }
}
