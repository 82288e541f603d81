import JSON
import Postgres

/// A registered receiver of events, as the API shows it (the secret only once, at creation).
public struct WebhookEndpoint: Sendable, PostgresRowDecodable {
    public let id: Int64
    public let url: String
    /// Event type prefixes; empty: every type.
    public let types: [String]
    /// Whole-segment subject prefixes; empty: every subject.
    public let subjects: [String]
    public let description: String
    public let enabled: Bool
    public let disabledReason: String?
    public let failingSince: String?
    /// Deliveries waiting to be sent (its backlog).
    public let pending: Int64
    /// Failed attempts since its last success.
    public let consecutiveFailures: Int64
    /// While its circuit breaker is open: when it may send again.
    public let breakerOpenUntil: String?
    public let createdAt: String
    public let updatedAt: String

    /// The columns the readers below read.
    static let columns = """
        id, url, array_to_json(types)::text AS types, description, enabled, disabled_reason,
        \(timestamp("failing_since")) AS failing_since, \(timestamp("created_at")) AS created_at,
        \(timestamp("updated_at")) AS updated_at, array_to_json(subjects)::text AS subjects,
        (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = webhook_endpoints.id AND d.status = 'pending') AS pending,
        consecutive_failures, CASE WHEN breaker_until > now() THEN \(timestamp("breaker_until")) END AS breaker_open_until
        """

    /// The columns of `columns` in a result, found once.
    package struct Columns: PostgresColumnSet {
        let id, url, types, description, enabled, disabledReason, failingSince, createdAt, updatedAt, subjects, pending,
            consecutiveFailures, breakerOpenUntil: PostgresColumn

        package init(_ result: PostgresResult) throws {
            id = try result.column("id"); url = try result.column("url"); types = try result.column("types")
            description = try result.column("description"); enabled = try result.column("enabled")
            disabledReason = try result.column("disabled_reason"); failingSince = try result.column("failing_since")
            createdAt = try result.column("created_at"); updatedAt = try result.column("updated_at")
            subjects = try result.column("subjects"); pending = try result.column("pending")
            consecutiveFailures = try result.column("consecutive_failures"); breakerOpenUntil = try result.column("breaker_open_until")
        }
    }

    package init(_ row: PostgresRow, _ c: Columns) {
        id = row.int(c.id) ?? 0
        url = row.string(c.url) ?? ""
        types = WebhookEndpoint.strings(row, c.types)
        description = row.string(c.description) ?? ""
        enabled = row.bool(c.enabled) ?? false
        disabledReason = row.string(c.disabledReason)
        failingSince = row.string(c.failingSince)
        createdAt = row.string(c.createdAt) ?? ""
        updatedAt = row.string(c.updatedAt) ?? ""
        subjects = WebhookEndpoint.strings(row, c.subjects)
        pending = row.int(c.pending) ?? 0
        consecutiveFailures = row.int(c.consecutiveFailures) ?? 0
        breakerOpenUntil = row.string(c.breakerOpenUntil)
    }

    /// A JSON array of strings in a column.
    static func strings(_ row: PostgresRow, _ column: PostgresColumn) -> [String] {
        let json = row.withBytes(column) { Array($0) }
        guard case let .array(items)? = try? JSONParser().parse(json) else { return [] }
        return items.compactMap(\.stringValue)
    }

    func write(to writer: inout JSONWriter, secret: String? = nil) {
        writer.raw("{\"id\":"); writer.int(id)
        writer.raw(",\"url\":"); writer.string(url)
        writer.raw(",\"types\":"); writeStrings(types, to: &writer)
        writer.raw(",\"subjects\":"); writeStrings(subjects, to: &writer)
        writer.raw(",\"description\":"); writer.string(description)
        writer.raw(",\"enabled\":"); writer.bool(enabled)
        writer.raw(",\"disabled_reason\":"); writeOptional(disabledReason, to: &writer)
        writer.raw(",\"failing_since\":"); writeOptional(failingSince, to: &writer)
        writer.raw(",\"consecutive_failures\":"); writer.int(consecutiveFailures)
        writer.raw(",\"breaker_open_until\":"); writeOptional(breakerOpenUntil, to: &writer)
        writer.raw(",\"pending\":"); writer.int(pending)
        writer.raw(",\"created_at\":"); writer.string(createdAt)
        writer.raw(",\"updated_at\":"); writer.string(updatedAt)
        if let secret {
            writer.raw(",\"secret\":"); writer.string(secret)
        }
        writer.raw("}")
    }
}

/// A timestamp column as RFC 3339 UTC text with milliseconds.
func timestamp(_ column: String) -> String {
    "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
}

func writeOptional(_ value: String?, to writer: inout JSONWriter) {
    if let value { writer.string(value) } else { writer.raw("null") }
}

func writeStrings(_ values: [String], to writer: inout JSONWriter) {
    writer.raw("[")
    for (i, value) in values.enumerated() {
        if i > 0 { writer.raw(",") }
        writer.string(value)
    }
    writer.raw("]")
}
