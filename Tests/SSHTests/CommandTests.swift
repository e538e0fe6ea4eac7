import Foundation
import XCTest
@testable import SSH

/// Running commands: output streams, exit codes and signals, stdin, many commands on one session.
final class CommandTests: XCTestCase {
    func testStdoutStderrAndExitStatusAreKeptApart() async throws {
        let session = try await TestHost.connect()
        let result = try await session.run("echo out; echo err >&2; exit 3")
        XCTAssertEqual(result.out, "out\n")
        XCTAssertEqual(result.err, "err\n")
        XCTAssertEqual(result.exitStatus, 3)
        XCTAssertNil(result.exitSignal)
        await session.close()
    }

    func testACommandKilledByASignalReportsTheSignal() async throws {
        let session = try await TestHost.connect()
        let result = try await session.run("echo before; kill -TERM $$")
        XCTAssertEqual(result.out, "before\n")
        XCTAssertEqual(result.exitSignal, "TERM")
        XCTAssertEqual(result.exitStatus, 128 + 15)
        await session.close()
    }

    func testStdinIsSentThenClosed() async throws {
        let session = try await TestHost.connect()
        let input = Data((0..<300_000).map { UInt8($0 % 251) })
        let result = try await session.run("sha256sum", stdin: input)
        let local = try shell(["sh", "-c", "head -c 300000 /dev/stdin | sha256sum"], environment: nil, input: input)
        XCTAssertEqual(result.out, local)
        let empty = try await session.run("cat")
        XCTAssertEqual(empty.stdout, Data(), "a command reading stdin sees EOF at once when there is none")
        await session.close()
    }

    func testTwoHundredCommandsRunOneAfterAnotherOnOneSession() async throws {
        let session = try await TestHost.connect()
        for index in 0..<200 {
            let result = try await session.run("echo \(index)")
            XCTAssertEqual(result.out, "\(index)\n")
        }
        await session.close()
    }

    func testTwentyCommandsRunAtOnceOnOneSession() async throws {
        let session = try await TestHost.connect()
        let started = Date()
        let outputs = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<20 {
                group.addTask { (index, try await session.run("sleep 0.5; echo \(index)").out) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for index in 0..<20 { XCTAssertEqual(outputs[index], "\(index)\n") }
        // Run one after another they would take 10 s.
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        await session.close()
    }

    func testBulkDataBothWaysOnManyChannelsAtOnceStaysIntact() async throws {
        // Channels share one connection; every byte must reach its own channel, whatever the interleaving.
        let session = try await TestHost.connect()
        let random = FileHandle(forReadingAtPath: "/dev/urandom")
        let inputs = (0..<12).map { index in random?.readData(ofLength: 1_500_000 + index * 10_000) ?? Data() }
        let expected = try inputs.map { try shell(["sha256sum"], input: $0) }
        let upload = Task { try await session.run("cat > /tmp/deckhand-bulk-\(getpid())", stdin: Data(count: 8_000_000)) }
        let results = try await withThrowingTaskGroup(of: (Int, CommandResult).self) { group in
            for (index, input) in inputs.enumerated() {
                group.addTask {
                    // The input comes back on stderr, followed by its checksum.
                    (index, try await session.run("tee /dev/stderr | sha256sum >&2", stdin: input))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        let written = try await upload.value
        XCTAssertEqual(written.exitStatus, 0)
        _ = try await session.run("rm -f /tmp/deckhand-bulk-\(getpid())")
        for index in inputs.indices {
            let result = try XCTUnwrap(results[index])
            XCTAssertEqual(result.exitStatus, 0)
            XCTAssertTrue(result.stderr.prefix(inputs[index].count) == inputs[index], "channel \(index) got mixed-up bytes")
            XCTAssertEqual(String(decoding: result.stderr.dropFirst(inputs[index].count), as: UTF8.self), expected[index])
        }
        await session.close()
    }

    func testMegabytesOnStderrWhileStdoutIsReadDoNotDeadlock() async throws {
        let session = try await TestHost.connect()
        let result = try await session.run("head -c 6000000 /dev/zero >&2; echo done")
        XCTAssertEqual(result.stderr.count, 6_000_000)
        XCTAssertEqual(result.out, "done\n")
        XCTAssertEqual(result.exitStatus, 0)
        await session.close()
    }

    func testOutputIsStreamedAsItArrives() async throws {
        let session = try await TestHost.connect()
        let chunks = ChunkLog()
        let result = try await session.run("echo first; sleep 0.3; echo second >&2") { stream, data in
            chunks.add(stream, data)
        }
        XCTAssertEqual(chunks.text(.stdout), "first\n")
        XCTAssertEqual(chunks.text(.stderr), "second\n")
        XCTAssertEqual(result.out, "first\n")
        await session.close()
    }

    func testCancellingACommandReturnsAtOnceAndLeavesTheSessionUsable() async throws {
        let session = try await TestHost.connect()
        let started = Date()
        let long = Task { try await session.run("sleep 30") }
        try await Task.sleep(for: .milliseconds(200))
        long.cancel()
        do {
            _ = try await long.value
            XCTFail("a cancelled command returned a result")
        } catch is CancellationError {}
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        let next = try await session.run("echo still-here")
        XCTAssertEqual(next.out, "still-here\n")
        await session.close()
    }

    func testWorkAfterCloseFailsClearly() async throws {
        let session = try await TestHost.connect()
        await session.close()
        let error = await expectSSHError(.disconnected) { try await session.run("true") }
        XCTAssertTrue(error?.message.contains("closed") ?? false, "\(String(describing: error))")
    }
}

/// Streamed output as the callback saw it.
final class ChunkLog: @unchecked Sendable {
    private let lock = NSLock()
    private var chunks: [(SSHOutputStream, Data)] = []

    func add(_ stream: SSHOutputStream, _ data: Data) {
        lock.lock()
        chunks.append((stream, data))
        lock.unlock()
    }

    func text(_ stream: SSHOutputStream) -> String {
        lock.lock()
        defer { lock.unlock() }
        return chunks.filter { $0.0 == stream }.map { String(decoding: $0.1, as: UTF8.self) }.joined()
    }
}
