import Postgres

/// The SQL of the admin routes: endpoints, and their deliveries as listed and retried.
public struct WebhookRepository: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// A new endpoint with a new secret. It receives the events committed after it.
    func create(url: String, types: [String], subjects: [String], description: String) throws -> (endpoint: WebhookEndpoint, secret: String) {
        let secret = WebhookSignature.newSecret()
        let result = try pool.withConnection {
            try $0.query("""
                INSERT INTO webhook_endpoints (url, types, subjects, description, secret, fanned_out_through)
                VALUES ($1, $2::text[], $3::text[], $4, $5, (SELECT coalesce(max(id), 0) FROM events))
                RETURNING \(WebhookEndpoint.columns)
                """, [url, PostgresArray(types), PostgresArray(subjects), description, secret])
        }
        return (try WebhookEndpoint(result), secret)
    }

    func list() throws -> [WebhookEndpoint] {
        let result = try pool.withConnection { try $0.query("SELECT \(WebhookEndpoint.columns) FROM webhook_endpoints ORDER BY id") }
        return try WebhookEndpoint.all(result)
    }

    func get(_ id: Int64) throws -> WebhookEndpoint? {
        let result = try pool.withConnection { try $0.query("SELECT \(WebhookEndpoint.columns) FROM webhook_endpoints WHERE id = $1", [id]) }
        return result.rowCount == 1 ? try WebhookEndpoint(result) : nil
    }

    /// Applies the members given (nil: unchanged). Enabling clears why it was disabled and its
    /// failing time; it then continues after the last event it was given.
    func change(_ id: Int64, _ change: WebhookChange) throws -> WebhookEndpoint? {
        let result = try pool.withConnection {
            try $0.query("""
                UPDATE webhook_endpoints SET
                    url = coalesce($2, url),
                    types = coalesce($3::text[], types),
                    description = coalesce($4, description),
                    disabled_reason = CASE WHEN $5::boolean THEN NULL
                                           WHEN NOT $5::boolean AND enabled THEN 'paused by an admin'
                                           ELSE disabled_reason END,
                    failing_since = CASE WHEN $5::boolean THEN NULL ELSE failing_since END,
                    consecutive_failures = CASE WHEN $5::boolean THEN 0 ELSE consecutive_failures END,
                    breaker_until = CASE WHEN $5::boolean THEN NULL ELSE breaker_until END,
                    enabled = coalesce($5::boolean, enabled),
                    subjects = coalesce($6::text[], subjects),
                    updated_at = now()
                WHERE id = $1
                RETURNING \(WebhookEndpoint.columns)
                """, [id, change.url, change.types.map(PostgresArray.init), change.description, change.enabled,
                      change.subjects.map(PostgresArray.init)])
        }
        return result.rowCount == 1 ? try WebhookEndpoint(result) : nil
    }

    /// Deletes an endpoint and its deliveries; false when there is none.
    func delete(_ id: Int64) throws -> Bool {
        try pool.withConnection { try $0.query("DELETE FROM webhook_endpoints WHERE id = $1", [id]) }.affectedRows == 1
    }

    /// An endpoint's deliveries, newest first, in keyset pages (`before` a delivery id); nil when
    /// there is no such endpoint.
    func deliveries(of id: Int64, status: String?, before: Int64?, limit: Int) throws -> [DeliveryRecord]? {
        try pool.withConnection { connection in
            guard try connection.query("SELECT 1 FROM webhook_endpoints WHERE id = $1", [id]).rowCount == 1 else { return nil }
            let result = try connection.query("""
                SELECT \(DeliveryRecord.columns) FROM webhook_deliveries
                WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR id < $3)
                ORDER BY id DESC LIMIT $4
                """, [id, status, before, limit])
            return try DeliveryRecord.all(result)
        }
    }

    enum RetryRefusal: Error {
        case noSuchDelivery
        case inFlight
        case endpointDisabled
    }

    /// Makes a delivery due now: a pending one keeps its attempts, a finished one starts its
    /// retry schedule afresh.
    func retry(endpoint: Int64, delivery: Int64) throws -> Result<DeliveryRecord, RetryRefusal> {
        try pool.transaction { connection in
            let found = try connection.query("""
                SELECT d.locked_until > now() AND d.status = 'pending' AS in_flight, w.enabled
                FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
                WHERE d.id = $1 AND d.endpoint_id = $2
                FOR UPDATE OF d
                """, [delivery, endpoint])
            guard found.rowCount == 1 else { return .failure(.noSuchDelivery) }
            if try found.row(0).bool("in_flight") == true { return .failure(.inFlight) }
            if try found.row(0).bool("enabled") != true { return .failure(.endpointDisabled) }
            let result = try connection.query("""
                UPDATE webhook_deliveries SET
                    attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
                    status = 'pending', next_attempt_at = now(), locked_until = NULL, completed_at = NULL, manual_retry = true
                WHERE id = $1
                RETURNING \(DeliveryRecord.columns)
                """, [delivery])
            return .success(try DeliveryRecord(result))
        }
    }
}
