import Foundation
import XCTest

/// What a user checks after the chores, beyond a verb's own report: the certificate nginx serves after a
/// renewal, Redis' exposure, a restored database's rows, a second provision, every log after a rotation.
/// Part of WebHostVerbTests, so `make test`'s one filter runs them against the provisioned host.
extension WebHostVerbTests {
    func testCertsRenewGetsANewCertificateFromPebbleThatNginxServes() throws {
        let before = try servedCertificate()
        let renew = try host.deckhand(["certs", "renew", "test"])
        XCTAssertEqual(renew.status, 0, "\(renew)")
        XCTAssertTrue(renew.lastLine.contains("renewed"), renew.lastLine)

        let after = try servedCertificate()
        XCTAssertNotEqual(after.serial, before.serial, "nginx still serves the old certificate")
        XCTAssertGreaterThanOrEqual(after.notBefore, before.notBefore, "the served certificate is not the newer one")
        XCTAssertTrue(renew.lastLine.contains("serial=\(after.serial)"), "the verb reports the served serial: \(renew.lastLine)")
        // The chain nginx serves verifies against the root of the pebble that issued it, as a browser would.
        let root = try host.pebbleRoot()
        let verified = try host.shell("""
            curl -sS --max-time 10 --cacert \(root) --resolve \(host.domain):443:127.0.0.1 \
            -o /dev/null -w '%{http_code}' https://\(host.domain)/
            """)
        XCTAssertEqual(verified.stdout, "200", "curl with pebble's root does not accept the served chain: \(verified)")
    }

    func testRedisAnswersOnLoopbackOnlyWithProtectedModeOn() throws {
        XCTAssertEqual(try host.shell("redis-cli -h 127.0.0.1 -p 6379 ping").stdout, "PONG\n")
        let other = try host.shell("redis-cli -h 127.0.0.2 -p 6379 ping")
        XCTAssertTrue(other.stdout.contains("Connection refused") || other.stderr.contains("Connection refused"),
                      "Redis answers on 127.0.0.2: \(other)")
        XCTAssertEqual(try host.shell("redis-cli CONFIG GET bind").stdout, "bind\n127.0.0.1\n")
        XCTAssertEqual(try host.shell("redis-cli CONFIG GET protected-mode").stdout, "protected-mode\nyes\n")
        // Every socket listening on Redis' port, whatever the address family.
        let listeners = try host.shell("ss -Hltn 'sport = :6379' | awk '{print $4}'").stdout
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(listeners, ["127.0.0.1:6379"], "Redis listens on more than 127.0.0.1")
    }

    func testABackupRestoresIntoAScratchDatabaseWithTheSameRowCounts() throws {
        let create = try host.deckhand(["backup", "create", "test"])
        XCTAssertEqual(create.status, 0, "\(create)")
        let live = try rowCounts(in: host.liveDatabase)
        XCTAssertGreaterThan(live.values.reduce(0, +), 0, "the live database has rows to compare: \(live)")

        let scratch = "\(host.liveDatabase)_restore_check_\(UUID().uuidString.prefix(8).lowercased())"
        defer { _ = try? host.psql(in: host.liveDatabase, "DROP DATABASE IF EXISTS \(scratch)") }
        let restore = try host.deckhand(["backup", "restore", "test", "--into", scratch])
        XCTAssertEqual(restore.status, 0, "\(restore)")
        XCTAssertEqual(try rowCounts(in: scratch), live, "the restored tables and row counts differ from the live ones")
    }

    func testASecondProvisionChangesNothing() throws {
        let again = try host.deckhand(["provision", "test"])
        XCTAssertEqual(again.status, 0, "\(again)")
        let recap = again.stdout.split(separator: "\n").first { $0.contains(" ok=") && $0.contains(" changed=") }
        XCTAssertTrue(recap?.contains(" changed=0 ") ?? false, "a second provision changed something:\n\(again.stdout)")
        XCTAssertEqual(again.lastLine, "test is provisioned; nothing needed changing")
        XCTAssertEqual(try host.site().status, 200)
    }

    func testLogsRotateEveryWrittenLogAndEachWriterMovesToTheNewFile() throws {
        let logs = host.appDirectory + "/logs"
        let written = try FileManager.default.contentsOfDirectory(atPath: logs)
            .filter { $0.hasSuffix(".log") && fileSize(logs + "/" + $0) > 0 }
        let rotate = try host.deckhand(["logs", "rotate", "test"])
        XCTAssertEqual(rotate.status, 0, "\(rotate)")
        let names = try FileManager.default.contentsOfDirectory(atPath: logs)
        for log in written {
            XCTAssertTrue(names.contains { $0.hasPrefix(log + "-") }, "\(log) had lines but was not rotated: \(names.sorted())")
        }

        // Each writer gets something to say: nginx (access and, for a missing static file, error), gunicorn,
        // the RQ worker and the app itself (the job logs to app.log).
        let marker = "rotated-\(UUID().uuidString.prefix(8))"
        XCTAssertEqual(try host.site("/health/?\(marker)").status, 200)
        XCTAssertEqual(try host.site("/static/\(marker).css").status, 404)
        let enqueue = try host.deckhand(["exec", "test", "--", "python", "-c", """
            'import os, redis, rq; print(rq.Queue("default", connection=redis.Redis.from_url(os.environ["REDIS_URL"])).enqueue("greetings.jobs.heartbeat").id)'
            """])
        XCTAssertEqual(enqueue.status, 0, "\(enqueue)")
        let job = enqueue.lastLine
        for (file, text) in [("nginx-access.log", marker), ("nginx-error.log", marker), ("gunicorn_supervisor.log", marker),
                             ("rqworker.log", job), ("app.log", "heartbeat")] {
            try waitForNewLine(containing: text, in: logs + "/" + file)
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: logs) {
            if name.contains(".log-") {
                let text = (try? String(contentsOfFile: logs + "/" + name, encoding: .utf8)) ?? ""
                XCTAssertFalse(text.contains(marker) || text.contains(job), "a new line went into the rotated \(name)")
            }
            // Logs hold requests' URLs and the app's messages: for their writer's group, not for every user.
            let mode = (try FileManager.default.attributesOfItem(atPath: logs + "/" + name)[.posixPermissions] as? Int) ?? 0
            XCTAssertEqual(mode & 0o004, 0, "\(name) is world-readable (mode \(String(mode, radix: 8)))")
        }
    }

    // MARK: Helpers

    /// The certificate nginx serves for the domain on 127.0.0.1:443, as openssl sees it; notBefore in ISO 8601
    /// (UTC), so later dates compare greater.
    private func servedCertificate() throws -> (serial: String, notBefore: String) {
        let output = try host.shell("""
            echo | openssl s_client -connect 127.0.0.1:443 -servername \(host.domain) 2>/dev/null \
            | openssl x509 -noout -serial -startdate -dateopt iso_8601
            """)
        var fields: [String: String] = [:]
        for line in output.stdout.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        guard let serial = fields["serial"], let notBefore = fields["notBefore"] else {
            throw WebHost.Unavailable(description: "nginx on 127.0.0.1:443 serves no readable certificate for \(host.domain): \(output)")
        }
        return (serial, notBefore)
    }

    /// Rows per table of the app's schema, read with psql as the app's role.
    private func rowCounts(in database: String) throws -> [String: Int] {
        let tables = try host.psql(in: database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            .split(separator: "\n").map(String.init)
        var counts: [String: Int] = [:]
        for table in tables {
            counts[table] = Int(try host.psql(in: database, "SELECT count(*) FROM \"\(table)\"")
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        return counts
    }

    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// Waits for a line in the current file (a writer flushes on its own schedule; the RQ job takes a moment).
    private func waitForNewLine(containing text: String, in path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let content = try? String(contentsOfFile: path, encoding: .utf8), content.contains(text) { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTFail("no line with \(text) in the new \(path) within 20 s", file: file, line: line)
    }
}

extension WebHost {
    /// Runs a shell script on this machine (the loopback host is this machine), as a user checks by hand.
    func shell(_ script: String) throws -> Output {
        try Output.run(URL(fileURLWithPath: "/bin/sh"), ["-c", script], in: operations)
    }

    /// One psql query against a database of the stage's server, as the app's role; the rows, one a line.
    func psql(in database: String, _ query: String) throws -> String {
        guard var url = URLComponents(string: vars["database_url"] ?? "") else {
            throw Unavailable(description: "\(varsFile) has no database_url")
        }
        url.path = "/" + database
        let output = try Output.run(URL(fileURLWithPath: "/usr/bin/psql"),
                                    ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", query, url.string ?? ""], in: operations)
        guard output.status == 0 else {
            throw Unavailable(description: "psql \(database) -c \"\(query)\" failed: \(output)")
        }
        return output.stdout
    }

    /// The root certificate of the running pebble (it makes a new one at each start), in a file.
    func pebbleRoot() throws -> String {
        guard let server = URLComponents(string: vars["certbot_server"] ?? ""), let port = server.port,
              let caBundle = vars["certbot_ca_bundle"] else {
            throw Unavailable(description: "\(varsFile) names no certbot_server with a port or no certbot_ca_bundle")
        }
        let root = operations + "/pebble-root.pem"
        let fetched = try shell("curl -fsS --max-time 10 --cacert \(caBundle) -o \(root) https://127.0.0.1:\(port + 1000)/roots/0")
        guard fetched.status == 0 else {
            throw Unavailable(description: "pebble's root from its management port \(port + 1000): \(fetched)")
        }
        return root
    }
}
