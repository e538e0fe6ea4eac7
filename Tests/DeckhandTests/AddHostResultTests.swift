import Foundation
import XCTest
@testable import Deckhand

/// add_host as Ansible's integration target checks it: the new host's groups in hostvars, a `name:port`
/// port as ansible_ssh_port in the result.
final class AddHostResultTests: XCTestCase {
    func testAnAddedHostShowsItsGroupsInHostvarsAndItsPortAsAnsibleSshPort() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - add_host: { name: "127.0.1.1:2222", groups: newgroup }
                  register: hostport
                - copy:
                    dest: "@DIR@/out.json"
                    content: "{{ {'result': hostport.add_host, 'groups': hostvars['127.0.1.1'].group_names} | to_json }}"
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        let data = try XCTUnwrap(book.read("out.json")?.data(using: .utf8))
        let out = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let result = try XCTUnwrap(out["result"] as? [String: Any])
        XCTAssertEqual(result["host_name"] as? String, "127.0.1.1")
        XCTAssertEqual((result["host_vars"] as? [String: Any])?["ansible_ssh_port"] as? Int, 2222)
        XCTAssertEqual(out["groups"] as? [String], ["newgroup"])
    }
}
