import Identity
import JSON
import Postgres

/// What a job does: the domain work a runner calls for it.
public enum JobKind: String, Sendable, CaseIterable {
    case `import`
    case airportsUpload = "airports_upload"
    /// A pull of a source (sources.md); it has no stored body.
    case source
}

public enum JobState: String, Sendable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// One row of `jobs` as the API shows it.
public struct Job: Sendable, PostgresRowDecodable {
    public var id: Int64
    public var kind: String
    public var state: JobState
    public var progress: Double
    public var processed: Int64
    public var bytesDone: Int64
    public var bytesTotal: Int64
    public var attempts: Int64
    public var createdAt: String
    public var startedAt: String?
    public var finishedAt: String?
    /// Who started it and the trace of the request that did.
    public var origin: EventOrigin?
    /// What a running job is doing now (`reading`, `storing`, `merging`), nil before and after.
    public var phase: String?
    /// JSON text, as stored.
    public var result: String?
    public var error: String?
    public var cancelRequested: Bool

    /// The columns the readers below read.
    static let columns = """
        id, kind, state, progress, processed, bytes_done, bytes_total, attempts,
        \(["created_at", "started_at", "finished_at"].map { "to_char(\($0) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \($0)" }
            .joined(separator: ", ")),
        actor_id, actor_name, result::text AS result, error::text AS error, cancel_requested, traceparent, phase
        """

    /// The columns of `columns` in a result, found once.
    package struct Columns: PostgresColumnSet {
        let id, kind, state, progress, processed, bytesDone, bytesTotal, attempts, createdAt, startedAt, finishedAt,
            actorId, actorName, result, error, cancelRequested, traceparent, phase: PostgresColumn

        package init(_ result: PostgresResult) throws {
            id = try result.column("id"); kind = try result.column("kind"); state = try result.column("state")
            progress = try result.column("progress"); processed = try result.column("processed")
            bytesDone = try result.column("bytes_done"); bytesTotal = try result.column("bytes_total")
            attempts = try result.column("attempts"); createdAt = try result.column("created_at")
            startedAt = try result.column("started_at"); finishedAt = try result.column("finished_at")
            actorId = try result.column("actor_id"); actorName = try result.column("actor_name")
            self.result = try result.column("result"); error = try result.column("error")
            cancelRequested = try result.column("cancel_requested"); traceparent = try result.column("traceparent")
            phase = try result.column("phase")
        }
    }

    package init(_ row: PostgresRow, _ c: Columns) {
        id = row.int(c.id) ?? 0
        kind = row.string(c.kind) ?? ""
        state = row.string(c.state).flatMap(JobState.init(rawValue:)) ?? .failed
        progress = row.double(c.progress) ?? 0
        processed = row.int(c.processed) ?? 0
        bytesDone = row.int(c.bytesDone) ?? 0
        bytesTotal = row.int(c.bytesTotal) ?? 0
        attempts = row.int(c.attempts) ?? 0
        createdAt = row.string(c.createdAt) ?? ""
        startedAt = row.string(c.startedAt)
        finishedAt = row.string(c.finishedAt)
        let (actorId, traceparent) = (row.string(c.actorId), row.string(c.traceparent))
        origin = actorId == nil && traceparent == nil ? nil
            : EventOrigin(actor: actorId.map { Actor(id: $0, name: row.string(c.actorName) ?? "") }, traceparent: traceparent)
        phase = row.string(c.phase)
        result = row.string(c.result)
        error = row.string(c.error)
        cancelRequested = row.bool(c.cancelRequested) ?? false
    }

    public var location: String { "/jobs/\(id)" }

    /// The job as a JSON object (the API's `data`, and an event's data).
    public func write(to w: inout JSONWriter) {
        w.raw("{\"id\":"); w.int(id)
        w.raw(",\"kind\":"); w.string(kind)
        w.raw(",\"state\":"); w.string(state.rawValue)
        w.raw(",\"progress\":"); w.raw(Job.format(progress))
        w.raw(",\"processed\":"); w.int(processed)
        w.raw(",\"bytes\":{\"done\":"); w.int(bytesDone); w.raw(",\"total\":"); w.int(bytesTotal); w.raw("}")
        w.raw(",\"attempts\":"); w.int(attempts)
        w.raw(",\"created_at\":"); w.string(createdAt)
        w.raw(",\"started_at\":"); if let startedAt { w.string(startedAt) } else { w.raw("null") }
        w.raw(",\"finished_at\":"); if let finishedAt { w.string(finishedAt) } else { w.raw("null") }
        w.raw(",\"phase\":"); if let phase { w.string(phase) } else { w.raw("null") }
        w.raw(",\"actor\":")
        if let actor = origin?.actor {
            w.raw("{\"id\":"); w.string(actor.id); w.raw(",\"name\":"); w.string(actor.name); w.raw("}")
        } else {
            w.raw("null")
        }
        w.raw(",\"traceparent\":"); if let traceparent = origin?.traceparent { w.string(traceparent) } else { w.raw("null") }
        w.raw(",\"cancel_requested\":"); w.raw(cancelRequested ? "true" : "false")
        w.raw(",\"result\":"); w.raw(result ?? "null")
        w.raw(",\"error\":"); w.raw(error ?? "null")
        w.raw("}")
    }

    public var json: [UInt8] {
        var w = JSONWriter(capacity: 512)
        write(to: &w)
        return w.bytes
    }

    /// Progress with at most four decimals, never written as 1 before the end (0.99995 is 0.9999).
    static func format(_ value: Double) -> String {
        let clamped = min(max(value, 0), 1)
        let tenThousandths = Int((clamped * 10000).rounded(.down))
        if tenThousandths == 10000 { return "1" }
        if tenThousandths == 0 { return "0" }
        var digits = String(tenThousandths)
        while digits.count < 4 { digits = "0" + digits }
        while digits.hasSuffix("0") { digits.removeLast() }
        return "0." + digits
    }
}
