import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// A role with `meta/argument_specs.yml` starts by validating its variables, as ansible-core 2.21 does (the
/// scenarios and messages of its roles_arg_spec integration target).
final class RoleArgumentSpecTests: XCTestCase {
    static let roleA: [String: String] = [
        "roles/a/meta/argument_specs.yml": """
        argument_specs:
          main:
            short_description: Main entry point for role A.
            options:
              a_str: {type: str, required: true}
          alternate:
            short_description: Alternate entry point for role A.
            options:
              a_int: {type: int, required: true}
        """,
        // Not read: meta/argument_specs.yml wins (this one would require a_something too).
        "roles/a/meta/main.yml": """
        argument_specs:
          main:
            options:
              a_str: {type: str, required: true}
              a_something: {type: str, required: true}
        """,
        "roles/a/tasks/main.yml": "- { name: a main ran, debug: { msg: 'a_str={{ a_str }}' } }\n",
        "roles/a/tasks/alternate.yml": "- { name: a alternate ran, debug: { msg: 'a_int={{ a_int }}' } }\n",
    ]
    static let mainCheck = "a : Validating arguments against arg spec 'main' - Main entry point for role A."

    func testAPlayRoleWithAnUnknownParameterAndNoRequiredOneFailsAtTheValidationTask() async throws {
        let book = try LocalPlaybook(files: Self.roleA.merging([
            "site.yml": """
            - hosts: all
              gather_facts: false
              roles:
                - { role: a, invalid_str: roles }
            """,
        ]) { $1 })
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertNotEqual(summary.exitCode, 0)
        let result = try XCTUnwrap(reporter.results(ofTask: Self.mainCheck).first, "no validation task ran")
        XCTAssertEqual(result.result["msg"]?.displayText,
                       "Validation of arguments failed:\nmissing required arguments: a_str\n"
                       + "invalid_str. Supported parameters include: a_str.")
        XCTAssertEqual(result.result["validate_args_context"],
                       .dict(["type": .string("role"), "name": .string("a"), "argument_spec_name": .string("main"),
                              "path": .string(book.path("roles/a"))]))
        XCTAssertTrue(reporter.results(ofTask: "a : a main ran").isEmpty, "the role ran past its failed validation")
        XCTAssertEqual(summary.stats.first?.stats.failed, 1)
        XCTAssertEqual(summary.stats.first?.stats.ok, 0)
    }

    func testValidUsesPassAndCountAsTasks() async throws {
        let book = try LocalPlaybook(files: Self.roleA.merging([
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars: { INT_VALUE: 42 }
              roles:
                - { role: a, a_str: roles }
              tasks:
                - include_role: { name: a }
                  vars: { a_str: include_role }
                - import_role: { name: a, tasks_from: alternate }
                  vars: { a_int: "{{ INT_VALUE }}" }
            """,
        ]) { $1 })
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        XCTAssertEqual(reporter.results(ofTask: Self.mainCheck).count, 2)
        let alternate = reporter.results(ofTask: "a : Validating arguments against arg spec 'alternate' - Alternate entry point for role A.")
        XCTAssertEqual(alternate.first?.result["msg"]?.displayText, "The arg spec validation passed")
        XCTAssertEqual(reporter.results(ofTask: "a : a alternate ran").count, 1)
        // 3 validations, 2 main runs, 1 alternate run, the include_role itself.
        XCTAssertEqual(summary.stats.first?.stats.ok, 7)
    }

    func testAnIncludedRoleWithAWrongTypeFailsIntoRescueWithAnsiblesResult() async throws {
        let book = try LocalPlaybook(files: [
            "roles/b/meta/argument_specs.yml": """
            argument_specs:
              main:
                short_description: Main entry point for role B.
                options:
                  b_str: {type: str, required: true}
                  b_int: {type: int, required: true}
                  b_bool: {type: bool, required: true}
            """,
            "roles/b/tasks/main.yml": "- { name: b ran, debug: { msg: b } }\n",
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - block:
                    - include_role: { name: b }
                      vars: { b_bool: 7, b_int: "x" }
                  rescue:
                    - name: seen
                      set_fact:
                        errors: "{{ ansible_failed_result.argument_errors }}"
                        failed_task: "{{ ansible_failed_task.name }}"
            """,
        ])
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        let facts = try XCTUnwrap(reporter.results(ofTask: "seen").first?.hostVariables, "the rescue did not run")
        XCTAssertEqual(facts["failed_task"]?.displayText, "Validating arguments against arg spec 'main' - Main entry point for role B.")
        XCTAssertEqual(facts["errors"]?.stringList, [
            "missing required arguments: b_str",
            "argument 'b_int' is of type str and we were unable to convert to int: \"'x'\" cannot be converted to an int",
            "argument 'b_bool' is of type int and we were unable to convert to bool: The value '7' is not a valid boolean. "
                + "Valid booleans include: 0, 1, '0', 'y', 'n', 'off', 't', 'true', 'on', 'false', 'yes', 'f', 'no', '1'",
        ])
        XCTAssertTrue(reporter.results(ofTask: "b : b ran").isEmpty)
    }

    func testVarsOfAnImportAreNotRoleParametersAndRolespecValidateFalseSkipsTheCheck() async throws {
        let book = try LocalPlaybook(files: Self.roleA.merging([
            "roles/c/tasks/main.yml": "- include_role: { name: a, tasks_from: alternate }\n",
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - import_role: { name: c }
                  vars: { c_int: 1, a_int: ~ }
                  ignore_errors: true
                - import_role: { name: a, rolespec_validate: false }
                  vars: { a_str: unchecked }
            """,
        ]) { $1 })
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        let check = reporter.results(ofTask: "a : Validating arguments against arg spec 'alternate' - Alternate entry point for role A.")
        // c_int reaches role a as a variable, not as a parameter: no "Supported parameters" complaint; a null
        // required int cannot be converted.
        XCTAssertEqual(check.first?.result["argument_errors"]?.stringList,
                       ["argument 'a_int' is of type NoneType and we were unable to convert to int: \"None\" cannot be converted to an int"])
        XCTAssertEqual(reporter.results(ofTask: Self.mainCheck).count, 0, "rolespec_validate: false still validated")
        XCTAssertEqual(reporter.results(ofTask: "a : a main ran").count, 1)
    }

    func testTheValidationTaskIsTaggedAlwaysAndListedAsAnsibleListsIt() async throws {
        let book = try LocalPlaybook(files: Self.roleA.merging([
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - import_role: { name: a }
                  vars: { a_str: tagged }
                  tags: [foo]
            """,
        ]) { $1 })
        defer { book.remove() }
        let playbook = try PlaybookLoader().loadPlaybook(at: book.path("site.yml"))
        XCTAssertTrue(PlaybookListing.tasks(playbook).contains("\(Self.mainCheck)\tTAGS: [always, foo]\n"),
                      PlaybookListing.tasks(playbook))
        let (summary, reporter) = try await book.run { $0.tags = ["bar"] }
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        XCTAssertEqual(reporter.results(ofTask: Self.mainCheck).count, 1, "--tags bar left out the validation task")
        XCTAssertTrue(reporter.results(ofTask: "a : a main ran").isEmpty)
    }

    func testNestedOptionsChoicesAndListsAreCheckedWithAnsiblesWords() throws {
        let spec = try Self.yaml("""
            mode: {choices: [fast, slow], default: fast}
            ports: {type: list, elements: int}
            opts:
              type: dict
              options:
                level: {type: dict, options: {depth: {type: int, required: true}}}
            ratio: {type: float}
            settings: {type: dict}
            """)
        XCTAssertEqual(ArgumentSpecCheck.errors(spec: spec, parameters: try Self.yaml("""
            {mode: medium, ports: "80,x", ratio: half, settings: "a=1 b=2", opts: {level: {other: true}}}
            """)), [
            "Elements value for option 'ports' is of type str and we were unable to convert to int: \"'x'\" cannot be converted to an int",
            "argument 'ratio' is of type str and we were unable to convert to float: "
                + "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedStr'> cannot be converted to a float",
            "value of mode must be one of: fast, slow, got: medium",
            "missing required arguments: depth found in opts -> level",
            "opts.level.other. Supported parameters include: depth.",
        ])
        XCTAssertEqual(ArgumentSpecCheck.errors(spec: spec, parameters: try Self.yaml("{ports: [80, '443'], ratio: 2}")), [])
        // A dict with suboptions given as text is reported twice more, first of all, as ansible-core does.
        XCTAssertEqual(ArgumentSpecCheck.errors(spec: spec, parameters: try Self.yaml("opts: not-a-dict")), [
            "dictionary requested, could not parse JSON or key=value",
            "argument 'opts' is of type str and we were unable to convert to dict: dictionary requested, could not parse JSON or key=value",
            "value of 'opts' must be of type dict or list of dicts",
        ])
        XCTAssertEqual(ArgumentSpecCheck.errors(spec: try Self.yaml("{size: {type: bytes}, rate: {type: bits}}"),
                                                parameters: try Self.yaml("{size: 10M, rate: foo}")),
                       ["argument 'rate' is of type str and we were unable to convert to bits: "
                        + "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedStr'> cannot be converted to a Bit value"])
        // A default is checked too, as ansible-core sets it before the checks.
        XCTAssertEqual(ArgumentSpecCheck.errors(spec: try Self.yaml("n: {type: int, default: many}"), parameters: [:]),
                       ["argument 'n' is of type str and we were unable to convert to int: \"'many'\" cannot be converted to an int"])
    }

    static func yaml(_ text: String) throws -> OrderedDictionary<String, Value> {
        let document = try YAMLDocument.parse(text, path: "spec.yml")
        guard let root = document.root, case .dict(let entries) = YAMLDocument.value(of: root) else { return [:] }
        return entries
    }

    func testAnEntryPointWithoutSpecsHasNoValidationTask() throws {
        let book = try LocalPlaybook(files: [
            "roles/c/meta/main.yml": "argument_specs:\n  other:\n    options: {x: {required: true}}\n",
            "roles/c/tasks/main.yml": "- debug: { msg: c }\n",
            "site.yml": "- hosts: all\n  roles: [c]\n",
        ])
        defer { book.remove() }
        let playbook = try PlaybookLoader().loadPlaybook(at: book.path("site.yml"))
        var seen = Set<RoleRun>()
        let tasks = playbook.plays[0].roles[0].expandedBlocks(alreadyRun: &seen)[0].block
        XCTAssertEqual(tasks.count, 1)
    }
}

private extension Value {
    var stringList: [String]? {
        if case .list(let items) = self { return items.map(\.displayText) }
        return nil
    }
}
