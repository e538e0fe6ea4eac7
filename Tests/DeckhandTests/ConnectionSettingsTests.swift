import Foundation
import SSH
import XCTest
@testable import Deckhand

/// ansible.cfg, Ansible's environment variables, the command line and the inventory, layered as Ansible does.
final class ConnectionSettingsTests: XCTestCase {
    private func folder(with config: String?) throws -> String {
        let folder = NSTemporaryDirectory() + "deckhand-cfg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        if let config { try config.write(toFile: folder + "/ansible.cfg", atomically: true, encoding: .utf8) }
        return folder
    }

    func testAnsiblesEnvironmentVariablesWinOverTheFile() throws {
        let folder = try folder(with: """
            [defaults]
            remote_user = deploy
            forks = 20
            roles_path = roles
            [privilege_escalation]
            become_method = su
            """)
        let config = try AnsibleConfig.load(from: folder, environment: [
            "ANSIBLE_REMOTE_USER": "ops", "ANSIBLE_FORKS": "3", "ANSIBLE_ROLES_PATH": "/srv/roles:shared",
            "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_BECOME": "yes",
        ], systemFile: folder + "/none")
        XCTAssertEqual(config.remoteUser, "ops")
        XCTAssertEqual(config.forks, 3)
        XCTAssertEqual(config.rolesPath, ["/srv/roles", folder + "/shared"])
        XCTAssertEqual(config.hostKeyChecking, false)
        XCTAssertEqual(config.become, true)
        XCTAssertEqual(config.becomeMethod, "su", "the file's value stays where no variable is set")
    }

    func testTheSystemFileIsTheLastPlaceLookedIn() throws {
        let system = try folder(with: "[defaults]\nremote_user = from-etc\n") + "/ansible.cfg"
        let empty = try folder(with: nil)
        XCTAssertEqual(try AnsibleConfig.load(from: empty, environment: [:], systemFile: system).remoteUser, "from-etc")
        let local = try folder(with: "[defaults]\nremote_user = here\n")
        XCTAssertEqual(try AnsibleConfig.load(from: local, environment: [:], systemFile: system).remoteUser, "here")
    }

    func testABadValueNamesTheFileAndLine() throws {
        let folder = try folder(with: "[defaults]\nforks = many\n")
        XCTAssertThrowsError(try AnsibleConfig.load(from: folder, environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("ansible.cfg:2"), "\(error)")
        }
    }

    func testTheCommandLineWinsOverAnsibleCfgAndTheInventoryOverBoth() throws {
        var ansible = AnsibleConfig()
        ansible.remoteUser = "cfg-user"
        ansible.privateKeyFile = "/keys/cfg"
        ansible.hostKeyChecking = false
        XCTAssertEqual(ConnectionSettings(hostKeyChecking: .strict).over(ansible).hostKeyChecking, .strict)
        XCTAssertEqual(ConnectionSettings().over(ansible).hostKeyChecking, .off)

        let sshConfig = try folder(with: nil) + "/ssh_config"
        try "Host web\n    HostName 10.0.0.9\n    User config-user\n".write(toFile: sshConfig, atomically: true, encoding: .utf8)
        let connector = try HostConnector(settings: ConnectionSettings(sshConfigFile: sshConfig).over(ansible))

        let plain = try connector.sshOptions(for: ConnectionVariables(hostName: "web", variables: [:]))
        XCTAssertEqual(plain.host, "10.0.0.9")
        XCTAssertEqual(plain.user, "cfg-user", "ansible.cfg's remote_user wins over the ssh config's User, as with Ansible's -o User")
        XCTAssertEqual(plain.identityFiles.first, "/keys/cfg")
        XCTAssertEqual(plain.hostKeyPolicy, .off)

        let named = try connector.sshOptions(for: ConnectionVariables(hostName: "web", variables: [
            "ansible_user": .string("inv-user"), "ansible_ssh_private_key_file": .string("/keys/inv"),
        ]))
        XCTAssertEqual(named.user, "inv-user")
        XCTAssertEqual(named.identityFiles.first, "/keys/inv")
        XCTAssertTrue(named.identitiesOnly)
    }

    func testABadSSHConfigLineIsASettingsErrorNamingFileAndLine() throws {
        let sshConfig = try folder(with: nil) + "/ssh_config"
        try "Host web\n    Port twenty-two\n".write(toFile: sshConfig, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try HostConnector(settings: ConnectionSettings(sshConfigFile: sshConfig))) { error in
            XCTAssertTrue((error as? ConnectionSettingsError)?.description.hasPrefix(sshConfig + ":2:") == true, "\(error)")
        }
    }

    func testAnsibleCfgBecomeDefaultsReachTheTasksThatSayNothing() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: as myself
                  command: id -un
                  become: false
                - name: as root
                  command: id -un
            """,
        ])
        defer { book.remove() }
        var ansible = AnsibleConfig()
        ansible.become = true
        ansible.becomeMethod = "doas"
        let defaults = ansible.runOptions()
        let (_, events) = try await book.run { options in
            options.defaultBecome = defaults.defaultBecome
            options.defaultBecomeMethod = defaults.defaultBecomeMethod
        }
        XCTAssertEqual(events.results(ofTask: "as myself").first?.status, .changed, "a task's own become: false wins")
        let defaulted = try XCTUnwrap(events.results(ofTask: "as root").first)
        XCTAssertEqual(defaulted.status, .failed)
        XCTAssertTrue(defaulted.result["msg"]?.displayText.contains("become_method doas is not supported") == true,
                      "\(defaulted.result)")
    }
}
