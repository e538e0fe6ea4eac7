import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// Ansible's csvfile, config, vars and template lookups, as a playbook uses them.
final class LookupPluginTests: XCTestCase {
    private func runPassing(_ files: [String: String], file: StaticString = #filePath, line: UInt = #line) async throws
        -> RecordingReporter {
        let book = try LocalPlaybook(files: files)
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, events.failureReport, file: file, line: line)
        return events
    }

    private func message(of task: String, in events: RecordingReporter) -> String {
        guard case .string(let message)? = events.results(ofTask: task).first?.result["msg"] else { return "" }
        return message
    }

    func testASettingComesFromTheEnvironmentThenTheConfigFileThenItsDefault() throws {
        let path = NSTemporaryDirectory() + "deckhand-config-\(UUID().uuidString).cfg"
        try "[defaults]\nforks = 12\nremote_user = 'deploy'\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let forks = try XCTUnwrap(AnsibleSettings.core["DEFAULT_FORKS"])
        let user = try XCTUnwrap(AnsibleSettings.core["DEFAULT_REMOTE_USER"])
        var sources = ConfigDefinition.Sources()
        sources.environment = [:]
        XCTAssertEqual(try forks.resolve(from: sources, label: "'DEFAULT_FORKS'").value, .int(5))
        sources.config = try AnsibleConfig.read(path: path)
        let fromFile = try forks.resolve(from: sources, label: "'DEFAULT_FORKS'")
        XCTAssertEqual(fromFile.value, .int(12))
        XCTAssertEqual(fromFile.origin, path)
        XCTAssertEqual(try user.resolve(from: sources, label: "'DEFAULT_REMOTE_USER'").value, .string("deploy"))
        sources.environment = ["ANSIBLE_FORKS": "3"]
        let fromEnvironment = try forks.resolve(from: sources, label: "'DEFAULT_FORKS'")
        XCTAssertEqual(fromEnvironment.value, .int(3))
        XCTAssertEqual(fromEnvironment.origin, "env: ANSIBLE_FORKS")
        sources.environment = ["ANSIBLE_FORKS": "three"]
        XCTAssertThrowsError(try forks.resolve(from: sources, label: "'DEFAULT_FORKS'")) { error in
            XCTAssertEqual("\(error)", "Config 'DEFAULT_FORKS' from 'env: ANSIBLE_FORKS' has an invalid value.")
        }
    }

    func testCSVFileFindsTheRowOfAKeyAsPythonsCSVReaderReadsTheFile() async throws {
        let events = try await runPassing([
            "files/people.csv": """
                # Last,First,Email
                Smith,Jane,jsmith@example.com
                "von Lastname",Demo,hello@example.com
                Example,Person,"crazy email"@example.com
                \"\"\"The Rock\"\" Johnson",Dwayne,uhoh@example.com

                """,
            "files/tabs.csv": "fruit\tbananas\t30\nelectronics\ttvs\t8\n",
            "files/crlf.csv": "this file,has,crlf\r\nansible,parses,them\r\n",
            "files/bom.csv": "\u{FEFF}key,value\n",
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - assert:
                    that:
                      - lookup('csvfile', 'Smith', file='people.csv', delimiter=',') == 'Jane'
                      - lookup('csvfile', 'Jane', file='people.csv', delimiter=',', col=0, keycol=1) == 'Smith'
                      - lookup('csvfile', 'von Lastname file=people.csv delimiter=, col=1') == 'Demo'
                      - lookup('csvfile', 'Example file=people.csv delimiter=, col=2') == 'crazy email@example.com'
                      - lookup('csvfile', '"The Rock" Johnson file=people.csv delimiter=, col=1') == 'Dwayne'
                      - lookup('csvfile', 'electronics file=tabs.csv delimiter=TAB col=1') == 'tvs'
                      - lookup('csvfile', 'electronics', 'fruit', file='tabs.csv', col=2) == '8,30'
                      - lookup('csvfile', 'fruit', file='tabs.csv', delimiter='\\t', wantlist=True) == ['bananas']
                      - lookup('csvfile', 'ansible file=crlf.csv delimiter=, col=2') == 'them'
                      - lookup('csvfile', 'key', file='bom.csv', delimiter=',', encoding='utf-8-sig') == 'value'
                      - lookup('csvfile', 'nobody file=people.csv delimiter=,') == []
                      - lookup('csvfile', 'nobody', file='people.csv', delimiter=',', default=['a', 'b']) == 'a,b'
                - name: no key
                  debug: { msg: "{{ lookup('csvfile', file='people.csv') }}" }
                  ignore_errors: true
                - name: an unknown option
                  debug: { msg: "{{ lookup('csvfile', 'Smith file=people.csv colour=red') }}" }
                  ignore_errors: true
                - name: a column that is no number
                  debug: { msg: "{{ lookup('csvfile', 'Smith file=people.csv delimiter=, col=2,') }}" }
                  ignore_errors: true
                - name: a missing file
                  debug: { msg: "{{ lookup('csvfile', 'Smith file=nothere.csv') }}" }
                  ignore_errors: true
            """,
        ])
        XCTAssertTrue(message(of: "no key", in: events).contains("Search key is required but was not found"))
        XCTAssertTrue(message(of: "an unknown option", in: events).contains("'colour' is not a valid option"))
        XCTAssertTrue(message(of: "a column that is no number", in: events)
            .contains("Config 'col' for 'csvfile' lookup plugin from 'Direct' has an invalid value."))
        XCTAssertTrue(message(of: "a missing file", in: events).contains("No such file or directory"))
    }

    func testConfigGivesASettingsValueAndOriginFromVariablesOrItsDefault() async throws {
        let events = try await runPassing([
            "roles/r/lookup_plugins/custom.py": """
                DOCUMENTATION = \"\"\"
                    name: custom
                    options:
                      needed:
                        description: required
                        required: True
                      level:
                        type: int
                        default: 3
                \"\"\"
                """,
            "roles/r/tasks/main.yml": """
                - assert:
                    that:
                      - q('config', 'level', plugin_type='lookup', plugin_name='custom') == [3]
                - name: a required option of a plugin beside the role
                  debug: { msg: "{{ q('config', 'needed', plugin_type='lookup', plugin_name='custom') }}" }
                  ignore_errors: true
                """,
            "site.yml": """
            - hosts: all
              gather_facts: false
              roles: [r]
              tasks:
                - assert:
                    that:
                      - "lookup('config', 'INTERPRETER_PYTHON', show_origin=True) == ['/opt/py', 'var: ansible_python_interpreter']"
                      - "q('config', 'remote_user', 'port', plugin_type='connection', plugin_name='ssh') == ['lola', 2022]"
                      - q('config', 'remote_tmp', plugin_type='shell', plugin_name='sh') == ['~/.ansible/tmp']
                      - lookup('config', 'NO_SUCH_SETTING', on_missing='skip') == []
                      - lookup('config', 'DEFAULT_LOOKUP_PLUGIN_PATH')[0] == lookup('config', 'ANSIBLE_HOME') ~ '/plugins/lookup'
                  vars:
                    ansible_python_interpreter: /opt/py
                    ansible_ssh_user: lola
                    ansible_port: "2022"
                - name: an unknown setting
                  debug: { msg: "{{ lookup('config', 'NO_SUCH_SETTING') }}" }
                  ignore_errors: true
                - name: an unknown on_missing
                  debug: { msg: "{{ lookup('config', 'NO_SUCH_SETTING', on_missing='boo') }}" }
                  ignore_errors: true
                - name: a plugin type without a name
                  debug: { msg: "{{ lookup('config', 'remote_tmp', plugin_type='shell') }}" }
                  ignore_errors: true
                - name: an unknown plugin
                  debug: { msg: "{{ lookup('config', 'x', plugin_type='lookup', plugin_name='no.such.plugin') }}" }
                  ignore_errors: true
                - name: a number as the setting
                  debug: { msg: "{{ lookup('config', 1337) }}" }
                  ignore_errors: true
            """,
        ])
        XCTAssertTrue(message(of: "r : a required option of a plugin beside the role", in: events)
            .contains("Required config 'needed' for 'custom' lookup plugin not provided."))
        XCTAssertTrue(message(of: "an unknown setting", in: events).contains("No config definition exists for 'NO_SUCH_SETTING'."))
        XCTAssertTrue(message(of: "an unknown on_missing", in: events).contains("Invalid value 'boo'"))
        XCTAssertTrue(message(of: "a plugin type without a name", in: events).contains("Both plugin_type and plugin_name are required"))
        XCTAssertTrue(message(of: "an unknown plugin", in: events).contains("Unable to load lookup plugin 'no.such.plugin'."))
        XCTAssertTrue(message(of: "a number as the setting", in: events).contains("Invalid setting identifier, 1337 is not"))
    }

    func testVarsSeesTheConnectionVariablesAndSaysWhatIsMissing() async throws {
        let events = try await runPassing([
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - assert:
                    that:
                      - lookup('vars', 'ansible_host') == 'web1'
                      - ansible_host == inventory_hostname
                      - q('vars', 'ansible_connection', 'missing', default='x') == ['ssh', 'x']
                - name: a variable that is not there
                  debug: { msg: "{{ lookup('vars', 'doesnotexist') }}" }
                  ignore_errors: true
                - name: a number as the name
                  debug: { msg: "{{ lookup('vars', 42) }}" }
                  ignore_errors: true
            """,
        ])
        XCTAssertTrue(message(of: "a variable that is not there", in: events).contains("No variable named 'doesnotexist' was found."))
        XCTAssertTrue(message(of: "a number as the name", in: events).contains("Variable name must be 'str' not 'int'."))
    }

    func testTemplateTakesDelimitersTemplateVarsAndGivesNoneForNothing() async throws {
        _ = try await runPassing([
            "templates/square.txt": "Hello [% who %]!\n",
            "templates/blocks.j2": "{% if True %}\nyes\n{% endif %}\nend\n",
            "templates/nothing.j2": "{# nothing #}\n",
            "templates/managed.j2": "{{ ansible_managed }}\n",
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - assert:
                    that:
                      - lookup('template', 'square.txt', variable_start_string='[%', variable_end_string='%]', template_vars=dict(who='world')) == 'Hello world!\\n'
                      - lookup('template', 'blocks.j2') == 'yes\\nend\\n'
                      - lookup('template', 'blocks.j2', trim_blocks=False) == '\\nyes\\n\\nend\\n'
                      - lookup('template', 'nothing.j2') is none
                      - lookup('template', 'managed.j2') == 'Ansible managed\\n'
                - assert:
                    that: lookup('template', 'managed.j2') == 'mine\\n'
                  vars:
                    ansible_managed: mine
            """,
        ])
    }

    func testATemplateErrorInATaskThatIgnoresErrorsFailsOnlyThatTask() async throws {
        let events = try await runPassing([
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: broken
                  debug: { msg: "{{ lookup('vars', 'x' y='z') }}" }
                  ignore_errors: true
                - name: after
                  debug: { msg: after }
            """,
        ])
        XCTAssertTrue(message(of: "broken", in: events).contains("expected token ','"), message(of: "broken", in: events))
        XCTAssertEqual(message(of: "after", in: events), "after")
    }

    func testSetupRegistersItsFactsWithTheAnsiblePrefixAsAnsibleReturnsThem() async throws {
        _ = try await runPassing([
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - setup:
                  delegate_to: localhost
                  register: controller
                - assert:
                    that:
                      - controller.ansible_facts.ansible_user_id == ansible_facts.user_id
                      - controller.ansible_facts.ansible_hostname == ansible_hostname
                      - controller.ansible_facts.distribution is not defined
            """,
        ])
    }
}
