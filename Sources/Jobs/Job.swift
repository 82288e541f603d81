import Events
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
public struct Job: Sendable {
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
    public var actor: EventActor?
    /// What a running job is doing now (`reading`, `storing`, `merging`), nil before and after.
    public var phase: String?
    /// JSON text, as stored.
    public var result: String?
    public var error: String?
    public var cancelRequested: Bool

    /// How many columns `columns` names: a query's own columns after them start here.
    static let columnCount = 18
    /// The columns `init(_:row:)` reads, in its order.
    static let columns = """
        id, kind, state, progress, processed, bytes_done, bytes_total, attempts,
        \(["created_at", "started_at", "finished_at"].map { "to_char(\($0) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')" }
            .joined(separator: ", ")),
        actor_id, actor_name, result::text, error::text, cancel_requested, traceparent, phase
        """

    init(_ result: PostgresResult, row: Int = 0) {
        id = result.int(row, 0) ?? 0
        kind = result.string(row, 1) ?? ""
        state = result.string(row, 2).flatMap(JobState.init(rawValue:)) ?? .failed
        progress = result.double(row, 3) ?? 0
        processed = result.int(row, 4) ?? 0
        bytesDone = result.int(row, 5) ?? 0
        bytesTotal = result.int(row, 6) ?? 0
        attempts = result.int(row, 7) ?? 0
        createdAt = result.string(row, 8) ?? ""
        startedAt = result.string(row, 9)
        finishedAt = result.string(row, 10)
        let (actorId, traceparent) = (result.string(row, 11), result.string(row, 16))
        actor = actorId == nil && traceparent == nil ? nil
            : EventActor(id: actorId, name: actorId == nil ? nil : result.string(row, 12) ?? "", traceparent: traceparent)
        phase = result.string(row, 17)
        self.result = result.string(row, 13)
        error = result.string(row, 14)
        cancelRequested = result.bool(row, 15) ?? false
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
        if let id = actor?.id {
            w.raw("{\"id\":"); w.string(id); w.raw(",\"name\":"); w.string(actor?.name ?? ""); w.raw("}")
        } else {
            w.raw("null")
        }
        w.raw(",\"traceparent\":"); if let traceparent = actor?.traceparent { w.string(traceparent) } else { w.raw("null") }
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
