import Foundation
import XCTest

/// A run never hangs on a host: a connection that dies silently is noticed by keepalives and the host is
/// reported unreachable with the task it was on; `timeout:` ends a task that runs too long, as in Ansible.
final class DeadConnectionTests: XCTestCase {
    private var folder = ""
    private var base = ""

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        folder = NSTemporaryDirectory() + "deckhand-dead-\(UUID().uuidString)"
        base = "/tmp/deckhand-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o777])
        try "[web]\ntesthost\n".write(toFile: folder + "/hosts.ini", atomically: true, encoding: .utf8)
        // The shared test host's ssh config, with keepalives every second and two of them allowed to go unanswered.
        let shared = try String(contentsOfFile: LoopbackHost.directory + "/ssh_config", encoding: .utf8)
        try (shared + "\nHost *\n    ServerAliveInterval 1\n    ServerAliveCountMax 2\n")
            .write(toFile: folder + "/ssh_config", atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
        try? FileManager.default.removeItem(atPath: base)
    }

    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
    }

    func testAHostThatFreezesMidTaskIsUnreachableNamingTheTask() throws {
        try write("site.yml", """
            - hosts: web
              gather_facts: false
              tasks:
                - name: note the sshd serving this run
                  shell: >-
                    p=$$; while [ "$p" -gt 1 ] && [ "$(cat /proc/$p/comm)" != sshd ]; do p=$(cut -d' ' -f4 /proc/$p/stat); done;
                    echo $p > \(base)/sshd.pid
                - name: wait for the database
                  command: sleep 30
                - name: never reached
                  command: "true"
            """)
        let process = Process()
        process.executableURL = try DeckhandBinary.executable()
        process.arguments = ["run", "site.yml", "-i", "hosts.ini", "-F", "ssh_config"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()

        var sshd: Int32?
        let deadline = Date().addingTimeInterval(60)
        while sshd == nil && process.isRunning && Date() < deadline {
            usleep(50_000)
            sshd = (try? String(contentsOfFile: base + "/sshd.pid", encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        let frozen = try XCTUnwrap(sshd, "the first task noted the sshd")
        usleep(1_000_000)  // the sleep is under way
        // The host stops answering without closing anything: no FIN, no RST, as when a network goes away.
        kill(frozen, SIGSTOP)
        defer { kill(frozen, SIGKILL); kill(frozen, SIGCONT) }
        let started = Date()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(started)
        print("a frozen host was reported unreachable after \(String(format: "%.1f", seconds)) s")
        XCTAssertEqual(process.terminationStatus, 4, output)
        XCTAssertLessThan(seconds, 15, "keepalives, not the 30 s of the command, ended the task")
        XCTAssertTrue(output.contains("unreachable: [testhost]"), output)
        XCTAssertTrue(output.contains("during task 'wait for the database'"), output)
        XCTAssertFalse(output.contains("never reached"), output)
    }

    func testATaskTimeoutFailsTheTaskWithAnsiblesMessage() throws {
        try write("site.yml", """
            - hosts: web
              gather_facts: false
              tasks:
                - block:
                    - command: sleep 20
                      ignore_errors: true
                      register: slow
                    - shell: echo quick
                      register: quick
                  timeout: "{{ 1 + 1 }}"
                - command: "true"
                  timeout: 100000001
                  ignore_errors: true
                  register: invalid
                - copy:
                    dest: \(base)/outcome
                    content: "{{ slow.failed }} {{ slow is timedout }} {{ slow.timedout.period }} {{ slow.msg }} / {{ quick is timedout }} {{ quick.stdout }} / {{ invalid is failed }} {{ invalid.msg }}"
            """)
        let started = Date()
        let run = try DeckhandBinary.run(["run", "site.yml", "-i", "hosts.ini", "-F", "ssh_config"], in: folder)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, "the sleep was cut short")
        XCTAssertEqual(try String(contentsOfFile: base + "/outcome", encoding: .utf8),
                       "True True 2 Task failed: Timed out after 2 second(s). / False quick / True "
                       + "Task failed: Timeout 100000001 is invalid, it must be between 0 and 100000000.")
    }
}
