import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// postgresql_user, postgresql_privs and postgresql_query against the test host's PostgreSQL cluster (found as
/// the postgresql_db test finds it), as the postgres user: names and values with quotes, `$(...)` and line
/// breaks stay data, check mode changes nothing, a second run reports ok.
final class PostgresqlModuleIntegrationTests: XCTestCase {
    private var workspace = ""
    private var port = 0
    private let suffix = UUID().uuidString.prefix(8).lowercased()

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        port = try Self.postgresPort()
        workspace = NSTemporaryDirectory() + "deckhand-pgmods-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
    }

    override func tearDown() {
        _ = try? FileManager.default.removeItem(atPath: workspace)
    }

    /// The first online PostgreSQL cluster here (`testhost/webhost up` brings one up; make test does).
    static func postgresPort() throws -> Int {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/bin/sh")
        probe.arguments = ["-c", "pg_lsclusters -h 2>/dev/null | awk '$4 == \"online\" { print $3; exit }'"]
        let pipe = Pipe()
        probe.standardOutput = pipe
        try probe.run()
        probe.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(text) else {
            let advice = "no PostgreSQL cluster is online here: run `testhost/webhost up` (make test does)"
            if ProcessInfo.processInfo.environment["DECKHAND_WEBHOST_REQUIRED"] == "1" { XCTFail(advice) }
            throw XCTSkip(advice)
        }
        return port
    }

    private func play(_ tasks: String, vars: String, check: Bool = false) async throws -> (RunSummary, RecordingReporter) {
        let path = workspace + "/play-\(UUID().uuidString).yml"
        try """
        - hosts: testhost
          gather_facts: false
          become: yes
          become_user: postgres
          vars: { pg: \(port), \(vars) }
          tasks:
        \(tasks)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return try await LoopbackHost.run(path, check: check)
    }

    /// psql on the cluster for the test's own checks: as postgres (peer), or as `user` with `password` over TCP.
    private func sql(_ query: String, database: String = "postgres", user: String? = nil, password: String? = nil) -> (String, Int32) {
        let process = Process()
        let psql = ["-X", "-At", "-w", "-p", String(port), "-d", database, "-c", query]
        if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
            process.arguments = psql + ["-h", "127.0.0.1", "-U", user]
            process.environment = ["PGPASSWORD": password ?? "", "PATH": "/usr/bin:/bin"]
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "postgres", "--", "psql"] + psql
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try? process.run()
        process.waitUntilExit()
        return (String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
                process.terminationStatus)
    }

    private func status(_ events: RecordingReporter, _ task: String) -> TaskStatus? { events.results(ofTask: task).first?.status }

    func testUserIsCreatedOnceKeepsItsPasswordAndIsDropped() async throws {
        let role = "dh_user \(suffix) 'q' $(x)"
        let password = "pa'ss \"w\" $(reboot) \\ \(suffix)"
        let literal = role.replacingOccurrences(of: "'", with: "''")
        defer { _ = sql("DROP ROLE IF EXISTS \"\(role)\"") }
        let vars = "role: \(Value.jsonQuoted(role)), password: \(Value.jsonQuoted(password))"
        let tasks = """
              - name: user
                postgresql_user: { name: "{{ role }}", password: "{{ password }}", port: "{{ pg }}", role_attr_flags: "CREATEDB,NOSUPERUSER", conn_limit: 3, configuration: { work_mem: 64MB } }
        """
        let (_, checked) = try await play(tasks, vars: vars, check: true)
        XCTAssertEqual(status(checked, "user"), .changed, checked.failureReport)
        XCTAssertEqual(sql("SELECT count(*) FROM pg_roles WHERE rolname = '\(literal)'").0, "0", "check mode created the role")
        let (first, firstEvents) = try await play(tasks, vars: vars)
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        XCTAssertEqual(sql("SELECT rolcreatedb, rolsuper, rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname = '\(literal)'").0, "t|f|t|3")
        XCTAssertEqual(sql("SELECT array_to_string(rolconfig, ',') FROM pg_roles WHERE rolname = '\(literal)'").0, "work_mem=64MB")
        let login = sql("SELECT current_user", user: role, password: password)
        XCTAssertEqual(login.1, 0, "the role logs in over TCP with the password as given")
        XCTAssertFalse(firstEvents.results(ofTask: "user").first.map { "\($0.commands)" }?.contains("reboot") ?? true, "the password is on no command line")
        let (second, secondEvents) = try await play(tasks, vars: vars)
        XCTAssertEqual(second.exitCode, 0, secondEvents.failureReport)
        XCTAssertEqual(status(secondEvents, "user"), .ok, "the stored SCRAM hash matches the password")
        let (changed, changedEvents) = try await play("""
              - name: new password
                postgresql_user: { name: "{{ role }}", password: "other", port: "{{ pg }}" }
              - name: drop
                postgresql_user: { name: "{{ role }}", port: "{{ pg }}", state: absent }
              - name: drop again
                postgresql_user: { name: "{{ role }}", port: "{{ pg }}", state: absent }
        """, vars: vars)
        XCTAssertEqual(changed.exitCode, 0, changedEvents.failureReport)
        XCTAssertEqual(status(changedEvents, "new password"), .changed)
        XCTAssertEqual(status(changedEvents, "drop"), .changed)
        XCTAssertEqual(status(changedEvents, "drop again"), .ok)
        XCTAssertEqual(sql("SELECT count(*) FROM pg_roles WHERE rolname = '\(literal)'").0, "0")
    }

    func testQueryAndPrivsOnARealTable() async throws {
        let database = "dh_db_\(suffix)"
        let reader = "dh_reader \(suffix) \"r\""
        let hostile = LibraryModuleTests.hostile
        defer {
            _ = sql("DROP DATABASE IF EXISTS \(database)")
            _ = sql("DROP ROLE IF EXISTS \"\(reader.replacingOccurrences(of: "\"", with: "\"\""))\"")
        }
        let vars = "db: \(database), reader: \(Value.jsonQuoted(reader)), hostile: \(Value.jsonQuoted(hostile))"
        let (setup, setupEvents) = try await play("""
              - postgresql_db: { name: "{{ db }}", port: "{{ pg }}" }
              - postgresql_user: { name: "{{ reader }}", port: "{{ pg }}" }
              - name: table
                postgresql_query:
                  db: "{{ db }}"
                  port: "{{ pg }}"
                  query:
                    - CREATE TABLE notes (id serial PRIMARY KEY, body text, ok boolean, meta jsonb)
                    - INSERT INTO notes (body, ok, meta) VALUES (%s, %s, %s), ('plain', false, NULL)
                  positional_args: ["{{ hostile }}", true, '{"n": 2}']
        """, vars: vars)
        XCTAssertEqual(setup.exitCode, 0, setupEvents.failureReport)
        XCTAssertEqual(status(setupEvents, "table"), .changed)

        let (read, readEvents) = try await play("""
              - name: select
                postgresql_query: { db: "{{ db }}", port: "{{ pg }}", query: "SELECT id, body, ok, meta FROM notes WHERE body = %(body)s OR id > %(id)s ORDER BY id", named_args: { body: "{{ hostile }}", id: 5 } }
                register: rows
              - name: add in check mode
                postgresql_query: { db: "{{ db }}", port: "{{ pg }}", query: "INSERT INTO notes (body) VALUES ('never') RETURNING id" }
                check_mode: yes
              - name: update nothing
                postgresql_query: { db: "{{ db }}", port: "{{ pg }}", query: "UPDATE notes SET ok = true WHERE id < 0" }
              - name: count
                postgresql_query: { db: "{{ db }}", port: "{{ pg }}", query: "SELECT count(*) AS n FROM notes" }
                register: counted
        """, vars: vars)
        XCTAssertEqual(read.exitCode, 0, readEvents.failureReport)
        let rows = readEvents.results(ofTask: "select").first?.result
        XCTAssertEqual(rows?["query_result"], .list([.dict(["id": .int(1), "body": .string(hostile), "ok": .bool(true), "meta": .dict(["n": .int(2)])])]))
        XCTAssertEqual(rows?["rowcount"], .int(1))
        XCTAssertEqual(status(readEvents, "select"), .ok)
        XCTAssertEqual(status(readEvents, "add in check mode"), .changed)
        XCTAssertEqual(readEvents.results(ofTask: "add in check mode").first?.result["statusmessage"], .string("INSERT 0 1"))
        XCTAssertEqual(readEvents.results(ofTask: "add in check mode").first?.result["query_result"], .list([.dict(["id": .int(3)])]))
        XCTAssertEqual(status(readEvents, "update nothing"), .ok)
        XCTAssertEqual(readEvents.results(ofTask: "count").first?.result["query_result"], .list([.dict(["n": .int(2)])]), "check mode rolled back")

        let grant = """
              - name: grant
                postgresql_privs: { db: "{{ db }}", port: "{{ pg }}", privs: SELECT, objs: notes, roles: "{{ reader }}" }
        """
        let privilege = "SELECT has_table_privilege('\(reader.replacingOccurrences(of: "'", with: "''"))', 'public.notes', 'SELECT')"
        let (_, checked) = try await play(grant, vars: vars, check: true)
        XCTAssertEqual(status(checked, "grant"), .changed, checked.failureReport)
        XCTAssertEqual(sql(privilege, database: database).0, "f", "check mode rolled the grant back")
        let (granted, grantedEvents) = try await play(grant, vars: vars)
        XCTAssertEqual(granted.exitCode, 0, grantedEvents.failureReport)
        XCTAssertEqual(status(grantedEvents, "grant"), .changed)
        XCTAssertEqual(sql(privilege, database: database).0, "t")
        let (again, againEvents) = try await play(grant, vars: vars)
        XCTAssertEqual(status(againEvents, "grant"), .ok, againEvents.failureReport)
        _ = again
        let priv = """
              - name: priv
                postgresql_user: { name: "{{ reader }}", db: "{{ db }}", port: "{{ pg }}", priv: "CONNECT/notes:INSERT" }
        """
        let (_, privChecked) = try await play(priv, vars: vars, check: true)
        XCTAssertEqual(status(privChecked, "priv"), .changed, privChecked.failureReport)
        XCTAssertEqual(sql(privilege.replacingOccurrences(of: "'SELECT'", with: "'INSERT'"), database: database).0, "f", "check mode rolled back")
        let (_, privFirst) = try await play(priv, vars: vars)
        XCTAssertEqual(status(privFirst, "priv"), .changed, privFirst.failureReport)
        XCTAssertEqual(sql(privilege.replacingOccurrences(of: "'SELECT'", with: "'INSERT'"), database: database).0, "t")
        let (_, privAgain) = try await play(priv, vars: vars)
        XCTAssertEqual(status(privAgain, "priv"), .ok, privAgain.failureReport)
        let (revoked, revokedEvents) = try await play("""
              - name: revoke
                postgresql_privs: { db: "{{ db }}", port: "{{ pg }}", privs: SELECT, objs: ALL_IN_SCHEMA, roles: "{{ reader }}", state: absent }
              - name: no such role
                postgresql_privs: { db: "{{ db }}", port: "{{ pg }}", privs: SELECT, objs: notes, roles: nobody_here_\(suffix) }
                ignore_errors: yes
              - postgresql_user: { name: "{{ reader }}", db: "{{ db }}", port: "{{ pg }}", priv: "CONNECT/notes:INSERT", state: absent }
              - postgresql_db: { name: "{{ db }}", port: "{{ pg }}", state: absent }
        """, vars: vars)
        XCTAssertEqual(revoked.exitCode, 0, revokedEvents.failureReport)
        XCTAssertEqual(status(revokedEvents, "revoke"), .changed)
        XCTAssertEqual(revokedEvents.results(ofTask: "no such role").first?.result["msg"], .string("Role nobody_here_\(suffix) does not exist"))
    }
}
