import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// The arguments deckhand's modules took over from Ansible's, run against the loopback host through the
/// runner: each playbook asserts on the host (and on the registered results, as Ansible's targets do), and the
/// test reads back what the host holds.
final class ModuleArgumentIntegrationTests: XCTestCase {
    private var base = ""
    private var workspace = ""

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        base = "/tmp/deckhand-args-\(UUID().uuidString)"
        workspace = NSTemporaryDirectory() + "deckhand-args-ws-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: workspace + "/templates", withIntermediateDirectories: true)
    }

    override func tearDown() {
        _ = try? FileManager.default.removeItem(atPath: base)
        _ = try? FileManager.default.removeItem(atPath: workspace)
    }

    /// Runs `tasks` (YAML, indented for a play's task list) on testhost; fails the test on any failed task.
    @discardableResult
    private func play(_ tasks: String, check: Bool = false) async throws -> RecordingReporter {
        let path = workspace + "/site-\(UUID().uuidString).yml"
        try ("- hosts: testhost\n  gather_facts: false\n  tasks:\n" + tasks).write(toFile: path, atomically: true, encoding: .utf8)
        let (summary, events) = try await LoopbackHost.run(path, extraVars: ["base": .string(base)], check: check)
        XCTAssertEqual(summary.exitCode, 0, events.failureReport)
        return events
    }

    private func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    private func mode(_ path: String) throws -> Int {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).intValue
    }

    func testATildePathIsTheHomeOfTheUserTheTaskRunsAs() async throws {
        let name = "deckhand-home-\(UUID().uuidString).txt"
        let userHome = LoopbackHost.shell("getent passwd deckhand | cut -d: -f6")
        defer {
            try? FileManager.default.removeItem(atPath: userHome + "/" + name)
            try? FileManager.default.removeItem(atPath: "/root/" + name)
        }
        let events = try await play("""
            - copy: { dest: "~/\(name)", content: "as the user\\n" }
            - copy: { dest: "~/\(name)", content: "as root\\n" }
              become: true
            - find: { paths: ["~", "~deckhand"], patterns: "\(name)" }
              register: found
              become: true
            - stat: { path: "~/\(name)" }
              register: mine
            - assert:
                that:
                  - found.files | map(attribute='path') | sort == ['/root/\(name)', '\(userHome)/\(name)'] | sort
                  - mine.stat.exists and mine.stat.path == '\(userHome)/\(name)'
        """)
        XCTAssertEqual(try read(userHome + "/" + name), "as the user\n")
        XCTAssertEqual(try read("/root/" + name), "as root\n")
        XCTAssertEqual(events.results(ofTask: "stat").count, 1)
    }

    func testOnlyALeadingTildeWithAUserNameNamesAHome() {
        XCTAssertEqual(HomePath.user(in: "~/.ssh"), "")
        XCTAssertEqual(HomePath.user(in: "~"), "")
        XCTAssertEqual(HomePath.user(in: "~deploy/app"), "deploy")
        XCTAssertNil(HomePath.user(in: "/srv/~deploy"))
        XCTAssertNil(HomePath.user(in: "~$(reboot)/x"), "not a user name: the path stays as written")
        let homes = ["": "/home/ops", "deploy": "/srv/deploy"]
        XCTAssertEqual(HomePath.expand("~/.ssh/known_hosts", homes: homes), "/home/ops/.ssh/known_hosts")
        XCTAssertEqual(HomePath.expand("~deploy/app", homes: homes), "/srv/deploy/app")
        XCTAssertEqual(HomePath.expand("~nobody-here/x", homes: homes), "~nobody-here/x", "a user the host does not know")
        XCTAssertEqual(HomePath.expand("~deployer/x", homes: homes), "~deployer/x")
    }

    func testFileFollowChangesWhereLinksLeadOnlyWhenFollowing() async throws {
        try await play("""
            - file: { path: "{{ base }}/top", state: directory, mode: "0755" }
            - file: { path: "{{ base }}/target_file", state: touch, mode: "0755" }
            - file: { path: "{{ base }}/target_dir", state: directory, mode: "0755" }
            - file: { path: "{{ base }}/target_dir/foo", state: touch, mode: "0755" }
            - file: { path: "{{ base }}/top/link", state: link, src: ../target_file }
            - file: { path: "{{ base }}/top/link_dir", state: link, src: ../target_dir }
            - file: { path: "{{ base }}/top/nowhere", state: link, src: does_not_exist, force: true }
            - name: not following
              file: { path: "{{ base }}/top", follow: false, mode: go-rwx, recurse: true }
        """)
        XCTAssertEqual(try mode(base + "/top"), 0o700)
        XCTAssertEqual(try mode(base + "/target_file"), 0o755)
        XCTAssertEqual(try mode(base + "/target_dir/foo"), 0o755)
        let events = try await play("""
            - name: following
              file: { path: "{{ base }}/top", follow: true, mode: go-rwx, recurse: true }
            - name: again
              file: { path: "{{ base }}/top", follow: true, mode: go-rwx, recurse: true }
            - name: a link's mode is its target's
              file: { path: "{{ base }}/top/link", mode: "0640" }
            - name: set the time
              file: { path: "{{ base }}/target_file", modification_time: "202202081414.00", modification_time_format: "%Y%m%d%H%M.%S" }
            - name: set it again
              file: { path: "{{ base }}/target_file", modification_time: "202202081414.00", modification_time_format: "%Y%m%d%H%M.%S" }
            - file: { path: "{{ base }}/target_file", _diff_peek: true }
              register: peek
            - assert: { that: ["peek.appears_binary == false", "peek is not changed"] }
        """)
        let modified = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: base + "/target_file")[.modificationDate] as? Date)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        XCTAssertEqual(calendar.dateComponents([.year, .month, .day, .hour, .minute], from: modified),
                       DateComponents(year: 2022, month: 2, day: 8, hour: 14, minute: 14))
        XCTAssertEqual(events.results(ofTask: "set the time").first?.status, .changed)
        XCTAssertEqual(events.results(ofTask: "set it again").first?.status, .ok)
        XCTAssertEqual(try mode(base + "/target_file"), 0o640)
        XCTAssertEqual(try mode(base + "/target_dir"), 0o700)
        XCTAssertEqual(try mode(base + "/target_dir/foo"), 0o700)
        XCTAssertEqual(events.results(ofTask: "following").first?.status, .changed)
        XCTAssertEqual(events.results(ofTask: "again").first?.status, .ok)
    }

    func testCommandAndShellArgumentsBehaveAsAnsiblesTargetAsserts() async throws {
        try await play("""
            - file: { path: "{{ base }}/real/site", state: directory }
            - file: { path: "{{ base }}/www", state: link, src: "{{ base }}/real" }
            - copy: { content: "", dest: "{{ base }}/afile.txt" }
            - command: ls /dev/null
              args: { executable: /bogus }
              register: executable
            - command: { chdir: / }
              register: no_command
              ignore_errors: true
            - command: echo
              args: { chdir: "{{ base }}/nope" }
              register: bad_chdir
              ignore_errors: true
            - command: touch "{{ base }}/ran"
              args: { creates: "{{ base }}/afile.*" }
              register: globbed
            - shell: dirname "$PWD"
              args: { chdir: "{{ base }}/www/site" }
              register: parent
            - command: /bin/sh -c 'echo "\\$TEST"'
              environment: { TEST: z }
              register: expanded
            - command: /bin/sh -c 'echo "\\$TEST"'
              args: { expand_argument_vars: false }
              environment: { TEST: z }
              register: literal
            - command: printf 'hello \\n \\r\\n'
              args: { strip_empty_ends: false }
              register: unstripped
            - shell: cat > "{{ base }}/stdin.txt"
              args: { stdin: test, stdin_add_newline: false, executable: /bin/bash }
              register: fed
            - assert:
                that:
                  - executable.stdout == '/dev/null'
                  - executable.warnings | length == 1
                  - "no_command is failed and no_command.msg == 'one of the following is required: _raw_params, cmd, argv'"
                  - bad_chdir is failed and bad_chdir.msg is search('Unable to change directory')
                  - globbed is not changed
                  - parent.stdout == base ~ '/real'
                  - expanded.stdout == '\\\\z'
                  - literal.stdout == '$TEST'
                  - unstripped.stdout == 'hello \\n \\r\\n'
                  - fed.cmd == 'cat > "' ~ base ~ '/stdin.txt"'
        """)
        XCTAssertFalse(FileManager.default.fileExists(atPath: base + "/ran"))
        XCTAssertEqual(try read(base + "/stdin.txt"), "test")
    }

    func testReplaceBetweenAfterAndBeforeOnly() async throws {
        try await play("""
            - file: { path: "{{ base }}", state: directory }
            - copy:
                dest: "{{ base }}/addresses.txt"
                content: "# start\\n0.0.0.0\\n# end\\n\\n# start\\n0.0.0.0\\n# end\\n"
            - replace: { path: "{{ base }}/addresses.txt", after: "# start", before: "# end", regexp: "0", replace: "9" }
              register: first
            - replace: { path: "{{ base }}/addresses.txt", after: "# never", regexp: "0", replace: "9" }
              register: unmatched
            - assert:
                that:
                  - first is changed
                  - unmatched is not changed and unmatched.msg.startswith('Pattern for before/after params did not match')
        """)
        XCTAssertEqual(try read(base + "/addresses.txt"), "# start\n9.9.9.9\n# end\n\n# start\n0.0.0.0\n# end\n")
    }

    func testIncludeVarsReadsAFoldersFiles() async throws {
        for (path, text) in [("vars/all/all.yml", "testing: 123\nbase_dir: all\n"), ("vars/services/webapp.yml", "testing: 456\nwebapp_containers: 10\n"),
                             ("vars/webapp/file_without_extension", "webapp_version: 1\n")] {
            let full = workspace + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        try await play("""
            - include_vars: { dir: vars/all, depth: 1 }
            - assert: { that: ["testing == 123", "base_dir == 'all'"] }
            - include_vars: { dir: vars, extensions: ['', yml] }
              register: every
            - assert:
                that:
                  - testing == 456 and webapp_containers == 10 and webapp_version == 1
                  - every.ansible_included_var_files | length == 3
            - include_vars: { dir: vars, files_matching: webapp.yml, name: webapp }
            - assert: { that: ["webapp.testing == 456"] }
            - include_vars: { dir: vars/webapp }
              register: strict
              ignore_errors: true
            - assert: { that: ["strict is failed", "'a valid extension' in strict.message"] }
        """)
    }

    func testTemplateOverridesShapeTheWrittenFile() async throws {
        try "var: << name >> [# note #]\n{% if true %}\nline\n{% endif %}\n".write(toFile: workspace + "/templates/custom.j2", atomically: true, encoding: .utf8)
        try "#jinja2:variable_start_string:'<<' , variable_end_string:'>>'\nvar: << name >>\n".write(toFile: workspace + "/templates/header.j2", atomically: true, encoding: .utf8)
        try await play("""
            - file: { path: "{{ base }}", state: directory }
            - template:
                src: custom.j2
                dest: "{{ base }}/custom.txt"
                variable_start_string: "<<"
                variable_end_string: ">>"
                comment_start_string: "[#"
                comment_end_string: "#]"
                trim_blocks: false
                newline_sequence: '\\r\\n'
              vars: { name: app }
            - template: { src: header.j2, dest: "{{ base }}/header.txt" }
              vars: { name: app }
            - file: { path: "{{ base }}/link.txt", src: header.txt, state: link }
            - name: through the link
              template: { src: header.j2, dest: "{{ base }}/link.txt", follow: true }
              vars: { name: other }
        """)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: base + "/link.txt"), "header.txt", "follow keeps the link")
        XCTAssertEqual(try read(base + "/custom.txt"), "var: app \r\n\r\nline\r\n")
        XCTAssertEqual(try read(base + "/header.txt"), "var: other\n")
    }

    func testStatUserBlockinfileAndTempfile() async throws {
        try await play("""
            - file: { path: "{{ base }}", state: directory }
            - copy: { dest: "{{ base }}/foo.txt", content: hello world, mode: "0644" }
            - stat: { path: "{{ base }}/foo.txt", get_selinux_context: true }
              register: stat_result
            - blockinfile: { path: "{{ base }}/validate.txt", block: "line1\\nline2", create: true, validate: "grep line47 %s" }
              register: refused
              ignore_errors: true
            - blockinfile: { path: "{{ base }}/validate.txt", block: "line1\\nline2", create: true, validate: "grep line1 %s" }
            - user: { name: deckhand-no-such-user, state: absent, force: true }
              register: gone
            - tempfile: { state: directory, path: "{{ base }}", prefix: hello., suffix: .goodbye }
              register: made
            - tempfile: { path: "{{ base }}/does_not_exist" }
              register: nowhere
              ignore_errors: true
            - assert:
                that:
                  - stat_result.stat.mimetype == 'text/plain' and stat_result.stat.charset == 'us-ascii'
                  - "'attributes' in stat_result.stat"
                  - refused is failed
                  - gone is not changed
                  - made is changed and made.state == 'directory'
                  - made.path.startswith(base) and (made.path | basename).split('.')[0] == 'hello'
                  - (made.path | basename).split('.')[-1] == 'goodbye'
                  - nowhere is failed
        """)
        XCTAssertEqual(try read(base + "/validate.txt"), "# BEGIN ANSIBLE MANAGED BLOCK\nline1\nline2\n# END ANSIBLE MANAGED BLOCK\n")
        let made = try FileManager.default.contentsOfDirectory(atPath: base).filter { $0.hasPrefix("hello.") }
        XCTAssertEqual(made.count, 1)
    }

    func testACp273FileIsEditedInCp273AndSlurpAndTempfileFailAsAnsibles() async throws {
        try await play("""
            - file: { path: "{{ base }}", state: directory }
            - lineinfile: { path: "{{ base }}/enc.txt", create: true, line: Test line encoded in cp273, encoding: cp273 }
            - replace: { path: "{{ base }}/enc.txt", after: Test, before: encoded, regexp: e, replace: "3", encoding: cp273 }
              register: replaced
            - blockinfile: { path: "{{ base }}/enc.txt", block: Grüße, encoding: cp273 }
            - blockinfile: { path: "{{ base }}/enc.txt", block: Grüße, encoding: cp273 }
              register: again
            - stat: { path: "{{ base }}/enc.txt" }
              register: encoded
            - slurp: { src: "{{ base }}/missing" }
              register: missing
              ignore_errors: true
            - slurp: { src: "{{ base }}/enc.txt", armor: false }
              register: raw
            - tempfile: { path: "{{ base }}", prefix: ../x }
              register: escaping
              ignore_errors: true
            - assert:
                that:
                  - replaced.msg == '1 replacements made'
                  - again is not changed
                  - encoded.stat.disk_usage_bytes > 0
                  - "missing is failed and missing.msg == 'File not found: ' ~ base ~ '/missing'"
                  - raw.encoding == 'utf-8'
                  - escaping is failed and escaping.msg == "prefix must be a valid file name component, got '../x'"
        """)
        // Python: the same text .encode('cp273').
        let expected = "e385a2a340938995f34085958396848584408995408397f2f7f3257b40c2c5c7c9d540c1d5e2c9c2d3c540d4c1d5c1c7c5c440c2d3d6c3"
            + "d225c799d0a185257b40c5d5c440c1d5e2c9c2d3c540d4c1d5c1c7c5c440c2d3d6c3d225"
        let data = try Data(contentsOf: URL(fileURLWithPath: base + "/enc.txt"))
        XCTAssertEqual(data.map { String(format: "%02x", $0) }.joined(), expected)
    }

    func testGatherFactsAsATaskAndServiceAndAptInCheckMode() async throws {
        let events = try await play("""
            - gather_facts:
                parallel: true
            - assert: { that: ["ansible_facts.system == 'Linux'", "ansible_system == 'Linux'"] }
            - name: missing service
              service: { name: deckhand-no-such-service, state: started, use: service }
              register: missing_service
              ignore_errors: true
            - name: missing package
              apt: { name: deckhand-no-such-package }
              register: missing_package
              ignore_errors: true
            - name: cache beside an installed package
              apt: { name: bash, update_cache: true }
              register: cache_and_bash
            - name: cache alone
              apt: { update_cache: true }
              register: cache_alone
            - assert:
                that:
                  - missing_service is failed and missing_service.msg is search('Could not find the requested service')
                  - missing_package is failed and missing_package.msg == "No package matching 'deckhand-no-such-package' is available"
                  - cache_and_bash is not changed
                  - cache_alone is changed
        """, check: true)
        XCTAssertEqual(events.results(ofTask: "cache alone").first?.status, .changed)
    }

    func testPipRunsTheVirtualenvsPythonWithItsSitePackagesAndVersion() async throws {
        try await play("""
            # Without pip of its own, the virtualenv's python finds the system's pip only through its site packages.
            - pip:
                name: pip
                virtualenv: "{{ base }}/venv"
                virtualenv_command: /usr/bin/python3 -m venv --without-pip
                virtualenv_site_packages: true
                extra_args: --no-index
              register: created
            - pip: { name: pip, virtualenv: "{{ base }}/venv", extra_args: --no-index }
              register: again
            - command: "{{ base }}/venv/bin/python -m pip --version"
              register: version
            - pip: { name: pip, version: "{{ version.stdout.split()[1] }}", virtualenv: "{{ base }}/venv" }
              register: pinned
            - assert: { that: [created is changed, again is not changed, pinned is not changed] }
        """)
        XCTAssertTrue(try read(base + "/venv/pyvenv.cfg").contains("include-system-site-packages = true"))
    }

    func testGitClonesShallowWithSubmodules() async throws {
        // The repositories are made on the host by its own user: git refuses another user's repository.
        try await play("""
            - file: { path: "{{ base }}", state: directory }
            - name: make a repository with a submodule
              shell: |
                set -e
                git init -q -b main sub; git -C sub -c user.name=t -c user.email=t@t commit -q --allow-empty -m sub
                git init -q -b main main; git -C main -c user.name=t -c user.email=t@t commit -q --allow-empty -m one
                git -C main -c protocol.file.allow=always submodule -q add "$PWD/sub" lib
                git -C main -c user.name=t -c user.email=t@t commit -q -m two
              args: { chdir: "{{ base }}", executable: /bin/bash }
              environment: { HOME: "{{ base }}" }
            - set_fact:
                git_env: { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: protocol.file.allow, GIT_CONFIG_VALUE_0: always }
            - git: { repo: "file://{{ base }}/main", dest: "{{ base }}/checkout", depth: 1, version: main }
              environment: "{{ git_env }}"
              register: cloned
            - command: git -C "{{ base }}/checkout" rev-list --count HEAD
              register: commits
            - git: { repo: "file://{{ base }}/main", dest: "{{ base }}/checkout", depth: 1, version: main }
              environment: "{{ git_env }}"
              register: again
            - assert: { that: [cloned is changed, "commits.stdout == '1'", again is not changed] }
        """)
        XCTAssertTrue(FileManager.default.fileExists(atPath: base + "/checkout/lib/.git"), "the submodule is checked out")
    }
}
