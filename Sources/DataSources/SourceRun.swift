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

    /// The columns `init(_:row:offset:)` reads, of `source_runs r LEFT JOIN jobs j ON j.id = r.job_id`.
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
    static let columnCount = 15

    /// Nil when the run's columns are NULL (a source without runs, in a LEFT JOIN).
    init?(_ result: PostgresResult, row: Int = 0, offset: Int = 0) {
        guard let id = result.int(row, offset) else { return nil }
        self.id = id
        sourceId = result.int(row, offset + 1) ?? 0
        jobId = result.int(row, offset + 2)
        trigger = result.string(row, offset + 3) ?? ""
        createdAt = result.string(row, offset + 4) ?? ""
        startedAt = result.string(row, offset + 5)
        finishedAt = result.string(row, offset + 6)
        state = result.string(row, offset + 7)
        outcome = result.string(row, offset + 8)
        httpStatus = result.int(row, offset + 9)
        bytes = result.int(row, offset + 10) ?? 0
        rows = result.int(row, offset + 11)
        attempts = result.int(row, offset + 12) ?? 0
        self.result = result.string(row, offset + 13)
        problem = result.string(row, offset + 14)
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
