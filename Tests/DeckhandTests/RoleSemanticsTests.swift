import Deckhand
import Foundation
import Jinja
import XCTest

/// What public roles rely on (issue 14): their vars/ folder, qualified keywords, ansible_managed, the facts they
/// test, their dependencies' defaults, include rows as ansible-playbook shows them, and includes for other OSes.
final class RoleSemanticsTests: XCTestCase {
    private func message(_ reporter: RecordingReporter, _ task: String) -> String? {
        text(reporter.results(ofTask: task).first?.result["msg"])
    }

    private func text(_ value: Value?) -> String? {
        switch value {
        case .string(let text)?: return text
        case .int(let number)?: return String(number)
        default: return nil
        }
    }

    func testARolesIncludeVarsAndFirstFoundReadItsVarsFolderAsAnsibleDoes() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars: { ansible_os_family: Debian }
              roles: [web]
            """,
            "roles/web/tasks/main.yml": """
            - name: per-OS variables
              include_vars: "{{ item }}"
              with_first_found:
                - "{{ ansible_os_family }}.yml"
                - default.yml
            - include_vars: settings.yml
            - include_vars: { file: main.yml, name: from_main }
            - name: show
              debug: { msg: "{{ web_package }} {{ web_port }} {{ from_main.web_user }}" }
            - name: first_found lookup in a template
              debug: { msg: "{{ lookup('first_found', ['missing.conf', 'site.conf']) | basename }}" }
            """,
            "roles/web/vars/Debian.yml": "web_package: nginx-debian\n",
            "roles/web/vars/default.yml": "web_package: nginx-default\n",
            "roles/web/vars/settings.yml": "web_port: 8080\n",
            "roles/web/vars/main.yml": "web_user: www-data\n",
            "roles/web/files/site.conf": "server {}\n",
        ])
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        XCTAssertEqual(message(reporter, "web : show"), "nginx-debian 8080 www-data")
        XCTAssertEqual(message(reporter, "web : first_found lookup in a template"), "site.conf")
    }

    func testCollectionQualifiedKeywordsWorkAsTheirShortNames() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - ansible.builtin.import_playbook: first.yml
            - hosts: all
              gather_facts: false
              tasks:
                - ansible.builtin.import_tasks: imported.yml
                - ansible.builtin.include_tasks: included.yml
                - ansible.builtin.import_role: { name: app }
                - ansible.builtin.include_role: { name: app, tasks_from: other }
                - ansible.builtin.set_fact: { done: yes }
                - ansible.builtin.meta: flush_handlers
                - name: show
                  ansible.builtin.debug: { msg: "{{ first }} {{ imported }} {{ included }} {{ app }} {{ other }} {{ done }}" }
            """,
            "first.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.legacy.set_fact: { first: 1 }\n",
            "imported.yml": "- ansible.builtin.set_fact: { imported: 2 }\n",
            "included.yml": "- ansible.builtin.set_fact: { included: 3 }\n",
            "roles/app/tasks/main.yml": "- ansible.builtin.set_fact: { app: 4 }\n",
            "roles/app/tasks/other.yml": "- ansible.builtin.set_fact: { other: 5 }\n",
        ])
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        XCTAssertEqual(message(reporter, "show"), "1 2 3 4 5 True")
    }

    func testTemplatesSeeAnsibleManagedWithAnsiblesTextOrTheConfiguredOne() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - template: { src: header.j2, dest: "@DIR@/out.conf" }
            """,
            "templates/header.j2": "# {{ ansible_managed }}\n",
            "ansible.cfg": "[defaults]\nansible_managed = \"Managed by ops, do not edit\"\n",
        ])
        defer { book.remove() }
        _ = try await book.run()
        XCTAssertEqual(book.read("out.conf"), "# Ansible managed\n")

        let config = try AnsibleConfig.read(path: book.path("ansible.cfg"))
        XCTAssertEqual(config.ansibleManaged, "Managed by ops, do not edit")
        let (summary, reporter) = try await book.run { $0.ansibleManaged = config.runOptions().ansibleManaged }
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        XCTAssertEqual(book.read("out.conf"), "# Managed by ops, do not edit\n")
    }

    /// The facts read by geerlingguy's nginx, redis, postgresql, certbot, pip, git and supervisor roles and the
    /// community.* and grafana.* roles of the ansible package, besides os_family, distribution and the like.
    func testGatheredFactsHaveWhatPopularRolesTest() async throws {
        let result = try await LocalConnection().run(try SetupModule.make([:]).probe(ModuleContext())!)
        let plan = try SetupModule.make([:]).plan(result, ModuleContext())
        let facts = plan.result.facts
        guard case .dict(let python)? = facts["python"], case .dict(let version)? = python["version"] else {
            return XCTFail("no ansible_facts.python: \(facts.keys)")
        }
        XCTAssertEqual(version["major"], .int(3))
        XCTAssertTrue(text(facts["python_version"])?.hasPrefix("3.") == true)
        XCTAssertTrue(text(python["executable"])?.hasSuffix("python3") == true)
        XCTAssertEqual(facts["fips"], .bool(false))
        XCTAssertNotEqual(text(facts["service_mgr"]) ?? "", "")
        XCTAssertNotNil(facts["selinux"])
        XCTAssertNotNil(facts["virtualization_type"])
        guard case .dict(let clock)? = facts["date_time"] else { return XCTFail("no ansible_date_time") }
        XCTAssertNotNil(Int(text(clock["epoch"]) ?? ""))
        XCTAssertEqual(text(facts["userspace_bits"])?.isEmpty, false)
        XCTAssertNotNil(facts["swaptotal_mb"], "geerlingguy.swap and others compare it")
    }

    func testGatheringFactsFailsWhenBecomeCannotStartTheShell() throws {
        let refused = CommandResult(exitStatus: 1, stdout: Data(),
                                    stderr: Data("sudo: a password is required\n".utf8))
        let plan = try SetupModule.make([:]).plan(refused, ModuleContext())
        XCTAssertTrue(plan.result.failed, "empty facts must not pass for gathered ones")
        XCTAssertTrue(plan.result.msg?.contains("sudo: a password is required") == true, plan.result.msg ?? "")
    }

    func testARoleSeesTheDefaultsOfTheRoleItDependsOnAndThePlaySeesBoth() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              roles: [app]
              tasks:
                - name: play task
                  debug: { msg: "{{ base_port }} {{ app_name }}" }
            """,
            "roles/base/defaults/main.yml": "base_port: 8000\nbase_user: web\n",
            "roles/app/meta/main.yml": "dependencies: [base]\n",
            "roles/app/defaults/main.yml": "app_name: shop\nbase_user: shop\n",
            "roles/app/tasks/main.yml": "- name: role task\n  debug: { msg: \"{{ base_port }} {{ base_user }}\" }\n",
        ])
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        XCTAssertEqual(message(reporter, "app : role task"), "8000 shop", "own defaults win over the dependency's")
        XCTAssertEqual(message(reporter, "play task"), "8000 shop")
    }

    func testIncludeRowsArePrintedAndCountedAsAnsiblePlaybookDoes() async throws {
        // ansible-playbook 2.17 on this playbook: web1 ok=6, web2 skipped=2; "skipping: [web2]" under each
        // include's TASK banner, then "included: .../inner.yml for web1" (with "=> (item=N)" in the loop).
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - include_tasks: inner.yml
                  when: inventory_hostname == 'web1'
                - name: looped
                  include_tasks: inner.yml
                  loop: [1, 2]
                  when: inventory_hostname == 'web1'
            """,
            "inner.yml": "- name: inner\n  debug: { msg: hi }\n",
        ])
        defer { book.remove() }
        let (summary, reporter) = try await book.run(hosts: ["web1", "web2"])
        let stats = Dictionary(uniqueKeysWithValues: summary.stats.map { ($0.host, $0.stats) })
        XCTAssertEqual(stats["web1"]?.ok, 6)
        XCTAssertEqual(stats["web2"]?.skipped, 2)
        XCTAssertEqual(stats["web2"]?.ok, 0)
        let banners = reporter.events.compactMap { event -> String? in
            if case .taskStart(let task) = event { return task.name }
            return nil
        }
        XCTAssertEqual(banners, ["include_tasks", "inner", "looped", "inner", "inner"])
        XCTAssertEqual(reporter.results(ofTask: "looped").map { "\($0.host) \($0.status)" }, ["web2 skipped"])
        let included = reporter.events.compactMap { event -> String? in
            if case .notice(let text) = event, text.hasPrefix("included:") { return text }
            return nil
        }
        XCTAssertEqual(included, ["included: \(book.path("inner.yml")) for web1",
                                  "included: \(book.path("inner.yml")) for web1 => (item=1)",
                                  "included: \(book.path("inner.yml")) for web1 => (item=2)"])
    }

    func testWhatPublicRolesWriteLoadsAsAnsibleLoadsIt() async throws {
        // A collection's role linked into the roles path includes `../../shared.yml` from where it really lives;
        // `import_tasks: {file: ...}`, a qualified become_method, and arguments that clash only when a template
        // does not render to omit all load, as ansible-playbook --syntax-check accepts them.
        let book = try LocalPlaybook(files: [
            "site.yml": "- hosts: all\n  gather_facts: false\n  roles: [acme.tools.linked]\n",
            "collection/roles/shared.yml": "- name: shared\n  debug: { msg: shared }\n",
            "collection/roles/linked/tasks/main.yml": """
            - ansible.builtin.import_tasks:
                file: ../../shared.yml
            - name: as root
              command: "true"
              become: true
              become_method: ansible.builtin.sudo
              when: false
            - name: wait for a port or a socket
              wait_for:
                port: "{{ 80 if use_socket is not defined else omit }}"
                path: "{{ '/run/app.sock' if use_socket is defined else omit }}"
              when: false
            """,
        ])
        defer { book.remove() }
        try FileManager.default.createDirectory(atPath: book.path("roles"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: book.path("roles/acme.tools.linked"),
                                                   withDestinationPath: book.path("collection/roles/linked"))
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        XCTAssertEqual(message(reporter, "acme.tools.linked : shared"), "shared",
                       "the role is shown by the name it was found by")
    }

    // MARK: includes for other operating systems

    private func perOSRole(include: String = "include_tasks") throws -> LocalPlaybook {
        try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars: { ansible_os_family: Debian }
              roles: [db]
            """,
            "roles/db/tasks/main.yml": """
            - \(include): RedHat.yml
              when: ansible_os_family == 'RedHat'
            - \(include): Debian.yml
              when: ansible_os_family == 'Debian'
            """,
            "roles/db/tasks/RedHat.yml": """
            - name: server package
              yum: { name: postgresql-server, state: present }
              ignore_errors: true
            - name: a Windows feature
              win_feature: { name: Web-Server }
              when: false
            """,
            "roles/db/tasks/Debian.yml": "- name: on Debian\n  debug: { msg: debian }\n",
        ])
    }

    func testAnotherOSsPackageManagerInADynamicIncludeIsAWarningNamingTheCondition() async throws {
        let book = try perOSRole()
        defer { book.remove() }
        let playbook = try PlaybookLoader().loadPlaybook(at: book.path("site.yml"))
        XCTAssertEqual(playbook.warnings.count, 2, playbook.warnings.map(\.description).joined(separator: "\n"))
        let yum = try XCTUnwrap(playbook.warnings.first)
        XCTAssertEqual(yum.location.file, book.path("roles/db/tasks/RedHat.yml"))
        XCTAssertEqual(yum.location.line, 2)
        XCTAssertTrue(yum.message.contains("'yum'"), yum.message)
        XCTAssertTrue(yum.message.contains("when: ansible_os_family == 'RedHat'"), yum.message)
        XCTAssertTrue(playbook.warnings[1].message.contains("'win_feature'"), playbook.warnings[1].message)

        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        XCTAssertEqual(message(reporter, "db : on Debian"), "debian")
        let warnings = reporter.events.compactMap { event -> String? in
            if case .warning(let text) = event { return text }
            return nil
        }
        XCTAssertEqual(warnings.count, 2, "the run shows the load's warnings")
    }

    func testATaskDeckhandCannotRunFailsOnlyOnAHostThatReachesIt() async throws {
        let book = try perOSRole()
        defer { book.remove() }
        let (summary, reporter) = try await book.run { $0.extraVars["ansible_os_family"] = .string("RedHat") }
        XCTAssertEqual(summary.stats.first?.stats.failed, 0)
        XCTAssertEqual(summary.stats.first?.stats.ignored, 1)
        let failure = try XCTUnwrap(reporter.results(ofTask: "db : server package").first)
        XCTAssertEqual(failure.status, .failed)
        XCTAssertTrue(failure.msg?.contains("deckhand cannot run 'yum'") == true, failure.msg ?? "")
        XCTAssertEqual(reporter.results(ofTask: "db : a Windows feature").first?.status, .skipped,
                       "a task deckhand cannot run whose own `when` is false is skipped, as Ansible skips it")
    }

    func testAnAnsibleModuleDeckhandLacksUnderAConditionFailsOnlyWhereItRuns() async throws {
        // A role's own guard (`when:` on the task or its block), no include: ansible-playbook accepts it, and on
        // Debian never runs it. A name Ansible does not know either (a typo) stays an error before anything runs.
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars: { ansible_os_family: Debian }
              tasks:
                - name: on RedHat
                  ansible.builtin.dnf: { name: httpd }
                  when: ansible_os_family == 'RedHat'
                - block:
                    - name: limits
                      community.general.pam_limits: { domain: app, limit_type: soft, limit_item: nofile, value: 4096 }
                  when: ansible_os_family == 'RedHat'
                - name: on Debian
                  debug: { msg: debian }
            """,
            "typo.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - dnff: { name: httpd }
                  when: false
                - dnf: { name: httpd }
            """,
        ])
        defer { book.remove() }
        let playbook = try PlaybookLoader().loadPlaybook(at: book.path("site.yml"))
        XCTAssertEqual(playbook.warnings.count, 2, playbook.warnings.map(\.description).joined(separator: "\n"))
        XCTAssertTrue(playbook.warnings[0].message.contains("'ansible.builtin.dnf' is an Ansible module deckhand does not have"))
        XCTAssertTrue(playbook.warnings[0].message.contains("runs only when ansible_os_family == 'RedHat'"))
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        XCTAssertEqual(reporter.results(ofTask: "on RedHat").first?.status, .skipped)
        XCTAssertEqual(message(reporter, "on Debian"), "debian")

        XCTAssertThrowsError(try PlaybookLoader().loadPlaybook(at: book.path("typo.yml"))) { error in
            XCTAssertTrue("\(error)".contains("unknown module or task keyword 'dnff'"), "\(error)")
            XCTAssertTrue("\(error)".contains("'dnf' is an Ansible module deckhand does not have"),
                          "a task that always runs is refused before anything runs: \(error)")
        }
    }

    func testIncludeRoleIsDynamicToo() throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - include_role: { name: windows }
                  when: ansible_os_family == 'Windows'
            """,
            "roles/windows/tasks/main.yml": "- win_feature: { name: Web-Server }\n",
        ])
        defer { book.remove() }
        let playbook = try PlaybookLoader().loadPlaybook(at: book.path("site.yml"))
        XCTAssertEqual(playbook.warnings.count, 1)
        XCTAssertTrue(playbook.warnings[0].message.contains("include_role at"), playbook.warnings[0].message)
    }

    func testAPythonPluginOfTheRoleIsNamedInTheRefusal() throws {
        let book = try LocalPlaybook(files: [
            "site.yml": "- hosts: all\n  gather_facts: false\n  roles: [custom]\n",
            "roles/custom/tasks/main.yml": "- shell_quietly: { cmd: 'true' }\n- tidy_facts: { keep: 3 }\n",
            "roles/custom/action_plugins/shell_quietly.py": "from ansible.plugins.action import ActionBase\n",
            "library/tidy_facts.py": "from ansible.module_utils.basic import AnsibleModule\n",
            "roles/custom/tasks/other.yml": "- debug: { msg: hello }\n",
            "roles/custom/action_plugins/debug.py": "from ansible.plugins.action import ActionBase\n",
        ])
        defer { book.remove() }
        XCTAssertThrowsError(try PlaybookLoader().loadPlaybook(at: book.path("site.yml"))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("'shell_quietly' is the Python action plugin \(book.path("roles/custom/action_plugins/shell_quietly.py"))"), text)
            XCTAssertTrue(text.contains("'tidy_facts' is the custom module \(book.path("library/tidy_facts.py"))"), text)
            XCTAssertFalse(text.contains("unknown module"), text)
        }
        try "- hosts: all\n  gather_facts: false\n  tasks:\n    - import_role: { name: custom, tasks_from: other }\n"
            .write(toFile: book.path("override.yml"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PlaybookLoader().loadPlaybook(at: book.path("override.yml"))) { error in
            XCTAssertTrue("\(error)".contains("(it replaces the built-in debug here)"), "\(error)")
        }
    }

    func testStaticImportsOfTheSameTasksStillFailAtLoad() throws {
        let book = try perOSRole(include: "import_tasks")
        defer { book.remove() }
        XCTAssertThrowsError(try PlaybookLoader().loadPlaybook(at: book.path("site.yml"))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("'yum' is an Ansible module deckhand does not have"), text)
            XCTAssertTrue(text.contains("unknown module or task keyword 'win_feature'"), text)
        }
    }

    func testARoleMayImportAndIncludeItsOwnOtherTasksButNotItselfAgain() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": "- hosts: all\n  gather_facts: false\n  roles: [web]\n",
            "roles/web/tasks/main.yml": """
            - import_role: { name: web, tasks_from: extra.yml }
            - include_role: { name: web, tasks_from: extra.yml }
            """,
            "roles/web/tasks/extra.yml": "- name: extra\n  debug: { msg: from extra }\n",
        ])
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        XCTAssertEqual(reporter.results(ofTask: "web : extra").count, 2)

        let looping = try LocalPlaybook(files: [
            "site.yml": "- hosts: all\n  gather_facts: false\n  roles: [web]\n",
            "roles/web/tasks/main.yml": "- import_role: { name: web }\n",
        ])
        defer { looping.remove() }
        XCTAssertThrowsError(try PlaybookLoader().loadPlaybook(at: looping.path("site.yml"))) { error in
            XCTAssertTrue("\(error)".contains("role 'web' depends on itself"), "\(error)")
        }
    }

    func testSyntaxCheckAcceptsWithWarningsAndRefusesWhatCannotLoad() throws {
        let book = try perOSRole()
        defer { book.remove() }
        let accepted = try DeckhandBinary.run(["run", "--syntax-check", "site.yml"], in: book.directory)
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        XCTAssertTrue(accepted.stdout.contains("playbook: site.yml"), accepted.stdout)
        XCTAssertTrue(accepted.stderr.contains("[WARNING]: ") && accepted.stderr.contains("RedHat.yml:2"), accepted.stderr)

        try "- hosts: all\n  tasks:\n    - import_tasks: roles/db/tasks/RedHat.yml\n"
            .write(toFile: book.path("static.yml"), atomically: true, encoding: .utf8)
        let refused = try DeckhandBinary.run(["run", "--syntax-check", "static.yml"], in: book.directory)
        XCTAssertEqual(refused.status, 5)
        XCTAssertTrue(refused.stderr.contains("'yum'"), refused.stderr)
    }
}

extension RoleSemanticsTests {
    func testAnsibleSearchPathIsTheRoleThenTheFolderOfTheTasksFile() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              roles: [web]
              tasks:
                - name: play path
                  debug: { msg: "{{ ansible_search_path | join(',') }}" }
            """,
            "roles/web/tasks/main.yml": """
            - name: role path
              debug: { msg: "{{ ansible_search_path | join(',') }}" }
            """,
        ])
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        let role = URL(fileURLWithPath: book.path("roles/web")).resolvingSymlinksInPath().path
        let top = URL(fileURLWithPath: book.path("site.yml")).resolvingSymlinksInPath().deletingLastPathComponent().path
        XCTAssertEqual(message(reporter, "web : role path").map { URLs($0) }, [role, role + "/tasks"])
        XCTAssertEqual(message(reporter, "play path").map { URLs($0) }, [top])
    }

    private func URLs(_ joined: String) -> [String] {
        joined.split(separator: ",").map { URL(fileURLWithPath: String($0)).resolvingSymlinksInPath().path }
    }
}
