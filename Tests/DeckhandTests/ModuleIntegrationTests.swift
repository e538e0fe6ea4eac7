import Foundation
import Jinja
import SSH
import XCTest
@testable import Deckhand

/// find, script, include_vars, uri, wait_for, get_url and fetch against the loopback host, through the runner:
/// a check run changes nothing, the first run does the work, the second changes nothing.
final class ModuleIntegrationTests: XCTestCase {
    private var base = ""
    private var workspace = ""
    private var server: Process?
    private var port = 0

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        base = "/tmp/deckhand-modules-\(UUID().uuidString)"
        workspace = NSTemporaryDirectory() + "deckhand-modules-ws-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: workspace + "/files", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: workspace + "/www", withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let server { stop(server) }
        _ = try? FileManager.default.removeItem(atPath: base)
        _ = try? FileManager.default.removeItem(atPath: workspace)
    }

    /// A throwaway HTTP server on 127.0.0.1 serving `www/` (the test's peer, not part of deckhand).
    private func startServer() throws {
        for attempt in 0..<5 {
            port = 20000 + Int.random(in: 0..<20000) + attempt
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", workspace + "/www"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            for _ in 0..<50 {
                if !process.isRunning { break }
                if serves(port) { server = process; return }
                usleep(100_000)
            }
            stop(process)
        }
        throw XCTSkip("could not start a local HTTP server")
    }

    /// SIGKILL: a child of the test process inherits its blocked SIGTERM, so terminate() would never end it.
    private func stop(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Whether the server answers yet (curl, as Foundation has no HTTP client on Linux without FoundationNetworking).
    private func serves(_ port: Int) -> Bool {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        probe.arguments = ["-sf", "-o", "/dev/null", "--max-time", "2", "http://127.0.0.1:\(port)/payload.txt"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }

    private func run(_ playbookPath: String, check: Bool = false) async throws -> (RunSummary, RecordingReporter) {
        try await LoopbackHost.run(playbookPath, extraVars: ["base": .string(base), "port": .int(port),
                                                            "fetched": .string(workspace + "/fetched")], check: check)
    }

    func testTheHostSideModulesDoTheirWorkOnceAndPredictItInCheckMode() async throws {
        try "hello from the web\n".write(toFile: workspace + "/www/payload.txt", atomically: true, encoding: .utf8)
        try startServer()
        try "#!/bin/sh\n# prints its arguments one per line, then leaves a mark\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$1/script ran\"\n"
            .write(toFile: workspace + "/files/mark.sh", atomically: true, encoding: .utf8)
        try "greeting: caf\u{e9} $(not run)\nworkers: 3\n".write(toFile: workspace + "/settings.yml", atomically: true, encoding: .utf8)
        try """
        - hosts: testhost
          gather_facts: false
          tasks:
            - file: { path: "{{ base }}/data/sub dir", state: directory }
            - copy: { content: "line one\\n", dest: "{{ base }}/data/it's a \\"log\\" $(x).log" }
            - copy: { content: "deep\\n", dest: "{{ base }}/data/sub dir/deep.log" }
            - name: find logs
              find: { paths: "{{ base }}/data", patterns: "*.log", recurse: yes }
              register: logs
            - name: script
              script: mark.sh "{{ base }}" "two words" '$(x) `y`'
              args: { creates: "{{ base }}/script ran" }
            - name: vars
              include_vars: { file: settings.yml, name: settings }
            - name: wait for the server
              wait_for: { port: "{{ port }}", timeout: 10 }
            - name: ask the server
              uri: { url: "http://127.0.0.1:{{ port }}/payload.txt", return_content: yes }
              register: answer
            - name: download
              get_url: { url: "http://127.0.0.1:{{ port }}/payload.txt", dest: "{{ base }}/payload.txt", mode: "0640" }
            - name: fetch back
              fetch: { src: "{{ base }}/data/sub dir/deep.log", dest: "{{ fetched }}/" }
            - name: report
              copy:
                dest: "{{ base }}/report"
                content: "{{ logs.matched }} {{ settings.workers }} {{ settings.greeting }} {{ answer.status }} {{ answer.content | trim }}\\n"
        """.write(toFile: workspace + "/site.yml", atomically: true, encoding: .utf8)

        let (checked, checkEvents) = try await run(workspace + "/site.yml", check: true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: base), "check mode created \(base)")
        XCTAssertEqual(checkEvents.results(ofTask: "download").first?.status, .changed, checkEvents.failureReport)
        XCTAssertEqual(checkEvents.results(ofTask: "ask the server").first?.status, .skipped)
        XCTAssertFalse(FileManager.default.fileExists(atPath: workspace + "/fetched"), "check mode fetched")
        _ = checked

        let (first, firstEvents) = try await run(workspace + "/site.yml")
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        XCTAssertEqual(try String(contentsOfFile: base + "/report", encoding: .utf8), "2 3 caf\u{e9} $(not run) 200 hello from the web\n")
        XCTAssertEqual(try String(contentsOfFile: base + "/script ran", encoding: .utf8), "\(base)\ntwo words\n$(x) `y`\n")
        XCTAssertEqual(try String(contentsOfFile: base + "/payload.txt", encoding: .utf8), "hello from the web\n")
        let mode = try FileManager.default.attributesOfItem(atPath: base + "/payload.txt")[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o640)
        XCTAssertEqual(try String(contentsOfFile: workspace + "/fetched/testhost\(base)/data/sub dir/deep.log", encoding: .utf8), "deep\n")
        for task in ["script", "download", "fetch back"] {
            XCTAssertEqual(firstEvents.results(ofTask: task).first?.status, .changed, task)
        }

        let (second, secondEvents) = try await run(workspace + "/site.yml")
        XCTAssertEqual(second.exitCode, 0, secondEvents.failureReport)
        XCTAssertEqual(second.stats(of: "testhost")?.changed, 0, "second run: \(String(describing: second.stats(of: "testhost")))")
    }

    /// The test host's PostgreSQL cluster (port 5433, peer login as postgres), when this machine has one.
    private func postgresPort() throws -> Int {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/bin/sh")
        probe.arguments = ["-c", "pg_lsclusters -h 2>/dev/null | awk '$4 == \"online\" { print $3; exit }'"]
        let pipe = Pipe()
        probe.standardOutput = pipe
        try probe.run()
        probe.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(text) else {
            let advice = "no PostgreSQL cluster is online here: run `testhost/webhost up` (make test does)"
            // make test brings one up: there, a missing cluster is a failure, not a reason to skip.
            if ProcessInfo.processInfo.environment["DECKHAND_WEBHOST_REQUIRED"] == "1" { XCTFail(advice) }
            throw XCTSkip(advice)
        }
        return port
    }

    func testPostgresqlDbCreatesOnceDumpsRestoresAndDrops() async throws {
        let pgPort = try postgresPort()
        let name = "dh_test \(UUID().uuidString.prefix(8)) 'q'"
        try """
        - hosts: testhost
          gather_facts: false
          become: yes
          become_user: postgres
          vars: { db: "\(name)", copy: "\(name) copy", pg: \(pgPort) }
          tasks:
            - name: database
              postgresql_db: { name: "{{ db }}", port: "{{ pg }}", encoding: UTF-8 }
        """.write(toFile: workspace + "/db.yml", atomically: true, encoding: .utf8)
        try """
        - hosts: testhost
          gather_facts: false
          become: yes
          become_user: postgres
          vars: { db: "\(name)", copy: "\(name) copy", pg: \(pgPort), target: "/tmp/\(UUID().uuidString).dump" }
          tasks:
            - name: dump
              postgresql_db: { name: "{{ db }}", port: "{{ pg }}", state: dump, target: "{{ target }}" }
            - name: restore
              postgresql_db: { name: "{{ copy }}", port: "{{ pg }}", state: restore, target: "{{ target }}" }
            - name: copy exists
              postgresql_db: { name: "{{ copy }}", port: "{{ pg }}" }
            - name: drop
              postgresql_db: { name: "{{ item }}", port: "{{ pg }}", state: absent }
              loop: ["{{ db }}", "{{ copy }}"]
            - name: drop again
              postgresql_db: { name: "{{ db }}", port: "{{ pg }}", state: absent }
            - file: { path: "{{ target }}", state: absent }
        """.write(toFile: workspace + "/dump.yml", atomically: true, encoding: .utf8)

        let (_, checkEvents) = try await run(workspace + "/db.yml", check: true)
        XCTAssertEqual(checkEvents.results(ofTask: "database").first?.status, .changed, checkEvents.failureReport)
        let (first, firstEvents) = try await run(workspace + "/db.yml")
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        XCTAssertEqual(firstEvents.results(ofTask: "database").first?.status, .changed, "check mode must not have created it")
        let (second, secondEvents) = try await run(workspace + "/db.yml")
        XCTAssertEqual(second.exitCode, 0, secondEvents.failureReport)
        XCTAssertEqual(secondEvents.results(ofTask: "database").first?.status, .ok)
        let (dump, dumpEvents) = try await run(workspace + "/dump.yml")
        XCTAssertEqual(dump.exitCode, 0, dumpEvents.failureReport)
        XCTAssertEqual(dumpEvents.results(ofTask: "copy exists").first?.status, .ok, "restore created the copy")
        XCTAssertEqual(dumpEvents.results(ofTask: "drop again").first?.status, .ok)
    }

    func testWaitForReadsAPortsGreeting() async throws {
        // The test host's sshd listens on 127.0.0.1:22022 and greets with its version line.
        let banner = try WaitForModule.make(["port": .int(22022), "search_regex": .string("^SSH-2\\.0"), "timeout": .int(5)])
        let probe = try await LocalConnection().run(try XCTUnwrap(banner.probe(ModuleContext())))
        let plan = try banner.plan(probe, ModuleContext())
        XCTAssertFalse(plan.result.failed, plan.result.msg ?? "")
        let wrong = try WaitForModule.make(["port": .int(22022), "search_regex": .string("^HTTP/"), "timeout": .int(1)])
        let refused = try wrong.plan(try await LocalConnection().run(try XCTUnwrap(wrong.probe(ModuleContext()))), ModuleContext())
        XCTAssertTrue(refused.result.failed, "sshd never says HTTP/")
    }
}
