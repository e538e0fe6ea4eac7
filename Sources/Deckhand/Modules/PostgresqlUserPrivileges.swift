import Foundation

/// postgresql_user's deprecated `priv` (community.postgresql keeps it until 4.0, and roles still pass it):
/// `CONNECT/orders:SELECT,INSERT/app.items:ALL` — database privileges, then `table:privileges` pairs. Granted
/// (or revoked before a drop) in a transaction between two snapshots of the ACLs, as postgresql_privs does.
struct PostgresqlUserPrivileges {
    static let valid = ["table": ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "ALL"],
                        "database": ["CREATE", "CONNECT", "TEMPORARY", "TEMP", "ALL"]]

    struct Grant {
        /// nil for the database itself, else `schema.table` or `table` (schema public).
        var table: String?
        var privileges: [String]
    }

    var grants: [Grant]

    init(_ text: String) throws {
        grants = try text.split(separator: "/").map { part in
            let pieces = part.split(separator: ":", maxSplits: 1).map { String($0).trimmed }
            let table = pieces.count == 2 ? pieces[0] : nil
            let privileges = (pieces.count == 2 ? pieces[1] : pieces[0]).split(separator: ",").map { String($0).trimmed.uppercased() }
            let kind = table == nil ? "database" : "table"
            if let bad = privileges.first(where: { !(PostgresqlUserPrivileges.valid[kind] ?? []).contains($0) }) {
                throw ModuleArgumentError("Invalid privs specified for \(kind): \(bad)")
            }
            return Grant(table: table, privileges: privileges)
        }
    }

    /// GRANT (or REVOKE) statements with every name a psql variable, and the variables' values.
    func statements(database: String, grant: Bool) -> (String, [(String, String)]) {
        var variables: [(String, String)] = [("deckhand_db", database)]
        var lines: [String] = []
        for (index, entry) in grants.enumerated() {
            let privileges = entry.privileges.joined(separator: ", ")
            var object = "DATABASE :\"deckhand_db\""
            if let table = entry.table {
                let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
                let (schema, name) = parts.count == 2 ? (parts[0], parts[1]) : ("public", parts[0])
                variables += [("deckhand_s\(index)", schema), ("deckhand_t\(index)", name)]
                object = "TABLE :\"deckhand_s\(index)\".:\"deckhand_t\(index)\""
            }
            lines.append(grant ? "GRANT \(privileges) ON \(object) TO :\"n\";" : "REVOKE \(privileges) ON \(object) FROM :\"n\";")
        }
        return (lines.joined(separator: "\n"), variables)
    }

    /// The statements between ACL snapshots of tables and databases: prints `deckhand-privs-changed` when they
    /// changed anything; `commit` false rolls them back (check mode).
    func script(database: String, grant: Bool, commit: Bool) -> (String, [(String, String)]) {
        let (statements, variables) = self.statements(database: database, grant: grant)
        let acl = "(SELECT coalesce(md5(string_agg(x, '|' ORDER BY x)), '') FROM (SELECT 'c' || oid::text || coalesce(relacl::text, '') "
            + "FROM pg_catalog.pg_class UNION ALL SELECT 'd' || oid::text || coalesce(datacl::text, '') FROM pg_catalog.pg_database) AS acl(x))"
        let sql = "BEGIN;\nSELECT \(acl) AS deckhand_before \\gset\n\(statements)\n"
            + "SELECT CASE WHEN \(acl) = :'deckhand_before' THEN 'deckhand-privs-same' ELSE 'deckhand-privs-changed' END;\n"
            + (commit ? "COMMIT;" : "ROLLBACK;")
        return (sql, variables)
    }
}
