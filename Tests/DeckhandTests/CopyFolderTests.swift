import Foundation
import Jinja
import OrderedCollections
import SSH
import XCTest
@testable import Deckhand

/// copy with a folder as src: only the files that differ are written, into the folders they need.
final class CopyFolderTests: XCTestCase {
    func testOnlyTheFilesThatDifferAreWrittenAndTheFoldersMadeFirst() throws {
        let folder = DirectoryCopy(source: "conf/", destination: "/etc/app/", files: ["a.conf", "sub/b.conf"], marker: "--M--")
        XCTAssertEqual(folder.files.map(\.destination), ["/etc/app/a.conf", "/etc/app/sub/b.conf"])
        XCTAssertEqual(folder.directories, ["/etc/app", "/etc/app/sub"])
        XCTAssertEqual(DirectoryCopy(source: "conf", destination: "/etc/app", files: ["a.conf"], marker: "m").files.first?.destination,
                       "/etc/app/conf/a.conf", "without the slash the folder itself is copied")

        let unchanged = Data("A\n".utf8)
        let recorded = "--M--\nkind file\nstat 644 33 33 www-data www-data\nsha1 \(ContentDigest.sha1(unchanged))\n\n--M--\nkind absent\n\n--M--\n"
        let states = try folder.states(from: Data(recorded.utf8))
        XCTAssertEqual(states.map(\.kind), [.file, .absent])
        let options = try FileWriteOptions(ModuleArguments(["owner": .string("www-data"), "dest": .string("/srv")], spec: CopyModule.spec))
        let plan = try folder.plan(states: states, read: { $0 == "a.conf" ? unchanged : Data("B\n".utf8) }, options: options,
                                   diffMode: true, destination: "/etc/app/")
        XCTAssertTrue(plan.result.changed)
        XCTAssertEqual(plan.actions.map(\.summary), [
            "mkdir -p -- /etc/app /etc/app/sub", "chown -- www-data /etc/app /etc/app/sub",
            "write 2 bytes to /etc/app/sub/b.conf owner www-data",
        ])
        XCTAssertEqual(plan.result.diffs.map(\.afterHeader), ["/etc/app/sub/b.conf"])
        XCTAssertThrowsError(try folder.states(from: Data("--M--\nkind absent\n".utf8)), "a cut-off probe is an error")
    }

    func testAFolderWithHostileNamesIsCopiedOverSSHOnceAndPredictedInCheckMode() async throws {
        try LoopbackHost.requireUp()
        let workspace = NSTemporaryDirectory() + "deckhand-copy-folder-\(UUID().uuidString)"
        let base = "/tmp/deckhand-copy-folder-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: workspace)
            try? FileManager.default.removeItem(atPath: base)
        }
        let hostile = "it's a \"log\" $(touch pwned) `x`.conf"
        try FileManager.default.createDirectory(atPath: workspace + "/files/conf/sub dir", withIntermediateDirectories: true)
        try "first\n".write(toFile: workspace + "/files/conf/" + hostile, atomically: true, encoding: .utf8)
        try "caf\u{e9}\n".write(toFile: workspace + "/files/conf/sub dir/caf\u{e9}.conf", atomically: true, encoding: .utf8)
        try """
            - hosts: testhost
              gather_facts: false
              tasks:
                - name: the folder
                  copy: { src: conf, dest: "{{ base }}/etc/", mode: "0640" }
            """.write(toFile: workspace + "/site.yml", atomically: true, encoding: .utf8)
        let vars: OrderedDictionary<String, Value> = ["base": .string(base)]

        let (checked, checkEvents) = try await LoopbackHost.run(workspace + "/site.yml", extraVars: vars, check: true, diff: true)
        XCTAssertEqual(checked.exitCode, 0, checkEvents.failureReport)
        XCTAssertFalse(FileManager.default.fileExists(atPath: base), "check mode wrote")
        let predicted = try XCTUnwrap(checkEvents.results(ofTask: "the folder").first)
        XCTAssertEqual(predicted.status, .changed)
        XCTAssertEqual(predicted.diffs.count, 2, "--diff shows each new file")

        let (first, firstEvents) = try await LoopbackHost.run(workspace + "/site.yml", extraVars: vars)
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        XCTAssertEqual(try String(contentsOfFile: base + "/etc/conf/" + hostile, encoding: .utf8), "first\n")
        XCTAssertEqual(try String(contentsOfFile: base + "/etc/conf/sub dir/caf\u{e9}.conf", encoding: .utf8), "caf\u{e9}\n")
        let mode = try FileManager.default.attributesOfItem(atPath: base + "/etc/conf/" + hostile)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o640)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "pwned"))

        try "changed\n".write(toFile: workspace + "/files/conf/" + hostile, atomically: true, encoding: .utf8)
        let (_, secondEvents) = try await LoopbackHost.run(workspace + "/site.yml", extraVars: vars, diff: true)
        let second = try XCTUnwrap(secondEvents.results(ofTask: "the folder").first)
        XCTAssertEqual(second.status, .changed)
        XCTAssertEqual(second.diffs.map(\.before), ["first\n"], "only the changed file is rewritten")
        let (_, thirdEvents) = try await LoopbackHost.run(workspace + "/site.yml", extraVars: vars)
        XCTAssertEqual(thirdEvents.results(ofTask: "the folder").first?.status, .ok, "a run with nothing new changes nothing")
    }
}
