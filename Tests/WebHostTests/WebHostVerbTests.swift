import Foundation
import XCTest

/// The daily verbs against the provisioned loopback web host, checked the way a user checks them: through
/// nginx with curl, in the logs folder, in DB_backups. Every test leaves maintenance off.
final class WebHostVerbTests: XCTestCase {
    // Not private: the tests of WebHostVerbLogsTailTests.swift (an extension) use it too.
    var host: WebHost!

    override func setUpWithError() throws {
        host = try WebHost.require()
    }

    override func tearDownWithError() throws {
        guard let host else { return }
        // Whatever a test did, the site serves again.
        if (try? host.site().status) == 503 {
            _ = try? host.deckhand(["maintenance", "off", "test"])
        }
        host.cleanUp()
    }

    func testMaintenanceOnServes503WithThePageAndOffServesTheSiteAgain() throws {
        let on = try host.deckhand(["maintenance", "on", "test", "--message", "Back at 07:30 UTC, promise"])
        XCTAssertEqual(on.status, 0, "\(on)")
        XCTAssertTrue(on.lastLine.hasPrefix("maintenance is ON on test (503 served since "), on.lastLine)
        let during = try host.site()
        XCTAssertEqual(during.status, 503)
        XCTAssertTrue(during.body.contains("Back at 07:30 UTC, promise"), during.body)
        XCTAssertEqual(try host.site("/static/does-not-matter.css").status, 503, "static files are behind the page too")

        let again = try host.deckhand(["maintenance", "on", "test"])
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertTrue(again.stdout.contains("changed=0"), "a second 'on' changes nothing:\n\(again)")

        let off = try host.deckhand(["maintenance", "off", "test"])
        XCTAssertEqual(off.status, 0, "\(off)")
        XCTAssertEqual(off.lastLine, "maintenance is OFF on test (the site answers 200)")
        let after = try host.site()
        XCTAssertEqual(after.status, 200)
        XCTAssertFalse(after.body.contains("Back at 07:30"))
        let page = try String(contentsOfFile: host.appDirectory + "/maintenance_off.html", encoding: .utf8)
        XCTAssertFalse(page.contains("Back at 07:30"), "off puts the default text back for the next maintenance")
    }

    func testMaintenanceStatusSaysTheState() throws {
        let off = try host.deckhand(["maintenance", "status", "test"])
        XCTAssertEqual(off.status, 0, "\(off)")
        XCTAssertEqual(off.lastLine, "test: maintenance is off")

        XCTAssertEqual(try host.deckhand(["maintenance", "on", "test"]).status, 0)
        let on = try host.deckhand(["maintenance", "status", "test"])
        XCTAssertEqual(on.status, 0, "\(on)")
        XCTAssertTrue(on.lastLine.hasPrefix("test: maintenance is ON since 20"), on.lastLine)
        XCTAssertTrue(on.lastLine.hasSuffix(" UTC"), on.lastLine)
    }

    func testCheckModeReportsTheRenameAndLeavesTheSiteServing() throws {
        let check = try host.deckhand(["maintenance", "on", "test", "--check", "--diff"])
        XCTAssertEqual(check.status, 0, "\(check)")
        XCTAssertTrue(check.stdout.contains("changed=1"), "the rename it would do:\n\(check)")
        XCTAssertEqual(check.lastLine, "check mode: maintenance on would make 1 change on test; nothing was changed")
        XCTAssertEqual(try host.site().status, 200)
        XCTAssertTrue(FileManager.default.fileExists(atPath: host.appDirectory + "/maintenance_off.html"))
    }

    func testReadOnlyVerbsInCheckModeStillReport() throws {
        let status = try host.deckhand(["maintenance", "status", "test", "--check"])
        XCTAssertEqual(status.status, 0, "\(status)")
        XCTAssertEqual(status.lastLine, "test: maintenance is off [check mode: nothing was changed]")
    }

    func testAPlaybooksFolderBesideDeckhandYmlOverridesTheBuiltInOnes() throws {
        // The user copies the built-in playbooks next to deckhand.yml and changes one.
        let builtIn = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("playbooks").path
        let own = host.operations + "/playbooks"
        try FileManager.default.copyItem(atPath: builtIn, toPath: own)
        let playbook = own + "/maintenance.yml"
        let text = try String(contentsOfFile: playbook, encoding: .utf8)
            .replacingOccurrences(of: "- name: Check the requested state", with: "- name: Check the requested state (our copy)")
        try text.write(toFile: playbook, atomically: true, encoding: .utf8)
        let status = try host.deckhand(["maintenance", "status", "test"])
        XCTAssertEqual(status.status, 0, "\(status)")
        XCTAssertTrue(status.stdout.contains("TASK [Check the requested state (our copy)]"), status.stdout)
    }

    func testAnAnsibleInventoryWorksInsteadOfDeckhandYml() throws {
        let inventory = host.operations + "/hosts.ini"
        try "[webhost]\namy ansible_host=testhost\n".write(toFile: inventory, atomically: true, encoding: .utf8)
        let status = try host.deckhand(["maintenance", "status", "webhost", "-i", inventory])
        XCTAssertEqual(status.status, 0, "\(status)")
        XCTAssertTrue(status.stdout.contains("ok: [amy]"), status.stdout)
        XCTAssertEqual(status.lastLine, "webhost: maintenance is off")
    }

    func testStatusShowsOneScreenAndAOneLineVerdict() throws {
        let status = try host.deckhand(["status", "test"])
        XCTAssertEqual(status.status, 0, "\(status)")
        for label in ["version:", "maintenance:  off", "nginx:        running", "redis:        running", "certificate:  expires",
                      "last backup:", "disk free:", "redis listen: 127.0.0.1:6379 (loopback only)"] {
            XCTAssertTrue(status.stdout.contains("\n" + label), "no line '\(label)' in:\n\(status.stdout)")
        }
        XCTAssertTrue(status.lastLine.hasPrefix("test: version v"), status.lastLine)
        XCTAssertTrue(status.lastLine.hasSuffix("maintenance off, all services running"), status.lastLine)
    }

    func testBackupCreateThenListShowsTheNewDumpAndVerifyPasses() throws {
        let before = Set(dumps())
        let create = try host.deckhand(["backup", "create", "test"])
        XCTAssertEqual(create.status, 0, "\(create)")
        let new = Set(dumps()).subtracting(before)
        XCTAssertEqual(new.count, 1, "one new dump in DB_backups: \(dumps())")
        let name = try XCTUnwrap(new.first)
        XCTAssertTrue(create.lastLine.hasPrefix("backup created: \(host.appDirectory)/DB_backups/\(name): "), create.lastLine)

        let list = try host.deckhand(["backup", "list", "test"])
        XCTAssertEqual(list.status, 0, "\(list)")
        XCTAssertTrue(list.stdout.contains(name), "list shows \(name):\n\(list.stdout)")
        XCTAssertTrue(list.lastLine.hasSuffix("backups on test") || list.lastLine.hasSuffix("backup on test"), list.lastLine)

        let verify = try host.deckhand(["backup", "verify", "test"])
        XCTAssertEqual(verify.status, 0, "\(verify)")
        XCTAssertTrue(verify.stdout.contains("ok      \(name)"), verify.stdout)
        XCTAssertTrue(verify.lastLine.hasPrefix("all "), verify.lastLine)
    }

    func testRestoreRefusesTheLiveDatabaseWithoutTheFlag() throws {
        let refused = try host.deckhand(["backup", "restore", "test", "--into", host.liveDatabase])
        XCTAssertEqual(refused.status, 2, "\(refused)")
        XCTAssertTrue(refused.stdout.contains("is the live database"), refused.stdout)
        XCTAssertTrue(refused.stderr.contains("backup restore failed on test"), refused.stderr)
    }

    func testLogsRotateNewLinesLandInTheNewFiles() throws {
        let logs = host.appDirectory + "/logs"
        let rotate = try host.deckhand(["logs", "rotate", "test"])
        XCTAssertEqual(rotate.status, 0, "\(rotate)")
        XCTAssertEqual(rotate.lastLine, "logs of test rotated; every writer now logs to the new files")
        let names = try FileManager.default.contentsOfDirectory(atPath: logs)
        XCTAssertTrue(names.contains { $0.hasPrefix("nginx-access.log-") || $0.hasPrefix("nginx-access.log.") },
                      "a rotated nginx access log: \(names.sorted())")

        let marker = "rotated-\(UUID().uuidString.prefix(8))"
        XCTAssertEqual(try host.site("/health/?\(marker)").status, 200)
        try waitForLine(containing: marker, in: logs + "/nginx-access.log")
        try waitForLine(containing: marker, in: logs + "/gunicorn_supervisor.log")
        for name in names where name.contains(".log-") || name.contains(".log.") {
            let text = (try? String(contentsOfFile: logs + "/" + name, encoding: .utf8)) ?? ""
            XCTAssertFalse(text.contains(marker), "the new request went into the rotated \(name)")
        }
    }

    func testExecRunsInTheRepoAsTheAppUserWithTheAppEnvironment() throws {
        let exec = try host.deckhand(["exec", "test", "--", "sh", "-c", "'pwd; id -un; test -n \"$DATABASE_URL\" && echo has-db; exit 3'"])
        XCTAssertEqual(exec.status, 3, "the command's status passes through: \(exec)")
        let lines = exec.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, host.appDirectory + "/repo", exec.stdout)
        XCTAssertEqual(lines.dropFirst().first, host.appUser, exec.stdout)
        XCTAssertTrue(lines.contains("has-db"), "postactivate is loaded: \(exec.stdout)")
    }

    // MARK: Helpers

    private func dumps() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: host.appDirectory + "/DB_backups")) ?? [])
            .filter { $0.hasSuffix(".dump") && !$0.hasPrefix(".") }
    }

    /// Log writers flush on their own schedule; a line may take a moment.
    private func waitForLine(containing text: String, in path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let content = try? String(contentsOfFile: path, encoding: .utf8), content.contains(text) { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTFail("no line with \(text) in \(path) within 10 s", file: file, line: line)
    }
}
