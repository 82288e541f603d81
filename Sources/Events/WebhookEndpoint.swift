import JSON
import Postgres

/// A registered receiver of events, as the API shows it (the secret only once, at creation).
public struct WebhookEndpoint: Sendable {
    public let id: Int64
    public let url: String
    /// Event type prefixes; empty: every type.
    public let types: [String]
    public let description: String
    public let enabled: Bool
    public let disabledReason: String?
    public let failingSince: String?
    public let createdAt: String
    public let updatedAt: String

    /// The columns `init(_:_:)` reads, in order.
    static let columns = """
        id, url, array_to_json(types)::text, description, enabled, disabled_reason, \(timestamp("failing_since")),
        \(timestamp("created_at")), \(timestamp("updated_at"))
        """

    init(_ result: PostgresResult, _ row: Int) {
        id = result.int(row, 0) ?? 0
        url = result.string(row, 1) ?? ""
        let typesJSON = result.withBytes(row, 2) { Array($0) }
        if case let .array(items)? = try? JSONParser().parse(typesJSON) {
            types = items.compactMap(\.stringValue)
        } else {
            types = []
        }
        description = result.string(row, 3) ?? ""
        enabled = result.bool(row, 4) ?? false
        disabledReason = result.string(row, 5)
        failingSince = result.string(row, 6)
        createdAt = result.string(row, 7) ?? ""
        updatedAt = result.string(row, 8) ?? ""
    }

    func write(to writer: inout JSONWriter, secret: String? = nil) {
        writer.raw("{\"id\":"); writer.int(id)
        writer.raw(",\"url\":"); writer.string(url)
        writer.raw(",\"types\":[")
        for (i, type) in types.enumerated() {
            if i > 0 { writer.raw(",") }
            writer.string(type)
        }
        writer.raw("],\"description\":"); writer.string(description)
        writer.raw(",\"enabled\":"); writer.bool(enabled)
        writer.raw(",\"disabled_reason\":"); writeOptional(disabledReason, to: &writer)
        writer.raw(",\"failing_since\":"); writeOptional(failingSince, to: &writer)
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
