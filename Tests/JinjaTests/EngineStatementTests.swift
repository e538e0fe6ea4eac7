import XCTest
@testable import Jinja

/// Statements: loops, assignments, macros, includes and inheritance.
final class EngineStatementTests: XCTestCase {
    struct Loader: TemplateLoader {
        let templates: [String: String]
        func loadTemplate(named name: String) throws -> String? { templates[name] }
    }

    func render(_ source: String, _ vars: [String: Value] = [:], templates: [String: String] = [:]) throws -> String {
        let env = Environment(loader: Loader(templates: templates))
        return try env.compile(source, name: "main.j2").render(vars)
    }

    func testLoopVariablesAndElse() throws {
        let out = try render("{% for x in xs %}{{ loop.index }}/{{ loop.length }}{{ '' if loop.last else ',' }}{% else %}none{% endfor %}",
                             ["xs": .list([.string("a"), .string("b"), .string("c")])])
        XCTAssertEqual(out, "1/3,2/3,3/3")
        XCTAssertEqual(try render("{% for x in [] %}x{% else %}none{% endfor %}"), "none")
    }

    func testLoopFilterCountsOnlyKeptItems() throws {
        XCTAssertEqual(try render("{% for x in [1,2,3,4] if x is even %}{{ loop.index }}:{{ x }} {% endfor %}"), "1:2 2:4 ")
    }

    func testDictItemsUnpackAndCycle() throws {
        let vars: [String: Value] = ["d": .dict(["a": .int(1), "b": .int(2)])]
        XCTAssertEqual(try render("{% for k, v in d.items() %}{{ loop.cycle('x', 'y') }}{{ k }}={{ v }};{% endfor %}", vars), "xa=1;yb=2;")
    }

    func testSetInsideLoopDoesNotLeakButNamespaceDoes() throws {
        XCTAssertEqual(try render("{% set n = 0 %}{% for x in [1,2] %}{% set n = x %}{% endfor %}{{ n }}"), "0")
        XCTAssertEqual(try render("{% set ns = namespace(n=0) %}{% for x in [1,2] %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}"), "3")
    }

    func testBlockSetCapturesText() throws {
        XCTAssertEqual(try render("{% set body %}hi {{ 1 + 1 }}{% endset %}[{{ body }}]"), "[hi 2]")
    }

    func testMacroDefaultsVarargsKwargsAndCaller() throws {
        let src = """
        {% macro tag(name, cls='x') %}<{{ name }} class="{{ cls }}">{{ caller() if caller is defined else '' }}{{ varargs | length if false else '' }}</{{ name }}>{% endmacro %}
        {{ tag('p') }}|{% call tag('div', cls='y') %}inner{% endcall %}
        """
        XCTAssertEqual(try render(src), "<p class=\"x\"></p>|<div class=\"y\">inner</div>")
    }

    func testMacroWithTooManyArgumentsIsATypeError() {
        XCTAssertThrowsError(try render("{% macro f(a) %}{% endmacro %}{{ f(1, 2) }}")) { error in
            XCTAssertEqual((error as! TemplateError).kind, .type)
        }
    }

    func testIncludeSeesContextAndImportExportsMacros() throws {
        let templates = ["part.j2": "[{{ who }}]", "lib.j2": "{% macro hi(n) %}hi {{ n }}{% endmacro %}"]
        XCTAssertEqual(try render("{% set who = 'me' %}{% include 'part.j2' %}", templates: templates), "[me]")
        XCTAssertEqual(try render("{% import 'lib.j2' as lib %}{{ lib.hi('a') }}", templates: templates), "hi a")
        XCTAssertEqual(try render("{% from 'lib.j2' import hi as h %}{{ h('b') }}", templates: templates), "hi b")
    }

    func testExtendsWithBlocksAndSuper() throws {
        let templates = ["base.j2": "<{% block body %}base{% endblock %}>"]
        XCTAssertEqual(try render("{% extends 'base.j2' %}{% block body %}child+{{ super() }}{% endblock %}", templates: templates), "<child+base>")
    }

    func testMissingIncludeIsALoaderErrorAtTheIncludeLine() {
        XCTAssertThrowsError(try render("a\n{% include 'gone.j2' %}")) { error in
            let e = error as! TemplateError
            XCTAssertEqual(e.kind, .loader)
            XCTAssertEqual(e.templateName, "main.j2")
            XCTAssertEqual(e.line, 2)
        }
    }

    func testRenderValueReturnsNativeTypesForASingleExpression() throws {
        let env = Environment()
        let scope = ["xs": Value.list([.int(1), .int(2)])]
        XCTAssertEqual(try env.compile("{{ xs }}").renderValue(DictScope(scope)), .list([.int(1), .int(2)]))
        XCTAssertEqual(try env.compile("n={{ xs[0] }}").renderValue(DictScope(scope)), .string("n=1"))
    }

    struct DictScope: VariableScope {
        let vars: [String: Value]
        init(_ vars: [String: Value]) { self.vars = vars }
        func value(named name: String) throws -> Value? { vars[name] }
    }
}

/// Less common statements that real templates still use.
final class EngineAdvancedStatementTests: XCTestCase {
    func render(_ source: String, _ vars: [String: Value] = [:], templates: [String: String] = [:]) throws -> String {
        let env = Environment(loader: EngineStatementTests.Loader(templates: templates))
        return try env.compile(source, name: "main.j2").render(vars)
    }

    func testRecursiveLoopRendersATree() throws {
        let tree: Value = .list([
            .dict(["n": .string("a"), "c": .list([.dict(["n": .string("b"), "c": .list([])])])]),
            .dict(["n": .string("d"), "c": .list([])]),
        ])
        XCTAssertEqual(try render("{% for i in tree recursive %}{{ i.n }}{% if i.c %}({{ loop(i.c) }}){% endif %}{% endfor %}", ["tree": tree]), "a(b)d")
    }

    func testSelfRepeatsABlock() throws {
        XCTAssertEqual(try render("{% block t %}T{% endblock %}-{{ self.t() }}"), "T-T")
    }

    func testInlineIfWithoutElseIsUndefinedButPrintsNothing() throws {
        XCTAssertEqual(try render("[{{ 'x' if false }}]{{ ('x' if false) is defined }}"), "[]False")
    }

    func testMacroKwargsKeepCallOrder() throws {
        XCTAssertEqual(try render("{% macro f() %}{{ kwargs }}{% endmacro %}{{ f(b=1, a=2) }}"), "{'b': 1, 'a': 2}")
    }

    func testBreakAndContinue() throws {
        XCTAssertEqual(try render("{% for x in [1,2,3,4] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"), "13")
    }

    func testUnknownFilterFailsAtCompileTimeUnlessGuardedByIf() throws {
        let env = Environment()
        XCTAssertThrowsError(try env.compile("a\n{% for x in [] %}{{ x | nope }}{% endfor %}", name: "t.j2")) { error in
            let e = error as! TemplateError
            XCTAssertEqual(e.kind, .syntax)
            XCTAssertEqual(e.line, 2)
            XCTAssertEqual(e.message, "No filter named 'nope'.")
        }
        XCTAssertEqual(try env.compile("{% if false %}{{ 1 | nope }}{% endif %}ok").render([:]), "ok")
    }

    func testOneTemplateRendersConcurrently() throws {
        let env = Environment()
        let template = try env.compile("{% macro m(x) %}<{{ x }}>{% endmacro %}{% for i in range(n) %}{{ m(i) }}{% endfor %}")
        let results = UnsafeMutableBufferPointer<String>.allocate(capacity: 8)
        results.initialize(repeating: "")
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            results[i] = (try? template.render(["n": .int(i)])) ?? "error"
        }
        for i in 0..<8 {
            XCTAssertEqual(results[i], (0..<i).map { "<\($0)>" }.joined())
        }
    }
}

extension EngineAdvancedStatementTests {
    func testAnEnvironmentWithCachedTemplatesIsFreed() throws {
        weak var released: Environment?
        do {
            let env = Environment(loader: EngineStatementTests.Loader(templates: ["a.j2": "x"]))
            released = env
            XCTAssertEqual(try env.template(named: "a.j2").render([:]), "x")
            XCTAssertEqual(try env.template(named: "a.j2").render([:]), "x")
        }
        XCTAssertNil(released)
    }
}

extension EngineAdvancedStatementTests {
    func testRenderingMacrosLeavesNothingBehind() throws {
        weak var released: Environment?
        do {
            let env = Environment(loader: EngineStatementTests.Loader(templates: ["lib.j2": "{% macro m() %}m{% endmacro %}"]))
            released = env
            let out = try env.compile("{% import 'lib.j2' as lib %}{% macro own() %}o{% endmacro %}{{ lib.m() }}{{ own() }}{% call own() %}{% endcall %}").render([:])
            XCTAssertEqual(out, "moo")
        }
        XCTAssertNil(released)
    }
}
