import Foundation
import OrderedCollections
import XCTest
@testable import Deckhand

/// Secrets stay off the host's process list and out of `--diff`; template files are checked before a host
/// is touched.
final class SecretOutputTests: XCTestCase {
    private var base = ""
    private var folder = ""

    override func setUpWithError() throws {
        base = "/tmp/deckhand-secrets-\(UUID().uuidString)"
        folder = NSTemporaryDirectory() + "deckhand-secrets-pb-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/templates", withIntermediateDirectories: true)
        try "[web]\ntesthost ansible_host=127.0.0.1\n".write(toFile: folder + "/hosts.ini", atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: base)
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func write(_ name: String, _ text: String) throws {
        try text.replacingOccurrences(of: "@BASE@", with: base)
            .write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
    }

    private func contents(_ name: String) -> String? {
        try? String(contentsOfFile: base + "/" + name, encoding: .utf8)
    }

    // MARK: environment values and the process list

    func testEnvironmentTravelsOnStdinAheadOfTheCommandsOwnInput() async throws {
        let value = "line one\nit's \"two\" $(touch PWNED) `x` \\n\n\n"
        let command = ShellCommand.script("printf '%s|%s|' \"$A\" \"$B\"; cat")
            .withEnvironment(["A": value, "B": "b"]).inDirectory("/tmp")
        XCTAssertFalse(command.rendered.contains("line one"), command.rendered)
        let result = try await LocalConnection().run(command, stdin: Data("own input\n".utf8))
        XCTAssertEqual(result.stdoutText, value + "|b|own input\n", result.stderrText)
        let inner = ShellCommand("sh", "-c", "printf %s \"$C\"").withEnvironment(["C": "inner"]).withEnvironment(["C": "outer"])
        let wins = try await LocalConnection().run(inner)
        XCTAssertEqual(wins.stdoutText, "inner", "the command's own variable wins over the task's, as with env")
    }

    func testAnEnvironmentNameTheShellCannotExportIsRefusedWithItsName() async throws {
        do {
            _ = try await LocalConnection().run(ShellCommand("true").withEnvironment(["NO;T": "x"]))
            XCTFail("a bad name was sent")
        } catch let refusal as CommandRefusal {
            XCTAssertTrue(refusal.description.contains("'NO;T'"), refusal.description)
        }
    }

    func testEnvironmentValuesAreNotOnTheHostsProcessListAndTheCommandStillSeesThemAndItsStdin() async throws {
        try LoopbackHost.requireUp()
        let secret = "s3cr3t-\(UUID().uuidString)"
        try write("site.yml", """
            - hosts: testhost
              gather_facts: false
              tasks:
                - file: { path: "@BASE@", state: directory, mode: "0777" }
                - shell: sleep 2; printf '%s' "$SECRET" > @BASE@/seen; cat > @BASE@/stdin
                  args: { stdin: "the task's own input" }
                  environment: { SECRET: "{{ secret }}", OTHER: "it's \\"quoted\\"\\nand two lines" }
                - shell: sleep 1.5; printf '%s|%s' "$SECRET" "$(id -un)" > @BASE@/seen-as-root
                  environment: { SECRET: "{{ secret }}" }
                  become: true
            """)
        let processList = ProcessListWatch()
        processList.start()
        let (summary, events) = try await LoopbackHost.run(folder + "/site.yml", inventory: LoopbackHost.inventoryText
            .replacingOccurrences(of: "testhost2 ansible_host=127.0.0.2\n", with: ""), extraVars: ["secret": .string(secret)])
        let lines = processList.stop()
        XCTAssertEqual(summary.exitCode, 0, events.failureReport)
        XCTAssertTrue(lines.contains { $0.contains("sleep 2") }, "the watch saw the command run")
        XCTAssertTrue(lines.contains { $0.contains("sleep 1.5") }, "the watch saw the become command run")
        XCTAssertEqual(lines.filter { $0.contains(secret) }, [], "the secret is on the host's process list")
        XCTAssertEqual(contents("seen"), secret)
        let reported = events.events.map { "\($0)" }.joined(separator: "\n")
        XCTAssertTrue(reported.contains("(environment on stdin: OTHER SECRET)"), "-vv names the variables: \(reported)")
        XCTAssertFalse(reported.contains(secret), "the run's output shows the value")
        XCTAssertEqual(contents("stdin"), "the task's own input\n")
        XCTAssertEqual(contents("seen-as-root"), secret + "|root")
    }

    // MARK: no_log and --diff

    func testDiffOfANoLogTemplateSaysItChangedAndHidesTheText() throws {
        try LoopbackHost.requireUp()
        let secret = "sk-\(UUID().uuidString)"
        try write("templates/env.j2", "export SECRET_KEY={{ secret_key | quote }}\n")
        try write("templates/visible.j2", "visible-text\n")
        try write("site.yml", """
            - hosts: testhost
              gather_facts: false
              tasks:
                - name: Write the app's environment
                  template: { src: env.j2, dest: "@BASE@/env" }
                  no_log: true
                - name: Write a plain file
                  template: { src: visible.j2, dest: "@BASE@/visible" }
            """)
        let result = try DeckhandBinary.run(["run", "site.yml", "-i", "hosts.ini", "-F", LoopbackHost.sshConfig,
                                             "--check", "--diff", "-vv", "-e", "secret_key=\(secret)"], in: folder)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("diff hidden: no_log"), result.stdout)
        XCTAssertTrue(result.stdout.contains("+++ \(base)/env"), "the diff names the file: \(result.stdout)")
        XCTAssertTrue(result.stdout.contains("+visible-text"), "other diffs are shown: \(result.stdout)")
        XCTAssertFalse((result.stdout + result.stderr).contains(secret), result.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: base), "check mode changed the host")
    }

    func testTheBuiltInTasksThatWriteSecretsAreNoLog() throws {
        for playbook in ["provision.yml", "deploy.yml"] {
            let loaded = try PlaybookLoader().loadPlaybook(at: BuiltInVerbTests.playbooks + "/" + playbook)
            let secretTasks = tasks(in: loaded).filter { task in
                guard case .module(let call) = task.action, case .dict(let arguments) = call.arguments else { return false }
                if call.name == "template", case .string(let source)? = arguments["src"] {
                    return source.hasSuffix("postactivate.j2")
                }
                return task.keywords.environment.map { "\($0)".contains("database_url") } ?? false
            }
            XCTAssertFalse(secretTasks.isEmpty, "\(playbook) writes postactivate or uses database_url")
            for task in secretTasks {
                XCTAssertEqual(task.keywords.noLog, .literal(true), "\(playbook): '\(task.displayName)' carries secrets")
            }
        }
    }

    private func tasks(in playbook: Playbook) -> [PlaybookTask] {
        var found: [PlaybookTask] = []
        func walk(_ items: [TaskItem]) {
            for item in items {
                switch item {
                case .task(let task): found.append(task)
                case .block(let block): walk(block.block); walk(block.rescue); walk(block.always)
                }
            }
        }
        for play in playbook.plays {
            walk(play.preTasks); walk(play.tasks); walk(play.postTasks)
            walk(play.handlers.map { .task($0.task) })
        }
        return found
    }

    // MARK: template files checked before any host is touched

    func testATemplateWithAnUnknownFilterStopsThePlaybookBeforeTheFirstTaskRuns() throws {
        try write("templates/bad.j2", "line one\n{{ x | nosuchfilter }}\n")
        try write("templates/broken.j2", "{% for x in %}\n")
        try write("site.yml", """
            - hosts: testhost
              gather_facts: false
              tasks:
                - copy: { content: "first\\n", dest: "@BASE@-first" }
                - name: Render the page
                  template: { src: bad.j2, dest: "@BASE@-second" }
                - name: Show a template
                  debug: { msg: "{{ lookup('template', 'broken.j2') }}" }
            """)
        let result = try DeckhandBinary.run(["run", "site.yml", "-i", "hosts.ini", "-F", LoopbackHost.sshConfig], in: folder)
        XCTAssertEqual(result.status, 5, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("templates/bad.j2:2"), result.stderr)
        XCTAssertTrue(result.stderr.contains("nosuchfilter"), result.stderr)
        XCTAssertTrue(result.stderr.contains("Render the page"), result.stderr)
        XCTAssertTrue(result.stderr.contains("templates/broken.j2:1"), result.stderr)
        XCTAssertTrue(result.stderr.contains("site.yml:6"), "the task's place: \(result.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: base + "-first"), "the first task ran")
    }

    func testAFilterUsedOnlyInsideAnIfIsLeftForTheRunAsJinjaDoes() throws {
        try write("templates/guarded.j2", "{% if false %}{{ x | nosuchfilter }}{% endif %}ok\n")
        try write("site.yml", """
            - hosts: localhost
              connection: local
              gather_facts: false
              tasks:
                - template: { src: guarded.j2, dest: "@BASE@-guarded" }
            """)
        XCTAssertNoThrow(try PlaybookLoader().loadPlaybook(at: folder + "/site.yml"))
    }
}

/// Reads `ps -eo args` on this machine (the loopback host) every 50 ms until stopped.
private final class ProcessListWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: Set<String> = []
    private var running = true
    private var thread: Thread?

    func start() {
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/ps")
                process.arguments = ["-eo", "args"]
                let out = Pipe()
                process.standardOutput = out
                guard (try? process.run()) != nil else { return }
                let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                lock.withLock { lines.formUnion(text.split(separator: "\n").map(String.init)) }
                usleep(50_000)
            }
        }
        self.thread = thread
        thread.start()
    }

    func stop() -> [String] {
        lock.withLock { running = false }
        usleep(120_000)
        return lock.withLock { Array(lines) }
    }
}
