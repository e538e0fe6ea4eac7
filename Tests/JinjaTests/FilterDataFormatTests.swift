import XCTest
@testable import Jinja

/// The YAML and JSON filters write what Ansible writes (PyYAML, Python's json); expected texts come from Python.
final class FilterDataFormatTests: XCTestCase {
    private func apply(_ name: String, _ json: String, _ args: [Value] = [], _ kwargs: [String: Value] = [:]) throws -> String {
        let filter = try XCTUnwrap(PureFilters.all[name], "no filter \(name)")
        return try filter(JSONFormat.decode(json), args, kwargs).pythonStr
    }

    func testNiceYAMLQuotesWhatWouldReadBackAsAnotherTypeAndNothingElse() throws {
        let settings = #"""
            {"cmd": "a\tb", "long": "\#(String(repeating: "x", count: 100))", "path": "/a/b c", "empty": "",
             "date": "2024-01-02", "colon": "a:b", "sp": "a: b", "nested": [[1, [2]], {"k": []}],
             "uni": "héllo ✓", "q": "it's"}
            """#
        XCTAssertEqual(try apply("to_nice_yaml", settings), """
            cmd: "a\\tb"
            colon: a:b
            date: '2024-01-02'
            empty: ''
            long: \(String(repeating: "x", count: 100))
            nested:
            -   - 1
                -   - 2
            -   k: []
            path: /a/b c
            q: it's
            sp: 'a: b'
            uni: héllo ✓

            """)
    }

    func testToYAMLUsesFlowStyleOnlyForCollectionsOfScalars() throws {
        XCTAssertEqual(try apply("to_yaml", #"{"servers": [{"name": "a", "ports": [80, 443]}, {"name": "b", "ports": []}], "x": null}"#),
                       "servers:\n- name: a\n  ports: [80, 443]\n- name: b\n  ports: []\nx: null\n")
    }

    func testLongScalarsFoldAtEightyColumnsAsPyYAMLDoes() throws {
        let words = String(repeating: "a ", count: 50)
        XCTAssertEqual(try apply("to_yaml", "[\"\(words)\"]"),
                       "['\(String(repeating: "a ", count: 39))a\n    \(String(repeating: "a ", count: 10))']\n")
        XCTAssertEqual(
            try apply("to_nice_yaml", #"{"dq": "tab\there and a very long line that goes on and on and on and on and on and on and on and on"}"#),
            "dq: \"tab\\there and a very long line that goes on and on and on and on and on and on\\\n    \\ and on and on\"\n")
    }

    func testMultilineAndRootScalarsEndLikePyYAML() throws {
        XCTAssertEqual(try apply("to_yaml", #""multi\nline text\n""#), "'multi\n\n  line text\n\n  '\n")
        XCTAssertEqual(try apply("to_yaml", #""plain""#), "plain\n...\n")
    }

    func testKeysOfOver128CharactersBecomeExplicitKeys() throws {
        let key = String(repeating: "k", count: 130)
        XCTAssertEqual(try apply("to_nice_yaml", "{\"\(key)\": 1}"), "? \(key)\n: 1\n")
    }

    func testFromYAMLTypesScalarsTheYAML11WayAndKeepsOrder() throws {
        let value = try YAMLFormat.load("b: yes\na: 0x1F\nc: '010'\nd: 1.5e3\ne: ~\nf: 2001:db8\n")
        XCTAssertEqual(value.pythonRepr, "{'b': True, 'a': 31, 'c': '010', 'd': '1.5e3', 'e': None, 'f': '2001:db8'}")
    }

    func testJSONRoundTripKeepsIntegersFloatsAndOrder() throws {
        let text = #"{"z": 1, "a": [1.0, 2.5e-7, -0.0, 10000000000000000.0], "u": "\u00e9\ud83d\ude00"}"#
        let value = try JSONFormat.decode(text)
        XCTAssertEqual(try JSONFormat.encode(value), #"{"z": 1, "a": [1.0, 2.5e-07, -0.0, 1e+16], "u": "\u00e9\ud83d\ude00"}"#)
        XCTAssertEqual(try JSONFormat.encode(value, .init(ensureASCII: false)), #"{"z": 1, "a": [1.0, 2.5e-07, -0.0, 1e+16], "u": "é😀"}"#)
    }

    func testBrokenJSONSaysWhere() {
        XCTAssertThrowsError(try JSONFormat.decode("{\"a\": 1,\n \"b\" 2}")) { error in
            XCTAssertTrue("\(error)".contains("line 2"), "\(error)")
        }
    }
}
