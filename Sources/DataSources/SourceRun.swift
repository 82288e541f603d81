import JSON
import Postgres

/// One pull of a source, as `GET /sources/{id}/runs` lists it and its events carry it.
public struct SourceRun: Sendable {
    public var id: Int64
    public var sourceId: Int64
    public var jobId: Int64?
    public var trigger: String
    public var createdAt: String
    public var startedAt: String?
    public var finishedAt: String?
    /// The job's state (nil once the job's retention removed it).
    public var state: String?
    public var outcome: String?
    public var httpStatus: Int64?
    public var bytes: Int64
    public var rows: Int64?
    public var attempts: Int64
    /// JSON text, as stored.
    public var result: String?
    public var problem: String?

    /// The columns the readers below read, of `source_runs r LEFT JOIN jobs j ON j.id = r.job_id`.
    /// A run whose job ended outside the source's work (cancelled, given up) takes its outcome
    /// and problem from the job.
    static let columns = """
        r.id AS run_id, r.source_id AS run_source_id, r.job_id AS run_job_id, r.trigger AS run_trigger,
        \(timestamp("r.created_at")) AS run_created_at, \(timestamp("j.started_at")) AS run_started_at,
        \(timestamp("coalesce(r.finished_at, j.finished_at)")) AS run_finished_at, j.state AS run_state,
        coalesce(r.outcome, CASE j.state WHEN 'failed' THEN 'failed' WHEN 'cancelled' THEN 'cancelled' END) AS run_outcome,
        r.http_status AS run_http_status, r.bytes AS run_bytes, r.rows AS run_rows, r.attempts AS run_attempts,
        r.result::text AS run_result, coalesce(r.problem, CASE WHEN r.outcome IS NULL THEN j.error END)::text AS run_problem
        """

    /// The columns of `columns` in a result, found once.
    struct Columns {
        let id, sourceId, jobId, trigger, createdAt, startedAt, finishedAt, state, outcome, httpStatus, bytes, rows,
            attempts, result, problem: PostgresColumn

        init(_ result: PostgresResult) throws {
            id = try result.column("run_id"); sourceId = try result.column("run_source_id")
            jobId = try result.column("run_job_id"); trigger = try result.column("run_trigger")
            createdAt = try result.column("run_created_at"); startedAt = try result.column("run_started_at")
            finishedAt = try result.column("run_finished_at"); state = try result.column("run_state")
            outcome = try result.column("run_outcome"); httpStatus = try result.column("run_http_status")
            bytes = try result.column("run_bytes"); rows = try result.column("run_rows")
            attempts = try result.column("run_attempts"); self.result = try result.column("run_result")
            problem = try result.column("run_problem")
        }
    }

    /// The runs of every row of `columns` (rows whose run columns are NULL left out).
    static func all(_ result: PostgresResult) throws -> [SourceRun] {
        let columns = try Columns(result)
        return result.rows.compactMap { SourceRun($0, columns) }
    }

    /// Nil when the run's columns are NULL (a source without runs, in a LEFT JOIN).
    init?(_ row: PostgresRow, _ c: Columns) {
        guard let id = row.int(c.id) else { return nil }
        self.id = id
        sourceId = row.int(c.sourceId) ?? 0
        jobId = row.int(c.jobId)
        trigger = row.string(c.trigger) ?? ""
        createdAt = row.string(c.createdAt) ?? ""
        startedAt = row.string(c.startedAt)
        finishedAt = row.string(c.finishedAt)
        state = row.string(c.state)
        outcome = row.string(c.outcome)
        httpStatus = row.int(c.httpStatus)
        bytes = row.int(c.bytes) ?? 0
        rows = row.int(c.rows)
        attempts = row.int(c.attempts) ?? 0
        result = row.string(c.result)
        problem = row.string(c.problem)
    }

    public func write(to w: inout JSONWriter) {
        w.raw("{\"id\":"); w.int(id)
        w.raw(",\"source_id\":"); w.int(sourceId)
        w.raw(",\"job_id\":"); if let jobId { w.int(jobId) } else { w.raw("null") }
        w.raw(",\"job\":"); if let jobId { w.string("/jobs/\(jobId)") } else { w.raw("null") }
        w.raw(",\"trigger\":"); w.string(trigger)
        w.raw(",\"created_at\":"); w.string(createdAt)
        w.raw(",\"started_at\":"); optional(startedAt, &w)
        w.raw(",\"finished_at\":"); optional(finishedAt, &w)
        w.raw(",\"state\":"); optional(state, &w)
        w.raw(",\"outcome\":"); optional(outcome, &w)
        w.raw(",\"http_status\":"); if let httpStatus { w.int(httpStatus) } else { w.raw("null") }
        w.raw(",\"bytes\":"); w.int(bytes)
        w.raw(",\"rows\":"); if let rows { w.int(rows) } else { w.raw("null") }
        w.raw(",\"attempts\":"); w.int(attempts)
        w.raw(",\"result\":"); w.raw(result ?? "null")
        w.raw(",\"problem\":"); w.raw(problem ?? "null")
        w.raw("}")
    }

    public var json: [UInt8] {
        var w = JSONWriter(capacity: 400)
        write(to: &w)
        return w.bytes
    }
}

func optional(_ value: String?, _ w: inout JSONWriter) {
    if let value { w.string(value) } else { w.raw("null") }
}
