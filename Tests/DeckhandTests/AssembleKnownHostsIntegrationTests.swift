import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// assemble and known_hosts against the loopback host: a check run predicts the change and leaves the host
/// alone, the real run makes it, the next run finds nothing to do.
final class AssembleKnownHostsIntegrationTests: XCTestCase {
    private var base = ""
    private var workspace = ""
    private let key = "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFp8VtD59XAcxkj1qbfCtB1in9nm5WiipORjtVJUBA6I"

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        base = "/tmp/deckhand-assemble-\(UUID().uuidString) 'q'"
        workspace = NSTemporaryDirectory() + "deckhand-assemble-ws-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: workspace + "/files/parts", withIntermediateDirectories: true)
        try "from the controller\n".write(toFile: workspace + "/files/parts/20-b.conf", atomically: true, encoding: .utf8)
        try "first".write(toFile: workspace + "/files/parts/10-a.conf", atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        _ = try? FileManager.default.removeItem(atPath: base)
        _ = try? FileManager.default.removeItem(atPath: workspace)
    }

    private func play(_ tasks: String, check: Bool = false) async throws -> RecordingReporter {
        let path = workspace + "/site-\(UUID().uuidString).yml"
        try ("- hosts: testhost\n  gather_facts: false\n  tasks:\n" + tasks).write(toFile: path, atomically: true, encoding: .utf8)
        let (summary, events) = try await LoopbackHost.run(path, extraVars: ["base": .string(base), "key": .string(key)], check: check)
        XCTAssertEqual(summary.exitCode, 0, events.failureReport)
        return events
    }

    func testAssembleAndKnownHostsChangeOnceThenAreOk() async throws {
        _ = try await play("""
            - file: { path: "{{ base }}/conf.d", state: directory }
            - copy: { dest: "{{ base }}/conf.d/b $(x).conf", content: "bee\\n" }
            - copy: { dest: "{{ base }}/conf.d/a.conf", content: "ay" }
            - copy: { dest: "{{ base }}/known_hosts", content: "example.com ssh-rsa AAAAB3NzaC1yc2E=\\n" }
        """)
        let tasks = """
            - name: from the host
              assemble: { src: "{{ base }}/conf.d", dest: "{{ base }}/site.conf", delimiter: "# --" }
            - name: from the controller
              assemble: { src: parts/, dest: "{{ base }}/controller.conf", remote_src: false }
              diff: true
              register: assembled
            - assert: { that: ["assembled.diff.after == 'first\\nfrom the controller\\n'"] }
              when: assembled is changed
            - name: trust git
              known_hosts: { path: "{{ base }}/known_hosts", name: git.example.com, key: "{{ key }}", hash_host: true }
              register: trusted
            - assert: { that: ["trusted.diff.before_header == base ~ '/known_hosts'"] }
        """
        let names = ["from the host", "from the controller", "trust git"]
        let checked = try await play(tasks, check: true)
        XCTAssertEqual(names.map { checked.results(ofTask: $0).first?.status }, [.changed, .changed, .changed])
        XCTAssertFalse(FileManager.default.fileExists(atPath: base + "/site.conf"), "a check run writes nothing")
        XCTAssertEqual(try String(contentsOfFile: base + "/known_hosts", encoding: .utf8), "example.com ssh-rsa AAAAB3NzaC1yc2E=\n")

        let made = try await play(tasks)
        XCTAssertEqual(names.map { made.results(ofTask: $0).first?.status }, [.changed, .changed, .changed])
        XCTAssertEqual(try String(contentsOfFile: base + "/site.conf", encoding: .utf8), "ay\n# --\nbee\n")
        XCTAssertEqual(try String(contentsOfFile: base + "/controller.conf", encoding: .utf8), "first\nfrom the controller\n")
        let lines = try String(contentsOfFile: base + "/known_hosts", encoding: .utf8).splitLines
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[1].hasPrefix("|1|") && lines[1].hasSuffix(key.split(separator: " ").last.map(String.init) ?? "-"))
        let found = LoopbackHost.shell("ssh-keygen -F git.example.com -f '\(base.replacingOccurrences(of: "'", with: "'\\''"))/known_hosts'")
        XCTAssertTrue(found.contains("found: line 2"), "ssh finds the hashed entry: \(found)")

        let again = try await play(tasks)
        XCTAssertEqual(names.map { again.results(ofTask: $0).first?.status }, [.ok, .ok, .ok])
    }

    func testKnownHostsPathStartingWithATildeIsInTheLoginUsersHome() async throws {
        let name = ".deckhand-known-hosts-\(UUID().uuidString)"
        let events = try await play("""
            - name: trust git
              known_hosts: { path: "~/\(name)", name: git.example.com, key: "{{ key }}" }
              register: trusted
            - command: { argv: [cat, "{{ trusted.path }}"] }
              register: written
            - file: { path: "{{ trusted.path }}", state: absent }
            - assert:
                that:
                  - trusted.path is not search('~') and trusted.path.endswith('/\(name)')
                  - written.stdout == key
        """)
        XCTAssertEqual(events.results(ofTask: "trust git").first?.status, .changed)
    }
}
