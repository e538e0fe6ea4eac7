import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// The modules no other integration test drives over SSH — raw, slurp, setup, set_fact, assert, fail, pause,
/// group, hostname, add_host, group_by — run on the loopback host in --check --diff, then twice.
final class ControlModuleIntegrationTests: XCTestCase {
    private var base = ""
    private var workspace = ""
    private let group = "dh-test-\(UInt32.random(in: 0..<UInt32.max))"

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        base = "/tmp/deckhand-control-\(UUID().uuidString)"
        workspace = NSTemporaryDirectory() + "deckhand-control-ws-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
    }

    override func tearDown() {
        _ = try? FileManager.default.removeItem(atPath: base)
        _ = try? FileManager.default.removeItem(atPath: workspace)
        let cleanup = Process()
        cleanup.executableURL = URL(fileURLWithPath: "/usr/sbin/groupdel")
        cleanup.arguments = [group]
        cleanup.standardError = FileHandle.nullDevice
        try? cleanup.run()
        cleanup.waitUntilExit()
    }

    private func currentHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(cString: buffer)
    }

    func testControlAndSystemModulesPredictInCheckModeThenChangeOnce() async throws {
        let playbook = workspace + "/site.yml"
        try """
            - hosts: testhost
              gather_facts: true
              tasks:
                - name: raw
                  raw: test -e "{{ base }}/note" || { mkdir -p "{{ base }}" && printf 'caf\\303\\251 $(x)\\n' > "{{ base }}/note"; }
                  changed_when: false
                - name: slurp
                  slurp: { src: "{{ base }}/note" }
                  register: note
                  ignore_errors: "{{ ansible_check_mode }}"
                - name: remember
                  set_fact:
                    note_text: "{{ (note.content | b64decode) if note.content is defined else 'café $(x)\\n' }}"
                - name: facts and the note agree
                  assert:
                    that:
                      - ansible_distribution in ['Debian', 'Ubuntu']
                      - ansible_user_id == 'deckhand'
                      - note_text == 'café $(x)\\n'
                    success_msg: "facts read"
                - name: pause
                  pause: { seconds: 1 }
                - name: a group
                  group: { name: "{{ group }}", system: true }
                  become: true
                - name: the same name
                  hostname: { name: "{{ current_hostname }}" }
                  become: true
                  check_mode: true
                - name: another name
                  hostname: { name: "deckhand-renamed" }
                  become: true
                  check_mode: true
                - name: fail on purpose
                  fail: { msg: "stopped by {{ inventory_hostname }}" }
                  ignore_errors: true
                - name: group by distribution
                  group_by: { key: "os_{{ ansible_distribution | lower }}" }
                - name: add the second address
                  add_host: { name: testhost2, groups: second }
            - hosts: os_debian:os_ubuntu:second
              gather_facts: false
              tasks:
                - name: in the new groups
                  command: "true"
                  changed_when: false
            """.write(toFile: playbook, atomically: true, encoding: .utf8)
        let vars: OrderedDictionary<String, Value> = ["base": .string(base), "group": .string(group),
                                                      "current_hostname": .string(currentHostname())]

        let (checked, checkEvents) = try await LoopbackHost.run(playbook, extraVars: vars, check: true, diff: true)
        XCTAssertEqual(checked.exitCode, 0, checkEvents.failureReport)
        XCTAssertFalse(FileManager.default.fileExists(atPath: base), "check mode ran raw")
        XCTAssertNil(getgrnam(group), "check mode created the group")
        XCTAssertEqual(checkEvents.results(ofTask: "a group").first?.status, .changed, "the group is predicted")
        XCTAssertEqual(checkEvents.results(ofTask: "the same name").first?.status, .ok)
        let rename = try XCTUnwrap(checkEvents.results(ofTask: "another name").first)
        XCTAssertEqual(rename.status, .changed)
        XCTAssertEqual(.string(currentHostname()), vars["current_hostname"], "check mode renamed the host")
        XCTAssertFalse(checkEvents.results(ofTask: "a group").first?.diffs.isEmpty ?? true, "--diff shows the group's before/after")

        let (first, firstEvents) = try await LoopbackHost.run(playbook, extraVars: vars)
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        XCTAssertNotNil(getgrnam(group), "the group exists")
        XCTAssertEqual(try String(contentsOfFile: base + "/note", encoding: .utf8), "caf\u{e9} $(x)\n")
        XCTAssertEqual(firstEvents.results(ofTask: "fail on purpose").first?.result["msg"], .string("stopped by testhost"))
        XCTAssertEqual(firstEvents.results(ofTask: "in the new groups").map(\.host), ["testhost", "testhost2"])
        XCTAssertEqual(firstEvents.results(ofTask: "a group").first?.status, .changed)

        let (second, secondEvents) = try await LoopbackHost.run(playbook, extraVars: vars)
        XCTAssertEqual(second.exitCode, 0, secondEvents.failureReport)
        XCTAssertEqual(secondEvents.results(ofTask: "a group").first?.status, .ok, "the second run finds the group")
        XCTAssertEqual(secondEvents.results(ofTask: "raw").first?.status, .ok)
    }
}
