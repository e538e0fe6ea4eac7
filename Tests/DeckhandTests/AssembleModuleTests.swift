import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// assemble builds its file from recorded fragments (the host's, or the controller's), without a host.
final class AssembleModuleTests: XCTestCase {
    private let fragments = ["fragment2": "two\n", "fragment1": "one", ".hidden": "secret\n", "ßΩ.txt": "π\n", "notes.md": "md\n"]

    /// The probe's answer: the host's folder of `files`, then dest (absent, or holding `dest`).
    private func probe(_ files: [String: String]?, dest: String? = nil) -> CommandResult {
        var text: String
        if let files {
            text = "folder\n"
            for (name, content) in files {
                text += "\(AssembleModule.fragmentMarker)\n\(Data(name.utf8).base64EncodedString())\n\(Data(content.utf8).base64EncodedString())\n"
            }
        } else {
            text = "absent\n"
        }
        text += AssembleModule.destinationMarker + "\n"
        if let dest {
            text += "kind file\nstat 644 1000 1000 app app\nsha1 \(ContentDigest.sha1(Data(dest.utf8)))\n\(FileState.contentMarker)\n\(dest)"
        } else {
            text += "kind absent\n"
        }
        return recordedOutput(text)
    }

    private func written(_ plan: ModulePlan) -> String? {
        guard case .put(let write)? = plan.actions.last?.kind else { return nil }
        return String(decoding: write.data, as: UTF8.self)
    }

    func testTheHostsFragmentsAreJoinedInNameOrderWithALineBreakAfterEach() throws {
        let module = try makeModule(AssembleModule.self, ["src": "/etc/app/conf.d", "dest": "/etc/app/app.conf"])
        let plan = try module.plan(probe(fragments), ModuleContext())
        let expected = "secret\none\ntwo\nmd\nπ\n"
        XCTAssertEqual(written(plan), expected)
        XCTAssertTrue(plan.result.changed)
        XCTAssertEqual(plan.result["checksum"], .string(ContentDigest.sha1(Data(expected.utf8))))
        XCTAssertEqual(plan.result["md5sum"], .string(md5(expected)))
        XCTAssertEqual(plan.result["state"], .string("file"))
        XCTAssertEqual(plan.result.msg, "OK")

        let again = try module.plan(probe(fragments, dest: expected), ModuleContext())
        XCTAssertFalse(again.result.changed)
        XCTAssertTrue(again.actions.isEmpty)
    }

    func testCheckModeReportsTheChangeAndAnAbsentDest() throws {
        let module = try makeModule(AssembleModule.self, ["src": "/etc/app/conf.d", "dest": "/etc/app/app.conf"])
        let plan = try module.plan(probe(fragments), ModuleContext(checkMode: true))
        XCTAssertTrue(plan.result.changed)
        XCTAssertEqual(plan.result["state"], .string("absent"))
    }

    func testRegexpHiddenFilesAndTheDelimiterAsAnsibleReadsThem() throws {
        let module = try makeModule(AssembleModule.self, ["src": "/c", "dest": "/d", "regexp": "^fragment[1-2]$|^\\.",
                                                          "ignore_hidden": true, "delimiter": "#--- \\x41\\t\\101 ---#"])
        XCTAssertEqual(written(try module.plan(probe(fragments), ModuleContext())), "one\n#--- A\tA ---#\ntwo\n")
        let ending = try makeModule(AssembleModule.self, ["src": "/c", "dest": "/d", "regexp": "fragment", "delimiter": "--\\n"])
        XCTAssertEqual(written(try ending.plan(probe(fragments), ModuleContext())), "one\n--\ntwo\n")
    }

    func testAMissingSourceAndAnUnreadableValidateFailAsAnsibles() throws {
        let module = try makeModule(AssembleModule.self, ["src": "/nowhere", "dest": "/d"])
        XCTAssertEqual(try module.plan(probe(nil), ModuleContext()).result.msg, "Source (/nowhere) does not exist")
        let validate = try makeModule(AssembleModule.self, ["src": "/c", "dest": "/d", "validate": "echo 'missing %s"])
        let refused = try validate.plan(probe([:]), ModuleContext())
        XCTAssertTrue(refused.result.failed)
        XCTAssertTrue(refused.result.msg?.hasPrefix("Invalid command syntax in run_command") == true, refused.result.msg ?? "")
        XCTAssertThrowsError(try makeModule(AssembleModule.self, ["src": "/c", "dest": "/d", "validate": "true"]))
        let checked = try makeModule(AssembleModule.self, ["src": "/c", "dest": "/d", "validate": "grep -q one %s"])
        guard case .put(let write)? = try checked.plan(probe(fragments), ModuleContext()).actions.last?.kind else { return XCTFail("no write") }
        XCTAssertEqual(write.validate, ["grep", "-q", "one", "%s"])
    }

    func testControllerFragmentsComeFromTheRolesFilesAndOnlyTheFolderItself() throws {
        let module = try makeModule(AssembleModule.self, ["src": "./", "dest": "/d", "remote_src": false])
        let context = ModuleContext(
            diffMode: true,
            readSourceFile: { name in Data(["./b": "bee\n", "./a": "ay\n"][name, default: "?"].utf8) },
            listSourceDirectory: { _ in ["b", "a", "sub/c"] })
        XCTAssertEqual(try module.probe(context)?.rendered.hasPrefix("echo \(AssembleModule.destinationMarker)"), true,
                       "only dest is probed")
        let plan = try module.plan(probe([:], dest: "old\n"), context)
        XCTAssertEqual(written(plan), "ay\nbee\n")
        guard case .dict(let diff)? = plan.result["diff"] else { return XCTFail("diff is one mapping, as Ansible's") }
        XCTAssertEqual(diff["before"], .string("old\n"))
        XCTAssertEqual(diff["after"], .string("ay\nbee\n"))
    }

    private func md5(_ text: String) -> String {
        let path = NSTemporaryDirectory() + "deckhand-md5-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return String(LoopbackHost.shell("md5sum < '\(path)'").prefix(32))
    }
}
