import JSON
import Postgres

/// One delivery as `GET /webhooks/{id}/deliveries` lists it: the event, where it stands, its last
/// attempt, and every attempt (`history`, oldest first; the last `historyLimit` of them).
struct DeliveryRecord {
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
        CASE WHEN status = 'pending' THEN \(timestamp("next_attempt_at")) END, \(timestamp("last_attempt_at")),
        last_status_code, last_latency_ms, last_error, \(timestamp("created_at")), \(timestamp("completed_at")),
        (SELECT coalesce(json_agg(json_build_object('attempt', a.attempt, 'at', \(timestamp("a.started_at")),
                                                    'status_code', a.status_code, 'latency_ms', round(a.latency_ms::numeric, 3),
                                                    'error', a.error) ORDER BY a.id), '[]')::text
         FROM (SELECT * FROM webhook_delivery_attempts WHERE delivery_id = webhook_deliveries.id
               ORDER BY id DESC LIMIT \(historyLimit)) a)
        """

    init(_ result: PostgresResult, _ row: Int) {
        id = result.int(row, 0) ?? 0
        webhookId = result.int(row, 1) ?? 0
        eventId = result.int(row, 2) ?? 0
        eventType = result.string(row, 3) ?? ""
        status = result.string(row, 4) ?? ""
        attempts = result.int(row, 5) ?? 0
        nextAttemptAt = result.string(row, 6)
        lastAttemptAt = result.string(row, 7)
        lastStatusCode = result.int(row, 8)
        lastLatencyMs = result.double(row, 9)
        lastError = result.string(row, 10)
        createdAt = result.string(row, 11) ?? ""
        completedAt = result.string(row, 12)
        history = result.withBytes(row, 13) { Array($0) }
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
