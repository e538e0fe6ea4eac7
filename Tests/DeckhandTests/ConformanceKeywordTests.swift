import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// Keyword and loop behaviour Ansible's own integration targets check (issue 18): what changed_when and
/// failed_when leave in the registered result, fractional delays and pauses, set_fact seen by a loop's next
/// items, the data lookups.
final class ConformanceKeywordTests: XCTestCase {
    func testChangedWhenAndFailedWhenSayWhatTheyDecidedInTheResult() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: suppressed
                  shell: exit 1
                  failed_when: false
                  register: suppressed
                - name: broken changed_when
                  command: echo foo
                  changed_when: boomboomboom
                  register: broken
                  ignore_errors: true
                - name: broken failed_when
                  command: echo foo
                  failed_when: 1 / 0
                  register: broken_failed
                  ignore_errors: true
                - name: record
                  copy:
                    dest: "@DIR@/out.json"
                    content: "{{ {'suppressed': suppressed, 'broken': broken, 'broken_failed': broken_failed} | to_json }}"
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(events.results(ofTask: "suppressed").first?.status, .changed, "a suppressed failure is not failed")
        let data = try XCTUnwrap(book.read("out.json")?.data(using: .utf8))
        let out = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        XCTAssertEqual(out["suppressed"]?["failed"] as? Bool, false)
        XCTAssertEqual(out["suppressed"]?["failed_when_result"] as? Bool, false)
        XCTAssertNotNil(out["suppressed"]?["failed_when_suppressed_exception"])
        XCTAssertNil(out["suppressed"]?["exception"])
        XCTAssertEqual(out["broken"]?["failed"] as? Bool, true, "an undefined name in changed_when fails the task")
        XCTAssertEqual(out["broken"]?["stdout"] as? String, "foo", "the module's output stays")
        XCTAssertTrue((out["broken"]?["changed_when_result"] as? String ?? "").contains("'boomboomboom' is undefined"))
        XCTAssertTrue((out["broken_failed"]?["failed_when_result"] as? String ?? "").contains("division by zero"))
        XCTAssertTrue((out["broken_failed"]?["msg"] as? String ?? "").contains("A 'failed_when' expression failed"))
    }

    func testFractionalDelayAndPauseAndSetFactSeenByTheNextItem() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: retry quickly
                  shell: echo run >> @DIR@/runs; wc -l < @DIR@/runs
                  register: runs
                  until: runs.stdout | int == 3
                  retries: 5
                  delay: 0.01
                - name: collect
                  set_fact:
                    seen: "{{ seen | default([]) + [item] }}"
                  loop: "{{ q('list', 'a', 'b', 'c') }}"
                  loop_control:
                    pause: 0.3
                - name: record
                  copy: { dest: "@DIR@/seen", content: "{{ seen | join(',') }}" }
            """,
        ])
        defer { book.remove() }
        let started = Date()
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(book.read("runs")?.split(separator: "\n").count, 3, "retried until the third run, 10 ms apart")
        XCTAssertEqual(book.read("seen"), "a,b,c", "each item saw the facts the one before set")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.6, "two pauses of 0.3 s between three items")
    }

    func testArgumentsWrittenAsOneTemplateAndTemplatedFactNamesResolveAtRunTime() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: checks from items
                  assert: "{{ item }}"
                  args:
                    quiet: true
                  loop:
                    - that: 1 == 1
                    - that: "{{ 2 == 2 }}"
                - name: named by items
                  set_fact: "{{ item }}=moo"
                  loop: [foo, bar]
                - name: a failing check from an item
                  assert: "{{ item }}"
                  loop:
                    - that: 1 == 2
                  ignore_errors: true
                  register: failing
                - name: record
                  copy: { dest: "@DIR@/facts", content: "{{ foo }} {{ bar }} {{ failing.results[0].assertion }}" }
                - name: undefined items under a false when
                  debug: { msg: "{{ item }}" }
                  loop: ["{{ never_defined }}"]
                  when: false
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(events.results(ofTask: "checks from items").first?.status, .ok)
        XCTAssertEqual(book.read("facts"), "moo moo 1 == 2")
        XCTAssertEqual(events.results(ofTask: "undefined items under a false when").first?.status, .skipped)
    }

    func testArgumentsThatRenderToNoMappingFailTheTaskClearly() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: not a mapping
                  assert: "{{ 'text' }}"
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertNotEqual(summary.exitCode, 0)
        XCTAssertTrue(events.results(ofTask: "not a mapping").first?.msg?.contains("must render to a mapping") ?? false)
    }

    func testSequenceShortcutsAndTheirErrorsAndTheFailedTaskNameInARescue() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              roles: [seq]
            """,
            "roles/seq/tasks/main.yml": """
            - name: shortcut
              set_fact: "{{ 'n_' + item }}=x"
              with_sequence: '2-6/2'
            - name: formatted
              set_fact: "{{ item }}=y"
              with_sequence: '7-8:host%02d'
            - block:
                - name: EXPECTED FAILURE
                  debug: { msg: "{{ item }}" }
                  with_sequence: start=1 end=4 stride=-2
              rescue:
                - name: record
                  copy:
                    dest: "@DIR@/out"
                    content: "{{ n_2 }}{{ n_4 }}{{ n_6 }} {{ host07 }}{{ host08 }} {{ ansible_failed_task.name }}: {{ ansible_failed_result.msg }}"
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        let out = try XCTUnwrap(book.read("out"))
        XCTAssertTrue(out.hasPrefix("xxx yy EXPECTED FAILURE: "), "the failed task's own name, without the role's prefix: \(out)")
        XCTAssertTrue(out.hasSuffix("main.yml:10:22: to count forward don't make stride negative"), out)
    }

    func testTheSequenceLookupInQueryTakesKeywordArgumentsAsWithSequenceTakesItsText() throws {
        func query(_ terms: [Value], _ options: [String: Value] = [:]) throws -> [Value] {
            try Lookups.query("ansible.builtin.sequence", terms: terms, options: options, scope: nil,
                              environment: Environment())
        }
        XCTAssertEqual(try query([], ["count": .int(3), "start": .int(10)]), ["10", "11", "12"].map(Value.string))
        XCTAssertEqual(try query([.string("start=1 end=5 stride=2 format=web%02d")]), ["web01", "web03", "web05"].map(Value.string))
        XCTAssertEqual(try query([.string("4-6")], ["wantlist": .bool(true)]), ["4", "5", "6"].map(Value.string))
        XCTAssertEqual(try query([.string("count=5 start=0")], ["stride": .int(-1)]).count, 7,
                       "Ansible's count arithmetic with a negative stride: 0 down to -6")
        XCTAssertEqual(try query([]), [], "no arguments, no numbers")
        XCTAssertThrowsError(try query([.string("start=1 end=3 count=2")])) {
            XCTAssertEqual("\($0)", "can't specify both count and end in with_sequence")
        }
    }

    func testWithRandomChoicePicksOneItemOfTheList() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - set_fact: "picked={{ item }}"
                  with_random_choice: [foo, bar]
                - copy: { dest: "@DIR@/out", content: "{{ picked }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertTrue(["foo", "bar"].contains(try XCTUnwrap(book.read("out"))))
    }

    func testVarnamesListsTheVariablesARegularExpressionFinds() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars: { qa_1: a }
              tasks:
                - set_fact: { qz_1: hello, qz_2: world, qz_: no }
                - copy:
                    dest: "@DIR@/out"
                    content: "{{ lookup('varnames', '^qz_.+', '^qa', wantlist=True) | sort | join(',') }}"
                - set_fact: { broken: "{{ lookup('varnames', '*') }}" }
                  register: glob
                  ignore_errors: true
                - copy: { dest: "@DIR@/error", content: "{{ glob.msg }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(book.read("out"), "qa_1,qz_1,qz_2")
        XCTAssertTrue(book.read("error")?.contains("Unable to use \"*\" as a search parameter: nothing to repeat") ?? false,
                      book.read("error") ?? "")
    }

    func testAWithLoopOverOneMappingLoopsOnceAndWithTogetherOfNothingFails() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - debug: { var: item }
                  with_indexed_items: { a: 1, b: 2 }
                  register: indexed
                - block:
                    - name: nothing together
                      debug: { msg: "{{ item }}" }
                      with_together: []
                  rescue:
                    - copy:
                        dest: "@DIR@/out"
                        content: "{{ indexed.results | length }} {{ indexed.results[0].item[0] }} {{ indexed.results[0].item[1].b }}; {{ ansible_failed_result.msg }}"
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        let out = try XCTUnwrap(book.read("out"))
        XCTAssertTrue(out.hasPrefix("1 0 2; ") && out.hasSuffix("site.yml:10:26: with_together requires at least one element in each list"), out)
    }

    func testSubelementsFollowDottedKeysAndSkipMissingOnes() throws {
        let users: Value = .list([
            .dict(["name": .string("alice"), "mysql": .dict(["privs": .list([.string("a.*:ALL"), .string("b.*:ALL")])])]),
            .dict(["name": .string("bob")]),
        ])
        let pairs = try SubelementsLookup.items([users, .string("mysql.privs"), .dict(["skip_missing": .bool(true)])])
        XCTAssertEqual(pairs.count, 2)
        XCTAssertEqual(pairs.first, .list([.dict(["name": .string("alice"), "mysql": .dict([:])]), .string("a.*:ALL")]),
                       "the parent without the list, as Ansible gives it")
        XCTAssertThrowsError(try SubelementsLookup.items([users, .string("mysql.privs")])) {
            XCTAssertTrue("\($0)".hasPrefix("could not find 'mysql' key in iterated item"), "\($0)")
        }
        XCTAssertThrowsError(try SubelementsLookup.items([.bool(true), .string("x")])) {
            XCTAssertTrue("\($0)".contains("first a dict or a list, second a string"), "\($0)")
        }
    }

    func testGetentMapsEachEntrysFirstFieldToTheRest() throws {
        func entries(_ plan: ModulePlan, _ database: String) -> OrderedDictionary<String, Value> {
            if case .dict(let entries)? = plan.result.facts["getent_" + database] { return entries }
            return [:]
        }
        let passwd = try GetentModule.make(["database": .string("passwd")])
        let users = entries(try passwd.plan(recordedOutput("root:x:0:0:root:/root:/bin/bash\nbin:x:2:2::/bin:/sbin/nologin\n"),
                                            ModuleContext()), "passwd")
        XCTAssertEqual(users["root"], .list(["x", "0", "0", "root", "/root", "/bin/bash"].map(Value.string)))
        XCTAssertEqual(users["bin"], .list(["x", "2", "2", "", "/bin", "/sbin/nologin"].map(Value.string)))
        let hosts = try GetentModule.make(["database": .string("hosts"), "key": .string("localhost")])
        let names = entries(try hosts.plan(recordedOutput("::1    localhost ip6-localhost\n"), ModuleContext()), "hosts")
        XCTAssertEqual(names["::1"], .list(["localhost", "ip6-localhost"].map(Value.string)), "whitespace splits hosts")
        let missing = try GetentModule.make(["database": .string("passwd"), "key": .string("nobody-here")])
        XCTAssertEqual(try missing.plan(recordedOutput("", status: 2), ModuleContext()).result.msg,
                       "One or more supplied key could not be found in the database.")
        let empty = try GetentModule.make(["database": .string("group"), "split": .string("")])
        XCTAssertNil(try empty.probe(ModuleContext()))
        XCTAssertEqual(try empty.plan(nil, ModuleContext()).result.msg,
                       "Invalid split value. The value must be a non-empty string")
    }

    func testDebugVarFailsOnAFailingFilterAndTheLoopVarIsNamed() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - debug: { var: "'http://h/' | urlsplit('nope')" }
                  register: bad
                  ignore_errors: true
                - debug: { var: never_defined }
                  register: undefined
                - set_fact: { seen: "{{ ansible_loop_var }}" }
                  loop: [1]
                  loop_control: { loop_var: alvin }
                - copy: { dest: "@DIR@/out", content: "{{ bad is failed }} {{ undefined.never_defined }} {{ seen }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, _) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(book.read("out"), "True VARIABLE IS NOT DEFINED! alvin")
    }

    func testDataLookupsReshapeTheirTerms() throws {
        XCTAssertEqual(try DataLookups.query("items", terms: [.list([.int(1), .int(2)]), .int(3)]), [.int(1), .int(2), .int(3)])
        XCTAssertEqual(try DataLookups.query("indexed_items", terms: [.string("a"), .string("b")]),
                       [.list([.int(0), .string("a")]), .list([.int(1), .string("b")])])
        XCTAssertEqual(try DataLookups.query("together", terms: [.list([.int(1), .int(2)]), .list([.string("x")])]),
                       [.list([.int(1), .string("x")]), .list([.int(2), .none])])
        XCTAssertEqual(try DataLookups.query("nested", terms: [.list([.int(1), .int(2)]), .list([.string("x")])]),
                       [.list([.int(1), .string("x")]), .list([.int(2), .string("x")])])
        XCTAssertNil(try DataLookups.query("password", terms: []), "not a data lookup")
    }
}
