import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// `-e` as a user types it for `run`, `template` and the verbs: one reader, ansible-playbook's forms.
final class ExtraVarsTests: XCTestCase {
    private var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "deckhand-extra-vars-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
    }

    private func parse(_ arguments: String...) throws -> OrderedDictionary<String, Value> {
        try ExtraVars.parse(arguments, relativeTo: folder)
    }

    private func error(_ arguments: String...) -> String {
        do {
            _ = try ExtraVars.parse(arguments, relativeTo: folder)
            return "no error"
        } catch {
            XCTAssertTrue(error is ExtraVarsError, "\(type(of: error))")
            return "\(error)"
        }
    }

    func testKeyValueWordsAreStringsWithShellQuoting() throws {
        let vars = try parse(#"version=1.2 note="two words" say="a \"quote\"" port=8000"#)
        XCTAssertEqual(vars, ["version": .string("1.2"), "note": .string("two words"),
                              "say": .string(#"a "quote""#), "port": .string("8000")])
        XCTAssertEqual(try parse("greeting='{{ a }} b'")["greeting"], .string("{{ a }} b"))
    }

    func testAFileIsReadAsYAMLOrJSONRelativeToTheCurrentFolderOrAbsolute() throws {
        try write("vars.yml", "domain: shop.example.com\ntls: yes\nworkers: 3\n")
        try write("vars.json", #"{"workers": 5, "names": ["a", "b"]}"#)
        XCTAssertEqual(try parse("@vars.yml"), ["domain": .string("shop.example.com"), "tls": .bool(true),
                                                "workers": .int(3)])
        XCTAssertEqual(try parse("@" + folder + "/vars.json"), ["workers": .int(5),
                                                                "names": .list([.string("a"), .string("b")])])
        try write("empty.yml", "# nothing yet\n")
        XCTAssertEqual(try parse("@empty.yml"), [:])
    }

    func testInlineJSONAndYAMLKeepTheirTypes() throws {
        XCTAssertEqual(try parse(#"{"tls": {"enabled": true}, "port": 443}"#),
                       ["tls": .dict(["enabled": .bool(true)]), "port": .int(443)])
        XCTAssertEqual(try parse("{maintenance: no, names: [a, b]}"),
                       ["maintenance": .bool(false), "names": .list([.string("a"), .string("b")])])
    }

    func testLaterArgumentsWinKeyByKeyAndEmptyOnesAreNothing() throws {
        try write("vars.yml", "shared: file\nonly_file: 1\ntls: {enabled: true, email: a@b}\n")
        let vars = try parse("shared=first only_kv=1", "@vars.yml", #"{"shared": "json", "tls": {"enabled": false}}"#, "  ")
        XCTAssertEqual(vars["shared"], .string("json"))
        XCTAssertEqual(vars["only_kv"], .string("1"))
        XCTAssertEqual(vars["only_file"], .int(1))
        XCTAssertEqual(vars["tls"], .dict(["enabled": .bool(false)]), "a mapping is replaced whole, as ansible's hash_behaviour=replace")
    }

    func testAMissingFileNamesTheArgumentAndWhereItLooked() {
        XCTAssertEqual(error("@missing.yml"), "-e @missing.yml: no such file (looked for \(folder!)/missing.yml)")
    }

    func testAFolderOrABinaryFileIsRefusedByName() throws {
        try FileManager.default.createDirectory(atPath: folder + "/group_vars", withIntermediateDirectories: true)
        XCTAssertTrue(error("@group_vars").hasPrefix("-e @group_vars: cannot read"), error("@group_vars"))
        try Data([0xff, 0xfe, 0x00]).write(to: URL(fileURLWithPath: folder + "/vars.bin"))
        XCTAssertTrue(error("@vars.bin").contains("is not UTF-8 text"), error("@vars.bin"))
    }

    func testBrokenYAMLInAFileNamesTheFileAndLine() throws {
        try write("vars.yml", "domain: shop\nworkers: [1, 2\n")
        let message = error("@vars.yml")
        XCTAssertTrue(message.hasPrefix("-e @vars.yml (\(folder!)/vars.yml:"), message)
        XCTAssertTrue(message.contains("YAML syntax error"), message)
    }

    func testBrokenInlineJSONNamesTheArgument() {
        let message = error(#"{"port": 80"#)
        XCTAssertTrue(message.hasPrefix(#"-e '{"port": 80' (column "#), message)
    }

    func testSomethingOtherThanAMappingIsRefused() throws {
        XCTAssertEqual(error("[1, 2]"), "-e '[1, 2]' must be a mapping of variable names to values, not a list")
        try write("list.yml", "- a\n- b\n")
        XCTAssertEqual(error("@list.yml"), "-e @list.yml must be a mapping of variable names to values, not a list")
    }

    func testAWordThatIsNotKeyValueOrAnUnclosedQuoteIsRefused() {
        XCTAssertEqual(error("version=1 oops"), "-e 'version=1 oops': 'oops' is not key=value (nor @file or {json}); "
            + "a key is a variable name: letters, digits and _")
        XCTAssertEqual(error("note='open"), "-e 'note='open': a quote is not closed")
    }

    func testAPathWithoutTheAtIsRefusedWithTheFix() {
        XCTAssertEqual(error("./vars.yml"), "-e ./vars.yml: a file needs an @ in front (-e @./vars.yml), as with ansible-playbook")
        XCTAssertEqual(error("/etc/deckhand/vars.yml"),
                       "-e /etc/deckhand/vars.yml: a file needs an @ in front (-e @/etc/deckhand/vars.yml), as with ansible-playbook")
    }
}
