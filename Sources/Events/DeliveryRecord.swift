import JSON
import Postgres

/// One delivery as `GET /webhooks/{id}/deliveries` lists it: the event, where it stands, and its
/// last attempt.
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

    static let columns = """
        id, endpoint_id, event_id, event_type, status, attempts,
        CASE WHEN status = 'pending' THEN \(timestamp("next_attempt_at")) END, \(timestamp("last_attempt_at")),
        last_status_code, last_latency_ms, last_error, \(timestamp("created_at")), \(timestamp("completed_at"))
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
        writer.raw("}")
    }
}
