import JSON
import Postgres

/// A source as the API shows it: never its header values, only their names.
public struct Source: Sendable, PostgresRowDecodable {
    public var id: Int64
    public var name: String
    public var url: String
    public var kind: String
    public var every: Int64?
    public var headerNames: [String]
    public var retries: Int64
    public var enabled: Bool
    public var nextRunAt: String?
    public var consecutiveFailures: Int64
    public var createdAt: String
    public var updatedAt: String
    public var lastRun: SourceRun?

    /// The columns the readers below read, of `sources s` with its latest run joined as `last`.
    static let columns = """
        s.id, s.name, s.url, s.kind, s.every_seconds, (SELECT coalesce(string_agg(h->>'name', E'\\n' ORDER BY n), '')
            FROM jsonb_array_elements(s.headers) WITH ORDINALITY AS x(h, n)) AS header_names,
        s.retries, s.enabled, \(timestamp("s.next_run_at")) AS next_run_at, s.consecutive_failures,
        \(timestamp("s.created_at")) AS created_at, \(timestamp("s.updated_at")) AS updated_at, last.*
        """
    static let latestRun = """
        LEFT JOIN LATERAL (SELECT \(SourceRun.columns) FROM source_runs r LEFT JOIN jobs j ON j.id = r.job_id
                           WHERE r.source_id = s.id ORDER BY r.id DESC LIMIT 1) last ON true
        """

    /// The columns of `columns` in a result, found once.
    package struct Columns: PostgresColumnSet {
        let id, name, url, kind, every, headerNames, retries, enabled, nextRunAt, consecutiveFailures, createdAt,
            updatedAt: PostgresColumn
        let lastRun: SourceRun.Columns

        package init(_ result: PostgresResult) throws {
            id = try result.column("id"); name = try result.column("name"); url = try result.column("url")
            kind = try result.column("kind"); every = try result.column("every_seconds")
            headerNames = try result.column("header_names"); retries = try result.column("retries")
            enabled = try result.column("enabled"); nextRunAt = try result.column("next_run_at")
            consecutiveFailures = try result.column("consecutive_failures")
            createdAt = try result.column("created_at"); updatedAt = try result.column("updated_at")
            lastRun = try SourceRun.Columns(result)
        }
    }

    package init(_ row: PostgresRow, _ c: Columns) {
        id = row.int(c.id) ?? 0
        name = row.string(c.name) ?? ""
        url = row.string(c.url) ?? ""
        kind = row.string(c.kind) ?? ""
        every = row.int(c.every)
        headerNames = (row.string(c.headerNames) ?? "").split(separator: "\n").map(String.init)
        retries = row.int(c.retries) ?? 0
        enabled = row.bool(c.enabled) ?? false
        nextRunAt = row.string(c.nextRunAt)
        consecutiveFailures = row.int(c.consecutiveFailures) ?? 0
        createdAt = row.string(c.createdAt) ?? ""
        updatedAt = row.string(c.updatedAt) ?? ""
        lastRun = SourceRun(row, c.lastRun)
    }

    public var location: String { "/sources/\(id)" }

    public func write(to w: inout JSONWriter) {
        w.raw("{\"id\":"); w.int(id)
        w.raw(",\"name\":"); w.string(name)
        w.raw(",\"url\":"); w.string(url)
        w.raw(",\"kind\":"); w.string(kind)
        w.raw(",\"every\":"); if let every { w.int(every) } else { w.raw("null") }
        w.raw(",\"headers\":[")
        for (i, name) in headerNames.enumerated() {
            if i > 0 { w.raw(",") }
            w.string(name)
        }
        w.raw("],\"retries\":"); w.int(retries)
        w.raw(",\"enabled\":"); w.bool(enabled)
        w.raw(",\"next_run_at\":"); optional(nextRunAt, &w)
        w.raw(",\"consecutive_failures\":"); w.int(consecutiveFailures)
        w.raw(",\"last_run\":"); if let lastRun { lastRun.write(to: &w) } else { w.raw("null") }
        w.raw(",\"created_at\":"); w.string(createdAt)
        w.raw(",\"updated_at\":"); w.string(updatedAt)
        w.raw("}")
    }
}
