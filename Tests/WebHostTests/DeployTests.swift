import Foundation
import XCTest

/// `deckhand deploy`, `rollback`, `lock` and `history` (issue 7) against the provisioned loopback web host,
/// with the sample app's tags (v1 = 1.0.0, v2 = 2.0.0, v3 = 3.0.0 with a broken /health/, v2-migration =
/// 2.1.0 with migration 0002, v2-irreversible = 2.2.0 with a data migration without a reverse), checked the way visitors and the user see them: through nginx, in releases/,
/// in PostgreSQL. Each test first brings the host to the release its story starts from, so the tests do not
/// depend on one another nor on the verb tests run before them on the same host; the tests are ordered (by
/// name) so that one usually leaves what the next starts from. Every test leaves no lock and maintenance off.
final class DeployTests: XCTestCase {
    var host: WebHost!
    private var background: [RunningCommand] = []

    /// The version each of the sample app's tags shows on its page.
    static let versions = ["v1": "1.0.0", "v2": "2.0.0", "v3": "3.0.0", "v2-migration": "2.1.0", "v2-irreversible": "2.2.0"]

    override func setUpWithError() throws {
        host = try WebHost.require()
    }

    override func tearDownWithError() throws {
        guard let host else { return }
        // A deploy a test left running is stopped first, so the clean-up below does not race it.
        for command in background where command.process.isRunning { command.signal(SIGKILL) }
        for command in background { _ = command.wait(timeout: 30) }
        if host.lockInfo != nil { _ = try? host.deckhand(["lock", "release", "test"]) }
        if (try? host.site().status) == 503 { _ = try? host.deckhand(["maintenance", "off", "test"]) }
        host.cleanUp()
    }

    func testDeployingV2WhileAClientKeepsAskingFailsNoRequest() throws {
        try given(live: "v1")
        XCTAssertTrue(FileManager.default.fileExists(atPath: host.appDirectory + "/repo/.venv/bin/activate"),
                      "repo/.venv/bin/activate still works through the repo symlink")
        let dumpsBefore = Set(dumps())

        let visitor = SiteProbe(host)
        let deploy = try host.deckhand(["deploy", "test", "--ref", "v2", "--message", "v2 under load"])
        let seen = visitor.stop()
        print("during the deploy of v2 the visitor saw: \(seen.summary)")

        XCTAssertEqual(deploy.status, 0, "\(deploy)")
        let release = try XCTUnwrap(host.liveRelease, "repo is a symlink to the release")
        XCTAssertTrue(release.hasSuffix("-v2"), "repo -> releases/\(release)")
        XCTAssertTrue(deploy.lastLine.hasPrefix("deployed v2 ("), deploy.lastLine)
        XCTAssertTrue(deploy.lastLine.contains(" to test as release \(release) in "), deploy.lastLine)
        XCTAssertEqual(try host.liveVersion(), "2.0.0")

        XCTAssertGreaterThanOrEqual(seen.count, 20, "the visitor kept asking the whole time: \(seen.summary)")
        XCTAssertEqual(seen.failures(allowing: ["1.0.0", "2.0.0"]).count, 0,
                       "every answer is a page of v1 or v2, none failed: \(seen.summary)")
        XCTAssertEqual(seen.first?.version, "1.0.0", seen.summary)
        XCTAssertEqual(seen.last?.version, "2.0.0", seen.summary)

        let newDumps = Set(dumps()).subtracting(dumpsBefore)
        XCTAssertEqual(newDumps.count, 1, "one pre-deploy backup in DB_backups: \(dumps())")
        XCTAssertTrue(newDumps.first?.hasPrefix("v1") ?? false, "the backup is named after the version it replaces: \(newDumps)")
        XCTAssertNil(host.lockInfo, "the lock is released after a deploy")
    }

    func testHealthCheckFailureOfV3RollsBackByItselfAndV2KeepsServing() throws {
        try given(live: "v2")
        let v2 = host.liveRelease

        let visitor = SiteProbe(host)
        // A user who knows the app needs no more than 10 s to answer says so; the default 30 s only waits longer.
        let deploy = try host.deckhand(["deploy", "test", "--ref", "v3", "-e", "deploy_health_timeout=10"])
        let seen = visitor.stop()

        XCTAssertEqual(deploy.status, 2, "\(deploy)")
        let said = deploy.stdout + deploy.stderr
        XCTAssertTrue(said.lowercased().contains("rolled back to release \(v2 ?? "?")".lowercased())
                      || said.lowercased().contains("rolled back to \(v2 ?? "?")".lowercased()), "it says where it rolled back to:\n\(deploy)")
        XCTAssertTrue(said.contains("gunicorn_supervisor.log"), "it shows the gunicorn log's last lines:\n\(deploy)")
        XCTAssertTrue(said.contains("deckhand backup restore"), "it names the restore command:\n\(deploy)")
        XCTAssertTrue(said.contains(".dump"), "it names the backup:\n\(deploy)")

        XCTAssertEqual(host.liveRelease, v2, "repo points to the v2 release again")
        XCTAssertEqual(try host.liveVersion(), "2.0.0")
        // v3's pages work (only its /health/ is broken), so visitors may see 3.0.0 until the rollback.
        XCTAssertEqual(seen.failures(allowing: ["2.0.0", "3.0.0"]).count, 0, "no request failed: \(seen.summary)")
        XCTAssertEqual(seen.last?.version, "2.0.0", seen.summary)
        XCTAssertNil(host.lockInfo, "the lock is released after a failed deploy")
    }

    func testHooksBesideDeckhandYmlRunAtTheirPointsInOrder() throws {
        try given(live: "v2")
        let old = try XCTUnwrap(host.liveRelease)
        // The hooks write on the host, which is this machine.
        let log = NSTemporaryDirectory() + "deckhand-hooks-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let points = ["before_backup", "after_release", "before_switch", "after_switch"]
        try FileManager.default.createDirectory(atPath: host.operations + "/hooks", withIntermediateDirectories: true)
        for point in points {
            try """
                - name: The user's \(point) hook
                  shell: echo "\(point) {{ deploy_release_dir }} live=$(readlink {{ app_dir }}/repo)" >> \(log)
                """.write(toFile: host.operations + "/hooks/\(point).yml", atomically: true, encoding: .utf8)
        }

        let deploy = try host.deckhand(["deploy", "test", "--ref", "v1"])
        XCTAssertEqual(deploy.status, 0, "\(deploy)")
        let new = try XCTUnwrap(host.liveRelease)
        let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.map { String($0.prefix { $0 != " " }) }, points, "each hook once, in order:\n\(lines)")
        guard lines.count == points.count else { return }
        XCTAssertTrue(lines[1].contains("/releases/\(new) "), "after_release sees the new release's folder: \(lines[1])")
        XCTAssertTrue(lines[2].hasSuffix("live=releases/\(old)"), "before_switch runs while the old release is live: \(lines[2])")
        XCTAssertTrue(lines[3].hasSuffix("live=releases/\(new)"), "after_switch runs once the new one is: \(lines[3])")
    }

    func testKillingTheDeployWithSIGINTLeavesTheOldReleaseServingAndReleasesTheLock() throws {
        let (old, releases, run) = try startDeployOfV2OverV1AndWaitUntilMidway()
        run.signal(SIGINT)
        let output = run.wait(timeout: 120)

        XCTAssertEqual(output.status, 2, "an interrupted deploy fails:\n\(output)")
        XCTAssertTrue(output.stderr.contains("interrupted"), "it says it was interrupted:\n\(output)")
        XCTAssertEqual(host.liveRelease, old, "repo still points to the old release")
        XCTAssertEqual(try host.liveVersion(), "1.0.0")
        XCTAssertEqual(host.releases, releases, "the unfinished release is removed")
        // Ctrl-C is a run that ends: it releases its lock (issue 7), and lock status says the stage is free.
        XCTAssertNil(host.lockInfo, "Ctrl-C releases the lock:\n\(output)")
        let status = try host.deckhand(["lock", "status", "test"])
        XCTAssertEqual(status.status, 0, "\(status)")
        XCTAssertFalse(status.stdout.contains("v2"), "no lock reported after Ctrl-C:\n\(status)")
    }

    func testKillingTheDeployWithSIGKILLLeavesTheOldReleaseServingAndTheLockReportedUntilReleased() throws {
        let (old, _, run) = try startDeployOfV2OverV1AndWaitUntilMidway()
        let pid = run.process.processIdentifier
        run.signal(SIGKILL)
        _ = run.wait(timeout: 30)

        XCTAssertEqual(host.liveRelease, old, "repo still points to the old release")
        XCTAssertEqual(try host.liveVersion(), "1.0.0")
        let info = try XCTUnwrap(host.lockInfo, "a killed run cannot release its lock: it stays for the user to see")
        XCTAssertTrue(info.contains("\(pid)"), "the lock names the dead run's pid:\n\(info)")

        let status = try host.deckhand(["lock", "status", "test"])
        XCTAssertTrue(status.stdout.contains("\(pid)") && status.stdout.contains("v2"), "lock status reports the dead run's lock:\n\(status)")
        XCTAssertTrue(status.lastLine.contains(" ago)"), "with its age: \(status.lastLine)")
        XCTAssertTrue(status.lastLine.contains("that process is gone"), "and that its run is dead: \(status.lastLine)")
        let refused = try host.deckhand(["deploy", "test", "--ref", "v1"])
        XCTAssertEqual(refused.status, 2, "the next deploy is refused while the lock stays:\n\(refused)")
        XCTAssertTrue(refused.stderr.contains("\(NSUserName())@"), "it names the holder:\n\(refused)")

        let release = try host.deckhand(["lock", "release", "test"])
        XCTAssertEqual(release.status, 0, "\(release)")
        XCTAssertNil(host.lockInfo, "released on request")
        XCTAssertEqual(try host.liveVersion(), "1.0.0")
    }

    func testRollbackReturnsToV1AndHistoryListsEveryStep() throws {
        try given(live: "v1")
        let v1 = try XCTUnwrap(host.liveRelease)
        let deploy = try host.deckhand(["deploy", "test", "--ref", "v2"])
        XCTAssertEqual(deploy.status, 0, "\(deploy)")
        let v2 = try XCTUnwrap(host.liveRelease)

        let rollback = try host.deckhand(["rollback", "test"])
        XCTAssertEqual(rollback.status, 0, "\(rollback)")
        XCTAssertEqual(host.liveRelease, v1, "rollback goes back to the release before:\n\(rollback)")
        XCTAssertEqual(try host.liveVersion(), "1.0.0")
        XCTAssertTrue(rollback.lastLine.hasPrefix("rolled back test to release \(v1) ("), rollback.lastLine)

        let forward = try host.deckhand(["rollback", "test", "--to", v2])
        XCTAssertEqual(forward.status, 0, "\(forward)")
        XCTAssertEqual(host.liveRelease, v2)
        XCTAssertEqual(try host.liveVersion(), "2.0.0")

        let history = try host.deckhand(["history", "test", "--limit", "3"])
        XCTAssertEqual(history.status, 0, "\(history)")
        let lines = history.stdout.split(separator: "\n").map(String.init)
        for (action, release) in [("deploy", v2), ("rollback", v1), ("rollback", v2)] {
            XCTAssertTrue(lines.contains { $0.contains(action) && $0.contains(release) },
                          "history lists the \(action) to \(release):\n\(history.stdout)")
        }
        XCTAssertEqual(history.lastLine, "test: current release \(v2)")
        let records = host.historyRecords.suffix(3)
        XCTAssertEqual(records.map { $0.count > 4 ? $0[4] : "" }, [v2, v1, v2], ".deckhand/history:\n\(records)")
        XCTAssertEqual(records.map { $0.count > 1 ? $0[1] : "" }, ["deploy", "rollback", "rollback"], "\(records)")
    }

    func testSecondDeployWhileOneHoldsTheLockIsRefusedWithTheHoldersName() throws {
        let ref = try given(liveAnyOf: ["v2", "v1"])
        // --force builds a new release of the live commit: a deploy long enough to be caught holding the lock.
        let holder = try host.startDeckhand(["deploy", "test", "--ref", ref, "--force", "--message", "holding the lock for a test"])
        background.append(holder)
        try waitFor("the first deploy to take the lock", timeout: 60) { host.lockInfo != nil || !holder.process.isRunning }
        try XCTSkipIf(host.lockInfo == nil, "the first deploy ended before the lock could be seen:\n\(holder.wait())")

        let second = try host.deckhand(["deploy", "test", "--ref", ref, "--message", "the second one"])
        let stillHeld = holder.process.isRunning ? host.lockInfo != nil : true
        XCTAssertEqual(second.status, 2, "\(second)")
        for part in ["\(NSUserName())@", "holding the lock for a test", ref] {
            XCTAssertTrue(second.stderr.contains(part), "the refusal names the holder (\(part)):\n\(second)")
        }
        XCTAssertTrue(stillHeld, "the refused deploy left the holder's lock alone")

        let first = holder.wait()
        XCTAssertEqual(first.status, 0, "the holder's deploy went on:\n\(first)")
        XCTAssertNil(host.lockInfo)
        XCTAssertTrue(host.historyRecords.last.map { $0.contains("holding the lock for a test") } ?? false,
                      "the holder's deploy is the last line of .deckhand/history: \(host.historyRecords.suffix(2))")
    }

    func testV2MigrationShowsMaintenanceWhileItMigratesAndTheColumnExists() throws {
        try given(live: "v2")
        // The database as v2 left it: migration 0002 not applied (an earlier run may have applied it).
        _ = try host.psql(in: host.liveDatabase, """
            ALTER TABLE greetings_greeting DROP COLUMN IF EXISTS language;
            DELETE FROM django_migrations WHERE app = 'greetings' AND name = '0002_greeting_language';
            """)
        XCTAssertFalse(try languageColumnExists())

        let visitor = SiteProbe(host)
        let deploy = try host.deckhand(["deploy", "test", "--ref", "v2-migration"])
        let seen = visitor.stop()
        print("during the deploy of v2-migration the visitor saw: \(seen.summary)")

        XCTAssertEqual(deploy.status, 0, "\(deploy)")
        XCTAssertTrue(try languageColumnExists(), "migration 0002 added greetings_greeting.language in PostgreSQL")
        XCTAssertEqual(try sql("SELECT count(*) FROM django_migrations WHERE app = 'greetings' AND name = '0002_greeting_language'"), "1")
        XCTAssertTrue(seen.contains { $0.status == 503 && $0.maintenancePage }, "visitors saw the maintenance page while it migrated: \(seen.summary)")
        XCTAssertEqual(seen.failures(allowing: ["2.0.0", "2.1.0"], maintenanceAllowed: true).count, 0,
                       "only v2, the maintenance page, then v2.1: \(seen.summary)")
        if let firstNew = seen.firstIndex(where: { $0.version == "2.1.0" }) {
            XCTAssertFalse(seen[firstNew...].contains { $0.status != 200 }, "maintenance is off once 2.1.0 serves: \(seen.summary)")
        }
        XCTAssertEqual(try host.liveVersion(), "2.1.0")
    }

    // MARK: Helpers

    /// Given: the site serves `ref`'s release (deploys it when it does not already).
    func given(live ref: String) throws {
        let version = try XCTUnwrap(DeployTests.versions[ref])
        if host.liveRelease?.hasSuffix("-" + ref) == true, try host.liveVersion() == version, host.lockInfo == nil { return }
        let deploy = try host.deckhand(["deploy", "test", "--ref", ref, "--message", "given \(ref) is live"])
        guard deploy.status == 0, try host.liveVersion() == version else {
            throw DeployStepFailure("could not bring the host to \(ref) before the test:\n\(deploy)")
        }
    }

    /// Given: one of `refs` is live (the first when none is); returns it.
    func given(liveAnyOf refs: [String]) throws -> String {
        for ref in refs {
            if host.liveRelease?.hasSuffix("-" + ref) == true, let version = DeployTests.versions[ref], try host.liveVersion() == version {
                return ref
            }
        }
        try given(live: refs[0])
        return refs[0]
    }

    /// v1 live, then a deploy of v2 in the background, returned once its new release has a virtualenv (its
    /// dependencies are being installed: the longest step, well before the switch).
    private func startDeployOfV2OverV1AndWaitUntilMidway() throws -> (old: String?, releases: [String], run: RunningCommand) {
        try given(live: "v1")
        let old = host.liveRelease
        let releases = host.releases
        let before = Set(entries(of: host.appDirectory + "/releases"))
        // A release that builds its own virtualenv (no reuse): the long step the deploy is caught in.
        let run = try host.startDeckhand(["deploy", "test", "--ref", "v2", "--message", "to be killed", "-e", "deploy_venv_reuse=false"])
        background.append(run)
        let folder = host.appDirectory + "/releases/"
        try waitFor("the deploy to build its new release's virtualenv", timeout: 180) {
            Set(entries(of: folder)).subtracting(before).contains { FileManager.default.fileExists(atPath: folder + $0 + "/.venv") }
                || !run.process.isRunning
        }
        guard run.process.isRunning else { throw DeployStepFailure("the deploy ended before it was midway:\n\(run.wait())") }
        XCTAssertEqual(host.liveRelease, old, "midway: not switched yet")
        return (old, releases, run)
    }

    /// One value from the live database.
    func sql(_ query: String) throws -> String {
        try host.psql(in: host.liveDatabase, query).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func languageColumnExists() throws -> Bool {
        try sql("""
            SELECT count(*) FROM information_schema.columns WHERE table_name = 'greetings_greeting' AND column_name = 'language'
            """) == "1"
    }

    func dumps() -> [String] {
        entries(of: host.appDirectory + "/DB_backups").filter { $0.hasSuffix(".dump") && !$0.hasPrefix(".") }
    }

    func entries(of folder: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    }

    private func waitFor(_ what: String, timeout: TimeInterval, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw DeployStepFailure("waited \(Int(timeout)) s for \(what)")
    }
}
