import Foundation
import Jinja
import OrderedCollections
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
        return try M.make(values)
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

    func testLinesSplitOnCRLFToo() {
        XCTAssertEqual("a\r\nb\nc\r\n".splitLines, ["a", "b", "c"])
        XCTAssertEqual("x\n\ny".splitLines, ["x", "", "y"])
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
        XCTAssertEqual(keys["checksum"], .string(ContentDigest.sha1(Data("hello\n".utf8))))
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

    func testStatOfALinkToAFileAsAnsibles() async throws {
        let directory = try scratch()
        try Data("hello world".utf8).write(to: URL(fileURLWithPath: directory + "/foo.txt"))
        try FileManager.default.createSymbolicLink(atPath: directory + "/foo-link", withDestinationPath: directory + "/foo.txt")
        func stat(follow: Bool) async throws -> [String: Value] {
            let module = try make(StatModule.self, ["path": directory + "/foo-link", "follow": follow])
            guard case .dict(let keys)? = try module.plan(try await local(module.probe(ModuleContext())), ModuleContext()).result["stat"]
            else { XCTFail("no stat dict"); return [:] }
            return Dictionary(uniqueKeysWithValues: keys.map { ($0.key, $0.value) })
        }
        // The link itself: no checksum (no regular file), its source, and lsattr's nothing as a null version.
        let link = try await stat(follow: false)
        XCTAssertEqual(link["islnk"], .bool(true))
        XCTAssertNil(link["checksum"])
        XCTAssertEqual(link["lnk_source"], .string(directory + "/foo.txt"))
        XCTAssertEqual(link["version"], Value.none)
        XCTAssertEqual(link["mimetype"], .string("inode/symlink"))
        // Followed: the file's checksum and kind, no lnk_ keys; `file` still looks at the link, as Ansible's.
        let followed = try await stat(follow: true)
        XCTAssertEqual(followed["islnk"], .bool(false))
        XCTAssertEqual(followed["checksum"], .string("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"))
        XCTAssertNil(followed["lnk_source"])
        XCTAssertEqual(followed["mimetype"], .string("inode/symlink"))
    }

    func testStatParsesRecordedOutput() {
        let keys = StatModule.parse("""
            stat 41ed 1000 1000 4096 1700000000.250000000 1700000001 1700000002 5 2 2049
            owner app
            group www data
            blocks 8 4096 0 512
            readable
            secontext system_u:object_r:var_t:s0:c1,c2

            """, path: "/srv")
        XCTAssertEqual(keys["isdir"], .bool(true))
        XCTAssertEqual(keys["mode"], .string("0755"))
        XCTAssertEqual(keys["gr_name"], .string("www data"))
        XCTAssertEqual(keys["mtime"], .double(1_700_000_000.25))
        XCTAssertEqual(keys["blocks"], .int(8))
        XCTAssertEqual(keys["block_size"], .int(4096))
        XCTAssertEqual(keys["disk_usage_bytes"], .int(4096))
        XCTAssertEqual(keys["selinux_context"], .list(["system_u", "object_r", "var_t", "s0:c1,c2"].map(Value.string)))
        let withoutSELinux = StatModule.parse("stat 81a4 0 0 1 1 1 1 5 1 2049\nsecontext ?\n", path: "/f")
        XCTAssertEqual(withoutSELinux["selinux_context"], .list([.none, .none, .none]))
        XCTAssertNil(withoutSELinux["secontext"])
        XCTAssertEqual(keys["readable"], .bool(true))
        XCTAssertEqual(keys["writeable"], .bool(false))
    }

    // MARK: apt (the playbook branch's module, probed for real)

    func testAptProbeReadsTheRealDpkgDatabaseInOneCommand() async throws {
        let installed = try make(AptModule.self, ["name": ["coreutils", "bash"]])
        let ok = try installed.plan(try await local(installed.probe(ModuleContext())), ModuleContext())
        XCTAssertFalse(ok.result.changed, "coreutils and bash are installed here")
        // As Ansible's: a package no source provides fails the task, in check mode too (it used to be "changed").
        let missing = try make(AptModule.self, ["name": ["coreutils", "deckhand-no-such-package"]])
        let plan = try missing.plan(try await local(missing.probe(ModuleContext())), ModuleContext(checkMode: true))
        XCTAssertTrue(plan.result.failed)
        XCTAssertEqual(plan.result.msg, "No package matching 'deckhand-no-such-package' is available")
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
        let record: (String, Int, Int) -> String = { name, size, mtime in "f 644 0 0 \(size) \(mtime).5 \(mtime).0 \(mtime).0 7 2049 1 8 1 \(name)\0root\0root\0/r/\(name)\0" }
        let text = "1000000\n@@root\0/r\0" + record("old-big", 4096, 1000000 - 200000) + record("new-big", 4096, 1000000 - 10)
            + record("old-small", 10, 1000000 - 200000)
        let plan = try find.plan(output(text), ModuleContext())
        guard case .list(let files)? = plan.result["files"] else { return XCTFail() }
        XCTAssertEqual(files.count, 1)
        XCTAssertEqual(plan.result["examined"], .int(3))
        XCTAssertThrowsError(try make(FindModule.self, ["paths": "/r", "age": "3 fortnights"]))
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
        // The password travels on stdin (CommandEnvironment), never on the command line.
        XCTAssertEqual(dumpCommands, [CommandEnvironment.reader + " pg_dump -U postgres -p 5432 -Fc -d app -f /var/backups/app.dump"])
        let restore = try make(PostgresqlDbModule.self, ["name": "app", "state": "restore", "target": "/b/app.sql.gz"])
        XCTAssertEqual(commands(try restore.plan(output("db\tapp\tUTF8\n"), ModuleContext())).last,
                       "gzip -dc -- /b/app.sql.gz | psql -q -v 'ON_ERROR_STOP=1' -U postgres -p 5432 -d app")
    }

    // MARK: uri, wait_for, get_url

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

    func testUriAndGetUrlPassHostileURLsHeadersAndBodiesAsWords() async throws {
        let quiet = Self.hostileName.replacingOccurrences(of: "\n", with: " ")
        let uri = try make(UriModule.self, ["url": "http://127.0.0.1:1/" + quiet, "method": "POST", "body": Self.hostileName,
                                            "headers": Value.dict(["X-Test": .string(quiet)]), "timeout": 2])
        let plan = try uri.plan(try await local(uri.probe(ModuleContext())), ModuleContext())
        assertNothingInjected()
        XCTAssertTrue(plan.result.failed)
        XCTAssertTrue(plan.result.msg?.contains("Request failed") ?? false, plan.result.msg ?? "")
        XCTAssertThrowsError(try make(UriModule.self, ["url": "http://x/", "headers": Value.dict(["X-A": .string("a\r\nX-B: b")])]))

        let dest = try scratch() + "/" + Self.hostileName
        let get = try make(GetUrlModule.self, ["url": "http://127.0.0.1:1/" + quiet, "dest": dest, "timeout": 2])
        let download = try get.plan(try await local(get.probe(ModuleContext())), ModuleContext())
        guard case .run(let command, _)? = download.actions.first?.kind else { return XCTFail("no download") }
        let ran = try await LocalConnection().run(command)
        assertNothingInjected()
        XCTAssertNotEqual(ran.exitStatus, 0, "nothing listens on port 1")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dest), "a failed download leaves nothing behind")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (dest as NSString).deletingLastPathComponent)
        XCTAssertEqual(leftovers, [], "the temporary file is removed")
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
        let hostile = try make(WaitForModule.self, ["port": 9, "host": "127.0.0.1$(touch deckhand-pwned)", "timeout": 1])
        let refused = try hostile.plan(try await local(hostile.probe(ModuleContext())), ModuleContext())
        assertNothingInjected()
        XCTAssertTrue(refused.result.failed, "no such host: times out")
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

    func testScriptSkipsOnCreatesAndRemovesAndInCheckModeWithAnsiblesWords() throws {
        let read = ModuleContext(readSourceFile: { _ in Data("#!/bin/sh\n".utf8) })
        let creating = try make(ScriptModule.self, ["cmd": "make.sh /srv/a", "creates": "/srv/a"])
        XCTAssertEqual(try creating.probe(read)?.rendered, "{ test -e /srv/a && echo 'creates exists'; } || true")
        let skipped = try creating.plan(output("creates exists\n"), read).result
        XCTAssertTrue(skipped.skipped)
        XCTAssertFalse(skipped.changed)
        XCTAssertEqual(skipped.msg, "/srv/a exists, matching creates option")
        let runs = try creating.plan(output(""), read)
        XCTAssertTrue(runs.result.changed, "a script always reports changed")
        XCTAssertEqual(runs.result["cmd"], .string("make.sh /srv/a"), "the user's line, not deckhand's wrapping")
        XCTAssertEqual(runs.actions.count, 1)

        let removing = try make(ScriptModule.self, ["cmd": "drop.sh", "removes": "/srv/a"])
        XCTAssertEqual(try removing.plan(output(""), read).result.msg, "/srv/a does not exist, matching removes option")

        var check = read
        check.checkMode = true
        let predicted = try creating.plan(output(""), check)
        XCTAssertTrue(predicted.result.changed)
        XCTAssertTrue(predicted.actions.isEmpty, "check mode runs no script")
        let unpredictable = try make(ScriptModule.self, ["cmd": "make.sh"]).plan(nil, check).result
        XCTAssertTrue(unpredictable.skipped)
        XCTAssertEqual(unpredictable.msg, "Check mode is not supported for this task.")

        XCTAssertThrowsError(try make(ScriptModule.self, ["cmd": "x.sh", "chdir": "relative"])) { error in
            XCTAssertEqual((error as? ModuleArgumentError)?.message, "chdir relative must be an absolute path for a Unix-aware remote node")
        }
    }

    func testScriptSendsAVaultedFileAsItIsOnlyWithDecryptFalse() throws {
        let context = ModuleContext(readSourceFile: { _ in Data("#!/bin/sh\necho plain\n".utf8) },
                                    readRawSourceFile: { _ in Data("$ANSIBLE_VAULT;1.1;AES256\n6162\n".utf8) })
        func sent(_ decrypt: Bool) throws -> String {
            let plan = try make(ScriptModule.self, ["cmd": "s.sh", "decrypt": decrypt]).plan(nil, context)
            guard case .run(_, let stdin)? = plan.actions.first?.kind else { return "" }
            return String(decoding: stdin ?? Data(), as: UTF8.self)
        }
        XCTAssertEqual(try sent(true), "#!/bin/sh\necho plain\n")
        XCTAssertEqual(try sent(false), "$ANSIBLE_VAULT;1.1;AES256\n6162\n")
    }

    func testScriptRunsAQuotedNameWithItsExecutable() async throws {
        let script = try make(ScriptModule.self, ["cmd": "'space path/show.py' -a 'b c'", "executable": "sh -e"])
        let context = ModuleContext(readSourceFile: { name in
            XCTAssertEqual(name, "space path/show.py")
            return Data("echo \"$0\" | grep -q tmp && printf '%s|' \"$@\"\n".utf8)
        })
        let plan = try script.plan(nil, context)
        guard case .run(let command, let stdin)? = plan.actions.first?.kind else { return XCTFail() }
        let ran = try await LocalConnection().run(command, stdin: stdin)
        XCTAssertEqual(ran.stdoutText, "-a|b c|", "run by sh (no #! line), the arguments as written")
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
        let probe = output("kind file\nstat 600 0 0 root root 7\nsha1 \(ContentDigest.sha1(data))\n")
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
        let relative = try make(FetchModule.self, ["src": "/etc/hostname", "dest": "backups"])
        XCTAssertEqual(relative.localPath(host: "web1", relativeTo: "/srv/ops"), "/srv/ops/backups/web1/etc/hostname")
    }

    func testAddHostAndGroupByDescribeTheirInventoryChangeAndAnsiblesKeys() throws {
        let add = try make(AddHostModule.self, ["name": "10.0.0.9:2200", "groups": "web,db", "ansible_user": "admin"])
        let added = try add.plan(nil, ModuleContext()).result
        XCTAssertEqual(added.inventoryChange, .addHost(name: "10.0.0.9", groups: ["web", "db"],
                                                       vars: ["ansible_user": .string("admin"), "ansible_ssh_port": .int(2200)]))
        guard case .dict(let reported)? = added["add_host"] else { return XCTFail("no add_host key") }
        XCTAssertEqual(reported["host_name"], .string("10.0.0.9"))
        let grouped = try make(GroupByModule.self, ["key": "os debian", "parents": ["linux"]]).plan(nil, ModuleContext()).result
        XCTAssertEqual(grouped.inventoryChange, .joinGroup(group: "os-debian", parents: ["linux"]))
        XCTAssertEqual(grouped["add_group"], .string("os-debian"))
        XCTAssertThrowsError(try make(AddHostModule.self, ["name": "[]:22"]))
    }

    func testEveryRegisteredModuleIsFoundByNameAndItsExampleLoads() throws {
        var names = Set<String>()
        for type in ModuleRegistry.modules {
            let spec = type.spec
            XCTAssertTrue(names.insert(spec.name).inserted, "\(spec.name) is registered twice")
            for name in [spec.name, "ansible.builtin." + spec.name] + spec.aliases {
                XCTAssertEqual(ModuleRegistry.module(named: name).map(ObjectIdentifier.init), ObjectIdentifier(type), name)
            }
            XCTAssertFalse(spec.doc.isEmpty, spec.name)
            let folder = NSTemporaryDirectory() + "deckhand-example-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let tasks = spec.example.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
            // The template example notifies a handler.
            let play = "- hosts: all\n  tasks:\n" + tasks.joined(separator: "\n")
                + "\n  handlers:\n    - name: reload nginx\n      debug: msg=reloaded\n"
            try play.write(toFile: folder + "/play.yml", atomically: true, encoding: .utf8)
            XCTAssertNoThrow(try PlaybookLoader().loadPlaybook(at: folder + "/play.yml"), "the example of \(spec.name)")
        }
        XCTAssertEqual(Set(ModuleRegistry.specs.map(\.name)), names)
        for name in ["community.general.supervisorctl", "community.postgresql.postgresql_db", "ansible.builtin.systemd"] {
            XCTAssertNotNil(ModuleRegistry.module(named: name), name)
        }
    }

    func testEverySpecDeclaresEachNameOnceAndDefaultsItsOwnChoicesAllow() {
        for spec in ModuleRegistry.specs {
            var names = Set<String>()
            for argument in spec.arguments {
                for name in [argument.name] + argument.aliases {
                    XCTAssertTrue(names.insert(name).inserted, "\(spec.name) declares \(name) twice")
                }
                XCTAssertFalse(argument.required && argument.defaultValue != nil, "\(spec.name).\(argument.name)")
                if let fallback = argument.defaultValue, !argument.choices.isEmpty {
                    XCTAssertTrue(fallback.choiceText.map(argument.choices.contains) ?? false, "\(spec.name).\(argument.name)")
                }
            }
        }
    }
}

extension LibraryModuleTests {
    func testDebugVarPrintsAnsiblesNoticeForWhatIsNotDefined() throws {
        let skippedResult: Value = .dict(["changed": .bool(false), "skipped": .bool(true)])
        let context = ModuleContext(evaluate: { expression in
            if expression == "r.stdout_lines" {
                guard case .dict(let dict) = skippedResult else { return .none }
                return dict["stdout_lines"] ?? .undefined(Undefined("'dict object' has no attribute 'stdout_lines'"))
            }
            throw ModuleArgumentError("'\(expression)' is undefined")
        })
        for expression in ["r.stdout_lines", "missing"] {
            let debug = try DebugModule.make(["var": .string(expression)])
            XCTAssertEqual(try debug.plan(nil, context).result[expression], .string("VARIABLE IS NOT DEFINED!"), expression)
        }
    }
}
