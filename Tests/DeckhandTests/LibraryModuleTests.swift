import Foundation
import Jinja
import OrderedCollections
import SSH
import XCTest
@testable import Deckhand

/// The module library decides from recorded probe output, without a host; a few probes run on this machine.
final class LibraryModuleTests: XCTestCase {
    /// Spaces, quotes, command substitution, backticks, a newline and non-ASCII: none of it may reach a shell as syntax.
    static let hostile = "a b'c\"d$(touch /tmp/deckhand-pwned)`touch /tmp/deckhand-pwned2`\ne\u{e9}\u{1F680}"
    /// The same without slashes, usable as a file name (an injection would create files in the working directory).
    static let hostileName = "a b'c\"d$(touch deckhand-pwned)`touch deckhand-pwned2`\ne\u{e9}\u{1F680}"

    private func output(_ text: String, exit: Int32 = 0, stderr: String = "") -> CommandResult {
        CommandResult(exitStatus: exit, exitSignal: nil, stdout: Data(text.utf8), stderr: Data(stderr.utf8))
    }

    private func make<M: Module>(_ type: M.Type, _ args: KeyValuePairs<String, Any>) throws -> M {
        var values = OrderedDictionary<String, Value>()
        for (key, value) in args { values[key] = testValue(value) }
        return try M(ModuleArguments(values))
    }

    private func commands(_ plan: ModulePlan) -> [String] {
        plan.actions.compactMap { action in
            if case .run(let command, _) = action.kind { return command.rendered }
            return nil
        }
    }

    private func local(_ command: ShellCommand?) async throws -> CommandResult {
        try await LocalConnection().run(try XCTUnwrap(command))
    }

    private func scratch() throws -> String {
        let directory = NSTemporaryDirectory() + "deckhand-lib-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        return directory
    }

    private func assertNothingInjected(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/deckhand-pwned"), "command substitution ran", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/deckhand-pwned2"), "backticks ran", file: file, line: line)
        for name in ["deckhand-pwned", "deckhand-pwned2"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/" + name), "injected", file: file, line: line)
        }
    }

    // MARK: stat

    func testStatReportsAnsiblesKeysForARealFileWithAHostileName() async throws {
        let path = try scratch() + "/" + Self.hostileName
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: path))
        let stat = try make(StatModule.self, ["path": path])
        let plan = try stat.plan(try await local(stat.probe(ModuleContext())), ModuleContext())
        assertNothingInjected()
        XCTAssertFalse(plan.result.changed)
        guard case .dict(let keys)? = plan.result["stat"] else { return XCTFail("no stat dict") }
        XCTAssertEqual(keys["exists"], .bool(true))
        XCTAssertEqual(keys["isreg"], .bool(true))
        XCTAssertEqual(keys["isdir"], .bool(false))
        XCTAssertEqual(keys["size"], .int(6))
        XCTAssertEqual(keys["path"], .string(path))
        XCTAssertEqual(keys["checksum"], .string(SHA1.hex(Data("hello\n".utf8))))
        XCTAssertEqual(keys["pw_name"], .string(NSUserName()))
        XCTAssertNotNil(keys["mtime"])
        XCTAssertNotNil(keys["mode"])
    }

    func testStatOfAMissingPathAndOfALink() async throws {
        let directory = try scratch()
        let missing = try make(StatModule.self, ["path": directory + "/nothing"])
        let plan = try missing.plan(try await local(missing.probe(ModuleContext())), ModuleContext())
        XCTAssertEqual(plan.result["stat"], .dict(["exists": .bool(false)]))
        try FileManager.default.createSymbolicLink(atPath: directory + "/current", withDestinationPath: directory)
        let link = try make(StatModule.self, ["path": directory + "/current"])
        let linkPlan = try link.plan(try await local(link.probe(ModuleContext())), ModuleContext())
        guard case .dict(let keys)? = linkPlan.result["stat"] else { return XCTFail() }
        XCTAssertEqual(keys["islnk"], .bool(true))
        XCTAssertEqual(keys["isdir"], .bool(false))
        XCTAssertEqual(keys["lnk_target"], .string(directory))
    }

    func testStatParsesRecordedOutput() {
        let keys = StatModule.parse("stat 41ed 1000 1000 4096 1700000000 1700000001 1700000002 5 2 2049\nowner app\ngroup www data\nreadable\n", path: "/srv")
        XCTAssertEqual(keys["isdir"], .bool(true))
        XCTAssertEqual(keys["mode"], .string("0755"))
        XCTAssertEqual(keys["gr_name"], .string("www data"))
        XCTAssertEqual(keys["mtime"], .double(1_700_000_000))
        XCTAssertEqual(keys["readable"], .bool(true))
        XCTAssertEqual(keys["writeable"], .bool(false))
    }

    // MARK: slurp

    func testSlurpReturnsBase64AndFailsOnAMissingFile() async throws {
        let path = try scratch() + "/" + Self.hostileName
        try Data("caf\u{e9}\n".utf8).write(to: URL(fileURLWithPath: path))
        let slurp = try make(SlurpModule.self, ["src": path])
        let plan = try slurp.plan(try await local(slurp.probe(ModuleContext())), ModuleContext())
        assertNothingInjected()
        XCTAssertEqual(plan.result["content"], .string(Data("caf\u{e9}\n".utf8).base64EncodedString()))
        XCTAssertEqual(plan.result["encoding"], .string("base64"))
        let missing = try make(SlurpModule.self, ["src": path + ".gone"])
        let failed = try missing.plan(try await local(missing.probe(ModuleContext())), ModuleContext())
        XCTAssertTrue(failed.result.failed)
        XCTAssertTrue(failed.result.msg?.contains("file not found") ?? false, failed.result.msg ?? "")
    }

    // MARK: find

    func testFindMatchesPatternsTypesAndRecursion() async throws {
        let directory = try scratch()
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory + "/releases/1 old", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/app.log"))
        try Data("error here\n".utf8).write(to: URL(fileURLWithPath: directory + "/releases/1 old/deep.log"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/.hidden.log"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/" + Self.hostileName + ".log"))
        let flat = try make(FindModule.self, ["paths": directory, "patterns": "*.log"])
        let plan = try flat.plan(try await local(flat.probe(ModuleContext())), ModuleContext())
        assertNothingInjected()
        XCTAssertEqual(plan.result["matched"], .int(2))
        let recursive = try make(FindModule.self, ["paths": [directory, directory + "/missing"], "patterns": ["*.log"], "recurse": true, "contains": "error"])
        let deep = try recursive.plan(try await local(recursive.probe(ModuleContext())), ModuleContext())
        guard case .list(let files)? = deep.result["files"], case .dict(let first)? = files.first else { return XCTFail("no files") }
        XCTAssertEqual(files.count, 1)
        XCTAssertEqual(first["path"], .string(directory + "/releases/1 old/deep.log"))
        guard case .dict(let skipped)? = deep.result["skipped_paths"] else { return XCTFail() }
        XCTAssertNotNil(skipped[directory + "/missing"])
        let directories = try make(FindModule.self, ["paths": directory, "file_type": "directory", "recurse": true])
        let dirs = try directories.plan(try await local(directories.probe(ModuleContext())), ModuleContext())
        XCTAssertEqual(dirs.result["matched"], .int(2))
    }

    func testFindAgeAndSizeUseTheHostClock() throws {
        let find = try make(FindModule.self, ["paths": "/r", "age": "1d", "size": "1k"])
        let record: (String, Int, Int) -> String = { name, size, mtime in "f 644 0 0 \(size) \(mtime).5 \(mtime).0 \(mtime).0 \(name)\0root\0root\0/r/\(name)\0" }
        let text = "1000000\n@@root\0/r\0" + record("old-big", 4096, 1000000 - 200000) + record("new-big", 4096, 1000000 - 10)
            + record("old-small", 10, 1000000 - 200000)
        let plan = try find.plan(output(text), ModuleContext())
        guard case .list(let files)? = plan.result["files"] else { return XCTFail() }
        XCTAssertEqual(files.count, 1)
        XCTAssertEqual(plan.result["examined"], .int(3))
        XCTAssertThrowsError(try make(FindModule.self, ["paths": "/r", "age": "3 fortnights"]))
    }

    // MARK: replace

    func testReplaceUsesPythonGroupsAndIsIdempotent() throws {
        let module = try make(ReplaceModule.self, ["path": "/etc/nginx/nginx.conf", "regexp": "^(worker_processes)\\s+\\d+;", "replace": "\\1 auto; # $HOME"])
        let before = "user www;\nworker_processes 4;\n"
        let plan = try module.plan(output("kind file\nstat 644 0 0 root root 30\nsha1 x\n@@deckhand-content@@\n" + before), ModuleContext(diffMode: true))
        XCTAssertTrue(plan.result.changed)
        XCTAssertEqual(plan.result.msg, "1 replacements made")
        guard case .put(let write)? = plan.actions.first?.kind else { return XCTFail("no write") }
        let after = String(decoding: write.data, as: UTF8.self)
        XCTAssertEqual(after, "user www;\nworker_processes auto; # $HOME\n")
        let again = try module.plan(output("kind file\nstat 644 0 0 root root 30\nsha1 x\n@@deckhand-content@@\n" + after), ModuleContext())
        XCTAssertFalse(again.result.changed)
        XCTAssertTrue(try module.plan(output("kind absent\n"), ModuleContext()).result.failed)
    }

    func testReplaceBetweenAfterAndBefore() throws {
        let module = try make(ReplaceModule.self, ["path": "/f", "regexp": "x", "replace": "y", "after": "START", "before": "END"])
        XCTAssertEqual(module.edit("x\nSTART\nx x\nEND\nx\n").0, "x\nSTART\ny y\nEND\nx\n")
        XCTAssertEqual(ReplaceModule.template(fromPython: "\\g<name>-\\g<2>\\\\$"), "${name}-$2\\\\\\$")
    }

    // MARK: blockinfile

    func testBlockInFileInsertsUpdatesAndRemovesItsBlock() throws {
        let module = try make(BlockInFileModule.self, ["path": "/etc/hosts", "block": "10.0.0.5 db\n10.0.0.6 caf\u{e9}", "insertafter": "^127"])
        let (inserted, message) = module.edit("127.0.0.1 localhost\n::1 ip6\n")
        XCTAssertEqual(message, "Block inserted")
        XCTAssertEqual(inserted, "127.0.0.1 localhost\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.5 db\n10.0.0.6 caf\u{e9}\n# END ANSIBLE MANAGED BLOCK\n::1 ip6\n")
        XCTAssertEqual(module.edit(inserted).0, inserted, "second run changes nothing")
        let updated = try make(BlockInFileModule.self, ["path": "/etc/hosts", "block": "10.0.0.7 db"])
        XCTAssertEqual(updated.edit(inserted).0, "127.0.0.1 localhost\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.7 db\n# END ANSIBLE MANAGED BLOCK\n::1 ip6\n")
        let absent = try make(BlockInFileModule.self, ["path": "/etc/hosts", "state": "absent"])
        XCTAssertEqual(absent.edit(inserted).0, "127.0.0.1 localhost\n::1 ip6\n")
        XCTAssertEqual(absent.edit(inserted).1, "Block removed")
        let plan = try module.plan(output("kind absent\n"), ModuleContext())
        XCTAssertTrue(plan.result.failed, "no create: yes")
        XCTAssertThrowsError(try make(BlockInFileModule.self, ["path": "/f", "marker": "# fixed"]))
    }

    // MARK: group, hostname, cron, authorized_key

    func testGroupCreatesChangesGidOrLeavesAlone() throws {
        let group = try make(GroupModule.self, ["name": "webapps", "gid": 1500, "system": true])
        XCTAssertEqual(commands(try group.plan(output(""), ModuleContext())), ["groupadd -g 1500 -r -- webapps"])
        XCTAssertFalse(try group.plan(output("webapps:x:1500:\n"), ModuleContext()).result.changed)
        XCTAssertEqual(commands(try group.plan(output("webapps:x:1400:app\n"), ModuleContext())), ["groupmod -g 1500 -- webapps"])
        let absent = try make(GroupModule.self, ["name": "webapps", "state": "absent"])
        XCTAssertFalse(try absent.plan(output(""), ModuleContext()).result.changed)
        XCTAssertThrowsError(try make(GroupModule.self, ["name": "a:b"]))
    }

    func testHostnameUsesHostnamectlUnderSystemd() throws {
        let module = try make(HostnameModule.self, ["name": "web1"])
        XCTAssertEqual(commands(try module.plan(output("init systemd\nrunning old\nfile old\n"), ModuleContext())), ["hostnamectl set-hostname web1"])
        XCTAssertEqual(commands(try module.plan(output("init sh\nrunning old\nfile old\n"), ModuleContext())),
                       ["{ printf '%s\\n' web1 > /etc/hostname; } && hostname web1"])
        XCTAssertFalse(try module.plan(output("init systemd\nrunning web1\nfile web1\n"), ModuleContext()).result.changed)
        XCTAssertThrowsError(try make(HostnameModule.self, ["name": "web1; reboot"]))
    }

    func testCronWritesAnsiblesMarkerAndFindsItAgain() throws {
        let job = "cd /srv/app && ./manage.py clearsessions > /dev/null 2>&1 # $(not run) `x` caf\u{e9}"
        let cron = try make(CronModule.self, ["name": "clear sessions", "minute": "15", "hour": "3", "job": job, "user": "app"])
        let plan = try cron.plan(output("present\nMAILTO=root\n"), ModuleContext(diffMode: true))
        XCTAssertTrue(plan.result.changed)
        guard case .run(let command, let stdin)? = plan.actions.first?.kind else { return XCTFail() }
        XCTAssertEqual(command.rendered, "crontab -u app -")
        let table = String(decoding: stdin ?? Data(), as: UTF8.self)
        XCTAssertEqual(table, "MAILTO=root\n#Ansible: clear sessions\n15 3 * * * \(job)\n")
        XCTAssertFalse(try cron.plan(output("present\n" + table), ModuleContext()).result.changed)
        let moved = try make(CronModule.self, ["name": "clear sessions", "special_time": "daily", "job": job, "user": "app"])
        let movedTable = String(decoding: { () -> Data in
            guard case .run(_, let data)? = try? moved.plan(output("present\n" + table), ModuleContext()).actions.first?.kind else { return Data() }
            return data ?? Data()
        }(), as: UTF8.self)
        XCTAssertEqual(movedTable, "MAILTO=root\n#Ansible: clear sessions\n@daily \(job)\n")
        let absent = try make(CronModule.self, ["name": "clear sessions", "state": "absent", "user": "app"])
        guard case .run(_, let removed)? = try absent.plan(output("present\n" + table), ModuleContext()).actions.first?.kind else { return XCTFail() }
        XCTAssertEqual(String(decoding: removed ?? Data(), as: UTF8.self), "MAILTO=root\n")
        let file = try make(CronModule.self, ["name": "backup", "job": "/usr/local/bin/backup", "cron_file": "deckhand-backup", "disabled": true])
        guard case .put(let write)? = try file.plan(output("absent\n"), ModuleContext()).actions.first?.kind else { return XCTFail() }
        XCTAssertEqual(write.path, "/etc/cron.d/deckhand-backup")
        XCTAssertEqual(String(decoding: write.data, as: UTF8.self), "#Ansible: backup\n#* * * * * root /usr/local/bin/backup\n")
        XCTAssertThrowsError(try make(CronModule.self, ["name": "x", "job": "a\nb"]))
    }

    func testAuthorizedKeyAddsOnceAndKeepsOtherKeys() throws {
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK deploy@laptop"
        let module = try make(AuthorizedKeyModule.self, ["user": "deploy", "key": key])
        let probe = "home /home/deploy\nfile /home/deploy/.ssh/authorized_keys\nexists\n@@deckhand-content@@\nssh-rsa AAAAB3 other@host\n"
        let plan = try module.plan(output(probe), ModuleContext())
        XCTAssertTrue(plan.result.changed)
        guard case .put(let write)? = plan.actions.last?.kind else { return XCTFail() }
        XCTAssertEqual(String(decoding: write.data, as: UTF8.self), "ssh-rsa AAAAB3 other@host\n\(key)\n")
        XCTAssertEqual(write.mode, 0o600)
        XCTAssertFalse(try module.plan(output(probe + key + "\n"), ModuleContext()).result.changed)
        let exclusive = try make(AuthorizedKeyModule.self, ["user": "deploy", "key": key, "exclusive": true, "key_options": "no-pty"])
        guard case .put(let only)? = try exclusive.plan(output(probe + key + "\n"), ModuleContext()).actions.last?.kind else { return XCTFail() }
        XCTAssertEqual(String(decoding: only.data, as: UTF8.self), "no-pty \(key)\n")
        XCTAssertTrue(try module.plan(output("", exit: 3, stderr: "no such user: deploy"), ModuleContext()).result.failed)
        XCTAssertThrowsError(try make(AuthorizedKeyModule.self, ["user": "deploy", "key": "not a key"]))
    }

    // MARK: service, supervisorctl

    func testServiceStartsOnlyWhatIsStoppedAndEnables() throws {
        let service = try make(ServiceModule.self, ["name": "nginx", "state": "started", "enabled": true])
        XCTAssertEqual(commands(try service.plan(output("init systemd\nactive inactive\nenabled disabled\nloaded loaded\n"), ModuleContext())),
                       ["systemctl start -- nginx", "systemctl enable -- nginx"])
        XCTAssertFalse(try service.plan(output("init systemd\nactive active\nenabled enabled\nloaded loaded\n"), ModuleContext()).result.changed)
        XCTAssertEqual(commands(try service.plan(output("init sh\nstatus 3\nscript\nenabled enabled\n"), ModuleContext())), ["service nginx start"])
        let restart = try make(ServiceModule.self, ["name": "nginx", "state": "restarted"])
        XCTAssertTrue(try restart.plan(output("init systemd\nactive active\nenabled enabled\nloaded loaded\n"), ModuleContext()).result.changed)
        XCTAssertTrue(try service.plan(output("init systemd\nactive inactive\nenabled \nloaded not-found\n"), ModuleContext()).result.failed)
    }

    func testSupervisorctlAddsAfterRereadAndStartsOnlyStopped() throws {
        let started = try make(SupervisorctlModule.self, ["name": "gunicorn", "state": "started", "config": "/etc/supervisor/supervisord.conf"])
        XCTAssertFalse(try started.plan(output("gunicorn   RUNNING   pid 12, uptime 1:00:00\n@@rc 0\n"), ModuleContext()).result.changed)
        XCTAssertEqual(commands(try started.plan(output("gunicorn   STOPPED   Nov 22\n@@rc 3\n"), ModuleContext())),
                       ["supervisorctl -c /etc/supervisor/supervisord.conf start gunicorn"])
        let fresh = commands(try started.plan(output("other RUNNING\n@@rc 0\n"), ModuleContext()))
        XCTAssertTrue(fresh.first?.contains("reread") ?? false && fresh.first?.contains("add gunicorn") ?? false, "\(fresh)")
        let group = try make(SupervisorctlModule.self, ["name": "web:", "state": "stopped"])
        XCTAssertEqual(commands(try group.plan(output("web:a RUNNING\nweb:b STOPPED\n@@rc 3\n"), ModuleContext())), ["supervisorctl stop web:"])
        XCTAssertTrue(try started.plan(output("unix:///var/run/supervisor.sock refused connection\n@@rc 7\n"), ModuleContext()).result.failed)
    }

    // MARK: apt, pip

    func testAptInstallsOnlyMissingPackagesAndRefreshesOldLists() throws {
        let apt = try make(AptModule.self, ["name": ["nginx", "postgresql"], "update_cache": true, "cache_valid_time": 3600, "install_recommends": false])
        let probe = "now 10000\nlists 9000\npkg nginx\tinstall ok installed\t1.22.1-9\n"
        let plan = try apt.plan(output(probe), ModuleContext())
        XCTAssertEqual(commands(plan).count, 1)
        XCTAssertTrue(commands(plan)[0].hasSuffix("--no-install-recommends install -- postgresql"), commands(plan)[0])
        XCTAssertEqual(plan.result["cache_updated"], .bool(false))
        let none = try apt.plan(output(probe + "pkg postgresql\tinstall ok installed\t15\n"), ModuleContext())
        XCTAssertFalse(none.result.changed)
        let stale = try apt.plan(output("now 100000\nlists 9000\npkg nginx\tinstall ok installed\t1\npkg postgresql\tinstall ok installed\t15\n"), ModuleContext())
        XCTAssertTrue(stale.result.changed)
        XCTAssertEqual(commands(stale), ["env 'DEBIAN_FRONTEND=noninteractive' apt-get update -q"])
        let latest = try make(AptModule.self, ["name": "nginx", "state": "latest"])
        let policy = "pkg nginx\tinstall ok installed\t1.22.1-9\nnginx:\n  Installed: 1.22.1-9\n  Candidate: 1.22.1-9+deb12u1\n"
        XCTAssertTrue(try latest.plan(output(policy), ModuleContext()).result.changed)
        let removed = try make(AptModule.self, ["name": "nginx", "state": "absent", "purge": true])
        XCTAssertFalse(try removed.plan(output("pkg nginx\tdeinstall ok config-files\t1\n"), ModuleContext()).result.changed)
        XCTAssertThrowsError(try make(AptModule.self, ["name": "--reinstall"]))
    }

    func testAptProbeReadsTheRealDpkgDatabase() async throws {
        let apt = try make(AptModule.self, ["name": ["coreutils", "deckhand-no-such-package"]])
        let plan = try apt.plan(try await local(apt.probe(ModuleContext())), ModuleContext())
        XCTAssertEqual(commands(plan).last.map { $0.hasSuffix("install -- deckhand-no-such-package") }, true, "\(commands(plan))")
    }

    func testPipInstallsMissingOrRepinnedPackagesIntoAVirtualenv() throws {
        let pip = try make(PipModule.self, ["name": ["Django==4.2.7", "gunicorn"], "virtualenv": "/webapps/app venv", "virtualenv_command": "python3 -m venv"])
        let fresh = try pip.plan(output("venv absent\n"), ModuleContext())
        XCTAssertEqual(commands(fresh).first, "python3 -m venv '/webapps/app venv'")
        XCTAssertEqual(commands(fresh).last, "'/webapps/app venv/bin/pip' install --disable-pip-version-check 'Django==4.2.7' gunicorn")
        let installed = "venv present\n@@freeze\ndjango==4.2.7\ngunicorn==21.2.0\n"
        XCTAssertFalse(try pip.plan(output(installed), ModuleContext()).result.changed)
        let repin = try pip.plan(output("venv present\n@@freeze\nDjango==4.2.6\ngunicorn==21.2.0\n"), ModuleContext())
        XCTAssertEqual(commands(repin), ["'/webapps/app venv/bin/pip' install --disable-pip-version-check 'Django==4.2.7'"])
        XCTAssertTrue(try make(PipModule.self, ["name": "x"]).plan(output(""), ModuleContext()).result.failed, "no pip on the host")
        let requirements = try make(PipModule.self, ["requirements": "requirements.txt", "virtualenv": "/v", "chdir": "/srv/app"])
        var result = ModuleResult()
        let action = try XCTUnwrap(requirements.plan(output("venv present\n@@freeze\n"), ModuleContext()).actions.last)
        try action.interpret?(output("Requirement already satisfied: django\n"), &result)
        XCTAssertFalse(result.changed, "pip installed nothing")
        try action.interpret?(output("Successfully installed django-4.2.7\n"), &result)
        XCTAssertTrue(result.changed)
    }

    // MARK: git

    func testGitClonesUpdatesOnlyWhenHeadMovesAndRefusesLocalChanges() throws {
        let sha1 = String(repeating: "a", count: 40), sha2 = String(repeating: "b", count: 40)
        let git = try make(GitModule.self, ["repo": "https://example.com/app.git", "dest": "/srv/app src", "version": "main"])
        let remote = "@@remote\n\(sha2)\tHEAD\n\(sha2)\trefs/heads/main\n@@rc 0\n"
        let clone = try git.plan(output(remote), ModuleContext())
        XCTAssertTrue(clone.result.changed)
        XCTAssertEqual(clone.result["after"], .string(sha2))
        XCTAssertTrue(commands(clone)[0].contains("clone --origin origin --branch main -- https://example.com/app.git '/srv/app src'"), commands(clone)[0])
        let same = try git.plan(output("before \(sha2)\nbranch main\n" + remote), ModuleContext())
        XCTAssertFalse(same.result.changed)
        XCTAssertEqual(same.result["before"], same.result["after"])
        let behind = try git.plan(output("before \(sha1)\nbranch main\n" + remote), ModuleContext())
        XCTAssertTrue(behind.result.changed)
        XCTAssertEqual(behind.result["before"], .string(sha1))
        XCTAssertTrue(commands(behind).first?.contains("checkout -B main \(sha2)") ?? false, "\(commands(behind)) \(behind.result.msg ?? "")")
        XCTAssertTrue(try git.plan(output("before \(sha1)\ndirty\n" + remote), ModuleContext()).result.failed)
        XCTAssertTrue(try git.plan(output("@@remote\nfatal: repository not found\n@@rc 128\n"), ModuleContext()).result.failed)
        let pinned = try make(GitModule.self, ["repo": "/r", "dest": "/d", "version": String(sha1.prefix(7))])
        XCTAssertFalse(try pinned.plan(output("before \(sha1)\n@@remote\n@@rc 0\n"), ModuleContext()).result.changed)
        let hostkey = try make(GitModule.self, ["repo": "git@github.com:a/b.git", "dest": "/d", "accept_hostkey": true])
        let rendered = try XCTUnwrap(hostkey.probe(ModuleContext())).rendered
        XCTAssertTrue(rendered.contains("GIT_SSH_COMMAND=") && rendered.contains("StrictHostKeyChecking=accept-new"), rendered)
    }

    // MARK: django_manage

    func testDjangoManageReportsChangedOnlyWhenSomethingWasApplied() throws {
        XCTAssertTrue(DjangoManageModule.changed(command: "migrate", output: "Operations to perform:\n  Apply all migrations: app\nRunning migrations:\n  Applying app.0002_x... OK\n"))
        XCTAssertFalse(DjangoManageModule.changed(command: "migrate", output: "Operations to perform:\nRunning migrations:\n  No migrations to apply.\n"))
        XCTAssertTrue(DjangoManageModule.changed(command: "collectstatic", output: "12 static files copied to '/srv/static', 100 unmodified.\n"))
        XCTAssertFalse(DjangoManageModule.changed(command: "collectstatic", output: "0 static files copied to '/srv/static', 112 unmodified.\n"))
        XCTAssertFalse(DjangoManageModule.changed(command: "check", output: "System check identified no issues (0 silenced).\n"))
        let module = try make(DjangoManageModule.self, ["command": "migrate", "app_path": "/webapps/app current", "virtualenv": "/webapps/venv",
                                                          "settings": "app.settings.prod"])
        let plan = try module.plan(nil, ModuleContext())
        XCTAssertEqual(commands(plan), ["cd '/webapps/app current' && /webapps/venv/bin/python manage.py migrate --noinput '--settings=app.settings.prod'"])
        var result = plan.result
        try plan.actions[0].interpret?(output("  No migrations to apply.\n"), &result)
        XCTAssertFalse(result.changed)
        XCTAssertTrue(try module.plan(nil, ModuleContext(checkMode: true)).result.skipped)
    }

    // MARK: postgresql_db

    func testPostgresqlDbCreatesDropsDumpsAndKeepsNamesLiteral() throws {
        let db = try make(PostgresqlDbModule.self, ["name": Self.hostile, "owner": "app", "encoding": "UTF-8"])
        let probe = try XCTUnwrap(db.probe(ModuleContext())).rendered
        XCTAssertTrue(probe.contains(ShellCommand.quote("n=" + Self.hostile)), probe)
        XCTAssertEqual(commands(try db.plan(output(""), ModuleContext())), ["createdb -U postgres -p 5432 -O app -E UTF-8 -- " + ShellCommand.quote(Self.hostile)])
        XCTAssertFalse(try db.plan(output("db\tapp\tUTF8\n"), ModuleContext()).result.changed)
        XCTAssertTrue(commands(try db.plan(output("db\tpostgres\tUTF8\n"), ModuleContext()))[0].contains("OWNER TO"))
        XCTAssertTrue(try db.plan(output("db\tapp\tLATIN1\n"), ModuleContext()).result.failed)
        let dump = try make(PostgresqlDbModule.self, ["name": "app", "state": "dump", "target": "/var/backups/app.dump", "login_password": "s3cret"])
        let dumpCommands = commands(try dump.plan(output("db\tapp\tUTF8\n"), ModuleContext()))
        XCTAssertEqual(dumpCommands, ["env 'PGPASSWORD=s3cret' /bin/sh -c 'pg_dump -U postgres -p 5432 -Fc -d app -f /var/backups/app.dump'"])
        let restore = try make(PostgresqlDbModule.self, ["name": "app", "state": "restore", "target": "/b/app.sql.gz"])
        XCTAssertEqual(commands(try restore.plan(output("db\tapp\tUTF8\n"), ModuleContext())).last,
                       "gzip -dc -- /b/app.sql.gz | psql -q -v 'ON_ERROR_STOP=1' -U postgres -p 5432 -d app")
    }

    // MARK: uri, wait_for, get_url, pause

    func testUriReadsStatusHeadersAndJSON() throws {
        let uri = try make(UriModule.self, ["url": "http://127.0.0.1/health", "method": "post", "body": testValue(["a": 1] as [String: Any]),
                                            "body_format": "json", "status_code": [200, 201]])
        let probe = try XCTUnwrap(uri.probe(ModuleContext())).rendered
        XCTAssertTrue(probe.contains("-X POST"), probe)
        let answer = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Id: 7\r\n\r\n\n@@deckhand-status 201 http://127.0.0.1/health\n@@deckhand-rc 0\n@@deckhand-body\n{\"ok\": true, \"n\": 3, \"name\": \"caf\u{e9}\"}"
        let plan = try uri.plan(output(answer), ModuleContext())
        XCTAssertFalse(plan.result.failed, plan.result.msg ?? "")
        XCTAssertEqual(plan.result["status"], .int(201))
        XCTAssertEqual(plan.result["x_id"], .string("7"))
        XCTAssertEqual(plan.result["json"], .dict(["n": .int(3), "name": .string("caf\u{e9}"), "ok": .bool(true)]))
        let wrong = try uri.plan(output(answer.replacingOccurrences(of: "status 201", with: "status 500")), ModuleContext())
        XCTAssertTrue(wrong.result.failed)
        XCTAssertNil(try uri.probe(ModuleContext(checkMode: true)))
        XCTAssertTrue(try uri.plan(nil, ModuleContext(checkMode: true)).result.skipped)
    }

    func testWaitForAPathAndATimeout() async throws {
        let directory = try scratch()
        let present = directory + "/" + Self.hostileName
        try Data("ready: yes\n".utf8).write(to: URL(fileURLWithPath: present))
        let wait = try make(WaitForModule.self, ["path": present, "search_regex": "ready", "timeout": 5])
        let plan = try wait.plan(try await local(wait.probe(ModuleContext())), ModuleContext())
        assertNothingInjected()
        XCTAssertFalse(plan.result.failed, plan.result.msg ?? "")
        let absent = try make(WaitForModule.self, ["path": directory + "/never", "timeout": 1])
        let timedOut = try absent.plan(try await local(absent.probe(ModuleContext())), ModuleContext())
        XCTAssertTrue(timedOut.result.failed)
        XCTAssertTrue(timedOut.result.msg?.contains("Timeout") ?? false)
        XCTAssertThrowsError(try make(WaitForModule.self, ["port": 80, "host": "x$(reboot)"]))
    }

    func testGetUrlSkipsAMatchingFileAndVerifiesTheChecksum() throws {
        let digest = String(repeating: "ab", count: 32)
        let get = try make(GetUrlModule.self, ["url": "http://127.0.0.1/a.tgz", "dest": "/opt/a.tgz", "checksum": "sha256:" + digest])
        XCTAssertFalse(try get.plan(output("path /opt/a.tgz\nexists\nstat 644 0 0 root root 9\nsum \(digest)\n"), ModuleContext()).result.changed)
        let plan = try get.plan(output("path /opt/a.tgz\n"), ModuleContext())
        XCTAssertTrue(plan.result.changed)
        XCTAssertTrue(commands(plan)[0].contains("sha256sum"))
        XCTAssertThrowsError(try make(GetUrlModule.self, ["url": "u", "dest": "/d", "checksum": "sha256:xyz"]))
    }

    func testPauseSleepsOnTheHostEvenInCheckMode() throws {
        let pause = try make(PauseModule.self, ["minutes": 1])
        let plan = try pause.plan(nil, ModuleContext(checkMode: true))
        XCTAssertTrue(plan.runsInCheckMode)
        XCTAssertEqual(commands(plan), ["sleep 60"])
        XCTAssertThrowsError(try make(PauseModule.self, ["prompt": "Continue?"]))
    }

    // MARK: script, include_vars, fetch, add_host

    func testScriptSendsTheFileOnStdinAndQuotesItsArguments() async throws {
        let script = try make(ScriptModule.self, ["cmd": "hello.sh 'one two' \"$(x)\""])
        let context = ModuleContext(readSourceFile: { name in
            XCTAssertEqual(name, "hello.sh")
            return Data("#!/bin/sh\nprintf '%s|' \"$@\"\n".utf8)
        })
        let plan = try script.plan(nil, context)
        guard case .run(let command, let stdin)? = plan.actions.first?.kind else { return XCTFail() }
        let ran = try await LocalConnection().run(command, stdin: stdin)
        XCTAssertEqual(ran.stdoutText, "one two|$(x)|")
        XCTAssertTrue(plan.actions[0].reportsOutput)
    }

    func testIncludeVarsReturnsTheFilesVariablesAsFacts() throws {
        let context = ModuleContext(readSourceFile: { _ in Data("db_name: app\nworkers: 3\nhosts: [a, b]\n".utf8) })
        let plain = try make(IncludeVarsModule.self, ["file": "vars/prod.yml"]).plan(nil, context)
        XCTAssertEqual(plain.result.facts["workers"], .int(3))
        let named = try make(IncludeVarsModule.self, ["file": "vars/prod.yml", "name": "settings"]).plan(nil, context)
        guard case .dict(let settings)? = named.result.facts["settings"] else { return XCTFail() }
        XCTAssertEqual(settings["db_name"], .string("app"))
        let list = ModuleContext(readSourceFile: { _ in Data("- a\n".utf8) })
        XCTAssertTrue(try make(IncludeVarsModule.self, ["file": "x.yml"]).plan(nil, list).result.failed)
    }

    func testFetchWritesTheControllerCopyOnlyWhenItDiffers() throws {
        let directory = try scratch()
        let fetch = try make(FetchModule.self, ["src": "/var/backups/app.dump", "dest": directory + "/"])
        let data = Data("dump \u{e9}\n".utf8)
        let probe = output("kind file\nstat 600 0 0 root root 7\nsha1 \(SHA1.hex(data))\n")
        let plan = try fetch.plan(probe, ModuleContext(hostName: "web1"))
        XCTAssertTrue(plan.result.changed)
        var result = plan.result
        try plan.actions[0].interpret?(output("dump \u{e9}\n"), &result)
        let local = directory + "/web1/var/backups/app.dump"
        XCTAssertEqual(FileManager.default.contents(atPath: local), data)
        XCTAssertFalse(try fetch.plan(probe, ModuleContext(hostName: "web1")).result.changed)
        XCTAssertTrue(try fetch.plan(output("kind absent\n"), ModuleContext(hostName: "web1")).result.failed)
        let flat = try make(FetchModule.self, ["src": "/a/b.txt", "dest": "/out/", "flat": true])
        XCTAssertEqual(flat.localPath(host: "h"), "/out/b.txt")
    }

    func testAddHostAndGroupByFailSayingTheyAreNotSupportedYet() throws {
        let add = try make(AddHostModule.self, ["name": "10.0.0.9", "groups": "web", "ansible_user": "admin"])
        XCTAssertTrue(try add.plan(nil, ModuleContext()).result.msg?.contains("not supported yet") ?? false)
        XCTAssertTrue(try make(GroupByModule.self, ["key": "os_debian"]).plan(nil, ModuleContext()).result.failed)
    }

    func testEveryModuleIsRegisteredWithDocAndExample() {
        for name in ["stat", "slurp", "fetch", "find", "replace", "blockinfile", "script", "apt", "pip", "group", "cron", "service",
                     "supervisorctl", "hostname", "authorized_key", "git", "django_manage", "postgresql_db", "uri", "wait_for",
                     "get_url", "pause", "include_vars", "add_host", "group_by", "community.general.supervisorctl",
                     "community.postgresql.postgresql_db", "ansible.builtin.systemd"] {
            let spec = ModuleRegistry.spec(named: name)
            XCTAssertNotNil(spec, name)
            XCTAssertFalse(spec?.doc.isEmpty ?? true, name)
            XCTAssertFalse(spec?.example.isEmpty ?? true, name)
        }
    }
}
