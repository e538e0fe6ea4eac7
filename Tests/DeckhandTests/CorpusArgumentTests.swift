import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// Arguments public roles give builtin modules (the role corpus's refusals): each planned without a host, and
/// each test fails when the argument is read but ignored.
final class CorpusArgumentTests: XCTestCase {
    // MARK: uri

    func testUriCaPathAndUseProxyReachCurl() throws {
        let plain = try makeModule(UriModule.self, ["url": "https://127.0.0.1/"])
        XCTAssertFalse(plain.curlWords.contains("--cacert"))
        XCTAssertFalse(plain.curlWords.contains("--noproxy"), "the environment's proxy is used by default, as Ansible's")
        let pinned = try makeModule(UriModule.self, ["url": "https://127.0.0.1/", "ca_path": "/etc/ssl/our ca.pem", "use_proxy": false])
        let rendered = try XCTUnwrap(pinned.probe(ModuleContext())).rendered
        XCTAssertTrue(rendered.contains("--cacert '/etc/ssl/our ca.pem'"), rendered)
        XCTAssertTrue(rendered.contains("--noproxy '*'"), rendered)
    }

    // MARK: lineinfile

    func testLineinfileValidateChecksTheNewFileBeforeItReplacesTheOld() throws {
        let edit = try makeModule(LineInFileModule.self, ["path": "/etc/sudoers", "line": "deploy ALL=(ALL) NOPASSWD: ALL",
                                                          "validate": "visudo -cf %s"])
        let plan = try edit.plan(recordedOutput("kind file\nstat 440 0 0 root root\n@@deckhand-content@@\nroot ALL=(ALL) ALL\n"),
                                 ModuleContext())
        let write = try XCTUnwrap(plan.actions.compactMap { action -> FileWrite? in
            if case .put(let write) = action.kind { return write } else { return nil }
        }.first)
        XCTAssertEqual(write.validate, ["visudo", "-cf", "%s"])
        XCTAssertThrowsError(try makeModule(LineInFileModule.self, ["path": "/etc/x", "line": "a", "validate": "visudo -c"])) { error in
            XCTAssertTrue("\(error)".contains("validate must contain %s"), "\(error)")
        }
    }

    // MARK: apt and package

    private let nginxOlderPinned = "@@installed\nnginx install ok installed 1.24.0-2\n@@policy\nnginx:\n  Candidate: 1.24.0-2\n"

    func testAptAllowDowngradeAndForceBecomeApt2Options() throws {
        let plain = try makeModule(AptModule.self, ["name": "nginx=1.22.1-9"])
        XCTAssertFalse(try XCTUnwrap(commandLines(plain.plan(recordedOutput(nginxOlderPinned), ModuleContext())).first).contains("--allow"))
        let downgrade = try makeModule(AptModule.self, ["name": "nginx=1.22.1-9", "allow_downgrades": true])
        let install = try XCTUnwrap(commandLines(downgrade.plan(recordedOutput(nginxOlderPinned), ModuleContext())).first)
        XCTAssertTrue(install.contains("apt-get install") && install.contains("--allow-downgrades 'nginx=1.22.1-9'"), install)
        let forced = try makeModule(AptModule.self, ["name": "nginx", "state": "absent", "force": true])
        let removal = try XCTUnwrap(commandLines(forced.plan(recordedOutput(nginxOlderPinned), ModuleContext())).first)
        XCTAssertTrue(removal.contains("apt-get remove") && removal.contains("--allow-unauthenticated")
                      && removal.contains("--allow-remove-essential"), removal)
    }

    func testPackageHandsAptWhatItTakesAndFailsAtRunTimeOnWhatItDoesNot() throws {
        let downgrade = try makeModule(PackageModule.self, ["name": "nginx=1.22.1-9", "state": "present", "allow_downgrade": true])
        let install = try XCTUnwrap(commandLines(downgrade.plan(recordedOutput(nginxOlderPinned), ModuleContext())).first)
        XCTAssertTrue(install.contains("--allow-downgrades"), install)
        // A role's RedHat branch loads (its task is skipped by `when:`); run on a Debian host it fails as Ansible's apt.
        let yumOnly = try makeModule(PackageModule.self, ["name": "epel-release", "state": "present",
                                                          "disablerepo": "*", "disable_gpg_check": true])
        XCTAssertNil(try yumOnly.probe(ModuleContext()), "nothing is asked of the host")
        let refused = try yumOnly.plan(nil, ModuleContext(checkMode: true))
        XCTAssertTrue(refused.result.failed)
        let message = try XCTUnwrap(refused.result.msg)
        XCTAssertTrue(message.hasPrefix("Unsupported parameters for (ansible.legacy.apt) module: disable_gpg_check, disablerepo. "
                                        + "Supported parameters include: allow_downgrade, "), message)
    }

    // MARK: copy remote_src (the probe and the plan's commands are real ones, run on this machine)

    private func scratch() throws -> String {
        let directory = NSTemporaryDirectory() + "deckhand-remote-src-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        return directory
    }

    /// Probes and plans `copy` with these arguments here; runs the plan's commands unless `apply` is false.
    private func copy(_ args: KeyValuePairs<String, Any>, apply: Bool = true, checkMode: Bool = false) async throws -> ModulePlan {
        let module = try makeModule(CopyModule.self, args)
        let probe = try await LocalConnection().run(try XCTUnwrap(module.probe(ModuleContext())))
        let plan = try module.plan(probe, ModuleContext(checkMode: checkMode))
        guard apply else { return plan }
        for action in plan.actions {
            guard case .run(let command, _) = action.kind else { XCTFail("remote_src uploads nothing: \(action.summary)"); continue }
            let result = try await LocalConnection().run(command)
            XCTAssertEqual(result.exitStatus, 0, command.rendered + "\n" + result.stderrText)
        }
        return plan
    }

    private func mode(_ path: String) throws -> Int {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    func testRemoteSrcCopiesTheHostsFileKeepingItsModeThenIsIdempotent() async throws {
        let dir = try scratch()
        let source = dir + "/it's a $(file).conf"
        try "listen 80;\n".write(toFile: source, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: source)
        let first = try await copy(["src": source, "dest": dir + "/copy.conf", "remote_src": true])
        XCTAssertTrue(first.result.changed)
        XCTAssertEqual(first.result["checksum"], .string(ContentDigest.sha1(Data("listen 80;\n".utf8))))
        XCTAssertEqual(first.result["md5sum"], .string(ContentDigest.md5(Data("listen 80;\n".utf8))))
        XCTAssertEqual(try String(contentsOfFile: dir + "/copy.conf", encoding: .utf8), "listen 80;\n")
        let mask = umask(0o022)
        umask(mask)
        XCTAssertEqual(try mode(dir + "/copy.conf"), 0o666 & ~Int(mask), "a new file: 0666 less the umask, as Ansible's atomic_move")
        let again = try await copy(["src": source, "dest": dir + "/copy.conf", "remote_src": true])
        XCTAssertFalse(again.result.changed)
        XCTAssertEqual(again.result["mode"], .string(String(format: "0%03o", 0o666 & ~Int(mask))))
        XCTAssertEqual(again.result["size"], .int(11))

        let chmod = try await copy(["src": source, "dest": dir + "/copy.conf", "remote_src": true, "mode": "0640"])
        XCTAssertTrue(chmod.result.changed)
        XCTAssertEqual(commandLines(chmod).first?.hasPrefix("chmod 640"), true, "same contents: only the mode changes")
        XCTAssertEqual(try mode(dir + "/copy.conf"), 0o640)
        let preserved = try await copy(["src": source, "dest": dir + "/copy.conf", "remote_src": true, "mode": "preserve"])
        XCTAssertTrue(preserved.result.changed)
        XCTAssertEqual(try mode(dir + "/copy.conf"), 0o600)
        // A file replaced by other contents takes the source's mode.
        try "listen 8080;\n".write(toFile: source, atomically: false, encoding: .utf8)
        _ = try await copy(["src": source, "dest": dir + "/copy.conf", "remote_src": true])
        XCTAssertEqual(try mode(dir + "/copy.conf"), 0o600)
    }

    func testRemoteSrcBackupForceAndFolders() async throws {
        let dir = try scratch()
        try "new\n".write(toFile: dir + "/src.txt", atomically: true, encoding: .utf8)
        try "old\n".write(toFile: dir + "/dest.txt", atomically: true, encoding: .utf8)
        let kept = try await copy(["src": dir + "/src.txt", "dest": dir + "/dest.txt", "remote_src": true, "force": false])
        XCTAssertFalse(kept.result.changed)
        XCTAssertEqual(kept.result.msg, "file already exists")
        XCTAssertEqual(try String(contentsOfFile: dir + "/dest.txt", encoding: .utf8), "old\n")
        let backedUp = try await copy(["src": dir + "/src.txt", "dest": dir + "/dest.txt", "remote_src": true, "backup": true])
        let backup = try XCTUnwrap(backedUp.result["backup_file"]?.displayText)
        XCTAssertEqual(try String(contentsOfFile: backup, encoding: .utf8), "old\n")
        XCTAssertEqual(try String(contentsOfFile: dir + "/dest.txt", encoding: .utf8), "new\n")

        // A folder dest gets src's name; a dest ending in / is made first, with directory_mode.
        try FileManager.default.createDirectory(atPath: dir + "/into", withIntermediateDirectories: true)
        let inside = try await copy(["src": dir + "/src.txt", "dest": dir + "/into", "remote_src": true])
        XCTAssertEqual(inside.result["dest"], .string(dir + "/into/src.txt"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/into/src.txt"))
        let predicted = try await copy(["src": dir + "/src.txt", "dest": dir + "/made/", "remote_src": true], apply: false, checkMode: true)
        XCTAssertTrue(predicted.result.changed)
        XCTAssertEqual(predicted.result.msg, "dest directory \(dir)/made would be created", "Ansible's check mode stops there")
        _ = try await copy(["src": dir + "/src.txt", "dest": dir + "/made/", "remote_src": true, "directory_mode": "0750"])
        XCTAssertEqual(try String(contentsOfFile: dir + "/made/src.txt", encoding: .utf8), "new\n")
        XCTAssertEqual(try mode(dir + "/made"), 0o750)

        let noFolder = try await copy(["src": dir + "/src.txt", "dest": dir + "/none/dest.txt", "remote_src": true], apply: false)
        XCTAssertEqual(noFolder.result.msg, "Destination directory \(dir)/none does not exist")
        let noSource = try await copy(["src": dir + "/missing", "dest": dir + "/dest.txt", "remote_src": true], apply: false)
        XCTAssertEqual(noSource.result.msg, "Source \(dir)/missing not found")
    }

    func testRemoteSrcValidateKeepsTheOldFileWhenTheCheckFails() async throws {
        let dir = try scratch()
        try "new\n".write(toFile: dir + "/src.txt", atomically: true, encoding: .utf8)
        try "old\n".write(toFile: dir + "/dest.txt", atomically: true, encoding: .utf8)
        let module = try makeModule(CopyModule.self, ["src": dir + "/src.txt", "dest": dir + "/dest.txt", "remote_src": true,
                                                      "validate": "grep -q valid %s"])
        let plan = try module.plan(try await LocalConnection().run(try XCTUnwrap(module.probe(ModuleContext()))), ModuleContext())
        guard case .run(let command, _)? = plan.actions.first?.kind else { return XCTFail("no copy planned") }
        let checked = try await LocalConnection().run(command)
        XCTAssertNotEqual(checked.exitStatus, 0, "the validate command rejected the copy")
        XCTAssertEqual(try String(contentsOfFile: dir + "/dest.txt", encoding: .utf8), "old\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["dest.txt", "src.txt"], "no temporary file left")
    }
}

extension CorpusArgumentTests {
    func testRemoteSrcFolderCopiesWhatDiffersKeepingEachFilesModeAndModeGoesToTheTopFolder() async throws {
        let dir = try scratch()
        try FileManager.default.createDirectory(atPath: dir + "/conf/sub dir", withIntermediateDirectories: true)
        try "a\n".write(toFile: dir + "/conf/a.txt", atomically: true, encoding: .utf8)
        try "b\n".write(toFile: dir + "/conf/sub dir/it's b.txt", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: dir + "/conf/a.txt")
        let contents = try await copy(["src": dir + "/conf/", "dest": dir + "/out/", "remote_src": true, "mode": "0644",
                                       "directory_mode": "0700"])
        XCTAssertTrue(contents.result.changed)
        XCTAssertEqual(try String(contentsOfFile: dir + "/out/sub dir/it's b.txt", encoding: .utf8), "b\n")
        XCTAssertEqual(try mode(dir + "/out/a.txt"), 0o640, "each file keeps its source's mode")
        XCTAssertEqual(try mode(dir + "/out"), 0o700, "directory_mode goes to the top folder")
        let again = try await copy(["src": dir + "/conf/", "dest": dir + "/out/", "remote_src": true, "mode": "0644",
                                    "directory_mode": "0700"])
        XCTAssertFalse(again.result.changed)

        let itself = try await copy(["src": dir + "/conf", "dest": dir + "/out", "remote_src": true])
        XCTAssertTrue(itself.result.changed)
        XCTAssertEqual(itself.result["dest"], .string(dir + "/out/conf"), "a folder dest is reported with src's name, as Ansible's")
        XCTAssertEqual(try String(contentsOfFile: dir + "/out/conf/a.txt", encoding: .utf8), "a\n")
        try "b changed\n".write(toFile: dir + "/conf/sub dir/it's b.txt", atomically: true, encoding: .utf8)
        let changed = try await copy(["src": dir + "/conf", "dest": dir + "/out", "remote_src": true])
        XCTAssertEqual(commandLines(changed).count, 1, "only the file that differs is copied")
        XCTAssertEqual(try String(contentsOfFile: dir + "/out/conf/sub dir/it's b.txt", encoding: .utf8), "b changed\n")
    }
}

extension CorpusArgumentTests {
    func testRemoteSrcFolderLocalFollowChoosesBetweenTheLinkAndWhatItLeadsTo() async throws {
        let dir = try scratch()
        try FileManager.default.createDirectory(atPath: dir + "/conf", withIntermediateDirectories: true)
        try "real\n".write(toFile: dir + "/real.txt", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/conf/link.txt", withDestinationPath: dir + "/real.txt")
        _ = try await copy(["src": dir + "/conf/", "dest": dir + "/followed", "remote_src": true])
        XCTAssertNil(try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/followed/link.txt"), "a copy of the file")
        XCTAssertEqual(try String(contentsOfFile: dir + "/followed/link.txt", encoding: .utf8), "real\n")
        _ = try await copy(["src": dir + "/conf/", "dest": dir + "/links", "remote_src": true, "local_follow": false])
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/links/link.txt"), dir + "/real.txt")
        XCTAssertThrowsError(try makeModule(CopyModule.self, ["src": "conf/", "dest": "/srv/", "local_follow": false]))
    }
}
