import XCTest
@testable import Jinja

/// Jinja2's line statements and line comments (line_statement_prefix, line_comment_prefix), as a template with
/// `#jinja2: line_statement_prefix: '#'` meets them. Every expected text is what Jinja2 3.1 renders.
final class LineSyntaxTests: XCTestCase {
    func render(_ source: String, statement: String? = nil, comment: String? = nil,
                trimBlocks: Bool = true, lstripBlocks: Bool = false) throws -> String {
        var delimiters = Delimiters()
        delimiters.lineStatementPrefix = statement
        delimiters.lineCommentPrefix = comment
        let environment = Environment(options: Options(trimBlocks: trimBlocks, lstripBlocks: lstripBlocks, delimiters: delimiters))
        return try environment.compile(source, name: "t.j2").render(["items": .list([.int(1), .int(2)]), "x": .string("X")])
    }

    func testALineStartingWithThePrefixIsABlockStatementThatTakesItsNewline() throws {
        XCTAssertEqual(try render("# for i in items\n- {{ i }}\n# endfor\nend", statement: "#"), "- 1\n- 2\nend")
        XCTAssertEqual(try render(": if true\nfoo\n: endif\n", statement: ":"), "foo\n")
        XCTAssertEqual(try render("#if true\nyes\n#endif", statement: "#"), "yes\n")
    }

    func testIndentationBeforeThePrefixIsPartOfTheStatement() throws {
        XCTAssertEqual(try render("    # for i in items\n- {{ i }}\n\t# endfor\nend", statement: "#"), "- 1\n- 2\nend")
    }

    func testTheBlankLinesAfterALineStatementGoWithIt() throws {
        XCTAssertEqual(try render("# if true\n\n\nyes\n# endif\n", statement: "#"), "yes\n")
    }

    func testThePrefixAfterOtherTextOnItsLineIsText() throws {
        XCTAssertEqual(try render("a # if true\nb", statement: "#"), "a # if true\nb")
        XCTAssertEqual(try render("{{ x }} # if true\nb", statement: "#"), "X # if true\nb")
        XCTAssertThrowsError(try render("{# c #}# if true\nyes\n# endif", statement: "#")) { error in
            XCTAssertTrue((error as! TemplateError).message.contains("unknown tag 'endif'"), "\(error)")
        }
    }

    func testWithoutAPrefixSetALineStartingWithItIsText() throws {
        XCTAssertEqual(try render("# if true\nyes"), "# if true\nyes")
    }

    func testAStatementInBracketsGoesOnOverItsLineEnd() throws {
        XCTAssertEqual(try render("# if 2 in [1,\n  2, 3]\nyes\n# endif", statement: "#"), "yes\n")
    }

    func testABlockEndDelimiterIsNotALineStatementsEnd() {
        XCTAssertThrowsError(try render("# if true %}\nyes\n# endif", statement: "#")) { error in
            XCTAssertTrue((error as! TemplateError).message.contains("unexpected '}'"), "\(error)")
        }
    }

    func testALineStatementTakesItsNewlineWithoutTrimBlocks() throws {
        XCTAssertEqual(try render("# if true\nyes\n# endif", statement: "#", trimBlocks: false), "yes\n")
        // ...while the tag block beside it keeps its own newline and indentation.
        XCTAssertEqual(try render("  # if true\n  yes\n  {% if true %}\n  inner\n  {% endif %}\n  # endif\nend",
                                  statement: "#", trimBlocks: false),
                       "  yes\n  \n  inner\n  \nend")
    }

    func testLstripBlocksStripsTheTagBlocksBesideLineStatements() throws {
        XCTAssertEqual(try render("  # if true\n  yes\n  {% if true %}\n  inner\n  {% endif %}\n  # endif\nend",
                                  statement: "#", lstripBlocks: true),
                       "  yes\n  inner\nend")
    }

    func testALineCommentRunsToItsLineEndAndKeepsTheNewline() throws {
        XCTAssertEqual(try render("a ## c\nb\n  ## whole line\nc##d\n", comment: "##"), "a\nb\n\nc")
        XCTAssertEqual(try render("{{ x }}## c\nz", comment: "##"), "X\nz")
        XCTAssertEqual(try render("{% if true %}## c\nyes{% endif %}", comment: "##"), "\nyes")
    }

    func testALineCommentIsNotRendered() throws {
        XCTAssertEqual(try render("a ## {{ undefined_call() }}\nb", comment: "##"), "a\nb")
    }

    func testTheLongerPrefixWinsWhereBothMatch() throws {
        XCTAssertEqual(try render("## note\n# for i in items\n{{ i }} ## item\n# endfor", statement: "#", comment: "##"),
                       "\n1\n2\n")
    }

    func testErrorsNameTheLineTheyAreOnPastLineStatementsAndComments() {
        for (source, line) in [("# if true\n\n\nyes\n# bogus\n# endif", 5),
                               ("a ## c\n## d\n# for i in (1,\n2)\n{{ i }}\n# bogus", 6),
                               ("# if true\nyes\n{{ nope( }}", 3)] {
            XCTAssertThrowsError(try render(source, statement: "#", comment: "##"), source) { error in
                XCTAssertEqual((error as! TemplateError).line, line, "\(source): \(error)")
            }
        }
    }

    func testTheWhitespaceAMinusClosingTakesCannotOpenALineStatementOrComment() throws {
        XCTAssertEqual(try render("{{ 3 -}}  ## note\nz", statement: "#", comment: "##"), "3## note\nz")
        XCTAssertEqual(try render("a{{ x -}}\n\t# if true\nb", statement: "#", comment: "##"), "aX# if true\nb")
        XCTAssertEqual(try render("{#- c -#}\n# if true\nb\n# endif", statement: "#", comment: "##"), "b\n")
    }

    func testARawBlockKeepsItsLineStatementsAsText() throws {
        XCTAssertEqual(try render("{% raw %}\n# if\n{% endraw %}", statement: "#"), "\n# if\n")
    }
}
