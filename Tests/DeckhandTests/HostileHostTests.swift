import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// A host that answers with template syntax: what it says is data, never rendered on the controller.
final class HostileHostTests: XCTestCase {
    private var base = ""
    private var directory = ""
    /// Where a rendered `lookup('pipe', ...)` would leave its mark on the controller.
    private var pwned: String { directory + "/PWNED" }
    /// A line that runs a command when rendered, and one that fails to render.
    private var hostileLines: [String] { ["{{ lookup('pipe','touch \(pwned)') }}", "${#HOME} {% raw %}"] }
    private var hostileText: String { hostileLines.joined(separator: "\n") }

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        base = "/tmp/deckhand-hostile-host-\(UUID().uuidString)"
        directory = NSTemporaryDirectory() + "deckhand-hostile-host-\(UUID().uuidString)"
        for folder in [base, directory] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        // The test host is this machine: the host's file is written directly, world-readable for its user.
        try (hostileText + "\n").write(toFile: base + "/said", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: base)
    }

    override func tearDown() {
        XCTAssertFalse(FileManager.default.fileExists(atPath: pwned), "host output was rendered on the controller")
        _ = try? FileManager.default.removeItem(atPath: base)
        _ = try? FileManager.default.removeItem(atPath: directory)
    }

    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }

    func testWhatAHostPrintsArrivesLiterallyThroughRegisterSetFactDebugLoopsIncludesAndTemplates() async throws {
        try write("echo.j2", "copied={{ copied }}\n")
        try write("item.yml", """
            - debug: { msg: "included {{ line }}" }
              register: included
            - set_fact: { included_msgs: "{{ included_msgs | default([]) + [included.msg] }}" }
            """)
        try write("site.yml", """
            - hosts: testhost
              gather_facts: false
              vars:
                from_play_var: "{{ said.stdout }}"
              tasks:
                - command: cat {{ base }}/said
                  register: said
                - set_fact: { first_line: "{{ said.stdout_lines[0] }}" }
                - debug: { msg: "first {{ first_line }}" }
                - set_fact: { copied: "{{ said.stdout }}" }
                - debug: { msg: "{{ copied }}" }
                  register: shown
                - debug: { msg: "item {{ item }}" }
                  loop: "{{ said.stdout_lines }}"
                  register: looped
                - include_tasks: item.yml
                  loop: "{{ said.stdout_lines }}"
                  loop_control: { loop_var: line }
                - template: { src: echo.j2, dest: "{{ base }}/echo" }
                - set_fact: { via_play_var: "{{ from_play_var }}" }
                - debug: { msg: "play var {{ via_play_var }}" }
            """)
        let (summary, events) = try await LoopbackHost.run(directory + "/site.yml", extraVars: ["base": .string(base)])
        XCTAssertEqual(summary.exitCode, 0, events.failureReport)
        XCTAssertEqual(try String(contentsOfFile: base + "/echo", encoding: .utf8), "copied=\(hostileText)\n")
        let results = events.events.compactMap { event -> OrderedDictionary<String, Value>? in
            if case .hostResult(_, let result) = event { return result.result }
            return nil
        }
        // Each task's `msg`, and each loop item's.
        let messages = results.flatMap { result -> [String] in
            var found: [String] = []
            if case .string(let msg)? = result["msg"] { found.append(msg) }
            if case .list(let items)? = result["results"] {
                for case .dict(let item) in items { if case .string(let msg)? = item["msg"] { found.append(msg) } }
            }
            return found
        }
        XCTAssertTrue(messages.contains("first " + hostileLines[0]), "debug of a set_fact: \(messages)")
        XCTAssertTrue(messages.contains(hostileText), "debug of the set_fact: \(messages)")
        XCTAssertTrue(messages.contains("item " + hostileLines[1]), "loop item: \(messages)")
        XCTAssertTrue(messages.contains("included " + hostileLines[0]), "include_tasks loop item: \(messages)")
        XCTAssertTrue(messages.contains("play var " + hostileText), "a play var made from a result: \(messages)")
    }
}

/// Arguments that become one line of a file refuse a line break, naming the argument, and change nothing.
final class SingleLineArgumentTests: XCTestCase {
    private var base = ""
    private var directory = ""

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        base = "/tmp/deckhand-single-line-\(UUID().uuidString)"
        directory = NSTemporaryDirectory() + "deckhand-single-line-\(UUID().uuidString)"
        for folder in [base, directory] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: base)
        try "keep = 1\n".write(toFile: base + "/config", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: base + "/config")
    }

    override func tearDown() {
        _ = try? FileManager.default.removeItem(atPath: base)
        _ = try? FileManager.default.removeItem(atPath: directory)
    }

    func testANewlineInACronJobOrUserOrALineIsRefusedAndNothingIsWritten() async throws {
        try """
            - hosts: testhost
              gather_facts: false
              # Line breaks from a variable, as a value from elsewhere would bring them: checked after templating.
              vars: { nl: "\\n" }
              tasks:
                - cron:
                    name: nightly
                    job: "true\\n* * * * * root touch {{ base }}/pwned"
                    cron_file: "{{ base }}/crontab"
                    user: deckhand
                  ignore_errors: true
                - cron: { name: "a{{ nl }}b", job: "true", cron_file: "{{ base }}/crontab", user: deckhand }
                  ignore_errors: true
                - cron: { name: n, job: "true", minute: "0{{ nl }}*", cron_file: "{{ base }}/crontab", user: deckhand }
                  ignore_errors: true
                - lineinfile: { path: "{{ base }}/config", line: "x = 1\\r{{ nl }}y = 2" }
                  ignore_errors: true
                - cron: { name: n, job: "true", user: "deckhand{{ nl }}* * * * * root", cron_file: "{{ base }}/crontab" }
                  ignore_errors: true
                - authorized_key: { user: "deckhand{{ nl }}root", key: "ssh-ed25519 AAAA", path: "{{ base }}/keys", manage_dir: false }
                  ignore_errors: true
            """.write(toFile: directory + "/site.yml", atomically: true, encoding: .utf8)
        let (summary, events) = try await LoopbackHost.run(directory + "/site.yml", extraVars: ["base": .string(base)])
        XCTAssertEqual(summary.exitCode, 0, events.failureReport)
        let failures = events.events.compactMap { event -> String? in
            guard case .hostResult(_, let result) = event, result.status == .failed,
                  case .string(let message)? = result.result["msg"] else { return nil }
            return message
        }
        let fields = ["job", "name", "minute", "line", "user", "user"]
        XCTAssertEqual(failures.count, fields.count, "\(failures)")
        for (message, field) in zip(failures, fields) {
            XCTAssertTrue(message.contains("argument '\(field)'") && message.contains("must be a single line"), message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: base + "/crontab"), "nothing written to the cron file")
        XCTAssertEqual(try String(contentsOfFile: base + "/config", encoding: .utf8), "keep = 1\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: base).sorted(), ["config"])
    }

    func testAUserCommentOrShellWithANewlineIsRefusedBeforeAnythingRuns() {
        for (field, value) in [("comment", "App\nroot2::0:0::/root:/bin/bash"), ("shell", "/bin/sh\n"), ("name", "a\nb")] {
            var values: OrderedDictionary<String, Value> = ["name": .string("app")]
            values[field] = .string(value)
            XCTAssertThrowsError(try UserModule.make(values), field) { error in
                XCTAssertTrue("\(error)".contains("argument '\(field)'") && "\(error)".contains("must be a single line"),
                              "\(error)")
            }
        }
    }
}

/// Escape sequences a host prints are shown, not obeyed, on a terminal.
final class TerminalEscapeTests: XCTestCase {
    private let hostile = "a\u{1B}]0;pwned\u{07}b\u{1B}[2J\rc\u{9B}31m\u{202E}d"

    func testControlCharactersAreShownAsEscapesAndLinesStay() {
        XCTAssertEqual(TerminalText.escaped(hostile), "a\\x1b]0;pwned\\x07b\\x1b[2J\\x0dc\\x9b31m\\u{202e}d")
        XCTAssertEqual(TerminalText.escaped("tab\there\r\nnext line\n"), "tab\there\r\nnext line\n")
    }

    func testATaskOutputWithEscapeSequencesReachesTheTerminalEscaped() async throws {
        try LoopbackHost.requireUp()
        let directory = NSTemporaryDirectory() + "deckhand-escapes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try #"""
            - hosts: testhost
              gather_facts: false
              tasks:
                - shell: printf 'out\033]0;pwned\007\033[2J\n'; printf 'err\033[1A\033[K\n' >&2; exit 3
                  register: said
                  ignore_errors: true
                - debug: { msg: "{{ said.stdout }}" }
            """#.write(toFile: directory + "/site.yml", atomically: true, encoding: .utf8)
        let (_, events) = try await LoopbackHost.run(directory + "/site.yml")
        let shown = OutputCapture()
        let report = HumanReport(verbosity: 1, terminal: true) { shown.append($0) }
        for event in events.events { report.record(event) }
        let text = shown.text
        XCTAssertFalse(text.contains("\u{1B}]0;pwned") || text.contains("\u{1B}[2J") || text.contains("\u{1B}[1A"),
                       "a host's escape sequence reached the terminal: \(text.debugDescription)")
        XCTAssertTrue(text.contains("out\\x1b]0;pwned\\x07\\x1b[2J"), text.debugDescription)
        XCTAssertTrue(text.contains("err\\x1b[1A\\x1b[K"), text.debugDescription)
    }
}

/// What a report wrote, collected across threads.
private final class OutputCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var chunks: [String] = []
    func append(_ text: String) { lock.withLock { chunks.append(text) } }
    var text: String { lock.withLock { chunks.joined() } }
}

/// An include that never stops including fails with the chain of files, quickly; one a condition ends runs.
final class RunawayIncludeTests: XCTestCase {
    func testAnEndlessIncludeCycleFailsWithItsChainAndACountedRecursionRuns() async throws {
        try LoopbackHost.requireUp()
        let directory = NSTemporaryDirectory() + "deckhand-runaway-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "- include_tasks: b.yml\n".write(toFile: directory + "/a.yml", atomically: true, encoding: .utf8)
        try "- include_tasks: a.yml\n".write(toFile: directory + "/b.yml", atomically: true, encoding: .utf8)
        try """
            - set_fact: { depth: "{{ depth | default(0) | int + 1 }}" }
            - include_tasks: counted.yml
              when: depth | int < 5
            """.write(toFile: directory + "/counted.yml", atomically: true, encoding: .utf8)
        try """
            - hosts: testhost
              gather_facts: false
              tasks:
                - include_tasks: counted.yml
                - debug: { msg: "depth {{ depth }}" }
                - include_tasks: a.yml
            """.write(toFile: directory + "/site.yml", atomically: true, encoding: .utf8)
        let started = Date()
        let (summary, events) = try await LoopbackHost.run(directory + "/site.yml")
        XCTAssertLessThan(Date().timeIntervalSince(started), 60)
        XCTAssertNotEqual(summary.exitCode, 0)
        let messages = events.events.compactMap { event -> String? in
            guard case .hostResult(_, let result) = event, case .string(let msg)? = result.result["msg"] else { return nil }
            return msg
        }
        XCTAssertTrue(messages.contains("depth 5"), "a recursion its condition ends runs: \(messages)")
        let failure = try XCTUnwrap(messages.first { $0.contains("includes nest more than") }, "\(messages.suffix(3))")
        XCTAssertTrue(failure.contains("\(directory)/site.yml:6:7 -> \(directory)/a.yml:1:3 -> \(directory)/b.yml:1:3 -> \(directory)/a.yml:1:3 -> ..."),
                      failure)
    }
}

/// A play whose vars file is missing does not run, as in Ansible (its tasks would run with undefined or
/// default values).
final class MissingVarsFileTests: XCTestCase {
    func testAMissingVarsFileFailsThePlayBeforeAnyTaskRuns() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars_files:
                - vars/common.yml
                - [vars/missing.yml, vars/also-missing.yml]
              tasks:
                - copy: { content: "ran", dest: "@DIR@/ran" }
            - hosts: all
              gather_facts: false
              tasks:
                - copy: { content: "next", dest: "@DIR@/next" }
            """,
            "vars/common.yml": "a: 1\n",
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertNotEqual(summary.exitCode, 0)
        XCTAssertNil(book.read("ran"), "a task of the play ran without its vars file")
        XCTAssertNil(book.read("next"), "the failed host went on to the next play")
        let failure = events.events.compactMap { event -> String? in
            guard case .hostResult(_, let result) = event, result.status == .failed else { return nil }
            return result.result["msg"]?.displayText
        }.first ?? ""
        XCTAssertTrue(failure.contains("vars file vars/missing.yml or vars/also-missing.yml was not found"), failure)
    }
}

/// Values of variables named as secrets never appear in what a run reports, in any quoted form.
final class SecretMaskTests: XCTestCase {
    func testSecretValuesAreHiddenInMessagesCommandsOutputsAndDiffs() async throws {
        let databaseURL = "postgres://shop:pa'ss \"word\"@db/shop"
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars:
                database_url: "postgres://shop:pa'ss \\"word\\"@db/shop"
                api_token: "{{ 'tok-' ~ '0123456789' }}"
                stripe_key: sk_live_abcdef
                unused_password: "{{ lookup('pipe', 'touch @DIR@/looked-up') }}"
                deckhand_secret_variables: [stripe_key]
              tasks:
                - command: echo {{ database_url | quote }}
                  register: echoed
                - command: echo {{ item }} {{ api_token }}
                  loop: [a, b]
                - debug: { var: echoed.stdout }
                - debug: { msg: "key {{ stripe_key }}" }
                - copy: { content: "DATABASE_URL={{ database_url }}\\n", dest: "@DIR@/postactivate" }
                - shell: echo "{{ api_token }}" >&2; exit 1
                  ignore_errors: true
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run { $0.diffMode = true; $0.verbosity = 3 }
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(book.read("postactivate"), "DATABASE_URL=\(databaseURL)\n", "the task itself used the real value")
        let shown = OutputCapture()
        let report = HumanReport(verbosity: 3, terminal: false) { shown.append($0) }
        for event in events.events { report.record(event) }
        let text = shown.text + events.events.map { "\($0)" }.joined()
        for secret in [databaseURL, ShellCommand.quote(databaseURL), "pa'\\''ss", "pa'ss \\\"word\\\"", "tok-0123456789", "sk_live_abcdef"] {
            XCTAssertFalse(text.contains(secret), "\(secret) is shown:\n\(shown.text)")
        }
        XCTAssertTrue(shown.text.contains("key ********"), shown.text)
        XCTAssertFalse(book.exists("looked-up"), "masking rendered a secret the tasks never used (and ran its lookup)")
    }
}
