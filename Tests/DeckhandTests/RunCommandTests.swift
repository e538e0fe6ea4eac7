import Foundation
import XCTest

/// `deckhand run`, the binary, as a user runs it: exit codes, validation before connecting, the ssh config.
final class RunCommandTests: XCTestCase {
    private var folder = ""
    private var base = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "deckhand-run-\(UUID().uuidString)"
        base = "/tmp/deckhand-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
        try? FileManager.default.removeItem(atPath: base)
    }

    private func write(_ name: String, _ text: String) throws {
        try text.replacingOccurrences(of: "@BASE@", with: base)
            .write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
    }

    private func deckhand(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try DeckhandBinary.run(arguments, in: folder)
    }

    func testAnInvalidPlaybookIsRefusedBeforeAnyConnectionWithWhereAndWhat() throws {
        try write("hosts.ini", "[web]\nfar ansible_host=127.0.0.1 ansible_port=1\n")
        try write("site.yml", """
            - hosts: web
              tasks:
                - name: typo
                  copy: { content: x, dest: "@BASE@/never" }
                  whn: true
                - cpoy: { content: x, dest: "@BASE@/never" }
            """)
        let result = try deckhand(["run", "site.yml", "-i", "hosts.ini"])
        XCTAssertEqual(result.status, 5, result.stderr)
        XCTAssertTrue(result.stderr.contains("site.yml:5:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("did you mean 'when'"), result.stderr)
        XCTAssertTrue(result.stderr.contains("site.yml:6:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("did you mean 'copy'"), result.stderr)
        XCTAssertFalse(result.stdout.contains("unreachable"), "nothing connected: \(result.stdout)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: base))
    }

    func testAMissingPlaybookIsAUsageError() throws {
        let result = try deckhand(["run", "nope.yml", "-i", "localhost,"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("nope.yml does not exist"), result.stderr)
    }

    func testRunsThroughTheSSHConfigAndExitCodesFollowAnsible() throws {
        try LoopbackHost.requireUp()
        try write("hosts.ini", "[web]\ntesthost\ntesthost2\n")
        try write("site.yml", """
            - hosts: web
              gather_facts: false
              tasks:
                - file: { path: "@BASE@/{{ inventory_hostname }}", state: directory }
                - copy: { content: "hello {{ who }}\\n", dest: "@BASE@/{{ inventory_hostname }}/greeting" }
            """)
        let arguments = ["run", "site.yml", "-i", "hosts.ini", "-F", LoopbackHost.directory + "/ssh_config", "-e", "who=world"]
        let first = try deckhand(arguments)
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        XCTAssertTrue(first.stdout.contains("testhost2                  : ok=2    changed=2"), first.stdout)
        XCTAssertEqual(try String(contentsOfFile: base + "/testhost/greeting", encoding: .utf8), "hello world\n")
        let second = try deckhand(arguments)
        XCTAssertTrue(second.stdout.contains("testhost                   : ok=2    changed=0"), second.stdout)

        try write("fail.yml", "- hosts: web\n  gather_facts: false\n  tasks:\n    - command: /bin/false\n")
        XCTAssertEqual(try deckhand(["run", "fail.yml", "-i", "hosts.ini", "-F", LoopbackHost.directory + "/ssh_config"]).status, 2)

        try write("far.ini", "[web]\nfar ansible_host=127.0.0.1 ansible_port=1\n")
        let unreachable = try deckhand(["run", "fail.yml", "-i", "far.ini", "--limit", "far"])
        XCTAssertEqual(unreachable.status, 4, unreachable.stdout)
        XCTAssertTrue(unreachable.stdout.contains("unreachable: [far]"), unreachable.stdout)
    }

    func testAnsibleCfgGivesTheLoginKeyInventoryAndRolesOfARun() throws {
        try LoopbackHost.requireUp()
        // The ssh config knows the host key only: user, key, inventory and roles come from ansible.cfg.
        try write("ssh_config", "Host 127.0.0.1\n    UserKnownHostsFile \(LoopbackHost.directory)/client/known_hosts\n")
        try write("ansible.cfg", """
            [defaults]
            inventory = hosts.ini
            remote_user = deckhand
            private_key_file = \(LoopbackHost.directory)/client/id_ed25519
            roles_path = ./shared-roles
            """)
        try write("hosts.ini", "[web]\ntesthost ansible_host=127.0.0.1 ansible_port=22022\n")
        try FileManager.default.createDirectory(atPath: folder + "/shared-roles/greeter/tasks", withIntermediateDirectories: true)
        try write("shared-roles/greeter/tasks/main.yml", """
            - name: who logged in
              shell: "mkdir -p @BASE@ && id -un > @BASE@/{{ role_name }}"
            """)
        try write("site.yml", "- hosts: web\n  gather_facts: false\n  roles: [greeter]\n")
        let run = try deckhand(["run", "site.yml", "-F", folder + "/ssh_config"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertEqual(try String(contentsOfFile: base + "/greeter", encoding: .utf8), "deckhand\n",
                       "the role from roles_path ran on the host, logged in as remote_user with private_key_file")
    }

    func testListingHostsAndTasksConnectsNowhere() throws {
        try write("hosts.ini", "[web]\nweb1 ansible_host=127.0.0.1 ansible_port=1\nweb2 ansible_host=127.0.0.1 ansible_port=1\n")
        try write("site.yml", "- hosts: web\n  tasks:\n    - name: first\n      ping:\n      tags: [a]\n")
        let hosts = try deckhand(["run", "site.yml", "-i", "hosts.ini", "--list-hosts"])
        XCTAssertEqual(hosts.status, 0)
        XCTAssertTrue(hosts.stdout.contains("hosts (2):"), hosts.stdout)
        let tasks = try deckhand(["run", "site.yml", "-i", "hosts.ini", "--list-tasks"])
        XCTAssertTrue(tasks.stdout.contains("first\tTAGS: [a]"), tasks.stdout)
    }

    func testModuleDocsComeFromTheSameDeclarations() throws {
        let list = try deckhand(["doc", "--list"])
        XCTAssertEqual(list.status, 0)
        for name in ["copy", "template", "file", "command", "shell", "user", "lineinfile", "setup"] {
            XCTAssertTrue(list.stdout.contains("\n" + name + " ") || list.stdout.hasPrefix(name + " "), name)
        }
        let copy = try deckhand(["doc", "ansible.builtin.copy"])
        XCTAssertTrue(copy.stdout.contains("dest (path, required)"), copy.stdout)
        XCTAssertTrue(copy.stdout.contains("EXAMPLE"), copy.stdout)
        XCTAssertEqual(try deckhand(["doc", "cpoy"]).status, 1)
    }
}
