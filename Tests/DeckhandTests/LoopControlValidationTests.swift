import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// loop_control values Ansible cannot use fail the task when it runs, with Ansible's messages (its
/// loop-validation target): the playbook still loads and the other tasks run.
final class LoopControlValidationTests: XCTestCase {
    func testInvalidLoopControlValuesFailTheirTaskWithAnsiblesMessages() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - { name: loop_var, debug: { msg: x }, loop: [1], loop_control: { loop_var: "0" }, ignore_errors: true }
                - { name: index_var, debug: { msg: x }, loop: [1], loop_control: { index_var: "1x" }, ignore_errors: true }
                - { name: pause, debug: { msg: x }, loop: [1], loop_control: { pause: not-a-number }, ignore_errors: true }
                - { name: extended, debug: { msg: x }, loop: [1], loop_control: { extended: not-a-bool }, ignore_errors: true }
                - { name: allitems, debug: { msg: x }, loop: [1], loop_control: { extended_allitems: maybe }, ignore_errors: true }
                - name: break_when
                  debug: { msg: Hello world! }
                  loop: [1, 2]
                  loop_control: { break_when: { nope: sorry } }
                  ignore_errors: true
                  register: broken
                - name: after
                  debug: { msg: "{{ broken.results | length }} {{ broken.results[0].break_when_result }} {{ broken.results[0].msg }}" }
                - { name: fine, debug: { msg: "{{ item }}" }, loop: [1], loop_control: { pause: "0.01", extended: yes } }
            """,
        ])
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        func message(_ task: String) -> String? { reporter.results(ofTask: task).first?.result["msg"]?.displayText }
        XCTAssertEqual(message("loop_var"), "Invalid 'loop_var': Invalid variable name '0'.")
        XCTAssertEqual(message("index_var"), "Invalid 'index_var': Invalid variable name '1x'.")
        XCTAssertEqual(message("pause"), "Error processing keyword 'pause': The value 'not-a-number' could not be converted to 'float'.")
        XCTAssertEqual(message("extended"), "Error processing keyword 'extended': The value 'not-a-bool' could not be converted to 'bool'.")
        XCTAssertEqual(message("allitems"), "Error processing keyword 'extended_allitems': The value 'maybe' could not be converted to 'bool'.")
        XCTAssertEqual(message("break_when"), "One or more items failed")
        XCTAssertEqual(message("after"), "1 Conditional expressions must be strings. Hello world!")
        XCTAssertEqual(reporter.results(ofTask: "fine").first?.status, .ok)
    }
}
