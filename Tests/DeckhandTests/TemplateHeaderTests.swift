import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// A template's `#jinja2:` first line, as the template module and lookup('template') read it (ansible-core 2.21's
/// rules and messages): its overrides apply to the rest of the file, line statements and line comments included.
final class TemplateHeaderTests: XCTestCase {
    private struct Scope: VariableScope {
        func value(named name: String) throws -> Value? { name == "items" ? .list([.int(1), .int(2)]) : nil }
    }

    private func template(_ text: String) throws -> String {
        let directory = NSTemporaryDirectory() + "deckhand-header-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        try text.write(toFile: directory + "/t.j2", atomically: true, encoding: .utf8)
        return directory + "/t.j2"
    }

    func testAHeaderSettingALineStatementPrefixMakesThoseLinesStatements() throws {
        let path = try template("#jinja2: line_statement_prefix:\":\"\n: if true\nfoo\n: endif\n")
        XCTAssertEqual(try TemplateFile.render(path: path, scope: Scope()), "foo\n")
        XCTAssertEqual(try TemplateFile.renderValue(path: path, scope: Scope(), settings: TemplateSettings()), .string("foo\n"))
    }

    func testAHeaderSettingBothPrefixesWithCRLFLineEnds() throws {
        let path = try template("#jinja2: line_statement_prefix: '%', line_comment_prefix: '##'\r\n% for i in items\r\n- {{ i }} ## the item\r\n% endfor\r\n")
        XCTAssertEqual(try TemplateFile.render(path: path, scope: Scope()), "- 1\n- 2\n")
    }

    func testWithoutAHeaderThePrefixesAreText() throws {
        let path = try template(": if true\nfoo ## not a comment\n")
        XCTAssertEqual(try TemplateFile.render(path: path, scope: Scope()), ": if true\nfoo ## not a comment\n")
    }

    func testABadHeaderFailsWithAnsiblesReason() throws {
        for (text, reason) in [("#jinja2: lstrip_blocks=True\nfoo\n", "Missing key-value separator `:` in '#jinja2:' override pair ' lstrip_blocks=True'"),
                               ("#jinja2: trim_blocks: False,\nfoo\n", "Empty '#jinja2:' override pair not allowed"),
                               ("#jinja2: trim_blocks: False", "Missing newline after '#jinja2:' override"),
                               ("#jinja2: line_prefix: '#'\nfoo\n", "Invalid '#jinja2:' override key 'line_prefix'")] {
            let path = try template(text)
            XCTAssertThrowsError(try TemplateFile.render(path: path, scope: Scope()), text) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(error)")
            }
        }
    }
}
