import Foundation
import Jinja

/// postgresql_db: makes sure a PostgreSQL database exists (owner, encoding) or not, or dumps/restores it.
///
///     - postgresql_db: { name: app, owner: app, encoding: UTF-8 }
///     - postgresql_db: { name: app, state: dump, target: /var/backups/app.dump }
public struct PostgresqlDbModule: Module {
    static let states = ["present", "absent", "dump", "restore"]

    public static let spec = ModuleSpec(
        name: "postgresql_db",
        arguments: [
            ArgumentSpec("name", required: true, aliases: ["db"], doc: "The database."),
            ArgumentSpec("state", default: .string("present"), choices: states, doc: "present, absent, dump or restore."),
            ArgumentSpec("owner", doc: "The role owning the database."),
            ArgumentSpec("encoding", doc: "Encoding of a new database (UTF-8)."),
            ArgumentSpec("lc_collate", doc: "Collation of a new database."),
            ArgumentSpec("lc_ctype", doc: "Character classification of a new database."),
            ArgumentSpec("template", doc: "Template of a new database."),
            ArgumentSpec("target", type: .path, doc: "The file to dump to or restore from (.dump/.backup: custom format; .tar; .gz/.bz2/.xz compressed SQL)."),
            ArgumentSpec("target_opts", doc: "More words for pg_dump/pg_restore/psql."),
            ArgumentSpec("login_user", default: .string("postgres"), aliases: ["login"], doc: "The role to connect as."),
            ArgumentSpec("login_password", noLog: true, doc: "Its password (PGPASSWORD)."),
            ArgumentSpec("login_host", doc: "Server host (default: the local socket)."),
            ArgumentSpec("login_unix_socket", doc: "Directory of the local socket."),
            ArgumentSpec("port", type: .int, default: .int(5432), aliases: ["login_port"], doc: "Server port."),
            ArgumentSpec("maintenance_db", default: .string("postgres"), doc: "The database to connect to for create/drop."),
        ],
        doc: "Creates (with owner and encoding), changes the owner of, or drops a database with psql/createdb/dropdb; "
            + "dumps and restores with pg_dump/pg_restore (-Fc for .dump/.backup targets). Dump and restore always report changed.",
        example: "- postgresql_db:\n    name: app\n    owner: app\n    encoding: UTF-8\n  become: yes\n  become_user: postgres")

    var name: String
    var state: String
    var owner: String?
    var encoding: String?
    var collate: String?
    var ctype: String?
    var template: String?
    var target: String?
    var targetOptions: [String]
    var connection: [String]
    var environment: [String: String]
    var maintenance: String

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        state = try arguments.requiredString("state")
        owner = try arguments.string("owner")
        encoding = try arguments.string("encoding")
        collate = try arguments.string("lc_collate")
        ctype = try arguments.string("lc_ctype")
        template = try arguments.string("template")
        target = try arguments.string("target")
        targetOptions = try ShellWords.split(try arguments.string("target_opts") ?? "")
        var connection = ["-U", try arguments.requiredString("login_user"), "-p", String(try arguments.requiredInt("port"))]
        if let host = try arguments.string("login_host") ?? arguments.string("login_unix_socket") { connection += ["-h", host] }
        self.connection = connection
        environment = [:]
        maintenance = try arguments.requiredString("maintenance_db")
        if let password = try arguments.string("login_password") { environment["PGPASSWORD"] = password }
        if (state == "dump" || state == "restore") && target == nil { throw ModuleArgumentError("state \(state) needs target") }
    }


    private func wrap(_ command: ShellCommand) -> ShellCommand {
        command.withEnvironment(environment)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        // psql's :'n' quoting keeps the name a literal whatever it holds; the SQL reaches psql on stdin.
        let sql = "SELECT 'db', pg_catalog.pg_get_userbyid(datdba), pg_catalog.pg_encoding_to_char(encoding) FROM pg_catalog.pg_database WHERE datname = :'n';"
        return wrap(ShellCommand("printf", "%s\\n", sql).pipe(
            ShellCommand(words: ["psql", "-AtXq", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-v", "n=" + name] + connection + ["-d", maintenance])))
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if let probe, probe.exitStatus != 0 {
            return ModulePlan(result: .failure("cannot connect to PostgreSQL as \(connection[1]): \(probe.stderrText.trimmed)"))
        }
        let row = (probe?.stdoutText ?? "").splitLines.first { $0.hasPrefix("db\t") }?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        let exists = row != nil
        var result = ModuleResult()
        result["db"] = .string(name)
        var executed: [String] = []
        var actions: [ShellCommand] = []
        switch state {
        case "absent":
            if exists { actions.append(ShellCommand(words: ["dropdb"] + connection + ["--", name])) }
        case "present":
            if !exists {
                var words = ["createdb"] + connection
                if let owner { words += ["-O", owner] }
                if let encoding { words += ["-E", encoding] }
                if let collate { words += ["--lc-collate", collate] }
                if let ctype { words += ["--lc-ctype", ctype] }
                if let template { words += ["-T", template] }
                actions.append(ShellCommand(words: words + ["--", name]))
            } else {
                if let encoding, let current = row?[2], normalizeEncoding(current) != normalizeEncoding(encoding) {
                    return ModulePlan(result: .failure("Changing database encoding is not supported. Current encoding: \(current)"))
                }
                if let owner, row?[1] != owner {
                    let sql = "ALTER DATABASE :\"n\" OWNER TO :\"o\";"
                    actions.append(ShellCommand("printf", "%s\\n", sql).pipe(
                        ShellCommand(words: ["psql", "-AtXq", "-v", "ON_ERROR_STOP=1", "-v", "n=" + name, "-v", "o=" + owner] + connection + ["-d", maintenance])))
                }
            }
        case "dump":
            guard exists else { return ModulePlan(result: .failure("database \(name) does not exist; nothing to dump")) }
            actions.append(dumpCommand)
        default:
            if !exists {
                actions.append(ShellCommand(words: ["createdb"] + connection + (owner.map { ["-O", $0] } ?? []) + ["--", name]))
            }
            actions.append(restoreCommand)
        }
        executed = actions.map(\.rendered)
        result["executed_commands"] = .list(executed.map(Value.string))
        if actions.isEmpty { return .unchanged(result) }
        if context.diffMode && (state == "present" || state == "absent") {
            result.diffs.append(ModuleDiff(beforeHeader: name, afterHeader: name,
                                           before: exists ? "state: present\nowner: \(row?[1] ?? "")\n" : "state: absent\n",
                                           after: state == "absent" ? "state: absent\n" : "state: present\nowner: \(owner ?? row?[1] ?? "")\n"))
        }
        return .change(actions.map { .run(wrap($0)) }, result)
    }

    private func normalizeEncoding(_ text: String) -> String {
        text.uppercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "")
    }

    private var targetPath: String { target ?? "" }

    var dumpCommand: ShellCommand {
        let path = targetPath
        var words = ["pg_dump"] + connection
        if path.hasSuffix(".dump") || path.hasSuffix(".backup") { words.append("-Fc") }
        if path.hasSuffix(".tar") { words.append("-Ft") }
        words += targetOptions + ["-d", name]
        let dump = ShellCommand(words: words)
        for (suffix, tool) in [(".gz", "gzip"), (".bz2", "bzip2"), (".xz", "xz")] where path.hasSuffix(suffix) {
            return ShellCommand("set", "-o", "pipefail").silencingErrors.then(dump.pipe(ShellCommand(tool)).redirectingOutput(to: path))
        }
        return dump.appending("-f", path)
    }

    var restoreCommand: ShellCommand {
        let path = targetPath
        if path.hasSuffix(".dump") || path.hasSuffix(".backup") || path.hasSuffix(".tar") {
            return ShellCommand(words: ["pg_restore"] + connection + targetOptions + ["-d", name, "--", path])
        }
        let psql = ShellCommand(words: ["psql", "-q", "-v", "ON_ERROR_STOP=1"] + connection + targetOptions + ["-d", name])
        for (suffix, tool) in [(".gz", "gzip"), (".bz2", "bzip2"), (".xz", "xz")] where path.hasSuffix(suffix) {
            return ShellCommand(tool, "-dc", "--", path).pipe(psql)
        }
        return psql.appending("-f", path)
    }
}
