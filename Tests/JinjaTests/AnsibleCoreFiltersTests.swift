import XCTest
@testable import Jinja

/// ansible-core's filters deckhand lacked (its filter_core target): subelements, to_uuid, regex_findall, random
/// and the timedout test, with Ansible's results and messages.
final class AnsibleCoreFiltersTests: XCTestCase {
    let env = Environment()

    private func eval(_ source: String, _ vars: [String: Value] = [:]) throws -> Value {
        try env.compileExpression(source).evaluate(vars)
    }

    private func message(_ source: String, _ vars: [String: Value] = [:]) -> String {
        do { _ = try eval(source, vars); return "no error" } catch { return "\(error)" }
    }

    func testSubelementsPairsEachElementWithEachValueOfItsList() throws {
        let users: Value = .list([.dict(["name": .string("alice"), "groups": .list([.string("wheel"), .string("web")])])])
        XCTAssertEqual(try eval("users | subelements('groups') | map('last') | list", ["users": users]), .list([.string("wheel"), .string("web")]))
        XCTAssertEqual(try eval("(users | subelements('groups'))[0][0].name", ["users": users]), .string("alice"))
        XCTAssertEqual(try eval("users | subelements('nope', skip_missing=True)", ["users": users]), .list([]))
        XCTAssertTrue(message("True | subelements('foo')").contains("obj must be a list of dicts or a nested dict"))
        XCTAssertTrue(message("{} | subelements(17)").contains("subelements must be a list or a string"))
        XCTAssertTrue(message("users | subelements('nope')", ["users": users]).contains("could not find 'nope' key in iterated item"))
        XCTAssertTrue(message("users | subelements('name')", ["users": users]).contains("the key 'name' should point to a list, got 'alice'"))
    }

    func testBase64FiltersConvertTextInTheNamedEncoding() throws {
        XCTAssertEqual(try eval("'Café' | b64encode(encoding='utf-16-le')"), .string("QwBhAGYA6QA="))
        XCTAssertEqual(try eval("'QwBhAGYA6QA=' | b64decode(encoding='utf-16-le')"), .string("Café"))
        XCTAssertEqual(try eval("'Q2Fm6SBF8WU=' | b64decode(encoding='latin-1')"), .string("Café Eñe"))
        XCTAssertEqual(try eval("'-__-' | b64decode(encoding='latin-1', urlsafe=True) | b64encode(encoding='latin-1', urlsafe=True)"), .string("-__-"))
        // Latin-1 bytes read as UTF-8: each invalid byte becomes U+FFFD instead of failing the task.
        XCTAssertEqual(try eval("'Q2Fm6SBF8WU=' | b64decode"), .string("Caf\u{FFFD} E\u{FFFD}e"))
        XCTAssertTrue(message("'QQ==' | b64decode(encoding='no-such-codec')").hasSuffix("unknown encoding: no-such-codec"))
    }

    func testBuiltinFiltersAndTestsAnswerToTheirCollectionNames() throws {
        // ansible-playbook 2.21 prints "ABC [1, 3] 5 True True cb" and "False True True d [3]" for these.
        XCTAssertEqual(try env.compile("{{ 'abc' | ansible.builtin.upper }} {{ [3,1] | ansible.builtin.sort }} "
            + "{{ x | ansible.builtin.default(5) }} {{ 'a' is ansible.builtin.string }} {{ 'a' is ansible.builtin.match('a') }} "
            + "{{ 'ab' | ansible.legacy.regex_replace('a','c') }}").render([:]), "ABC [1, 3] 5 True True cb")
        XCTAssertEqual(try env.compile("{{ x is ansible.builtin.defined }} {{ x is ansible.builtin.undefined }} "
            + "{{ [1] is ansible.builtin.iterable }} {{ x | ansible.builtin.d('d') }} "
            + "{{ [x] | map('ansible.builtin.default', 3) | list }}").render([:]), "False True True d [3]")
        XCTAssertTrue(message("'a' | community.general.nothere").contains("No filter named 'community.general.nothere'"))
        XCTAssertTrue(message("'a' | ansible.builtin.nothere").contains("No filter named 'ansible.builtin.nothere'"))
    }

    func testToUUIDIsAnsiblesVersion5UUID() throws {
        XCTAssertEqual(try eval("'monkeys' | to_uuid"), .string("0d03a178-da0f-5b51-934e-cda9c76578c3"))
        XCTAssertEqual(try eval("'monkeys' | to_uuid(namespace='6ba7b810-9dad-11d1-80b4-00c04fd430c8')"),
                       .string("9283bd90-753b-5b18-bf01-3f56f47c51ca"))
        XCTAssertTrue(message("'hey' | to_uuid(namespace=22)").contains("Invalid value '22' for 'namespace'"))
    }

    func testRegexFindallIsPythonsFindall() throws {
        XCTAssertEqual(try eval("'hEllo there heLlo haha HELLO there' | regex_findall('h.... ', ignorecase=True) | length"), .int(3))
        XCTAssertEqual(try eval("'a1 b22 c' | regex_findall('[0-9]+')"), .list([.string("1"), .string("22")]))
        XCTAssertEqual(try eval("'a=1 b=2' | regex_findall('(\\w)=(\\d)')"),
                       .list([.list([.string("a"), .string("1")]), .list([.string("b"), .string("2")])]))
        XCTAssertEqual(try eval("'x1\ny2' | regex_findall('^(\\w)\\d$', multiline=True)"), .list([.string("x"), .string("y")]))
        XCTAssertEqual(try eval("'none here' | regex_findall('[0-9]')"), .list([]))
    }

    func testASeededRandomIsThePythonRandomAnsibleDraws() throws {
        // The values CPython's random.Random(seed) gives for these calls.
        XCTAssertEqual(try eval("59 | random(seed='web1')"), .int(52))
        XCTAssertEqual(try eval("59 | random(seed=h)", ["h": .string("testhost")]), .int(17))
        XCTAssertEqual(try eval("1000000000000000 | random(seed=42)"), .int(125_347_071_883_677))
        XCTAssertEqual(try eval("['a', 'b', 'c', 'd', 'e'] | random(seed=0)"), .string("d"))
        XCTAssertEqual(try eval("100 | random(start=3, step=7, seed=s)", ["s": .string(String(repeating: "x", count: 100))]), .int(73))
        XCTAssertEqual(try eval("1000 | random(seed=True)"), .int(137))
        XCTAssertEqual(try eval("0 | random(10, -3, seed=-7)"), .int(4))
        XCTAssertEqual(try eval("'abcdef' | random(seed='web1')"), .string("c"))
    }

    func testAnUnseededRandomStaysInItsRange() throws {
        for _ in 0..<50 {
            guard case .int(let n) = try eval("10 | random(start=5)") else { return XCTFail("not an int") }
            XCTAssertTrue((5..<10).contains(n), "\(n)")
        }
        XCTAssertTrue(message("[1, 2] | random(start=1)").contains("start and step can only be used with integer values"))
        XCTAssertTrue(message("{} | random").contains("random can only be used on sequences and integers"))
    }

    func testTimedoutReadsThePeriodOfATimedOutResult() throws {
        XCTAssertEqual(try eval("r is timedout", ["r": .dict(["failed": .bool(true), "timedout": .dict(["period": .int(1)])])]), .bool(true))
        XCTAssertEqual(try eval("r is timedout", ["r": .dict(["failed": .bool(true)])]), .bool(false))
        XCTAssertEqual(try eval("r is not timedout", ["r": .dict(["timedout": .dict(["period": .int(0)])])]), .bool(true))
        XCTAssertThrowsError(try eval("'x' is timedout"))
    }
}
