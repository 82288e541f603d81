import Postgres

/// One claimed delivery: what the sender needs, and the attempt number that is its claim.
struct DeliveryJob {
    let id: Int64
    let attempt: Int
    let eventId: Int64
    let payload: [UInt8]
    let url: String
    let secret: String
}

/// What one attempt came to.
struct DeliveryOutcome {
    var statusCode: Int?
    var latencyMs: Double
    var error: String?
    /// Seconds the receiver asked to wait (`Retry-After` on a 429 or 503).
    var retryAfter: Double?

    var succeeded: Bool { error == nil && statusCode.map { (200..<300).contains($0) } == true }
    var gone: Bool { statusCode == 410 }
}

/// The dispatcher's SQL: fan-out of events into deliveries, claims with leases, results.
struct DeliveryStore {
    let pool: PostgresPool

    /// For every enabled endpoint, deliveries for the next events after its cursor that match its
    /// types, and the cursor moved past them, in one statement. Endpoints another server is
    /// fanning out are skipped (SKIP LOCKED). Returns the deliveries made and whether an endpoint
    /// had a full batch (more may follow).
    func fanOut(batch: Int) throws -> (inserted: Int, more: Bool) {
        let result = try pool.withConnection {
            try $0.query("""
                WITH endpoints AS (
                    SELECT id, types, fanned_out_through FROM webhook_endpoints WHERE enabled ORDER BY id FOR UPDATE SKIP LOCKED
                ), batch AS (
                    SELECT w.id AS endpoint_id, w.types, e.id AS event_id, e.type, e.payload
                    FROM endpoints w CROSS JOIN LATERAL (
                        SELECT id, type, payload FROM events WHERE id > w.fanned_out_through ORDER BY id LIMIT $1) e
                ), inserted AS (
                    INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload)
                    SELECT endpoint_id, event_id, type, payload::text FROM batch
                    WHERE cardinality(types) = 0
                       OR EXISTS (SELECT 1 FROM unnest(types) AS p(prefix) WHERE starts_with(type, p.prefix))
                    ORDER BY endpoint_id, event_id
                    ON CONFLICT (endpoint_id, event_id) DO NOTHING
                    RETURNING 1
                ), advanced AS (
                    UPDATE webhook_endpoints w SET fanned_out_through = b.through
                    FROM (SELECT endpoint_id, max(event_id) AS through, count(*) AS n FROM batch GROUP BY endpoint_id) b
                    WHERE w.id = b.endpoint_id
                    RETURNING b.n
                )
                SELECT (SELECT count(*) FROM inserted), coalesce((SELECT max(n) FROM advanced), 0)
                """, [batch])
        }
        return (Int(result.int(0, 0) ?? 0), (result.int(0, 1) ?? 0) >= Int64(batch))
    }

    /// Claims one due delivery for `lease` seconds. Only the head of an endpoint's queue (its
    /// pending delivery with the smallest position) can be due: per endpoint, the next delivery
    /// waits until the one before it succeeded or failed for good, so events arrive in position
    /// order and at most one delivery per endpoint is in flight.
    func claim(lease: Double) throws -> DeliveryJob? {
        let result = try pool.withConnection {
            try $0.query("""
                WITH heads AS (
                    SELECT h.id, h.next_attempt_at FROM webhook_endpoints w
                    CROSS JOIN LATERAL (
                        SELECT id, next_attempt_at, locked_until FROM webhook_deliveries
                        WHERE endpoint_id = w.id AND status = 'pending' ORDER BY event_id LIMIT 1) h
                    WHERE w.enabled AND h.next_attempt_at <= now() AND (h.locked_until IS NULL OR h.locked_until <= now())
                ), claimed AS (
                    SELECT d.id FROM webhook_deliveries d
                    WHERE d.id IN (SELECT id FROM heads)
                      AND d.status = 'pending' AND (d.locked_until IS NULL OR d.locked_until <= now())
                    ORDER BY d.next_attempt_at
                    LIMIT 1
                    FOR UPDATE OF d SKIP LOCKED
                )
                UPDATE webhook_deliveries d
                SET locked_until = now() + make_interval(secs => $1::float8), attempts = d.attempts + 1, last_attempt_at = now()
                FROM claimed c, webhook_endpoints w
                WHERE d.id = c.id AND w.id = d.endpoint_id
                  AND d.status = 'pending' AND (d.locked_until IS NULL OR d.locked_until <= now())
                RETURNING d.id, d.attempts, d.event_id, d.payload, w.url, w.secret
                """, [lease])
        }
        guard result.rowCount == 1, let id = result.int(0, 0), let attempt = result.int(0, 1), let eventId = result.int(0, 2) else {
            return nil
        }
        return DeliveryJob(id: id, attempt: Int(attempt), eventId: eventId, payload: result.withBytes(0, 3) { Array($0) },
                           url: result.string(0, 4) ?? "", secret: result.string(0, 5) ?? "")
    }

    /// Records a success. Ignored when the claim was lost (the lease ran out and another server
    /// took the delivery: its attempt number moved on).
    func recordSuccess(_ job: DeliveryJob, _ outcome: DeliveryOutcome) throws {
        try pool.retrying {
            try pool.withConnection {
                _ = try $0.query("""
                    WITH d AS (
                        UPDATE webhook_deliveries SET status = 'succeeded', locked_until = NULL, completed_at = now(),
                            last_status_code = $3::int, last_latency_ms = $4::float8, last_error = NULL
                        WHERE id = $1 AND attempts = $2 AND status = 'pending'
                        RETURNING endpoint_id)
                    UPDATE webhook_endpoints SET failing_since = NULL
                    WHERE id = (SELECT endpoint_id FROM d) AND failing_since IS NOT NULL
                    """, [job.id, job.attempt, outcome.statusCode, outcome.latencyMs])
            }
        }
    }

    /// Records a failed attempt: retried after `retryIn` seconds, or failed for good when nil.
    /// The endpoint is disabled on a 410 or once its deliveries have failed `disableAfter` seconds.
    func recordFailure(_ job: DeliveryJob, _ outcome: DeliveryOutcome, retryIn: Double?, disableAfter: Double) throws {
        let failingReason = "its deliveries failed for \(Self.duration(disableAfter)) without a success"
        try pool.retrying {
            try pool.withConnection {
                _ = try $0.query("""
                    WITH d AS (
                        UPDATE webhook_deliveries SET
                            status = CASE WHEN $5::float8 IS NULL THEN 'failed' ELSE 'pending' END,
                            locked_until = NULL,
                            next_attempt_at = CASE WHEN $5::float8 IS NULL THEN next_attempt_at
                                                   ELSE now() + make_interval(secs => $5::float8) END,
                            completed_at = CASE WHEN $5::float8 IS NULL THEN now() END,
                            last_status_code = $3::int, last_latency_ms = $4::float8, last_error = $6
                        WHERE id = $1 AND attempts = $2 AND status = 'pending'
                        RETURNING endpoint_id)
                    UPDATE webhook_endpoints SET
                        failing_since = coalesce(failing_since, now()),
                        disabled_reason = CASE
                            WHEN NOT enabled THEN disabled_reason
                            WHEN $7::boolean THEN 'the receiver answered 410 Gone'
                            WHEN coalesce(failing_since, now()) <= now() - make_interval(secs => $8::float8) THEN $9
                            ELSE disabled_reason END,
                        enabled = enabled AND NOT $7::boolean
                                  AND coalesce(failing_since, now()) > now() - make_interval(secs => $8::float8)
                    WHERE id = (SELECT endpoint_id FROM d)
                    """, [job.id, job.attempt, outcome.statusCode, outcome.latencyMs, retryIn, outcome.error ?? "",
                          outcome.gone, disableAfter, failingReason])
            }
        }
    }

    /// Deletes finished deliveries older than `days`.
    func deleteFinished(olderThanDays days: Double) throws {
        try pool.withConnection {
            _ = try $0.query("""
                DELETE FROM webhook_deliveries
                WHERE status <> 'pending' AND completed_at < now() - make_interval(secs => $1::float8)
                """, [days * 86400])
        }
    }

    static func duration(_ seconds: Double) -> String {
        if seconds >= 3600 && seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600)) h" }
        return "\(seconds) s"
    }
}
