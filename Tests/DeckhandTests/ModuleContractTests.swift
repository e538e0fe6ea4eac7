import Foundation
import Jinja
import OrderedCollections
import SSH
import XCTest
@testable import Deckhand

/// What the runner does for a module comes from its spec, and a command's answer reads the same on every
/// connection.
final class ModuleContractTests: XCTestCase {
    func testTasksThatRunOnTheControllerNeverAskForAConnection() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - set_fact: { release: v2 }
                - include_vars: { file: vars.yml }
                - debug: { msg: "{{ release }} of {{ app }}" }
                - assert: { that: [ "release == 'v2'" ] }
                - fail: { msg: never }
                  when: false
                - group_by: { key: "release_{{ release }}" }
                - add_host: { name: web9, groups: later }
                - name: a command needs the host
                  command: "true"
            """,
            "vars.yml": "app: shop\n",
        ])
        defer { book.remove() }
        let asked = AskedHosts()
        let loader = PlaybookLoader()
        var options = RunOptions()
        options.loader = loader
        let pool = ConnectionPool { variables in
            asked.add(variables.hostName)
            throw ConnectionError(host: variables.hostName, message: "no route to \(variables.hostName)")
        }
        let reporter = RecordingReporter()
        let runner = PlaybookRunner(inventory: try Inventory.load(from: ["web1,"]), options: options, pool: pool,
                                    reporter: reporter)
        let summary = await runner.run(try loader.loadPlaybook(at: book.path("site.yml")))
        let stats = try XCTUnwrap(summary.stats(of: "web1"))
        XCTAssertEqual(stats.unreachable, 1, "only the command reached for the host: \(reporter.failureReport)")
        XCTAssertEqual(stats.failed, 0, reporter.failureReport)
        XCTAssertEqual(stats.ok, 6)
        XCTAssertEqual(stats.skipped, 1)
        XCTAssertEqual(asked.names, ["web1"], "one connection asked for, by the command")
        XCTAssertEqual(reporter.results(ofTask: "debug").first?.msg, "v2 of shop")
        XCTAssertEqual(runner.inventory.hostNames(inGroup: "release_v2"), ["web1"])
        XCTAssertEqual(runner.inventory.hostNames(inGroup: "later"), ["web9"])
    }

    func testTheSpecsDeclareWhatTheRunnerDoesForThem() throws {
        let controller = ModuleRegistry.specs.filter(\.runsOnController).map(\.name)
        XCTAssertEqual(Set(controller), ["add_host", "assert", "debug", "fail", "group_by", "include_vars", "set_fact",
                                          "validate_argument_spec"])
        // getent's facts are named getent_<database> as they are, not ansible_-prefixed as gathered facts are.
        XCTAssertEqual(ModuleRegistry.specs.filter(\.setsHostVariables).map(\.name).sorted(), ["getent", "include_vars", "set_fact"])
        XCTAssertEqual(ModuleRegistry.specs.filter(\.bypassesHostLoop).map(\.name), ["add_host"])
        XCTAssertEqual(ModuleRegistry.specs.filter { !$0.registersFacts }.map(\.name), ["set_fact"])
        XCTAssertEqual(ModuleRegistry.spec(named: "debug")?.verbosityArgument, "verbosity")
        XCTAssertEqual(ModuleRegistry.specs.filter(\.showsResult).map(\.name), ["debug"])
        for spec in ModuleRegistry.specs {
            if let argument = spec.verbosityArgument {
                XCTAssertNotNil(spec.argument(named: argument), "\(spec.name) declares \(argument) as its verbosity argument")
            }
        }
    }

    func testADebugMessageIsPrintedWithoutAskingForVerbosity() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - debug: { msg: "deploying v2" }
                - command: echo quiet
            """,
        ])
        defer { book.remove() }
        let human = LinesBox()
        let runner = PlaybookRunner(inventory: try Inventory.load(from: ["web1,"]), options: RunOptions(),
                                    pool: ConnectionPool { LocalConnection(hostName: $0.hostName) },
                                    reporter: HumanReport(terminal: false) { human.append($0) })
        _ = await runner.run(try PlaybookLoader().loadPlaybook(at: book.path("site.yml")))
        XCTAssertTrue(human.text.contains("ok: [web1] => msg: deploying v2"), human.text)
        XCTAssertFalse(human.text.contains("quiet"), "other results only with -v:\n\(human.text)")
    }

    func testACommandKilledByASignalExits128PlusItsNumberLocally() async throws {
        // KILL: the test process blocks TERM, and a child started from it inherits that.
        let result = try await LocalConnection().run(ShellCommand.script("echo before; kill -KILL $$; echo after"))
        XCTAssertEqual(result.exitStatus, 128 + 9)
        XCTAssertEqual(result.exitSignal, "KILL")
        XCTAssertEqual(result.stdoutText, "before\n")
    }

    func testACommandKilledByASignalExits128PlusItsNumberOverSSH() async throws {
        try LoopbackHost.requireUp()
        let connection = try LoopbackHost.pool().connection(for: ConnectionVariables(
            hostName: "testhost", variables: ["ansible_host": .string("127.0.0.1"), "ansible_port": .int(22022),
                                                 "ansible_user": .string("deckhand")]))
        defer { _Concurrency.Task { await connection.close() } }
        let result = try await connection.run(ShellCommand.script("kill -TERM $$"))
        XCTAssertEqual(result.exitStatus, 128 + 15)
        XCTAssertEqual(result.exitSignal, "TERM")
    }

    func testAShellTaskKilledByASignalFailsWithItsExitStatusAndTheSignal() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: killed
                  shell: kill -KILL $$
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 2)
        let result = try XCTUnwrap(events.results(ofTask: "killed").first)
        XCTAssertEqual(result.result["rc"], .int(128 + 9))
        XCTAssertEqual(result.msg, "killed by signal KILL")
    }
}

private final class AskedHosts: @unchecked Sendable {
    private let lock = NSLock()
    private var asked: [String] = []
    func add(_ name: String) { lock.withLock { asked.append(name) } }
    var names: [String] { lock.withLock { asked } }
}
