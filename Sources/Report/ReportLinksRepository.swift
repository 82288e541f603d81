import Postgres

/// One share link as listed: everything but its token, which is never stored.
public struct ReportLink: Sendable {
    public let id: Int64
    public let importId: Int64
    /// The public id of the key that made it; nil when the server ran with `--auth off`.
    public let createdBy: String?
    /// RFC 3339 timestamps in UTC.
    public let createdAt: String
    public let expiresAt: String
}

/// All SQL of the report_links table.
public struct ReportLinksRepository: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    static func timestamp(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS \(column)"
    }

    static let columns = "id, import_id, created_by, \(timestamp("created_at")), \(timestamp("expires_at"))"

    /// The links of rows of `columns`, each column found once.
    static func links(_ result: PostgresResult) throws -> [ReportLink] {
        let id = try result.column("id"), importId = try result.column("import_id"), createdBy = try result.column("created_by"),
            createdAt = try result.column("created_at"), expiresAt = try result.column("expires_at")
        return result.rows.map { row in
            ReportLink(id: row.int(id) ?? 0, importId: row.int(importId) ?? 0, createdBy: row.string(createdBy),
                       createdAt: row.string(createdAt) ?? "", expiresAt: row.string(expiresAt) ?? "")
        }
    }

    /// Stores a new link to the import's report; nil when there is no such import.
    func create(importId: Int64, tokenSHA256Hex: String, createdBy: String?, days: Int) throws -> ReportLink? {
        let result = try pool.withConnection { connection in
            try connection.query("""
                INSERT INTO report_links (import_id, token_sha256, created_by, expires_at)
                SELECT import_id, decode($2, 'hex'), $3, now() + make_interval(days => $4::int)
                FROM imports WHERE import_id = $1
                RETURNING \(ReportLinksRepository.columns)
                """, [importId, tokenSHA256Hex, createdBy, Int64(days)])
        }
        return result.rowCount == 1 ? try ReportLinksRepository.links(result).first : nil
    }

    /// The import's links, oldest first (expired ones too); nil when there is no such import.
    func list(importId: Int64) throws -> [ReportLink]? {
        try pool.withConnection { connection in
            let result = try connection.query("""
                SELECT \(ReportLinksRepository.columns) FROM report_links WHERE import_id = $1 ORDER BY id
                """, [importId])
            if result.rowCount == 0, try connection.query("SELECT 1 FROM imports WHERE import_id = $1", [importId]).rowCount == 0 {
                return nil
            }
            return try ReportLinksRepository.links(result)
        }
    }

    /// Revokes a link (it is deleted); false when the import has no such link.
    func delete(importId: Int64, linkId: Int64) throws -> Bool {
        try pool.withConnection {
            try $0.query("DELETE FROM report_links WHERE import_id = $1 AND id = $2", [importId, linkId])
        }.affectedRows == 1
    }

    enum Lookup: Equatable {
        case none
        case expired(at: String)
        case live(importId: Int64)
    }

    /// What the token with this hash opens.
    func lookup(tokenSHA256Hex: String) throws -> Lookup {
        let result = try pool.withConnection {
            try $0.query("""
                SELECT import_id, expires_at <= now() AS expired, \(ReportLinksRepository.timestamp("expires_at"))
                FROM report_links WHERE token_sha256 = decode($1, 'hex')
                """, [tokenSHA256Hex])
        }
        guard result.rowCount == 1, let importId = try result.row(0).int("import_id") else { return .none }
        return try result.row(0).bool("expired") == false ? .live(importId: importId) : .expired(at: try result.row(0).string("expires_at") ?? "")
    }
}
