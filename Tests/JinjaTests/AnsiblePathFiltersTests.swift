import XCTest
@testable import Jinja

/// Playbooks build controller paths with Ansible's path filters: `[a, b] | path_join`, `'$HOME/x' | expandvars`,
/// `paths | commonpath`, `pattern | fileglob`.
final class AnsiblePathFiltersTests: XCTestCase {
    let env = Environment()

    private func eval(_ source: String, _ vars: [String: Value] = [:]) throws -> Value {
        try env.compileExpression(source).evaluate(vars)
    }

    private func message(_ source: String) -> String {
        do { _ = try eval(source); return "no error" } catch { return "\(error)" }
    }

    func testExpandvarsReplacesSetVariablesOnly() {
        let environment = ["HOME": "/home/a", "APP": "shop"]
        XCTAssertEqual(PathFilters.expandVariables("$HOME/${APP}/$NOPE/${NONE}/$", environment), "/home/a/shop/$NOPE/${NONE}/$")
    }

    func testPathJoinStartsOverAtAnAbsolutePart() throws {
        XCTAssertEqual(try eval("['etc', 'app', 'x.conf'] | path_join"), .string("etc/app/x.conf"))
        XCTAssertEqual(try eval("['/srv/', 'app', '/etc', 'x'] | path_join"), .string("/etc/x"))
        XCTAssertEqual(try eval("'one' | path_join"), .string("one"))
        XCTAssertThrowsError(try eval("42 | path_join"))
    }

    func testRealpathResolvesLinks() throws {
        let folder = NSTemporaryDirectory() + "jinja-realpath-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/real", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: folder + "/real")
        let resolved = URL(fileURLWithPath: folder + "/real").resolvingSymlinksInPath().path
        XCTAssertEqual(try eval("p | realpath", ["p": .string(folder + "/link/../real")]), .string(resolved))
    }

    func testCommonpathAndFileglob() throws {
        XCTAssertEqual(try eval("['/foo/bar/foobar', '/foo/bar'] | commonpath"), .string("/foo/bar"))
        XCTAssertTrue(message("'/foo/bar' | commonpath").contains("|commonpath expects sequence, got str instead."))
        let folder = NSTemporaryDirectory() + "jinja-fileglob-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "a".write(toFile: folder + "/one.txt", atomically: true, encoding: .utf8)
        try "b".write(toFile: folder + "/two.txt", atomically: true, encoding: .utf8)
        XCTAssertEqual(try eval("(folder ~ '/*') | fileglob | map('basename') | sort | join(',')", ["folder": .string(folder)]),
                       .string("one.txt,two.txt"), "the folder sub is no regular file")
    }
}
