import Foundation
import Jinja
import OrderedCollections
import SSH
import XCTest
@testable import Deckhand

/// The loopback test host (testhost/testhost) as an inventory of two hosts, reached over real SSH.
extension RecordingReporter {
    /// Every failed or unreachable host result, one line each: the message of a failing test.
    var failureReport: String {
        events.compactMap { event -> String? in
            if case .hostResult(let task, let result) = event, result.status == .failed || result.status == .unreachable {
                return "\(task.name) on \(result.host): \(Value.dict(result.result).jsonText)"
            }
            return nil
        }.joined(separator: "\n")
    }
}

enum LoopbackHost {
    /// What `script` prints run by /bin/sh on this machine (the loopback host itself), trimmed; stderr dropped.
    /// For a test that sets up or inspects the host beside deckhand.
    @discardableResult
    static func shell(_ script: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try? process.run()
        process.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static let directory: String = {
        if let configured = ProcessInfo.processInfo.environment["DECKHAND_TESTHOST_DIR"], !configured.isEmpty {
            return configured
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".testhost").path
    }()

    static func requireUp(file: StaticString = #filePath, line: UInt = #line) throws {
        guard let text = try? String(contentsOfFile: directory + "/sshd.pid", encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0 else {
            XCTFail("the loopback test host is not up in \(directory): run `make testhost-up`", file: file, line: line)
            throw XCTSkip("test host down")
        }
    }

    /// testhost is 127.0.0.1, testhost2 127.0.0.2; both log in as `deckhand` with the test host's key.
    static let inventoryText = """
        [web]
        testhost ansible_host=127.0.0.1
        testhost2 ansible_host=127.0.0.2

        [web:vars]
        ansible_port=22022
        ansible_user=deckhand
        """

    /// Runs the playbook at `path` over `inventoryText`'s hosts, with `extraVars`, as `deckhand run` would.
    static func run(_ path: String, inventory inventoryText: String = inventoryText,
                    extraVars: OrderedDictionary<String, Value> = [:], check: Bool = false, diff: Bool = false,
                    configure: (inout RunOptions) -> Void = { _ in }) async throws -> (RunSummary, RecordingReporter) {
        let inventoryPath = NSTemporaryDirectory() + "deckhand-inventory-\(UUID().uuidString).ini"
        try inventoryText.write(toFile: inventoryPath, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: inventoryPath) }
        let loader = PlaybookLoader()
        let playbook = try loader.loadPlaybook(at: path)
        var inventory = try Inventory.load(from: [inventoryPath])
        try inventory.loadPlaybookVariables(directory: playbook.directory)
        var options = RunOptions()
        options.loader = loader
        options.checkMode = check
        options.diffMode = diff
        options.extraVars = extraVars
        configure(&options)
        let reporter = RecordingReporter()
        let runner = PlaybookRunner(inventory: inventory, options: options, pool: try pool(), reporter: reporter)
        return (await runner.run(playbook), reporter)
    }

    /// The engine's own way to the test host: an ssh config naming its key and known_hosts for both addresses.
    static func pool() throws -> ConnectionPool {
        ConnectionPool(connector: try HostConnector(settings: ConnectionSettings(sshConfigFile: sshConfig)))
    }

    static let sshConfig: String = {
        let path = NSTemporaryDirectory() + "deckhand-ssh-config-\(UUID().uuidString)"
        try? """
            Host 127.0.0.1 127.0.0.2
                Port 22022
                User deckhand
                IdentityFile \(directory)/client/id_ed25519
                IdentitiesOnly yes
                UserKnownHostsFile \(directory)/client/known_hosts
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()
}

final class PlaybookIntegrationTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    private var base = ""
    private var inventoryPath = ""

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        base = "/tmp/deckhand-test-\(UUID().uuidString)"
        inventoryPath = NSTemporaryDirectory() + "deckhand-inventory-\(UUID().uuidString).ini"
        try LoopbackHost.inventoryText.write(toFile: inventoryPath, atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        // The test host is this machine: the per-test folder is removed directly.
        _ = try? FileManager.default.removeItem(atPath: base)
        _ = try? FileManager.default.removeItem(atPath: inventoryPath)
    }

    private func run(_ playbookPath: String, check: Bool = false, diff: Bool = false,
                     forceHandlers: Bool = true, becomePassword: String? = nil) async throws -> (RunSummary, RecordingReporter) {
        let inventory = try String(contentsOfFile: inventoryPath, encoding: .utf8)
        return try await LoopbackHost.run(playbookPath, inventory: inventory, extraVars: ["base": .string(base)],
                                          check: check, diff: diff) { options in
            options.forceHandlers = forceHandlers
            options.becomePassword = becomePassword
        }
    }

    func testARoleWithHandlersBlocksAndLoopsChangesNothingTheSecondTime() async throws {
        let site = Self.fixtures + "/webapp/site.yml"
        let (first, firstEvents) = try await run(site)
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        for host in ["testhost", "testhost2"] {
            let stats = try XCTUnwrap(first.stats(of: host))
            XCTAssertGreaterThan(stats.changed, 5, "\(host): \(stats)")
            XCTAssertEqual(stats.rescued, 1, "the missing override is rescued")
            XCTAssertEqual(stats.failed, 0)
        }
        let app = base + "/testhost/demo"
        let config = try String(contentsOfFile: app + "/conf/app.conf", encoding: .utf8)
        XCTAssertTrue(config.contains("bind = \"127.0.0.1:8000\""), config)
        XCTAssertTrue(config.contains("dir.logs = \(app)/logs"), config)
        XCTAssertEqual(try String(contentsOfFile: app + "/conf/env", encoding: .utf8), "PORT=8000\n")
        let secret = try FileManager.default.attributesOfItem(atPath: app + "/conf/secret")
        XCTAssertEqual(secret[.ownerAccountName] as? String, "root", "become wrote it as root")
        XCTAssertEqual((secret[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try String(contentsOfFile: app + "/restarts", encoding: .utf8), "restart\n",
                       "notified twice, the handler ran once")
        XCTAssertEqual(try String(contentsOfFile: app + "/reloads", encoding: .utf8), "reload\n", "reached through listen")
        XCTAssertTrue(FileManager.default.fileExists(atPath: base + "/testhost2/demo/conf/app.conf"))
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: app + "/current"), app + "/releases")

        let (second, secondEvents) = try await run(site)
        XCTAssertEqual(second.exitCode, 0, secondEvents.failureReport)
        XCTAssertEqual(second.stats(of: "testhost")?.changed, 0, "second run: \(String(describing: second.stats(of: "testhost")))")
        XCTAssertEqual(second.stats(of: "testhost2")?.changed, 0)
        XCTAssertEqual(try String(contentsOfFile: app + "/restarts", encoding: .utf8), "restart\n",
                       "no handler runs when nothing changed")
    }

    func testAHostAddedDuringTheRunIsReachedOverSSHByTheNextPlay() async throws {
        let playbook = NSTemporaryDirectory() + "deckhand-add-host-\(UUID().uuidString).yml"
        try """
            - hosts: testhost
              gather_facts: false
              tasks:
                - add_host: { name: late, groups: late_web, ansible_host: 127.0.0.2, ansible_port: 22022, ansible_user: deckhand }
            - hosts: late_web
              gather_facts: false
              tasks:
                - name: where am I
                  command: sh -c 'echo "$SSH_CONNECTION"'
            """.write(toFile: playbook, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: playbook) }
        let (summary, events) = try await run(playbook)
        XCTAssertEqual(summary.exitCode, 0, events.failureReport)
        let answer = try XCTUnwrap(events.results(ofTask: "where am I").first)
        XCTAssertEqual(answer.host, "late")
        guard case .string(let connection)? = answer.result["stdout"] else { return XCTFail("no stdout") }
        XCTAssertEqual(connection.split(separator: " ").dropFirst(2).first, "127.0.0.2", "the new host's own address was used")
    }

    func testCheckModeChangesNothingOnTheHost() async throws {
        let (summary, events) = try await run(Self.fixtures + "/webapp/site.yml", check: true, diff: true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: base), "check mode created \(base)")
        XCTAssertGreaterThan(summary.stats(of: "testhost")?.changed ?? 0, 0, "check mode predicts changes")
        let template = events.results(ofTask: "webapp : app config").first
        XCTAssertEqual(template?.status, .changed)
        XCTAssertTrue(template?.diffs.first?.after.contains("bind = \"127.0.0.1:8000\"") ?? false)
    }

    func testAFailingTaskStillRunsTheNotifiedHandlersOnTheHost() async throws {
        let directory = NSTemporaryDirectory() + "deckhand-failing-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        - hosts: testhost
          gather_facts: false
          tasks:
            - file: { path: "{{ base }}", state: directory }
            - name: new config
              copy: { content: "v2\\n", dest: "{{ base }}/config" }
              notify: reload service
            - name: migration fails
              shell: echo "relation does not exist" >&2; exit 3
          handlers:
            - name: reload service
              copy: { content: "reloaded\\n", dest: "{{ base }}/reloaded" }
        """.write(toFile: directory + "/site.yml", atomically: true, encoding: .utf8)
        let (summary, events) = try await run(directory + "/site.yml")
        XCTAssertEqual(summary.exitCode, 2)
        XCTAssertEqual(try String(contentsOfFile: base + "/reloaded", encoding: .utf8), "reloaded\n")
        let failure = try XCTUnwrap(events.results(ofTask: "migration fails").first)
        XCTAssertEqual(failure.result["rc"], .int(3))
        XCTAssertEqual(failure.result["stderr"], .string("relation does not exist"))
    }

    func testAnUnreachableHostIsReportedAndTheOthersRun() async throws {
        try """
        [web]
        testhost ansible_host=127.0.0.1 ansible_port=22022
        nohost ansible_host=127.0.0.3 ansible_port=1
        """.write(toFile: inventoryPath, atomically: true, encoding: .utf8)
        let directory = NSTemporaryDirectory() + "deckhand-unreachable-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        - hosts: web
          gather_facts: false
          tasks:
            - ping:
        """.write(toFile: directory + "/site.yml", atomically: true, encoding: .utf8)
        let (summary, _) = try await run(directory + "/site.yml")
        XCTAssertEqual(summary.exitCode, 4)
        XCTAssertEqual(summary.stats(of: "nohost")?.unreachable, 1)
        XCTAssertEqual(summary.stats(of: "testhost")?.ok, 1)
    }

    func testABecomePasswordNeverEndsUpInAFileOrTheOutput() async throws {
        let directory = NSTemporaryDirectory() + "deckhand-become-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        - hosts: testhost
          gather_facts: false
          become: true
          tasks:
            - file: { path: "{{ base }}", state: directory }
            - copy: { content: "payload\\n", dest: "{{ base }}/as-root" }
            - command: id -un
              register: who
            - copy: { content: "{{ who.stdout }}\\n", dest: "{{ base }}/who" }
        """.write(toFile: directory + "/site.yml", atomically: true, encoding: .utf8)
        let (summary, events) = try await run(directory + "/site.yml", becomePassword: "not-needed-pw")
        XCTAssertEqual(summary.exitCode, 0, events.failureReport)
        XCTAssertEqual(try String(contentsOfFile: base + "/as-root", encoding: .utf8), "payload\n")
        XCTAssertEqual(try String(contentsOfFile: base + "/who", encoding: .utf8), "root\n")
        let everything = events.events.map { "\($0)" }.joined()
        XCTAssertFalse(everything.contains("not-needed-pw"))
    }

    /// Every file and command module, twice, with a path and contents full of shell metacharacters:
    /// the first run changes, the second reports ok, check mode predicted the first run and touched nothing.
    func testFileAndCommandModulesSurviveNastyNamesAndAreIdempotent() async throws {
        let directory = NSTemporaryDirectory() + "deckhand-nasty-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try #"""
        - hosts: testhost
          gather_facts: false
          vars:
            dir: "{{ base }}/it's a \"dir\" $(whoami) `id` ünï"
            text: "line one with 'quotes' and \"doubles\"\n$(rm -rf /) `reboot` ünïcødé\n"
          tasks:
            - file: { path: "{{ dir }}", state: directory, mode: "0750" }
            - copy: { content: "{{ text }}", dest: "{{ dir }}/copy $(x).txt", mode: "0640" }
            - template: { src: nasty.j2, dest: "{{ dir }}/tmpl `y`.conf" }
            - lineinfile: { path: "{{ dir }}/lines 'q'", line: "key = '$(value)' `x`", create: true }
            - blockinfile: { path: "{{ dir }}/lines 'q'", block: "a \"b\"\n$c" }
            - file: { src: "{{ dir }}/copy $(x).txt", dest: "{{ dir }}/link ü", state: link }
            - command:
                argv: [touch, "{{ dir }}/made by command"]
                creates: "{{ dir }}/made by command"
            - shell: printf '%s' "$VALUE" > {{ (dir + '/made by shell') | quote }}
              args: { creates: "{{ dir }}/made by shell" }
              environment: { VALUE: "$(not run) 'single'" }
            - replace: { path: "{{ dir }}/made by shell", regexp: "'(s)ingle'", replace: "'\\1INGLE'" }
            - stat: { path: "{{ dir }}/copy $(x).txt" }
              register: copied
            - assert:
                that:
                  - copied.stat.exists
                  - copied.stat.mode == "0640"
        """#.write(toFile: directory + "/site.yml", atomically: true, encoding: .utf8)
        try "{{ text }}{% for i in [1, 2] %}item {{ i }} \\ $HOME\n{% endfor %}"
            .write(toFile: directory + "/nasty.j2", atomically: true, encoding: .utf8)

        let (check, checkEvents) = try await run(directory + "/site.yml", check: true, diff: true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: base), "check mode created files")
        XCTAssertEqual(check.stats(of: "testhost")?.failed ?? 1, 1, "check mode: the assert on a file that does not exist yet fails")
        _ = checkEvents

        let (first, firstEvents) = try await run(directory + "/site.yml")
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        let dir = base + "/it's a \"dir\" $(whoami) `id` ünï"
        XCTAssertEqual(try String(contentsOfFile: dir + "/copy $(x).txt", encoding: .utf8),
                       "line one with 'quotes' and \"doubles\"\n$(rm -rf /) `reboot` ünïcødé\n")
        XCTAssertEqual(try String(contentsOfFile: dir + "/tmpl `y`.conf", encoding: .utf8),
                       "line one with 'quotes' and \"doubles\"\n$(rm -rf /) `reboot` ünïcødé\nitem 1 \\ $HOME\nitem 2 \\ $HOME\n")
        XCTAssertEqual(try String(contentsOfFile: dir + "/lines 'q'", encoding: .utf8),
                       "key = '$(value)' `x`\n# BEGIN ANSIBLE MANAGED BLOCK\na \"b\"\n$c\n# END ANSIBLE MANAGED BLOCK\n")
        XCTAssertEqual(try String(contentsOfFile: dir + "/made by shell", encoding: .utf8), "$(not run) 'sINGLE'")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/made by command"))

        let (second, secondEvents) = try await run(directory + "/site.yml")
        XCTAssertEqual(second.exitCode, 0, secondEvents.failureReport)
        XCTAssertEqual(second.stats(of: "testhost")?.changed, 0, "second run changed something")
    }

    /// git and cron on the host: a checkout follows the branch (before/after reported), a cron job is kept once.
    func testGitCheckoutFollowsTheBranchAndCronKeepsOneJob() async throws {
        let repo = base + "-repo"
        defer { try? FileManager.default.removeItem(atPath: repo) }
        func inRepo(_ script: String) throws {
            // Per-invocation settings only: root may work in the deckhand-owned repo, nothing is written to git config.
            let result = try shellRun("cd \(ShellCommand.quote(repo)) && git() { command git -c safe.directory='*' -c user.email=t@e -c user.name=t \"$@\"; } && \(script)")
            XCTAssertEqual(result.exitStatus, 0, result.stderrText)
        }
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        try inRepo("git init -q -b main . && echo one > file && git add file && git commit -qm one")
        // Owned by the login user, so git's safe.directory check passes without touching any git config.
        try shellRun("chown -R deckhand \(ShellCommand.quote(repo))")
        let directory = NSTemporaryDirectory() + "deckhand-git-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let job = "deckhand-test-\(UUID().uuidString)"
        try """
        - hosts: testhost
          gather_facts: false
          tasks:
            - git: { repo: "\(repo)", dest: "{{ base }}/src", version: main }
              register: checkout
            - copy: { content: "{{ checkout.after }}\\n", dest: "{{ base }}/sha" }
            - cron: { name: "\(job)", minute: "5", job: "true \(job)", state: "{{ cron_state | default('present') }}" }
        """.write(toFile: directory + "/site.yml", atomically: true, encoding: .utf8)
        let (first, firstEvents) = try await run(directory + "/site.yml")
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        XCTAssertEqual(try String(contentsOfFile: base + "/src/file", encoding: .utf8), "one\n")
        let (second, _) = try await run(directory + "/site.yml")
        XCTAssertEqual(second.stats(of: "testhost")?.changed, 0, "nothing moved")
        try inRepo("echo two > file && git add file && git commit -qm two && chown -R deckhand .")
        let (third, thirdEvents) = try await run(directory + "/site.yml")
        XCTAssertEqual(third.exitCode, 0, thirdEvents.failureReport)
        XCTAssertEqual(try String(contentsOfFile: base + "/src/file", encoding: .utf8), "two\n")
        let moved = try XCTUnwrap(thirdEvents.results(ofTask: "git").first)
        XCTAssertEqual(moved.status, .changed)
        XCTAssertNotEqual(moved.result["before"], moved.result["after"], "before and after differ")
        XCTAssertEqual(try String(contentsOfFile: base + "/sha", encoding: .utf8), (moved.result["after"]?.displayText ?? "") + "\n")
        let crontab = try shellRun("crontab -u deckhand -l")
        XCTAssertEqual(crontab.stdoutText.components(separatedBy: "#Ansible: \(job)").count, 2, "the job is there once")
        // Clean up the job through the module itself.
        let loader = PlaybookLoader()
        let playbook = try loader.loadPlaybook(at: directory + "/site.yml")
        var options = RunOptions()
        options.extraVars = ["base": .string(base), "cron_state": .string("absent")]
        let runner = PlaybookRunner(inventory: try Inventory.load(from: [inventoryPath]), options: options,
                                    pool: try LoopbackHost.pool(), reporter: SilentReporter())
        _ = await runner.run(playbook)
        XCTAssertFalse(try shellRun("crontab -u deckhand -l").stdoutText.contains(job))
    }

    @discardableResult
    private func shellRun(_ script: String) throws -> Deckhand.CommandResult {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox()
        _Concurrency.Task {
            box.result = try? await LocalConnection().run(.script(script))
            semaphore.signal()
        }
        semaphore.wait()
        return try XCTUnwrap(box.result)
    }
}

private final class ResultBox: @unchecked Sendable {
    var result: Deckhand.CommandResult?
}
