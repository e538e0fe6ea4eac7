import Foundation
import XCTest
@testable import SSH

/// Connecting: clear errors for refused, silent and unknown hosts; ProxyJump; many sessions at once.
final class ConnectTests: XCTestCase {
    /// A local port with nothing listening on it.
    private func closedPort() throws -> Int {
        let listener = try LocalListener(address: "127.0.0.1")
        let port = listener.port
        listener.close()
        return port
    }

    func testAConnectionRefusedSaysNothingListens() async throws {
        var options = TestHost.options()
        options.port = try closedPort()
        let error = await expectSSHError(.connectionRefused) { try await SSHSession.connect(options) }
        XCTAssertTrue(error?.message.contains("connection refused by 127.0.0.1:\(options.port)") ?? false, "\(String(describing: error))")
        XCTAssertEqual(error?.host, "127.0.0.1:\(options.port)")
    }

    func testAPortThatNeverSpeaksSSHTimesOutInTheHandshakePhase() async throws {
        // The kernel accepts the TCP connection; nobody ever sends an SSH banner.
        let listener = try LocalListener(address: "127.0.0.3")
        defer { listener.close() }
        var options = TestHost.options(address: "127.0.0.3")
        options.port = listener.port
        options.connectTimeout = .milliseconds(700)
        let started = Date()
        let error = await expectSSHError(.timeout) { try await SSHSession.connect(options) }
        XCTAssertTrue(error?.message.contains("phase: SSH handshake") ?? false, "\(String(describing: error))")
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
    }

    func testAnUnknownHostNameIsAResolveError() async throws {
        var options = TestHost.options(address: "no-such-host.invalid")
        options.connectTimeout = .seconds(5)
        let error = await expectSSHError(.resolve) { try await SSHSession.connect(options) }
        XCTAssertTrue(error?.message.contains("no-such-host.invalid") ?? false, "\(String(describing: error))")
    }

    func testProxyJumpReachesTheTargetThroughTheJumpHost() async throws {
        try TestHost.requireUp()
        var options = TestHost.options(address: "127.0.0.2")
        options.jumpHosts = [TestHost.options(address: "127.0.0.1")]
        let session = try await SSHSession.connect(options)
        // SSH_CONNECTION = client address, client port, server address, server port.
        let connection = try await session.run("echo $SSH_CONNECTION").out.split(separator: " ")
        XCTAssertEqual(connection.count, 4)
        XCTAssertEqual(connection[2], "127.0.0.2")
        // The TCP connection into the target comes from the jump host's sshd, not from this process.
        let sockets = try shell(["ss", "-tnpH", "state", "established", "( sport = :\(connection[1]) and dport = :22022 )"])
        XCTAssertTrue(sockets.contains("\"sshd\""), "the connection to 127.0.0.2 does not come from sshd: \(sockets)")
        XCTAssertFalse(sockets.contains("pid=\(getpid()),"), "the test process connected directly: \(sockets)")
        let result = try await session.run("hostname >/dev/null && echo through-the-jump")
        XCTAssertEqual(result.out, "through-the-jump\n")
        await session.close()
    }

    func testAChainOfTwoJumpHostsIsFollowedInOrder() async throws {
        try TestHost.requireUp()
        var options = TestHost.options(address: "127.0.0.1")
        options.jumpHosts = [TestHost.options(address: "127.0.0.1"), TestHost.options(address: "127.0.0.2")]
        let session = try await SSHSession.connect(options)
        // The last hop (127.0.0.2) makes the final connection, so it arrives at 127.0.0.1 from an sshd.
        let connection = try await session.run("echo $SSH_CONNECTION").out.split(separator: " ")
        let sockets = try shell(["ss", "-tnpH", "state", "established", "( sport = :\(connection[1]) and dport = :22022 )"])
        XCTAssertTrue(sockets.contains("\"sshd\""), sockets)
        let result = try await session.run("echo two-hops")
        XCTAssertEqual(result.out, "two-hops\n")
        await session.close()
    }

    func testAProxyJumpToANonListeningTargetFailsClearly() async throws {
        try TestHost.requireUp()
        var options = TestHost.options(address: "127.0.0.2")
        options.port = try closedPort()
        options.jumpHosts = [TestHost.options(address: "127.0.0.1")]
        let error = await expectSSHError(.channel) { try await SSHSession.connect(options) }
        XCTAssertTrue(error?.message.contains("the jump host 127.0.0.1:22022 could not connect to 127.0.0.2") ?? false, "\(String(describing: error))")
    }

    func testKeepalivesNoticeAHostThatStoppedAnswering() async throws {
        try TestHost.requireUp()
        var options = TestHost.options()
        options.serverAliveInterval = 1
        let session = try await SSHSession.connect(options)
        let sshdPID = try await session.run("echo $PPID").out.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = Int32(sshdPID) else { return XCTFail("no sshd pid: \(sshdPID)") }
        // An idle session stays usable across keepalives.
        try await Task.sleep(for: .milliseconds(2500))
        let alive = try await session.run("echo alive")
        XCTAssertEqual(alive.out, "alive\n")

        // The sshd serving the session freezes: keepalives go unanswered and the session gives up.
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGKILL); kill(pid, SIGCONT) }
        let started = Date()
        let error = await expectSSHError(.disconnected) { try await session.run("echo never") }
        XCTAssertTrue(error?.message.contains("keepalives") ?? false, "\(String(describing: error))")
        XCTAssertLessThan(Date().timeIntervalSince(started), 8)
        XCTAssertFalse(session.isOpen)
    }

    func testKeepalivesNoticeAHostThatFreezesDuringALongCommand() async throws {
        try TestHost.requireUp()
        var options = TestHost.options()
        options.serverAliveInterval = 1
        options.serverAliveCountMax = 2
        let session = try await SSHSession.connect(options)
        let sshdPID = try await session.run("echo $PPID").out.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = Int32(sshdPID) else { return XCTFail("no sshd pid: \(sshdPID)") }
        let long = Task { try await session.run("sleep 30") }
        try await Task.sleep(for: .milliseconds(500))
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGKILL); kill(pid, SIGCONT) }
        let started = Date()
        do {
            _ = try await long.value
            XCTFail("the command on a frozen host returned a result")
        } catch let error as SSHError {
            XCTAssertEqual(error.kind, .disconnected)
            XCTAssertTrue(error.message.contains("ServerAliveCountMax 2"), error.message)
        }
        // Two unanswered keepalives a second apart, not the 30 s of the command.
        XCTAssertLessThan(Date().timeIntervalSince(started), 6)
    }

    func testAFailingJumpHostIsNamedAsTheJumpHost() async throws {
        try TestHost.requireUp()
        var jump = TestHost.options(address: "127.0.0.1")
        jump.port = try closedPort()
        var options = TestHost.options(address: "127.0.0.2")
        options.jumpHosts = [jump]
        let error = await expectSSHError(.connectionRefused) { try await SSHSession.connect(options) }
        XCTAssertEqual(error?.host, "127.0.0.1:\(jump.port)")
        XCTAssertTrue(error?.message.hasPrefix("(jump host on the way to 127.0.0.2:22022) connection refused") ?? false, "\(String(describing: error))")
    }

    func testAHundredSessionsConnectAndRunAtOnce() async throws {
        try TestHost.requireUp()
        let outputs = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<100 {
                group.addTask {
                    var options = TestHost.options()
                    options.connectTimeout = .seconds(60)  // 100 handshakes at once load a shared 2-core machine
                    let session = try await SSHSession.connect(options)
                    let result = try await session.run("echo \(index)")
                    await session.close()
                    return result.out
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        XCTAssertEqual(outputs.count, 100)
    }
}

/// A TCP socket that listens (so connects succeed) but never accepts or answers.
final class LocalListener {
    private var descriptor: Int32
    let port: Int

    init(address: String) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = 0
        inet_pton(AF_INET, address, &socketAddress.sin_addr)
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            Glibc.close(descriptor)
            throw NSError(domain: "listener", code: Int(errno))
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: socketAddress.sin_port))
    }

    func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }

    deinit { close() }
}
