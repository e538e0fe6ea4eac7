import Foundation
import XCTest

/// Issue 15's maintenance window and notifications against the provisioned loopback web host: the team
/// (127.0.0.2) keeps the site while the public (127.0.0.1) gets the page, a window opened by hand outlives a
/// deploy, every deploy, rollback and maintenance change reaches the webhook once, and a failing webhook never
/// fails what it reports on. Every test leaves maintenance off and deckhand.yml without notify:.
final class MaintenanceWindowTests: XCTestCase {
    private var host: WebHost!
    private var receivers: [WebhookReceiver] = []

    override func setUpWithError() throws {
        host = try WebHost.require()
    }

    override func tearDownWithError() throws {
        receivers.forEach { $0.stop() }
        guard let host else { return }
        if FileManager.default.fileExists(atPath: host.appDirectory + "/maintenance_on.html") {
            _ = try? host.deckhand(["maintenance", "off", "test"])
        }
        host.cleanUp()
    }

    func testTheAllowedAddressGetsTheAppWhileEveryoneElseGetsThePageUntilOff() throws {
        let on = try host.deckhand(["maintenance", "on", "test", "--allow", "127.0.0.2", "--allow", "10.9.0.0/16",
                                    "--until", "2h", "--message", "Moving <the> database"])
        XCTAssertEqual(on.status, 0, "\(on)")
        XCTAssertTrue(on.lastLine.contains("127.0.0.2/32 10.9.0.0/16 let through"), on.lastLine)

        let team = try site(from: "127.0.0.2")
        XCTAssertEqual(team.status, 200, "the allowed address reaches the app:\n\(team.body)")
        XCTAssertNotNil(WebHost.version(inPage: team.body), team.body)
        let publicPage = try site(from: "127.0.0.1")
        XCTAssertEqual(publicPage.status, 503, "everyone else gets the page")
        XCTAssertTrue(publicPage.body.contains("Moving &lt;the&gt; database"), publicPage.body)
        XCTAssertTrue(publicPage.body.contains("Expected back by <time>20"), "the end shows on the page:\n\(publicPage.body)")
        XCTAssertTrue(publicPage.body.contains(" UTC</time>"), publicPage.body)

        let status = try host.deckhand(["maintenance", "status", "test"])
        XCTAssertEqual(status.status, 0, "\(status)")
        XCTAssertTrue(status.stdout.contains("turned on:  by hand (deckhand maintenance on), by \(NSUserName())@"), status.stdout)
        XCTAssertTrue(status.stdout.contains("message:    Moving <the> database"), status.stdout)
        XCTAssertTrue(status.stdout.contains("until:      20"), status.stdout)
        XCTAssertTrue(status.stdout.contains("allowed:    127.0.0.2/32 10.9.0.0/16"), status.stdout)
        XCTAssertTrue(status.lastLine.hasPrefix("test: maintenance is ON since 20"), status.lastLine)

        let off = try host.deckhand(["maintenance", "off", "test"])
        XCTAssertEqual(off.status, 0, "\(off)")
        XCTAssertEqual(try site(from: "127.0.0.1").status, 200)
        XCTAssertEqual(try site(from: "127.0.0.2").status, 200)
        let list = try String(contentsOfFile: "/etc/nginx/deckhand/\(host.domain).maintenance-allow.conf", encoding: .utf8)
        XCTAssertFalse(list.contains("127.0.0.2"), "off empties the allow list:\n\(list)")
        let again = try host.deckhand(["maintenance", "status", "test"])
        XCTAssertEqual(again.lastLine, "test: maintenance is off")
        XCTAssertFalse(again.stdout.contains("turned on:"), again.stdout)
    }

    func testAllowingTheHostsOwnAddressChecksTheAppInsteadOfThePage() throws {
        let on = try host.deckhand(["maintenance", "on", "test", "--allow", "127.0.0.0/8"])
        XCTAssertEqual(on.status, 0, "the check from 127.0.0.1 expects the app when it is let through:\n\(on)")
        XCTAssertEqual(try site(from: "127.0.0.1").status, 200)
        XCTAssertTrue(FileManager.default.fileExists(atPath: host.appDirectory + "/maintenance_on.html"))
    }

    func testAnAllowThatIsNoCIDRBlockIsRefusedBeforeAnythingRuns() throws {
        for wrong in ["127.0.0.1/33", "10.0.0.1/8", "1.2.3.4; include /etc/shadow", "all"] {
            let refused = try host.deckhand(["maintenance", "on", "test", "--allow", wrong])
            XCTAssertNotEqual(refused.status, 0, "\(wrong): \(refused)")
            XCTAssertTrue(refused.stderr.contains("--allow '\(wrong)' is not an address or CIDR block"), "\(wrong): \(refused.stderr)")
            XCTAssertFalse(refused.stdout.contains("TASK"), "nothing ran:\n\(refused.stdout)")
        }
        XCTAssertEqual(try host.site().status, 200)
    }

    func testAWindowTurnedOnByHandStaysOnThroughADeployAndARollback() throws {
        let ref = try liveRef()
        XCTAssertEqual(try host.deckhand(["maintenance", "on", "test", "--allow", "127.0.0.2", "--message", "Team only"]).status, 0)
        let releaseBefore = host.liveRelease

        // --force builds and switches to a new release of the live commit: the whole deploy, not its shortcut.
        let deploy = try host.deckhand(["deploy", "test", "--ref", ref, "--force"])
        XCTAssertEqual(deploy.status, 0, "\(deploy)")
        XCTAssertNotEqual(host.liveRelease, releaseBefore, "a new release went live")
        XCTAssertTrue(deploy.lastLine.contains("maintenance stays ON"), deploy.lastLine)

        let publicPage = try site(from: "127.0.0.1")
        XCTAssertEqual(publicPage.status, 503, "the deploy left the window on")
        XCTAssertTrue(publicPage.body.contains("Team only"), publicPage.body)
        XCTAssertEqual(try site(from: "127.0.0.2").status, 200, "and its allow list")
        let status = try host.deckhand(["maintenance", "status", "test"])
        XCTAssertTrue(status.stdout.contains("turned on:  by hand"), "still the window opened by hand:\n\(status.stdout)")
        XCTAssertTrue(status.stdout.contains("allowed:    127.0.0.2/32"), status.stdout)

        // The rollback checks health past the page (gunicorn's socket), as the deploy did, and leaves it on.
        let rollback = try host.deckhand(["rollback", "test"])
        XCTAssertEqual(rollback.status, 0, "\(rollback)")
        XCTAssertEqual(try site(from: "127.0.0.1").status, 503, "the rollback left the window on")
        XCTAssertEqual(try site(from: "127.0.0.2").status, 200)
    }

    func testAWindowTakenOverByHandWhileADeployMigratesStaysOnAfterIt() throws {
        // Given v2 live with migration 0002 (of v2-migration) not applied: the deploy opens the window itself.
        if host.liveRelease?.hasSuffix("-v2") != true {
            let given = try host.deckhand(["deploy", "test", "--ref", "v2", "--message", "given v2 is live"])
            XCTAssertEqual(given.status, 0, "\(given)")
        }
        _ = try host.psql(in: host.liveDatabase, """
            ALTER TABLE greetings_greeting DROP COLUMN IF EXISTS language;
            DELETE FROM django_migrations WHERE app = 'greetings' AND name = '0002_greeting_language';
            """)
        // While it migrates (before_switch), someone runs `maintenance on` by hand: this machine is the host.
        let argv = try [WebHost.binary().path, "-F", host.testhost + "/ssh_config", "maintenance", "on", "test",
                        "--message", "Taken over by hand", "-e", "@" + host.varsFile]
        let quoted = String(decoding: try JSONSerialization.data(withJSONObject: argv, options: [.withoutEscapingSlashes]), as: UTF8.self)
        let chdir = String(decoding: try JSONSerialization.data(withJSONObject: [host.operations], options: [.withoutEscapingSlashes]), as: UTF8.self).dropFirst().dropLast()
        try FileManager.default.createDirectory(atPath: host.operations + "/hooks", withIntermediateDirectories: true)
        try """
            - name: Someone turns maintenance on by hand while the deploy migrates
              command:
                argv: \(quoted)
                chdir: \(chdir)
            """.write(toFile: host.operations + "/hooks/before_switch.yml", atomically: true, encoding: .utf8)

        let deploy = try host.deckhand(["deploy", "test", "--ref", "v2-migration"])
        try? FileManager.default.removeItem(atPath: host.operations + "/hooks")
        XCTAssertEqual(deploy.status, 0, "\(deploy)")
        XCTAssertTrue(deploy.lastLine.contains("maintenance stays ON"), deploy.lastLine)
        let page = try site(from: "127.0.0.1")
        XCTAssertEqual(page.status, 503, "the window taken over by hand is still on")
        XCTAssertTrue(page.body.contains("Taken over by hand"), page.body)
        let status = try host.deckhand(["maintenance", "status", "test"])
        XCTAssertTrue(status.stdout.contains("turned on:  by hand (deckhand maintenance on)"), status.stdout)
    }

    func testEveryDeployRollbackAndMaintenanceChangeReachesTheWebhookOnceAndTheCommand() throws {
        let receiver = try WebhookReceiver()
        receivers.append(receiver)
        try notify(webhooks: [receiver.url], command: #"printf '%s %s %s\n' "$DECKHAND_ACTION" "$DECKHAND_OUTCOME" "$DECKHAND_STAGE" >> notified.txt"#)
        let ref = try liveRef()
        let release = try XCTUnwrap(host.liveRelease)

        XCTAssertEqual(try host.deckhand(["maintenance", "on", "test", "--message", "notify me"]).status, 0)
        XCTAssertEqual(try host.deckhand(["maintenance", "off", "test"]).status, 0)
        XCTAssertEqual(try host.deckhand(["maintenance", "status", "test"]).status, 0, "status changes nothing: no notice")
        let deploy = try host.deckhand(["deploy", "test", "--ref", ref, "--message", "same again"])
        XCTAssertEqual(deploy.status, 0, "\(deploy)")
        let rollback = try host.deckhand(["rollback", "test", "--to", release])
        XCTAssertEqual(rollback.status, 0, "\(rollback)")
        XCTAssertEqual(try host.deckhand(["deploy", "test", "--ref", ref, "--check"]).status, 0, "--check: no notice")

        let notices = receiver.notices
        XCTAssertEqual(notices.map { $0["action"] as? String ?? "?" },
                       ["maintenance on", "maintenance off", "deploy", "rollback"], "one POST per action: \(notices)")
        XCTAssertEqual(Set(notices.map { $0["stage"] as? String ?? "?" }), ["test"])
        XCTAssertTrue(notices.allSatisfy { ($0["performer"] as? String)?.hasPrefix(NSUserName() + "@") ?? false }, "\(notices)")
        XCTAssertEqual(notices.first?["message"] as? String, "notify me")
        let deployed = notices[2]
        XCTAssertEqual(deployed["outcome"] as? String, "unchanged", "\(deployed)")
        XCTAssertEqual(deployed["ref"] as? String, ref)
        XCTAssertEqual(deployed["release"] as? String, release)
        XCTAssertEqual((deployed["commit"] as? String)?.count, 7, "\(deployed)")
        XCTAssertEqual(deployed["message"] as? String, "same again")
        XCTAssertNotNil(deployed["duration"] as? Double, "\(deployed)")
        XCTAssertEqual(notices[3]["release"] as? String, release)

        let commandLines = try String(contentsOfFile: host.operations + "/notified.txt", encoding: .utf8)
        XCTAssertEqual(commandLines, """
            maintenance on ok test
            maintenance off ok test
            deploy unchanged test
            rollback ok test

            """, "the command ran once per action, in the folder of deckhand.yml")
    }

    func testAFailingWebhookIsReportedAndTheDeployStillSucceeds() throws {
        let failing = try WebhookReceiver(status: 500)
        receivers.append(failing)
        try notify(webhooks: [failing.url, "http://127.0.0.1:1/closed?token=s3cret"], command: "exit 7")
        let ref = try liveRef()

        let deploy = try host.deckhand(["deploy", "test", "--ref", ref])
        XCTAssertEqual(deploy.status, 0, "a failed notification never fails the deploy:\n\(deploy)")
        XCTAssertTrue(deploy.lastLine.hasPrefix("deployed \(ref) ("), deploy.lastLine)
        XCTAssertTrue(deploy.stderr.contains("webhook http://127.0.0.1:\(failing.port) answered HTTP 500"), deploy.stderr)
        XCTAssertTrue(deploy.stderr.contains("webhook http://127.0.0.1:1: "), deploy.stderr)
        XCTAssertTrue(deploy.stderr.contains("notify command 'exit 7' exited with status 7"), deploy.stderr)
        XCTAssertFalse(deploy.stderr.contains("s3cret"), "a webhook's token is never printed:\n\(deploy.stderr)")
        XCTAssertEqual(failing.notices.count, 1, "it was tried once")
    }

    func testLogsTailGrepAndSinceShowOnlyTheNewMatchingLines() throws {
        let marker = "grep-\(UUID().uuidString.prefix(8))"
        let log = host.appDirectory + "/logs/app.log"
        let stamp = ISO8601DateFormatter().string(from: Date())
        let lines = "2020-01-01 00:00:00,000 INFO old \(marker)\n\(stamp) INFO new \(marker)\n\(stamp) INFO unrelated\n"
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: log), "the app log exists after provision")
        handle.seekToEndOfFile()
        handle.write(Data(lines.utf8))
        try handle.close()
        XCTAssertEqual(try host.site("/?\(marker)").status, 200)

        let grep = try host.deckhand(["logs", "tail", "test", "--grep", marker, "--service", "app", "--service", "nginx"])
        XCTAssertEqual(grep.status, 0, "\(grep)")
        let shown = grep.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(shown.allSatisfy { $0.contains(marker) }, "only matching lines:\n\(grep.stdout)")
        XCTAssertTrue(shown.contains { $0.hasPrefix("app ") && $0.contains("old \(marker)") }, grep.stdout)
        XCTAssertTrue(shown.contains { $0.hasPrefix("app ") && $0.contains("new \(marker)") }, grep.stdout)

        let recent = try host.deckhand(["logs", "tail", "test", "--grep", marker, "--since", "10m", "--service", "app"])
        XCTAssertEqual(recent.status, 0, "\(recent)")
        XCTAssertTrue(recent.stdout.contains("new \(marker)"), recent.stdout)
        XCTAssertFalse(recent.stdout.contains("old \(marker)"), "a line from 2020 is older than 10 minutes:\n\(recent.stdout)")
        XCTAssertFalse(recent.stdout.contains("unrelated"), recent.stdout)

        let wrong = try host.deckhand(["logs", "tail", "test", "--since", "yesterday"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("'yesterday' is no length of time"), wrong.stderr)
    }

    // MARK: Helpers

    /// curl through nginx from `source` (a loopback address of this machine, which is the host).
    private func site(from source: String) throws -> (status: Int, body: String) {
        let output = try Output.run(URL(fileURLWithPath: "/usr/bin/curl"), [
            "-sk", "--max-time", "10", "--interface", source, "--resolve", "\(host.domain):443:127.0.0.1",
            "-w", "\n%{http_code}", "https://\(host.domain)/",
        ], in: host.operations)
        var lines = output.stdout.components(separatedBy: "\n")
        let status = Int(lines.popLast() ?? "") ?? 0
        return (status, lines.joined(separator: "\n"))
    }

    /// deckhand.yml's stage with `notify:`.
    private func notify(webhooks: [String], command: String) throws {
        let hooks = webhooks.map { "\n          - \"\($0)\"" }.joined()
        try """
            stages:
              test:
                host: testhost
                domain: \(host.domain)
                notify:
                  webhooks:\(hooks)
                  command: '\(command.replacingOccurrences(of: "'", with: "''"))'
            """.write(toFile: host.operations + "/deckhand.yml", atomically: true, encoding: .utf8)
    }

    /// The ref of the live release (its folder name ends with it); a deploy of v1 first when nothing was deployed.
    private func liveRef() throws -> String {
        if let release = host.liveRelease, let dash = release.firstIndex(of: "-") {
            let ref = String(release[release.index(after: dash)...])
            if ref.hasPrefix("v") { return ref }
        }
        let deploy = try host.deckhand(["deploy", "test", "--ref", "v1", "--message", "given a release is live"])
        XCTAssertEqual(deploy.status, 0, "\(deploy)")
        return "v1"
    }
}
