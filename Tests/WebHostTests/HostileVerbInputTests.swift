import Foundation
import XCTest

/// Verb options as an attacker (or a careless paste) writes them: shown and stored as typed, never rendered,
/// never a shell word or SQL; refused when they cannot be a backup's or a database's name, with nothing changed.
final class HostileVerbInputTests: XCTestCase {
    private var host: WebHost!
    /// Where a command smuggled into an option would leave its mark (the host is this machine).
    private var pwned = ""

    override func setUpWithError() throws {
        host = try WebHost.require()
        pwned = "/tmp/deckhand-pwned-\(UUID().uuidString)"
    }

    override func tearDownWithError() throws {
        XCTAssertFalse(FileManager.default.fileExists(atPath: pwned), "an option's text ran as a command")
        try? FileManager.default.removeItem(atPath: pwned)
        guard let host else { return }
        if (try? host.site().status) == 503 { _ = try? host.deckhand(["maintenance", "off", "test"]) }
        host.cleanUp()
    }

    private var secretKey: String { host.vars["secret_key"] ?? "test-only-secret-key" }

    func testAMaintenanceMessageIsPublishedAsTypedWithItsHTMLEscaped() throws {
        let message = "<script>alert(1)</script> {{ secret_key }} a b'c\"d$(touch \(pwned))"
        let on = try host.deckhand(["maintenance", "on", "test", "--message", message])
        XCTAssertEqual(on.status, 0, "\(on)")
        let page = try host.site()
        XCTAssertEqual(page.status, 503)
        XCTAssertFalse(page.body.contains(secretKey), "the secret is on the public page:\n\(page.body)")
        XCTAssertFalse(page.body.contains("<script>"), page.body)
        XCTAssertTrue(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt; {{ secret_key }} a b"), page.body)
        XCTAssertTrue(page.body.contains("$(touch \(pwned))"), page.body)
    }

    func testADeployMessageGoesIntoTheHistoryAsTyped() throws {
        let message = "{{ secret_key }} $(touch \(pwned))"
        let deploy = try host.deckhand(["deploy", "test", "--message", message])
        XCTAssertEqual(deploy.status, 0, "\(deploy)")
        let last = host.historyRecords.last ?? []
        XCTAssertTrue(last.contains(message), "the history keeps the message as typed: \(last)")
        XCTAssertFalse(last.joined().contains(secretKey), "the secret went into the history: \(last)")
    }

    func testExecRunsTheWholeCommandLineAsTheAppUser() throws {
        let exec = try host.deckhand(["exec", "test", "--", "id", "-un", ";", "id", "-un", "&&", "echo", "$USER"])
        XCTAssertEqual(exec.status, 0, "\(exec)")
        XCTAssertEqual(exec.stdout, "\(host.appUser)\n\(host.appUser)\n\(host.appUser)\n", "every part ran as the app user")
    }

    func testBackupVerifyAndRestoreRefuseANameThatIsNotABackupAndChangeNothing() throws {
        let before = try dumps()
        for file in ["$(touch \(pwned))", "x; touch \(pwned)", "../../../etc/passwd", "/etc/passwd",
                     "v1_20260101T000000Z.dump/../x"] {
            for action in ["verify", "restore"] {
                let arguments = ["backup", action, "test", "--file", file] + (action == "restore" ? ["--into", "scratch"] : [])
                let refused = try host.deckhand(arguments)
                XCTAssertEqual(refused.status, 2, "\(action) --file \(file): \(refused)")
                XCTAssertTrue(refused.stdout.contains("must be the name of a backup in"), "\(action) --file \(file): \(refused.stdout)")
            }
        }
        for database in ["$(touch \(pwned))", "x\"; DROP DATABASE postgres; --", "a'b", "1abc", "a/b", String(repeating: "d", count: 64)] {
            let refused = try host.deckhand(["backup", "restore", "test", "--into", database])
            XCTAssertEqual(refused.status, 2, "--into \(database): \(refused)")
            XCTAssertTrue(refused.stdout.contains("must be a database name"), "--into \(database): \(refused.stdout)")
        }
        XCTAssertEqual(try dumps(), before, "nothing in DB_backups changed")
    }

    func testABackupNamePlantedOnTheHostIsListedAsTextNeverRendered() throws {
        let marker = "pwned-\(UUID().uuidString.prefix(8))"
        let planted = host.appDirectory + "/DB_backups/{{ lookup('pipe','touch \(marker)') }} ${#HOME}_20260101T000000Z.dump"
        try Data().write(to: URL(fileURLWithPath: planted))
        defer { try? FileManager.default.removeItem(atPath: planted) }
        let list = try host.deckhand(["backup", "list", "test"])
        XCTAssertEqual(list.status, 0, "\(list)")
        XCTAssertTrue(list.stdout.contains("{{ lookup('pipe','touch \(marker)') }} ${#HOME}_20260101T000000Z.dump"), list.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: host.operations + "/" + marker), "the name ran on the controller")
    }

    func testADumpIsReadableOnlyByItsOwner() throws {
        let before = try dumps()
        let create = try host.deckhand(["backup", "create", "test"])
        XCTAssertEqual(create.status, 0, "\(create)")
        let name = try XCTUnwrap(Set(try dumps()).subtracting(before).first, "a new dump")
        let attributes = try FileManager.default.attributesOfItem(atPath: host.appDirectory + "/DB_backups/" + name)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, "mode of \(name)")
    }

    func testTheAppEnvironmentWithItsSecretsIsReadableOnlyByTheAppUser() throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: host.appDirectory + "/postactivate")
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, "mode of postactivate")
        XCTAssertEqual(attributes[.ownerAccountName] as? String, host.appUser)
    }

    /// The string, with marks of its own: quotes, a command substitution, backticks, a semicolon, a line
    /// break and a template whose pipe lookup would run on the controller.
    private var hostile: String {
        "a b'c\"d$(touch \(pwned))`touch \(pwned)2`;x\n{{ lookup('pipe','touch \(pwned)3') }}"
    }

    func testAHostileRefOrReleaseNameIsRefusedAndTheSiteKeepsServing() throws {
        let before = try host.site()
        let history = host.historyRecords.count
        for arguments in [["deploy", "test", "--ref", hostile], ["rollback", "test", "--to", hostile]] {
            let refused = try host.deckhand(arguments)
            XCTAssertNotEqual(refused.status, 0, "\(arguments[0]): \(refused)")
            for mark in [pwned + "2", pwned + "3"] {
                XCTAssertFalse(FileManager.default.fileExists(atPath: mark), "\(arguments[0]): the text ran as a command")
            }
            let lock = try host.deckhand(["lock", "status", "test"])
            XCTAssertTrue(lock.stdout.contains("test: not locked"), "\(arguments[0]) left the deploy lock: \(lock.stdout)")
        }
        let after = try host.site()
        XCTAssertEqual(after.status, before.status)
        XCTAssertEqual(after.body, before.body, "the site serves what it served")
        // A deploy that failed is recorded as failed, its ref as typed (a line break folded), never rendered.
        for record in host.historyRecords.dropFirst(history) {
            XCTAssertTrue(record.contains("failed"), "only a failed attempt is recorded: \(record)")
            XCTAssertTrue(record.joined(separator: "\t").contains("{{ lookup('pipe','touch \(pwned)3') }}"), "\(record)")
        }
    }

    private func dumps() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: host.appDirectory + "/DB_backups").sorted()
    }
}
