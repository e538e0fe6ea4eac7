import Foundation
import XCTest

/// `deckhand logs tail` against the provisioned host, read-only: a request to the site shows up in the stream
/// with its log in front, and following stops without leaving a `tail` behind on the host.
extension WebHostVerbTests {
    func testLogsTailShowsARequestToTheSiteAsPrefixedNginxAndGunicornLines() throws {
        let marker = "logs-tail-\(UUID().uuidString.prefix(8))"
        XCTAssertEqual(try host.site("/?\(marker)").status, 200)

        // nginx and supervisord write within moments; a busy machine may need a second try.
        var tail = try host.deckhand(["logs", "tail", "test", "-n", "50"])
        let deadline = Date().addingTimeInterval(10)
        while !(tail.stdout.contains("nginx-access | ") && tail.stdout.contains("gunicorn     | ")
                && tail.stdout.components(separatedBy: marker).count > 2), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.5)
            tail = try host.deckhand(["logs", "tail", "test", "-n", "50"])
        }
        XCTAssertEqual(tail.status, 0, "\(tail)")
        let lines = tail.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("nginx-access | ") && $0.contains("GET /?\(marker) ") },
                      "nginx's access log line of the request, prefixed:\n\(tail.stdout)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("gunicorn     | ") && $0.contains("GET /?\(marker) ") },
                      "gunicorn's line of the request, prefixed and aligned:\n\(tail.stdout)")
        XCTAssertTrue(lines.allSatisfy { $0.count > 13 && $0.dropFirst(12).hasPrefix(" | ") },
                      "every line starts with its log, the '|' in one column:\n\(tail.stdout)")

        let nginxOnly = try host.deckhand(["logs", "tail", "test", "-n", "50", "--service", "nginx"])
        XCTAssertEqual(nginxOnly.status, 0, "\(nginxOnly)")
        let sources = Set(nginxOnly.stdout.split(separator: "\n").map { String($0.prefix { $0 != " " }) })
        XCTAssertTrue(sources.isSubset(of: ["nginx-access", "nginx-error"]),
                      "--service nginx shows nginx's logs only: \(sources.sorted())\n\(nginxOnly.stdout)")
        XCTAssertTrue(nginxOnly.stdout.contains(marker), nginxOnly.stdout)
    }

    func testLogsTailFollowShowsANewRequestAndCtrlCLeavesNoTailOnTheHost() throws {
        let before = remoteTails()
        let follow = try FollowingTail(host: host, arguments: ["logs", "tail", "test", "-f", "-n", "0", "--service", "nginx"])
        defer { follow.kill() }
        let ours = try waitForNewRemoteTails(besides: before)

        let marker = "logs-tail-f-\(UUID().uuidString.prefix(8))"
        XCTAssertEqual(try host.site("/?\(marker)").status, 200)
        XCTAssertTrue(follow.waitForOutput { $0.contains { $0.hasPrefix("nginx-access | ") && $0.contains("GET /?\(marker) ") } },
                      "the new request appears while following:\n\(follow.output)")

        follow.interrupt()
        XCTAssertEqual(follow.waitForExit(), 0, "Ctrl-C is how -f ends: exit 0\n\(follow.output)\n\(follow.errors)")
        XCTAssertTrue(waitUntil { remoteTails().isDisjoint(with: ours) },
                      "no tail of ours left on the host: \(remoteTails().intersection(ours))")
    }

    func testLogsTailFollowKilledOutrightStillLeavesNoTailOnTheHost() throws {
        // The connection drops without a goodbye (kill -9, a laptop closed): the remote side ends by itself.
        let before = remoteTails()
        let follow = try FollowingTail(host: host, arguments: ["logs", "tail", "test", "-f", "-n", "1", "--service", "gunicorn"])
        let ours = try waitForNewRemoteTails(besides: before)
        follow.kill()
        XCTAssertTrue(waitUntil { remoteTails().isDisjoint(with: ours) },
                      "no tail of ours left on the host: \(remoteTails().intersection(ours))")
    }

    // MARK: Helpers

    /// The pids of the host's `tail` processes following this site's logs (the loopback host is this machine).
    private func remoteTails() -> Set<Int32> {
        let pgrep = try? Output.run(URL(fileURLWithPath: "/usr/bin/pgrep"),
                                    ["-f", "^tail -v -n [0-9]+ -F -- \(host.appDirectory)/logs/"], in: "/")
        return Set((pgrep?.stdout ?? "").split(separator: "\n").compactMap { Int32($0) })
    }

    private func waitForNewRemoteTails(besides before: Set<Int32>, file: StaticString = #filePath,
                                       line: UInt = #line) throws -> Set<Int32> {
        var ours: Set<Int32> = []
        _ = waitUntil {
            ours = remoteTails().subtracting(before)
            return !ours.isEmpty
        }
        return try XCTUnwrap(ours.isEmpty ? nil : ours, "the remote tail never started", file: file, line: line)
    }

    private func waitUntil(seconds: TimeInterval = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return condition()
    }
}

/// `deckhand logs tail -f` running in the background, its output collected as it arrives.
private final class FollowingTail: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var stdout = Data()
    private var stderr = Data()

    init(host: WebHost, arguments: [String]) throws {
        process.executableURL = try WebHost.binary()
        process.arguments = ["-F", host.testhost + "/ssh_config"] + arguments + ["-e", "@" + host.varsFile]
        process.currentDirectoryURL = URL(fileURLWithPath: host.operations)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.lock.withLock { self?.stdout.append(data) }
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.lock.withLock { self?.stderr.append(data) }
        }
        try process.run()
    }

    var output: String { lock.withLock { String(decoding: stdout, as: UTF8.self) } }
    var errors: String { lock.withLock { String(decoding: stderr, as: UTF8.self) } }

    func waitForOutput(seconds: TimeInterval = 10, _ condition: ([String]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if condition(output.split(separator: "\n").map(String.init)) { return true }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < deadline
        return false
    }

    /// What Ctrl-C in the terminal sends.
    func interrupt() { process.interrupt() }

    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The exit status, or nil when it had not ended after `seconds`.
    func waitForExit(seconds: TimeInterval = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        return process.isRunning ? nil : process.terminationStatus
    }
}
