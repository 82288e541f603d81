import Foundation
import Identity
import Jobs
import JSON
import Outbox
import Postgres

/// All SQL of sources and their runs. A run's end is written in the transaction that ends its
/// job, with its `insikt.source.run.<outcome>` event.
public struct SourcesRepository: Sendable {
    let pool: PostgresPool
    let jobs: JobsRepository

    public init(pool: PostgresPool) {
        self.pool = pool
        jobs = JobsRepository(pool: pool)
    }

    // MARK: the resource

    func create(_ change: SourceChange, origin: EventOrigin?) throws -> Source {
        try pool.transaction { connection in
            let every: Int64?? = change.every
            let created = try connection.query("""
                INSERT INTO sources (name, url, kind, every_seconds, headers, retries, enabled, next_run_at, actor_id, actor_name)
                VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, CASE WHEN $4::integer IS NULL THEN NULL ELSE now() END, $8, $9)
                RETURNING id
                """, [change.name, change.url, change.kind?.rawValue, every.flatMap { $0 },
                      SourceChange.headersJSON(change.headers ?? []), change.retries ?? 3, change.enabled ?? true,
                      origin?.actor?.id, origin?.actor?.name])
            return try source(connection, try created.row(0).int("id") ?? 0)!
        }
    }

    func source(_ id: Int64) throws -> Source? {
        try pool.retrying { try pool.withConnection { try source($0, id) } }
    }

    private func source(_ connection: PostgresConnection, _ id: Int64) throws -> Source? {
        let result = try connection.query("SELECT \(Source.columns) FROM sources s \(Source.latestRun) WHERE s.id = $1", [id])
        return result.rowCount == 1 ? try Source(result) : nil
    }

    /// By id, ids above `after`, at most `limit`.
    func list(after: Int64?, limit: Int) throws -> [Source] {
        try pool.retrying {
            try pool.withConnection { connection in
                let result = try connection.query("""
                    SELECT \(Source.columns) FROM sources s \(Source.latestRun) WHERE s.id > $1 ORDER BY s.id LIMIT $2
                    """, [after ?? 0, limit])
                return try Source.all(result)
            }
        }
    }

    /// Applies the members given. A new URL forgets what the old one answered; a schedule given
    /// to an on-demand source is due at once; a shorter one no later than its new interval.
    func change(_ id: Int64, _ change: SourceChange) throws -> Source? {
        try pool.transaction { connection in
            let every: Int64?? = change.every
            let updated = try connection.query("""
                UPDATE sources SET
                    name = coalesce($2, name),
                    etag = CASE WHEN $3::text IS DISTINCT FROM NULL AND $3 <> url THEN NULL ELSE etag END,
                    last_modified = CASE WHEN $3::text IS DISTINCT FROM NULL AND $3 <> url THEN NULL ELSE last_modified END,
                    body_sha256 = CASE WHEN ($3::text IS DISTINCT FROM NULL AND $3 <> url) OR ($4::text IS DISTINCT FROM NULL AND $4 <> kind)
                                       THEN NULL ELSE body_sha256 END,
                    url = coalesce($3, url),
                    kind = coalesce($4, kind),
                    next_run_at = CASE WHEN NOT $5::boolean THEN next_run_at
                                       WHEN $6::integer IS NULL THEN NULL
                                       WHEN every_seconds IS NULL THEN now()
                                       ELSE least(next_run_at, now() + $6 * interval '1 second') END,
                    every_seconds = CASE WHEN $5::boolean THEN $6::integer ELSE every_seconds END,
                    headers = coalesce($7::jsonb, headers),
                    retries = coalesce($8, retries),
                    enabled = coalesce($9, enabled),
                    updated_at = now()
                WHERE id = $1
                """, [id, change.name, change.url, change.kind?.rawValue, every != nil, every.flatMap { $0 },
                      change.headers.map(SourceChange.headersJSON), change.retries, change.enabled])
            guard updated.affectedRows == 1 else { return nil }
            return try source(connection, id)
        }
    }

    /// Deletes a source and its runs' history (imports it made stay); false when there is none.
    func delete(_ id: Int64) throws -> Bool {
        try pool.withConnection { try $0.query("DELETE FROM sources WHERE id = $1", [id]) }.affectedRows == 1
    }

    /// A source's runs, newest first, ids below `before`; nil when there is no such source.
    func runs(of id: Int64, before: Int64?, limit: Int) throws -> [SourceRun]? {
        try pool.retrying {
            try pool.withConnection { connection in
                guard try connection.query("SELECT 1 FROM sources WHERE id = $1", [id]).rowCount == 1 else { return nil }
                let result = try connection.query("""
                    SELECT \(SourceRun.columns) FROM source_runs r LEFT JOIN jobs j ON j.id = r.job_id
                    WHERE r.source_id = $1 AND r.id < $2 ORDER BY r.id DESC LIMIT $3
                    """, [id, before ?? Int64.max, limit])
                return try SourceRun.all(result)
            }
        }
    }

    // MARK: starting runs

    public enum Started {
        /// A new run's job (queued).
        case queued(Job)
        /// The run already queued or running (at most one at a time): its job's id.
        case existing(Int64)
    }

    /// A run of source `id` now (nil: no such source), or the one already under way.
    func startRun(_ id: Int64, origin: EventOrigin?) throws -> Started? {
        try pool.transaction { connection in
            guard try connection.query("SELECT 1 FROM sources WHERE id = $1 FOR UPDATE", [id]).rowCount == 1 else { return nil }
            if let existing = try activeJob(connection, id) { return .existing(existing) }
            return .queued(try enqueue(connection, id, trigger: "request", origin: origin))
        }
    }

    /// Starts a run of each due source (at most `limit`) and moves its schedule to its next slot
    /// in the future: slots missed while no server ran give one run, not one each. Rows another
    /// server is scheduling are skipped, and once it commits they are no longer due, so each due
    /// run is started by exactly one server. Returns how many runs were queued.
    func startDueRuns(limit: Int = 20) throws -> Int {
        try pool.transaction { connection in
            let due = try connection.query("""
                SELECT id FROM sources
                WHERE enabled AND every_seconds IS NOT NULL AND next_run_at <= now()
                ORDER BY next_run_at LIMIT $1 FOR UPDATE SKIP LOCKED
                """, [limit])
            let idColumn = try due.column("id")
            var queued = 0
            for row in due.rows {
                guard let id = row.int(idColumn) else { continue }
                // A run still under way (a long pull, or one asked for) takes this slot.
                if try activeJob(connection, id) == nil {
                    _ = try enqueue(connection, id, trigger: "schedule", origin: nil)
                    queued += 1
                }
                try connection.query("""
                    UPDATE sources SET next_run_at = next_run_at + every_seconds * interval '1 second'
                        * (floor(extract(epoch FROM now() - next_run_at) / every_seconds) + 1)
                    WHERE id = $1
                    """, [id])
            }
            return queued
        }
    }

    private func activeJob(_ connection: PostgresConnection, _ id: Int64) throws -> Int64? {
        let active = try connection.query("""
            SELECT r.job_id FROM source_runs r JOIN jobs j ON j.id = r.job_id
            WHERE r.source_id = $1 AND j.state IN ('queued', 'running') ORDER BY r.id DESC LIMIT 1
            """, [id])
        return active.rowCount == 1 ? try active.row(0).int("job_id") : nil
    }

    private func enqueue(_ connection: PostgresConnection, _ id: Int64, trigger: String, origin: EventOrigin?) throws -> Job {
        let job = try jobs.enqueue(connection, kind: .source, origin: origin,
                                   log: "queued: a pull of source \(id) (\(trigger == "schedule" ? "its schedule" : "asked for"))")
        try connection.query("INSERT INTO source_runs (source_id, job_id, trigger) VALUES ($1, $2, $3)", [id, job.id, trigger])
        return job
    }

    // MARK: running

    /// What a run's work needs: the source (with its secret headers) and the run's id.
    struct RunContext: Sendable {
        var runId: Int64
        var sourceId: Int64
        var url: String
        var kind: SourceKind
        var headers: [(name: String, value: String)]
        var retries: Int
        var etag: String?
        var lastModified: String?
        var bodySHA256: String?
        var origin: EventOrigin?
    }

    func runContext(jobId: Int64) throws -> RunContext? {
        try pool.retrying {
            try pool.withConnection { connection in
                let result = try connection.query("""
                    SELECT r.id AS run_id, s.id AS source_id, s.url, s.kind, s.headers::text AS headers, s.retries, s.etag,
                        s.last_modified, s.body_sha256, j.actor_id, j.actor_name
                    FROM source_runs r JOIN sources s ON s.id = r.source_id JOIN jobs j ON j.id = r.job_id
                    WHERE r.job_id = $1
                    """, [jobId])
                guard result.rowCount == 1 else { return nil }
                let row = result.row(0)
                guard let kind = try row.string("kind").flatMap(SourceKind.init(rawValue:)) else { return nil }
                var headers: [(name: String, value: String)] = []
                if case let .array(items)? = try? JSONParser().parse(try row.withBytes("headers") { Array($0) }) {
                    for case let .object(members) in items {
                        let name = members.first { $0.key == "name" }?.value.stringValue
                        let value = members.first { $0.key == "value" }?.value.stringValue
                        if let name, let value { headers.append((name, value)) }
                    }
                }
                let actorName = try row.string("actor_name") ?? ""
                return RunContext(runId: try row.int("run_id") ?? 0, sourceId: try row.int("source_id") ?? 0, url: try row.string("url") ?? "",
                                  kind: kind, headers: headers, retries: Int(try row.int("retries") ?? 0), etag: try row.string("etag"),
                                  lastModified: try row.string("last_modified"), bodySHA256: try row.string("body_sha256"),
                                  origin: try row.string("actor_id").map { EventOrigin(actor: Actor(id: $0, name: actorName)) })
            }
        }
    }

    /// What a run's attempts met, written with its outcome.
    struct RunRecord: Sendable {
        var outcome: SourceOutcome
        var httpStatus: Int?
        var bytes: Int64
        var rows: Int64?
        var attempts: Int
        var result: [UInt8]?
        var problem: [UInt8]?
        /// The loaded answer's validators and digest (for the next pull's conditions).
        var etag: String?
        var lastModified: String?
        var bodySHA256: String?
    }

    /// Inside the transaction that ends the run's job: the run's outcome and the source's state.
    /// Call `recordEvent` after the job's own end, last.
    func record(_ connection: PostgresConnection, _ context: RunContext, _ record: RunRecord) throws {
        try connection.query("""
            UPDATE source_runs SET outcome = $2, http_status = $3, bytes = $4, rows = $5, attempts = $6,
                result = $7::jsonb, problem = $8::jsonb, finished_at = clock_timestamp()
            WHERE id = $1
            """, [context.runId, record.outcome.rawValue, record.httpStatus.map { Int64($0) }, record.bytes, record.rows,
                  Int64(record.attempts), record.result.map { String(decoding: $0, as: UTF8.self) },
                  record.problem.map { String(decoding: $0, as: UTF8.self) }])
        switch record.outcome {
        case .loaded:
            try connection.query("""
                UPDATE sources SET consecutive_failures = 0, etag = $2, last_modified = $3, body_sha256 = $4 WHERE id = $1
                """, [context.sourceId, record.etag, record.lastModified, record.bodySHA256])
        case .unchanged:
            try connection.query("UPDATE sources SET consecutive_failures = 0 WHERE id = $1", [context.sourceId])
        case .failed:
            try connection.query("UPDATE sources SET consecutive_failures = consecutive_failures + 1 WHERE id = $1", [context.sourceId])
        case .cancelled:
            break
        }
    }

    /// The run's `insikt.source.run.<outcome>` event, with the run as its data.
    func recordEvent(_ connection: PostgresConnection, _ context: RunContext, outcome: SourceOutcome) throws {
        let result = try connection.query("""
            SELECT \(SourceRun.columns) FROM source_runs r LEFT JOIN jobs j ON j.id = r.job_id WHERE r.id = $1
            """, [context.runId])
        guard let run = try SourceRun.all(result).first else { return }
        try EventOutbox.record(connection, type: "insikt.source.run.\(outcome.rawValue)", subject: "/sources/\(context.sourceId)",
                               aggregateType: "source", data: run.json, origin: context.origin)
    }

    // MARK: metrics

    /// `insikt_source_runs_total{source,outcome}` and `insikt_source_last_success_timestamp_seconds{source}`,
    /// from the runs' history (the same on every server).
    public func metricsText() throws -> String {
        try pool.withConnection { connection in
            let counts = try connection.query("""
                SELECT source_id, outcome, count(*) AS runs FROM source_runs WHERE outcome IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
                """)
            let successes = try connection.query("""
                SELECT source_id, extract(epoch FROM max(finished_at))::double precision AS last_success FROM source_runs
                WHERE outcome IN ('loaded', 'unchanged') GROUP BY 1 ORDER BY 1
                """)
            var out = """
                # HELP insikt_source_runs_total Runs of each source that ended, by outcome.
                # TYPE insikt_source_runs_total counter

                """
            let source = try counts.column("source_id"), outcome = try counts.column("outcome"), runs = try counts.column("runs")
            for row in counts.rows {
                out += "insikt_source_runs_total{source=\"\(row.int(source) ?? 0)\",outcome=\"\(row.string(outcome) ?? "")\"} \(row.int(runs) ?? 0)\n"
            }
            out += """
                # HELP insikt_source_last_success_timestamp_seconds When each source last ended loaded or unchanged (Unix seconds).
                # TYPE insikt_source_last_success_timestamp_seconds gauge

                """
            let successSource = try successes.column("source_id"), lastSuccess = try successes.column("last_success")
            for row in successes.rows {
                let seconds = row.double(lastSuccess) ?? 0
                out += "insikt_source_last_success_timestamp_seconds{source=\"\(row.int(successSource) ?? 0)\"} \(String(format: "%.3f", seconds))\n"
            }
            return out
        }
    }
}
