import Foundation
import XCTest
@testable import Deckhand

/// A command on the controller that leaves a child in the background (`cmd &`): as Ansible's run_command, the
/// task ends when the shell does, with what it printed, instead of waiting for the child to let go of the pipes.
final class LocalBackgroundChildTests: XCTestCase {
    func testAShellThatBackgroundsAChildReturnsWhenTheShellExits() async throws {
        let started = Date()
        let result = try await LocalConnection().run(ShellCommand.script("echo before; sleep 8 & echo after >&2"),
                                                     stdin: nil, output: nil)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the background sleep was not waited for")
        XCTAssertEqual(result.exitStatus, 0)
        XCTAssertEqual(result.stdoutText, "before\n")
        XCTAssertEqual(result.stderrText, "after\n")
    }

    func testOutputPrintedAfterAPauseBeforeTheShellExitsIsKept() async throws {
        let result = try await LocalConnection().run(ShellCommand.script("echo one; sleep 2; echo two"), stdin: nil, output: nil)
        XCTAssertEqual(result.stdoutText, "one\ntwo\n")
    }
}
