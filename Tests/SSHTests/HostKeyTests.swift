import Foundation
import XCTest
@testable import SSH

/// Host keys: strict refuses unknown and changed keys, accept-new records then guards, hashed lines work.
final class HostKeyTests: XCTestCase {
    private func fingerprints() throws -> [String] {
        try ["ed25519", "ecdsa"].map { type in
            let line = try shell(["ssh-keygen", "-lf", "\(TestHost.directory)/host/ssh_host_\(type)_key.pub"])
            return String(line.split(separator: " ")[1])
        }
    }

    private func options(knownHosts: String, policy: HostKeyPolicy) -> SSHConnectOptions {
        var options = TestHost.options()
        options.knownHostsFiles = [knownHosts]
        options.hostKeyPolicy = policy
        return options
    }

    func testAnUnknownHostKeyIsRefusedUnderStrictWithItsFingerprint() async throws {
        try TestHost.requireUp()
        let scratch = try ScratchDirectory()
        let knownHosts = scratch.path + "/known_hosts"
        try "".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let error = await expectSSHError(.hostKeyUnknown) {
            try await SSHSession.connect(self.options(knownHosts: knownHosts, policy: .strict))
        }
        let message = error?.message ?? ""
        XCTAssertTrue(try fingerprints().contains { message.contains($0) }, "no OpenSSH fingerprint in: \(message)")
        XCTAssertTrue(message.contains(knownHosts), message)
        XCTAssertTrue(message.contains("[127.0.0.1]:22022 "), "the line to add is missing: \(message)")
        XCTAssertEqual(try String(contentsOfFile: knownHosts, encoding: .utf8), "", "strict must not record anything")
    }

    func testAChangedHostKeyIsRefusedNamingTheLineToFix() async throws {
        try TestHost.requireUp()
        let scratch = try ScratchDirectory()
        try shell(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", scratch.path + "/impostor"])
        let impostor = try String(contentsOfFile: scratch.path + "/impostor.pub", encoding: .utf8).split(separator: " ")
        let knownHosts = scratch.path + "/known_hosts"
        try """
            # hosts of the test
            [127.0.0.2]:22022 \(impostor[0]) \(impostor[1])
            [127.0.0.1]:22022 \(impostor[0]) \(impostor[1])

            """.write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let error = await expectSSHError(.hostKeyChanged) {
            try await SSHSession.connect(self.options(knownHosts: knownHosts, policy: .strict))
        }
        let message = error?.message ?? ""
        XCTAssertTrue(message.contains("\(knownHosts):3"), "the old entry's line is not named: \(message)")
        XCTAssertTrue(message.contains("ssh-keygen -R '[127.0.0.1]:22022'"), message)
        XCTAssertTrue(message.contains(try fingerprints()[0]), "the new ED25519 fingerprint is missing: \(message)")
    }

    func testTheKeyTypeKnownHostsHoldsIsTheOneAskedFor() async throws {
        try TestHost.requireUp()
        let scratch = try ScratchDirectory()
        let lines = try String(contentsOfFile: TestHost.knownHosts, encoding: .utf8).split(separator: "\n")
        for type in ["ssh-ed25519", "ecdsa-sha2-nistp256"] {
            let knownHosts = scratch.path + "/known_hosts-" + type
            let kept = lines.filter { $0.hasPrefix("[127.0.0.1]:22022 \(type) ") }
            XCTAssertEqual(kept.count, 1)
            try (kept.joined(separator: "\n") + "\n").write(toFile: knownHosts, atomically: true, encoding: .utf8)
            let session = try await SSHSession.connect(options(knownHosts: knownHosts, policy: .strict))
            await session.close()
        }
    }

    func testHashedKnownHostsLinesAreRecognised() async throws {
        try TestHost.requireUp()
        let scratch = try ScratchDirectory()
        let knownHosts = scratch.path + "/known_hosts"
        try FileManager.default.copyItem(atPath: TestHost.knownHosts, toPath: knownHosts)
        try shell(["ssh-keygen", "-q", "-H", "-f", knownHosts])
        let text = try String(contentsOfFile: knownHosts, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("|1|"), "ssh-keygen -H did not hash the file")
        let session = try await SSHSession.connect(options(knownHosts: knownHosts, policy: .strict))
        let result = try await session.run("echo hashed")
        XCTAssertEqual(result.out, "hashed\n")
        await session.close()
    }

    func testAcceptNewRecordsAnUnknownKeyThenRefusesAChangedOne() async throws {
        try TestHost.requireUp()
        let scratch = try ScratchDirectory()
        let knownHosts = scratch.path + "/new/known_hosts"  // neither the folder nor the file exist yet
        let session = try await SSHSession.connect(options(knownHosts: knownHosts, policy: .acceptNew))
        await session.close()
        let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
        let fields = recorded.split(separator: " ")
        XCTAssertEqual(fields.first, "[127.0.0.1]:22022", recorded)
        XCTAssertEqual(recorded.filter { $0 == "\n" }.count, 1, recorded)

        // The recorded key now passes strict checking.
        let again = try await SSHSession.connect(options(knownHosts: knownHosts, policy: .strict))
        await again.close()

        // The host "changes" its key: accept-new must refuse it.
        let type = fields[1].contains("ed25519") ? "ed25519" : "ecdsa"
        try shell(["ssh-keygen", "-q", "-t", type, "-N", "", "-f", scratch.path + "/impostor"])
        let impostor = try String(contentsOfFile: scratch.path + "/impostor.pub", encoding: .utf8).split(separator: " ")
        try "[127.0.0.1]:22022 \(impostor[0]) \(impostor[1])\n".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let error = await expectSSHError(.hostKeyChanged) {
            try await SSHSession.connect(self.options(knownHosts: knownHosts, policy: .acceptNew))
        }
        XCTAssertTrue(error?.message.contains("\(knownHosts):1") ?? false, "\(String(describing: error))")
        let after = try String(contentsOfFile: knownHosts, encoding: .utf8)
        XCTAssertEqual(after.filter { $0 == "\n" }.count, 1, "accept-new must not add a changed key: \(after)")
    }

    func testCheckingOffConnectsToAnUnknownHost() async throws {
        try TestHost.requireUp()
        let scratch = try ScratchDirectory()
        let session = try await SSHSession.connect(options(knownHosts: scratch.path + "/none", policy: .off))
        let result = try await session.run("echo unchecked")
        XCTAssertEqual(result.out, "unchecked\n")
        await session.close()
    }
}
