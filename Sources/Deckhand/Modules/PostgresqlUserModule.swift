import Crypto
import _CryptoExtras
import Foundation
import Jinja

/// postgresql_user: a role that can log in, with its password, attributes, expiry and connection limit; or no
/// such role. Every name and value reaches the server as a psql variable (:"name", :'value').
///
///     - postgresql_user: { name: app, password: "{{ db_password }}", role_attr_flags: CREATEDB,NOSUPERUSER }
public struct PostgresqlUserModule: Module {
    static let flags = ["SUPERUSER", "CREATEROLE", "CREATEDB", "INHERIT", "LOGIN", "REPLICATION", "BYPASSRLS"]

    public static let spec = ModuleSpec(
        name: "postgresql_user",
        arguments: [
            ArgumentSpec("name", required: true, aliases: ["user"], doc: "The role."),
            ArgumentSpec("password", noLog: true,
                         doc: "Its password: plain (compared with the stored SCRAM or md5 hash), an md5 or SCRAM-SHA-256 hash, or '' for none."),
            ArgumentSpec("db", default: .string("postgres"), aliases: ["login_db"], doc: "The database to connect to."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("role_attr_flags", default: .string(""),
                         doc: "Comma-separated attributes: [NO]SUPERUSER, [NO]CREATEROLE, [NO]CREATEDB, [NO]INHERIT, [NO]LOGIN, [NO]REPLICATION, [NO]BYPASSRLS."),
            ArgumentSpec("encrypted", type: .bool, default: .bool(true), doc: "Store the password hashed (always, on PostgreSQL 10 and later)."),
            ArgumentSpec("expires", doc: "VALID UNTIL: a timestamp, or infinity."),
            ArgumentSpec("no_password_changes", type: .bool, default: .bool(false), doc: "Set the password of a new role only."),
            ArgumentSpec("conn_limit", type: .int, doc: "Connection limit (-1: none)."),
            ArgumentSpec("fail_on_user", type: .bool, default: .bool(true), aliases: ["fail_on_role"],
                         doc: "Fail when the role cannot be dropped (it owns objects); otherwise report ok and keep it."),
            ArgumentSpec("comment", doc: "COMMENT ON ROLE."),
            ArgumentSpec("configuration", type: .dict, doc: "Role settings (ALTER ROLE ... SET key TO value), e.g. {work_mem: 64MB}."),
            ArgumentSpec("reset_unspecified_configuration", type: .bool, default: .bool(false), doc: "RESET the role's settings configuration leaves out."),
            ArgumentSpec("priv", doc: "Deprecated: privileges to grant, CONNECT/table:SELECT,INSERT (revoked before a drop)."),
        ] + PostgresqlLogin.arguments,
        doc: "Creates, changes or drops a PostgreSQL role with psql: password (compared with the stored hash, so an unchanged "
            + "password reports ok), attributes, expiry, connection limit, comment, configuration, the deprecated priv.",
        example: "- postgresql_user:\n    name: app\n    password: secret\n    role_attr_flags: CREATEDB,NOSUPERUSER\n  become: yes\n  become_user: postgres")

    var name: String
    var password: String?
    var database: String
    var present: Bool
    var attributes: [(flag: String, on: Bool)]
    var expires: String?
    var noPasswordChanges: Bool
    var connectionLimit: Int?
    var failOnUser: Bool
    var comment: String?
    var privileges: PostgresqlUserPrivileges?
    var configuration: [(String, String)]
    var resetUnspecified: Bool
    var login: PostgresqlLogin

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        password = try arguments.string("password")
        database = try arguments.requiredString("db")
        present = try arguments.requiredString("state") == "present"
        attributes = try arguments.requiredString("role_attr_flags").split(separator: ",").map { word in
            let text = String(word).trimmed.uppercased()
            let on = !text.hasPrefix("NO") || text == "NOTHING"
            let flag = on ? text : String(text.dropFirst(2))
            guard PostgresqlUserModule.flags.contains(flag) else {
                throw ModuleArgumentError("role_attr_flags: '\(String(word).trimmed)' is not a role attribute; use [NO]" + PostgresqlUserModule.flags.joined(separator: ", [NO]"))
            }
            return (flag, on)
        }
        expires = try arguments.string("expires")
        noPasswordChanges = try arguments.bool("no_password_changes")
        connectionLimit = try arguments.int("conn_limit")
        failOnUser = try arguments.bool("fail_on_user")
        comment = try arguments.string("comment")
        if case .dict(let settings)? = arguments.value("configuration") {
            configuration = settings.map { ($0.key, $0.value.displayText) }
        } else {
            configuration = []
        }
        resetUnspecified = try arguments.bool("reset_unspecified_configuration")
        privileges = try arguments.string("priv").flatMap { $0.isEmpty ? nil : try PostgresqlUserPrivileges($0) }
        login = try PostgresqlLogin(arguments)
    }

    /// One `role` row (attributes, expiry compared by the server, comment), then the stored password when
    /// this login may read pg_authid (a superuser), and the server's password_encryption.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        let sql = """
            SELECT 'role', rolsuper, rolcreaterole, rolcreatedb, rolinherit, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit, \
            (rolvaliduntil IS DISTINCT FROM NULLIF(:'e', '')::timestamptz), coalesce(shobj_description(oid, 'pg_authid'), '') \
            FROM pg_catalog.pg_roles WHERE rolname = :'n';
            SELECT 'encryption', current_setting('password_encryption');
            SELECT 'config', c FROM pg_catalog.pg_roles, unnest(rolconfig) AS c WHERE rolname = :'n';
            SELECT 'password', coalesce(rolpassword, '') FROM pg_catalog.pg_authid WHERE rolname = :'n';
            """
        let psql = ShellCommand(words: ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "n=" + name, "-v", "e=" + (expires ?? "")]
                                    + login.words + ["-d", database])
        return ShellCommand("printf", "%s\\n", sql).pipe(psql).withEnvironment(login.environment)
    }

    struct Current {
        var attributes: [String: Bool] = [:]
        var connectionLimit = -1
        var expiryDiffers = false
        var comment = ""
        var password: String?
        var encryption = "scram-sha-256"
        var settings: [String: String] = [:]
    }

    static func parse(_ output: String) -> Current? {
        var current: Current?
        var encryption: String?
        var password: String?
        var settings: [String: String] = [:]
        for line in output.splitLines {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch fields.first {
            case "role" where fields.count >= 11:
                var role = Current()
                for (index, flag) in flags.enumerated() { role.attributes[flag] = fields[index + 1] == "t" }
                role.connectionLimit = Int(fields[8]) ?? -1
                role.expiryDiffers = fields[9] == "t"
                role.comment = fields[10...].joined(separator: "\t")
                current = role
            case "encryption" where fields.count == 2: encryption = fields[1]
            case "config" where fields.count >= 2:
                let setting = fields[1...].joined(separator: "\t")
                if let equals = setting.firstIndex(of: "=") { settings[String(setting[..<equals])] = String(setting[setting.index(after: equals)...]) }
            case "password" where fields.count >= 2: password = fields[1...].joined(separator: "\t")
            default: break
            }
        }
        current?.password = password
        current?.settings = settings
        if let encryption { current?.encryption = encryption }
        return current
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if let probe, probe.exitStatus != 0 { return ModulePlan(result: login.connectionFailure(probe)) }
        let current = PostgresqlUserModule.parse(probe?.stdoutText ?? "")
        var result = ModuleResult(values: ["user": .string(name)])
        var statements: [String] = []
        var variables: [(String, String)] = [("n", name)]
        if !present {
            guard current != nil else {
                result["user_removed"] = .bool(false)
                return .unchanged(result)
            }
            result["queries"] = .list([.string("DROP ROLE :\"n\"")])
            result["user_removed"] = .bool(true)
            let drop = login.psql(database)
            var sql = "DROP ROLE :\"n\";"
            if let privileges {
                let (revokes, more) = privileges.statements(database: database, grant: false)
                sql = revokes + "\n" + sql
                variables += more
            }
            guard !failOnUser else {
                return .change([.run(drop, stdin: login.script(variables, sql))], result)
            }
            let tolerant = drop.or(ShellCommand("echo", "deckhand-role-kept"))
            let action = HostAction.run(tolerant, stdin: login.script(variables, sql)).interpreting { output, result in
                if output.stdoutText.contains("deckhand-role-kept") {
                    result.changed = false
                    result["user_removed"] = .bool(false)
                    result.msg = "Unable to remove user \(name): \(output.stderrText.trimmed)"
                }
            }
            return .change([action], result)
        }
        var options: [String] = []
        for (flag, on) in attributes where current?.attributes[flag] != on {
            options.append((on ? "" : "NO") + flag)
        }
        if let password, current == nil || (!noPasswordChanges && passwordDiffers(password, current!)) {
            if password.isEmpty {
                options.append("PASSWORD NULL")
            } else {
                variables.append(("p", password))
                options.append("PASSWORD :'p'")
            }
        }
        if let expires, current == nil || current!.expiryDiffers {
            variables.append(("e", expires))
            options.append("VALID UNTIL :'e'")
        }
        if let connectionLimit, current?.connectionLimit != connectionLimit {
            options.append("CONNECTION LIMIT \(connectionLimit)")
        }
        if current == nil {
            statements.append("CREATE USER :\"n\"" + (options.isEmpty ? "" : " WITH " + options.joined(separator: " ")) + ";")
        } else if !options.isEmpty {
            statements.append("ALTER ROLE :\"n\" WITH " + options.joined(separator: " ") + ";")
        }
        for (index, (key, value)) in configuration.enumerated() where current?.settings[key] != value {
            variables += [("k\(index)", key), ("v\(index)", value)]
            statements.append("ALTER ROLE :\"n\" SET :\"k\(index)\" TO :'v\(index)';")
        }
        if resetUnspecified, let current {
            for (index, key) in current.settings.keys.sorted().enumerated() where !configuration.contains(where: { $0.0 == key }) {
                variables.append(("r\(index)", key))
                statements.append("ALTER ROLE :\"n\" RESET :\"r\(index)\";")
            }
        }
        if let comment, current?.comment != comment {
            variables.append(("c", comment))
            statements.append("COMMENT ON ROLE :\"n\" IS :'c';")
        }
        result["queries"] = .list(statements.map(Value.string))
        var actions: [HostAction] = []
        if !statements.isEmpty && !context.checkMode {
            actions.append(.run(login.psql(database), stdin: login.script(variables, statements.joined(separator: "\n"))))
        }
        result.changed = !statements.isEmpty
        // priv: granted between ACL snapshots (rolled back in check mode, where a role still to be created has none).
        if let privileges, current != nil || !context.checkMode {
            let (sql, more) = privileges.script(database: database, grant: true, commit: !context.checkMode)
            actions.append(HostAction.run(login.psql(database), stdin: login.script([("n", name)] + more, sql)).interpreting { output, result in
                if output.stdoutText.contains("deckhand-privs-changed") { result.changed = true }
            })
        }
        return ModulePlan(actions: actions, result: result, runsInCheckMode: privileges != nil)
    }

    /// Ansible's comparison: a hash given is compared as it is; a plain password with the stored SCRAM
    /// verifier's ServerKey or md5 hash; one the server may not show us counts as changed.
    func passwordDiffers(_ password: String, _ current: Current) -> Bool {
        guard let stored = current.password else { return true }
        if password.isEmpty { return !stored.isEmpty }
        if password.hasPrefix("SCRAM-SHA-256$") || (password.hasPrefix("md5") && password.count == 35) { return password != stored }
        if stored.hasPrefix("SCRAM-SHA-256$") { return !PostgresqlUserModule.scramMatches(password, stored) }
        if stored.hasPrefix("md5") {
            let digest = Insecure.MD5.hash(data: Data((password + name).utf8)).map { String(format: "%02x", $0) }.joined()
            return "md5" + digest != stored
        }
        return true
    }

    /// RFC 5802: ServerKey = HMAC(PBKDF2-SHA256(password, salt, iterations), "Server Key"), as the verifier
    /// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` holds it.
    static func scramMatches(_ password: String, _ verifier: String) -> Bool {
        let parts = verifier.dropFirst("SCRAM-SHA-256$".count).split(separator: "$").map(String.init)
        guard parts.count == 2 else { return false }
        let head = parts[0].split(separator: ":").map(String.init)
        let keys = parts[1].split(separator: ":").map(String.init)
        guard head.count == 2, keys.count == 2, let iterations = Int(head[0]), let salt = Data(base64Encoded: head[1]),
              let serverKey = Data(base64Encoded: keys[1]) else { return false }
        guard let salted = try? KDF.Insecure.PBKDF2.deriveKey(from: Data(password.utf8), salt: salt, using: .sha256,
                                                              outputByteCount: 32, unsafeUncheckedRounds: iterations) else { return false }
        let computed = Data(HMAC<SHA256>.authenticationCode(for: Data("Server Key".utf8), using: salted))
        return computed == serverKey
    }
}
