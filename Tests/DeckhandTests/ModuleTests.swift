import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// Modules decide from recorded probe output, without a host.
final class ModuleTests: XCTestCase {
    private func probeOutput(_ text: String) -> CommandResult {
        CommandResult(exitStatus: 0, exitSignal: nil, stdout: Data(text.utf8), stderr: Data())
    }

    private func make<M: Module>(_ type: M.Type, _ args: KeyValuePairs<String, Any>) throws -> M {
        var values = OrderedDictionary<String, Value>()
        for (key, value) in args { values[key] = testValue(value) }
        return try M.make(values)
    }

    // MARK: FileState

    func testFileStateReadsKindModeOwnerChecksumAndContent() throws {
        let output = "kind file\nstat 644 0 0 root root\nsha1 f572d396fae9206628714fb2ce00f72e94f2258f\n@@deckhand-content@@\nhello\n"
        let state = try FileState(probeOutput: Data(output.utf8))
        XCTAssertEqual(state.kind, .file)
        XCTAssertEqual(state.mode, 0o644)
        XCTAssertEqual(state.owner, "root")
        XCTAssertEqual(state.checksum, "f572d396fae9206628714fb2ce00f72e94f2258f")
        XCTAssertEqual(state.content.map { String(decoding: $0, as: UTF8.self) }, "hello\n")
        XCTAssertEqual(ContentDigest.sha1(Data("hello\n".utf8)), "f572d396fae9206628714fb2ce00f72e94f2258f")
    }

    func testFileStateProbeAgainstARealFile() async throws {
        let path = NSTemporaryDirectory() + "deckhand state \(UUID().uuidString) 'q'"
        try Data("data".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await LocalConnection().run(FileState.probe(path, checksum: true, content: true))
        let state = try FileState(probeOutput: result.stdout)
        XCTAssertEqual(state.kind, .file)
        XCTAssertEqual(state.checksum, ContentDigest.sha1(Data("data".utf8)))
        XCTAssertEqual(state.content, Data("data".utf8))
        let missing = try await LocalConnection().run(FileState.probe(path + ".missing"))
        XCTAssertEqual(try FileState(probeOutput: missing.stdout).kind, .absent)
    }

    // MARK: copy

    func testCopyWritesAMissingFile() throws {
        let copy = try make(CopyModule.self, ["content": "server {}\n", "dest": "/etc/nginx/x.conf", "mode": "0644"])
        let plan = try copy.plan(probeOutput("kind absent\n"), ModuleContext())
        XCTAssertTrue(plan.result.changed)
        guard case .put(let write)? = plan.actions.first?.kind else { return XCTFail("no put") }
        XCTAssertEqual(String(decoding: write.data, as: UTF8.self), "server {}\n")
        XCTAssertEqual(write.path, "/etc/nginx/x.conf")
        XCTAssertEqual(write.mode, 0o644)
    }

    func testCopyLeavesAnIdenticalFileAlone() throws {
        let copy = try make(CopyModule.self, ["content": "hello\n", "dest": "/tmp/x", "mode": "0644"])
        let plan = try copy.plan(probeOutput("kind file\nstat 644 0 0 root root\nsha1 \(ContentDigest.sha1(Data("hello\n".utf8)))\n"), ModuleContext())
        XCTAssertFalse(plan.result.changed)
        XCTAssertTrue(plan.actions.isEmpty)
    }

    func testCopyFixesOnlyTheModeWhenContentMatches() throws {
        let copy = try make(CopyModule.self, ["content": "hello\n", "dest": "/tmp/x", "mode": "u=rw,g=,o="])
        let plan = try copy.plan(probeOutput("kind file\nstat 644 0 0 root root\nsha1 \(ContentDigest.sha1(Data("hello\n".utf8)))\n"), ModuleContext())
        XCTAssertTrue(plan.result.changed)
        guard case .run(let command, _)? = plan.actions.first?.kind else { return XCTFail("no chmod") }
        XCTAssertEqual(command.rendered, "chmod 600 -- /tmp/x")
    }

    func testCopyShowsAUnifiedDiffInDiffMode() throws {
        let copy = try make(CopyModule.self, ["content": "a\nB\nc\n", "dest": "/tmp/x"])
        let plan = try copy.plan(probeOutput("kind file\nstat 644 0 0 root root\nsha1 0\n@@deckhand-content@@\na\nb\nc\n"),
                                 ModuleContext(diffMode: true))
        let diff = try XCTUnwrap(plan.result.diffs.first)
        let text = UnifiedDiff.render(before: diff.before, after: diff.after, beforeHeader: "before", afterHeader: "after")
        XCTAssertEqual(text, "--- before\n+++ after\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")
    }

    func testCopyRefusesBothSrcAndContent() {
        XCTAssertThrowsError(try make(CopyModule.self, ["content": "x", "src": "y", "dest": "/tmp/x"]))
        XCTAssertThrowsError(try make(CopyModule.self, ["dest": "/tmp/x"]))
    }

    // MARK: file

    func testFileCreatesADirectoryWithOwner() throws {
        let file = try make(FileModule.self, ["path": "/webapps/app logs", "state": "directory", "owner": "app", "mode": "0755"])
        let plan = try file.plan(probeOutput("kind absent\n"), ModuleContext())
        XCTAssertTrue(plan.result.changed)
        guard case .run(let command, _)? = plan.actions.first?.kind else { return XCTFail() }
        XCTAssertEqual(command.rendered, "mkdir -p -- '/webapps/app logs' && { chmod 755 -- '/webapps/app logs' && chown app -- '/webapps/app logs'; }")
    }

    func testFileDirectoryAlreadyRightIsOk() throws {
        let file = try make(FileModule.self, ["path": "/srv", "state": "directory", "owner": "app", "mode": "0755"])
        let plan = try file.plan(probeOutput("kind directory\nstat 755 1000 1000 app app\n"), ModuleContext())
        XCTAssertFalse(plan.result.changed)
    }

    func testFileTouchWithPreservedTimesIsIdempotent() throws {
        let file = try make(FileModule.self, ["path": "/tmp/log", "state": "touch", "modification_time": "preserve", "access_time": "preserve"])
        XCTAssertTrue(try file.plan(probeOutput("kind absent\n"), ModuleContext()).result.changed)
        XCTAssertFalse(try file.plan(probeOutput("kind file\nstat 644 0 0 root root\n"), ModuleContext()).result.changed)
        let plain = try make(FileModule.self, ["path": "/tmp/log", "state": "touch"])
        XCTAssertTrue(try plain.plan(probeOutput("kind file\nstat 644 0 0 root root\n"), ModuleContext()).result.changed)
    }

    func testFileLinkPointsOrRepoints() throws {
        let link = try make(FileModule.self, ["src": "/releases/2", "dest": "/current", "state": "link"])
        XCTAssertFalse(try link.plan(probeOutput("kind link\ntarget /releases/2\n"), ModuleContext()).result.changed)
        let plan = try link.plan(probeOutput("kind link\ntarget /releases/1\n"), ModuleContext())
        guard case .run(let command, _)? = plan.actions.first?.kind else { return XCTFail() }
        XCTAssertEqual(command.rendered, "ln -sfn -- /releases/2 /current")
        XCTAssertTrue(try link.plan(probeOutput("kind directory\n"), ModuleContext()).result.failed)
    }

    func testFileAbsentRemovesOnlyWhatExists() throws {
        let file = try make(FileModule.self, ["path": "/tmp/x", "state": "absent"])
        XCTAssertFalse(try file.plan(probeOutput("kind absent\n"), ModuleContext()).result.changed)
        XCTAssertTrue(try file.plan(probeOutput("kind file\n"), ModuleContext()).result.changed)
    }

    func testSymbolicModes() throws {
        XCTAssertEqual(try FileMode(argument: "u=rw,g=r,o=r").resolve(current: 0o777, isDirectory: false), 0o644)
        XCTAssertEqual(try FileMode(argument: "a+x").resolve(current: 0o644, isDirectory: false), 0o755)
        XCTAssertEqual(try FileMode(argument: "go-w").resolve(current: 0o666, isDirectory: false), 0o644)
        XCTAssertEqual(try FileMode(argument: "u+X").resolve(current: 0o600, isDirectory: true), 0o700)
        XCTAssertEqual(try FileMode(argument: "0750").resolve(current: nil, isDirectory: false), 0o750)
        XCTAssertThrowsError(try FileMode(argument: "u~x"))
        XCTAssertThrowsError(try FileMode(argument: "99999"))
    }

    // MARK: lineinfile

    func testLineInFileReplacesTheMatchedLine() throws {
        let module = try make(LineInFileModule.self, ["path": "/etc/ssh/sshd_config", "regexp": "^#?PasswordAuthentication",
                                                       "line": "PasswordAuthentication no"])
        XCTAssertEqual(module.edit("Port 22\n#PasswordAuthentication yes\nX\n").0, "Port 22\nPasswordAuthentication no\nX\n")
        XCTAssertEqual(module.edit("Port 22\nPasswordAuthentication no\n").1, "")
        XCTAssertEqual(module.edit("Port 22\n").0, "Port 22\nPasswordAuthentication no\n")
    }

    func testLineInFileInsertsAfterAndRemoves() throws {
        let after = try make(LineInFileModule.self, ["path": "/x", "line": "b", "insertafter": "^a"])
        XCTAssertEqual(after.edit("a\nc\n").0, "a\nb\nc\n")
        let before = try make(LineInFileModule.self, ["path": "/x", "line": "first", "insertbefore": "BOF"])
        XCTAssertEqual(before.edit("a\n").0, "first\na\n")
        let absent = try make(LineInFileModule.self, ["path": "/x", "regexp": "^tmp", "state": "absent"])
        XCTAssertEqual(absent.edit("tmp1\nkeep\ntmp2\n").0, "keep\n")
    }

    func testLineInFilePlanFromProbe() throws {
        let module = try make(LineInFileModule.self, ["path": "/etc/hosts", "line": "127.0.1.1 web"])
        let unchanged = try module.plan(probeOutput("kind file\nstat 644 0 0 root root\n@@deckhand-content@@\n127.0.1.1 web\n"), ModuleContext())
        XCTAssertFalse(unchanged.result.changed)
        let added = try module.plan(probeOutput("kind file\nstat 644 0 0 root root\n@@deckhand-content@@\n127.0.0.1 localhost\n"), ModuleContext())
        XCTAssertTrue(added.result.changed)
        XCTAssertEqual(added.result.msg, "line added")
        let missing = try module.plan(probeOutput("kind absent\n@@deckhand-content@@\n"), ModuleContext())
        XCTAssertTrue(missing.result.failed)
    }

    // MARK: command

    func testCommandWithCreatesSkipsWhenThePathExists() throws {
        let command = try make(CommandModule.self, ["cmd": "./manage.py migrate", "creates": "/srv/.done", "chdir": "/srv/app"])
        XCTAssertNotNil(try command.probe(ModuleContext()))
        XCTAssertFalse(try command.plan(probeOutput("creates exists\n"), ModuleContext()).result.changed)
        let run = try command.plan(probeOutput("creates absent\n"), ModuleContext())
        XCTAssertTrue(run.result.changed)
        guard case .run(let cmd, _)? = run.actions.first?.kind else { return XCTFail() }
        XCTAssertEqual(cmd.rendered, "cd -P -- /srv/app && ./manage.py migrate")
    }

    func testCommandIsSkippedInCheckModeWithoutCreates() throws {
        let command = try make(CommandModule.self, ["cmd": "echo hi"])
        let plan = try command.plan(nil, ModuleContext(checkMode: true))
        XCTAssertTrue(plan.result.skipped)
    }

    // MARK: user

    func testUserIsCreatedWhenMissingAndModifiedOnlyWhereItDiffers() throws {
        let user = try make(UserModule.self, ["name": "app", "shell": "/bin/bash", "groups": ["www-data"], "append": true])
        let create = try user.plan(probeOutput(""), ModuleContext())
        guard case .run(let command, _)? = create.actions.first?.kind else { return XCTFail() }
        XCTAssertEqual(command.rendered, "useradd -G www-data -s /bin/bash -m app && getent passwd app")
        // The new account as useradd made it is the result, as Ansible's (home, uid, group).
        var created = create.result
        try create.actions.first?.interpret?(probeOutput("app:x:1002:1003::/home/app:/bin/bash\n"), &created)
        XCTAssertEqual(created["home"], .string("/home/app"))
        XCTAssertEqual(created["uid"], .int(1002))
        XCTAssertEqual(created["group"], .int(1003))
        let same = try user.plan(probeOutput("app:x:1001:1001::/home/app:/bin/bash\n@@groups\napp\napp www-data\n"), ModuleContext())
        XCTAssertFalse(same.result.changed)
        let differs = try user.plan(probeOutput("app:x:1001:1001::/home/app:/bin/sh\n@@groups\napp\napp\n"), ModuleContext())
        guard case .run(let modify, _)? = differs.actions.first?.kind else { return XCTFail() }
        XCTAssertEqual(modify.rendered, "usermod -s /bin/bash -a -G www-data app")
    }

    // MARK: setup

    func testSetupNamesFactsAsAnsibleDoes() throws {
        let output = """
        @@os
        Linux
        @@kernel
        6.1.0
        @@arch
        x86_64
        @@hostname
        web1
        @@fqdn
        web1.example.com
        @@osrelease
        PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
        NAME="Debian GNU/Linux"
        VERSION_ID="12"
        VERSION_CODENAME=bookworm
        ID=debian
        @@debian
        12.5
        @@init
        systemd
        @@id
        1000
        1000
        deckhand
        deckhand
        @@env
        HOME=/home/deckhand
        PATH=/usr/bin:/bin
        @@route
        1.1.1.1 via 10.0.0.1 dev eth0 src 10.0.0.5 uid 1000
        @@addr
        10.0.0.5
        @@mem
        MemTotal:        2048000 kB
        MemFree:          512000 kB
        @@cpu
        2
        @@mounts
        /dev/sda1 / ext4 rw,relatime 0 0
        proc /proc proc rw 0 0
        @@df
        /dev/sda1 1000 500 400 50% /
        @@end
        """
        let facts = SetupModule.facts(from: output)
        XCTAssertEqual(facts["distribution"], .string("Debian"))
        XCTAssertEqual(facts["distribution_version"], .string("12.5"))
        XCTAssertEqual(facts["distribution_major_version"], .string("12"))
        XCTAssertEqual(facts["distribution_release"], .string("bookworm"))
        XCTAssertEqual(facts["os_family"], .string("Debian"))
        XCTAssertEqual(facts["fqdn"], .string("web1.example.com"))
        XCTAssertEqual(facts["hostname"], .string("web1"))
        XCTAssertEqual(facts["architecture"], .string("x86_64"))
        XCTAssertEqual(facts["service_mgr"], .string("systemd"))
        XCTAssertEqual(facts["user_id"], .string("deckhand"))
        XCTAssertEqual(facts["memtotal_mb"], .int(2000))
        if case .dict(let ipv4)? = facts["default_ipv4"] { XCTAssertEqual(ipv4["address"], .string("10.0.0.5")) } else { XCTFail() }
        if case .list(let mounts)? = facts["mounts"] { XCTAssertEqual(mounts.count, 1) } else { XCTFail() }
        if case .dict(let env)? = facts["env"] { XCTAssertEqual(env["HOME"], .string("/home/deckhand")) } else { XCTFail() }
    }

    func testSetupProbeRunsOnThisMachine() async throws {
        let result = try await LocalConnection().run(try SetupModule.make([:]).probe(ModuleContext())!)
        let facts = SetupModule.facts(from: result.stdoutText)
        XCTAssertEqual(facts["system"], .string("Linux"))
        XCTAssertNotEqual(facts["hostname"], .string(""))
    }

    // MARK: registry

    func testRegistryFindsBareAndQualifiedNames() {
        XCTAssertEqual(ModuleRegistry.spec(named: "copy")?.name, "copy")
        XCTAssertEqual(ModuleRegistry.spec(named: "ansible.builtin.copy")?.name, "copy")
        XCTAssertEqual(ModuleRegistry.spec(named: "ansible.builtin.gather_facts")?.name, "gather_facts")
        XCTAssertNil(ModuleRegistry.spec(named: "cpoy"))
        for spec in ModuleRegistry.specs {
            XCTAssertFalse(spec.doc.isEmpty, "\(spec.name) has no doc")
            XCTAssertFalse(spec.example.isEmpty, "\(spec.name) has no example")
        }
    }
}

/// Swift literals as template values, for readable test arguments.
func testValue(_ any: Any) -> Value {
    switch any {
    case let value as Value: return value
    case let text as String: return .string(text)
    case let flag as Bool: return .bool(flag)
    case let number as Int: return .int(number)
    case let list as [Any]: return .list(list.map(testValue))
    default: return .none
    }
}

/// The second batch of modules, each deciding from recorded probe output.
final class MoreModuleTests: XCTestCase {
    private func probe(_ text: String, status: Int32 = 0) -> CommandResult {
        CommandResult(exitStatus: status, exitSignal: nil, stdout: Data(text.utf8), stderr: Data())
    }

    private func make<M: Module>(_ type: M.Type, _ args: KeyValuePairs<String, Any>) throws -> M {
        var values = OrderedDictionary<String, Value>()
        for (key, value) in args { values[key] = testValue(value) }
        return try M.make(values)
    }

    private func command(_ plan: ModulePlan) -> String? {
        if case .run(let command, _)? = plan.actions.first?.kind { return command.rendered }
        return nil
    }

    func testStatReportsWhatThePathIs() throws {
        let stat = try make(StatModule.self, ["path": "/srv/current"])
        let link = try stat.plan(probe("stat a1ff 0 0 15 1700000000 1700000000 1700000000 7 1 2049\nowner root\ngroup root\nsource /srv/releases/3\ntarget releases/3\n"), ModuleContext())
        guard case .dict(let info)? = link.result["stat"] else { return XCTFail() }
        XCTAssertEqual(info["exists"], .bool(true))
        XCTAssertEqual(info["islnk"], .bool(true))
        XCTAssertEqual(info["lnk_source"], .string("/srv/releases/3"))
        XCTAssertEqual(info["lnk_target"], .string("releases/3"))
        let missing = try stat.plan(probe("absent\n"), ModuleContext())
        XCTAssertEqual(missing.result["stat"], .dict(["exists": .bool(false)]))
        XCTAssertFalse(missing.result.changed)
    }

    func testSlurpReturnsBase64OrTheTextAndFailsAsAnsiblesSays() throws {
        let slurp = try make(SlurpModule.self, ["src": "/etc/hostname"])
        let read = try slurp.plan(probe("file\nd2ViMQo=\n"), ModuleContext()).result
        XCTAssertEqual(read["content"], .string("d2ViMQo="))
        XCTAssertEqual(read["encoding"], .string("base64"))
        XCTAssertEqual(read["source"], .string("/etc/hostname"))
        let text = try make(SlurpModule.self, ["src": "/etc/hostname", "armor": false])
        let unarmored = try text.plan(probe("file\nd2ViMQo=\n"), ModuleContext()).result
        XCTAssertEqual(unarmored["content"], .string("web1\n"))
        XCTAssertEqual(unarmored["encoding"], .string("utf-8"))
        for (finding, message) in [("missing", "File not found: /etc/hostname"), ("unreadable", "File is not readable: /etc/hostname"),
                                   ("directory", "Source is a directory and must be a file: /etc/hostname"),
                                   ("notdir", "Unable to slurp file: /etc/hostname")] {
            let failed = try slurp.plan(probe(finding + "\n"), ModuleContext()).result
            XCTAssertTrue(failed.failed, finding)
            XCTAssertEqual(failed.msg, message)
        }
    }

    func testSlurpsProbeTellsAMissingFileFromADirectoryAndAFileUsedAsADirectory() async throws {
        let folder = NSTemporaryDirectory() + "deckhand-slurp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("café".utf8).write(to: URL(fileURLWithPath: folder + "/foo.txt"))
        func slurp(_ path: String, armor: Bool = true) async throws -> ModuleResult {
            let module = try make(SlurpModule.self, ["src": path, "armor": armor])
            let output = try await LocalConnection().run(try XCTUnwrap(module.probe(ModuleContext())))
            return try module.plan(output, ModuleContext()).result
        }
        let armored = try await slurp(folder + "/foo.txt"), text = try await slurp(folder + "/foo.txt", armor: false)
        XCTAssertEqual(armored["content"], .string(Data("café".utf8).base64EncodedString()))
        XCTAssertEqual(text["content"], .string("café"))
        let missing = try await slurp(folder + "/nothing"), directory = try await slurp(folder)
        let underAFile = try await slurp(folder + "/foo.txt/x")
        XCTAssertEqual(missing.msg, "File not found: \(folder)/nothing")
        XCTAssertEqual(directory.msg, "Source is a directory and must be a file: \(folder)")
        XCTAssertEqual(underAFile.msg, "Unable to slurp file: \(folder)/foo.txt/x")
    }

    func testGroupCreatesOrFixesTheGid() throws {
        let group = try make(GroupModule.self, ["name": "webapps", "gid": 2000])
        XCTAssertEqual(command(try group.plan(probe(""), ModuleContext())), "groupadd -g 2000 webapps")
        XCTAssertEqual(command(try group.plan(probe("webapps:x:1999:\n"), ModuleContext())), "groupmod -g 2000 webapps")
        XCTAssertFalse(try group.plan(probe("webapps:x:2000:app\n"), ModuleContext()).result.changed)
    }

    func testServiceUnderSystemdAndInitScripts() throws {
        let started = try make(ServiceModule.self, ["name": "nginx", "state": "started", "enabled": true])
        XCTAssertFalse(try started.plan(probe("systemd\nactive\nenabled\n"), ModuleContext()).result.changed)
        XCTAssertEqual(command(try started.plan(probe("systemd\ninactive\ndisabled\n"), ModuleContext())),
                       "systemctl start nginx && systemctl enable nginx")
        XCTAssertEqual(command(try started.plan(probe("sysv\ninactive\nenabled\n"), ModuleContext())), "service nginx start")
        let reloaded = try make(ServiceModule.self, ["name": "nginx", "state": "reloaded"])
        XCTAssertEqual(command(try reloaded.plan(probe("systemd\nactive\nenabled\n"), ModuleContext())), "systemctl reload nginx")
    }

    func testAptInstallsOnlyWhatIsMissingAndRespectsTheCacheAge() throws {
        let apt = try make(AptModule.self, ["name": ["nginx", "git"], "update_cache": true, "cache_valid_time": 3600])
        let fresh = "@@installed\nnginx install ok installed 1.22.1-9\ngit install ok installed 1:2.39.2-1\n@@cache\n1000\n2000\n"
        XCTAssertFalse(try apt.plan(probe(fresh), ModuleContext()).result.changed)
        let stale = "@@installed\nnginx install ok installed 1.22.1-9\n@@cache\n1000\n9000\n"
        let plan = try apt.plan(probe(stale), ModuleContext())
        XCTAssertTrue(plan.result.changed)
        let rendered = try XCTUnwrap(command(plan))
        XCTAssertTrue(rendered.contains("apt-get update -q && apt-get install -y -q"), rendered)
        XCTAssertTrue(rendered.hasSuffix(" git"), rendered)
        XCTAssertTrue(rendered.hasPrefix(CommandEnvironment.reader), "the environment is read from stdin: \(rendered)")
        if case .run(let command, _)? = plan.actions.first?.kind {
            XCTAssertEqual(command.environment, ["DEBIAN_FRONTEND": "noninteractive"])
        }
        let absent = try make(AptModule.self, ["name": "apache2", "state": "absent"])
        XCTAssertFalse(try absent.plan(probe("@@installed\n"), ModuleContext()).result.changed)
        let latest = try make(AptModule.self, ["name": "openssl", "state": "latest"])
        let upgrade = try latest.plan(probe("@@installed\nopenssl install ok installed 3.0.1\n@@upgrades\nInst openssl [3.0.1] (3.0.2 Debian)\n"), ModuleContext())
        XCTAssertTrue(try XCTUnwrap(command(upgrade)).contains("openssl"))
    }

    func testWaitForReadsTheLoopAnswer() throws {
        let wait = try make(WaitForModule.self, ["port": 8000, "timeout": 5])
        let ready = try wait.plan(probe("ready 2\n"), ModuleContext()).result
        XCTAssertFalse(ready.failed)
        XCTAssertEqual(ready["elapsed"], .int(2))
        XCTAssertEqual(ready["port"], .int(8000))
        let timeout = try wait.plan(probe("timeout 5\n"), ModuleContext())
        XCTAssertTrue(timeout.result.failed)
        XCTAssertEqual(timeout.result.msg, "Timeout when waiting for 127.0.0.1:8000", "Ansible's message")
        XCTAssertEqual(timeout.result["elapsed"], .int(5))
        let gone = try make(WaitForModule.self, ["path": "/run/app.pid", "state": "absent", "timeout": 5])
        XCTAssertEqual(try gone.plan(probe("timeout 5\n"), ModuleContext()).result.msg,
                       "Timeout when waiting for /run/app.pid to be absent.")
        let custom = try make(WaitForModule.self, ["port": 8000, "msg": "the app never came up"])
        XCTAssertEqual(try custom.plan(probe("timeout 300\n"), ModuleContext()).result.msg, "the app never came up")
    }

    func testWaitForReportsTheRegexGroupsOfTheFirstMatch() throws {
        let wait = try make(WaitForModule.self, ["path": "/var/log/app.log", "search_regex": "completed (?P<foo>\\w+) ([0-9]+)"])
        let result = try wait.plan(probe("ready 3\ncompleted data 123\0"), ModuleContext()).result
        XCTAssertEqual(result["match_groups"], .list([.string("data"), .string("123")]))
        XCTAssertEqual(result["match_groupdict"], .dict(["foo": .string("data")]))
        XCTAssertEqual(result["search_regex"], .string("completed (?P<foo>\\w+) ([0-9]+)"))
        XCTAssertEqual(result["elapsed"], .int(3))
        XCTAssertThrowsError(try make(WaitForModule.self, ["path": "/x", "state": "drained"]))
        XCTAssertThrowsError(try make(WaitForModule.self, ["port": 80, "state": "drained", "active_connection_states": ["OPEN"]]))
    }

    func testWaitForDrainedCountsOnlyTheActiveStatesOnTheLocalPort() async throws {
        let scratch = NSTemporaryDirectory() + "deckhand-drained-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // /proc/net/tcp's columns: a listening socket on :1F90 (8080), a connection from :1F90 in CLOSE_WAIT.
        let table = "  sl  local_address rem_address   st\n   0: 0100007F:1F90 00000000:0000 0A\n   1: 0100007F:1F90 0100007F:D431 08\n"
        let wait = try make(WaitForModule.self, ["port": 8080, "state": "drained", "timeout": 2])
        let probe = try XCTUnwrap(wait.probe(ModuleContext())).rendered.replacingOccurrences(of: "/proc/net/tcp6", with: scratch)
            .replacingOccurrences(of: "/proc/net/tcp", with: scratch)
        try table.write(toFile: scratch, atomically: true, encoding: .utf8)
        let drained = try await LocalConnection().run(ShellCommand.script(probe))
        XCTAssertTrue(drained.stdoutText.hasPrefix("ready "), "LISTEN and CLOSE_WAIT are not active: \(drained.stdoutText)")
        try (table + "   2: 0100007F:1F90 0100007F:D432 01\n").write(toFile: scratch, atomically: true, encoding: .utf8)
        let busy = try await LocalConnection().run(ShellCommand.script(probe))
        XCTAssertTrue(busy.stdoutText.hasPrefix("timeout "), "an ESTABLISHED connection keeps it busy: \(busy.stdoutText)")
    }

    func testWaitForWithNeitherPortNorPathSleepsTheTimeout() async throws {
        let wait = try make(WaitForModule.self, ["timeout": 1])
        let started = Date()
        let answer = try await LocalConnection().run(try XCTUnwrap(wait.probe(ModuleContext())))
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 1)
        let result = try wait.plan(answer, ModuleContext()).result
        XCTAssertFalse(result.failed)
        XCTAssertEqual(result["elapsed"], .int(1))
    }

    func testWaitForAFileOnThisMachine() async throws {
        let path = NSTemporaryDirectory() + "deckhand-wait-\(UUID().uuidString)"
        let wait = try make(WaitForModule.self, ["path": path, "timeout": 5])
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { FileManager.default.createFile(atPath: path, contents: Data()) }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await LocalConnection().run(try XCTUnwrap(wait.probe(ModuleContext())))
        XCTAssertTrue(result.stdoutText.hasPrefix("ready "), result.stdoutText)
    }

    func testBlockInFileInsertsUpdatesAndRemovesTheBlock() throws {
        let module = try make(BlockInFileModule.self, ["path": "/etc/hosts", "block": "10.0.0.5 db\n10.0.0.6 cache\n"])
        let added = module.edit("127.0.0.1 localhost\n")
        XCTAssertEqual(added, "127.0.0.1 localhost\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.5 db\n10.0.0.6 cache\n# END ANSIBLE MANAGED BLOCK\n")
        XCTAssertEqual(module.edit(added), added, "idempotent")
        let changed = try make(BlockInFileModule.self, ["path": "/etc/hosts", "block": "10.0.0.7 db"])
        XCTAssertEqual(changed.edit(added), "127.0.0.1 localhost\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.7 db\n# END ANSIBLE MANAGED BLOCK\n")
        let removed = try make(BlockInFileModule.self, ["path": "/etc/hosts", "state": "absent"])
        XCTAssertEqual(removed.edit(added), "127.0.0.1 localhost\n")
    }

    func testReplaceWithPythonStyleGroups() throws {
        let module = try make(ReplaceModule.self, ["path": "/x", "regexp": "^(worker_processes) \\d+;", "replace": "\\1 auto; # $cost"])
        XCTAssertEqual(module.edit("worker_processes 4;\nevents {}\n")?.0, "worker_processes auto; # $cost\nevents {}\n")
        let plan = try module.plan(probe("kind file\nstat 644 0 0 root root\n@@deckhand-content@@\nworker_processes auto;\n"), ModuleContext())
        XCTAssertFalse(plan.result.changed)
        // Ansible's keys: msg and rc 0 (no dest, checksum or size as copy's).
        let edit = try module.plan(probe("kind file\nstat 644 0 0 root root\n@@deckhand-content@@\nworker_processes 4;\n"), ModuleContext())
        XCTAssertEqual(Array(edit.result.values.keys), ["rc"])
        XCTAssertEqual(edit.result.msg, "1 replacements made")
        let line = try make(LineInFileModule.self, ["path": "/x", "line": "b"])
        XCTAssertEqual(try line.plan(probe("kind file\nstat 644 0 0 root root\n@@deckhand-content@@\na\n"), ModuleContext()).result["backup"],
                       .string(""))
    }

    func testHostnameUnderSystemd() throws {
        let module = try make(HostnameModule.self, ["name": "web1"])
        XCTAssertEqual(command(try module.plan(probe("vm\nvm\nsystemd\n"), ModuleContext())), "hostnamectl set-hostname web1")
        XCTAssertFalse(try module.plan(probe("web1\nweb1\nsystemd\n"), ModuleContext()).result.changed)
    }
}

/// The Django-host modules, deciding from recorded probe output.
final class DjangoHostModuleTests: XCTestCase {
    private func probe(_ text: String) -> CommandResult {
        CommandResult(exitStatus: 0, exitSignal: nil, stdout: Data(text.utf8), stderr: Data())
    }

    private func make<M: Module>(_ type: M.Type, _ args: KeyValuePairs<String, Any>) throws -> M {
        var values = OrderedDictionary<String, Value>()
        for (key, value) in args { values[key] = testValue(value) }
        return try M.make(values)
    }

    private func commands(_ plan: ModulePlan) -> [String] {
        plan.actions.compactMap { action in
            if case .run(let command, _) = action.kind { return command.rendered }
            if case .put(let write) = action.kind { return "put " + write.path }
            return nil
        }
    }

    func testPipCreatesTheVirtualenvAndInstallsOnlyWhatIsMissing() throws {
        let pip = try make(PipModule.self, ["name": ["Django==4.2.7", "gunicorn"], "virtualenv": "/srv/venv"])
        let fresh = try pip.plan(probe("@@venv\nno\n@@freeze\n"), ModuleContext())
        XCTAssertEqual(commands(fresh), ["python3 -m venv /srv/venv", "/srv/venv/bin/python -m pip install 'Django==4.2.7' gunicorn"])
        let done = try pip.plan(probe("@@venv\nyes\n@@freeze\ndjango==4.2.7\ngunicorn==21.2.0\npip==23.0\n"), ModuleContext())
        XCTAssertFalse(done.result.changed)
        let upgrade = try pip.plan(probe("@@venv\nyes\n@@freeze\nDjango==4.2.6\ngunicorn==21.2.0\n"), ModuleContext())
        XCTAssertEqual(commands(upgrade), ["/srv/venv/bin/python -m pip install 'Django==4.2.7'"])
        let requirements = try make(PipModule.self, ["requirements": "req.txt", "virtualenv": "/srv/venv"])
        let plan = try requirements.plan(probe("@@venv\nyes\n@@freeze\n"), ModuleContext())
        XCTAssertEqual(plan.actions.first?.changeMarker, "Successfully installed")
    }

    func testGitClonesUpdatesOrLeavesTheCheckout() throws {
        // recursive (on by default, as Ansible's) adds the submodule step: ModuleArgumentPlanTests covers it.
        let git = try make(GitModule.self, ["repo": "https://example.com/shop.git", "dest": "/srv/src", "version": "main", "recursive": false])
        let sha1 = String(repeating: "a", count: 40), sha2 = String(repeating: "b", count: 40)
        XCTAssertEqual(commands(try git.plan(probe("@@head\n@@dirty\n@@remote\n\(sha1)\trefs/heads/main\n"), ModuleContext())),
                       ["git clone --branch main https://example.com/shop.git /srv/src"])
        XCTAssertFalse(try git.plan(probe("@@head\n\(sha1)\n@@dirty\n@@remote\n\(sha1)\trefs/heads/main\n"), ModuleContext()).result.changed)
        let update = try git.plan(probe("@@head\n\(sha1)\n@@dirty\n@@remote\n\(sha2)\trefs/heads/main\n"), ModuleContext())
        XCTAssertEqual(commands(update), ["git -C /srv/src fetch --tags origin && git -C /srv/src checkout --detach \(sha2)"])
        XCTAssertEqual(update.result["before"], .string(sha1))
        XCTAssertEqual(update.result["after"], .string(sha2))
        XCTAssertTrue(try git.plan(probe("@@head\n\(sha1)\n@@dirty\n M settings.py\n@@remote\n\(sha2)\trefs/heads/main\n"), ModuleContext()).result.failed)
    }

    func testAuthorizedKeyAddsOnceComparingTypeAndBlob() throws {
        let module = try make(AuthorizedKeyModule.self, ["user": "deploy", "key": "ssh-ed25519 AAAAkey laptop"])
        let header = "home /home/deploy\ngroup deploy\nfile /home/deploy/.ssh/authorized_keys\n@@keys\n"
        let add = try module.plan(probe(header + "ssh-rsa AAAAother ci\n"), ModuleContext())
        XCTAssertEqual(commands(add), ["mkdir -p -m 700 -- /home/deploy/.ssh && chown deploy:deploy -- /home/deploy/.ssh",
                                       "put /home/deploy/.ssh/authorized_keys"])
        XCTAssertFalse(try module.plan(probe(header + "ssh-ed25519 AAAAkey other-comment\n"), ModuleContext()).result.changed)
        XCTAssertTrue(try module.plan(probe("home \n@@keys\n"), ModuleContext()).result.failed)
    }

    func testCronKeepsOneNamedJob() throws {
        let cron = try make(CronModule.self, ["name": "clearsessions", "minute": "0", "hour": "3", "job": "manage.py clearsessions"])
        let added = cron.edit("MAILTO=ops\n")
        XCTAssertEqual(added, "MAILTO=ops\n#Ansible: clearsessions\n0 3 * * * manage.py clearsessions\n")
        XCTAssertEqual(cron.edit(added), added)
        XCTAssertFalse(try cron.plan(probe(added), ModuleContext()).result.changed)
        let absent = try make(CronModule.self, ["name": "clearsessions", "state": "absent"])
        XCTAssertEqual(absent.edit(added), "MAILTO=ops\n")
    }

    func testSupervisorctlAddsNewProgramsAndRestarts() throws {
        let started = try make(SupervisorctlModule.self, ["name": "shop", "state": "started"])
        XCTAssertFalse(try started.plan(probe("shop                             RUNNING   pid 12, uptime 1:00:00\n"), ModuleContext()).result.changed)
        XCTAssertEqual(commands(try started.plan(probe("shop                             STOPPED   Nov 22\n"), ModuleContext())),
                       ["supervisorctl start shop"])
        XCTAssertEqual(commands(try started.plan(probe("other RUNNING\n"), ModuleContext())),
                       ["supervisorctl reread && supervisorctl add shop"])
    }

    func testDjangoManageRunsInTheVirtualenvAndKnowsWhenMigrateChangedNothing() throws {
        let migrate = try make(DjangoManageModule.self, ["command": "migrate", "app_path": "/srv/app", "virtualenv": "/srv/venv",
                                                         "settings": "shop.settings.prod"])
        let plan = try migrate.plan(nil, ModuleContext())
        XCTAssertEqual(commands(plan), [CommandEnvironment.reader + " cd /srv/app && /srv/venv/bin/python manage.py migrate --noinput"])
        if case .run(let command, _)? = plan.actions.first?.kind {
            XCTAssertEqual(command.environment, ["DJANGO_SETTINGS_MODULE": "shop.settings.prod"])
        }
        XCTAssertEqual(plan.actions.first?.changeMarker, "  Applying ")
        let collect = try make(DjangoManageModule.self, ["command": "collectstatic", "app_path": "/srv/app"])
        XCTAssertEqual(try collect.plan(nil, ModuleContext()).actions.first?.unchangedMarker, "0 static files copied")
    }
}
