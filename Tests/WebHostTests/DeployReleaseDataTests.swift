import Foundation
import XCTest

/// Issue 15: what a release keeps besides its code. A code-only deploy reuses the virtualenv of the releases
/// with the same requirements and serves its own static files; a rollback takes the schema back to what the
/// older release went live with (or stops, naming an irreversible migration), or with --with-data puts the
/// undone release's restore point back; a cut dump is never a restore point. Same host and conventions as the
/// rest of DeployTests: each test brings the host to where its story starts.
extension DeployTests {
    static let migrationsQuery = "SELECT string_agg(app || '.' || name, ' ' ORDER BY app, name) FROM django_migrations"
    static let greetingsQuery = "SELECT count(*) FROM greetings_greeting"

    func testACutDumpFailsBackupVerifyAndIsNeverTakenAsARestorePoint() throws {
        let ref = try given(liveAnyOf: ["v2", "v1"])
        if restorePoint(of: host.liveRelease) == nil {
            // A release deckhand deployed before restore points existed: deploy it again to get one.
            let deploy = try host.deckhand(["deploy", "test", "--ref", ref, "--force"])
            XCTAssertEqual(deploy.status, 0, "\(deploy)")
        }
        let live = try XCTUnwrap(host.liveRelease)
        let dump = try XCTUnwrap(restorePoint(of: live), "the deploy of \(live) left its restore point in DB_backups")
        let path = host.appDirectory + "/DB_backups/" + dump
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        // Cut to 60 %, as a full disk or a broken copy leaves it; put back whole afterwards (same file, same owner).
        XCTAssertEqual(truncate(path, off_t(whole.count * 6 / 10)), 0)
        defer {
            if let file = FileHandle(forWritingAtPath: path) { file.write(whole); try? file.close() }
        }

        let verify = try host.deckhand(["backup", "verify", "test", "--file", dump])
        XCTAssertEqual(verify.status, 2, "a cut dump fails verify:\n\(verify)")
        XCTAssertTrue(verify.stdout.contains("BROKEN  \(dump)"), "and is named BROKEN:\n\(verify)")

        let rollback = try host.deckhand(["rollback", "test", "--with-data", "--yes"])
        XCTAssertEqual(rollback.status, 2, "a cut restore point is not restored:\n\(rollback)")
        XCTAssertTrue(rollback.stderr.contains("does not read back in full"), "it says why:\n\(rollback)")
        XCTAssertEqual(host.liveRelease, live, "nothing was changed")
        XCTAssertEqual(try host.site().status, 200, "the site still serves, maintenance off")
        XCTAssertNil(host.lockInfo)
    }

    func testAnIrreversibleMigrationStopsTheRollbackAndWithDataPutsTheRestorePointBack() throws {
        try givenV2WithItsOwnSchema()
        let v2 = try XCTUnwrap(host.liveRelease)
        let (migrationsOfV2, greetingsOfV2) = (try sql(Self.migrationsQuery), try sql(Self.greetingsQuery))
        let deploy = try host.deckhand(["deploy", "test", "--ref", "v2-irreversible"])
        XCTAssertEqual(deploy.status, 0, "\(deploy)")
        let irreversible = try XCTUnwrap(host.liveRelease)
        // Written after the deploy: its restore point does not have these rows.
        _ = try host.psql(in: host.liveDatabase, "INSERT INTO greetings_greeting (text, created) VALUES ('written since', now()), ('and this', now())")
        let (migrations, greetings, dumpsBefore) = (try sql(Self.migrationsQuery), try sql(Self.greetingsQuery), Set(dumps()))

        let refused = try host.deckhand(["rollback", "test"])
        XCTAssertEqual(refused.status, 2, "\(refused)")
        XCTAssertTrue(refused.stderr.contains("greetings.0002_second_greeting"), "it names the irreversible migration:\n\(refused)")
        XCTAssertTrue(refused.stderr.contains("--with-data"), "it offers --with-data:\n\(refused)")
        XCTAssertEqual(host.liveRelease, irreversible, "nothing was changed: the release")
        XCTAssertEqual(try sql(Self.migrationsQuery), migrations, "nor the migrations")
        XCTAssertEqual(try sql(Self.greetingsQuery), greetings, "nor the data")
        XCTAssertEqual(Set(dumps()), dumpsBefore, "no backup was taken: it stopped before")
        XCTAssertEqual(try host.liveVersion(), "2.2.0", "the site serves as before, maintenance off")
        XCTAssertNil(host.lockInfo)

        let unconfirmed = try host.deckhand(["rollback", "test", "--with-data"])
        XCTAssertEqual(unconfirmed.status, 1, "without a terminal, --with-data needs --yes:\n\(unconfirmed)")
        XCTAssertTrue(unconfirmed.stderr.contains("--yes") && unconfirmed.stderr.contains("lost"), "\(unconfirmed)")
        XCTAssertEqual(host.liveRelease, irreversible)

        let restored = try host.deckhand(["rollback", "test", "--with-data", "--yes"])
        XCTAssertEqual(restored.status, 0, "\(restored)")
        XCTAssertTrue(restored.stderr.contains("lost"), "it warns that what was written since is lost:\n\(restored)")
        XCTAssertTrue(restored.lastLine.contains("restored the restore point"), restored.lastLine)
        XCTAssertEqual(host.liveRelease, v2, "back on the release live when the restore point was taken")
        XCTAssertEqual(try host.liveVersion(), "2.0.0")
        XCTAssertEqual(try sql(Self.greetingsQuery), greetingsOfV2, "the restore point's rows, without those written since")
        XCTAssertEqual(try sql(Self.migrationsQuery), migrationsOfV2, "and its migrations")
    }

    func testCodeOnlyDeployReusesTheVirtualenvServesItsOwnStaticFilesAndFailsNoRequest() throws {
        let from = try given(liveAnyOf: ["v1", "v2"])
        let to = from == "v1" ? "v2" : "v1"
        let old = try XCTUnwrap(host.liveRelease)
        if !isShared(old) {
            // Given: a release with these requirements already has the shared virtualenv.
            let deploy = try host.deckhand(["deploy", "test", "--ref", from, "--force"])
            XCTAssertEqual(deploy.status, 0, "\(deploy)")
        }
        let previous = try XCTUnwrap(host.liveRelease)

        let visitor = SiteProbe(host)
        let deploy = try host.deckhand(["deploy", "test", "--ref", to])
        let seen = visitor.stop()
        print("during the code-only deploy of \(to) the visitor saw: \(seen.summary)")

        XCTAssertEqual(deploy.status, 0, "\(deploy)")
        XCTAssertTrue(deploy.lastLine.contains("virtualenv reused"), deploy.lastLine)
        let release = try XCTUnwrap(host.liveRelease)
        XCTAssertEqual(venv(of: release), venv(of: previous), "one virtualenv for both releases")
        let versions = Set([from, to].compactMap { DeployTests.versions[$0] })
        XCTAssertGreaterThanOrEqual(seen.count, 5, seen.summary)
        XCTAssertEqual(seen.failures(allowing: versions).count, 0, "no request failed: \(seen.summary)")

        for folder in [previous, release] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: host.appDirectory + "/releases/\(folder)/.static/greetings/site.css"),
                          "releases/\(folder) has its own static files")
        }
        XCTAssertEqual(try host.site("/static/greetings/site.css").status, 200, "nginx serves the live release's")
    }

    func testRollbackAfterAMigratingDeployUnappliesItsMigrationAndTheOlderReleaseServes() throws {
        try givenV2WithItsOwnSchema()
        let v2 = try XCTUnwrap(host.liveRelease)
        let migrationsOfV2 = try sql(Self.migrationsQuery)
        let dumpsBefore = Set(dumps())
        let deploy = try host.deckhand(["deploy", "test", "--ref", "v2-migration"])
        XCTAssertEqual(deploy.status, 0, "\(deploy)")
        XCTAssertTrue(try languageColumnExists())

        let visitor = SiteProbe(host)
        let rollback = try host.deckhand(["rollback", "test"])
        let seen = visitor.stop()
        print("during the rollback from v2-migration the visitor saw: \(seen.summary)")

        XCTAssertEqual(rollback.status, 0, "\(rollback)")
        XCTAssertTrue(rollback.lastLine.contains("unapplied greetings.0002_greeting_language"), rollback.lastLine)
        XCTAssertEqual(try sql(Self.migrationsQuery), migrationsOfV2, "django_migrations as v2 had it")
        XCTAssertFalse(try languageColumnExists(), "the column 0002 added is gone")
        XCTAssertEqual(host.liveRelease, v2)
        XCTAssertEqual(try host.liveVersion(), "2.0.0")
        XCTAssertTrue(seen.contains { $0.status == 503 && $0.maintenancePage }, "behind the maintenance page: \(seen.summary)")
        XCTAssertEqual(seen.failures(allowing: ["2.1.0", "2.0.0"], maintenanceAllowed: true).count, 0, seen.summary)
        XCTAssertEqual(Set(dumps()).subtracting(dumpsBefore).count, 2, "the deploy's backup and the rollback's fresh one: \(dumps())")
    }

    // MARK: Helpers

    /// Given: v2 serves, the database has neither v2-migration's nor v2-irreversible's migration 0002, and v2's
    /// release went live with that schema (what a rollback to it compares with).
    func givenV2WithItsOwnSchema() throws {
        let newer = try sql("SELECT count(*) FROM django_migrations WHERE app = 'greetings' AND name LIKE '0002%'")
        let record = (try? String(contentsOfFile: host.appDirectory + "/repo/.live-migrations", encoding: .utf8)) ?? ""
        if host.liveRelease?.hasSuffix("-v2") == true, try host.liveVersion() == "2.0.0", newer == "0",
           record.contains("greetings.0001_initial"), !record.contains("greetings.0002") { return }
        // v2's code uses neither: the database as v2 would have made it (the release live now may fail its health
        // check until v2 replaces it, hence deploy_require_healthy=false).
        _ = try host.psql(in: host.liveDatabase, """
            ALTER TABLE greetings_greeting DROP COLUMN IF EXISTS language;
            DELETE FROM greetings_greeting WHERE text LIKE 'Hello again%';
            DELETE FROM django_migrations WHERE app = 'greetings' AND name LIKE '0002%';
            """)
        let deploy = try host.deckhand(["deploy", "test", "--ref", "v2", "--force", "--message", "given v2 with its own schema",
                                        "-e", "deploy_require_healthy=false"])
        guard deploy.status == 0, try host.liveVersion() == "2.0.0" else {
            throw DeployStepFailure("could not bring the host to v2 with its own schema before the test:\n\(deploy)")
        }
    }

    /// The dump in DB_backups that is the restore point of `release` (the newest, when it has several).
    func restorePoint(of release: String?) -> String? {
        guard let release else { return nil }
        let folder = host.appDirectory + "/DB_backups/"
        return entries(of: folder).filter { $0.hasSuffix(".restore-point") }.sorted().reversed().first { name in
            let text = (try? String(contentsOfFile: folder + name, encoding: .utf8)) ?? ""
            return text.contains("release=\(release)\n") && text.contains("action=deploy\n")
        }.map { String($0.dropLast(".restore-point".count)) }
    }

    /// The folder releases/<release>/.venv is (a shared virtualenv in venvs/ when it is a link).
    func venv(of release: String) -> String {
        let path = host.appDirectory + "/releases/\(release)/.venv"
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? path
    }

    func isShared(_ release: String) -> Bool {
        venv(of: release).hasPrefix(host.appDirectory + "/venvs/")
    }
}
