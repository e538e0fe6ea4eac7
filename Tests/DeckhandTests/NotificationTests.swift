import Deckhand
import Foundation
import XCTest

/// `notify:` in deckhand.yml and what a notification says: the JSON a webhook gets, the DECKHAND_* variables
/// the command gets, and a failed delivery reported, never thrown.
final class NotificationTests: XCTestCase {
    private let notice = DeckhandNotice(
        stage: "production", action: "deploy", ref: "v2", commit: "31732d4", release: "20261203T091500Z-v2",
        performer: "alice@laptop", duration: 23.46, outcome: "ok", message: "ship \"it\" <now>")

    func testTheWebhookGetsOneJSONObjectWithEveryField() throws {
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: notice.json) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["stage", "action", "ref", "commit", "release", "performer", "duration",
                                          "outcome", "message"])
        XCTAssertEqual(object["stage"] as? String, "production")
        XCTAssertEqual(object["action"] as? String, "deploy")
        XCTAssertEqual(object["release"] as? String, "20261203T091500Z-v2")
        XCTAssertEqual(object["performer"] as? String, "alice@laptop")
        XCTAssertEqual(object["duration"] as? Double, 23.5)
        XCTAssertEqual(object["outcome"] as? String, "ok")
        XCTAssertEqual(object["message"] as? String, "ship \"it\" <now>", "the message arrives as typed")
    }

    func testTheCommandGetsTheSameValuesInItsEnvironment() {
        let environment = notice.environment
        XCTAssertEqual(environment["DECKHAND_STAGE"], "production")
        XCTAssertEqual(environment["DECKHAND_ACTION"], "deploy")
        XCTAssertEqual(environment["DECKHAND_COMMIT"], "31732d4")
        XCTAssertEqual(environment["DECKHAND_DURATION"], "23.5")
        XCTAssertEqual(environment["DECKHAND_MESSAGE"], "ship \"it\" <now>")
        XCTAssertEqual(environment.count, 9)
    }

    func testTheCommandRunsInTheFolderOfDeckhandYmlAndAFailedWebhookIsReportedWithoutItsToken() async throws {
        let folder = NSTemporaryDirectory() + "deckhand-notify-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let settings = NotifySettings(
            webhooks: [URL(string: "http://127.0.0.1:1/hooks?token=s3cret")!],
            command: #"printf '%s|%s|%s\n' "$DECKHAND_ACTION" "$DECKHAND_MESSAGE" "$PWD" > notified.txt"#,
            directory: folder)
        let failures = await Notifier(settings: settings).send(notice)
        XCTAssertEqual(failures.count, 1, "\(failures)")
        XCTAssertTrue(failures.first?.hasPrefix("webhook http://127.0.0.1:1: ") ?? false, "\(failures)")
        XCTAssertFalse(failures.joined().contains("s3cret"), "a webhook's token is never printed: \(failures)")
        let written = try String(contentsOfFile: folder + "/notified.txt", encoding: .utf8)
        XCTAssertEqual(written, "deploy|ship \"it\" <now>|\(folder)\n")
    }

    func testAFailingCommandIsReportedWithItsStatus() async {
        let settings = NotifySettings(command: "exit 3", directory: NSTemporaryDirectory())
        let failures = await Notifier(settings: settings).send(notice)
        XCTAssertEqual(failures, ["notify command 'exit 3' exited with status 3"])
    }

    func testNotifyInDeckhandYmlIsReadAndAStageReplacesTheDefaults() throws {
        let config = try StageConfig.parse("""
            defaults:
              notify:
                webhooks: https://hooks.example.com/all
            stages:
              test:
                host: t.example.com
                domain: t.example.com
              production:
                host: p.example.com
                domain: p.example.com
                notify:
                  webhooks: [https://hooks.example.com/prod, "http://127.0.0.1:9000/x"]
                  command: ./announce.sh
            """, path: "/ops/deckhand.yml")
        let test = try XCTUnwrap(try config.stage("test").notify)
        XCTAssertEqual(test.webhooks.map(\.absoluteString), ["https://hooks.example.com/all"])
        XCTAssertNil(test.command)
        let production = try XCTUnwrap(try config.stage("production").notify)
        XCTAssertEqual(production.webhooks.count, 2)
        XCTAssertEqual(production.command, "./announce.sh")
        XCTAssertEqual(production.directory, "/ops")
        XCTAssertNil(try config.stage("production").variables["notify"], "notify is no playbook variable")
    }

    func testAWrongNotifyIsReportedWithItsLine() {
        let text = """
            stages:
              test:
                host: t.example.com
                domain: t.example.com
                notify:
                  webhooks: [file:///etc/passwd, "not a url"]
                  comand: ./x
            """
        XCTAssertThrowsError(try StageConfig.parse(text, path: "/ops/deckhand.yml")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("/ops/deckhand.yml:6"), message)
            XCTAssertTrue(message.contains("http:// or https:// URL"), message)
            XCTAssertTrue(message.contains("unknown key 'comand'"), message)
            XCTAssertTrue(message.contains("command"), "did you mean: \(message)")
        }
    }
}
