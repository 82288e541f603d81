import HTTP
import Identity
import JSON
import Outbox
import Postgres

/// All SQL of jobs. Every change of state is an UPDATE whose WHERE names the state it leaves (a
/// terminal state never changes), written with its `insikt.job.<state>` event and a log line in
/// one transaction.
public struct JobsRepository: Sendable {
    /// Pieces of a stored body.
    static let chunkSize = 1 << 20

    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    // MARK: submitting

    /// A new queued job with the body `read` gives, stored in pieces as it arrives (one
    /// transaction: a body that breaks off leaves no job). With an `idempotencyKey` the same key
    /// of the same actor within 24 h answers the job it made (`reused`), or a 409 when the body
    /// or the kind differs.
    public func submit(kind: JobKind, contentType: String?, contentEncoding: String?, origin: EventOrigin?,
                       idempotencyKey: String?, read: () throws -> [UInt8]?) throws -> (job: Job, reused: Bool) {
        try pool.transaction(retry: false) { connection in
            if let idempotencyKey {
                // Two requests with one key at once: the second waits for the first to commit.
                try connection.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))",
                                     [(origin?.actor?.id ?? "") + "\u{1}" + idempotencyKey])
                let earlier = try connection.query("""
                    SELECT \(Job.columns), body_sha256 FROM jobs
                    WHERE actor_id IS NOT DISTINCT FROM $1 AND idempotency_key = $2 AND created_at > now() - interval '24 hours'
                    ORDER BY id DESC LIMIT 1
                    """, [origin?.actor?.id, idempotencyKey])
                if earlier.rowCount == 1 {
                    let job = try Job(earlier)
                    let digest = BodyDigest()
                    while let chunk = try read() { digest.update(chunk) }
                    let stored = try earlier.row(0).withBytes("body_sha256") { ByteaHex.decode($0) }
                    guard job.kind == kind.rawValue, stored == digest.finish() else {
                        throw HTTPError(409, "Idempotency-Key \(idempotencyKey) was used for another request body (job \(job.id), \(job.location)) within 24 hours; use a new key for a new request.")
                    }
                    return (job, true)
                }
            }
            let id = try connection.query("""
                INSERT INTO jobs (kind, content_type, content_encoding, actor_id, actor_name, idempotency_key, traceparent)
                VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
                """, [kind.rawValue, contentType, contentEncoding, origin?.actor?.id, origin?.actor?.name, idempotencyKey, origin?.traceparent]).row(0).int("id") ?? 0
            let digest = BodyDigest()
            var pending: [UInt8] = []
            var seq: Int32 = 0
            var total: Int64 = 0
            func store() throws {
                try connection.queryBinary("INSERT INTO job_bodies (job_id, seq, bytes) VALUES ($1, $2, $3::bytea)",
                                           [.text(String(id)), .text(String(seq)), .binary(pending)])
                seq += 1
                pending.removeAll(keepingCapacity: true)
            }
            while let chunk = try read() {
                digest.update(chunk)
                total += Int64(chunk.count)
                pending.append(contentsOf: chunk)
                if pending.count >= JobsRepository.chunkSize { try store() }
            }
            if !pending.isEmpty { try store() }
            let row = try connection.query("""
                UPDATE jobs SET body_sha256 = $2::bytea, bytes_total = $3 WHERE id = $1 RETURNING \(Job.columns)
                """, [id, ByteaHex.encode(digest.finish()), total])
            let job = try Job(row)
            try changed(connection, job, log: "queued: \(total) bytes of \(contentType ?? "a body without Content-Type")"
                        + (contentEncoding.map { " (sent with Content-Encoding \($0), stored inflated)" } ?? "")
                        + (job.origin?.traceparent.map { ", trace \(TraceContext(traceparent: $0)?.traceId ?? $0)" } ?? ""))
            return (job, false)
        }
    }

    /// Inside the caller's transaction: a new queued job without a body (a source's pull), with
    /// its `insikt.job.queued` event. Wake the runners after the commit.
    public func enqueue(_ connection: PostgresConnection, kind: JobKind, origin: EventOrigin?, log: String) throws -> Job {
        let row = try connection.query("""
            INSERT INTO jobs (kind, actor_id, actor_name, traceparent) VALUES ($1, $2, $3, $4) RETURNING \(Job.columns)
            """, [kind.rawValue, origin?.actor?.id, origin?.actor?.name, origin?.traceparent])
        let job = try Job(row)
        try changed(connection, job, log: log)
        return job
    }

    // MARK: reading

    public func job(_ id: Int64) throws -> Job? {
        try pool.retrying {
            try pool.withConnection { connection in
                let result = try connection.query("SELECT \(Job.columns) FROM jobs WHERE id = $1", [id])
                return result.rowCount == 1 ? try Job(result) : nil
            }
        }
    }

    /// Newest first: jobs with ids below `before` (all when nil), at most `limit`.
    public func list(state: JobState?, kind: JobKind?, before: Int64?, limit: Int) throws -> [Job] {
        try pool.retrying {
            try pool.withConnection { connection in
                let result = try connection.query("""
                    SELECT \(Job.columns) FROM jobs
                    WHERE id < $1 AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR kind = $3)
                    ORDER BY id DESC LIMIT $4
                    """, [before ?? Int64.max, state?.rawValue, kind?.rawValue, limit])
                return try Job.all(result)
            }
        }
    }

    /// `size` log lines from the `from`-th (0-based), and how many there are; nil: no such job.
    public func log(jobId: Int64, from: Int, size: Int) throws -> (total: Int, lines: [String])? {
        try pool.retrying {
            try pool.withConnection { connection in
                let count = try connection.query("""
                    SELECT (SELECT count(*) FROM job_log WHERE job_id = $1) AS lines FROM jobs WHERE id = $1
                    """, [jobId])
                guard count.rowCount == 1 else { return nil }
                let lines = try connection.query("""
                    SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ' ' || line AS line
                    FROM job_log WHERE job_id = $1 ORDER BY at, id OFFSET $2 LIMIT $3
                    """, [jobId, from, size])
                let line = try lines.column("line")
                return (Int(try count.row(0).int("lines") ?? 0), lines.rows.map { $0.string(line) ?? "" })
            }
        }
    }

    /// A piece of a stored body, nil past the last.
    func bodyChunk(jobId: Int64, seq: Int32) throws -> [UInt8]? {
        try pool.retrying {
            try pool.withConnection { connection in
                let result = try connection.queryBinary("SELECT bytes FROM job_bodies WHERE job_id = $1 AND seq = $2",
                                                        [.text(String(jobId)), .text(String(seq))], binaryResult: true)
                guard result.rowCount == 1 else { return nil }
                return try result.row(0).withBytes("bytes") { Array($0) }
            }
        }
    }

    // MARK: retention

    /// Deletes the jobs that ended more than `days` ago, with their logs; returns how many.
    public func deleteFinished(olderThanDays days: Double) throws -> Int {
        try pool.retrying {
            try pool.withConnection { connection in
                let result = try connection.query("""
                    WITH gone AS (
                        DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled')
                            AND finished_at < now() - $1 * interval '1 day'
                        RETURNING id)
                    SELECT count(*) FROM gone
                    """, [days])
                return Int(try result.row(0).int("count") ?? 0)
            }
        }
    }

    // MARK: cancelling

    public enum CancelOutcome {
        /// It was queued (now cancelled) or running (now asked to stop).
        case accepted(Job)
        /// It had ended already; nothing changed.
        case finished(Job)
    }

    /// Cancels a job if `allowed` says the caller may (it throws the refusal); nil: no such job.
    public func cancel(jobId: Int64, origin: EventOrigin?, allowed: (Job) throws -> Void) throws -> CancelOutcome? {
        try pool.transaction { connection in
            let current = try connection.query("SELECT \(Job.columns) FROM jobs WHERE id = $1 FOR UPDATE", [jobId])
            guard current.rowCount == 1 else { return nil }
            let job = try Job(current)
            try allowed(job)
            let who = origin?.actor.map { "\($0.name) (\($0.id))" } ?? "a caller without key"
            switch job.state {
            case .succeeded, .failed, .cancelled:
                return .finished(job)
            case .queued:
                let row = try connection.query("""
                    UPDATE jobs SET state = 'cancelled', finished_at = clock_timestamp() WHERE id = $1 AND state = 'queued' RETURNING \(Job.columns)
                    """, [jobId])
                try connection.query("DELETE FROM job_bodies WHERE job_id = $1", [jobId])
                let cancelled = try Job(row)
                try changed(connection, cancelled, log: "cancelled by \(who) before it started", origin: origin)
                return .accepted(cancelled)
            case .running:
                let row = try connection.query("""
                    UPDATE jobs SET cancel_requested = true WHERE id = $1 AND state = 'running' RETURNING \(Job.columns)
                    """, [jobId])
                try addLog(connection, jobId, "cancel requested by \(who); it stops at its next checkpoint")
                return .accepted(try Job(row))
            }
        }
    }

    // MARK: running

    /// A job for `server` to run: the oldest queued one, or a running one whose lease expired
    /// (its server died). Nil when there is none. Rows other servers hold are skipped.
    func claim(server: String, lease: Double) throws -> (job: Job, contentType: String?, rerun: Bool)? {
        try pool.transaction { connection in
            let next = try connection.query("""
                SELECT id, state, locked_by FROM jobs
                WHERE state = 'queued' OR (state = 'running' AND locked_until < now())
                ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
                """)
            guard next.rowCount == 1, let id = try next.row(0).int("id") else { return nil }
            let rerun = try next.row(0).string("state") == "running"
            let row = try connection.query("""
                UPDATE jobs SET state = 'running', locked_by = $2, locked_until = now() + $3 * interval '1 second',
                    heartbeat_at = now(), attempts = attempts + 1, started_at = coalesce(started_at, now())
                WHERE id = $1 AND state IN ('queued', 'running') RETURNING \(Job.columns), content_type
                """, [id, server, lease])
            let job = try Job(row)
            if rerun {
                try addLog(connection, id, "the lease of \(try next.row(0).string("locked_by") ?? "its server") expired: running again from the start (attempt \(job.attempts)) on \(server)")
            } else {
                try changed(connection, job, log: "started (attempt \(job.attempts)) on \(server)")
            }
            return (job, try row.row(0).string("content_type"), rerun)
        }
    }

    /// Renews the lease and writes the progress; returns whether a cancel was asked, or nil
    /// when the job is no longer this server's to run.
    /// `logLine` goes to the job's log in the same statement, only when the job is still running
    /// here: a beat that waited for the work's commit writes no progress after its outcome.
    func heartbeat(jobId: Int64, server: String, lease: Double, rows: Int64, bytes: Int64, fraction: Double,
                   phase: String?, logLine: String?) throws -> Bool? {
        try pool.withConnection { connection in
            let result = try connection.query("""
                WITH beat AS (
                    UPDATE jobs SET locked_until = now() + $3 * interval '1 second', heartbeat_at = now(),
                        progress = greatest(progress, least($4::double precision, 0.9999)),
                        processed = greatest(processed, $5), bytes_done = greatest(bytes_done, least($6, bytes_total)),
                        phase = coalesce($7::text, phase)
                    WHERE id = $1 AND locked_by = $2 AND state = 'running' RETURNING id, cancel_requested),
                logged AS (INSERT INTO job_log (job_id, at, line) SELECT id, clock_timestamp(), $8::text FROM beat WHERE $8::text IS NOT NULL)
                SELECT cancel_requested FROM beat
                """, [jobId, server, lease, fraction, rows, bytes, phase, logLine])
            return result.rowCount == 1 ? try result.row(0).bool("cancel_requested") : nil
        }
    }

    /// Inside the work's transaction: `succeeded`. Nil when done; else why it may not be.
    func succeed(_ connection: PostgresConnection, jobId: Int64, server: String, processed: Int64, result: [UInt8]) throws -> JobStop? {
        let row = try connection.query("""
            UPDATE jobs SET state = 'succeeded', progress = 1, processed = greatest(processed, $3), bytes_done = bytes_total,
                finished_at = clock_timestamp(), result = $4::jsonb, locked_by = NULL, locked_until = NULL, phase = NULL
            WHERE id = $1 AND state = 'running' AND locked_by = $2 AND NOT cancel_requested RETURNING \(Job.columns)
            """, [jobId, server, processed, String(decoding: result, as: UTF8.self)])
        guard row.rowCount == 1 else {
            let current = try connection.query("SELECT cancel_requested AND state = 'running' AND locked_by = $2 AS cancelled FROM jobs WHERE id = $1",
                                               [jobId, server])
            return try current.row(0).bool("cancelled") == true ? .cancelled : .leaseLost
        }
        try connection.query("DELETE FROM job_bodies WHERE job_id = $1", [jobId])
        let job = try Job(row)
        try changed(connection, job, log: "succeeded: \(String(decoding: result, as: UTF8.self))")
        return nil
    }

    /// `failed` with `problem` (the problem+json the synchronous call would have answered).
    func fail(jobId: Int64, server: String, problem: [UInt8], log: String) throws {
        try finish(jobId: jobId, server: server, state: .failed, problem: problem, log: log)
    }

    /// `cancelled` after its work rolled back.
    func cancelled(jobId: Int64, server: String) throws {
        try finish(jobId: jobId, server: server, state: .cancelled, problem: nil, log: "cancelled: stopped and rolled back, nothing stored")
    }

    /// Inside the work's transaction: `failed`. Nil when done; else why it may not be.
    func fail(_ connection: PostgresConnection, jobId: Int64, server: String, problem: [UInt8], log: String) throws -> JobStop? {
        if try finish(connection, jobId: jobId, server: server, state: .failed, problem: problem, log: log) { return nil }
        let current = try connection.query("SELECT cancel_requested AND state = 'running' AND locked_by = $2 AS cancelled FROM jobs WHERE id = $1",
                                           [jobId, server])
        return try current.row(0).bool("cancelled") == true ? .cancelled : .leaseLost
    }

    private func finish(jobId: Int64, server: String, state: JobState, problem: [UInt8]?, log: String) throws {
        try pool.transaction { connection in
            _ = try finish(connection, jobId: jobId, server: server, state: state, problem: problem, log: log)
        }
    }

    /// False when the job is no longer this server's running job.
    private func finish(_ connection: PostgresConnection, jobId: Int64, server: String, state: JobState, problem: [UInt8]?,
                        log: String) throws -> Bool {
        let row = try connection.query("""
            UPDATE jobs SET state = $3, finished_at = clock_timestamp(), error = $4::jsonb, locked_by = NULL, locked_until = NULL, phase = NULL
            WHERE id = $1 AND state = 'running' AND locked_by = $2 RETURNING \(Job.columns)
            """, [jobId, server, state.rawValue, problem.map { String(decoding: $0, as: UTF8.self) }])
        guard row.rowCount == 1 else { return false }
        try connection.query("DELETE FROM job_bodies WHERE job_id = $1", [jobId])
        try changed(connection, try Job(row), log: log)
        return true
    }

    /// This server stops: the job goes to the next server at once, and this run is not counted.
    func release(jobId: Int64, server: String) throws {
        try pool.transaction { connection in
            let row = try connection.query("""
                UPDATE jobs SET locked_until = now() - interval '1 second', attempts = greatest(attempts - 1, 0)
                WHERE id = $1 AND state = 'running' AND locked_by = $2 RETURNING id
                """, [jobId, server])
            if row.rowCount == 1 { try addLog(connection, jobId, "\(server) is stopping: handed back, to run again from the start") }
        }
    }

    /// A retry after a transient failure: the attempt counted and logged. Nil when the job is no
    /// longer this server's.
    func retry(jobId: Int64, server: String, after error: String, delay: Double) throws -> Int64? {
        try pool.transaction { connection in
            let row = try connection.query("""
                UPDATE jobs SET attempts = attempts + 1 WHERE id = $1 AND state = 'running' AND locked_by = $2 RETURNING attempts
                """, [jobId, server])
            guard row.rowCount == 1, let attempts = try row.row(0).int("attempts") else { return nil }
            try addLog(connection, jobId, "attempt \(attempts - 1) failed (\(error)); attempt \(attempts) in \(Int(delay * 1000)) ms")
            return attempts
        }
    }

    func addLog(jobId: Int64, _ line: String) throws {
        try pool.withConnection { try addLog($0, jobId, line) }
    }

    /// A log line stamped `at` (a timestamp PostgreSQL reads), else with the clock now: not the
    /// transaction's start, which for a long job's work was many seconds earlier.
    private func addLog(_ connection: PostgresConnection, _ jobId: Int64, _ line: String, at: String? = nil) throws {
        try connection.query("INSERT INTO job_log (job_id, at, line) VALUES ($1, coalesce($3::timestamptz, clock_timestamp()), $2)",
                             [jobId, line, at])
    }

    /// The log line and the `insikt.job.<state>` event of a change of state (the event last:
    /// it holds the feed's lock until the commit).
    /// A finished job's line and event are stamped with its `finished_at`.
    private func changed(_ connection: PostgresConnection, _ job: Job, log: String, origin: EventOrigin? = nil) throws {
        let at = job.state.isTerminal ? job.finishedAt : nil
        try addLog(connection, job.id, log, at: at)
        try EventOutbox.record(connection, type: "insikt.job.\(job.state.rawValue)", subject: job.location, aggregateType: "job",
                               data: job.json, origin: origin ?? job.origin, time: at)
    }
}
