import Foundation
import XCTest
@testable import Deckhand

/// What `sh`, `exec` and `logs tail -f` need from a connection: output as it arrives, and an end on request.
final class ConnectionStreamingTests: XCTestCase {
    private final class Chunks: @unchecked Sendable {
        private let lock = NSLock()
        private var received: [(CommandStream, String, Date)] = []
        func add(_ stream: CommandStream, _ data: Data) {
            lock.withLock { received.append((stream, String(decoding: data, as: UTF8.self), Date())) }
        }
        var all: [(CommandStream, String, Date)] { lock.withLock { received } }
    }

    private func streamsOutputAsItArrives(_ connection: Connection) async throws {
        let chunks = Chunks()
        let result = try await connection.run(.script("echo first; echo oops >&2; sleep 1; echo second"), stdin: nil,
                                              output: { chunks.add($0, $1) })
        let finished = Date()
        XCTAssertEqual(result.stdoutText, "first\nsecond\n", "the result still holds all of it")
        let first = try XCTUnwrap(chunks.all.first { $0.1.contains("first") })
        XCTAssertEqual(first.0, .stdout)
        XCTAssertGreaterThan(finished.timeIntervalSince(first.2), 0.5, "the first line came before the command ended")
        XCTAssertTrue(chunks.all.contains { $0.0 == .stderr && $0.1 == "oops\n" })
    }

    private func cancellingEndsTheCommand(_ connection: Connection, marker: String) async throws {
        let started = Date()
        // A command that keeps writing, as `tail -f` does: over SSH it ends when it next writes to the closed channel.
        let work = Task {
            try await connection.run(.script("while :; do echo tick; sleep 0.2; done # \(marker)"), stdin: nil,
                                     output: { _, _ in })
        }
        try await Task.sleep(nanoseconds: 500_000_000)
        work.cancel()
        do {
            _ = try await work.value
            XCTFail("a cancelled command throws")
        } catch is CancellationError {
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "cancelling ends the wait at once")
        // The command itself is gone too, not left running on the host (the pattern does not match itself).
        var left = true
        for _ in 0..<50 where left {
            let check = try await LocalConnection().run(.script("pgrep -f '[\(marker.prefix(1))]\(marker.dropFirst())' || true"))
            left = !check.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            if left { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        XCTAssertFalse(left, "no command of ours is left")
    }

    func testALocalCommandsOutputStreamsAndCancellingEndsIt() async throws {
        try await streamsOutputAsItArrives(LocalConnection())
        try await cancellingEndsTheCommand(LocalConnection(), marker: "deckhand-local-\(UUID().uuidString)")
    }

    func testAnSSHCommandsOutputStreamsAndCancellingEndsItOnTheHost() async throws {
        try LoopbackHost.requireUp()
        let connection = try HostConnector(settings: ConnectionSettings(sshConfigFile: LoopbackHost.directory + "/ssh_config"))
            .connection(to: "testhost")
        try await connection.connect()
        try await streamsOutputAsItArrives(connection)
        try await cancellingEndsTheCommand(connection, marker: "deckhand-ssh-\(UUID().uuidString)")
        await connection.close()
    }

    func testAnUnreachableTargetSaysWhereItFailed() async throws {
        let connection = try HostConnector().connection(to: "deckhand@127.0.0.1:1")
        do {
            try await connection.connect()
            XCTFail("nothing listens on port 1")
        } catch let error as ConnectionError {
            XCTAssertEqual(error.host, "deckhand@127.0.0.1:1")
            XCTAssertTrue(error.located.hasPrefix("127.0.0.1:1: "), error.located)
            XCTAssertTrue(error.message.lowercased().contains("refused"), error.message)
        }
    }
}
