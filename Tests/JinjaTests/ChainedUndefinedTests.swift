import XCTest
@testable import Jinja

/// Ansible's AnsibleUndefined: `missing.attr | default(x)` is x (a rescue reading a result that was never
/// registered); plain Jinja2 raises instead, and still does without the option.
final class ChainedUndefinedTests: XCTestCase {
    func testAnAttributeOfAnUndefinedValueIsUndefinedUnderAnsible() throws {
        let ansible = Environment(options: Options(chainsUndefined: true))
        func eval(_ source: String) throws -> Value { try ansible.compileExpression(source).evaluate(["known": .dict(["a": .int(1)])]) }
        XCTAssertEqual(try eval("deploy_checkout.stdout | default('none')"), .string("none"))
        XCTAssertEqual(try eval("deploy_state['release'].name | default('')"), .string(""))
        XCTAssertEqual(try eval("deploy_checkout.stdout is defined"), .bool(false))
        XCTAssertEqual(try eval("known.missing.deeper | default(7)"), .int(7), "a missing key of a dict chains on too")
        XCTAssertThrowsError(try ansible.compile("{{ deploy_checkout.stdout }}").render([:])) { error in
            XCTAssertTrue("\(error)".contains("deploy_checkout"), "the error names the first undefined variable: \(error)")
        }
    }

    func testAValueHoldingAnUndefinedFailsTheTemplateAsAnsiblesFinalizerDoes() throws {
        let ansible = Environment(options: Options(chainsUndefined: true))
        let things: Value = .list([.dict(["name": .string("one")]), .dict(["notname": .string("three")])])
        XCTAssertThrowsError(try ansible.compile("{{ things | map(attribute='name') | list }}").renderValue(
            DictionaryScope(variables: ["things": things]))) { error in
            XCTAssertTrue("\(error)".contains("has no attribute 'name'"), "\(error)")
        }
        XCTAssertEqual(try ansible.compile("{{ things | map(attribute='name') | select('defined') | list }}").renderValue(
            DictionaryScope(variables: ["things": things])), .list([.string("one")]), "an undefined left out is fine")
        XCTAssertEqual(try ansible.compile("{{ [1, 2 if false] | length }}").renderValue(DictionaryScope(variables: [:])),
                       .int(2), "only the finished value is checked")
    }

    func testPlainJinjaStillRaises() {
        let plain = Environment()
        XCTAssertThrowsError(try plain.compileExpression("deploy_checkout.stdout | default('none')").evaluate([:]))
    }
}
