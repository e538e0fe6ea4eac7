import Foundation
import XCTest
@testable import Deckhand

/// Every word that reaches a shell survives quoting byte for byte.
final class ShellCommandTests: XCTestCase {
    static let nastyWords = [
        "plain", "with space", "it's", "\"double\"", "$(touch /tmp/pwned)", "`id`", "line\nbreak", "tab\there",
        "ünïcødé ✓", "*", "~", "a;b", "a&&b", "a|b", "back\\slash", "$HOME", "--", "-n", "", " ", "'", "''",
        "!event", "#comment", "{a,b}", "x=y",
    ]

    private func shellOutput(_ command: ShellCommand, stdin: Data? = nil) async throws -> String {
        let result = try await LocalConnection().run(command, stdin: stdin)
        XCTAssertEqual(result.exitStatus, 0, "command failed: \(command.rendered): \(result.stderrText)")
        return result.stdoutText
    }

    func testEveryNastyWordReachesTheProgramUnchanged() async throws {
        for word in Self.nastyWords {
            let output = try await shellOutput(ShellCommand("printf", "%s", word))
            XCTAssertEqual(output, word, "quoting broke \(word.debugDescription): \(ShellCommand.quote(word))")
        }
    }

    func testWordsSurviveTwoLevelsOfShell() async throws {
        // sudo/su/env wrap the command in `sh -c '...'`: quoting must nest.
        for word in Self.nastyWords {
            let nested = ShellCommand("printf", "%s", word).wrappedInShell().wrappedInShell()
            let output = try await shellOutput(nested)
            XCTAssertEqual(output, word, "nested quoting broke \(word.debugDescription)")
        }
    }

    func testSafeWordsStayReadable() {
        XCTAssertEqual(ShellCommand("ls", "-la", "/etc/nginx").rendered, "ls -la /etc/nginx")
        XCTAssertEqual(ShellCommand("echo", "it's").rendered, "echo 'it'\\''s'")
        XCTAssertEqual(ShellCommand.quote(""), "''")
    }

    func testCompositionGroupsCompoundCommands() async throws {
        let command = ShellCommand("false").and(ShellCommand("echo", "no")).or(ShellCommand("echo", "fallback"))
        XCTAssertEqual(command.rendered, "{ false && echo no; } || echo fallback")
        let output = try await shellOutput(command)
        XCTAssertEqual(output, "fallback\n")
        let piped = ShellCommand("printf", "b\\na\\n").pipe(ShellCommand("sort"))
        let sorted = try await shellOutput(piped)
        XCTAssertEqual(sorted, "a\nb\n")
    }

    func testDirectoryAndEnvironmentWrapping() async throws {
        let command = ShellCommand.script("pwd; printf '%s' \"$GREETING\"")
            .inDirectory("/tmp")
            .withEnvironment(["GREETING": "hello $(world) 'quoted'"])
        let output = try await shellOutput(command)
        XCTAssertEqual(output, "/tmp\nhello $(world) 'quoted'")
    }

    func testRedirectWritesToAPathWithSpaces() async throws {
        let directory = NSTemporaryDirectory() + "deckhand-shell-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/a file; with $(stuff)"
        _ = try await shellOutput(ShellCommand("echo", "hi").redirectingOutput(to: path))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "hi\n")
    }

    func testSudoWithoutPasswordIsNonInteractive() {
        let command = ShellCommand("id", "-u").becoming(Become(user: "root"))
        XCTAssertEqual(command.rendered, "sudo -H -n -u root -- /bin/sh -c 'id -u'")
    }

    func testSudoWithPasswordNeverPutsItOnTheCommandLine() {
        let become = Become(user: "postgres", password: "s3cret 'pw'")
        let command = ShellCommand("psql", "-c", "select 1").becoming(become)
        XCTAssertFalse(command.rendered.contains("s3cret"))
        XCTAssertTrue(command.rendered.contains("sudo -A -k -H -p '' -u postgres -- /bin/sh -c"), command.rendered)
    }

    /// A stand-in sudo that asks the askpass helper, checks the password, then runs the command.
    func testTheBecomePasswordGoesToSudoAndTheRestOfStdinToTheCommand() async throws {
        let directory = NSTemporaryDirectory() + "deckhand-sudo-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        #!/bin/sh
        pw=$("$SUDO_ASKPASS")
        test "$pw" = "pa ss'word" || { echo "wrong password: $pw" >&2; exit 1; }
        while test "$1" != "--"; do shift; done; shift
        exec "$@"
        """.write(toFile: directory + "/sudo", atomically: true, encoding: .utf8)
        chmod(directory + "/sudo", 0o755)
        let connection = LocalConnection()
        let command = ShellCommand("cat").withEnvironment([:])
        let become = Become(user: "root", password: "pa ss'word")
        let result = try await connection.run(
            ShellCommand.script("PATH=\(ShellCommand.quote(directory)):$PATH; export PATH;")
                .then(command.becoming(become)),
            stdin: Data(("pa ss'word\n" + "payload line 1\nline 2").utf8))
        XCTAssertEqual(result.stderrText, "")
        XCTAssertEqual(result.stdoutText, "payload line 1\nline 2")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSHomeDirectory()).filter { $0.hasPrefix(".deckhand-askpass") }
        XCTAssertEqual(leftovers, [], "the askpass helper is removed")
    }

    func testSuRunsThroughTheShellAsTheUser() {
        let command = ShellCommand("whoami").becoming(Become(method: .su, user: "app"))
        XCTAssertEqual(command.rendered, "su -s /bin/sh app -c whoami")
    }

    func testAtomicWriteLeavesNoTemporaryFileAndKeepsTheOldMode() async throws {
        let directory = NSTemporaryDirectory() + "deckhand-put-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/conf file 'x' $(y).txt"
        let connection = LocalConnection()
        try await connection.put(Data("first\n".utf8), to: path, mode: 0o640)
        try await connection.put(Data("ünïcødé second\n".utf8), to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o640)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "ünïcødé second\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).count, 1)
        let read = try await connection.get(path)
        XCTAssertEqual(String(decoding: read, as: UTF8.self), "ünïcødé second\n")
    }

    func testWriteIntoAMissingDirectorySaysWhatFailed() async throws {
        do {
            try await LocalConnection().put(Data("x".utf8), to: "/nonexistent-dir-\(UUID().uuidString)/file")
            XCTFail("expected an error")
        } catch let error as FileWriteError {
            XCTAssertTrue(error.description.contains("could not write"), error.description)
        }
    }

    func testAFailedValidationKeepsTheGoodFile() async throws {
        let directory = NSTemporaryDirectory() + "deckhand-validate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/nginx site.conf"
        let connection = LocalConnection()
        let check = ["grep", "-q", "server", "%s"]
        try await connection.put(FileWrite(data: Data("server {}\n".utf8), path: path, validate: check))
        do {
            try await connection.put(FileWrite(data: Data("garbage\n".utf8), path: path, validate: check))
            XCTFail("validation should have failed")
        } catch let error as FileWriteError {
            XCTAssertTrue(error.description.contains("old file was kept"), error.description)
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "server {}\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["nginx site.conf"])
    }

    func testShellWordsSplitLikeShlex() throws {
        XCTAssertEqual(try ShellWords.split("manage.py migrate --noinput"), ["manage.py", "migrate", "--noinput"])
        XCTAssertEqual(try ShellWords.split("echo 'a b' \"c \\\"d\\\"\" e\\ f"), ["echo", "a b", "c \"d\"", "e f"])
        XCTAssertThrowsError(try ShellWords.split("echo 'unterminated"))
    }

    func testShellWordsKeepABackslashInDoubleQuotesUnlessItEscapesAQuoteOrABackslashAsShlexDoes() throws {
        XCTAssertEqual(try ShellWords.split(#"echo "a\$b" "c\\d" 'e\f' g\ h '' "i\"j""#),
                       ["echo", #"a\$b"#, #"c\d"#, #"e\f"#, "g h", "", #"i"j"#])
        XCTAssertEqual(try ShellWords.split("manage.py\tcheck\n--deploy"), ["manage.py", "check", "--deploy"])
        XCTAssertThrowsError(try ShellWords.split(#"echo trailing\"#)) {
            XCTAssertTrue("\($0)".contains("backslash"), "\($0)")
        }
    }
}
