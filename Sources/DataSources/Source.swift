import JSON
import Postgres

/// A source as the API shows it: never its header values, only their names.
public struct Source: Sendable {
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

    /// The columns `init(_:row:)` reads, of `sources s` with its latest run joined as `last`.
    static let columns = """
        s.id, s.name, s.url, s.kind, s.every_seconds, (SELECT coalesce(string_agg(h->>'name', E'\\n' ORDER BY n), '')
            FROM jsonb_array_elements(s.headers) WITH ORDINALITY AS x(h, n)),
        s.retries, s.enabled, \(timestamp("s.next_run_at")), s.consecutive_failures,
        \(timestamp("s.created_at")), \(timestamp("s.updated_at")), last.*
        """
    static let latestRun = """
        LEFT JOIN LATERAL (SELECT \(SourceRun.columns) FROM source_runs r LEFT JOIN jobs j ON j.id = r.job_id
                           WHERE r.source_id = s.id ORDER BY r.id DESC LIMIT 1) last ON true
        """
    static let ownColumnCount = 12

    init(_ result: PostgresResult, row: Int = 0) {
        id = result.int(row, 0) ?? 0
        name = result.string(row, 1) ?? ""
        url = result.string(row, 2) ?? ""
        kind = result.string(row, 3) ?? ""
        every = result.int(row, 4)
        headerNames = (result.string(row, 5) ?? "").split(separator: "\n").map(String.init)
        retries = result.int(row, 6) ?? 0
        enabled = result.bool(row, 7) ?? false
        nextRunAt = result.string(row, 8)
        consecutiveFailures = result.int(row, 9) ?? 0
        createdAt = result.string(row, 10) ?? ""
        updatedAt = result.string(row, 11) ?? ""
        lastRun = SourceRun(result, row: row, offset: Source.ownColumnCount)
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
