import Foundation
import XCTest
@testable import Deckhand

/// become with a password, over SSH to the loopback host, with a real user whose sudo rule asks for a password.
///
/// The test host is this machine: as root, the test makes `dh-secrets-sudo` with a password and a sudoers rule
/// that lets the login user `deckhand` become it only with that password (`targetpw`), and removes both after.
final class BecomePasswordTests: XCTestCase {
    private static let user = "dh-secrets-sudo"
    private static let password = "Pw-9x!q'\"$(touch PWNED) `x`"
    private static let sudoers = "/etc/sudoers.d/dh-secrets-sudo"

    private var base = ""
    private var folder = ""

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        guard getuid() == 0 else {
            XCTFail("these tests make a user and a sudoers rule: run them as root")
            throw XCTSkip("not root")
        }
        removeUser()
        try root("useradd -m -s /bin/sh \(Self.user)")
        try root("chpasswd", input: "\(Self.user):\(Self.password)\n")
        // !env_reset: the command sees the caller's environment, so a password left in it would show.
        let rule = "Defaults>\(Self.user) targetpw, lecture=never, passwd_tries=1, !env_reset\ndeckhand ALL=(\(Self.user)) PASSWD: ALL\n"
        let draft = NSTemporaryDirectory() + "dh-secrets-sudoers-\(UUID().uuidString)"
        try rule.write(toFile: draft, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: draft) }
        try root("visudo -cqf \(draft) && install -m 0440 \(draft) \(Self.sudoers)")
        base = "/tmp/deckhand-become-\(UUID().uuidString)"
        try root("install -d -m 0755 -o \(Self.user) \(base)")
        folder = NSTemporaryDirectory() + "deckhand-become-pb-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        removeUser()
        try? FileManager.default.removeItem(atPath: base)
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func removeUser() {
        try? FileManager.default.removeItem(atPath: Self.sudoers)
        _ = try? root("if id \(Self.user) >/dev/null 2>&1; then userdel -r \(Self.user) 2>/dev/null || userdel \(Self.user); fi")
    }

    @discardableResult
    private func root(_ script: String, input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let out = Pipe(), stdin = Pipe()
        process.standardOutput = out
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "BecomePasswordTests", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "\(script) failed"])
        }
        return text
    }

    private func run(_ playbook: String, password: String?) async throws -> (RunSummary, String) {
        try playbook.replacingOccurrences(of: "@BASE@", with: base)
            .write(toFile: folder + "/site.yml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder + "/templates", withIntermediateDirectories: true)
        try "page for {{ inventory_hostname }}\n".write(toFile: folder + "/templates/page.j2", atomically: true, encoding: .utf8)
        let (summary, events) = try await LoopbackHost.run(folder + "/site.yml", configure: { $0.becomePassword = password })
        return (summary, events.events.map { "\($0)" }.joined(separator: "\n"))
    }

    private func contents(_ name: String) -> String? {
        try? String(contentsOfFile: base + "/" + name, encoding: .utf8)
    }

    private func owner(_ name: String) -> String? {
        (try? FileManager.default.attributesOfItem(atPath: base + "/" + name))?[.ownerAccountName] as? String
    }

    func testSudoWithAPasswordRunsCommandsAndWritesFilesAndThePasswordGoesNowhere() async throws {
        let (summary, output) = try await run("""
            - hosts: testhost
              gather_facts: false
              become: true
              become_user: \(Self.user)
              tasks:
                - copy: { content: "payload\\n", dest: "@BASE@/copied" }
                - template: { src: page.j2, dest: "@BASE@/templated" }
                - command: cat
                  args: { stdin: "the task's own input" }
                  register: echoed
                - command: id -un
                  register: who
                - shell: printf '%s' "$GREETING" > @BASE@/environment
                  environment: { GREETING: "hello from the environment" }
                - copy: { content: "{{ who.stdout }}|{{ echoed.stdout }}\\n", dest: "@BASE@/seen" }
                - shell: env > @BASE@/environment-of-the-command
            """, password: Self.password)
        XCTAssertEqual(summary.exitCode, 0, output)
        XCTAssertEqual(contents("copied"), "payload\n", "the file holds what was written, no password line")
        XCTAssertEqual(contents("templated"), "page for testhost\n")
        XCTAssertEqual(contents("seen"), "\(Self.user)|the task's own input\n")
        XCTAssertEqual(contents("environment"), "hello from the environment")
        XCTAssertEqual(owner("copied"), Self.user, "the file was written as the become user")
        XCTAssertFalse(output.contains(Self.password), "the password is in the run's output")
        XCTAssertFalse(output.contains("Pw-9x"), "part of the password is in the run's output")
        XCTAssertFalse(FileManager.default.fileExists(atPath: base + "/../PWNED"))
        let written = try FileManager.default.contentsOfDirectory(atPath: base)
            .compactMap { contents($0) }.joined()
        XCTAssertFalse(written.contains("Pw-9x"), "the password reached a file")
    }

    func testAWrongSudoPasswordFailsTheTaskSayingSoAndChangesNothing() async throws {
        let (summary, output) = try await run("""
            - hosts: testhost
              gather_facts: false
              become: true
              become_user: \(Self.user)
              tasks:
                - copy: { content: "payload\\n", dest: "@BASE@/copied" }
            """, password: "not-the-password")
        XCTAssertEqual(summary.stats(of: "testhost")?.failed, 1, output)
        XCTAssertTrue(output.contains("the become password was refused"), output)
        XCTAssertFalse(output.contains("not-the-password"), output)
        XCTAssertNil(contents("copied"))
    }

    func testWithoutAPasswordSudoIsRefusedAtOnceInsteadOfHanging() async throws {
        let (summary, output) = try await run("""
            - hosts: testhost
              gather_facts: false
              become: true
              become_user: \(Self.user)
              tasks:
                - copy: { content: "payload\\n", dest: "@BASE@/copied" }
            """, password: nil)
        XCTAssertEqual(summary.stats(of: "testhost")?.failed, 1, output)
        XCTAssertTrue(output.contains("a password is required; give it with -K"), output)
        XCTAssertNil(contents("copied"))
    }

    func testSuWithAPasswordIsRefusedNamingSudoAndNOPASSWDBeforeAnythingRuns() async throws {
        let (summary, output) = try await run("""
            - hosts: testhost
              gather_facts: false
              become: true
              become_method: su
              become_user: \(Self.user)
              tasks:
                - copy: { content: "payload\\n", dest: "@BASE@/copied" }
                - command: touch @BASE@/touched
            """, password: Self.password)
        XCTAssertEqual(summary.stats(of: "testhost")?.failed, 1, output)
        XCTAssertTrue(output.contains("become_method: sudo"), output)
        XCTAssertTrue(output.contains("NOPASSWD"), output)
        XCTAssertFalse(output.contains("Pw-9x"), output)
        XCTAssertNil(contents("copied"))
        XCTAssertNil(contents("touched"))
    }
}
