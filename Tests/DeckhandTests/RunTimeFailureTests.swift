import Foundation
import XCTest
@testable import Deckhand

/// What fails when the task runs rather than before the run (issue 18): a mistake in the arguments of a task
/// whose failure the play handles, arguments module_defaults give, an undecryptable `!vault` value, a module
/// that breaks off; each with Ansible's words in the registered result.
final class RunTimeFailureTests: XCTestCase {
    private func recorded(_ book: LocalPlaybook) throws -> [String: [String: Any]] {
        let data = try XCTUnwrap(book.read("out.json")?.data(using: .utf8))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
    }

    func testAnArgumentMistakeNobodyHandlesStillStopsTheRunBeforeAnythingRuns() throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - copy: { dest: "@DIR@/ran", content: x }
                - include_vars: { blah: 123 }
            """,
        ])
        defer { book.remove() }
        XCTAssertThrowsError(try PlaybookLoader().loadPlaybook(at: book.path("site.yml"))) { error in
            XCTAssertTrue("\(error)".contains("'include_vars' has no argument 'blah'"), "\(error)")
        }
    }

    func testAMistakeInATaskWhoseFailureThePlayHandlesFailsThatTaskWithAnsiblesMessage() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - include_vars: { blah: 123 }
                  ignore_errors: true
                  register: unknown
                - command:
                  args: { chdir: / }
                  register: no_command
                  failed_when: no_command is not failed
                - block:
                    - command: echo testing
                      args: { argv: [echo, testing] }
                      register: both
                  rescue:
                    - add_host: namenewhost groupsnewgroup
                      ignore_errors: true
                      register: free_text
                - copy:
                    dest: "@DIR@/out.json"
                    content: "{{ {'unknown': unknown, 'no_command': no_command, 'both': both, 'free_text': free_text} | to_json }}"
            """,
        ])
        defer { book.remove() }
        let playbook = try PlaybookLoader().loadPlaybook(at: book.path("site.yml"))
        XCTAssertEqual(playbook.warnings.count, 6, "each deferred mistake is still reported: \(playbook.warnings)")
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        let out = try recorded(book)
        XCTAssertEqual(out["unknown"]?["failed"] as? Bool, true)
        XCTAssertEqual(out["unknown"]?["msg"] as? String, "Task failed: blah is not a valid option in include_vars")
        XCTAssertEqual(out["no_command"]?["msg"] as? String, "one of the following is required: _raw_params, cmd, argv")
        XCTAssertEqual(out["both"]?["msg"] as? String, "parameters are mutually exclusive: _raw_params|cmd|argv")
        XCTAssertEqual(out["free_text"]?["failed"] as? Bool, true)
        XCTAssertEqual(out["free_text"]?["msg"] as? String, "missing required arguments: name")
    }

    func testABrokenTemplateInATaskWhoseFailureIsIgnoredFailsWhenItRuns() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - raw: echo {{ '' | nope }}
                  ignore_errors: true
                  register: unknown_filter
                - copy: { dest: "@DIR@/out.json", content: "{{ {'unknown_filter': unknown_filter} | to_json }}" }
            """,
            "broken.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - raw: echo {{ '' | nope }}
            """,
        ])
        defer { book.remove() }
        XCTAssertThrowsError(try PlaybookLoader().loadPlaybook(at: book.path("broken.yml")), "unhandled: refused before the run")
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        let message = try XCTUnwrap(try recorded(book)["unknown_filter"]?["msg"] as? String)
        XCTAssertTrue(message.contains("No filter named 'nope'"), message)
    }

    func testArgumentsFromAModuleDefaultsTemplateAreCheckedWhenTheTaskRuns() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars: { target: "@DIR@/touched" }
              module_defaults:
                file: { path: "{{ target }}" }
              tasks:
                - block:
                    - file: { state: touch }
                - assert: '{{ item }}'
                  loop: [{}]
                  ignore_errors: true
                  register: empty
                - copy: { dest: "@DIR@/out.json", content: "{{ {'empty': empty.results[0]} | to_json }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertTrue(book.exists("touched"), "the play's module_defaults gave file its path")
        XCTAssertEqual(try recorded(book)["empty"]?["msg"] as? String, "missing required arguments: that")
    }

    func testAModuleThatBreaksOffIsWordedAsAnsible221WordsIt() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - ping: { data: crash }
                  ignore_errors: true
                  register: crashed
                - copy: { dest: "@DIR@/out.json", content: "{{ {'crashed': crashed} | to_json }}" }
            """,
        ])
        defer { book.remove() }
        _ = try await book.run()
        let crashed = try XCTUnwrap(try recorded(book)["crashed"])
        XCTAssertEqual(crashed["failed"] as? Bool, true)
        XCTAssertEqual(crashed["msg"] as? String, "Task failed: Module failed: boom")
    }

    func testACommandWhoseProgramDoesNotExistFailsAsAnsiblesRunCommandDoes() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - command: commandthatdoesnotexist --would-be-awkward
                  register: missing
                  failed_when: missing.stdout != '' or missing.stderr != ''
                - shell: exit 3
                  register: three
                  ignore_errors: true
                - copy: { dest: "@DIR@/out.json", content: "{{ {'missing': missing, 'three': three} | to_json }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        let out = try recorded(book)
        XCTAssertEqual(out["missing"]?["rc"] as? Int, 2)
        XCTAssertEqual(out["missing"]?["msg"] as? String, "Error executing command.")
        XCTAssertEqual(out["three"]?["rc"] as? Int, 3)
        XCTAssertEqual(out["three"]?["msg"] as? String, "The command exited with a non-zero return code.")
    }

    func testAnUndecryptableVaultValueFailsOnlyWhereItIsUsed() async throws {
        VaultSecrets.installed = VaultSecrets()
        let token = AnsibleVaultVectors.inlineToken.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n")
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - copy: { dest: "@DIR@/ran", content: "the play runs without the password" }
                - vars:
            \(token)
                  block:
                    - debug: { msg: "{{ {'deeper': api_token} | to_json }}" }
                      ignore_errors: true
                      register: used
                - copy: { dest: "@DIR@/out.json", content: "{{ {'used': used} | to_json }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(book.read("ran"), "the play runs without the password")
        let message = try XCTUnwrap(try recorded(book)["used"]?["msg"] as? String)
        XCTAssertTrue(message.contains("undecryptable variable"), message)
        XCTAssertTrue(message.contains("site.yml:6"), "names where the value is: \(message)")
        XCTAssertTrue(message.contains("--vault-password-file"), "says what to do: \(message)")
    }
}
