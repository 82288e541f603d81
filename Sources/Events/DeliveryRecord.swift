import JSON
import Postgres

/// One delivery as `GET /webhooks/{id}/deliveries` lists it: the event, where it stands, its last
/// attempt, and every attempt (`history`, oldest first; the last `historyLimit` of them).
struct DeliveryRecord: PostgresRowDecodable {
    let id: Int64
    let webhookId: Int64
    let eventId: Int64
    let eventType: String
    let status: String
    let attempts: Int64
    let nextAttemptAt: String?
    let lastAttemptAt: String?
    let lastStatusCode: Int64?
    let lastLatencyMs: Double?
    let lastError: String?
    let createdAt: String
    let completedAt: String?
    /// The attempts as a JSON array made by PostgreSQL.
    let history: [UInt8]

    static let historyLimit = 50

    static let columns = """
        id, endpoint_id, event_id, event_type, status, attempts,
        CASE WHEN status = 'pending' THEN \(timestamp("next_attempt_at")) END AS next_attempt_at,
        \(timestamp("last_attempt_at")) AS last_attempt_at, last_status_code, last_latency_ms, last_error,
        \(timestamp("created_at")) AS created_at, \(timestamp("completed_at")) AS completed_at,
        (SELECT coalesce(json_agg(json_build_object('attempt', a.attempt, 'at', \(timestamp("a.started_at")),
                                                    'status_code', a.status_code, 'latency_ms', round(a.latency_ms::numeric, 3),
                                                    'error', a.error) ORDER BY a.id), '[]')::text
         FROM (SELECT * FROM webhook_delivery_attempts WHERE delivery_id = webhook_deliveries.id
               ORDER BY id DESC LIMIT \(historyLimit)) a) AS history
        """

    /// The columns of `columns` in a result, found once.
    package struct Columns: PostgresColumnSet {
        let id, webhookId, eventId, eventType, status, attempts, nextAttemptAt, lastAttemptAt, lastStatusCode,
            lastLatencyMs, lastError, createdAt, completedAt, history: PostgresColumn

        package init(_ result: PostgresResult) throws {
            id = try result.column("id"); webhookId = try result.column("endpoint_id"); eventId = try result.column("event_id")
            eventType = try result.column("event_type"); status = try result.column("status")
            attempts = try result.column("attempts"); nextAttemptAt = try result.column("next_attempt_at")
            lastAttemptAt = try result.column("last_attempt_at"); lastStatusCode = try result.column("last_status_code")
            lastLatencyMs = try result.column("last_latency_ms"); lastError = try result.column("last_error")
            createdAt = try result.column("created_at"); completedAt = try result.column("completed_at")
            history = try result.column("history")
        }
    }

    package init(_ row: PostgresRow, _ c: Columns) {
        id = row.int(c.id) ?? 0
        webhookId = row.int(c.webhookId) ?? 0
        eventId = row.int(c.eventId) ?? 0
        eventType = row.string(c.eventType) ?? ""
        status = row.string(c.status) ?? ""
        attempts = row.int(c.attempts) ?? 0
        nextAttemptAt = row.string(c.nextAttemptAt)
        lastAttemptAt = row.string(c.lastAttemptAt)
        lastStatusCode = row.int(c.lastStatusCode)
        lastLatencyMs = row.double(c.lastLatencyMs)
        lastError = row.string(c.lastError)
        createdAt = row.string(c.createdAt) ?? ""
        completedAt = row.string(c.completedAt)
        history = row.withBytes(c.history) { Array($0) }
    }

    func write(to writer: inout JSONWriter) {
        writer.raw("{\"id\":"); writer.int(id)
        writer.raw(",\"webhook_id\":"); writer.int(webhookId)
        writer.raw(",\"event_id\":"); writer.int(eventId)
        writer.raw(",\"event_type\":"); writer.string(eventType)
        writer.raw(",\"status\":"); writer.string(status)
        writer.raw(",\"attempts\":"); writer.int(attempts)
        writer.raw(",\"next_attempt_at\":"); writeOptional(nextAttemptAt, to: &writer)
        writer.raw(",\"last_attempt_at\":"); writeOptional(lastAttemptAt, to: &writer)
        writer.raw(",\"last_status_code\":")
        if let lastStatusCode { writer.int(lastStatusCode) } else { writer.raw("null") }
        writer.raw(",\"last_latency_ms\":")
        if let lastLatencyMs { writer.double((lastLatencyMs * 1000).rounded() / 1000) } else { writer.raw("null") }
        writer.raw(",\"last_error\":"); writeOptional(lastError, to: &writer)
        writer.raw(",\"created_at\":"); writer.string(createdAt)
        writer.raw(",\"completed_at\":"); writeOptional(completedAt, to: &writer)
        writer.raw(",\"history\":")
        if history.isEmpty { writer.raw("[]") } else { writer.bytes.append(contentsOf: history) }
        writer.raw("}")
    }
}
