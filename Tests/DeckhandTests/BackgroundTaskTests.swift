import Foundation
import XCTest
@testable import Deckhand

/// A task that starts a process in the background ends when its command exits, as with ansible-playbook
/// (2.7 s for these), instead of waiting for the process (issue 13: 45 s, and a started server never let go).
final class BackgroundTaskTests: XCTestCase {
    private var base = ""

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        base = "/tmp/deckhand-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o777])
        // A "server" that notes its pid and then just stays.
        try "#!/bin/sh\necho $$ > \(base)/server.pid\nexec sleep 25\n"
            .write(toFile: base + "/server", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: base + "/server")
    }

    override func tearDown() {
        if let text = try? String(contentsOfFile: base + "/server.pid", encoding: .utf8),
           let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGTERM)
        }
        try? FileManager.default.removeItem(atPath: base)
    }

    func testTasksThatLeaveASleepOrAServerRunningEndWhenTheirCommandExits() async throws {
        let playbook = base + "/site.yml"
        try """
            - hosts: testhost
              gather_facts: false
              tasks:
                - shell: "sleep 25 &"
                - shell: "cd \(base) && nohup ./server >/dev/null 2>&1 &"
                - shell: "seq 1 3000; echo done >&2; sleep 25 >/dev/null &"
                  register: last
                - copy: { content: "{{ last.stdout_lines | length }} {{ last.stderr }}", dest: "\(base)/seen" }
            """.write(toFile: playbook, atomically: true, encoding: .utf8)
        let started = Date()
        let (summary, reporter) = try await LoopbackHost.run(playbook)
        let seconds = Date().timeIntervalSince(started)
        print("three tasks leaving processes in the background took \(String(format: "%.2f", seconds)) s")
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        XCTAssertLessThan(seconds, 5, "no task waited for the process it left running")
        XCTAssertEqual(try String(contentsOfFile: base + "/seen", encoding: .utf8), "3000 done",
                       "the output written before the exit is all there")
        XCTAssertTrue(FileManager.default.fileExists(atPath: base + "/server.pid"), "the server was started")
    }
}
