import Foundation
import XCTest
@testable import Deckhand

/// What a task records while it runs, as Ansible 2.21 keeps it: `register: {name: expression}` projections over
/// `_task.result` / `_task.loop_result`, loop_control.break_when and templated loop_var, until/retries per loop
/// item, and a template of load-time variables in import_tasks.
final class RegisterProjectionTests: XCTestCase {
    private func record(_ book: LocalPlaybook) throws -> [String: Any] {
        let data = try XCTUnwrap(book.read("out.json")?.data(using: .utf8))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testProjectionsAreEvaluatedAfterTheLoopAndSeenByItsLaterItems() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: echo
                  shell: echo {{ item }}
                  loop: [1, 2, 3, 4]
                  changed_when: _task.loop_result.results | length <= 1
                  register:
                    second: _task.loop_result.results[1].stdout
                    count: _task.loop_result.results | length
                    last_item: item
                    whole: _task.polymorphic_result
                    never_early: 1 if _task.loop_result.results | length == 4 else 1 / 0
                - name: chained, in any order
                  debug: { msg: hi }
                  register:
                    answer: two + 3
                    two: one * 2
                    one: _task.result.msg | length - 1
                - name: one fails
                  debug: { msg: hi }
                  register:
                    fine: _task.result.msg
                    broken: _task.result.nope.deeper
                  ignore_errors: true
                - name: record
                  copy:
                    dest: "@DIR@/out.json"
                    content: "{{ {'second': second, 'count': count, 'last_item': last_item, 'whole': whole,
                                  'never_early': never_early, 'answer': answer, 'fine': fine,
                                  'broken': broken | default('undefined')} | to_json }}"
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(events.results(ofTask: "one fails").first?.status, .failed, "a projection that fails fails the task")
        let out = try record(book)
        XCTAssertEqual(out["fine"] as? String, "hi")
        XCTAssertEqual(out["broken"] as? String, "undefined")
        XCTAssertEqual(out["second"] as? String, "2")
        XCTAssertEqual(out["count"] as? Int, 4)
        XCTAssertEqual(out["last_item"] as? Int, 4, "evaluated over the last item's variables")
        XCTAssertEqual(out["never_early"] as? Int, 1, "evaluated once the task is done, not while it runs")
        XCTAssertEqual(out["answer"] as? Int, 5)
        let results = try XCTUnwrap((out["whole"] as? [String: Any])?["results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["changed"] as? Bool }, [true, false, false, false],
                       "changed_when read the results recorded so far, the current one included")
    }

    func testBreakWhenStopsAfterTheItemAndAFailingExpressionFailsIt() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: stop at two
                  debug: { msg: "{{ item }}" }
                  loop: [1, 2, 3]
                  loop_control:
                    break_when: item == 2
                  register: stopped
                - name: broken
                  debug: { msg: "{{ item }}" }
                  loop: [1, 2, 3]
                  loop_control:
                    break_when: 1 / 0 if item == 2 else False
                  register: broken
                  ignore_errors: true
                - name: record
                  copy:
                    dest: "@DIR@/out.json"
                    content: "{{ {'stopped': stopped, 'broken': broken} | to_json }}"
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        let out = try record(book)
        let stopped = try XCTUnwrap((out["stopped"] as? [String: Any])?["results"] as? [[String: Any]])
        XCTAssertEqual(stopped.map { $0["item"] as? Int }, [1, 2])
        let broken = try XCTUnwrap(out["broken"] as? [String: Any])
        XCTAssertEqual(broken["failed"] as? Bool, true)
        let items = try XCTUnwrap(broken["results"] as? [[String: Any]])
        XCTAssertEqual(items.count, 2)
        XCTAssertEqual(items[1]["failed"] as? Bool, true)
        XCTAssertTrue((items[1]["break_when_result"] as? String ?? "").contains("division by zero"))
    }

    func testUntilRetriesEachLoopItemAndRetriesAloneRetryUntilSuccess() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: per item
                  shell: echo run >> @DIR@/runs_{{ idx }}; wc -l < @DIR@/runs_{{ idx }}
                  register: runs
                  until: runs.stdout | int == idx + 2
                  retries: "{{ idx + 2 }}"
                  delay: 0
                  loop: [a, b]
                  loop_control:
                    index_var: idx
                - name: retries alone
                  shell: echo run >> @DIR@/alone; test $(wc -l < @DIR@/alone) -ge 2
                  register: alone
                  retries: 3
                  delay: 0
                - name: failed_when decides after the retries run out
                  shell: "true"
                  register: decided
                  until: false
                  retries: 1
                  delay: 0
                  failed_when: decided.attempts > 6
                - name: record
                  copy:
                    dest: "@DIR@/out.json"
                    content: "{{ {'runs': runs, 'alone': alone, 'decided': decided} | to_json }}"
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(book.read("runs_0")?.split(separator: "\n").count, 2)
        XCTAssertEqual(book.read("runs_1")?.split(separator: "\n").count, 3)
        let out = try record(book)
        let runs = try XCTUnwrap((out["runs"] as? [String: Any])?["results"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["attempts"] as? Int }, [2, 3])
        XCTAssertEqual((out["alone"] as? [String: Any])?["attempts"] as? Int, 2)
        XCTAssertEqual((out["decided"] as? [String: Any])?["failed"] as? Bool, false)
        XCTAssertEqual((out["decided"] as? [String: Any])?["attempts"] as? Int, 1, "the retries, not the runs")
    }

    func testATemplatedLoopVarNamesTheItem() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: named
                  copy: { dest: "@DIR@/{{ fruit }}", content: "{{ ansible_loop_var }}" }
                  loop: [apple]
                  loop_control:
                    loop_var: "{{ name }}"
                  vars:
                    name: fruit
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(book.read("apple"), "fruit")
    }

    func testImportTasksRendersARolePathAndPlayVarsButNotAHostValue() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let role = folder + "/roles/web"
        try FileManager.default.createDirectory(atPath: role + "/tasks", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: role + "/extra", withIntermediateDirectories: true)
        try "- import_tasks: \"{{ role_path }}/extra/more.yml\"\n".write(toFile: role + "/tasks/main.yml", atomically: true, encoding: .utf8)
        try "- debug: { msg: more }\n".write(toFile: role + "/extra/more.yml", atomically: true, encoding: .utf8)
        try "- hosts: all\n  roles: [web]\n  vars: { part: extra }\n  tasks:\n    - import_tasks: \"roles/web/{{ part }}/more.yml\"\n"
            .write(toFile: folder + "/site.yml", atomically: true, encoding: .utf8)
        try "- hosts: all\n  tasks:\n    - import_tasks: \"{{ inventory_hostname }}.yml\"\n"
            .write(toFile: folder + "/host.yml", atomically: true, encoding: .utf8)

        let playbook = try PlaybookLoader().loadPlaybook(at: folder + "/site.yml")
        XCTAssertEqual(playbook.plays.first?.roleTasks.count, 1, "the role's tasks, the imported file read")
        XCTAssertEqual(playbook.plays.first?.tasks.count, 1, "a play var in the file name")
        XCTAssertThrowsError(try PlaybookLoader().loadPlaybook(at: folder + "/host.yml")) { error in
            XCTAssertTrue("\(error)".contains("'inventory_hostname' is undefined"), "\(error)")
        }
    }
}
