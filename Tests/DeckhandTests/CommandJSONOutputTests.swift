import Foundation
import XCTest

/// `--output json` of the commands that run no playbook (ping, sh), against the loopback test host: one object
/// per line, the last one the outcome with the process's exit status.
final class CommandJSONOutputTests: XCTestCase {
    private func objects(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }

    private var sshConfig: [String] { ["-F", LoopbackHost.directory + "/ssh_config"] }

    func testPingSaysPerTargetWhetherItAnsweredThenTheOutcome() throws {
        try LoopbackHost.requireUp()
        let result = try DeckhandBinary.run(sshConfig + ["ping", "testhost", "deckhand@127.0.0.1:1", "--output", "json"],
                                            in: NSTemporaryDirectory())
        XCTAssertEqual(result.status, 4, result.stderr)
        let lines = try objects(result.stdout)
        XCTAssertEqual(lines.count, 3, result.stdout)
        XCTAssertEqual(lines[0]["target"] as? String, "testhost")
        XCTAssertEqual(lines[0]["ok"] as? Bool, true)
        XCTAssertNotNil(lines[0]["milliseconds"] as? Int)
        XCTAssertEqual(lines[1]["ok"] as? Bool, false)
        XCTAssertFalse((lines[1]["reason"] as? String ?? "").isEmpty, "\(lines[1])")
        XCTAssertEqual(lines[2]["event"] as? String, "outcome")
        XCTAssertEqual(lines[2]["exit_code"] as? Int, 4)
        XCTAssertEqual(lines[2]["message"] as? String, "1 ok, 1 unreachable")
    }

    func testShGivesEachOutputLineWithItsStreamAndTheCommandsStatus() throws {
        try LoopbackHost.requireUp()
        let result = try DeckhandBinary.run(sshConfig + ["sh", "testhost", "--output", "json", "--",
                                                         #"printf 'one\ntwo\033[2J\n'; echo oops >&2; printf 'no newline'; exit 3"#],
                                            in: NSTemporaryDirectory())
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertFalse(result.stdout.contains("\u{1B}"), "a host's escape stays inside the JSON string: \(result.stdout.debugDescription)")
        let lines = try objects(result.stdout)
        let stdout = lines.filter { $0["stream"] as? String == "stdout" }.compactMap { $0["line"] as? String }
        XCTAssertEqual(stdout, ["one", "two\u{1B}[2J", "no newline"])
        XCTAssertEqual(lines.filter { $0["stream"] as? String == "stderr" }.compactMap { $0["line"] as? String }, ["oops"])
        XCTAssertEqual(lines.last?["event"] as? String, "outcome")
        XCTAssertEqual(lines.last?["ok"] as? Bool, false)
        XCTAssertEqual(lines.last?["exit_code"] as? Int, 3)
    }

    func testAUsageErrorUnderJSONStillEndsWithAnOutcome() throws {
        let result = try DeckhandBinary.run(["status", "--output", "json"], in: NSTemporaryDirectory())
        XCTAssertEqual(result.status, 1, result.stderr)
        let outcome = try XCTUnwrap(try objects(result.stdout).last)
        XCTAssertEqual(outcome["ok"] as? Bool, false)
        XCTAssertEqual(outcome["exit_code"] as? Int, 1)
        XCTAssertTrue((outcome["message"] as? String ?? "").contains("stage"), "\(outcome)")
    }
}
