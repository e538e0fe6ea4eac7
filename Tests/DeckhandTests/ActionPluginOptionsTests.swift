import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// Ansible's action plugins that check their own options (wait_for_connection, fail, group_by, set_stats) word
/// an unknown one as "Invalid options for NAME: ...", not as a module's "Unsupported parameters".
final class ActionPluginOptionsTests: XCTestCase {
    func testAnUnknownOptionOfAnActionPluginIsWordedAsAnsibles() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - { name: wait, wait_for_connection: { foo: bar }, ignore_errors: true }
                - { name: fail, fail: { msg: x, bogus: 1, another: 2 }, ignore_errors: true }
                - { name: copy, copy: { content: x, dest: /nonexistent/x, nope: 1 }, ignore_errors: true }
            """,
        ])
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        func message(_ task: String) -> String? { reporter.results(ofTask: task).first?.result["msg"]?.displayText }
        XCTAssertEqual(message("wait"), "Invalid options for wait_for_connection: foo")
        XCTAssertEqual(message("fail"), "Invalid options for fail: another,bogus")
        XCTAssertTrue(message("copy")?.hasPrefix("Unsupported parameters for (copy) module: nope.") == true, message("copy") ?? "")
    }
}
