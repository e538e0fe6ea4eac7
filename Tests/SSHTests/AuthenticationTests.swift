import Foundation
import XCTest
@testable import SSH

/// Logging in: ssh-agent, passphrase-protected keys, RSA keys, and what a failed login says.
final class AuthenticationTests: XCTestCase {
    private var savedEnvironment: [String: String?] = [:]

    private func setEnvironment(_ name: String, _ value: String?) {
        if savedEnvironment[name] == nil {
            savedEnvironment[name] = .some(ProcessInfo.processInfo.environment[name])
        }
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }

    override func tearDown() {
        for (name, value) in savedEnvironment {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
        savedEnvironment = [:]
        super.tearDown()
    }

    private func options(keys: [String]) -> SSHConnectOptions {
        var options = TestHost.options()
        options.identityFiles = keys
        return options
    }

    func testTheAgentsKeyLogsIn() async throws {
        try TestHost.requireUp()
        let scratch = try ScratchDirectory()
        let socket = scratch.path + "/agent.sock"
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-agent")
        agent.arguments = ["-D", "-a", socket]
        agent.standardOutput = FileHandle.nullDevice
        agent.standardError = FileHandle.nullDevice
        try agent.run()
        // SIGKILL: the test process's blocked signals (SIGTERM among them) are inherited by the agent.
        defer { kill(agent.processIdentifier, SIGKILL) }
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: socket) { usleep(10_000) }
        try shell(["ssh-add", "-q", TestHost.clientKey], environment: ["SSH_AUTH_SOCK": socket])
        setEnvironment("SSH_AUTH_SOCK", socket)

        var options = TestHost.options()
        options.identityFiles = [scratch.path + "/no-such-key"]  // only the agent can log in
        options.identitiesOnly = false
        options.useAgent = true
        let session = try await SSHSession.connect(options)
        let result = try await session.run("echo agent")
        XCTAssertEqual(result.out, "agent\n")
        await session.close()
    }

    func testAPassphraseProtectedKeyLogsInWithThePassphraseFromTheEnvironment() async throws {
        try TestHost.requireUp()
        let passphrase = try String(contentsOfFile: TestHost.directory + "/client/passphrase", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        setEnvironment(PassphraseSource.environmentVariable, passphrase)
        let session = try await SSHSession.connect(options(keys: [TestHost.directory + "/client/id_ed25519_encrypted"]))
        let result = try await session.run("echo unlocked")
        XCTAssertEqual(result.out, "unlocked\n")
        await session.close()
    }

    func testAWrongPassphraseIsReportedAsSuch() async throws {
        try TestHost.requireUp()
        setEnvironment(PassphraseSource.environmentVariable, "not the passphrase")
        let key = TestHost.directory + "/client/id_ed25519_encrypted"
        let error = await expectSSHError(.authentication) { try await SSHSession.connect(self.options(keys: [key])) }
        XCTAssertTrue(error?.message.contains("passphrase") ?? false, "\(String(describing: error))")
        XCTAssertTrue(error?.message.contains(key) ?? false, "\(String(describing: error))")
    }

    func testAPassphraseProtectedKeyWithoutPassphraseOrTerminalSaysWhatToSet() async throws {
        try TestHost.requireUp()
        try XCTSkipIf(isatty(STDIN_FILENO) == 1, "stdin is a terminal here: deckhand would prompt")
        setEnvironment(PassphraseSource.environmentVariable, nil)
        let error = await expectSSHError(.authentication) {
            try await SSHSession.connect(self.options(keys: [TestHost.directory + "/client/id_ed25519_encrypted"]))
        }
        XCTAssertTrue(error?.message.contains(PassphraseSource.environmentVariable) ?? false, "\(String(describing: error))")
        XCTAssertTrue(error?.message.contains("ssh-add") ?? false, "\(String(describing: error))")
    }

    func testAnRSAKeyIsRefusedWithTheSHA1Explanation() async throws {
        try TestHost.requireUp()
        let key = TestHost.directory + "/client/id_rsa"
        let error = await expectSSHError(.authentication) { try await SSHSession.connect(self.options(keys: [key])) }
        let message = error?.message ?? ""
        XCTAssertTrue(message.contains("SHA-1"), message)
        XCTAssertTrue(message.contains("libssh2 1.10"), message)
        XCTAssertTrue(message.contains("ssh-keygen -t ed25519"), message)
        XCTAssertTrue(message.contains(key), message)
    }

    func testAFailedLoginNamesTheUserTheServersMethodsAndTheKeysTried() async throws {
        try TestHost.requireUp()
        let scratch = try ScratchDirectory()
        let stranger = scratch.path + "/stranger"
        try shell(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger])
        let error = await expectSSHError(.authentication) { try await SSHSession.connect(self.options(keys: [stranger])) }
        let message = error?.message ?? ""
        XCTAssertTrue(message.contains("'deckhand'"), message)
        XCTAssertTrue(message.contains("The server offers: publickey"), message)
        XCTAssertTrue(message.contains("\(stranger) (ED25519, refused)"), message)
        XCTAssertFalse(message.contains("SHA-1"), "not an RSA problem: \(message)")
    }
}
