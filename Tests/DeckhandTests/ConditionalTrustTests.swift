import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// Conditionals as ansible-core 2.21 evaluates them: a whole `{{ template }}` is resolved first, and the
/// expression it gives must be text the operator wrote; a host's output is never evaluated as one.
final class ConditionalTrustTests: XCTestCase {
    private func run(_ tasks: String) async throws -> RecordingReporter {
        let book = try LocalPlaybook(files: [
            "site.yml": "- hosts: all\n  gather_facts: false\n  vars:\n    check: \"outcome == 'built'\"\n"
                + "    outcome: built\n    checks: [\"{{ 1 == 1 }}\", \"outcome == 'built'\"]\n  tasks:\n" + tasks,
        ])
        defer { book.remove() }
        return try await book.run().1
    }

    private func result(of task: String, in events: RecordingReporter) -> [String: Value] {
        events.results(ofTask: task).first.map { Dictionary(uniqueKeysWithValues: $0.result.map { ($0.key, $0.value) }) } ?? [:]
    }

    func testATemplatedConditionalIsTheExpressionItsVariableHolds() async throws {
        let events = try await run("""
              - name: indirect
                debug: { msg: ran }
                when: "{{ check }}"
              - name: indirect false
                debug: { msg: ran }
                when: "{{ check ~ ' and true' }}"
        """)
        XCTAssertEqual(events.results(ofTask: "indirect").first?.status, .ok, "the string 'outcome == ...' was evaluated")
        let refused = result(of: "indirect false", in: events)
        XCTAssertTrue(refused["msg"]?.displayText.contains("untrusted template or expression") == true,
                      "a template's output is not an expression: \(refused)")
    }

    func testAHostsOutputIsNeverEvaluatedAsAConditional() async throws {
        let events = try await run("""
              - name: output
                command: printf '%s == %s' 97531 97531
                register: out
              - name: indirect
                debug: { msg: ran }
                when: "{{ out.stdout }}"
                ignore_errors: true
              - name: asserted
                assert: { that: "{{ [out.stdout] }}" }
        """)
        for task in ["indirect", "asserted"] {
            let message = result(of: task, in: events)["msg"]?.displayText ?? ""
            XCTAssertTrue(message.contains("Encountered untrusted template or expression: '97531 == 97531'"), "\(task): \(message)")
        }
    }

    func testConstantTemplatesAreRenderedInExpressionsAndLookupArguments() async throws {
        let events = try await run("""
              - name: constants
                assert:
                  that:
                    - "\\"built\\" == \\"bu{{ 'ilt' }}\\""
                    - lookup('pipe', 'echo {{ outcome }}') == 'built'
              - name: in a template
                debug: { msg: "{{ lookup('pipe', 'echo {{ outcome }}') }}|{{ 'x{{ 1 }}' }}" }
              - name: lookup name
                debug: { msg: "{{ lookup('{{ \\"pipe\\" }}', 'x') }}" }
                ignore_errors: true
        """)
        XCTAssertEqual(events.results(ofTask: "constants").first?.status, .ok, events.failureReport)
        XCTAssertEqual(result(of: "in a template", in: events)["msg"], .string("built|x{{ 1 }}"),
                       "a lookup's string argument is a template, any other string constant of a template is text")
        XCTAssertTrue(result(of: "lookup name", in: events)["msg"]?.displayText.contains("lookup plugin '{{ \"pipe\" }}' was not found") == true)
    }

    func testAssertTakesAListFromOneTemplateAndNotesBracedConditionals() async throws {
        let events = try await run("""
              - name: list
                assert: { that: "{{ checks }}" }
              - name: braced
                assert: { that: "{{ outcome == 'built' }}" }
              - name: empty
                assert: { that: }
                ignore_errors: true
              - name: not a string
                assert: { that: [{ a: b }] }
                ignore_errors: true
        """)
        for task in ["list", "braced"] {
            let outcome = result(of: task, in: events)
            XCTAssertEqual(outcome["failed"], .bool(false), "\(task): \(outcome)")
            guard case .list(let deprecations)? = outcome["deprecations"], deprecations.count == 1 else {
                return XCTFail("\(task): one deprecation for the braced conditional: \(outcome)")
            }
            XCTAssertTrue(deprecations[0].displayText.contains("should not be surrounded by templating delimiters"))
        }
        let warnings = events.events.compactMap { event -> String? in
            if case .warning(let text) = event { return text }
            return nil
        }
        XCTAssertEqual(warnings.filter { $0.contains("deprecated: Conditionals should not be surrounded") }.count, 2,
                       "each braced conditional is noted to the operator: \(warnings)")
        XCTAssertTrue(result(of: "empty", in: events)["msg"]?.displayText.contains("Empty conditional expressions are not allowed") == true)
        XCTAssertTrue(result(of: "not a string", in: events)["msg"]?.displayText.contains("Conditional expressions must be strings") == true)
    }

    func testAConditionalMustComeToABool() async throws {
        // ansible-playbook 2.21: "Conditional result (True) was derived from value of type 'str' ... Conditionals
        // must have a boolean result." The string "false" would otherwise hold.
        let events = try await run("""
              - name: a string
                debug: { msg: ran }
                when: outcome
                ignore_errors: true
              - name: a list
                debug: { msg: ran }
                when: checks
                ignore_errors: true
              - name: as a bool
                debug: { msg: ran }
                when: checks | length > 0 and 'false' | bool == false
        """)
        for task in ["a string", "a list"] {
            let outcome = result(of: task, in: events)
            XCTAssertEqual(events.results(ofTask: task).first?.status, .failed, "\(task): \(outcome)")
            XCTAssertTrue(outcome["msg"]?.displayText.contains("Conditionals must have a boolean result") == true, "\(outcome)")
        }
        XCTAssertEqual(events.results(ofTask: "as a bool").first?.status, .ok)
    }

    func testTrustedAsTemplateIsTextTheOperatorWrote() async throws {
        let events = try await run("""
              - name: out
                command: printf 'from-the-host-8642'
                register: out
              - name: tags
                assert:
                  that:
                    - check is ansible._protomatter.tagged_with('TrustedAsTemplate')
                    - out.stdout is not ansible._protomatter.tagged_with('TrustedAsTemplate')
        """)
        XCTAssertEqual(events.results(ofTask: "tags").first?.status, .ok, events.failureReport)
    }
}
