import XCTest
@testable import Jinja

/// Expressions follow Python: arithmetic, comparisons, truthiness and str() of values.
final class EngineExpressionTests: XCTestCase {
    let env = Environment()

    func eval(_ source: String, _ vars: [String: Value] = [:]) throws -> Value {
        try env.compileExpression(source).evaluate(vars)
    }

    func render(_ source: String, _ vars: [String: Value] = [:]) throws -> String {
        try env.compile(source).render(vars)
    }

    func testPythonArithmetic() throws {
        XCTAssertEqual(try eval("7 / 2"), .double(3.5))
        XCTAssertEqual(try eval("-7 // 2"), .int(-4))
        XCTAssertEqual(try eval("-7 % 3"), .int(2))
        XCTAssertEqual(try eval("2 ** 10"), .int(1024))
        XCTAssertEqual(try eval("2 ** -1"), .double(0.5))
        XCTAssertEqual(try eval("1 + True"), .int(2))
        XCTAssertEqual(try render("{{ 0.1 + 0.2 }} {{ 1e-5 }} {{ 10 / 5 }}"), "0.30000000000000004 1e-05 2.0")
    }

    func testDivisionByZeroIsAnError() {
        XCTAssertThrowsError(try eval("1 / 0"))
    }

    func testStrOfContainersIsPythons() throws {
        let d: Value = .dict(["k": .string("v"), "n": .none, "t": .bool(true)])
        XCTAssertEqual(try render("{{ d }} {{ ['a', 1] }} {{ ('a',) }}", ["d": d]), "{'k': 'v', 'n': None, 't': True} ['a', 1] ('a',)")
        XCTAssertEqual(try render("{{ [\"it's\"] }}"), "[\"it's\"]")
    }

    func testAndOrReturnOperandsAndUndefinedIsFalsy() throws {
        XCTAssertEqual(try eval("'' or 'x'"), .string("x"))
        XCTAssertEqual(try eval("0 and 1"), .int(0))
        XCTAssertEqual(try eval("missing or 'fallback'"), .string("fallback"))
        XCTAssertEqual(try eval("not missing"), .bool(true))
        XCTAssertEqual(try eval("missing is defined"), .bool(false))
    }

    func testChainedComparisonsAndMembership() throws {
        XCTAssertEqual(try eval("1 < 2 < 3"), .bool(true))
        XCTAssertEqual(try eval("1 < 3 < 2"), .bool(false))
        XCTAssertEqual(try eval("'b' in 'abc' and 2 not in [1, 3]"), .bool(true))
        XCTAssertEqual(try eval("1 == 1.0"), .bool(true))
    }

    func testMixedOrderingIsATypeError() {
        XCTAssertThrowsError(try eval("'a' < 1")) { error in
            let e = error as! TemplateError
            XCTAssertEqual(e.kind, .type)
            XCTAssertEqual(e.message, "'<' not supported between instances of 'str' and 'int'")
        }
    }

    func testSlicesAndMethods() throws {
        XCTAssertEqual(try eval("[1,2,3,4,5][1:-1:2]"), .list([.int(2), .int(4)]))
        XCTAssertEqual(try eval("'abc'[::-1]"), .string("cba"))
        XCTAssertEqual(try eval("'a.b.c'.split('.')[-1]"), .string("c"))
        XCTAssertEqual(try eval("'a b  c'.split()"), .list([.string("a"), .string("b"), .string("c")]))
        XCTAssertEqual(try eval("'{}-{:>3}'.format('x', 7)"), .string("x-  7"))
        XCTAssertEqual(try eval("d.get('q', 5)", ["d": .dict([:])]), .int(5))
    }

    func testAttributeFallsBackToItemAndBack() throws {
        let d: Value = .dict(["name": .string("web"), "tags": .list([.string("a")])])
        XCTAssertEqual(try eval("d.name ~ d['tags'][0] ~ d.tags.0", ["d": d]), .string("webaa"))
    }

    func testTestsWithArguments() throws {
        XCTAssertEqual(try eval("9 is divisibleby 3"), .bool(true))
        XCTAssertEqual(try eval("x is not none", ["x": .int(1)]), .bool(true))
        XCTAssertEqual(try eval("'web01' is match('web')"), .bool(true))
        XCTAssertEqual(try eval("3 is in [1, 3]"), .bool(true))
    }

    func testRegexTestsSearchAnyValueAsPythonWritesIt() throws {
        // As Ansible's (to_text first): a registered result is searched as its Python text.
        let result: Value = .dict(["failed": .bool(true), "msg": .string("Unable to slurp file: /x")])
        XCTAssertEqual(try eval("r is search('Unable to slurp file')", ["r": result]), .bool(true))
        XCTAssertEqual(try eval("r is search(\"'failed': True\")", ["r": result]), .bool(true))
        XCTAssertEqual(try eval("42 is match('4')"), .bool(true))
        XCTAssertEqual(try eval("r is search('missing')", ["r": result]), .bool(false))
    }

    func testEngineFilters() throws {
        let users: Value = .list([
            .dict(["name": .string("b"), "admin": .bool(true), "uid": .int(2)]),
            .dict(["name": .string("a"), "admin": .bool(false), "uid": .int(1)]),
        ])
        XCTAssertEqual(try eval("users | selectattr('admin') | map(attribute='name') | list", ["users": users]).pythonRepr, "['b']")
        XCTAssertEqual(try eval("(users | sort(attribute='uid') | first).name", ["users": users]), .string("a"))
        XCTAssertEqual(try eval("users | sum(attribute='uid')", ["users": users]), .int(3))
        XCTAssertEqual(try eval("missing | default('x')"), .string("x"))
        XCTAssertEqual(try eval("'' | default('x', true)"), .string("x"))
        XCTAssertEqual(try eval("[3, 1, 3] | unique | list"), .list([.int(3), .int(1)]))
        XCTAssertEqual(try eval("true | ternary('on', 'off')"), .string("on"))
    }

    func testMandatoryNamesTheVariable() {
        XCTAssertThrowsError(try eval("nope | mandatory")) { error in
            XCTAssertEqual((error as! TemplateError).message, "Mandatory variable 'nope' not defined.")
        }
    }

    func testFloatReprMatchesPython() {
        XCTAssertEqual(Value.pythonFloatRepr(1.0), "1.0")
        XCTAssertEqual(Value.pythonFloatRepr(1e16), "1e+16")
        XCTAssertEqual(Value.pythonFloatRepr(123456789012345.6), "123456789012345.6")
        XCTAssertEqual(Value.pythonFloatRepr(0.0001), "0.0001")
        XCTAssertEqual(Value.pythonFloatRepr(-2.5e-7), "-2.5e-07")
        XCTAssertEqual(Value.pythonStringRepr("a\n'b"), "\"a\\n'b\"")
    }
}

/// What the playbook engine adds to an environment.
final class EngineEnvironmentTests: XCTestCase {
    func testRegisteredFunctionAndGlobalAreCallableFromTemplates() throws {
        let env = Environment()
        env.registerFunction("lookup") { args, _ in .string("looked up " + args.map(\.pythonStr).joined(separator: ",")) }
        env.registerGlobal("site", .string("shop"))
        XCTAssertEqual(try env.compile("{{ lookup('env', 'HOME') }} {{ site }}").render([:]), "looked up env,HOME shop")
        XCTAssertEqual(try env.compile("{{ site }}").render(["site": .string("var wins")]), "var wins")
    }

    func testRegisteredFilterReplacesABuiltinOne() throws {
        let env = Environment()
        env.registerFilter("default") { _, _, _ in .string("mine") }
        XCTAssertEqual(try env.compile("{{ x | default('y') }}").render([:]), "mine")
    }

    func testOmitPlaceholderIsAPlainString() throws {
        let env = Environment()
        let out = try env.compile("{{ mode | default(omit) }}").render(["omit": .string(Value.omitPlaceholder)])
        XCTAssertEqual(out, Value.omitPlaceholder)
    }
}

extension EngineExpressionTests {
    func testReprEscapesNonPrintableCharactersAsPython() {
        XCTAssertEqual(Value.list([.string("\u{a0}"), .string("\u{ad}"), .string("\u{2028}"), .string("\u{200b}"), .string("é")]).pythonRepr,
                       "['\\xa0', '\\xad', '\\u2028', '\\u200b', 'é']")
    }
}
