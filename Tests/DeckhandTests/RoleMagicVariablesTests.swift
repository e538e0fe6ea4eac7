import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// The magic variables Ansible gives roles and templates (its special_vars target): the play's role names, the
/// roles that imported or included a role, the template file's own variables; and a command's start/end/delta.
final class RoleMagicVariablesTests: XCTestCase {
    private func message(_ reporter: RecordingReporter, _ task: String) -> String? {
        reporter.results(ofTask: task).first?.result["msg"]?.displayText
    }

    func testRoleNamesParentRolesAndTemplateVariablesAreAnsibles() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": "- hosts: all\n  gather_facts: false\n  vars: { tmpl_x: 1 }\n  roles: [app]\n",
            "roles/base/tasks/main.yml": "- name: base\n  debug: { msg: base }\n",
            "roles/app/meta/main.yml": "dependencies: [base]\n",
            "roles/app/tasks/main.yml": """
            - name: names
              debug:
                msg: "{{ role_names }} {{ ansible_play_role_names }} {{ ansible_dependent_role_names }} {{ ansible_role_names | sort }} {{ ansible_parent_role_names is defined }}"
            - import_role: { name: helper }
            - include_role: { name: helper, tasks_from: nested.yml }
            - name: after
              debug: { msg: "{{ ansible_parent_role_names | default('undefined') }}" }
            - template: { src: vars.j2, dest: "@DIR@/vars.out" }
            """,
            "roles/app/templates/vars.j2": "{{ template_path }} {{ template_fullpath == role_path ~ '/templates/vars.j2' }} {{ template_host | length > 0 }} {{ template_run_date is match('[0-9]{4}-') }} {{ lookup('varnames', '^tmpl_') }}\n",
            "roles/helper/tasks/main.yml": "- name: imported\n  debug: { msg: \"{{ ansible_parent_role_names | join(',') }}\" }\n",
            "roles/helper/tasks/nested.yml": """
            - include_role: { name: helper, tasks_from: deepest.yml }
            """,
            "roles/helper/tasks/deepest.yml": """
            - name: deepest
              debug: { msg: "{{ ansible_parent_role_names }} {{ ansible_parent_role_paths | map('basename') | list }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        XCTAssertEqual(message(reporter, "app : names"),
                       "['app', 'helper'] ['app', 'helper'] ['base'] ['app', 'base', 'helper'] False")
        XCTAssertEqual(message(reporter, "helper : imported"), "app")
        XCTAssertEqual(message(reporter, "helper : deepest"), "['helper', 'app'] ['helper', 'app']")
        XCTAssertEqual(message(reporter, "app : after"), "undefined")
        XCTAssertEqual(book.read("vars.out"), "vars.j2 True True True tmpl_x\n")
    }

    func testACommandReportsStartEndAndDeltaAsAnsibleDoes() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - command: sleep 1
                  register: slept
                - name: times
                  debug: { msg: "{{ slept.delta }}|{{ slept.start }}|{{ slept.end }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        let parts = (message(reporter, "times") ?? "").split(separator: "|").map(String.init)
        XCTAssertEqual(parts.count, 3)
        XCTAssertNotNil(parts.first?.range(of: #"^0:00:0[1-9]\.\d{6}$"#, options: .regularExpression), parts.first ?? "")
        for time in parts.dropFirst() {
            XCTAssertNotNil(time.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$"#, options: .regularExpression), time)
        }
    }

    func testTimedeltaPrintsAsPython() {
        XCTAssertEqual(PythonTime.timedelta(3.0004), "0:00:03.000400")
        XCTAssertEqual(PythonTime.timedelta(3), "0:00:03")
        XCTAssertEqual(PythonTime.timedelta(3725.5), "1:02:05.500000")
        XCTAssertEqual(PythonTime.timedelta(90061), "1 day, 1:01:01")
    }
}
