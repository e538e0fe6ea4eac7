import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// postgresql_user, postgresql_privs and postgresql_query decide from recorded psql output, without a server; every
/// name and value reaches psql as a variable on stdin, never inside the SQL text or on a command line.
final class PostgresqlModuleTests: XCTestCase {
    /// The one psql action: its command line and its stdin script.
    private func psql(_ plan: ModulePlan, file: StaticString = #filePath, line: UInt = #line) -> (command: String, script: String) {
        guard case .run(let command, let stdin)? = plan.actions.last?.kind else {
            XCTFail("no command", file: file, line: line)
            return ("", "")
        }
        return (command.rendered, String(decoding: stdin ?? Data(), as: UTF8.self))
    }

    static let hostile = LibraryModuleTests.hostile

    func testPsqlMetaQuotingKeepsAValueOneArgument() {
        XCTAssertEqual(PostgresqlLogin.metaQuoted("it's a \\ \n"), "'it''s a \\\\ \\n'")
        XCTAssertFalse(PostgresqlLogin.metaQuoted(Self.hostile).contains("\n"))
    }

    // MARK: postgresql_user

    func testUserIsCreatedWithItsPasswordOnStdinOnly() throws {
        let user = try makeModule(PostgresqlUserModule.self, ["name": Self.hostile, "password": "pa'ss\nword", "role_attr_flags": "CREATEDB,NOSUPERUSER",
                                                        "expires": "infinity", "conn_limit": 5, "comment": "app role"])
        let probeText = try XCTUnwrap(user.probe(ModuleContext())).rendered
        XCTAssertFalse(probeText.contains("pa'ss"), "the probe never carries the password")
        let plan = try user.plan(recordedOutput(""), ModuleContext())
        XCTAssertTrue(plan.result.changed)
        let (command, script) = psql(plan)
        XCTAssertFalse(command.contains("pa'ss") || command.contains(Self.hostile.prefix(4)), command)
        XCTAssertTrue(script.contains("\\set p 'pa''ss\\nword'\n"), script)
        XCTAssertTrue(script.contains("CREATE USER :\"n\" WITH CREATEDB NOSUPERUSER PASSWORD :'p' VALID UNTIL :'e' CONNECTION LIMIT 5;"), script)
        XCTAssertTrue(script.contains("COMMENT ON ROLE :\"n\" IS :'c';"), script)
        XCTAssertThrowsError(try makeModule(PostgresqlUserModule.self, ["name": "x", "role_attr_flags": "CREATEDB; DROP TABLE x"]))
    }

    func testUserComparesAttributesAndTheStoredPasswordHash() throws {
        // What PostgreSQL 15 stored for CREATE ROLE ... PASSWORD 'secret' (password_encryption scram-sha-256).
        let verifier = "SCRAM-SHA-256$4096:MS6okjuf4wDFd/VpNyPHIw==$jacnmNQ/XuQ6UNxfPlFhETbV8yy/185zg0JIxCT3E8Q=:Nt2GcczGUyVBkjk1xMPIypuuVYWxexzkJ65/8zSI9Vs="
        let row = "role\tf\tf\tt\tt\tt\tf\tf\t-1\tf\t\nencryption\tscram-sha-256\npassword\t\(verifier)\n"
        let same = try makeModule(PostgresqlUserModule.self, ["name": "app", "password": "secret", "role_attr_flags": "CREATEDB,LOGIN"])
        XCTAssertFalse(try same.plan(recordedOutput(row), ModuleContext()).result.changed, "same password, same attributes")
        let other = try makeModule(PostgresqlUserModule.self, ["name": "app", "password": "another"])
        XCTAssertTrue(try other.plan(recordedOutput(row), ModuleContext()).result.changed)
        let keep = try makeModule(PostgresqlUserModule.self, ["name": "app", "password": "another", "no_password_changes": true])
        XCTAssertFalse(try keep.plan(recordedOutput(row), ModuleContext()).result.changed)
        let flags = try makeModule(PostgresqlUserModule.self, ["name": "app", "role_attr_flags": "SUPERUSER"])
        XCTAssertTrue(psql(try flags.plan(recordedOutput(row), ModuleContext())).script.contains("ALTER ROLE :\"n\" WITH SUPERUSER;"))
        let md5 = "md56a422f785c9e20873908ce25d1736ae2" // md5("secret" + "app"), as PostgreSQL stores it
        XCTAssertFalse(try same.plan(recordedOutput(row.replacingOccurrences(of: verifier, with: md5)), ModuleContext()).result.changed)
        let settings = try makeModule(PostgresqlUserModule.self, ["name": "app", "configuration": Value.dict(["work_mem": .string("64MB"), "search_path": .string("app, public")]),
                                                            "reset_unspecified_configuration": true])
        let configured = row + "config\twork_mem=64MB\nconfig\tstatement_timeout=5s\n"
        let script = psql(try settings.plan(recordedOutput(configured), ModuleContext())).script
        XCTAssertTrue(script.contains("ALTER ROLE :\"n\" SET :\"k1\" TO :'v1';") && script.contains("\\set v1 'app, public'"), script)
        XCTAssertFalse(script.contains(":\"k0\""), "work_mem is already 64MB")
        XCTAssertTrue(script.contains("ALTER ROLE :\"n\" RESET :\"r0\";") && script.contains("\\set r0 'statement_timeout'"), script)
        XCTAssertFalse(try settings.plan(recordedOutput(row + "config\twork_mem=64MB\nconfig\tsearch_path=app, public\n"), ModuleContext()).result.changed)
        let dropped = try makeModule(PostgresqlUserModule.self, ["name": "app", "state": "absent"])
        XCTAssertTrue(psql(try dropped.plan(recordedOutput(row), ModuleContext())).script.hasSuffix("DROP ROLE :\"n\";\n"))
        XCTAssertFalse(try dropped.plan(recordedOutput(""), ModuleContext()).result.changed)
        let refused = try same.plan(recordedOutput("", status: 2, stderr: "psql: error: connection refused"), ModuleContext())
        XCTAssertEqual(refused.result.msg, "unable to connect to PostgreSQL as postgres: psql: error: connection refused")
    }

    func testUserPrivGrantsBetweenACLSnapshotsAndRevokesBeforeADrop() throws {
        let row = "role\tf\tf\tf\tt\tt\tf\tf\t-1\tf\t\n"
        let user = try makeModule(PostgresqlUserModule.self, ["name": "app", "db": "shop", "priv": "CONNECT/orders:SELECT,insert/sales.items:ALL"])
        let plan = try user.plan(recordedOutput(row), ModuleContext(checkMode: true))
        XCTAssertTrue(plan.runsInCheckMode)
        let (_, script) = psql(plan)
        XCTAssertTrue(script.contains("GRANT CONNECT ON DATABASE :\"deckhand_db\" TO :\"n\";\nGRANT SELECT, INSERT ON TABLE :\"deckhand_s1\".:\"deckhand_t1\" TO :\"n\";"), script)
        XCTAssertTrue(script.contains("\\set deckhand_s1 'public'") && script.contains("\\set deckhand_s2 'sales'"), script)
        XCTAssertTrue(script.contains("\nROLLBACK;"), "check mode rolls the grants back")
        var result = plan.result
        try plan.actions.last?.interpret?(recordedOutput("deckhand-privs-changed\n"), &result)
        XCTAssertTrue(result.changed)
        XCTAssertTrue(try user.plan(recordedOutput(""), ModuleContext(checkMode: true)).actions.isEmpty, "a role still to be created has nothing to compare")
        let dropped = try makeModule(PostgresqlUserModule.self, ["name": "app", "priv": "CONNECT", "state": "absent"])
        XCTAssertTrue(psql(try dropped.plan(recordedOutput(row), ModuleContext())).script.contains("REVOKE CONNECT ON DATABASE :\"deckhand_db\" FROM :\"n\";\nDROP ROLE :\"n\";"))
        XCTAssertThrowsError(try makeModule(PostgresqlUserModule.self, ["name": "app", "priv": "orders:EXECUTE"]))
    }

    // MARK: postgresql_privs

    func testPrivsBindNamesAndCompareACLsInATransaction() throws {
        let privs = try makeModule(PostgresqlPrivsModule.self, ["db": "app", "privs": "select,insert", "objs": "orders,\(Self.hostileName)",
                                                          "schema": "sales", "roles": "reader,PUBLIC", "grant_option": true])
        let plan = try privs.plan(recordedOutput(""), ModuleContext())
        let (command, script) = psql(plan)
        XCTAssertTrue(command.hasSuffix("-d app -f -"), command)
        XCTAssertTrue(script.contains("GRANT SELECT, INSERT ON TABLE :\"deckhand_s1\".:\"deckhand_o2\", :\"deckhand_s1\".:\"deckhand_o3\" TO :\"deckhand_r0\", PUBLIC WITH GRANT OPTION;"), script)
        XCTAssertTrue(script.hasSuffix("COMMIT;\n"))
        XCTAssertTrue(psql(try privs.plan(recordedOutput(""), ModuleContext(checkMode: true))).script.hasSuffix("ROLLBACK;\n"), "check mode rolls back")
        XCTAssertTrue(plan.runsInCheckMode)
        var result = ModuleResult()
        try plan.actions.last?.interpret?(recordedOutput("deckhand-privs-same\n"), &result)
        XCTAssertFalse(result.changed)
        try plan.actions.last?.interpret?(recordedOutput("deckhand-privs-changed\n"), &result)
        XCTAssertTrue(result.changed)
        XCTAssertEqual(try privs.plan(recordedOutput("missing\treader\n"), ModuleContext()).result.msg, "Role reader does not exist")

        let all = try makeModule(PostgresqlPrivsModule.self, ["db": "app", "privs": "ALL", "type": "sequence", "objs": "ALL_IN_SCHEMA", "roles": "app", "state": "absent"])
        XCTAssertTrue(psql(try all.plan(recordedOutput(""), ModuleContext())).script.contains("REVOKE ALL ON ALL SEQUENCES IN SCHEMA :\"deckhand_s1\" FROM :\"deckhand_r0\";"))
        let group = try makeModule(PostgresqlPrivsModule.self, ["db": "app", "type": "group", "objs": "admins", "roles": "alice"])
        XCTAssertTrue(psql(try group.plan(recordedOutput(""), ModuleContext())).script.contains("GRANT :\"deckhand_g1\" TO :\"deckhand_r0\";"))
        let defaults = try makeModule(PostgresqlPrivsModule.self, ["db": "app", "privs": "SELECT", "type": "default_privs", "objs": "TABLES",
                                                             "roles": "reader", "target_roles": "app"])
        XCTAssertTrue(psql(try defaults.plan(recordedOutput(""), ModuleContext())).script
            .contains("ALTER DEFAULT PRIVILEGES FOR ROLE :\"deckhand_t1\" IN SCHEMA :\"deckhand_s2\" GRANT SELECT ON TABLES TO :\"deckhand_r0\";"))
        let function = try makeModule(PostgresqlPrivsModule.self, ["db": "app", "privs": "EXECUTE", "type": "function", "objs": "add(int:int)", "roles": "app"])
        XCTAssertTrue(psql(try function.plan(recordedOutput(""), ModuleContext())).script.contains("ON FUNCTION :\"deckhand_s1\".:\"deckhand_o2\"(int,int) TO"))
        XCTAssertThrowsError(try makeModule(PostgresqlPrivsModule.self, ["db": "app", "privs": "SELECT; DROP", "objs": "t", "roles": "r"]))
        let sneaky = try makeModule(PostgresqlPrivsModule.self, ["db": "app", "privs": "EXECUTE", "type": "function", "objs": "f(int);DROP TABLE x;--)", "roles": "r"])
        XCTAssertThrowsError(try sneaky.plan(recordedOutput(""), ModuleContext()))
    }

    static let hostileName = LibraryModuleTests.hostileName.replacingOccurrences(of: ",", with: "")

    // MARK: postgresql_query

    func testQueryBindsArgumentsAndTypesItsRows() throws {
        let query = try makeModule(PostgresqlQueryModule.self, ["db": "app", "query": "SELECT id, name FROM users WHERE name = %(name)s AND id > %(id)s AND tags = %(tags)s AND x = 100%%",
                                                          "named_args": Value.dict(["name": .string(Self.hostile), "id": .int(3), "tags": .list([.string("a"), .string("b\"c")])])])
        let plan = try query.plan(nil, ModuleContext())
        let (command, script) = psql(plan)
        XCTAssertTrue(command.contains("--csv"), command)
        XCTAssertTrue(script.contains("WHERE name = :'deckhand_a1' AND id > 3 AND tags = :'deckhand_a2' AND x = 100%"), script)
        XCTAssertTrue(script.contains("\\set deckhand_a2 '{\"a\",\"b\\\\\"c\"}'"), script)
        XCTAssertFalse(script.contains("touch /tmp/deckhand-pwned'"), "the value is set by \\set only: \(script)")
        var result = ModuleResult()
        let output = "BEGIN\n@@deckhand-describe\nColumn,Type\nid,integer\nname,text\n@@deckhand-result\nid,name\n4,\"caf\u{e9}, \"\"x\"\"\"\n5,\u{1}\n@@deckhand-rowcount 2\n"
        try plan.actions.last?.interpret?(recordedOutput(output), &result)
        XCTAssertFalse(result.changed)
        XCTAssertEqual(result["query_result"], .list([.dict(["id": .int(4), "name": .string("caf\u{e9}, \"x\"")]), .dict(["id": .int(5), "name": .none])]))
        XCTAssertEqual(result["rowcount"], .int(2))
        XCTAssertEqual(result["statusmessage"], .string("SELECT 2"))

        let update = try makeModule(PostgresqlQueryModule.self, ["db": "app", "query": ["UPDATE t SET a = %s;", "CREATE TABLE u (a int)"], "positional_args": [1]])
        let updatePlan = try update.plan(nil, ModuleContext(checkMode: true))
        XCTAssertTrue(updatePlan.runsInCheckMode)
        XCTAssertTrue(psql(updatePlan).script.contains("\nROLLBACK;\n"), "check mode rolls back, as Ansible's")
        var touched = ModuleResult()
        try updatePlan.actions.last?.interpret?(recordedOutput("@@deckhand-describe\nThe command has no result, or the result has no columns.\n@@deckhand-result\nUPDATE 0\n@@deckhand-rowcount 0\n"), &touched)
        XCTAssertFalse(touched.changed, "an UPDATE of no rows changes nothing")
        try updatePlan.actions.last?.interpret?(recordedOutput("@@deckhand-result\nUPDATE 0\n@@deckhand-rowcount 0\n@@deckhand-describe\n@@deckhand-result\nCREATE TABLE\n@@deckhand-rowcount 0\n"), &touched)
        XCTAssertTrue(touched.changed)
        XCTAssertEqual(touched["query_all_results"], .list([.dict([:]), .dict([:])]))
        var returning = ModuleResult()
        PostgresqlQueryModule.read("@@deckhand-describe\nColumn,Type\nid,integer\n@@deckhand-result\nid\n7\nINSERT 0 1\n@@deckhand-rowcount 1\n",
                                   queries: ["insert into t (a) values (1) returning id"], into: &returning)
        XCTAssertTrue(returning.changed, "INSERT ... RETURNING changed a row")
        XCTAssertEqual(returning["statusmessage"], .string("INSERT 0 1"))
        XCTAssertEqual(returning["query_result"], .list([.dict(["id": .int(7)])]))
        XCTAssertThrowsError(try makeModule(PostgresqlQueryModule.self, ["query": "SELECT %s, %s", "positional_args": [1]]).plan(nil, ModuleContext()))
        let autocommit = try makeModule(PostgresqlQueryModule.self, ["query": "VACUUM", "autocommit": true])
        XCTAssertEqual(try autocommit.plan(nil, ModuleContext(checkMode: true)).result.msg, "Using autocommit is mutually exclusive with check_mode")
    }
}
