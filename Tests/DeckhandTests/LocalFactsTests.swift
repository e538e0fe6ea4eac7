import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// setup's fact_path (ansible_local), as Ansible's setup module reads it.
final class LocalFactsTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "deckhand-local-facts-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func write(_ name: String, _ text: String, executable: Bool = false) throws {
        let path = folder + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: executable ? 0o755 : 0o644], ofItemAtPath: path)
    }

    /// The setup module's result on this machine with fact_path set to the test folder.
    private func setupResult(_ extra: OrderedDictionary<String, Value> = [:]) async throws -> ModuleResult {
        var arguments: OrderedDictionary<String, Value> = ["fact_path": .string(folder)]
        for (key, value) in extra { arguments[key] = value }
        let setup = try SetupModule.make(arguments)
        let probe = try await LocalConnection().run(try setup.probe(ModuleContext())!)
        return try setup.plan(probe, ModuleContext()).result
    }

    func testEachFactFileIsReadAsJSONOrINIOrRunWhenExecutable() async throws {
        try write("prefs.fact", "[general]\nbar=loaded\nPath: %(bar)s/x 100%%\n")
        try write("data.fact", "{\"list\": [1, 2]}")
        try write("script.fact", "#!/bin/sh\necho '{\"script_ran\": true}'\n", executable: true)
        try write("broken.fact", "#!/bin/sh\necho oops >&2\nexit 3\n", executable: true)
        try write("nosection.fact", "key=value\n")
        try write("percent.fact", "[s]\nvalue = this is a % bad % fact\n")
        try FileManager.default.createSymbolicLink(atPath: folder + "/dangling.fact", withDestinationPath: folder + "/missing")

        let result = try await setupResult()
        guard case .dict(let local)? = result.facts["local"] else { return XCTFail("no local facts: \(result.facts.keys)") }
        XCTAssertEqual(local["prefs"], .dict(["general": .dict(["bar": .string("loaded"), "path": .string("loaded/x 100%")])]))
        XCTAssertEqual(local["data"], .dict(["list": .list([.int(1), .int(2)])]))
        XCTAssertEqual(local["script"], .dict(["script_ran": .bool(true)]))
        XCTAssertEqual(local["broken"], .string("Failure executing fact script (\(folder)/broken.fact), rc: 3, err: oops\n"))
        XCTAssertEqual(local["nosection"], .string("error loading facts as JSON or ini - please check content: \(folder)/nosection.fact"))
        XCTAssertTrue(local["percent"]?.displayText.hasPrefix("error loading facts as ini - please check content: \(folder)/percent.fact ("
                                                               + "'%' must be followed by '%' or '(', found: '% bad % fact'") == true,
                      local["percent"]?.displayText ?? "")
        XCTAssertTrue(local["dangling"]?.displayText.hasPrefix("Could not stat fact (\(folder)/dangling.fact)") == true)
        XCTAssertEqual(Array(local.keys), ["broken", "dangling", "data", "nosection", "percent", "prefs", "script"], "sorted by file name")
    }

    func testAMissingFactFolderGivesAnEmptyAnsibleLocal() async throws {
        try FileManager.default.removeItem(atPath: folder)
        let result = try await setupResult()
        XCTAssertEqual(result.facts["local"], .dict([:]))
    }

    func testTheFilterKeepsAnsibleLocalAlone() async throws {
        try write("prefs.fact", "[general]\nbar=loaded\n")
        let filtered = try await setupResult(["filter": .string("*local*")])
        XCTAssertEqual(Array(filtered.facts.keys), ["local"])
        XCTAssertEqual(filtered.facts["local"], .dict(["prefs": .dict(["general": .dict(["bar": .string("loaded")])])]))
    }
}
