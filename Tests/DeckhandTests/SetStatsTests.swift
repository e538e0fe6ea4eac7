import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// set_stats as ansible-core 2.17 keeps custom stats (the values below are what its CUSTOM STATS printed for
/// the same playbook): per host or for the run, aggregated or replaced, loop items, run_once, failures.
final class SetStatsTests: XCTestCase {
    func testStatsAreKeptPerHostOrForTheRunAndAggregatedAsAnsibleDoes() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - set_stats:
                    data: { text: "x-{{ inventory_hostname }}", n: 1, l: ["{{ inventory_hostname }}"], d: { k: { a: 1 } }, b: true, f: 1.5 }
                - set_stats:
                    data: { d: { k: { b: 2 }, other: 3 } }
                - set_stats:
                    data: { text: "y", mixed: 1 }
                    per_host: true
                - name: a value of another type leaves the stat as it was
                  set_stats:
                    data: { mixed: "str" }
                    per_host: true
                - set_stats:
                    data: { replaced: "{{ inventory_hostname }}" }
                    aggregate: false
                - set_stats:
                    data: { looped: ["{{ item }}"] }
                  loop: [1, 2]
                - set_stats:
                    data: { once: "{{ inventory_hostname }}" }
                    per_host: true
                  run_once: true
                - name: a failed set_stats counts for nothing
                  set_stats:
                    data: { failing: 1 }
                  failed_when: true
                  ignore_errors: true
                - set_stats:
                    data: { skipped: 1 }
                  when: false
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run(hosts: ["a", "b"])
        XCTAssertEqual(summary.exitCode, 0)
        let stats = summary.customStats
        XCTAssertEqual(stats.run["text"], .string("x-ax-b"), "text joins")
        XCTAssertEqual(stats.run["n"], .int(2), "numbers sum")
        XCTAssertEqual(stats.run["b"], .int(2), "booleans sum as Python's do")
        XCTAssertEqual(stats.run["f"], .double(3.0))
        XCTAssertEqual(stats.run["l"], .list([.string("a"), .string("b")]), "lists join")
        XCTAssertEqual(stats.run["d"], .dict(["k": .dict(["a": .int(1), "b": .int(2)]), "other": .int(3)]), "dicts merge")
        XCTAssertEqual(stats.run["replaced"], .string("b"),
                       "aggregate: false replaces (the last host's in host order; Ansible's is whichever finished last)")
        XCTAssertEqual(stats.run["looped"], .list([.int(1), .int(2), .int(1), .int(2)]), "each loop item counts")
        XCTAssertNil(stats.run["failing"])
        XCTAssertNil(stats.run["skipped"])
        for host in ["a", "b"] {
            XCTAssertEqual(stats.hosts[host], ["text": .string("y"), "mixed": .int(1), "once": .string("a")],
                           "per host; run_once gives every host the one run's stats")
        }
        XCTAssertEqual(summary.outcome(named: "text"), [.string("y"), .string("y"), .string("x-ax-b")],
                       "each host's value in host order, then the run's")
    }

    func testAStatNameThatIsNoIdentifierFailsTheTaskAsAnsibleSays() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: a bad name
                  set_stats:
                    data: { "bad-name": 1 }
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 2)
        XCTAssertEqual(events.results(ofTask: "a bad name").first?.msg,
                       "The variable name 'bad-name' is not valid. Variables must start with a letter or underscore "
                       + "character, and contain only letters, numbers and underscores.")
        XCTAssertTrue(summary.customStats.run.isEmpty)
    }

    func testStatsAreSetInCheckModeAndChangeNothing() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: the outcome
                  set_stats:
                    data: { backup_created: "/backups/v1.dump" }
                    per_host: true
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run { $0.checkMode = true }
        XCTAssertEqual(summary.outcome(named: "backup_created"), [.string("/backups/v1.dump")])
        XCTAssertEqual(events.results(ofTask: "the outcome").first?.status, .ok)
        XCTAssertEqual(summary.stats(of: "web1")?.changed, 0)
    }
}
