import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// `!unsafe` strings are data: never rendered, whatever braces they hold, and never evaluated as a conditional.
final class UnsafeTagTests: XCTestCase {
    func testAnUnsafeStringIsNeverRendered() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": #"""
            - hosts: all
              gather_facts: false
              vars:
                secret: !unsafe '{{ lookup("pipe", "touch @DIR@/ran") }}'
                nested: { quoted: !unsafe "it's {{ x }} \\ {% endraw %}", rendered: "{{ 1 + 1 }}" }
              tasks:
                - name: var
                  debug: { var: secret }
                - name: nested
                  debug: { msg: "{{ nested }}" }
                - name: written
                  copy: { content: !unsafe "{{ ansible_managed }}\n", dest: "@DIR@/out.txt" }
                - name: condition
                  debug: { msg: never }
                  when: !unsafe 3 == 3
                  ignore_errors: true
            """#,
        ])
        defer { book.remove() }
        let (_, events) = try await book.run()
        XCTAssertFalse(book.exists("ran"), "the lookup inside the !unsafe value never ran")
        XCTAssertEqual(events.results(ofTask: "var").first?.result["secret"], .string(#"{{ lookup("pipe", "touch \#(book.directory)/ran") }}"#))
        XCTAssertEqual(events.results(ofTask: "nested").first?.result["msg"],
                       .dict(["quoted": .string(#"it's {{ x }} \ {% endraw %}"#), "rendered": .int(2)]))
        XCTAssertEqual(book.read("out.txt"), "{{ ansible_managed }}\n")
        XCTAssertTrue(events.results(ofTask: "condition").first?.result["msg"]?.displayText
            .contains("Encountered untrusted template or expression: '3 == 3'") == true)
    }
}
