import Foundation
import XCTest
@testable import SSH

/// Doctored known_hosts files against the test host: host key checking fails closed.
final class KnownHostsTrustTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws {
        try TestHost.requireUp()
        scratch = try ScratchDirectory()
    }

    /// The test host's real entries, as known_hosts lines.
    private func realLines() throws -> [String] {
        try String(contentsOfFile: TestHost.knownHosts, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("[127.0.0.1]:22022 ") }
    }

    /// Entries for the test host with keys it does not have, one per type it offers.
    private func impostorLines() throws -> [String] {
        try ["ed25519", "ecdsa"].map { type in
            let key = scratch.path + "/impostor-" + type
            try shell(["ssh-keygen", "-q", "-t", type, "-N", "", "-f", key])
            let fields = try String(contentsOfFile: key + ".pub", encoding: .utf8).split(separator: " ")
            return "[127.0.0.1]:22022 \(fields[0]) \(fields[1])"
        }
    }

    private func write(_ name: String, _ lines: [Data]) throws -> String {
        let path = scratch.path + "/" + name
        var data = Data()
        for line in lines { data += line + Data([10]) }
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    private func options(user: String, global: [String] = [], policy: HostKeyPolicy) -> SSHConnectOptions {
        var options = TestHost.options()
        options.knownHostsFiles = [user]
        options.globalKnownHostsFiles = global
        options.hostKeyPolicy = policy
        return options
    }

    private let notUTF8 = Data([0x68, 0x6f, 0x73, 0x74, 0x20, 0xff, 0xfe, 0x20, 0xc3, 0x28])

    func testALineThatIsNotUTF8DoesNotHideAChangedKeyFromAcceptNew() async throws {
        let knownHosts = try write("known_hosts", [notUTF8] + impostorLines().map { Data($0.utf8) })
        let before = try Data(contentsOf: URL(fileURLWithPath: knownHosts))
        let error = await expectSSHError(.hostKeyChanged) {
            try await SSHSession.connect(self.options(user: knownHosts, policy: .acceptNew))
        }
        let message = error?.message ?? ""
        XCTAssertTrue(message.contains("\(knownHosts):2") || message.contains("\(knownHosts):3"), "the impostor's line: \(message)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: knownHosts)), before, "accept-new recorded a changed key")
    }

    func testBadLinesAreSkippedAndTheRestOfTheFileIsRead() async throws {
        let lines = [notUTF8, Data("not a known_hosts line".utf8), Data("[127.0.0.1]:22022 ssh-unknown AAAA".utf8)]
            + (try realLines()).map { Data($0.utf8) }
        let knownHosts = try write("known_hosts", lines)
        let session = try await SSHSession.connect(options(user: knownHosts, policy: .strict))
        await session.close()
    }

    func testARevokedKeyIsRefusedUnderEveryPolicy() async throws {
        let revoked = try realLines().map { "@revoked " + $0 }
        let knownHosts = try write("known_hosts", (try realLines() + revoked).map { Data($0.utf8) })
        for policy in [HostKeyPolicy.strict, .acceptNew, .off] {
            let error = await expectSSHError(.hostKeyChanged) {
                try await SSHSession.connect(self.options(user: knownHosts, policy: policy))
            }
            XCTAssertTrue(error?.message.contains("REVOKED") ?? false, "\(policy): \(String(describing: error))")
        }
    }

    func testTheGlobalKnownHostsFilesAreReadAndNeverWritten() async throws {
        let user = try write("known_hosts", [])
        let global = try write("ssh_known_hosts", (try realLines()).map { Data($0.utf8) })
        let session = try await SSHSession.connect(options(user: user, global: [global], policy: .strict))
        await session.close()

        let changed = try write("ssh_known_hosts_changed", (try impostorLines()).map { Data($0.utf8) })
        let error = await expectSSHError(.hostKeyChanged) {
            try await SSHSession.connect(self.options(user: user, global: [changed], policy: .acceptNew))
        }
        XCTAssertTrue(error?.message.contains("\(changed):") ?? false, "\(String(describing: error))")
        XCTAssertEqual(try String(contentsOfFile: user, encoding: .utf8), "", "accept-new recorded a key the global file contradicts")
    }

    func testAnSSHConfigKeepsTheGlobalFilesOrNamesItsOwn() throws {
        let environment = SSHConfigEnvironment(homeDirectory: scratch.path, localUser: "alice", userID: 1000,
                                               localHostName: "laptop", fileExists: { _ in false },
                                               homeDirectoryOfUser: { _ in nil })
        let plain = try SSHConfig(text: "Host web\n  HostName 10.0.0.1\n", file: scratch.path + "/config", environment: environment)
        XCTAssertEqual(try plain.resolve("web").globalKnownHostsFiles, ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"])
        let own = try SSHConfig(text: "Host web\n  GlobalKnownHostsFile /etc/ops/known_%h ~/fleet\n", file: scratch.path + "/config",
                                environment: environment)
        XCTAssertEqual(try own.resolve("web").globalKnownHostsFiles, ["/etc/ops/known_web", scratch.path + "/fleet"])
        let none = try SSHConfig(text: "GlobalKnownHostsFile none\n", file: scratch.path + "/config", environment: environment)
        XCTAssertEqual(try none.resolve("web").globalKnownHostsFiles, [])
    }
}
