import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// The arguments Ansible's modules take and deckhand's now read too, each decided from recorded probe output
/// (or, where the probe is a real command on this machine, from its real answer), without a host.
final class ModuleArgumentPlanTests: XCTestCase {
    private func local(_ command: ShellCommand?) async throws -> CommandResult {
        try await LocalConnection().run(try XCTUnwrap(command))
    }

    private func scratch() throws -> String {
        let directory = NSTemporaryDirectory() + "deckhand-args-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        return directory
    }

    // MARK: file follow

    func testFileFollowSetsTheModeOfWhereALinkLeadsAndNotOfTheLinkWithoutIt() throws {
        let probe = "kind link\ntarget ../data\nstat 777 0 0 root root\n@@deckhand-followed@@\nresolved /srv/data\nkind file\nstat 600 0 0 root root\n"
        let following = try makeModule(FileModule.self, ["path": "/srv/app/link", "mode": "0644"])
        XCTAssertEqual(commandLines(try following.plan(recordedOutput(probe), ModuleContext())), ["chmod 644 -- /srv/data"])
        let notFollowing = try makeModule(FileModule.self, ["path": "/srv/app/link", "mode": "0644", "state": "file", "follow": false])
        let refused = try notFollowing.plan(recordedOutput(probe), ModuleContext())
        XCTAssertTrue(refused.result.failed)
        XCTAssertEqual(refused.result.msg, "file (/srv/app/link) is link, cannot continue (follow: false)")
    }

    func testFileRecurseWithFollowWalksThroughLinksAndReportsWhatChmodChanged() throws {
        let folder = "kind directory\nstat 755 0 0 root root\n"
        let follow = try makeModule(FileModule.self, ["path": "/srv/top", "mode": "a-x", "recurse": true, "follow": true])
        let plan = try follow.plan(recordedOutput(folder), ModuleContext())
        XCTAssertEqual(commandLines(plan), ["find -L /srv/top '!' -type l -exec chmod -c a-x -- '{}' +"])
        XCTAssertEqual(plan.actions.first?.changeMarker, "changed ")
        let plain = try makeModule(FileModule.self, ["path": "/srv/top", "mode": "a-x", "recurse": true, "follow": false])
        XCTAssertEqual(commandLines(try plain.plan(recordedOutput(folder), ModuleContext())), ["chmod -R -c a-x -- /srv/top"])
        // recurse without state: Ansible takes the folder that is there.
        XCTAssertNoThrow(try makeModule(FileModule.self, ["path": "/srv/top", "mode": "0700", "recurse": true]))
        XCTAssertThrowsError(try makeModule(FileModule.self, ["path": "/srv/top", "recurse": true, "state": "file"]))
    }

    func testFileRegistersAnsiblesDiffAndNamesItsPathAsAnsible() throws {
        let link = try makeModule(FileModule.self, ["src": "new.txt", "dest": "/srv/l", "state": "link", "follow": false])
        let relinked = try link.plan(recordedOutput("kind link\ntarget /srv/old.txt\n"), ModuleContext(diffMode: true)).result
        XCTAssertEqual(relinked["dest"], .string("/srv/l"))
        XCTAssertEqual(relinked["src"], .string("new.txt"))
        XCTAssertNil(relinked["path"], "a link's result names dest, as Ansible's")
        XCTAssertEqual(relinked["diff"], .dict(["before": .dict(["path": .string("/srv/l"), "src": .string("/srv/old.txt")]),
                                                "after": .dict(["path": .string("/srv/l"), "src": .string("new.txt")])]))
        let removal = try makeModule(FileModule.self, ["path": "/srv/d", "state": "absent"])
        let probe = "kind directory\nstat 755 0 0 root root\ncontent-dir /srv/d/sub\ncontent-file /srv/d/sub/a\n"
        let removed = try removal.plan(recordedOutput(probe), ModuleContext(diffMode: true)).result
        XCTAssertEqual(removed["diff"], .dict([
            "before": .dict(["path": .string("/srv/d"), "state": .string("directory"),
                             "path_content": .dict(["directories": .list([.string("/srv/d/sub")]), "files": .list([.string("/srv/d/sub/a")])])]),
            "after": .dict(["path": .string("/srv/d"), "state": .string("absent")])]))
        XCTAssertNil(try removal.plan(recordedOutput(probe), ModuleContext()).result["diff"], "no diff without --diff, as Ansible's")
        XCTAssertThrowsError(try makeModule(FileModule.self, ["path": "/srv/f", "src": "/srv/g"])) { error in
            XCTAssertEqual("\(error)", "src option requires state to be 'link' or 'hard'")
        }
    }

    func testAFileInAFolderTheUserCannotSearchIsAbsentWithAWarning() throws {
        let removal = try makeModule(FileModule.self, ["path": "/srv/locked/f", "state": "absent"])
        XCTAssertTrue(try XCTUnwrap(removal.probe(ModuleContext())).rendered.contains("inaccessible-path"))
        let plan = try removal.plan(recordedOutput("kind absent\ninaccessible-path\n"), ModuleContext())
        XCTAssertFalse(plan.result.changed)
        XCTAssertEqual(plan.result["warnings"], .list([.string("Insufficient permissions to access /srv/locked/f. Treating as absent")]))
        XCTAssertNil(try removal.plan(recordedOutput("kind absent\n"), ModuleContext()).result["warnings"])
    }

    func testFileLinkToNothingNeedsForceAndAttributesGoToTheTarget() throws {
        let link = try makeModule(FileModule.self, ["src": "missing.txt", "dest": "/srv/l", "state": "link", "owner": "app"])
        let absent = "kind absent\n@@deckhand-followed@@\nresolved /srv/missing.txt\nkind absent\n"
        XCTAssertEqual(try link.plan(recordedOutput(absent), ModuleContext()).result.msg,
                       "src file does not exist, use \"force=yes\" if you really want to create the link: /srv/missing.txt")
        let present = "kind absent\n@@deckhand-followed@@\nresolved /srv/real.txt\nkind file\nstat 644 0 0 root root\n"
        XCTAssertEqual(commandLines(try link.plan(recordedOutput(present), ModuleContext())),
                       ["ln -sfn -- missing.txt /srv/l && chown app -- /srv/real.txt"])
        let own = try makeModule(FileModule.self, ["src": "missing.txt", "dest": "/srv/l", "state": "link", "owner": "app", "follow": false])
        XCTAssertEqual(commandLines(try own.plan(recordedOutput("kind absent\n"), ModuleContext())), ["ln -sfn -- missing.txt /srv/l && chown -h app -- /srv/l"])
    }

    func testFileFollowProbeResolvesARealLink() async throws {
        let directory = try scratch()
        try "x".write(toFile: directory + "/target", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: directory + "/link", withDestinationPath: "target")
        let file = try makeModule(FileModule.self, ["path": directory + "/link", "mode": "0600"])
        let plan = try file.plan(try await local(file.probe(ModuleContext())), ModuleContext())
        XCTAssertEqual(commandLines(plan), ["chmod 600 -- \(directory)/target"])
    }

    func testFileTimesAttributesAndDiffPeek() throws {
        XCTAssertEqual(FileAttributes.parse("202202081414.00", format: "%Y%m%d%H%M.%S"), ["Y": 2022, "m": 2, "d": 8, "H": 14, "M": 14, "S": 0])
        XCTAssertNil(FileAttributes.parse("2022-02-08", format: "%Y%m%d"))
        let file = try makeModule(FileModule.self, ["path": "/srv/f", "modification_time": "202202081414.00", "attributes": "+A"])
        XCTAssertTrue(try XCTUnwrap(file.probe(ModuleContext())).rendered.contains("lsattr -d"))
        let stale = "kind file\nstat 644 0 0 root root\n@@file-attributes\nattr-flags e\ntimes 1700000000 1700000000\nwant-mtime 1644329640\n"
        XCTAssertEqual(commandLines(try file.plan(recordedOutput(stale), ModuleContext())),
                       ["chattr +A -- /srv/f && touch -m -d '2022-02-08 14:14:00' -- /srv/f"])
        let done = "kind file\nstat 644 0 0 root root\n@@file-attributes\nattr-flags A\ntimes 1644329640 1700000000\nwant-mtime 1644329640\n"
        XCTAssertFalse(try file.plan(recordedOutput(done), ModuleContext()).result.changed)
        XCTAssertThrowsError(try makeModule(FileModule.self, ["path": "/srv/f", "modification_time": "yesterday"]))
        let peek = try makeModule(FileModule.self, ["path": "/srv/f", "_diff_peek": true])
        XCTAssertEqual(try peek.plan(recordedOutput("binary\n"), ModuleContext()).result["appears_binary"], .bool(true))
    }

    // MARK: command and shell

    func testCommandRefusesNoCommandAndTwoCommandsWithRc256AndWarnsAboutExecutable() throws {
        let none = try makeModule(CommandModule.self, ["chdir": "/"])
        XCTAssertEqual(try none.plan(nil, ModuleContext()).result.msg, "no command given")
        XCTAssertEqual(try none.plan(nil, ModuleContext()).result["rc"], .int(256))
        let both = try makeModule(CommandModule.self, ["cmd": "echo testing", "argv": ["echo", "testing"]])
        XCTAssertEqual(try both.plan(nil, ModuleContext()).result.msg, "only command or argv can be given, not both")
        let bogus = try makeModule(CommandModule.self, ["cmd": "ls /dev/null", "executable": "/bogus"])
        let plan = try bogus.plan(nil, ModuleContext())
        guard case .list(let warnings)? = plan.result["warnings"] else { return XCTFail("no warnings") }
        XCTAssertTrue(warnings.first?.displayText.contains("no longer supported") ?? false)
        XCTAssertEqual(commandLines(plan), ["ls /dev/null"])
    }

    func testCommandChecksChdirGlobsCreatesAndSaysWhatCheckModeWouldDo() async throws {
        let directory = try scratch()
        try "".write(toFile: directory + "/afile.txt", atomically: true, encoding: .utf8)
        let globbed = try makeModule(CommandModule.self, ["cmd": "touch afile.txt", "chdir": directory, "creates": "afile.*"])
        let done = try globbed.plan(try await local(globbed.probe(ModuleContext())), ModuleContext())
        XCTAssertFalse(done.result.changed)
        XCTAssertEqual(done.result.msg, "Did not run command since 'afile.*' exists")
        let missing = try makeModule(CommandModule.self, ["cmd": "echo", "chdir": directory + "/nope"])
        let failed = try missing.plan(try await local(missing.probe(ModuleContext())), ModuleContext())
        XCTAssertTrue(failed.result.failed)
        XCTAssertTrue(failed.result.msg?.hasPrefix("Unable to change directory") ?? false, failed.result.msg ?? "")
        let creates = try makeModule(CommandModule.self, ["cmd": "true", "creates": directory + "/other.*"])
        let predicted = try creates.plan(try await local(creates.probe(ModuleContext())), ModuleContext(checkMode: true))
        XCTAssertTrue(predicted.result.changed)
        XCTAssertFalse(predicted.result.skipped)
        XCTAssertEqual(predicted.result.msg, "Command would have run if not in check mode")
        let plain = try makeModule(CommandModule.self, ["cmd": "true"])
        let skipped = try plain.plan(nil, ModuleContext(checkMode: true))
        XCTAssertTrue(skipped.result.skipped)
        XCTAssertEqual(skipped.result.msg, "Command would have run if not in check mode")
    }

    func testCommandExpandsTheHostsVariablesInItsArgumentsUnlessToldNotTo() async throws {
        let expanding = try makeModule(CommandModule.self, ["cmd": "printf %s ${DECKHAND_ARG}:$DECKHAND_ARG:$UNSET_DECKHAND_VAR:~"])
        guard case .run(let command, _)? = try expanding.plan(nil, ModuleContext()).actions.first?.kind else { return XCTFail() }
        let expanded = try await LocalConnection().run(command.withEnvironment(["DECKHAND_ARG": "a b $(x)", "HOME": "/home/h"]))
        XCTAssertEqual(expanded.stdoutText, "a b $(x):a b $(x):$UNSET_DECKHAND_VAR:~")
        let literal = try makeModule(CommandModule.self, ["cmd": "printf %s $DECKHAND_ARG", "expand_argument_vars": false])
        guard case .run(let plain, _)? = try literal.plan(nil, ModuleContext()).actions.first?.kind else { return XCTFail() }
        let kept = try await LocalConnection().run(plain.withEnvironment(["DECKHAND_ARG": "z"]))
        XCTAssertEqual(kept.stdoutText, "$DECKHAND_ARG")
    }

    func testShellReportsTheUsersCommandAndKeepsOutputEndsWhenAsked() throws {
        let shell = try makeModule(ShellModule.self, ["cmd": "./test.sh", "chdir": "/srv", "strip_empty_ends": false, "executable": "/bin/bash"])
        let plan = try shell.plan(nil, ModuleContext())
        XCTAssertEqual(plan.result["cmd"], .string("./test.sh"))
        XCTAssertEqual(commandLines(plan), ["cd -P -- /srv && /bin/bash -c ./test.sh"])
        XCTAssertEqual(plan.actions.first?.stripsEmptyEnds, false)
        var result = ModuleResult()
        result.record(recordedOutput("hello \n \r\n"), command: nil, stripEmptyEnds: false)
        XCTAssertEqual(result["stdout"], .string("hello \n \r\n"))
        result.record(recordedOutput("hello \n \r\n"), command: nil)
        XCTAssertEqual(result["stdout"], .string("hello \n "))
    }

    // MARK: replace before/after

    func testReplaceOnlyBetweenAfterAndBefore() throws {
        let text = "# start\n0.0\n# end\n\n# start\n0.0\n# end\n"
        let probe = "kind file\nstat 644 0 0 root root\n@@deckhand-content@@\n" + text
        let between = try makeModule(ReplaceModule.self, ["path": "/etc/hosts", "after": "# start", "before": "# end", "regexp": "0", "replace": "9"])
        let plan = try between.plan(recordedOutput(probe), ModuleContext())
        guard case .put(let write)? = plan.actions.last?.kind else { return XCTFail("no write") }
        XCTAssertEqual(String(decoding: write.data, as: UTF8.self), "# start\n9.9\n# end\n\n# start\n0.0\n# end\n")
        XCTAssertEqual(plan.result.msg, "2 replacements made")
        let after = try makeModule(ReplaceModule.self, ["path": "/etc/hosts", "after": "# end", "regexp": "^0", "replace": "1"])
        guard case .put(let tail)? = try after.plan(recordedOutput(probe), ModuleContext()).actions.last?.kind else { return XCTFail() }
        XCTAssertEqual(String(decoding: tail.data, as: UTF8.self), "# start\n0.0\n# end\n\n# start\n1.0\n# end\n")
        let nowhere = try makeModule(ReplaceModule.self, ["path": "/etc/hosts", "after": "# never", "regexp": "0"])
        let unchanged = try nowhere.plan(recordedOutput(probe), ModuleContext())
        XCTAssertFalse(unchanged.result.changed)
        XCTAssertTrue(unchanged.result.msg?.hasPrefix("Pattern for before/after params did not match the given file") ?? false)
        let badEscape = try makeModule(ReplaceModule.self, ["path": "/dev/null", "regexp": "\\.", "replace": "\\D"])
        XCTAssertTrue(try badEscape.plan(recordedOutput("kind other\n"), ModuleContext()).result.msg?.hasPrefix("Unable to process replace") ?? false)
        XCTAssertEqual(try between.plan(recordedOutput("kind absent\n"), ModuleContext()).result.msg, "Path /etc/hosts does not exist !")
    }

    // MARK: include_vars dir

    func testIncludeVarsReadsAFolderInPathOrderWithDepthMatchingIgnoresAndExtensions() throws {
        let root = try scratch()
        for (path, text) in [("vars/a.yml", "x: 1\nfrom: a\n"), ("vars/sub/b.yml", "x: 2\n"), ("vars/sub/deeper/c.yml", "x: 3\n"),
                             ("vars/skip.yml", "skipped: true\n"), ("vars/notes.txt", "not: vars\n")] {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        let context = ModuleContext(playbookDirectory: root)
        let all = try makeModule(IncludeVarsModule.self, ["dir": "vars", "ignore_files": ["skip.yml"], "extensions": ["yml"], "ignore_unknown_extensions": true])
        let read = try all.plan(nil, context).result
        XCTAssertEqual(read.facts["x"], .int(3))
        XCTAssertEqual(read["ansible_included_var_files"], .list([root + "/vars/a.yml", root + "/vars/sub/b.yml", root + "/vars/sub/deeper/c.yml"].map(Value.string)))
        let shallow = try makeModule(IncludeVarsModule.self, ["dir": "vars", "depth": 2, "files_matching": "^[ab]", "name": "found"])
        XCTAssertEqual(try shallow.plan(nil, context).result.facts["found"], .dict(["x": .int(2), "from": .string("a")]))
        let strict = try makeModule(IncludeVarsModule.self, ["dir": "vars"])
        let refused = try strict.plan(nil, context).result
        XCTAssertTrue(refused.failed)
        XCTAssertTrue(refused["message"]?.displayText.contains("does not have a valid extension") ?? false)
        let role = try makeModule(IncludeVarsModule.self, ["dir": "sub"])
        XCTAssertEqual(try role.plan(nil, ModuleContext(rolePath: root)).result.facts["x"], .int(3), "a role's dir is under its vars/")
    }

    // MARK: template overrides

    func testTemplateOverridesReachTheJinjaEnvironment() throws {
        let folder = try scratch()
        try "var: << name >> [# note #]{% raw %}{{ kept }}{% endraw %}\n".write(toFile: folder + "/t.j2", atomically: true, encoding: .utf8)
        try "#jinja2:variable_start_string:'<<' , variable_end_string:'>>'\nvar: << name >>\n{% if true %}\nline\n{% endif %}\n"
            .write(toFile: folder + "/header.j2", atomically: true, encoding: .utf8)
        struct Scope: VariableScope { func value(named name: String) throws -> Value? { name == "name" ? .string("app") : nil } }
        var settings = TemplateSettings()
        settings.delimiters.variableStart = "<<"
        settings.delimiters.variableEnd = ">>"
        settings.delimiters.commentStart = "[#"
        settings.delimiters.commentEnd = "#]"
        settings.newlineSequence = "\r\n"
        XCTAssertEqual(try TemplateFile.render(path: folder + "/t.j2", scope: Scope(), settings: settings), "var: app {{ kept }}\r\n")
        var untrimmed = TemplateSettings()
        untrimmed.trimBlocks = false
        XCTAssertEqual(try TemplateFile.render(path: folder + "/header.j2", scope: Scope(), settings: untrimmed), "var: app\n\nline\n")
        XCTAssertEqual(try TemplateFile.render(path: folder + "/header.j2", scope: Scope()), "var: app\nline\n")
        let module = try makeModule(TemplateModule.self, ["src": "t.j2", "dest": "/x", "variable_start_string": "<<", "newline_sequence": "\\r\\n"])
        XCTAssertEqual(module.settings.delimiters.variableStart, "<<")
        XCTAssertEqual(module.settings.newlineSequence, "\r\n")
    }

    // MARK: stat

    func testStatReportsMimeAttributesAndAsksForTheSelinuxContextOnlyWhenTold() async throws {
        let folder = try scratch()
        try "hello world".write(toFile: folder + "/foo.txt", atomically: true, encoding: .utf8)
        let stat = try makeModule(StatModule.self, ["path": folder + "/foo.txt", "get_selinux_context": true])
        let plan = try stat.plan(try await local(stat.probe(ModuleContext())), ModuleContext())
        guard case .dict(let fields)? = plan.result["stat"] else { return XCTFail("no stat") }
        XCTAssertEqual(fields["mimetype"], .string("text/plain"))
        XCTAssertEqual(fields["charset"], .string("us-ascii"))
        XCTAssertNotNil(fields["attr_flags"])
        XCTAssertNotNil(fields["blocks"])
        XCTAssertTrue(try XCTUnwrap(stat.probe(ModuleContext())).rendered.contains("%C"))
        let plain = try makeModule(StatModule.self, ["path": "/x", "get_mime": false, "get_attributes": false])
        let rendered = try XCTUnwrap(plain.probe(ModuleContext())).rendered
        XCTAssertFalse(rendered.contains("file --mime") || rendered.contains("lsattr") || rendered.contains("%C"), rendered)
    }

    // MARK: user, blockinfile

    func testUserForceRemovesALoggedInAccountAndBlockinfileValidates() throws {
        let user = try makeModule(UserModule.self, ["name": "old", "state": "absent", "force": true, "remove": true])
        XCTAssertEqual(commandLines(try user.plan(recordedOutput("old:x:1001:1001::/home/old:/bin/sh\n@@groups\nold\nold\n"), ModuleContext())),
                       ["userdel -f -r old"])
        let block = try makeModule(BlockInFileModule.self, ["path": "/etc/sudoers.d/app", "block": "app ALL=(ALL) NOPASSWD: ALL", "create": true,
                                                      "validate": "visudo -cf %s"])
        let plan = try block.plan(recordedOutput("kind absent\n"), ModuleContext())
        XCTAssertTrue(commandLines(plan).first?.hasPrefix("{ mkdir -p -- /etc/sudoers.d 2>&1; }") ?? false, "create makes the folder first: \(commandLines(plan))")
        guard case .put(let write)? = plan.actions.last?.kind else { return XCTFail() }
        XCTAssertEqual(write.validate, ["visudo", "-cf", "%s"])
        XCTAssertThrowsError(try makeModule(BlockInFileModule.self, ["path": "/x", "validate": "grep"]))
    }

    // MARK: apt

    func testAptUpgradeAutoremoveAndDefaultReleaseBecomeAptGetOptions() throws {
        let upgrade = try makeModule(AptModule.self, ["upgrade": "dist", "default_release": "bookworm-backports", "autoremove": true])
        let plan = try upgrade.plan(recordedOutput("@@installed\n@@upgradable\nInst bash [5.2] (5.3 Debian)\n@@removable\n"), ModuleContext())
        let words = try XCTUnwrap(commandLines(plan).first)
        XCTAssertTrue(words.contains("apt-get dist-upgrade -y -q") && words.contains("-t bookworm-backports") && words.contains("--auto-remove"), words)
        XCTAssertEqual(plan.actions.first?.unchangedMarker, "0 upgraded, 0 newly installed")
        XCTAssertFalse(try upgrade.plan(recordedOutput("@@installed\n@@upgradable\n"), ModuleContext()).result.changed)
        let cleanup = try makeModule(AptModule.self, ["autoremove": true])
        XCTAssertTrue(commandLines(try cleanup.plan(recordedOutput("@@installed\n@@removable\nRemv oldlib [1.0]\n"), ModuleContext())).first?.contains("apt-get autoremove") ?? false)
        XCTAssertFalse(try cleanup.plan(recordedOutput("@@installed\n@@removable\n"), ModuleContext()).result.changed)
        let noRecommends = try makeModule(AptModule.self, ["name": "nginx", "install_recommends": false])
        XCTAssertTrue(commandLines(try noRecommends.plan(recordedOutput("@@installed\n"), ModuleContext())).first?.contains("--no-install-recommends") ?? false)
        XCTAssertThrowsError(try makeModule(AptModule.self, ["deb": "/tmp/x.deb", "state": "absent"]))
    }

    func testAptCacheUpdateBesidePackagesIsNotTheTasksChangeAndAnUnknownPackageFails() throws {
        let apt = try makeModule(AptModule.self, ["name": "bash", "update_cache": true])
        let installed = "@@installed\nbash install ok installed 5.2\n@@policy\nbash:\n  Installed: 5.2\n  Candidate: 5.2\n@@cache\n1000\n9000\n"
        let plan = try apt.plan(recordedOutput(installed), ModuleContext(checkMode: true))
        XCTAssertFalse(plan.result.changed, "Ansible reports the install's change only")
        XCTAssertEqual(commandLines(plan).count, 1, "the lists are still refreshed outside check mode")
        let alone = try makeModule(AptModule.self, ["update_cache": true])
        XCTAssertTrue(try alone.plan(recordedOutput("@@installed\n@@cache\n1000\n9000\n"), ModuleContext(checkMode: true)).result.changed)
        let unknown = try makeModule(AptModule.self, ["name": ["bash", "deckhand-no-such-package"]])
        let refused = try unknown.plan(recordedOutput("@@installed\nbash install ok installed 5.2\n@@policy\nbash:\n  Candidate: 5.2\n"), ModuleContext(checkMode: true))
        XCTAssertTrue(refused.result.failed)
        XCTAssertEqual(refused.result.msg, "No package matching 'deckhand-no-such-package' is available")
    }

    func testAptDebAtItsVersionIsLeftAlone() throws {
        let deb = try makeModule(AptModule.self, ["deb": "/tmp/app_1.0_all.deb"])
        XCTAssertFalse(try deb.plan(recordedOutput("@@installed\n@@deb\ninstalled\n"), ModuleContext()).result.changed)
        XCTAssertTrue(commandLines(try deb.plan(recordedOutput("@@installed\n@@deb\nother\n"), ModuleContext())).first?.contains("/tmp/app_1.0_all.deb") ?? false)
    }

    // MARK: service

    func testServiceUseSleepAndAMissingServiceFails() throws {
        let sysv = try makeModule(ServiceModule.self, ["name": "app", "state": "restarted", "use": "sysvinit", "sleep": 2])
        XCTAssertTrue(try XCTUnwrap(sysv.probe(ModuleContext())).rendered.contains("if false; then echo systemd"))
        XCTAssertEqual(commandLines(try sysv.plan(recordedOutput("sysv\nactive\nenabled\nfound\n"), ModuleContext())),
                       ["{ { service app stop || true; }; sleep 2; }; service app start"])
        let missing = try sysv.plan(recordedOutput("sysv\ninactive\ndisabled\nmissing\n"), ModuleContext(checkMode: true))
        XCTAssertTrue(missing.result.failed)
        XCTAssertEqual(missing.result.msg, "Could not find the requested service app: host")
        let systemd = try makeModule(ServiceModule.self, ["name": "app", "state": "restarted", "use": "systemd", "sleep": 2])
        let plan = try systemd.plan(recordedOutput("systemd\nactive\nenabled\nfound\n"), ModuleContext())
        XCTAssertEqual(commandLines(plan), ["systemctl restart app"])
        XCTAssertNotNil(plan.result["warnings"])
    }

    // MARK: pip

    func testPipRunsTheTargetPythonsPipWithVersionAndSitePackages() throws {
        let pip = try makeModule(PipModule.self, ["name": "Django", "version": "4.2", "virtualenv": "/srv/venv", "virtualenv_site_packages": true,
                                            "extra_args": "--no-index --find-links /srv/wheels"])
        XCTAssertEqual(commandLines(try pip.plan(recordedOutput("@@venv\nno\n@@freeze\n"), ModuleContext())),
                       ["python3 -m venv --system-site-packages /srv/venv",
                        "/srv/venv/bin/python -m pip install --no-index --find-links /srv/wheels 'Django==4.2'"])
        let system = try makeModule(PipModule.self, ["name": "requests"])
        let context = ModuleContext(evaluate: { _ in .string("/usr/bin/python3.11") })
        XCTAssertTrue(try XCTUnwrap(system.probe(context)).rendered.contains("/usr/bin/python3.11 -m pip freeze"))
        XCTAssertEqual(commandLines(try system.plan(recordedOutput("@@venv\n@@freeze\n"), ModuleContext())), ["python3 -m pip install requests"])
        XCTAssertThrowsError(try makeModule(PipModule.self, ["name": ["a", "b"], "version": "1.0"]))
    }

    // MARK: git

    func testGitUpdatesSubmodulesRecursivelyAndClonesShallow() throws {
        let git = try makeModule(GitModule.self, ["repo": "https://example.com/shop.git", "dest": "/srv/src", "version": "main", "depth": 1])
        let sha = String(repeating: "a", count: 40)
        let clone = try XCTUnwrap(commandLines(try git.plan(recordedOutput("@@head\n@@dirty\n@@submodules\n@@remote\n\(sha)\trefs/heads/main\n"), ModuleContext())).first)
        XCTAssertTrue(clone.hasPrefix("git clone --depth 1 --branch main https://example.com/shop.git /srv/src && "), clone)
        XCTAssertTrue(clone.contains("submodule update --init --recursive"), clone)
        let stale = try git.plan(recordedOutput("@@head\n\(sha)\n@@dirty\n@@submodules\n-\(sha) lib\n@@remote\n\(sha)\trefs/heads/main\n"), ModuleContext())
        XCTAssertEqual(stale.result["submodules_changed"], .bool(true))
        let flat = try makeModule(GitModule.self, ["repo": "https://example.com/shop.git", "dest": "/srv/src", "recursive": false])
        XCTAssertFalse(try XCTUnwrap(flat.probe(ModuleContext())).rendered.contains("submodule"))
    }

    // MARK: tempfile, gather_facts

    func testTempfileMakesAUniqueNameAndGatherFactsIsSetup() async throws {
        let folder = try scratch()
        let temp = try makeModule(TempfileModule.self, ["state": "directory", "path": folder, "prefix": "hello.", "suffix": ".goodbye"])
        XCTAssertTrue(try temp.plan(nil, ModuleContext(checkMode: true)).result.skipped)
        for (argument, value) in [("prefix", "../../nested"), ("suffix", "../world")] {
            let escaping = try makeModule(TempfileModule.self, ["path": folder, argument: value])
            let refused = try escaping.plan(nil, ModuleContext()).result
            XCTAssertTrue(refused.failed)
            XCTAssertEqual(refused.msg, "\(argument) must be a valid file name component, got '\(value)'")
        }
        let plan = try temp.plan(nil, ModuleContext())
        guard case .run(let command, _)? = plan.actions.first?.kind else { return XCTFail() }
        let made = try await LocalConnection().run(command)
        var result = plan.result
        try plan.actions.first?.interpret?(made, &result)
        let path = try XCTUnwrap(result["path"]?.displayText)
        XCTAssertTrue(path.hasPrefix(folder + "/hello.") && path.hasSuffix(".goodbye"), path)
        XCTAssertEqual(result["mode"], .string("0700"))
        let nowhere = try makeModule(TempfileModule.self, ["path": folder + "/does_not_exist", "prefix": "hello."])
        let failing = try nowhere.plan(nil, ModuleContext())
        guard case .run(let failingCommand, _)? = failing.actions.first?.kind else { return XCTFail() }
        var failure = failing.result
        try failing.actions.first?.interpret?(try await LocalConnection().run(failingCommand), &failure)
        XCTAssertTrue(failure.failed)
        XCTAssertFalse(failure.changed)
        XCTAssertEqual(failure.msg, "[Errno 2] No such file or directory: '\(folder)/does_not_exist/hello.XXXXXXXX'")
        var isFolder: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue)
        XCTAssertEqual(ModuleRegistry.module(named: "ansible.builtin.gather_facts").map(ObjectIdentifier.init), ObjectIdentifier(GatherFactsModule.self))
        let facts = try makeModule(GatherFactsModule.self, ["parallel": true])
        let gathered = try facts.plan(try await local(facts.probe(ModuleContext())), ModuleContext())
        XCTAssertNotNil(gathered.result.facts["system"] ?? gathered.result.facts["kernel"])
    }
}
