import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// A playbook in a fresh temporary folder, run against "hosts" that are all this machine.
struct LocalPlaybook {
    let directory: String

    init(files: [String: String]) throws {
        directory = NSTemporaryDirectory() + "deckhand-runner-\(UUID().uuidString)"
        for (name, text) in files {
            let path = directory + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try text.replacingOccurrences(of: "@DIR@", with: directory).write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    func path(_ name: String) -> String { directory + "/" + name }

    func read(_ name: String) -> String? { try? String(contentsOfFile: path(name), encoding: .utf8) }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// Runs `site.yml` over `hosts` (every one a local connection); returns the summary and the events.
    func run(hosts: [String] = ["web1"], configure: (inout RunOptions) -> Void = { _ in }) async throws
        -> (RunSummary, RecordingReporter) {
        let loader = PlaybookLoader()
        let playbook = try loader.loadPlaybook(at: path("site.yml"))
        let inventory = try Inventory.load(from: [hosts.joined(separator: ",") + ","])
        var options = RunOptions()
        options.loader = loader
        configure(&options)
        let reporter = RecordingReporter()
        let pool = ConnectionPool { variables in LocalConnection(hostName: variables.hostName) }
        let runner = PlaybookRunner(inventory: inventory, options: options, pool: pool, reporter: reporter)
        let summary = await runner.run(playbook)
        return (summary, reporter)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

final class RunnerTests: XCTestCase {
    func testASecondRunChangesNothing() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars:
                app_dir: "@DIR@/app"
              tasks:
                - name: app folder
                  file: { path: "{{ app_dir }}", state: directory, mode: "0755" }
                - name: settings
                  copy: { content: "DEBUG = False\\n", dest: "{{ app_dir }}/settings.py", mode: "0640" }
                  notify: restart app
                - name: config from template
                  template: { src: app.conf.j2, dest: "{{ app_dir }}/app.conf" }
                - name: a line
                  lineinfile: { path: "{{ app_dir }}/env", line: "ALLOWED_HOSTS = ['*']", create: true }
                - name: log file
                  file: { path: "{{ app_dir }}/app.log", state: touch, modification_time: preserve, access_time: preserve }
              handlers:
                - name: restart app
                  shell: echo restarted >> "{{ app_dir }}/restarts"
            """,
            "templates/app.conf.j2": "host={{ inventory_hostname }}\nitems={% for x in [1,2] %}{{ x }}{% endfor %}.\n",
        ])
        defer { book.remove() }
        let (first, _) = try await book.run()
        XCTAssertEqual(first.exitCode, 0)
        XCTAssertEqual(first.stats(of: "web1")?.changed, 6)
        XCTAssertEqual(book.read("app/app.conf"), "host=web1\nitems=12.\n")
        XCTAssertEqual(book.read("app/settings.py"), "DEBUG = False\n")
        XCTAssertEqual(book.read("app/env"), "ALLOWED_HOSTS = ['*']\n")
        let (second, _) = try await book.run()
        XCTAssertEqual(second.stats(of: "web1")?.changed, 0, "the second run must change nothing")
        XCTAssertEqual(book.read("app/restarts"), "restarted\n", "the handler ran once, on the first run only")
    }

    func testCheckModeChangesNothingButPredicts() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - copy: { content: "x", dest: "@DIR@/new.txt" }
                - file: { path: "@DIR@/dir", state: directory }
                - command: touch @DIR@/touched
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run { $0.checkMode = true }
        XCTAssertEqual(summary.stats(of: "web1")?.changed, 2)
        XCTAssertEqual(summary.stats(of: "web1")?.skipped, 1)
        XCTAssertFalse(book.exists("new.txt"))
        XCTAssertFalse(book.exists("dir"))
        XCTAssertFalse(book.exists("touched"))
        XCTAssertEqual(events.results(ofTask: "copy").first?.status, .changed)
    }

    func testAFailingTaskStillRunsTheHandlersItsHostWasNotifiedOf() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: change config
                  copy: { content: "new", dest: "@DIR@/config" }
                  notify: reload
                - name: broken step
                  command: /bin/false
                - name: never reached
                  copy: { content: "x", dest: "@DIR@/never" }
              handlers:
                - name: reload
                  copy: { content: "reloaded", dest: "@DIR@/reloaded" }
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 2)
        XCTAssertEqual(book.read("reloaded"), "reloaded", "the notified handler ran despite the failure")
        XCTAssertFalse(book.exists("never"))
        let failure = try XCTUnwrap(events.results(ofTask: "broken step").first)
        XCTAssertEqual(failure.result["rc"], .int(1))
        XCTAssertEqual(failure.location?.line, 7)

        try FileManager.default.removeItem(atPath: book.path("config"))
        try FileManager.default.removeItem(atPath: book.path("reloaded"))
        _ = try await book.run { $0.forceHandlers = false }
        XCTAssertFalse(book.exists("reloaded"), "--no-force-handlers behaves like Ansible")
    }

    func testLoopsWhenPerItemAndRegisteredResults() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: make files
                  copy: { content: "{{ item.text }}", dest: "@DIR@/{{ item.name }}" }
                  loop:
                    - { name: a, text: A }
                    - { name: b, text: B }
                    - { name: skip, text: S }
                  when: item.name != 'skip'
                  register: made
                  loop_control: { label: "{{ item.name }}", index_var: i }
                - name: count
                  shell: echo {{ made.results | selectattr('changed') | list | length }} > @DIR@/count
                - name: echo
                  command: echo hello
                  register: out
                  changed_when: false
                - name: use stdout
                  copy: { content: "{{ out.stdout }}", dest: "@DIR@/out" }
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(book.read("a"), "A")
        XCTAssertFalse(book.exists("skip"))
        XCTAssertEqual(book.read("count"), "2\n")
        XCTAssertEqual(book.read("out"), "hello")
        let loop = try XCTUnwrap(events.results(ofTask: "make files").first)
        XCTAssertEqual(loop.items.map(\.label), ["a", "b", "skip"])
        XCTAssertEqual(loop.items.map(\.status), [.changed, .changed, .skipped])
        XCTAssertEqual(events.results(ofTask: "echo").first?.status, .ok)
    }

    func testBlockRescueAndAlways() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - block:
                    - name: will fail
                      command: /bin/false
                    - name: skipped by failure
                      copy: { content: x, dest: "@DIR@/not-here" }
                  rescue:
                    - name: recover
                      copy: { content: "{{ ansible_failed_task.name }}", dest: "@DIR@/rescued" }
                  always:
                    - name: cleanup
                      copy: { content: done, dest: "@DIR@/always" }
                - name: after the block
                  copy: { content: after, dest: "@DIR@/after" }
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, "a rescued failure is not a failure")
        XCTAssertEqual(book.read("rescued"), "will fail")
        XCTAssertEqual(book.read("always"), "done")
        XCTAssertEqual(book.read("after"), "after")
        XCTAssertFalse(book.exists("not-here"))
        XCTAssertEqual(summary.stats(of: "web1")?.rescued, 1)
        XCTAssertEqual(summary.stats(of: "web1")?.failed, 0)
    }

    func testAFailedHostDropsOutWhileTheOthersGoOn() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - fail: { msg: "web2 is broken" }
                  when: inventory_hostname == 'web2'
                - copy: { content: "{{ inventory_hostname }}", dest: "@DIR@/{{ inventory_hostname }}" }
                - command: /bin/false
                  ignore_errors: true
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run(hosts: ["web1", "web2", "web3"])
        XCTAssertEqual(summary.exitCode, 2)
        XCTAssertEqual(book.read("web1"), "web1")
        XCTAssertEqual(book.read("web3"), "web3")
        XCTAssertFalse(book.exists("web2"))
        // ansible-playbook 2.21 on this playbook: web1 ok=2 changed=2 skipped=1 ignored=1 (the ignored failure
        // counts as ok, and as changed, since command reports changed).
        let web1 = try XCTUnwrap(summary.stats(of: "web1"))
        XCTAssertEqual([web1.ok, web1.changed, web1.skipped, web1.ignored, web1.failed], [2, 2, 1, 1, 0])
        XCTAssertEqual(summary.stats(of: "web2")?.failed, 1)
    }

    func testTagsSelectTasks() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - copy: { content: x, dest: "@DIR@/deploy" }
                  tags: [deploy]
                - copy: { content: x, dest: "@DIR@/setup" }
                  tags: [setup]
                - copy: { content: x, dest: "@DIR@/always" }
                  tags: [always]
                - copy: { content: x, dest: "@DIR@/never" }
                  tags: [never, debug]
            """,
        ])
        defer { book.remove() }
        _ = try await book.run { $0.tags = ["deploy"] }
        XCTAssertTrue(book.exists("deploy"))
        XCTAssertTrue(book.exists("always"))
        XCTAssertFalse(book.exists("setup"))
        XCTAssertFalse(book.exists("never"))
    }

    func testUntilRetriesAndSetFact() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - set_fact: { marker: "@DIR@/attempts" }
                - name: eventually
                  shell: echo x >> {{ marker }}; test $(wc -l < {{ marker }}) -ge 3
                  register: attempt
                  until: attempt.rc == 0
                  retries: 5
                  delay: 0
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(events.results(ofTask: "eventually").first?.result["attempts"], .int(3))
    }

    func testIncludeTasksWithALoop() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - include_tasks: site-item.yml
                  loop: [one, two]
            """,
            "site-item.yml": """
            - copy: { content: "{{ item }}", dest: "@DIR@/{{ item }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(book.read("one"), "one")
        XCTAssertEqual(book.read("two"), "two")
    }

    func testNoLogKeepsSecretsOutOfEveryEvent() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars:
                db_password: hunter2-secret
              tasks:
                - name: secret
                  shell: echo {{ db_password }}
                  no_log: true
                - name: secret failure
                  command: false {{ db_password }}
                  no_log: true
                  ignore_errors: true
            """,
        ])
        defer { book.remove() }
        let lines = LinesBox()
        let playbook = try PlaybookLoader().loadPlaybook(at: book.path("site.yml"))
        let runner = PlaybookRunner(inventory: try Inventory.load(from: ["web1,"]), options: {
            var options = RunOptions(); options.verbosity = 3; return options }(),
            pool: ConnectionPool { LocalConnection(hostName: $0.hostName) },
            reporter: JSONReport { lines.append($0) })
        _ = await runner.run(playbook)
        let human = LinesBox()
        let humanRunner = PlaybookRunner(inventory: try Inventory.load(from: ["web1,"]), options: {
            var options = RunOptions(); options.verbosity = 3; return options }(),
            pool: ConnectionPool { LocalConnection(hostName: $0.hostName) },
            reporter: HumanReport(verbosity: 3, terminal: false) { human.append($0) })
        _ = await humanRunner.run(playbook)
        XCTAssertFalse(lines.text.contains("hunter2"), lines.text)
        XCTAssertFalse(human.text.contains("hunter2"), human.text)
        XCTAssertTrue(human.text.contains("no_log"))
    }

    func testJSONOutputIsOneEventPerLine() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - name: demo
              hosts: all
              gather_facts: false
              tasks:
                - debug: { msg: "hi {{ inventory_hostname }}" }
            """,
        ])
        defer { book.remove() }
        let lines = LinesBox()
        let runner = PlaybookRunner(inventory: try Inventory.load(from: ["web1,web2,"]), options: RunOptions(),
                                    pool: ConnectionPool { LocalConnection(hostName: $0.hostName) },
                                    reporter: JSONReport { lines.append($0) })
        _ = await runner.run(try PlaybookLoader().loadPlaybook(at: book.path("site.yml")))
        let events = try lines.text.split(separator: "\n").map { line -> [String: Any] in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        XCTAssertEqual(events.compactMap { $0["event"] as? String },
                       ["play_start", "task_start", "host_result", "host_result", "recap"])
        let result = events[2]["result"] as? [String: Any]
        XCTAssertEqual(result?["msg"] as? String, "hi web1")
    }

    func testBecomeVariablesWinOverThePlaysKeywords() async throws {
        // As in Ansible, ansible_become_user (from the inventory, a stage or vars) beats the play's become_user.
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              become: true
              become_user: root
              vars: { ansible_become_user: nobody }
              tasks:
                - command: id -un
                  register: who
                - assert: { that: "who.stdout == 'nobody'", fail_msg: "ran as {{ who.stdout }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(reporter.results(ofTask: "command").first?.result["stdout"], .string("nobody"))
        XCTAssertEqual(summary.exitCode, 0)
    }

    func testTaskNamesAreTemplatedWithThePlaysVariables() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - name: demo
              hosts: all
              gather_facts: false
              vars: { redis_bind: 127.0.0.1 }
              tasks:
                - name: Bind Redis to {{ redis_bind }} only
                  debug: { msg: hi }
                - name: Show {{ item }}
                  debug: { msg: "{{ item }}" }
                  loop: [a]
            """,
        ])
        defer { book.remove() }
        let human = LinesBox()
        let runner = PlaybookRunner(inventory: try Inventory.load(from: ["web1,"]), options: RunOptions(),
                                    pool: ConnectionPool { LocalConnection(hostName: $0.hostName) },
                                    reporter: HumanReport(terminal: false) { human.append($0) })
        _ = await runner.run(try PlaybookLoader().loadPlaybook(at: book.path("site.yml")))
        XCTAssertTrue(human.text.contains("TASK [Bind Redis to 127.0.0.1 only]"), human.text)
        // A name that needs the loop item cannot be rendered before the loop: it stays as written.
        XCTAssertTrue(human.text.contains("TASK [Show {{ item }}]"), human.text)
    }

    func testHumanOutputLooksLikeAnsible() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - name: demo
              hosts: all
              gather_facts: false
              tasks:
                - name: make it
                  copy: { content: x, dest: "@DIR@/x" }
                - name: boom
                  command: ls /definitely/not/here
            """,
        ])
        defer { book.remove() }
        let human = LinesBox()
        let runner = PlaybookRunner(inventory: try Inventory.load(from: ["web1,"]), options: RunOptions(),
                                    pool: ConnectionPool { LocalConnection(hostName: $0.hostName) },
                                    reporter: HumanReport(terminal: false) { human.append($0) })
        _ = await runner.run(try PlaybookLoader().loadPlaybook(at: book.path("site.yml")))
        let text = human.text
        XCTAssertTrue(text.contains("PLAY [demo] ***"), text)
        XCTAssertTrue(text.contains("TASK [make it] ***"), text)
        XCTAssertTrue(text.contains("changed: [web1]"), text)
        XCTAssertTrue(text.contains("failed: [web1] => The command exited with a non-zero return code."), text)
        XCTAssertTrue(text.contains("command: ls /definitely/not/here"), text)
        XCTAssertTrue(text.contains("rc: 2"), text)
        XCTAssertTrue(text.contains("No such file or directory"), text)
        XCTAssertTrue(text.contains("site.yml:7"), text)
        XCTAssertTrue(text.contains("PLAY RECAP"), text)
        XCTAssertTrue(text.contains("ok=1"), text)
        XCTAssertTrue(text.contains("failed=1"), text)
        XCTAssertFalse(text.contains("\u{1B}["), "no colours when not on a terminal")
    }
}


extension RunnerTests {
    func testSerialBatchesRunThePlayBatchByBatch() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              serial: [1, 2]
              tasks:
                - shell: echo "{{ inventory_hostname }} {{ ansible_play_batch | join(',') }}" >> @DIR@/order
            """,
        ])
        defer { book.remove() }
        _ = try await book.run(hosts: ["a", "b", "c"])
        let lines = (book.read("order") ?? "").split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "a a")
        XCTAssertEqual(Set(lines.dropFirst()), ["b b,c", "c b,c"])
    }

    func testAnyErrorsFatalStopsEveryHost() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              any_errors_fatal: true
              tasks:
                - fail: { msg: boom }
                  when: inventory_hostname == 'b'
                - copy: { content: x, dest: "@DIR@/{{ inventory_hostname }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run(hosts: ["a", "b"])
        XCTAssertEqual(summary.exitCode, 2)
        XCTAssertFalse(book.exists("a"), "a stopped too")
    }

    func testEndPlayAlsoSkipsTheRemainingBatches() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              serial: 1
              tasks:
                - meta: end_play
                - copy: { content: x, dest: "@DIR@/{{ inventory_hostname }}" }
            - hosts: all
              gather_facts: false
              tasks:
                - copy: { content: x, dest: "@DIR@/second-{{ inventory_hostname }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run(hosts: ["a", "b"])
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertFalse(book.exists("a"))
        XCTAssertFalse(book.exists("b"), "the second batch did not run")
        XCTAssertTrue(book.exists("second-a"), "the next play runs")
    }

    func testMaxFailPercentageStopsThePlay() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              max_fail_percentage: 30
              tasks:
                - fail: { msg: boom }
                  when: inventory_hostname in ['a', 'b']
                - copy: { content: x, dest: "@DIR@/{{ inventory_hostname }}" }
            """,
        ])
        defer { book.remove() }
        _ = try await book.run(hosts: ["a", "b", "c", "d"])
        XCTAssertFalse(book.exists("c"), "50% failed > 30%: the play stops")
    }

    func testRunOnceAndDelegateToLocalhost() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: once
                  shell: echo once >> @DIR@/once; echo hi
                  run_once: true
                  register: once
                - name: everyone has the result
                  shell: echo "{{ inventory_hostname }}={{ once.stdout }}" >> @DIR@/results
                - name: delegated
                  shell: echo "{{ inventory_hostname }}" >> @DIR@/delegated
                  delegate_to: localhost
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run(hosts: ["a", "b"])
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(book.read("once"), "once\n")
        XCTAssertEqual(Set((book.read("results") ?? "").split(separator: "\n")), ["a=hi", "b=hi"])
        XCTAssertEqual(events.results(ofTask: "delegated").first?.delegatedTo, "localhost")
    }

    func testStartAtTaskSkipsEverythingBefore() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: first
                  copy: { content: x, dest: "@DIR@/first" }
                - name: second
                  copy: { content: x, dest: "@DIR@/second" }
            """,
        ])
        defer { book.remove() }
        _ = try await book.run { $0.startAtTask = "second" }
        XCTAssertFalse(book.exists("first"))
        XCTAssertTrue(book.exists("second"))
    }

    func testFreeStrategyLetsEachHostRunItsOwnList() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              strategy: free
              tasks:
                - command: sleep 0.2
                  when: inventory_hostname == 'slow'
                - copy: { content: x, dest: "@DIR@/{{ inventory_hostname }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run(hosts: ["slow", "fast"])
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertTrue(book.exists("slow"))
        XCTAssertTrue(book.exists("fast"))
    }
}


extension RunnerTests {
    func testHandlersRunInDefinitionOrderAtFlushPointsAndEndHostStopsAHost() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: change
                  copy: { content: "{{ inventory_hostname }}", dest: "@DIR@/{{ inventory_hostname }}.conf" }
                  notify: [second, first topic]
                - meta: flush_handlers
                - name: after flush
                  shell: echo after >> @DIR@/{{ inventory_hostname }}.log
                - meta: end_host
                  when: inventory_hostname == 'b'
                - name: only a
                  shell: echo only-a >> @DIR@/{{ inventory_hostname }}.log
              handlers:
                - name: first
                  listen: first topic
                  shell: echo first >> @DIR@/{{ inventory_hostname }}.log
                - name: second
                  shell: echo second >> @DIR@/{{ inventory_hostname }}.log
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run(hosts: ["a", "b"])
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(book.read("a.log"), "first\nsecond\nafter\nonly-a\n", "definition order, at the flush point")
        XCTAssertEqual(book.read("b.log"), "first\nsecond\nafter\n", "end_host stopped b")
    }

    func testDiffModeShowsAUnifiedDiffInTheOutput() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - copy: { content: "a\\nB\\nc\\n", dest: "@DIR@/f" }
            """,
            "f": "a\nb\nc\n",
        ])
        defer { book.remove() }
        let human = LinesBox()
        var options = RunOptions()
        options.diffMode = true
        options.checkMode = true
        let runner = PlaybookRunner(inventory: try Inventory.load(from: ["web1,"]), options: options,
                                    pool: ConnectionPool { LocalConnection(hostName: $0.hostName) },
                                    reporter: HumanReport(terminal: false) { human.append($0) })
        _ = await runner.run(try PlaybookLoader().loadPlaybook(at: book.path("site.yml")))
        XCTAssertTrue(human.text.contains("-b\n+B\n"), human.text)
        XCTAssertTrue(human.text.contains("PLAY [all] (check mode)"), human.text)
        XCTAssertEqual(book.read("f"), "a\nb\nc\n", "check mode left the file alone")
    }
}


extension RunnerTests {
    func testVarsFilesNamesAreTemplatesAndDebugVerbosityIsRespected() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars: { stage: prod }
              vars_files:
                - "vars/{{ stage }}.yml"
              tasks:
                - copy: { content: "{{ db_host }}", dest: "@DIR@/db" }
                - name: chatty
                  debug: { msg: hidden, verbosity: 2 }
            """,
            "vars/prod.yml": "db_host: db.prod.internal\n",
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(book.read("db"), "db.prod.internal")
        XCTAssertEqual(events.results(ofTask: "chatty").first?.status, .skipped)
    }
}


extension RunnerTests {
    func testIncludeRoleRunsTheRoleWithItsHandlers() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - include_role: { name: "{{ which }}" }
                  vars: { which: web, greeting: hello }
            """,
            "roles/web/tasks/main.yml": """
            - copy: { content: "{{ greeting }} from {{ role_name }}", dest: "@DIR@/web.txt" }
              notify: web changed
            """,
            "roles/web/handlers/main.yml": """
            - name: web changed
              copy: { content: "handled", dest: "@DIR@/handled" }
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, "\(events.events)")
        XCTAssertEqual(book.read("web.txt"), "hello from web")
        XCTAssertEqual(book.read("handled"), "handled")
    }
}

/// Output lines collected from reporters running on many threads.
final class LinesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var text: String { lock.withLock { lines.joined() } }
}

extension RunnerTests {
    func testARescueThatFailsCountsTheBlocksFailureAsRescuedAndItsOwnAsFailed() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - block:
                    - command: "false"
                  rescue:
                    - fail: { msg: the rescue failed too }
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 2)
        XCTAssertEqual(summary.stats(of: "web1")?.failed, 1, "as ansible-playbook counts it")
        XCTAssertEqual(summary.stats(of: "web1")?.rescued, 1)
    }

    func testAnUnclosedQuoteInAShellScriptSaysHowToPassTheText() throws {
        let book = try LocalPlaybook(files: [
            "site.yml": "- hosts: all\n  tasks:\n    - shell: |\n        # it's a comment\n        echo ok\n",
        ])
        defer { book.remove() }
        XCTAssertThrowsError(try PlaybookLoader().loadPlaybook(at: book.path("site.yml"))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("a quote is not closed in the arguments of 'shell'"), text)
            XCTAssertTrue(text.contains("put the text under 'cmd:'"), text)
            XCTAssertFalse(text.contains("needs one of"), "no second error from the same mistake: \(text)")
        }
    }
}
