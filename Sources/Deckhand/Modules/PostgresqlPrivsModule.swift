import Foundation
import Jinja

/// postgresql_privs: grants or revokes privileges on database objects, default privileges, or group
/// membership. As Ansible does, the GRANT/REVOKE runs in a transaction between two snapshots of the
/// catalog's ACLs: changed when they differ, and rolled back in check mode. Every name is a psql variable
/// (:"name"); privileges and object kinds come from fixed lists.
///
///     - postgresql_privs: { db: app, privs: SELECT,INSERT, type: table, objs: ALL_IN_SCHEMA, roles: reader }
public struct PostgresqlPrivsModule: Module {
    static let privileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "CREATE", "CONNECT",
                             "TEMPORARY", "TEMP", "EXECUTE", "USAGE", "ALL", "SET", "ALTER SYSTEM", "MAINTAIN"]
    /// The SQL object kind of each type and the catalog holding its ACLs.
    static let kinds: [String: (sql: String, catalog: String)] = [
        "table": ("TABLE", "SELECT oid::text || coalesce(relacl::text, '') FROM pg_catalog.pg_class"),
        "sequence": ("SEQUENCE", "SELECT oid::text || coalesce(relacl::text, '') FROM pg_catalog.pg_class"),
        "function": ("FUNCTION", "SELECT oid::text || coalesce(proacl::text, '') FROM pg_catalog.pg_proc"),
        "procedure": ("PROCEDURE", "SELECT oid::text || coalesce(proacl::text, '') FROM pg_catalog.pg_proc"),
        "database": ("DATABASE", "SELECT oid::text || coalesce(datacl::text, '') FROM pg_catalog.pg_database"),
        "schema": ("SCHEMA", "SELECT oid::text || coalesce(nspacl::text, '') FROM pg_catalog.pg_namespace"),
        "language": ("LANGUAGE", "SELECT oid::text || coalesce(lanacl::text, '') FROM pg_catalog.pg_language"),
        "tablespace": ("TABLESPACE", "SELECT oid::text || coalesce(spcacl::text, '') FROM pg_catalog.pg_tablespace"),
        "type": ("TYPE", "SELECT oid::text || coalesce(typacl::text, '') FROM pg_catalog.pg_type"),
        "foreign_data_wrapper": ("FOREIGN DATA WRAPPER", "SELECT oid::text || coalesce(fdwacl::text, '') FROM pg_catalog.pg_foreign_data_wrapper"),
        "foreign_server": ("FOREIGN SERVER", "SELECT oid::text || coalesce(srvacl::text, '') FROM pg_catalog.pg_foreign_server"),
        "parameter": ("PARAMETER", "SELECT parname || coalesce(paracl::text, '') FROM pg_catalog.pg_parameter_acl"),
        "default_privs": ("", "SELECT defaclrole::text || ':' || defaclnamespace::text || defaclobjtype || coalesce(defaclacl::text, '') FROM pg_catalog.pg_default_acl"),
        "group": ("", "SELECT roleid::text || ':' || member::text || admin_option::text FROM pg_catalog.pg_auth_members"),
    ]
    static let defaultObjects = ["TABLES", "SEQUENCES", "FUNCTIONS", "TYPES", "SCHEMAS"]
    static let implicitRoles = ["PUBLIC", "CURRENT_ROLE", "CURRENT_USER", "SESSION_USER"]

    public static let spec = ModuleSpec(
        name: "postgresql_privs",
        arguments: [
            ArgumentSpec("database", required: true, aliases: ["db", "login_db"], doc: "The database to connect to."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present grants, absent revokes."),
            ArgumentSpec("privs", aliases: ["priv"], doc: "Comma-separated privileges (SELECT,INSERT or ALL)."),
            ArgumentSpec("type", default: .string("table"), choices: kinds.keys.sorted(), doc: "The kind of object."),
            ArgumentSpec("objs", aliases: ["obj"],
                         doc: "Comma-separated objects; ALL_IN_SCHEMA for every table/sequence/function of the schema; functions as name(int:text)."),
            ArgumentSpec("schema", doc: "The objects' schema (default public; not-specified for none)."),
            ArgumentSpec("roles", required: true, aliases: ["role"], doc: "Comma-separated roles (PUBLIC too)."),
            ArgumentSpec("fail_on_role", type: .bool, default: .bool(true), doc: "Fail when a role does not exist; otherwise leave it out."),
            ArgumentSpec("target_roles", doc: "default_privs: the roles whose future objects get the privileges."),
            ArgumentSpec("grant_option", type: .bool, aliases: ["admin_option"], doc: "WITH GRANT OPTION; false revokes only the option."),
            ArgumentSpec("password", noLog: true, doc: "Deprecated name of login_password."),
        ] + PostgresqlLogin.arguments,
        doc: "Grants or revokes privileges (tables, sequences, functions, procedures, databases, schemas, languages, tablespaces, "
            + "types, foreign data wrappers and servers, parameters), default privileges, or group membership; changed when the "
            + "catalog's ACLs change, checked in a rolled-back transaction in check mode.",
        example: "- postgresql_privs:\n    db: app\n    privs: SELECT\n    type: table\n    objs: ALL_IN_SCHEMA\n    roles: reader")

    var database: String
    var grant: Bool
    var privileges: [String]
    var type: String
    var objects: [String]
    var schema: String?
    var roles: [String]
    var failOnRole: Bool
    var targetRoles: [String]
    var grantOption: Bool?
    var login: PostgresqlLogin

    public init(_ arguments: ModuleArguments) throws {
        database = try arguments.requiredString("database")
        grant = try arguments.requiredString("state") == "present"
        type = try arguments.requiredString("type")
        func list(_ name: String) throws -> [String] {
            (try arguments.string(name) ?? "").split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
        }
        privileges = try list("privs").map { $0.uppercased() == "ALL PRIVILEGES" ? "ALL" : $0.uppercased() }
        for privilege in privileges where !PostgresqlPrivsModule.privileges.contains(privilege) {
            throw ModuleArgumentError("postgresql_privs: '\(privilege)' is not a privilege; use " + PostgresqlPrivsModule.privileges.joined(separator: ", "))
        }
        objects = try list("objs")
        if type == "database" && objects.isEmpty { objects = [database] }
        if type == "default_privs" {
            objects = objects.map { $0.uppercased() }
            if objects == ["ALL_DEFAULT"] { objects = PostgresqlPrivsModule.defaultObjects }
            for object in objects where !PostgresqlPrivsModule.defaultObjects.contains(object) {
                throw ModuleArgumentError("postgresql_privs: default_privs objs are " + PostgresqlPrivsModule.defaultObjects.joined(separator: ", ") + " or ALL_DEFAULT, not \(object)")
            }
        }
        schema = try arguments.string("schema")
        roles = try list("roles")
        failOnRole = try arguments.bool("fail_on_role")
        targetRoles = try list("target_roles")
        grantOption = try arguments.optionalBool("grant_option")
        login = try PostgresqlLogin(arguments)
        if let password = try arguments.string("password"), !password.isEmpty, login.environment["PGPASSWORD"] == nil {
            login.environment["PGPASSWORD"] = password
        }
        if type != "group" && privileges.isEmpty { throw ModuleArgumentError("postgresql_privs: give privs for type \(type)") }
        if objects.isEmpty { throw ModuleArgumentError("postgresql_privs: give objs for type \(type)") }
        if roles.isEmpty { throw ModuleArgumentError("postgresql_privs: give roles") }
    }

    var namedRoles: [String] { roles.filter { !PostgresqlPrivsModule.implicitRoles.contains($0.uppercased()) } }

    /// The roles that do not exist (one `missing` line each): the rest of the work happens in the action.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        let names = namedRoles + targetRoles
        let sql = "SELECT 'missing', r FROM unnest(ARRAY[" + names.indices.map { ":'r\($0)'" }.joined(separator: ", ")
            + "]::text[]) AS r WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r);"
        let variables = names.enumerated().flatMap { ["-v", "r\($0.offset)=" + $0.element] }
        return ShellCommand("printf", "%s\\n", names.isEmpty ? "SELECT 1;" : sql)
            .pipe(ShellCommand(words: ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1"] + variables + login.words + ["-d", database]))
            .withEnvironment(login.environment)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if let probe, probe.exitStatus != 0 { return ModulePlan(result: login.connectionFailure(probe)) }
        let missing = Set((probe?.stdoutText ?? "").splitLines.compactMap { line -> String? in
            line.hasPrefix("missing\t") ? String(line.dropFirst(8)) : nil
        })
        if let role = targetRoles.first(where: missing.contains) {
            return ModulePlan(result: .failure("Role \(role) does not exist"))
        }
        var result = ModuleResult()
        var grantees = roles
        if let role = roles.first(where: missing.contains) {
            if failOnRole { return ModulePlan(result: .failure("Role \(role) does not exist")) }
            grantees.removeAll(where: missing.contains)
            result["warnings"] = .list(roles.filter(missing.contains).map { .string("Role \($0) does not exist, skipped") })
            if grantees.isEmpty { return .unchanged(result) }
        }
        var variables: [(String, String)] = []
        func bound(_ name: String, _ prefix: String) -> String {
            variables.append(("\(prefix)\(variables.count)", name))
            return ":\"\(variables.last!.0)\""
        }
        let roleList = grantees.map { PostgresqlPrivsModule.implicitRoles.contains($0.uppercased()) ? $0.uppercased() : bound($0, "deckhand_r") }
            .joined(separator: ", ")
        let statement = try self.statement(roles: roleList, bound: bound)
        guard let snapshot = PostgresqlPrivsModule.kinds[type]?.catalog else { throw ModuleArgumentError("unknown type \(type)") }
        let acl = "(SELECT coalesce(md5(string_agg(x, '|' ORDER BY x)), '') FROM (\(snapshot)) AS acl(x))"
        let sql = "BEGIN;\nSELECT \(acl) AS deckhand_before \\gset\n\(statement);\n"
            + "SELECT CASE WHEN \(acl) = :'deckhand_before' THEN 'deckhand-privs-same' ELSE 'deckhand-privs-changed' END;\n"
            + (context.checkMode ? "ROLLBACK;" : "COMMIT;")
        result["queries"] = .list([.string(statement)])
        let action = HostAction.run(login.psql(database), stdin: login.script(variables, sql)).interpreting { output, result in
            result.changed = output.stdoutText.contains("deckhand-privs-changed")
        }
        return ModulePlan(actions: [action], result: result, runsInCheckMode: true)
    }

    /// The GRANT/REVOKE (or ALTER DEFAULT PRIVILEGES) with every name bound.
    func statement(roles roleList: String, bound: (String, String) -> String) throws -> String {
        let privs = privileges.joined(separator: ", ")
        let schemaName = schema == "not-specified" ? nil : (schema ?? "public")
        func verb(_ on: String) -> String {
            if grant && grantOption == false { return "REVOKE GRANT OPTION FOR \(privs) ON \(on) FROM \(roleList)" }
            if grant { return "GRANT \(privs) ON \(on) TO \(roleList)" + (grantOption == true ? " WITH GRANT OPTION" : "") }
            return "REVOKE \(privs) ON \(on) FROM \(roleList)"
        }
        switch type {
        case "group":
            let groups = objects.map { bound($0, "deckhand_g") }.joined(separator: ", ")
            if grant && grantOption == false { return "REVOKE ADMIN OPTION FOR \(groups) FROM \(roleList)" }
            if grant { return "GRANT \(groups) TO \(roleList)" + (grantOption == true ? " WITH ADMIN OPTION" : "") }
            return "REVOKE \(groups) FROM \(roleList)"
        case "default_privs":
            var prefix = "ALTER DEFAULT PRIVILEGES"
            if !targetRoles.isEmpty { prefix += " FOR ROLE " + targetRoles.map { bound($0, "deckhand_t") }.joined(separator: ", ") }
            if let schemaName { prefix += " IN SCHEMA " + bound(schemaName, "deckhand_s") }
            return objects.map { prefix + " " + verb($0) }.joined(separator: ";\n")
        default:
            let kind = PostgresqlPrivsModule.kinds[type]!.sql
            let qualified = ["table", "sequence", "function", "procedure", "type"].contains(type)
            if objects == ["ALL_IN_SCHEMA"], ["table", "sequence", "function", "procedure"].contains(type) {
                return verb("ALL \(kind)S IN SCHEMA " + bound(schemaName ?? "public", "deckhand_s"))
            }
            let schemaWord = qualified ? schemaName.map { bound($0, "deckhand_s") + "." } ?? "" : ""
            let names = try objects.map { object -> String in
                guard type == "function" || type == "procedure", let open = object.firstIndex(of: "("), object.hasSuffix(")") else {
                    return schemaWord + bound(object, "deckhand_o")
                }
                let signature = object[object.index(after: open)..<object.index(before: object.endIndex)].replacingOccurrences(of: ":", with: ",")
                // Argument types are SQL type names: letters, digits, spaces, brackets, dots and commas only.
                guard signature.range(of: "^[A-Za-z0-9_ ,.\\[\\]()]*$", options: .regularExpression) != nil else {
                    throw ModuleArgumentError("postgresql_privs: the argument types of \(object) must be type names (int, text, character varying(20))")
                }
                return schemaWord + bound(String(object[..<open]), "deckhand_o") + "(" + signature + ")"
            }
            return verb("\(kind) " + names.joined(separator: ", "))
        }
    }
}
