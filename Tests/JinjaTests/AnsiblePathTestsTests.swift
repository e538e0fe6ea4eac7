import XCTest
@testable import Jinja

/// A playbook includes a user's hook file only when it exists on the controller: `path is file`.
final class AnsiblePathTestsTests: XCTestCase {
    let env = Environment()

    func testPathTestsLookAtTheControllersFiles() throws {
        let folder = NSTemporaryDirectory() + "jinja-path-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/hooks", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "- debug: msg=hi\n".write(toFile: folder + "/hooks/after_switch.yml", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder + "/current", withDestinationPath: folder + "/hooks")

        let vars: [String: Value] = ["hooks": .string(folder + "/hooks")]
        func eval(_ source: String) throws -> Value { try env.compileExpression(source).evaluate(vars) }
        XCTAssertEqual(try eval("(hooks ~ '/after_switch.yml') is file"), .bool(true))
        XCTAssertEqual(try eval("(hooks ~ '/before_backup.yml') is file"), .bool(false), "a missing hook is no file")
        XCTAssertEqual(try eval("hooks is file"), .bool(false))
        XCTAssertEqual(try eval("hooks is directory"), .bool(true))
        XCTAssertEqual(try eval("(hooks ~ '/nope') is exists"), .bool(false))
        XCTAssertEqual(try eval("(hooks ~ '/after_switch.yml') is exists"), .bool(true))
        XCTAssertEqual(try env.compileExpression("p is link").evaluate(["p": .string(folder + "/current")]), .bool(true))
        XCTAssertEqual(try env.compileExpression("p is directory").evaluate(["p": .string(folder + "/current")]), .bool(true),
                       "directory follows the link, as os.path.isdir does")
        XCTAssertEqual(try eval("hooks is link"), .bool(false))
        XCTAssertEqual(try eval("'relative/x' is abs"), .bool(false))
        XCTAssertThrowsError(try eval("42 is file"), "a number is not a path")
    }

    func testExpanduserNamesTheControllersHomeFolders() throws {
        func render(_ source: String) throws -> String { try env.compile(source).render([:]) }
        let home = try XCTUnwrap(ProcessInfo.processInfo.environment["HOME"])
        XCTAssertEqual(try render("{{ '~/.ssh/known_hosts' | expanduser }}"), home + "/.ssh/known_hosts")
        XCTAssertEqual(try render("{{ '~root/x' | expanduser }}"), "/root/x")
        XCTAssertEqual(try render("{{ '/tmp/~x' | expanduser }}"), "/tmp/~x")
        XCTAssertEqual(try render("{{ '~no-such-user-here/x' | expanduser }}"), "~no-such-user-here/x")
    }
}
