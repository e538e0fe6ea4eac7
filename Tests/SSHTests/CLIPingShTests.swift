import Foundation
import XCTest

/// The deckhand binary against the loopback test host: what a person typing `deckhand ping` / `deckhand sh` sees.
final class CLIPingShTests: XCTestCase {
    private struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private var testhost: String!
    private var sshConfig: String { testhost + "/ssh_config" }

    override func setUpWithError() throws {
        let top = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        testhost = ProcessInfo.processInfo.environment["DECKHAND_TESTHOST_DIR"] ?? top.appendingPathComponent(".testhost").path
        guard FileManager.default.fileExists(atPath: testhost + "/sshd.pid") else {
            XCTFail("the loopback test host is down (no \(testhost!)/sshd.pid): run `make testhost-up`, or set DECKHAND_TESTHOST_DIR")
            throw XCTSkip("test host down")
        }
    }

    /// The deckhand binary built beside this test bundle (DECKHAND_BIN overrides).
    private func deckhandBinary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["DECKHAND_BIN"] { return URL(fileURLWithPath: path) }
        var candidates: [URL] = []
        if let bundle = Bundle(for: CLIPingShTests.self).executableURL { candidates.append(bundle) }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("x"))
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]))
        for candidate in candidates {
            var directory = candidate.deletingLastPathComponent()
            // The bundle may be a directory (…/deckhandPackageTests.xctest/…); walk up to the build directory.
            for _ in 0..<4 {
                let binary = directory.appendingPathComponent("deckhand")
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: binary.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    return binary
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw XCTSkip("no deckhand binary beside the test bundle; build it (swift build) or set DECKHAND_BIN")
    }

    private func deckhand(_ arguments: [String], stdin: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = try deckhandBinary()
        process.arguments = arguments
        let output = Pipe(), input = Pipe()
        // stderr goes to a file and stdout to a pipe read until EOF: neither can fill up and stall the process.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("deckhand-cli-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let errors = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errors.close()
        let errorData = try Data(contentsOf: errorFile)
        return Run(status: process.terminationStatus,
                   stdout: String(decoding: outputData, as: UTF8.self),
                   stderr: String(decoding: errorData, as: UTF8.self))
    }

    func testPingOfBothTestHostAddressesSaysOKWithTheTime() throws {
        let run = try deckhand(["-F", sshConfig, "--connect-timeout", "5", "ping", "testhost", "testhost2"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, run.stdout)
        XCTAssertTrue(lines[0].range(of: #"^testhost +ok +\d+ ms$"#, options: .regularExpression) != nil, lines[0])
        XCTAssertTrue(lines[1].range(of: #"^testhost2 +ok +\d+ ms$"#, options: .regularExpression) != nil, lines[1])
        XCTAssertEqual(lines[2], "2 ok, 0 unreachable")
    }

    func testPingOfAClosedPortIsUnreachableWithTheReasonAndExit4() throws {
        let run = try deckhand(["ping", "-F", sshConfig, "--connect-timeout", "5", "testhost", "deckhand@127.0.0.1:1"])
        XCTAssertEqual(run.status, 4, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("testhost "), run.stdout)
        let unreachable = run.stdout.split(separator: "\n").first { $0.hasPrefix("deckhand@127.0.0.1:1") }.map(String.init) ?? ""
        XCTAssertTrue(unreachable.contains("unreachable"), run.stdout)
        XCTAssertTrue(unreachable.lowercased().contains("refused"), "the reason names the refused connection: \(unreachable)")
        XCTAssertTrue(run.stdout.hasSuffix("1 ok, 1 unreachable\n"), run.stdout)
    }

    func testShPassesOutputErrorsAndExitStatusThrough() throws {
        let run = try deckhand(["-F", sshConfig, "sh", "testhost", "--", "echo out; echo err >&2; id -un; exit 3"])
        XCTAssertEqual(run.status, 3)
        XCTAssertEqual(run.stdout, "out\ndeckhand\n")
        XCTAssertEqual(run.stderr, "err\n")
    }

    func testShJoinsWordsLikeSSHAndSendsStdinWhenAsked() throws {
        let words = try deckhand(["-F", sshConfig, "sh", "testhost", "--", "printf", "'%s|'", "a", "b"])
        XCTAssertEqual(words.status, 0, words.stderr)
        XCTAssertEqual(words.stdout, "a|b|")
        let piped = try deckhand(["-F", sshConfig, "sh", "--stdin", "testhost", "--", "tr a-z A-Z"], stdin: "shout\n")
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(piped.stdout, "SHOUT\n")
    }

    func testShOfACommandKilledByASignalExits128PlusItsNumber() throws {
        let run = try deckhand(["-F", sshConfig, "sh", "testhost", "--", "kill -TERM $$"])
        XCTAssertEqual(run.status, 128 + 15)
        XCTAssertTrue(run.stderr.contains("signal TERM"), run.stderr)
    }

    func testABadConfigLineIsAUsageErrorNamingFileAndLine() throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("deckhand-cli-\(UUID().uuidString)")
        try "Host web\n    Port twenty-two\n".write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }
        let run = try deckhand(["-F", config.path, "ping", "web"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "")
        XCTAssertTrue(run.stderr.hasPrefix("deckhand: \(config.path):2: Port 'twenty-two'"), run.stderr)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, "one paragraph, no stack trace: \(run.stderr)")
    }

    func testUnknownHostKeyIsRefusedUnlessCheckingIsTurnedOffWhichWarnsLoudly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("deckhand-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let emptyKnownHosts = directory.appendingPathComponent("known_hosts")
        try Data().write(to: emptyKnownHosts)
        let config = directory.appendingPathComponent("config")
        try """
            Host testhost
                HostName 127.0.0.1
                Port 22022
                User deckhand
                IdentityFile \(testhost!)/client/id_ed25519
                IdentitiesOnly yes
                UserKnownHostsFile \(emptyKnownHosts.path)
            """.write(to: config, atomically: true, encoding: .utf8)

        let strict = try deckhand(["-F", config.path, "--connect-timeout", "5", "ping", "testhost"])
        XCTAssertEqual(strict.status, 4, strict.stdout + strict.stderr)
        XCTAssertTrue(strict.stdout.contains("SHA256:"), "the refusal shows the fingerprint: \(strict.stdout)")

        let off = try deckhand(["-F", config.path, "--host-key-checking", "off", "ping", "testhost"])
        XCTAssertEqual(off.status, 0, off.stdout + off.stderr)
        XCTAssertTrue(off.stderr.lowercased().contains("warning: host key checking is off for 127.0.0.1:22022"), off.stderr)
        XCTAssertEqual(try String(contentsOf: emptyKnownHosts, encoding: .utf8), "", "off records nothing")
    }

    func testShGoesThroughTheProxyJumpOfTheSSHConfig() throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("deckhand-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: config) }
        try """
            Include \(sshConfig)
            Host inner broken-jump
                HostName 127.0.0.2
                Port 22022
                User deckhand
                IdentityFile \(testhost!)/client/id_ed25519
                IdentitiesOnly yes
                UserKnownHostsFile \(testhost!)/client/known_hosts
            Host inner
                ProxyJump testhost
            Host broken-jump
                ProxyJump deckhand@127.0.0.1:1
            """.write(to: config, atomically: true, encoding: .utf8)

        let through = try deckhand(["-F", config.path, "--connect-timeout", "5", "sh", "inner", "--", "echo $SSH_CONNECTION"])
        XCTAssertEqual(through.status, 0, through.stderr)
        XCTAssertTrue(through.stdout.hasSuffix(" 127.0.0.2 22022\n"), through.stdout)

        let broken = try deckhand(["-F", config.path, "--connect-timeout", "5", "sh", "broken-jump", "--", "true"])
        XCTAssertEqual(broken.status, 4)
        XCTAssertTrue(broken.stderr.contains("127.0.0.1:1"), "the error names the jump host that failed: \(broken.stderr)")
    }
}
