import XCTest
@testable import Jinja

/// Ansible 2.19+'s native concat: what a macro, a set block or a whole template gives is the lone piece it
/// wrote as it is (a dict stays a dict), None when it wrote nothing, and text when it wrote more. Every expected
/// value is what ansible-core 2.21 gives.
final class NativeConcatTests: XCTestCase {
    let env = Environment(options: .ansible)

    func render(_ source: String) throws -> String {
        try env.compile(source, name: "t.j2").render([:])
    }

    func value(_ source: String) throws -> Value {
        try env.compile(source, name: "t.j2").renderValue(DictionaryScope(variables: [:]))
    }

    func testAMacroWritingOneValueGivesThatValue() throws {
        XCTAssertEqual(try render("{% macro m() %}{{ {'foo': 'bar'} }}{% endmacro %}{{ m()['foo'] }}"), "bar")
        XCTAssertEqual(try render("{% macro n() %}{{ 5 }}{% endmacro %}{{ n() + 1 }}"), "6")
    }

    func testAMacroWritingNothingGivesNoneAndOneWritingMoreGivesText() throws {
        XCTAssertEqual(try render("{% macro e() %}{% endmacro %}{{ e() is none }}|{{ e() ~ 'x' }}|[{{ e() }}]"), "True|Nonex|[]")
        XCTAssertEqual(try render("{% macro t() %}a{{ 1 }}{% endmacro %}{{ t() is string }}|{{ t() }}"), "True|a1")
    }

    func testASetBlockWritingOneValueHoldsThatValue() throws {
        XCTAssertEqual(try render("{% set s %}{{ 5 }}{% endset %}{{ s + 1 }}"), "6")
        XCTAssertEqual(try render("{% set s %}x{{ 5 }}{% endset %}{{ s ~ 1 }}"), "x51")
    }

    func testABlockCalledAgainAndARecursiveLoopCallGiveTheirLoneValue() throws {
        XCTAssertEqual(try render("{% block b %}{{ 5 }}{% endblock %}|{{ self.b() + 1 }}"), "5|6")
        XCTAssertEqual(try render("{% for x in [[1]] recursive %}{% if x is iterable %}{{ loop(x) + 1 }}{% else %}{{ 7 }}{% endif %}{% endfor %}"), "8")
    }

    func testATemplateWhoseOnlyPieceIsAValueGivesThatValue() throws {
        XCTAssertEqual(try value("{% macro m() %}{{ {'foo': 'bar'} }}{% endmacro %}\n{{ m() }}"), .dict(["foo": .string("bar")]))
        XCTAssertEqual(try value("{% if true %}{{ 5 }}{% endif %}"), .int(5))
        XCTAssertEqual(try value("{% if true %}5{% endif %}"), .string("5"))
        XCTAssertEqual(try value("{% if true %}a{{ 5 }}{% endif %}"), .string("a5"))
    }

    func testAnUndefinedInsideTheLoneValueFailsTheTemplate() {
        XCTAssertThrowsError(try value("{% if true %}{{ [1, nope] }}{% endif %}")) { error in
            XCTAssertTrue((error as! TemplateError).message.contains("'nope' is undefined"), "\(error)")
        }
    }
}
