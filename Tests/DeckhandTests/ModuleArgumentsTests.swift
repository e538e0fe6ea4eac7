import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// A task's arguments reach a module through its spec: aliases, defaults and choices live there only.
final class ModuleArgumentsTests: XCTestCase {
    func testAnAliasReachesTheModuleUnderTheArgumentsOwnName() throws {
        let cron = try CronModule.make(["name": .string("backup"), "value": .string("run-backup"), "dom": .string("1"),
                                        "dow": .string("0")])
        XCTAssertEqual(cron.job, "run-backup")
        XCTAssertEqual(cron.schedule, "* * 1 * 0")
        let arguments = try ModuleArguments(["dom": .string("1")], spec: CronModule.spec.without(required: "name"))
        XCTAssertEqual(arguments.values["day"], .string("1"))
        XCTAssertNil(arguments.values["dom"])
    }

    func testAnAliasGivenBesideTheOwnNameWinsAsInAnsible() throws {
        let arguments = try ModuleArguments(["day": .string("2"), "dom": .string("3")],
                                            spec: CronModule.spec.without(required: "name"))
        XCTAssertEqual(arguments.values["day"], .string("3"))
    }

    func testALoneNumberIsAListOfOneAsInAnsible() throws {
        let uri = try UriModule.make(["url": .string("http://127.0.0.1/"), "status_code": .int(204)])
        XCTAssertEqual(uri.statusCodes, [204])
        XCTAssertThrowsError(try UriModule.make(["url": .string("http://127.0.0.1/"), "status_code": .dict([:])]))
    }

    func testDefaultsComeFromTheSpecAndANullIsUnset() throws {
        let arguments = try ModuleArguments(["name": .string("job"), "hour": .none], spec: CronModule.spec)
        XCTAssertEqual(arguments.values["minute"], .string("*"))
        XCTAssertEqual(arguments.values["hour"], .string("*"))
        XCTAssertEqual(arguments.values["state"], .string("present"))
        XCTAssertEqual(arguments.values["disabled"], .bool(false))
        XCTAssertNil(arguments.values["user"], "no default, no value")
        XCTAssertEqual(try UserModule.make(["name": .string("app")]).createHome, true)
    }

    func testAWrongChoiceNamesTheArgumentTheAllowedValuesAndTheTask() {
        XCTAssertThrowsError(try CronModule.make(["name": .string("job"), "state": .string("presnt")],
                                                 task: "Install the backup job")) { error in
            XCTAssertEqual("\(error)", "argument 'state' of 'cron' in task 'Install the backup job' must be one of "
                + "present, absent, not 'presnt' (did you mean 'present'?)")
        }
        XCTAssertThrowsError(try ServiceModule.make(["name": .string("nginx"), "state": .list([.string("started")])])) {
            XCTAssertTrue("\($0)".contains("must be one of started, stopped, restarted, reloaded"), "\($0)")
        }
    }

    func testAYAMLBooleanChoiceReachesTheModuleAsTheWordItMatched() throws {
        let arguments = try ModuleArguments(["url": .string("http://x/"), "follow_redirects": .bool(false)],
                                            spec: UriModule.spec)
        XCTAssertEqual(arguments.values["follow_redirects"], .string("no"))
    }

    func testAMissingRequiredArgumentNamesTheModuleAndTheTask() {
        XCTAssertThrowsError(try SupervisorctlModule.make(["name": .string("app")], task: "Restart the app")) {
            XCTAssertEqual("\($0)", "'supervisorctl' needs the argument 'state' in task 'Restart the app'")
        }
    }

    func testFreeFormTextGivenAsRawParamsIsTheFreeFormArgument() throws {
        let shell = try ShellModule.make(["_raw_params": .string("echo hi"), "chdir": .string("/tmp")])
        XCTAssertEqual(shell.invocation.chdir, "/tmp")
        XCTAssertEqual(try ModuleArguments(["_raw_params": .string("vars.yml")], spec: IncludeVarsModule.spec)
            .values["file"], .string("vars.yml"))
    }

    func testASingleLineFieldRefusesALineBreak() {
        var spec = CronModule.spec
        spec.arguments = spec.arguments.map { var argument = $0; argument.singleLine = argument.name == "name"; return argument }
        XCTAssertNoThrow(try ModuleArguments(["name": .string("nightly backup")], spec: spec))
        XCTAssertThrowsError(try ModuleArguments(["name": .string("x\n* * * * * root touch /pwned")], spec: spec,
                                                 task: "Schedule")) {
            XCTAssertTrue("\($0)".hasPrefix("argument 'name' of 'cron' in task 'Schedule' must be a single line"), "\($0)")
        }
        let problem = ArgumentValidator.typeProblem(.string("a\nb"), spec.argument(named: "name")!)
        XCTAssertEqual(problem, "must be a single line, but it holds a line break")
    }

    func testArgumentsEveryModuleDoesNotKnowStayForThoseThatTakeAny() throws {
        let facts = try SetFactModule.make(["release": .string("v2"), "empty": .none])
        XCTAssertEqual(facts.facts, ["release": .string("v2"), "empty": .none])
    }
}

extension ModuleSpec {
    /// The spec with `name` no longer required, to look at one argument alone.
    func without(required name: String) -> ModuleSpec {
        var spec = self
        spec.arguments = arguments.map { var argument = $0; if argument.name == name { argument.required = false }; return argument }
        return spec
    }
}

extension ModuleArgumentsTests {
    func testASecretGivenUnderAnAliasIsMaskedInTheCommandsShown() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: fetch with basic auth
                  uri: { url: "http://127.0.0.1:9/", user: deploy, password: hunter2-secret, timeout: 1 }
                  ignore_errors: true
            """,
        ])
        defer { book.remove() }
        let human = LinesBox()
        let runner = PlaybookRunner(inventory: try Inventory.load(from: ["web1,"]), options: {
            var options = RunOptions(); options.verbosity = 3; return options }(),
            pool: ConnectionPool { LocalConnection(hostName: $0.hostName) },
            reporter: HumanReport(verbosity: 3, terminal: false) { human.append($0) })
        _ = await runner.run(try PlaybookLoader().loadPlaybook(at: book.path("site.yml")))
        XCTAssertTrue(human.text.contains("deploy:********"), human.text)
        XCTAssertFalse(human.text.contains("hunter2"), human.text)
    }
}

extension ModuleArgumentsTests {
    func testAFailedAssertNamesTheConditionThatWasFalse() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars: { workers: 2 }
              tasks:
                - assert:
                    that: [workers > 1, workers > 3]
            """,
        ])
        defer { book.remove() }
        let human = LinesBox()
        let runner = PlaybookRunner(inventory: try Inventory.load(from: ["web1,"]), options: RunOptions(),
            pool: ConnectionPool { LocalConnection(hostName: $0.hostName) },
            reporter: HumanReport(terminal: false) { human.append($0) })
        _ = await runner.run(try PlaybookLoader().loadPlaybook(at: book.path("site.yml")))
        XCTAssertTrue(human.text.contains("Assertion failed\n    assertion: workers > 3"), human.text)
    }
}
