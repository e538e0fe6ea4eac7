import XCTest
@testable import Jinja

/// String filters whose Python semantics are easy to get subtly wrong; expected values come from CPython.
final class FilterTextTests: XCTestCase {
    private func apply(_ name: String, _ value: Value, _ args: [Value] = [], _ kwargs: [String: Value] = [:]) throws -> Value {
        let filter = try XCTUnwrap(PureFilters.all[name], "no filter \(name)")
        return try filter(value, args, kwargs)
    }

    func testPercentFormatFollowsPythonFlagsWidthsAndPrecision() throws {
        XCTAssertEqual(try PercentFormat.format("%-8s|%+05d|%.3e|%#x|%5.1f%%",
                                                .tuple([.string("ab"), .int(42), .double(1234.5), .int(255), .double(99.95)])),
                       "ab      |+0042|1.234e+03|0xff|100.0%")
        XCTAssertEqual(try PercentFormat.format("%(name)s=%(n)03d", .dict(["name": .string("w"), "n": .int(7)])), "w=007")
        XCTAssertThrowsError(try PercentFormat.format("%s %s", .tuple([.string("one")])))
        XCTAssertThrowsError(try PercentFormat.format("%d", .tuple([.string("x")])))
    }

    func testRoundIsPythonsHalfToEvenOnTheExactBinaryValue() throws {
        XCTAssertEqual(try apply("round", .double(0.125), [.int(2)]), .double(0.12))
        XCTAssertEqual(try apply("round", .double(2.675), [.int(2)]), .double(2.67))
        XCTAssertEqual(try apply("round", .double(1.5)), .double(2.0))
        XCTAssertEqual(try apply("round", .int(42)), .int(42), "round keeps an int an int")
        XCTAssertEqual(try apply("round", .double(2.1), [.int(0), .string("ceil")]), .double(3.0))
    }

    func testIntParsesLikePythonThenFallsBack() throws {
        XCTAssertEqual(try apply("int", .string(" 0x1A "), [], ["base": .int(16)]), .int(26))
        XCTAssertEqual(try apply("int", .string("1_000")), .int(1000))
        XCTAssertEqual(try apply("int", .string("42.9")), .int(42))
        XCTAssertEqual(try apply("int", .string("twelve"), [.int(-1)]), .int(-1))
        XCTAssertEqual(try apply("int", .string("_1")), .int(0), "a leading underscore is not a number")
    }

    func testShellQuoteMatchesShlex() throws {
        XCTAssertEqual(try apply("quote", .string("it's $HOME")), .string(#"'it'"'"'s $HOME'"#))
        XCTAssertEqual(try apply("quote", .string("/srv/app-1_x.conf")), .string("/srv/app-1_x.conf"))
        XCTAssertEqual(try apply("quote", .string("")), .string("''"))
    }

    func testRegexReplaceSpeaksPythonSyntax() throws {
        XCTAssertEqual(try apply("regex_replace", .string("key=value"),
                                 [.string(#"(?P<k>\w+)=(?P<v>\w+)"#), .string(#"\g<v>:\g<k>:\1"#)]),
                       .string("value:key:key"))
        XCTAssertEqual(try apply("regex_replace", .string("a.b"), [.string(#"\.b\Z"#), .string("$0")]), .string("a$0"),
                       "ICU's $ in replacements is literal in Python")
        XCTAssertThrowsError(try apply("regex_replace", .string("x"), [.string("("), .string("y")])) { error in
            XCTAssertTrue("\(error)".contains("invalid regular expression"), "\(error)")
        }
    }

    func testTruncateLeavesFiveCharactersOfLeeway() throws {
        XCTAssertEqual(try apply("truncate", .string("hello world foo"), [.int(12)]), .string("hello world foo"))
        XCTAssertEqual(try apply("truncate", .string("hello world foo bar"), [.int(12)]), .string("hello..."))
    }

    func testIndentKeepsBlankLinesBareUnlessAsked() throws {
        XCTAssertEqual(try apply("indent", .string("a\n\nb"), [.int(2)]), .string("a\n\n  b"))
        XCTAssertEqual(try apply("indent", .string("a\n\nb"), [.int(2)], ["blank": .bool(true), "first": .bool(true)]),
                       .string("  a\n  \n  b"))
    }

    func testUndefinedInputToAPureFilterIsAnUndefinedError() throws {
        XCTAssertThrowsError(try apply("upper", .undefined(.variable("nope")))) { error in
            XCTAssertEqual((error as? TemplateError)?.kind, .undefined)
            XCTAssertTrue("\(error)".contains("nope"))
        }
    }
}
