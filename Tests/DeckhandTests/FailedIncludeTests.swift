import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// An include that cannot be loaded fails its hosts like any failed task: a rescue sees it, the recap counts
/// it, and `--output json` reports it.
final class FailedIncludeTests: XCTestCase {
    func testAMissingIncludedFileIsRescuedAndTheRescueNamesItsTaskAndMessage() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars:
                step: migrate
              tasks:
                - block:
                    - name: run the step
                      include_tasks: "steps/{{ step }}.yml"
                  rescue:
                    - name: say what failed
                      copy:
                        content: "{{ ansible_failed_task.name }}|{{ ansible_failed_result.msg }}"
                        dest: "@DIR@/rescued"
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, "a rescued include is not a failure")
        XCTAssertEqual(summary.stats(of: "web1")?.rescued, 1)
        XCTAssertEqual(summary.stats(of: "web1")?.failed, 0)
        let rescued = try XCTUnwrap(book.read("rescued"), "the rescue ran")
        XCTAssertTrue(rescued.hasPrefix("run the step|"), rescued)
        XCTAssertTrue(rescued.contains("cannot find 'steps/migrate.yml'"), rescued)

        let json = jsonLines(events).filter { $0["event"] == .string("host_result") && $0["task"] == .string("run the step") }
        XCTAssertEqual(json.count, 1, "one failed result for the include")
        XCTAssertEqual(json.first?["status"], .string("failed"))
        XCTAssertEqual(json.first?["host"], .string("web1"))
        guard case .dict(let result)? = json.first?["result"] else { return XCTFail("no result in \(json)") }
        XCTAssertTrue(result["msg"]?.displayText.contains("steps/migrate.yml") ?? false, "\(result)")
        XCTAssertTrue(jsonLines(events).contains { $0["event"] == .string("task_start") && $0["task"] == .string("run the step") },
                      "the failed include has its banner")
    }

    func testAMissingIncludeOutsideABlockFailsTheHostAndTheRun() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - include_tasks: "{{ inventory_hostname }}-only.yml"
                - copy: { content: "went on", dest: "@DIR@/{{ inventory_hostname }}" }
            """,
            "web2-only.yml": """
            - copy: { content: "included", dest: "@DIR@/web2-included" }
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run(hosts: ["web1", "web2"])
        XCTAssertEqual(summary.exitCode, 2)
        XCTAssertEqual(summary.stats(of: "web1")?.failed, 1)
        XCTAssertEqual(summary.stats(of: "web2")?.failed, 0)
        XCTAssertFalse(book.exists("web1"), "web1 stopped at its missing include")
        XCTAssertEqual(book.read("web2-included"), "included")
        XCTAssertEqual(book.read("web2"), "went on")
        let failed = jsonLines(events).filter { $0["event"] == .string("host_result") && $0["status"] == .string("failed") }
        XCTAssertEqual(failed.map { $0["host"] }, [.string("web1")])
    }

    func testARoleThatCannotBeLoadedIsRescuedLikeAFailedTask() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars:
                which: nowhere
              tasks:
                - block:
                    - name: the role
                      include_role: { name: "{{ which }}" }
                  rescue:
                    - copy: { content: "{{ ansible_failed_task.name }}", dest: "@DIR@/rescued" }
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(summary.stats(of: "web1")?.rescued, 1)
        XCTAssertEqual(book.read("rescued"), "the role")
        let result = try XCTUnwrap(events.results(ofTask: "the role").first)
        XCTAssertEqual(result.status, .failed)
        XCTAssertTrue(result.msg?.contains("nowhere") ?? false, "\(result.result)")
    }

    /// The events as `--output json` prints them, one object per line.
    private func jsonLines(_ events: RecordingReporter) -> [OrderedDictionary<String, Value>] {
        let lines = LinesBox()
        let report = JSONReport { lines.append($0) }
        for event in events.events { report.record(event) }
        return lines.text.split(separator: "\n").compactMap { line in
            guard case .dict(let object)? = try? JSONFormat.decode(String(line)) else { return nil }
            return object
        }
    }
}
