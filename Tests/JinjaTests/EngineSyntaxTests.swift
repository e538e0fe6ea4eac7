import XCTest
@testable import Jinja

/// Whitespace control, tags and error locations, as users writing templates meet them.
final class EngineSyntaxTests: XCTestCase {
    let env = Environment()

    func render(_ source: String, _ vars: [String: Value] = [:]) throws -> String {
        try env.compile(source, name: "t.j2").render(vars)
    }

    func testTrimBlocksDropsTheNewlineAfterABlockTagButNotAfterAnExpression() throws {
        XCTAssertEqual(try render("{% if true %}\nyes\n{% endif %}\nafter {{ 1 }}\nend\n"), "yes\nafter 1\nend")
    }

    func testMinusStripsWhitespaceAndPlusKeepsTheNewline() throws {
        XCTAssertEqual(try render("a  {%- if true -%}  b  {%- endif %}\n"), "ab")
        XCTAssertEqual(try render("{% if true +%}\nx{% endif %}"), "\nx")
        XCTAssertEqual(try render("a\n  {{- 'b' -}}  \nc"), "abc")
    }

    func testRawBlocksAndCommentsAreNotInterpreted() throws {
        XCTAssertEqual(try render("{% raw %}{{ x }}{% endraw %}|{# note #}ok"), "{{ x }}|ok")
    }

    func testTrailingNewlineIsDroppedAndCRLFNormalised() throws {
        XCTAssertEqual(try render("a\r\nb\r\n"), "a\nb")
    }

    func testNestedDictLiteralDoesNotEndThePrintTag() throws {
        XCTAssertEqual(try render("{{ {'a': {'b': 1}}['a']['b'] }}"), "1")
    }

    func testUnknownTagNamesTheTagAndLine() {
        XCTAssertThrowsError(try render("ok\n{% frobnicate %}")) { error in
            let e = error as! TemplateError
            XCTAssertEqual(e.kind, .syntax)
            XCTAssertEqual(e.line, 2)
            XCTAssertTrue(e.message.contains("Encountered unknown tag 'frobnicate'"), e.message)
        }
    }

    func testUnclosedIfSaysWhatWasExpected() {
        XCTAssertThrowsError(try render("{% if x %}\nbody\n")) { error in
            let e = error as! TemplateError
            XCTAssertEqual(e.kind, .syntax)
            XCTAssertTrue(e.message.contains("'endif'"), e.message)
        }
    }

    func testStrayClosingBraceIsASyntaxError() {
        XCTAssertThrowsError(try render("{{ x } }}")) { error in
            XCTAssertTrue((error as! TemplateError).message.contains("unexpected '}'"))
        }
    }

    func testUndefinedVariableErrorNamesTemplateAndLine() {
        XCTAssertThrowsError(try render("a\nb\n{{ missing }}")) { error in
            let e = error as! TemplateError
            XCTAssertEqual(e.kind, .undefined)
            XCTAssertEqual(e.description, "t.j2:3: 'missing' is undefined")
        }
    }

    func testMissingDictKeyMessageMatchesJinja() {
        XCTAssertThrowsError(try render("{{ d.bar }}", ["d": .dict(["a": .int(1)])])) { error in
            XCTAssertEqual((error as! TemplateError).message, "'dict object' has no attribute 'bar'")
        }
    }

    func testLstripBlocksWhenEnabled() throws {
        let lenv = Environment(options: Options(lstripBlocks: true))
        XCTAssertEqual(try lenv.compile("  {% if true %}\n  x\n  {% endif %}\n").render([:]), "  x\n")
    }
}

/// Hostile or mistaken input is an error with a message, never a crash.
final class EngineLimitTests: XCTestCase {
    func testEndlessMacroRecursionIsAnError() {
        let env = Environment()
        XCTAssertThrowsError(try env.compile("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").render([:])) { error in
            XCTAssertTrue((error as! TemplateError).message.contains("levels deep"))
        }
    }

    func testDeeplyNestedExpressionIsASyntaxError() {
        let env = Environment()
        let source = "{{ " + String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500) + " }}"
        XCTAssertThrowsError(try env.compile(source)) { error in
            XCTAssertEqual((error as! TemplateError).kind, .syntax)
        }
    }
}

extension EngineLimitTests {
    func testRunawayRecursionOnASmallWorkerStackIsAnErrorNotACrash() {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: TemplateError?
        let thread = Thread {
            let env = Environment()
            let source = "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(200) }}"
            do { _ = try env.compile(source).render([:]) } catch { failure = error as? TemplateError }
            done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        done.wait()
        XCTAssertEqual(failure?.kind, .runtime)
    }
}

extension EngineLimitTests {
    func testLongOperatorChainIsASyntaxErrorButOrdinaryChainsAreFine() throws {
        let env = Environment()
        XCTAssertThrowsError(try env.compile("{{ " + Array(repeating: "1", count: 300).joined(separator: " + ") + " }}"))
        XCTAssertEqual(try env.compile("{{ " + Array(repeating: "1", count: 50).joined(separator: " + ") + " }}").render([:]), "50")
    }
}
