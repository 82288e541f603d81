import Postgres

/// One claimed delivery: what a transfer needs, and the attempt number that is its claim.
struct DeliveryJob: Sendable {
    let id: Int64
    let endpointId: Int64
    let attempt: Int
    let eventId: Int64
    let payload: [UInt8]
    /// The W3C trace of the change the event is (sent as a `traceparent` header).
    let traceparent: String?
    let url: String
    let secret: String
    /// The scheduler lane that claimed it and records it.
    let lane: Int
}

/// What one attempt came to.
struct DeliveryOutcome: Sendable {
    var statusCode: Int?
    var latencyMs: Double
    /// When the attempt started (Unix seconds).
    var startedAt: Double
    var error: String?
    /// Seconds the receiver asked to wait (`Retry-After` on a 429 or 503).
    var retryAfter: Double?

    init(statusCode: Int? = nil, latencyMs: Double, startedAt: Double = 0, error: String? = nil) {
        self.statusCode = statusCode
        self.latencyMs = latencyMs
        self.startedAt = startedAt
        self.error = error
    }

    var succeeded: Bool { error == nil && statusCode.map { (200..<300).contains($0) } == true }
    var gone: Bool { statusCode == 410 }
}

/// A finished attempt as recorded: `retryIn` seconds until the next (nil: no next one).
struct RecordedAttempt: Sendable {
    let job: DeliveryJob
    let outcome: DeliveryOutcome
    let retryIn: Double?
}

/// The dispatcher's SQL: fan-out of events into deliveries, fair claims with leases, results.
struct DeliveryStore: Sendable {
    /// The advisory lock claims take turns on (an arbitrary constant: "INSIKTWC").
    static let claimLockKey: Int64 = 0x494E_5349_4B54_5743

    let pool: PostgresPool

    /// For every enabled endpoint, deliveries for the next events after its cursor that match its
    /// types and subjects, and the cursor moved past them, in one statement. Endpoints another
    /// server is fanning out are skipped (SKIP LOCKED). Returns the deliveries made and whether an
    /// endpoint had a full batch (more may follow). Each event is matched against an endpoint's
    /// lists once per element, and the lists are capped (WebhookChange), so the cost stays
    /// proportional to the events read.
    func fanOut(batch: Int) throws -> (inserted: Int, more: Bool) {
        let result = try pool.withConnection {
            try $0.query("""
                WITH endpoints AS (
                    SELECT id, types, subjects, fanned_out_through FROM webhook_endpoints WHERE enabled ORDER BY id FOR UPDATE SKIP LOCKED
                ), batch AS (
                    SELECT w.id AS endpoint_id, w.types, w.subjects, e.id AS event_id, e.type, e.aggregateid, e.payload, e.traceparent
                    FROM endpoints w CROSS JOIN LATERAL (
                        SELECT id, type, aggregateid, payload, traceparent FROM events WHERE id > w.fanned_out_through ORDER BY id LIMIT $1) e
                ), inserted AS (
                    INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload, traceparent)
                    SELECT endpoint_id, event_id, type, payload::text, traceparent FROM batch
                    WHERE (cardinality(types) = 0
                           OR EXISTS (SELECT 1 FROM unnest(types) AS p(prefix) WHERE starts_with(type, p.prefix)))
                      AND (cardinality(subjects) = 0
                           OR EXISTS (SELECT 1 FROM unnest(subjects) AS s(prefix) WHERE \(EventFilter.subjectSQL("s.prefix"))))
                    ORDER BY endpoint_id, event_id
                    ON CONFLICT (endpoint_id, event_id) DO NOTHING
                    RETURNING 1
                ), advanced AS (
                    UPDATE webhook_endpoints w SET fanned_out_through = b.through
                    FROM (SELECT endpoint_id, max(event_id) AS through, count(*) AS n FROM batch GROUP BY endpoint_id) b
                    WHERE w.id = b.endpoint_id
                    RETURNING b.n
                )
                SELECT (SELECT count(*) FROM inserted) AS inserted, coalesce((SELECT max(n) FROM advanced), 0) AS largest_batch
                """, [batch])
        }
        let row = result.row(0)
        return (Int(try row.int("inserted") ?? 0), (try row.int("largest_batch") ?? 0) >= Int64(batch))
    }

    /// Claims up to `limit` deliveries for `lease` seconds, at most one per endpoint, fairly:
    /// - per endpoint, only the head of its queue (its pending delivery with the smallest
    ///   position) can go, and only when nothing of that endpoint is in flight, so events arrive
    ///   in position order; a manual retry goes before the head;
    /// - an endpoint goes when its head is due and its circuit breaker is closed (a manual retry
    ///   ignores both);
    /// - among the endpoints that can go, manual retries first, then the endpoint whose last turn
    ///   is oldest (round-robin): one that just had its turn waits behind every other endpoint
    ///   with a due head.
    ///
    /// Claims take turns (an advisory lock, then the claim's snapshot): two claims at once could
    /// each sort the endpoints by a `last_turn_at` the other was changing, and give one endpoint
    /// two turns in a row (seen under load).
    func claim(lease: Double, limit: Int, lane: Int) throws -> [DeliveryJob] {
        let result = try pool.transaction(retry: false) { connection in
            try connection.query("SELECT pg_advisory_xact_lock(\(DeliveryStore.claimLockKey))")
            return try connection.query("""
                WITH picked AS (
                    SELECT w.id AS endpoint_id, h.id AS delivery_id
                    FROM webhook_endpoints w
                    CROSS JOIN LATERAL (
                        SELECT c.id, c.manual_retry, c.next_attempt_at FROM (
                            (SELECT id, manual_retry, next_attempt_at, 0 AS rank FROM webhook_deliveries
                             WHERE endpoint_id = w.id AND status = 'pending' AND manual_retry ORDER BY event_id LIMIT 1)
                            UNION ALL
                            (SELECT id, manual_retry, next_attempt_at, 1 FROM webhook_deliveries
                             WHERE endpoint_id = w.id AND status = 'pending' ORDER BY event_id LIMIT 1)
                        ) c ORDER BY c.rank LIMIT 1
                    ) h
                    WHERE w.enabled AND (w.in_flight_until IS NULL OR w.in_flight_until <= now())
                      -- An open breaker is passed by a manual retry only; looked at before the queue's head.
                      AND (w.breaker_until IS NULL OR w.breaker_until <= now()
                           OR EXISTS (SELECT 1 FROM webhook_deliveries m WHERE m.endpoint_id = w.id AND m.status = 'pending' AND m.manual_retry))
                      AND (h.manual_retry OR (h.next_attempt_at <= now() AND (w.breaker_until IS NULL OR w.breaker_until <= now())))
                    ORDER BY h.manual_retry DESC, w.last_turn_at NULLS FIRST, w.id
                    LIMIT $2
                    FOR UPDATE OF w SKIP LOCKED
                ), turns AS (
                    UPDATE webhook_endpoints w
                    SET in_flight_until = now() + make_interval(secs => $1::float8), last_turn_at = clock_timestamp()
                    FROM picked p WHERE w.id = p.endpoint_id
                    RETURNING w.id, w.url, w.secret
                )
                UPDATE webhook_deliveries d
                SET locked_until = now() + make_interval(secs => $1::float8), attempts = d.attempts + 1,
                    last_attempt_at = now(), manual_retry = false
                FROM picked p JOIN turns t ON t.id = p.endpoint_id
                WHERE d.id = p.delivery_id AND d.status = 'pending'
                RETURNING d.id, d.endpoint_id, d.attempts, d.event_id, d.payload, t.url, t.secret, d.traceparent
                """, [lease, limit])
        }
        let id = try result.column("id"), endpointId = try result.column("endpoint_id"), attempt = try result.column("attempts"),
            eventId = try result.column("event_id"), payload = try result.column("payload"), url = try result.column("url"),
            secret = try result.column("secret"), traceparent = try result.column("traceparent")
        return result.rows.compactMap { row in
            guard let id = row.int(id), let endpointId = row.int(endpointId), let attempt = row.int(attempt),
                  let eventId = row.int(eventId) else { return nil }
            return DeliveryJob(id: id, endpointId: endpointId, attempt: Int(attempt), eventId: eventId,
                               payload: row.withBytes(payload) { Array($0) }, traceparent: row.string(traceparent),
                               url: row.string(url) ?? "", secret: row.string(secret) ?? "", lane: lane)
        }
    }

    /// The breaker's and the endpoints' rules for `record`.
    struct Rules: Sendable {
        /// Consecutive failed attempts that open an endpoint's breaker.
        let breakerThreshold: Int
        /// The breaker stays open for the schedule's n-th delay (±20 %) after the n-th failure past
        /// the threshold (the last delay once they are spent).
        let schedule: [Double]
        /// An endpoint whose deliveries keep failing this many seconds is disabled.
        let disableAfter: Double
    }

    /// Records finished attempts in one statement: each delivery's state, one row per attempt,
    /// and each endpoint's in-flight lease, breaker and failing time. An attempt whose claim was
    /// lost (its lease ran out and another server took the delivery: the attempt number moved on)
    /// changes nothing.
    func record(_ attempts: [RecordedAttempt], rules: Rules) throws {
        guard !attempts.isEmpty else { return }
        let failingReason = "its deliveries failed for \(Self.duration(rules.disableAfter)) without a success"
        let parameters: [PostgresEncodable?] = [
            PostgresArray(attempts.map(\.job.id)), PostgresArray(attempts.map(\.job.attempt)),
            PostgresArray(attempts.map(\.outcome.succeeded)), PostgresArray(attempts.map(\.outcome.statusCode)),
            PostgresArray(attempts.map(\.outcome.latencyMs)), PostgresArray(attempts.map(\.outcome.error)),
            PostgresArray(attempts.map(\.retryIn)), PostgresArray(attempts.map(\.outcome.startedAt)),
            rules.breakerThreshold, PostgresArray(rules.schedule), rules.disableAfter, failingReason,
        ]
        try pool.retrying {
            try pool.withConnection {
                _ = try $0.query("""
                    WITH o AS (
                        SELECT * FROM unnest($1::bigint[], $2::int[], $3::boolean[], $4::int[], $5::float8[], $6::text[], $7::float8[], $8::float8[])
                            AS o(id, attempt, succeeded, status_code, latency_ms, error, retry_in, started_at)
                    ), d AS (
                        UPDATE webhook_deliveries d SET
                            status = CASE WHEN o.succeeded THEN 'succeeded' WHEN o.retry_in IS NULL THEN 'failed' ELSE 'pending' END,
                            locked_until = NULL,
                            next_attempt_at = CASE WHEN NOT o.succeeded AND o.retry_in IS NOT NULL
                                                   THEN now() + make_interval(secs => o.retry_in) ELSE d.next_attempt_at END,
                            completed_at = CASE WHEN o.succeeded OR o.retry_in IS NULL THEN now() END,
                            last_status_code = o.status_code, last_latency_ms = o.latency_ms,
                            last_error = CASE WHEN o.succeeded THEN NULL ELSE o.error END
                        FROM o
                        WHERE d.id = o.id AND d.attempts = o.attempt AND d.status = 'pending'
                        RETURNING d.id, d.endpoint_id, o.attempt, o.succeeded, o.status_code, o.latency_ms, o.error, o.started_at
                    ), logged AS (
                        INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, status_code, latency_ms, error)
                        SELECT id, attempt, to_timestamp(started_at), status_code, latency_ms, CASE WHEN succeeded THEN NULL ELSE error END FROM d
                    )
                    UPDATE webhook_endpoints w SET
                        in_flight_until = NULL,
                        consecutive_failures = CASE WHEN d.succeeded THEN 0 ELSE w.consecutive_failures + 1 END,
                        failing_since = CASE WHEN d.succeeded THEN NULL ELSE coalesce(w.failing_since, now()) END,
                        breaker_until = CASE WHEN d.succeeded OR w.consecutive_failures + 1 < $9 THEN NULL
                            ELSE now() + make_interval(secs => ($10::float8[])[least(w.consecutive_failures + 2 - $9, cardinality($10::float8[]))]
                                                                * (0.8 + random() * 0.4)) END,
                        disabled_reason = CASE
                            WHEN d.succeeded OR NOT w.enabled THEN w.disabled_reason
                            WHEN d.status_code = 410 THEN 'the receiver answered 410 Gone'
                            WHEN coalesce(w.failing_since, now()) <= now() - make_interval(secs => $11::float8) THEN $12
                            ELSE w.disabled_reason END,
                        enabled = w.enabled AND (d.succeeded OR (coalesce(d.status_code, 0) <> 410
                                  AND coalesce(w.failing_since, now()) > now() - make_interval(secs => $11::float8)))
                    FROM d WHERE w.id = d.endpoint_id
                    """, parameters)
            }
        }
    }

    /// Gives claims back that were never sent to the end (the server is stopping): their
    /// endpoints may go again at once, on any server. The attempt stays counted.
    func release(_ jobs: [DeliveryJob]) throws {
        guard !jobs.isEmpty else { return }
        try pool.withConnection {
            _ = try $0.query("""
                WITH r AS (
                    UPDATE webhook_deliveries d SET locked_until = NULL
                    FROM unnest($1::bigint[], $2::int[]) AS o(id, attempt)
                    WHERE d.id = o.id AND d.attempts = o.attempt AND d.status = 'pending'
                    RETURNING d.endpoint_id)
                UPDATE webhook_endpoints SET in_flight_until = NULL WHERE id IN (SELECT endpoint_id FROM r)
                """, [PostgresArray(jobs.map(\.id)), PostgresArray(jobs.map(\.attempt))])
        }
    }

    /// Deletes finished deliveries (and their attempts) older than `days`.
    func deleteFinished(olderThanDays days: Double) throws {
        try pool.withConnection {
            _ = try $0.query("""
                DELETE FROM webhook_deliveries
                WHERE status <> 'pending' AND completed_at < now() - make_interval(secs => $1::float8)
                """, [days * 86400])
        }
    }

    /// What `/metrics` shows of the queues: the backlog of the `top` endpoints with the most
    /// pending deliveries, all pending ones, the endpoints whose breaker is open, and how long ago
    /// the oldest pending delivery of an enabled endpoint fell due (0 when none is due).
    func backlog(top: Int) throws -> (top: [(endpoint: Int64, pending: Int64)], pending: Int64, breakersOpen: Int64, oldestDueSeconds: Double) {
        try pool.withConnection { connection in
            let totals = try connection.query("""
                SELECT (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS pending,
                       (SELECT count(*) FROM webhook_endpoints WHERE enabled AND breaker_until > now()) AS breakers_open,
                       coalesce((SELECT extract(epoch FROM now() - min(d.next_attempt_at))::float8
                                 FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
                                 WHERE d.status = 'pending' AND w.enabled AND d.next_attempt_at <= now()), 0) AS oldest_due_seconds
                """)
            let heaviest = try connection.query("""
                SELECT endpoint_id, count(*) AS pending FROM webhook_deliveries WHERE status = 'pending'
                GROUP BY endpoint_id ORDER BY count(*) DESC, endpoint_id LIMIT $1
                """, [top])
            let endpoint = try heaviest.column("endpoint_id"), pending = try heaviest.column("pending")
            let rows = heaviest.rows.map { ($0.int(endpoint) ?? 0, $0.int(pending) ?? 0) }
            let total = totals.row(0)
            return (rows, try total.int("pending") ?? 0, try total.int("breakers_open") ?? 0, try total.double("oldest_due_seconds") ?? 0)
        }
    }

    static func duration(_ seconds: Double) -> String {
        if seconds >= 3600 && seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600)) h" }
        return "\(seconds) s"
    }
}
