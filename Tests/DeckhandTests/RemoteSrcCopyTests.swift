import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// copy with remote_src over SSH: a file and a folder already on the host copied there, once, and predicted in
/// check mode without writing.
final class RemoteSrcCopyTests: XCTestCase {
    func testAHostsFileAndFolderAreCopiedOnTheHostOnceAndPredictedInCheckMode() async throws {
        try LoopbackHost.requireUp()
        let workspace = NSTemporaryDirectory() + "deckhand-remote-src-\(UUID().uuidString)"
        let base = "/tmp/deckhand-remote-src-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(atPath: workspace)
            try? FileManager.default.removeItem(atPath: base)
        }
        let hostile = "it's a \"log\" $(touch pwned) `x`.conf"
        try """
            - hosts: testhost
              gather_facts: false
              tasks:
                - name: the sources
                  copy: { content: "{{ item.text }}", dest: "{{ base }}/src/{{ item.name }}", mode: "{{ item.mode }}" }
                  loop:
                    - { name: "{{ hostile }}", text: "one\\n", mode: "0640" }
                    - { name: "sub dir/two.conf", text: "two\\n", mode: "0600" }
                  when: seed | default(true)
                - name: the file
                  copy: { src: "{{ base }}/src/{{ hostile }}", dest: "{{ base }}/etc/", remote_src: true, owner: deckhand }
                - name: the folder
                  copy: { src: "{{ base }}/src/", dest: "{{ base }}/tree", remote_src: true, directory_mode: "0750" }
            """.write(toFile: workspace + "/site.yml", atomically: true, encoding: .utf8)
        // The sources' folders first: copy with content makes no folders.
        let seed = workspace + "/seed.yml"
        try "- hosts: testhost\n  gather_facts: false\n  tasks:\n    - file: { path: \"{{ base }}/src/sub dir\", state: directory }\n"
            .write(toFile: seed, atomically: true, encoding: .utf8)
        let vars: OrderedDictionary<String, Value> = ["base": .string(base), "hostile": .string(hostile)]
        _ = try await LoopbackHost.run(seed, extraVars: vars)

        let (first, firstEvents) = try await LoopbackHost.run(workspace + "/site.yml", extraVars: vars)
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        XCTAssertEqual(firstEvents.results(ofTask: "the file").first?.status, .changed)
        XCTAssertEqual(firstEvents.results(ofTask: "the folder").first?.status, .changed)
        XCTAssertEqual(try String(contentsOfFile: base + "/etc/" + hostile, encoding: .utf8), "one\n")
        XCTAssertEqual(try String(contentsOfFile: base + "/tree/sub dir/two.conf", encoding: .utf8), "two\n")
        let attributes = { (path: String) in try FileManager.default.attributesOfItem(atPath: base + path) }
        XCTAssertEqual((try attributes("/tree/sub dir/two.conf")[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual((try attributes("/tree")[.posixPermissions] as? NSNumber)?.intValue, 0o750)
        XCTAssertEqual(try attributes("/etc/" + hostile)[.ownerAccountName] as? String, "deckhand")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "pwned"))

        let (_, secondEvents) = try await LoopbackHost.run(workspace + "/site.yml", extraVars: vars)
        XCTAssertEqual(secondEvents.results(ofTask: "the file").first?.status, .ok, "nothing new: nothing copied")
        XCTAssertEqual(secondEvents.results(ofTask: "the folder").first?.status, .ok)

        // A changed source: check mode predicts the copy and writes nothing.
        var unseeded = vars
        unseeded["seed"] = .bool(false)
        try "two, changed\n".write(toFile: base + "/src/sub dir/two.conf", atomically: false, encoding: .utf8)
        let (checked, checkEvents) = try await LoopbackHost.run(workspace + "/site.yml", extraVars: unseeded, check: true)
        XCTAssertEqual(checked.exitCode, 0, checkEvents.failureReport)
        XCTAssertEqual(checkEvents.results(ofTask: "the folder").first?.status, .changed)
        XCTAssertEqual(try String(contentsOfFile: base + "/tree/sub dir/two.conf", encoding: .utf8), "two\n", "check mode wrote")
        _ = try await LoopbackHost.run(workspace + "/site.yml", extraVars: unseeded)
        XCTAssertEqual(try String(contentsOfFile: base + "/tree/sub dir/two.conf", encoding: .utf8), "two, changed\n")
    }
}
