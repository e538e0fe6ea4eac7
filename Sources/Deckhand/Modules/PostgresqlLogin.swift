import Foundation
import Jinja

/// How the community.postgresql modules reach a server: their common login arguments, turned into psql
/// words and libpq environment variables (a password travels as PGPASSWORD, never on the command line).
struct PostgresqlLogin {
    /// The arguments every community.postgresql module takes (`postgres_common_argument_spec`).
    static let arguments: [ArgumentSpec] = [
        ArgumentSpec("login_user", default: .string("postgres"), aliases: ["login"], doc: "The role to connect as."),
        ArgumentSpec("login_password", noLog: true, doc: "Its password (PGPASSWORD)."),
        ArgumentSpec("login_host", aliases: ["host"], doc: "Server host (default: the local socket)."),
        ArgumentSpec("login_unix_socket", aliases: ["unix_socket"], doc: "Directory of the local socket."),
        ArgumentSpec("port", type: .int, default: .int(5432), aliases: ["login_port"], doc: "Server port."),
        ArgumentSpec("ssl_mode", default: .string("prefer"),
                     choices: ["allow", "disable", "prefer", "require", "verify-ca", "verify-full"], doc: "libpq's sslmode."),
        ArgumentSpec("ca_cert", type: .path, aliases: ["ssl_rootcert"], doc: "CA certificates file (PGSSLROOTCERT)."),
        ArgumentSpec("ssl_cert", type: .path, doc: "Client certificate (PGSSLCERT)."),
        ArgumentSpec("ssl_key", type: .path, doc: "Client key (PGSSLKEY)."),
        ArgumentSpec("session_role", doc: "SET ROLE to this role after connecting."),
        ArgumentSpec("trust_input", type: .bool, default: .bool(true),
                     doc: "Accepted for compatibility: deckhand binds every value through psql variables, so no input is trusted as SQL."),
    ]

    var user: String
    var words: [String]
    var environment: [String: String]
    var sessionRole: String?

    init(_ arguments: ModuleArguments) throws {
        user = try arguments.requiredString("login_user")
        words = ["-U", user, "-p", String(try arguments.requiredInt("port"))]
        if let host = try [arguments.string("login_host"), arguments.string("login_unix_socket")].compactMap({ $0 }).first(where: { !$0.isEmpty }) {
            words += ["-h", host]
        }
        environment = ["PGSSLMODE": try arguments.requiredString("ssl_mode")]
        for (name, variable) in [("login_password", "PGPASSWORD"), ("ca_cert", "PGSSLROOTCERT"), ("ssl_cert", "PGSSLCERT"), ("ssl_key", "PGSSLKEY")] {
            if let value = try arguments.string(name), !value.isEmpty { environment[variable] = value }
        }
        sessionRole = try arguments.string("session_role")
    }

    /// `psql` on `database`, quiet, stopping at the first error, reading its script from stdin.
    func psql(_ database: String, csv: Bool = false) -> ShellCommand {
        ShellCommand(words: ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"] + (csv ? ["--csv"] : ["-At", "-F", "\t"])
                            + words + ["-d", database, "-f", "-"]).withEnvironment(environment)
    }

    /// A psql script: each variable set with `\set` (psql quotes it where the SQL says :'name' or :"name"), the
    /// session role, then `sql`. It travels on stdin, so values are on no command line and never become SQL text.
    func script(_ variables: [(String, String)], _ sql: String) -> Data {
        var text = variables.map { "\\set \($0.0) " + PostgresqlLogin.metaQuoted($0.1) + "\n" }.joined()
        if let sessionRole {
            text += "\\set deckhand_session_role " + PostgresqlLogin.metaQuoted(sessionRole) + "\nSET ROLE :\"deckhand_session_role\";\n"
        }
        return Data((text + sql + "\n").utf8)
    }

    /// A value as one single-quoted argument of a psql meta-command: `'` doubled, backslash and line breaks
    /// escaped (psql reads \\, \n and \r back), so it cannot end the command or start another.
    static func metaQuoted(_ value: String) -> String {
        var out = "'"
        for scalar in value.unicodeScalars {
            switch scalar {
            case "'": out += "''"
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }

    /// Ansible's message for a server that cannot be reached or refuses the login.
    func connectionFailure(_ probe: CommandResult) -> ModuleResult {
        .failure("unable to connect to PostgreSQL as \(user): \(probe.stderrText.trimmed)")
    }
}

/// psql's `--csv` output: RFC 4180 records, a field that is exactly `null` (unquoted) standing for NULL.
struct PsqlCSV {
    static let nullMarker = "\u{1}"

    /// The records of `text`, each a list of fields (nil for NULL).
    static func records(_ text: String) -> [[String?]] {
        var records: [[String?]] = []
        var record: [String?] = []
        var field = ""
        var quoted = false
        var wasQuoted = false
        var scalars = Array(text.unicodeScalars)[...]
        func endField() {
            record.append(!wasQuoted && field == nullMarker ? nil : field)
            field = ""
            wasQuoted = false
        }
        while let scalar = scalars.popFirst() {
            if quoted {
                if scalar == "\"" {
                    if scalars.first == "\"" { field.unicodeScalars.append("\""); scalars.removeFirst() } else { quoted = false }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"": quoted = true; wasQuoted = true
            case ",": endField()
            case "\n":
                endField()
                records.append(record)
                record = []
            case "\r": break
            default: field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || wasQuoted || !record.isEmpty {
            endField()
            records.append(record)
        }
        return records
    }
}
