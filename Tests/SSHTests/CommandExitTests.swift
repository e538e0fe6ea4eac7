import Foundation
import XCTest
@testable import SSH

/// A command ends when it exits, as in Ansible, even when it leaves a process running that still holds its
/// output; everything it wrote before it exited is there.
final class CommandExitTests: XCTestCase {
    func testACommandThatLeavesASleepBehindEndsWhenItExitsWithAllItsOutput() async throws {
        let session = try await TestHost.connect()
        let started = Date()
        let result = try await session.run("seq 1 50000; seq 1 20000 >&2; sleep 25 & echo \"pid $!\"; exit 3")
        let seconds = Date().timeIntervalSince(started)
        print("a command leaving `sleep 25 &` behind returned in \(String(format: "%.2f", seconds)) s")
        XCTAssertLessThan(seconds, 5, "the command did not wait for the sleep")
        let lines = result.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 50_001, "every line written before the exit arrived")
        XCTAssertEqual(lines.first, "1")
        XCTAssertEqual(lines.dropLast().last, "50000")
        XCTAssertEqual(result.err.split(separator: "\n").count, 20_000)
        XCTAssertEqual(result.exitStatus, 3)
        XCTAssertNil(result.exitSignal)
        try await stop(lines.last, on: session)
        await session.close()
    }

    func testAServerStartedWithNohupInTheBackgroundDoesNotHoldTheCommand() async throws {
        let session = try await TestHost.connect()
        let started = Date()
        let result = try await session.run("cd /tmp && nohup sleep 25 >/dev/null 2>&1 & echo \"pid $!\"")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertEqual(result.exitStatus, 0)
        try await stop(result.out.split(separator: "\n").last, on: session)
        let next = try await session.run("echo still-here")
        XCTAssertEqual(next.out, "still-here\n", "the session goes on after a channel closed early")
        await session.close()
    }

    func testOutputThatLooksLikeTheEndIsKeptAndAnExitInsideTheCommandIsItsStatus() async throws {
        let session = try await TestHost.connect()
        let result = try await session.run("printf 'deckhand-exit- 0\\n'; printf 'no newline'; exit 42")
        XCTAssertEqual(result.out, "deckhand-exit- 0\nno newline")
        XCTAssertEqual(result.exitStatus, 42)
        let chunks = ChunkLog()
        _ = try await session.run("printf 'a'; sleep 0.2; printf 'b'") { stream, data in chunks.add(stream, data) }
        XCTAssertEqual(chunks.text(.stdout), "ab", "the streamed output carries no token")
        await session.close()
    }

    func testALiveStreamIsPassedOnAtOnceNotHeldBackForTheToken() async throws {
        let session = try await TestHost.connect()
        let chunks = TimedChunks()
        let started = Date()
        _ = try await session.run("printf 'GET /health 200\\n'; sleep 1.5; printf 'deckhand-exit-'; sleep 0.5; echo done") { stream, data in
            chunks.add(String(decoding: data, as: UTF8.self), at: Date().timeIntervalSince(started))
        }
        let first = try XCTUnwrap(chunks.firstTime { $0.contains("GET /health 200") })
        XCTAssertLessThan(first, 1.2, "a whole line is passed on without waiting for more output")
        XCTAssertEqual(chunks.text, "GET /health 200\ndeckhand-exit-done\n", "a tail like the token's start is passed on later")
        await session.close()
    }

    /// Ends the background process whose pid the command printed as "pid N".
    private func stop(_ line: Substring?, on session: SSHSession) async throws {
        let pid = try XCTUnwrap(line.flatMap { Int($0.dropFirst(4)) }, "the command printed its child's pid")
        _ = try await session.run("kill \(pid)")
    }
}

/// Streamed chunks with the time each arrived.
private final class TimedChunks: @unchecked Sendable {
    private let lock = NSLock()
    private var chunks: [(String, TimeInterval)] = []

    func add(_ text: String, at time: TimeInterval) { lock.withLock { chunks.append((text, time)) } }
    var text: String { lock.withLock { chunks.map(\.0).joined() } }
    func firstTime(_ matching: (String) -> Bool) -> TimeInterval? {
        lock.withLock { chunks.first { matching($0.0) }?.1 }
    }
}
