import Deckhand
import Foundation
import Jinja
import XCTest

/// deckhand.yml as a user writes it: stages become one-host inventories with the playbooks' variables, and
/// every mistake is named with file:line and what to do.
final class StageConfigTests: XCTestCase {
    private func parse(_ text: String) throws -> StageConfig {
        try StageConfig.parse(text, path: "/ops/deckhand.yml")
    }

    private func errors(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [Deckhand.ValidationError] {
        do {
            _ = try parse(text)
            XCTFail("expected validation errors", file: file, line: line)
            return []
        } catch let error as ValidationErrors {
            return error.errors
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return []
        }
    }

    func testAStageBecomesOneHostWithThePlaybookVariables() throws {
        let config = try parse("""
            stages:
              production:
                host: web1.example.com
                port: 2222
                user: deploy
                become: true
                domain: example.com
                repo: git@github.com:example/app.git
                ref: v1.2.0
                app_user: shop
                workers: 5
                backup_keep_count: 7
                backup_keep_days: 10
                certbot_email: ops@example.com
                certbot_server: https://acme.example/dir
                vars:
                  database_url: postgres://u:p@db/app
                  app_env: {SENTRY_DSN: "x"}
            """)
        let stage = try config.stage("production")
        let vars = stage.variables
        XCTAssertEqual(vars["ansible_host"], .string("web1.example.com"))
        XCTAssertEqual(vars["ansible_port"], .int(2222))
        XCTAssertEqual(vars["ansible_user"], .string("deploy"))
        XCTAssertEqual(vars["ansible_become"], .bool(true))
        XCTAssertEqual(vars["domain"], .string("example.com"))
        XCTAssertEqual(vars["app_repo_url"], .string("git@github.com:example/app.git"))
        XCTAssertEqual(vars["app_repo_ref"], .string("v1.2.0"))
        XCTAssertEqual(vars["app_user"], .string("shop"))
        XCTAssertEqual(vars["gunicorn_workers"], .int(5))
        XCTAssertEqual(vars["backup_keep_count"], .int(7))
        XCTAssertEqual(vars["backup_keep_days"], .int(10))
        XCTAssertEqual(vars["certbot_email"], .string("ops@example.com"))
        XCTAssertEqual(vars["certbot_server"], .string("https://acme.example/dir"))
        XCTAssertEqual(vars["database_url"], .string("postgres://u:p@db/app"))
        XCTAssertNil(vars["vars"], "vars: is flattened into the variables, not passed as a variable named vars")

        let inventory = stage.inventory
        XCTAssertEqual(try inventory.hostNames(matching: HostPattern("all"), limit: nil), ["production"])
        XCTAssertEqual(inventory.variables(for: "production")["domain"], .string("example.com"))
        let host = try StageHost(stage: "production", host: "production", inventory: inventory,
                                 playbookDirectory: NSTemporaryDirectory(), extraVars: [:])
        XCTAssertEqual(host.connection.address, "web1.example.com")
        XCTAssertEqual(host.connection.port, 2222)
        XCTAssertEqual(host.connection.user, "deploy")
        XCTAssertEqual(stage.location.line, 2)
    }

    func testDefaultsAreSharedAndAStageWinsIncludingSingleVars() throws {
        let config = try parse("""
            defaults:
              user: deploy
              ref: main
              vars: {secret_key: shared, redis_url: "redis://127.0.0.1:6379/0"}
            stages:
              test:
                host: test.example.com
                domain: test.example.com
                vars: {secret_key: test-only}
              production:
                host: www.example.com
                domain: www.example.com
                ref: v2
            """)
        XCTAssertEqual(Array(config.stages.keys), ["test", "production"])
        let test = try config.stage("test").variables
        XCTAssertEqual(test["ansible_user"], .string("deploy"))
        XCTAssertEqual(test["app_repo_ref"], .string("main"))
        XCTAssertEqual(test["secret_key"], .string("test-only"))
        XCTAssertEqual(test["redis_url"], .string("redis://127.0.0.1:6379/0"), "a stage's vars add to the shared ones")
        let production = try config.stage("production").variables
        XCTAssertEqual(production["app_repo_ref"], .string("v2"))
        XCTAssertEqual(production["secret_key"], .string("shared"))
    }

    func testATypoInASettingIsNamedWithItsLineAndTheNearestSetting() {
        let found = errors("""
            stages:
              test:
                host: t.example.com
                domian: t.example.com
            """)
        XCTAssertEqual(found.count, 2, "\(found)")
        let typo = found.first { $0.message.contains("unknown setting 'domian'") }
        XCTAssertEqual(typo?.location.description, "/ops/deckhand.yml:4:5")
        XCTAssertEqual(typo?.suggestion, "domain")
        XCTAssertTrue(typo?.message.contains("vars:") ?? false, "says where playbook variables go")
        let missing = found.first { $0.message.contains("has no 'domain'") }
        XCTAssertEqual(missing?.location.line, 2)
        XCTAssertTrue(missing?.message.contains("defaults:") ?? false)
    }

    func testWrongShapesAreRefusedWithWhatToDo() {
        let found = errors("""
            stags:
              test: {}
            stages:
              test:
                host: [a, b]
                domain: d
                port: eighty
                workers: -1
                become: maybe
                vars: [x]
              "bad name!":
                host: h
                domain: d
            """)
        let messages = found.map(\.description)
        func has(_ text: String, line: Int) {
            XCTAssertTrue(found.contains { $0.message.contains(text) && $0.location.line == line },
                          "missing '\(text)' at line \(line) in \(messages)")
        }
        has("unknown top-level key 'stags'", line: 1)
        XCTAssertEqual(found.first { $0.message.contains("stags") }?.suggestion, "stages")
        has("'host' of stage 'test' must be a single value", line: 5)
        has("'port' of stage 'test' must be a whole number", line: 7)
        has("'workers' of stage 'test' must be a whole number", line: 8)
        has("'become' of stage 'test' must be true or false", line: 9)
        has("'vars' of stage 'test' must be a mapping", line: 10)
        has("stage name 'bad name!'", line: 11)
    }

    func testAnUnknownStageListsTheStagesAndSuggestsOne() throws {
        let config = try parse("stages:\n  production: {host: h, domain: d}\n  test: {host: h, domain: d}\n")
        XCTAssertThrowsError(try config.stage("prodution")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("/ops/deckhand.yml:1:1: no stage 'prodution' (the stages are: production, test;"), text)
            XCTAssertTrue(text.contains("did you mean 'production'"), text)
        }
    }

    func testSyntaxErrorsAndEmptyFilesAreLocated() {
        let syntax = errors("stages:\n  test:\n    host: [unclosed\n")
        XCTAssertEqual(syntax.count, 1)
        XCTAssertTrue(syntax.first?.message.contains("YAML syntax error") ?? false, "\(syntax)")
        XCTAssertGreaterThan(syntax.first?.location.line ?? 0, 0)

        let empty = errors("")
        XCTAssertTrue(empty.first?.message.contains("deckhand init") ?? false, "\(empty)")
        let noStages = errors("defaults: {user: x}\n")
        XCTAssertTrue(noStages.first?.message.contains("no 'stages:'") ?? false, "\(noStages)")
    }

    func testTheFileIsFoundInTheFolderOrAnyFolderAbove() throws {
        let top = NSTemporaryDirectory() + "deckhand-stage-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: top) }
        let deep = top + "/ops/a/b"
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        XCTAssertNil(StageConfig.find(from: deep).flatMap { $0.hasPrefix(top) ? $0 : nil })
        try "stages: {test: {host: h, domain: d}}\n".write(toFile: top + "/ops/deckhand.yml", atomically: true, encoding: .utf8)
        let found = try XCTUnwrap(StageConfig.find(from: deep))
        XCTAssertEqual(URL(fileURLWithPath: found).resolvingSymlinksInPath().path,
                       URL(fileURLWithPath: top + "/ops/deckhand.yml").resolvingSymlinksInPath().path)
        let config = try StageConfig.load(path: found)
        XCTAssertTrue(config.directory.hasSuffix("/ops"))
        XCTAssertEqual(try config.stage("test").variables["domain"], .string("d"))
    }

    func testTheExampleThatInitWritesIsValid() throws {
        let config = try StageConfig.parse(StageConfig.example, path: "deckhand.yml")
        XCTAssertEqual(Array(config.stages.keys), ["test", "production"])
        XCTAssertEqual(try config.stage("production").variables["gunicorn_workers"], .int(5))
        XCTAssertEqual(try config.stage("test").variables["gunicorn_workers"], .int(3))
    }

    // MARK: The binary

    func testInitWritesTheExampleAndNeverOverwrites() throws {
        let folder = NSTemporaryDirectory() + "deckhand-init-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try deckhand(["init"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        let written = try String(contentsOfFile: folder + "/deckhand.yml", encoding: .utf8)
        XCTAssertEqual(written, StageConfig.example)
        try "mine\n".write(toFile: folder + "/deckhand.yml", atomically: true, encoding: .utf8)
        let second = try deckhand(["init"], in: folder)
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stderr.contains("already exists"), second.stderr)
        XCTAssertEqual(try String(contentsOfFile: folder + "/deckhand.yml", encoding: .utf8), "mine\n")
    }

    func testAVerbWithABadStageFileRunsNothingAndSaysWhere() throws {
        let folder = NSTemporaryDirectory() + "deckhand-verb-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let none = try deckhand(["status", "test"], in: folder + "/sub")
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("deckhand init"), none.stderr)

        try "stages:\n  test:\n    host: 127.0.0.1\n    port: 1\n    domian: x\n"
            .write(toFile: folder + "/deckhand.yml", atomically: true, encoding: .utf8)
        let bad = try deckhand(["maintenance", "on", "test"], in: folder + "/sub")
        XCTAssertEqual(bad.status, 5, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("deckhand.yml:5:5: unknown setting 'domian'"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("did you mean 'domain'"), bad.stderr)

        let unknown = try deckhand(["backup", "list", "tset"], in: folder + "/sub")
        XCTAssertEqual(unknown.status, 5, unknown.stderr)
        let restore = try deckhand(["backup", "restore", "test"], in: folder)
        XCTAssertEqual(restore.status, 1)
        XCTAssertTrue(restore.stderr.contains("--into"), restore.stderr)
    }

    func testExecRunsTheAppenvWrapperAsTheAppUserOfTheStage() throws {
        let folder = NSTemporaryDirectory() + "deckhand-exec-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "stages:\n  test:\n    host: 127.0.0.1\n    domain: shop.example.com\n    app_user: shop\n"
            .write(toFile: folder + "/deckhand.yml", atomically: true, encoding: .utf8)
        // --check prints the command line without connecting; app_dir comes from the playbooks' defaults.yml.
        let exec = try deckhand(["exec", "test", "--check", "--", "python", "manage.py", "migrate"], in: folder)
        XCTAssertEqual(exec.status, 0, exec.stderr)
        XCTAssertEqual(exec.stdout, "test: sudo -n -H -u shop /webapps/shop.example.com/bin/appenv python manage.py migrate\n")
        let moved = try deckhand(["exec", "test", "--check", "-e", "webapps_root=/srv/apps", "--", "true"], in: folder)
        XCTAssertEqual(moved.stdout, "test: sudo -n -H -u shop /srv/apps/shop.example.com/bin/appenv true\n", moved.stderr)
    }

    private func deckhand(_ arguments: [String], in folder: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try DeckhandBinary.run(arguments, in: folder)
    }
}
