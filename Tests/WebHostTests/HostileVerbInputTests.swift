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
}
