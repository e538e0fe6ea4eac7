import Foundation
import Jinja
import OrderedCollections

/// postgresql_query: runs SQL with psql in one transaction (rolled back in check mode, as Ansible does) and
/// returns its rows typed by their columns. Arguments are bound, never spliced: `%s` and `%(name)s` become
/// psql variables (:'deckhand_a1'), whose values reach psql on stdin.
///
///     - postgresql_query: { db: app, query: "SELECT id FROM users WHERE email = %s", positional_args: ["{{ email }}"] }
public struct PostgresqlQueryModule: Module {
    public static let spec = ModuleSpec(
        name: "postgresql_query",
        arguments: [
            ArgumentSpec("query", type: .raw, doc: "The SQL, or a list of queries run in order; %s / %(name)s stand for arguments."),
            ArgumentSpec("positional_args", type: .list, doc: "Values for %s, in order (a list becomes a PostgreSQL array)."),
            ArgumentSpec("named_args", type: .dict, doc: "Values for %(name)s."),
            ArgumentSpec("db", default: .string("postgres"), aliases: ["login_db"], doc: "The database."),
            ArgumentSpec("autocommit", type: .bool, default: .bool(false), doc: "No transaction (VACUUM); not with check mode."),
            ArgumentSpec("encoding", doc: "The client encoding (PGCLIENTENCODING)."),
            ArgumentSpec("search_path", type: .list, doc: "Schemas to look in (SET search_path)."),
        ] + PostgresqlLogin.arguments,
        requiredOneOf: [["query"]],
        mutuallyExclusive: [["positional_args", "named_args"]],
        doc: "Runs SQL through psql with bound arguments, in a transaction rolled back in check mode; returns query_result "
            + "(rows as dicts, typed by column), query_all_results, statusmessage and rowcount. Changed unless every statement "
            + "is a SELECT/SHOW or touched no rows.",
        example: "- postgresql_query:\n    db: app\n    query: UPDATE users SET active = %s WHERE email = %s\n    positional_args: [true, ops@example.com]")

    var queries: [String]
    var positional: [Value]?
    var named: OrderedDictionary<String, Value>?
    var database: String
    var autocommit: Bool
    var searchPath: [String]
    var login: PostgresqlLogin

    public init(_ arguments: ModuleArguments) throws {
        switch arguments.value("query") {
        case .string(let text)?: queries = [text]
        case .list(let items)?: queries = items.map(\.displayText)
        default: throw ModuleArgumentError("query must be a string or a list of strings")
        }
        if case .list(let items)? = arguments.value("positional_args") { positional = items }
        else if arguments.has("positional_args") { positional = try arguments.requiredList("positional_args").map(Value.string) }
        if case .dict(let dict)? = arguments.value("named_args") { named = dict }
        database = try arguments.requiredString("db")
        autocommit = try arguments.bool("autocommit")
        searchPath = try arguments.list("search_path") ?? []
        login = try PostgresqlLogin(arguments)
        if let encoding = try arguments.string("encoding") { login.environment["PGCLIENTENCODING"] = encoding }
    }

    /// The query with its placeholders as psql variables, and their values.
    func bind(_ query: String) throws -> (String, [(String, String)]) {
        guard positional != nil || named != nil else { return (query, []) }
        var variables: [(String, String)] = []
        var out = ""
        var rest = Substring(query)
        var position = 0
        func literal(_ value: Value) -> String {
            switch value {
            case .none: return "NULL"
            case .bool(let flag): return flag ? "true" : "false"
            case .int(let number): return String(number)
            case .double(let number) where number.isFinite: return String(number)
            case .list(let items):
                variables.append(("deckhand_a\(variables.count + 1)", "{" + items.map(PostgresqlQueryModule.arrayElement).joined(separator: ",") + "}"))
                return ":'\(variables.last!.0)'"
            default:
                variables.append(("deckhand_a\(variables.count + 1)", value.displayText))
                return ":'\(variables.last!.0)'"
            }
        }
        while let index = rest.firstIndex(of: "%") {
            out += rest[..<index]
            rest = rest[rest.index(after: index)...]
            if rest.hasPrefix("%") { out += "%"; rest = rest.dropFirst(); continue }
            if rest.hasPrefix("s") {
                guard let positional, position < positional.count else {
                    throw ModuleArgumentError("postgresql_query: the query has more %s than positional_args (\(positional?.count ?? 0))")
                }
                out += literal(positional[position])
                position += 1
                rest = rest.dropFirst()
                continue
            }
            if rest.hasPrefix("("), let close = rest.firstIndex(of: ")"), rest[rest.index(after: close)...].hasPrefix("s") {
                let key = String(rest[rest.index(after: rest.startIndex)..<close])
                guard let value = named?[key] else { throw ModuleArgumentError("postgresql_query: named_args has no '\(key)' for %(\(key))s") }
                out += literal(value)
                rest = rest[rest.index(close, offsetBy: 2)...]
                continue
            }
            throw ModuleArgumentError("postgresql_query: '%' must start %s, %(name)s or %% when arguments are given")
        }
        return (out + rest, variables)
    }

    static func arrayElement(_ value: Value) -> String {
        if value == .none { return "NULL" }
        let text = value.displayText
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if autocommit && context.checkMode {
            return ModulePlan(result: .failure("Using autocommit is mutually exclusive with check_mode"))
        }
        var variables: [(String, String)] = []
        var sql = "\\pset null '\\001'\n"
        for (index, schema) in searchPath.enumerated() { variables.append(("deckhand_s\(index)", schema.trimmed)) }
        if !searchPath.isEmpty {
            sql += "SET search_path TO " + searchPath.indices.map { ":\"deckhand_s\($0)\"" }.joined(separator: ", ") + ";\n"
        }
        if !autocommit { sql += "BEGIN;\n" }
        sql += "\\set QUIET off\n"
        for query in queries {
            var (text, bound) = try bind(query)
            // The numbering restarts per query; each query's variables are set just before it.
            bound = bound.map { ($0.0, $0.1) }
            sql += bound.map { "\\set \($0.0) " + PostgresqlLogin.metaQuoted($0.1) + "\n" }.joined()
            text = text.trimmed
            while text.hasSuffix(";") { text = String(text.dropLast()).trimmed }
            if !text.contains(";") {
                // \gdesc describes the result's columns without running the query: their types type the rows.
                sql += "\\echo @@deckhand-describe\n" + text + " \\gdesc\n"
            }
            sql += "\\echo @@deckhand-result\n" + text + "\n;\n\\echo @@deckhand-rowcount :ROW_COUNT\n"
        }
        sql += "\\set QUIET on\n"
        if !autocommit { sql += context.checkMode ? "ROLLBACK;\n" : "COMMIT;\n" }
        let shownQueries = queries
        let action = HostAction.run(login.psql(database, csv: true), stdin: login.script(variables, sql)).interpreting { output, result in
            PostgresqlQueryModule.read(output.stdoutText, queries: shownQueries, into: &result)
        }
        return ModulePlan(actions: [action], result: ModuleResult(values: ["query": .string(queries.last ?? ""), "query_list": .list(queries.map(Value.string))]),
                          runsInCheckMode: true)
    }

    /// Reads the marked blocks psql printed: per query its column types, its rows or command tag, its row count.
    static func read(_ output: String, queries: [String], into result: inout ModuleResult) {
        var blocks: [(describe: String?, output: String, rowCount: Int)] = []
        var describe: String?
        var current: String?
        var section = ""
        for line in output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line == "@@deckhand-describe" { section = "describe"; describe = ""; continue }
            if line == "@@deckhand-result" { section = "result"; current = ""; continue }
            if line.hasPrefix("@@deckhand-rowcount ") {
                blocks.append((describe, current ?? "", Int(line.dropFirst(20)) ?? 0))
                describe = nil
                current = nil
                section = ""
                continue
            }
            if section == "describe" { describe! += line + "\n" }
            if section == "result" { current! += line + "\n" }
        }
        var changed = false
        var rowCount = 0
        var all: [Value] = []
        var lastRows: Value = .dict([:])
        var status = ""
        for (index, block) in blocks.enumerated() {
            let types: [String]? = block.describe.map { text in
                let records = PsqlCSV.records(text)
                return records.first == ["Column", "Type"] ? records.dropFirst().map { $0.count > 1 ? ($0[1] ?? "") : "" } : []
            }
            let trimmed = block.output.trimmingTrailingNewline
            let isTag = types.map(\.isEmpty) ?? (!trimmed.contains("\n") && trimmed.range(of: "^[A-Z][A-Z ]*( [0-9]+)*$", options: .regularExpression) != nil)
            var rows: [Value] = []
            if isTag {
                status = trimmed.splitLines.last ?? ""
            } else {
                var records = PsqlCSV.records(block.output)
                // INSERT/UPDATE/DELETE ... RETURNING: psql prints the rows, then the command tag on a line of its own.
                let verb = index < queries.count ? queries[index].trimmed.prefix { $0.isLetter }.uppercased() : ""
                var tag: String?
                if ["INSERT", "UPDATE", "DELETE", "MERGE"].contains(verb), let last = records.last, last.count == 1, let text = last[0],
                   text.range(of: "^(INSERT|UPDATE|DELETE|MERGE)( [0-9]+)+$", options: .regularExpression) != nil {
                    tag = text
                    records.removeLast()
                }
                let header = (records.first ?? []).map { $0 ?? "" }
                for record in records.dropFirst() {
                    var row = OrderedDictionary<String, Value>()
                    for (column, name) in header.enumerated() {
                        row[name] = typed(column < record.count ? record[column] : nil, types?[safe: column])
                    }
                    rows.append(.dict(row))
                }
                status = tag ?? "SELECT \(rows.count)"
            }
            if block.rowCount > 0 { rowCount += block.rowCount }
            lastRows = rows.isEmpty ? .dict([:]) : .list(rows)
            all.append(lastRows)
            if !status.contains("SELECT") && !status.contains("SHOW") {
                let words = status.split(separator: " ")
                if status.range(of: "UPDATE|INSERT|DELETE", options: .regularExpression) != nil, let count = words.last, words.count >= 2 {
                    if count != "0" { changed = true }
                } else {
                    changed = true
                }
            }
        }
        result.changed = changed
        result["statusmessage"] = .string(status)
        result["query_result"] = lastRows
        result["query_all_results"] = .list(all)
        result["rowcount"] = .int(rowCount)
    }

    /// A field as a template value by its column's type (as psycopg returns it: numbers, booleans, JSON).
    static func typed(_ field: String?, _ type: String?) -> Value {
        guard let field else { return .none }
        switch type ?? "" {
        case "smallint", "integer", "bigint", "oid": return Int(field).map(Value.int) ?? .string(field)
        case "real", "double precision", "numeric": return Double(field).map(Value.double) ?? .string(field)
        case "boolean": return .bool(field == "t")
        case "json", "jsonb":
            guard let object = try? JSONSerialization.jsonObject(with: Data(field.utf8), options: [.fragmentsAllowed]) else { return .string(field) }
            return UriModule.value(object)
        default: return .string(field)
        }
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
