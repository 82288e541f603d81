import JSON
import Postgres

/// A registered receiver of events, as the API shows it (the secret only once, at creation).
public struct WebhookEndpoint: Sendable {
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

    /// The columns `init(_:_:)` reads, in order.
    static let columns = """
        id, url, array_to_json(types)::text, description, enabled, disabled_reason, \(timestamp("failing_since")),
        \(timestamp("created_at")), \(timestamp("updated_at")), array_to_json(subjects)::text,
        (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = webhook_endpoints.id AND d.status = 'pending'),
        consecutive_failures, CASE WHEN breaker_until > now() THEN \(timestamp("breaker_until")) END
        """

    init(_ result: PostgresResult, _ row: Int) {
        id = result.int(row, 0) ?? 0
        url = result.string(row, 1) ?? ""
        types = WebhookEndpoint.strings(result, row, 2)
        description = result.string(row, 3) ?? ""
        enabled = result.bool(row, 4) ?? false
        disabledReason = result.string(row, 5)
        failingSince = result.string(row, 6)
        createdAt = result.string(row, 7) ?? ""
        updatedAt = result.string(row, 8) ?? ""
        subjects = WebhookEndpoint.strings(result, row, 9)
        pending = result.int(row, 10) ?? 0
        consecutiveFailures = result.int(row, 11) ?? 0
        breakerOpenUntil = result.string(row, 12)
    }

    /// A JSON array of strings in a column.
    static func strings(_ result: PostgresResult, _ row: Int, _ column: Int) -> [String] {
        let json = result.withBytes(row, column) { Array($0) }
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
