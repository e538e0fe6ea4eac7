import Jinja
import XCTest
@testable import Deckhand

final class PlaybookLoaderTests: XCTestCase {
    func testSitePlaybookLoadsIntoTheTypedModel() throws {
        let playbook = try PlaybookLoader().loadPlaybook(at: Fixtures.path("site/site.yml"))
        XCTAssertEqual(playbook.plays.count, 2, "import_playbook brings base.yml's play first")

        let base = playbook.plays[0]
        XCTAssertEqual(base.hosts, "all")
        XCTAssertFalse(base.gatherFacts)
        XCTAssertEqual(base.tasks.count, 1)
        XCTAssertTrue(base.location.file.hasSuffix("base.yml"))

        let web = playbook.plays[1]
        XCTAssertEqual(web.name, "Web servers")
        XCTAssertEqual(web.hosts, "web:&prod")
        XCTAssertEqual(web.keywords.become, .literal(true))
        XCTAssertEqual(web.vars["app_user"], .string("django"))
        XCTAssertEqual(web.varsFiles.map(\.candidates), [["vars/common.yml"], ["vars/missing.yml", "vars/common.yml"]])
        XCTAssertEqual(web.location.line, 4)
        XCTAssertEqual(web.location.column, 3)

        // The apt task's key=value arguments stay strings, as Ansible's parse_kv gives them.
        guard case .task(let apt) = web.preTasks.first, let aptCall = apt.moduleCall else {
            return XCTFail("pre_tasks should hold the apt task")
        }
        XCTAssertEqual(aptCall.name, "apt")
        XCTAssertEqual(aptCall.arguments, .dict(["update_cache": .string("yes"), "cache_valid_time": .string("3600")]))
    }

    func testBlocksImportsLoopsAndIncludesKeepTheirShapeAndLocations() throws {
        let web = try PlaybookLoader().loadPlaybook(at: Fixtures.path("site/site.yml")).plays[1]
        guard case .block(let deploy) = web.tasks[0] else { return XCTFail("first task is the block") }
        XCTAssertEqual(deploy.name, "Deploy app")
        XCTAssertEqual(deploy.keywords.becomeUser, "root")
        XCTAssertEqual(deploy.block.count, 2)
        XCTAssertEqual(deploy.rescue.count, 1)
        XCTAssertEqual(deploy.always.count, 1)

        guard case .task(let copy) = deploy.block[0], let call = copy.moduleCall else { return XCTFail("copy task") }
        XCTAssertEqual(call.name, "copy", "the FQCN is stripped")
        XCTAssertEqual(call.originalName, "ansible.builtin.copy")
        XCTAssertEqual(call.argumentDictionary["dest"], .string("/srv/{{ app_user }}/settings.py"),
                       "templates are kept for run time")
        XCTAssertEqual(copy.notify, ["restart app"])
        XCTAssertEqual(copy.location.line, 22)
        XCTAssertEqual(call.location.line, 23)

        guard case .block(let imported) = deploy.block[1] else { return XCTFail("import_tasks becomes a block") }
        XCTAssertEqual(imported.keywords.when, ["extra_enabled"])
        guard case .importTasks(let file) = imported.origin else { return XCTFail("origin is the import") }
        XCTAssertTrue(file.hasSuffix("tasks/extra.yml"))
        guard case .task(let extra) = imported.block.first else { return XCTFail("imported task") }
        XCTAssertEqual(extra.name, "Extra step")
        XCTAssertTrue(extra.location.file.hasSuffix("extra.yml"))
        XCTAssertEqual(extra.moduleCall?.argumentDictionary["cmd"], .string("echo extra"))

        guard case .task(let always) = deploy.always[0] else { return XCTFail("always task") }
        XCTAssertEqual(always.changedWhen, ["False"])

        guard case .task(let folders) = web.tasks[1], let loop = folders.loop else { return XCTFail("loop task") }
        XCTAssertEqual(loop.kind, .items)
        XCTAssertEqual(loop.source, .list([.string("a"), .string("b")]))
        XCTAssertEqual(loop.control.label, "{{ item }}")
        XCTAssertEqual(folders.moduleCall?.argumentDictionary["path"], .string("/tmp/{{ item }}"))

        guard case .task(let include) = web.tasks[2], case .includeTasks(let dynamic) = include.action else {
            return XCTFail("include_tasks stays dynamic")
        }
        XCTAssertEqual(dynamic.file, "tasks/dynamic.yml")
        let included = try PlaybookLoader().loadIncludedTasks(
            dynamic, file: dynamic.file, role: nil, playbookDirectory: web.playbookDirectory, location: include.location)
        XCTAssertEqual(included.count, 1)

        guard case .task(let flush) = web.tasks[3] else { return XCTFail("meta task") }
        XCTAssertEqual(flush.action, .meta(.flushHandlers))

        guard case .task(let supervisor) = web.tasks[4] else { return XCTFail("supervisorctl task") }
        XCTAssertEqual(supervisor.moduleCall?.name, "supervisorctl")
        XCTAssertEqual(supervisor.moduleCall?.originalName, "community.general.supervisorctl")

        guard case .task(let shell) = web.tasks[5], let shellCall = shell.moduleCall else { return XCTFail("shell") }
        XCTAssertEqual(shellCall.argumentDictionary["chdir"], .string("/tmp"))
        XCTAssertEqual(shellCall.argumentDictionary["cmd"], .string("echo a=b > /tmp/out"),
                       "only the module's own keys are taken out of free-form text")
        XCTAssertEqual(shell.register, "echoed")
        // As written: a whole `{{ … }}` is rendered when evaluated (ansible-core's conditional indirection).
        XCTAssertEqual(shell.keywords.when, ["echoed is not defined", "{{ app_user == 'django' }}"])
    }

    func testRolesRunTheirDependenciesFirstAndCarryTheirContext() throws {
        let web = try PlaybookLoader().loadPlaybook(at: Fixtures.path("site/site.yml")).plays[1]
        XCTAssertEqual(web.roles.count, 1)
        let nginx = web.roles[0]
        XCTAssertEqual(nginx.params["nginx_port"], .int(8080))
        XCTAssertEqual(nginx.keywords.tags, ["web"])
        XCTAssertEqual(nginx.role.defaults["nginx_port"], .int(80))
        XCTAssertEqual(nginx.role.vars["nginx_conf_dir"], .string("/etc/nginx"))
        XCTAssertEqual(nginx.role.dependencies.map(\.name), ["common"])

        let blocks = web.roleTasks.compactMap { item -> Block? in
            if case .block(let block) = item { return block }
            return nil
        }
        XCTAssertEqual(blocks.map { $0.role?.name }, ["common", "nginx"])
        guard case .task(let install) = blocks[1].block.first else { return XCTFail("nginx task") }
        XCTAssertEqual(install.role?.params["nginx_port"], .int(8080), "tasks see this use's params")
        XCTAssertEqual(install.displayName, "nginx : Install nginx")
        XCTAssertTrue(install.role?.path.hasSuffix("roles/nginx") ?? false)

        XCTAssertEqual(web.roleDefaults["nginx_user"], .string("www-data"), "role defaults are visible play-wide")
        XCTAssertEqual(web.roleVars["nginx_conf_dir"], .string("/etc/nginx"))

        let handlerNames = web.allHandlers.compactMap(\.task.name)
        XCTAssertEqual(handlerNames, ["reload nginx", "restart app"], "role handlers first, then the play's")
        XCTAssertEqual(web.allHandlers[1].listen, ["app changed"])
        XCTAssertTrue(web.allHandlers[0].notificationNames.contains("nginx : reload nginx"))
    }

    func testARoleUsedTwiceWithTheSameParamsRunsOnce() throws {
        let folder = try temporaryFolder()
        try write("roles/r/tasks/main.yml", "- ping:\n", in: folder)
        try write("play.yml", """
            - hosts: all
              roles:
                - r
                - r
                - { role: r, x: 1 }
            """, in: folder)
        let play = try PlaybookLoader().loadPlaybook(at: folder + "/play.yml").plays[0]
        XCTAssertEqual(play.roleTasks.count, 2)
    }

    func testImportRoleBecomesABlockWithTheRolesHandlers() throws {
        let folder = try temporaryFolder()
        try write("roles/r/tasks/main.yml", "- name: in role\n  ping:\n", in: folder)
        try write("roles/r/handlers/main.yml", "- name: role handler\n  ping:\n", in: folder)
        try write("play.yml", """
            - hosts: all
              tasks:
                - import_role:
                    name: r
                  when: yes_please
                - include_role:
                    name: r
                    tasks_from: main
            """, in: folder)
        let play = try PlaybookLoader().loadPlaybook(at: folder + "/play.yml").plays[0]
        guard case .block(let imported) = play.tasks[0] else { return XCTFail("import_role is a block") }
        XCTAssertEqual(imported.keywords.when, ["yes_please"])
        XCTAssertEqual(play.allHandlers.compactMap(\.task.name), ["role handler"])
        guard case .task(let include) = play.tasks[1], case .includeRole(let role) = include.action else {
            return XCTFail("include_role stays dynamic")
        }
        let reference = try PlaybookLoader().loadIncludedRole(
            role, name: role.name, params: [:], playbookDirectory: play.playbookDirectory, location: include.location)
        XCTAssertEqual(reference.role.tasks.count, 1)
    }

    func testImportPlaybookPassesVarsTagsAndConditionsToItsPlays() throws {
        let folder = try temporaryFolder()
        try write("inner.yml", "- hosts: web\n  vars: {a: 1}\n  tasks:\n    - ping:\n", in: folder)
        try write("outer.yml", """
            - import_playbook: inner.yml
              vars: {b: 2}
              tags: deploy
              when: enabled
            """, in: folder)
        let play = try PlaybookLoader().loadPlaybook(at: folder + "/outer.yml").plays[0]
        XCTAssertEqual(play.vars, ["a": .int(1), "b": .int(2)])
        XCTAssertEqual(play.keywords.tags, ["deploy"])
        XCTAssertEqual(play.keywords.when, ["enabled"])
        XCTAssertTrue(play.location.file.hasSuffix("inner.yml"))
    }

    func testAnExistingAnsibleCfgIsHonoured() throws {
        let folder = try temporaryFolder()
        try write("ansible.cfg", """
            [defaults]
            inventory = hosts.ini
            roles_path = ./roles:~/shared-roles:/etc/ansible/roles  ; where roles live
            remote_user = deploy
            forks = 20
            host_key_checking = False

            [privilege_escalation]
            become = True
            become_user = root
            """, in: folder)
        let config = try AnsibleConfig.find(from: folder, environment: ["HOME": "/home/me"])
        XCTAssertEqual(config.inventory, [folder + "/hosts.ini"])
        XCTAssertEqual(config.rolesPath, [folder + "/roles", NSString("~/shared-roles").expandingTildeInPath,
                                          "/etc/ansible/roles"])
        XCTAssertEqual(config.remoteUser, "deploy")
        XCTAssertEqual(config.forks, 20)
        XCTAssertEqual(config.become, true)
        XCTAssertEqual(config.becomeUser, "root")
        XCTAssertNil(try AnsibleConfig.find(from: folder + "/nowhere", environment: [:]).path)
    }

    func testBlockNotifyReachesEveryTaskAndOldStyleVarsLists() throws {
        let folder = try temporaryFolder()
        try write("play.yml", """
            - hosts: all
              remote_user: admin
              fact_path: /etc/ansible/facts.d
              vars:
                - a: 1
                - b: 2
              tasks:
                - ping:
                  remote_user: deploy
                  become_exe: sudo
                - block:
                    - copy: src=a dest=/a
                      notify: other
                    - block:
                        - copy: src=b dest=/b
                  notify: restart
              handlers:
                - name: restart
                  ping:
                - name: other
                  ping:
            """, in: folder)
        let play = try PlaybookLoader().loadPlaybook(at: folder + "/play.yml").plays[0]
        XCTAssertEqual(play.vars, ["a": .int(1), "b": .int(2)])
        XCTAssertEqual(play.remoteUser, "admin")
        XCTAssertEqual(play.keywords.remoteUser, nil)
        guard case .task(let ping) = play.tasks[0] else { return XCTFail("ping task") }
        XCTAssertEqual(ping.keywords.remoteUser, "deploy")
        guard case .block(let outer) = play.tasks[1], case .task(let first) = outer.block[0],
              case .block(let inner) = outer.block[1], case .task(let second) = inner.block[0] else {
            return XCTFail("two tasks in nested blocks")
        }
        XCTAssertEqual(first.notify, ["other", "restart"])
        XCTAssertEqual(second.notify, ["restart"])
    }

    func testYAMLValuesAreTypedAsAnsibleReadsThem() throws {
        let document = try YAMLDocument.parse("""
            a: yes
            b: 0644
            c: "0644"
            d: 1.5
            e: ~
            f: 2024-01-01
            g: [1, two]
            base: &base {x: 1}
            h:
              <<: *base
              y: 2
            """, path: "t.yml")
        guard let root = document.root, case .dict(let dict) = YAMLDocument.value(of: root) else {
            return XCTFail("a mapping")
        }
        XCTAssertEqual(dict["a"], .bool(true))
        XCTAssertEqual(dict["b"], .int(420), "YAML 1.1 octal, as PyYAML reads it")
        XCTAssertEqual(dict["c"], .string("0644"))
        XCTAssertEqual(dict["d"], .double(1.5))
        XCTAssertEqual(dict["e"], Value.none)
        XCTAssertEqual(dict["f"], .string("2024-01-01"))
        XCTAssertEqual(dict["g"], .list([.int(1), .string("two")]))
        XCTAssertEqual(dict["h"], .dict(["x": .int(1), "y": .int(2)]))
    }

    func testKeyValueArgumentsFollowAnsibleQuoting() throws {
        let parsed = try KeyValueArguments.parse(#"src=a dest="/tmp/b c" msg='it''s' x={{ y | default('a b') }} free"#)
        XCTAssertEqual(parsed.pairs.map(\.key), ["src", "dest", "msg", "x"])
        XCTAssertEqual(parsed.pairs[1].value, "/tmp/b c")
        XCTAssertEqual(parsed.pairs[3].value, "{{ y | default('a b') }}")
        XCTAssertEqual(parsed.freeForm, "free")
        let command = try KeyValueArguments.parse("echo a=b creates=/x", onlyKeys: ["creates"])
        XCTAssertEqual(command.pairs.map(\.key), ["creates"])
        XCTAssertEqual(command.freeForm, "echo a=b")
        XCTAssertThrowsError(try KeyValueArguments.parse("msg='unclosed"))
    }

    func testKeyValueWordsDecodePythonEscapesAndKeepAnEscapedQuoteAsAnsiblesParseKvDoes() throws {
        let parsed = try KeyValueArguments.parse(#"a='it\'s' b="tab\there" c=caf\u00e9 d=x\=y e='\n'"# + " f=1\tg=2")
        XCTAssertEqual(parsed.pairs.map(\.key), ["a", "b", "c", "d", "e", "f"])
        XCTAssertEqual(parsed.pairs.map(\.value), ["it's", "tab\there", "café", #"x\=y"#, "\n", "1\tg=2"],
                       "a tab does not separate words in Ansible's split_args")
        XCTAssertNil(parsed.freeForm)
        XCTAssertEqual(try KeyValueArguments.parse(#"echo "a b"  c\"d"#).freeForm, #"echo "a b"  c\"d"#,
                       "free-form text is kept as written")
    }

    func testFreeFormTextIsRebuiltAsAnsiblesSplitArgsAndJoinArgsDo() throws {
        let script = "echo this is a \\\n\"multiline echo\" \\\n\"with a new line\nin quotes\" \\\n| cat\necho \"second\"\n"
        XCTAssertEqual(try KeyValueArguments.parse(script, onlyKeys: ["chdir"]).freeForm,
                       "echo this is a \"multiline echo\" \"with a new line\nin quotes\" | cat\necho \"second\"\n",
                       "a line ending in a backslash joins the next, quoted line breaks and the last newline stay")
        XCTAssertEqual(try KeyValueArguments.parse("ls {{ a }}  b chdir=/tmp", onlyKeys: ["chdir"]).freeForm, "ls {{ a }}  b")
    }

    // MARK: Helpers

    func temporaryFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "deckhand-loader-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }

    func write(_ relative: String, _ text: String, in folder: String) throws {
        let path = (folder as NSString).appendingPathComponent(relative)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
