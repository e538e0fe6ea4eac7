import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// add_host and group_by: a play adds hosts or groups, and the next play targets them.
final class InventoryChangeTests: XCTestCase {
    func testAddHostMakesANewHostWithGroupsAndVariables() {
        var inventory = Inventory()
        inventory.addHost("web1", to: "web")
        XCTAssertTrue(inventory.apply(.addHost(name: "10.0.0.5", groups: ["web", "new"], vars: ["ansible_port": .int(2222)]), host: "web1"))
        XCTAssertEqual(inventory.hostNames(inGroup: "web"), ["web1", "10.0.0.5"])
        XCTAssertEqual(inventory.hostNames(inGroup: "new"), ["10.0.0.5"])
        XCTAssertEqual(inventory.variables(for: "10.0.0.5")["ansible_port"], .int(2222))
        XCTAssertFalse(inventory.hostNames(inGroup: "ungrouped").contains("10.0.0.5"))
        XCTAssertFalse(inventory.apply(.addHost(name: "10.0.0.5", groups: ["web"], vars: ["ansible_port": .int(2222)]), host: "web1"),
                       "adding what is already there changes nothing")
        XCTAssertTrue(inventory.apply(.addHost(name: "10.0.0.5", groups: [], vars: ["ansible_port": .int(22)]), host: "web1"),
                      "a new value for a variable is a change")
    }

    func testGroupByPutsTheHostUnderItsParents() {
        var inventory = Inventory()
        inventory.addHost("db1")
        inventory.finish()
        XCTAssertTrue(inventory.apply(.joinGroup(group: "os_debian", parents: ["linux"]), host: "db1"))
        XCTAssertEqual(inventory.hostNames(inGroup: "linux"), ["db1"])
        XCTAssertEqual(inventory.groupNames(of: "db1"), ["linux", "os_debian"])
        XCTAssertEqual(inventory.hostNames(inGroup: "ungrouped"), [])
        XCTAssertFalse(inventory.apply(.joinGroup(group: "os_debian", parents: ["linux"]), host: "db1"))
    }

    func testAddHostNamesMayCarryAPort() {
        XCTAssertTrue(InventoryChange.splitHostAndPort("web1:2222") == ("web1", 2222))
        XCTAssertTrue(InventoryChange.splitHostAndPort("[::1]:2222") == ("::1", 2222))
        XCTAssertTrue(InventoryChange.splitHostAndPort("fe80::1") == ("fe80::1", nil))
        XCTAssertTrue(InventoryChange.splitHostAndPort("web1") == ("web1", nil))
    }

    func testAPlayAddsHostsThatTheNextPlayTargets() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: add the new web servers
                  add_host:
                    name: "{{ item }}"
                    groups: new_web
                    release: "v2"
                  loop: [new1, "new2:2200"]
                  register: added
                - name: the first host has the result
                  copy: { content: "{{ added.results | map(attribute='add_host.host_name') | join(',') }}", dest: "@DIR@/added" }
                  when: added is defined
            - hosts: new_web
              gather_facts: false
              tasks:
                - name: each new host runs with its own variables
                  shell: echo "{{ inventory_hostname }} {{ release }} {{ ansible_ssh_port | default('-') }} {{ groups.new_web | join(',') }}" >> @DIR@/ran
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run(hosts: ["a", "b"])
        XCTAssertEqual(summary.exitCode, 0, events.failureReport)
        XCTAssertEqual(events.results(ofTask: "add the new web servers").map(\.host), ["a"], "add_host runs once, not per host")
        XCTAssertEqual(events.results(ofTask: "add the new web servers").first?.status, .changed)
        XCTAssertEqual(book.read("added"), "new1,new2")
        XCTAssertEqual(Set((book.read("ran") ?? "").split(separator: "\n")), ["new1 v2 - new1,new2", "new2 v2 2200 new1,new2"])
    }

    func testGroupByLetsTheNextPlayTargetHostsByAVariable() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - set_fact:
                    kind: "{{ 'db' if inventory_hostname == 'b' else 'web' }}"
                - name: group by kind
                  group_by: { key: "kind_{{ kind }}" }
            - hosts: kind_db
              gather_facts: false
              tasks:
                - name: only the database host
                  shell: echo "{{ inventory_hostname }} in {{ group_names | join(',') }}" >> @DIR@/ran
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run(hosts: ["a", "b", "c"])
        XCTAssertEqual(summary.exitCode, 0, events.failureReport)
        XCTAssertEqual(book.read("ran"), "b in kind_db\n")
        XCTAssertEqual(events.results(ofTask: "group by kind").filter { $0.status == .changed }.count, 3)
    }
}
