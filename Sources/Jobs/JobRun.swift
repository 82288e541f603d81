import Identity
import Foundation
import Postgres
import Locks

/// Why a run stops before its work is done; thrown from `JobRun.progress`, so the work's
/// transaction rolls back and nothing of it is stored.
enum JobStop: Error {
    /// `DELETE /jobs/{id}` asked for it.
    case cancelled
    /// The row is no longer this server's (its lease expired and another server took it).
    case leaseLost
    /// This server is stopping; the job is handed back at once.
    case shutdown
}

/// The work of one kind of job: it reads the stored body, reports progress (which throws when
/// the run must stop: the checkpoint) and, inside its own transaction, calls `commit`.
public typealias JobWork = @Sendable (JobRun) throws -> Void

/// One run of a job, as its work sees it. The runner thread calls the work; the heartbeat
/// thread reads the progress and sets `stop`.
public final class JobRun: Sendable {
    public let jobId: Int64
    public let kind: String
    /// The request's Content-Type; the body is stored inflated.
    public let contentType: String?
    public let totalBytes: Int64
    public let origin: EventOrigin?
    let repository: JobsRepository
    let server: String

    private struct State {
        var reader: BodyReadAhead?
        var rows: Int64 = 0
        var bytes: Int64 = 0
        var fraction = 0.0
        var phase: String?
        var stopReason: JobStop?
        var committed = false
    }
    private let state = Monitor(State())
    var committed: Bool { state.withLock { $0.committed } }

    init(job: Job, contentType: String?, repository: JobsRepository, server: String) {
        jobId = job.id
        kind = job.kind
        self.contentType = contentType
        totalBytes = job.bytesTotal
        origin = job.origin
        self.repository = repository
        self.server = server
    }

    /// The next piece of the stored body, nil at its end.
    public func read() throws -> [UInt8]? {
        try check()
        let (repository, jobId) = (repository, jobId)
        let pieces = state.withLock { state in
            if let reader = state.reader { return reader }
            let started = BodyReadAhead { try repository.bodyChunk(jobId: jobId, seq: $0) }
            state.reader = started
            return started
        }
        return try pieces.next()
    }

    /// Rows done and body bytes read so far, and the share of the work done (0..<1); throws when
    /// the run must stop. Cheap: call it often (it is the checkpoint of a cancel).
    /// `phase` names what the work is doing (`reading`, `storing`, `merging`, ...).
    public func progress(rows: Int, bytes: Int64, fraction: Double, phase: String) throws {
        let stop: JobStop? = state.withLock { state in
            state.rows = Int64(rows)
            state.bytes = bytes
            state.fraction = min(max(fraction, state.fraction), 0.9999)
            state.phase = phase
            return state.stopReason
        }
        if let stop { throw stop }
    }

    /// Inside the work's transaction, after its own writes: the job becomes `succeeded` with
    /// `result` (JSON) in the same commit, so a rerun can never store twice.
    public func commit(_ connection: PostgresConnection, result: [UInt8]) throws {
        try check()
        let rows = state.withLock { $0.rows }
        if let refused = try repository.succeed(connection, jobId: jobId, server: server, processed: rows, result: result) {
            throw refused
        }
        state.withLock { $0.committed = true }
    }

    /// Inside the work's own transaction: `failed` with `problem`, for work that records its
    /// failure with writes of its own (a source's run) in the same commit.
    public func fail(_ connection: PostgresConnection, problem: [UInt8], log: String) throws {
        try check()
        if let refused = try repository.fail(connection, jobId: jobId, server: server, problem: problem, log: log) {
            throw refused
        }
        state.withLock { $0.committed = true }
    }

    /// A line in the job's log (a retry of the work's own, say).
    public func log(_ line: String) throws {
        try repository.addLog(jobId: jobId, line)
    }

    /// Starts the body again from its beginning (a retry).
    func restart() {
        closeReader()
    }

    /// The run ended: no more pieces are fetched.
    func closeReader() {
        state.withLock { state in
            state.reader?.close()
            state.reader = nil
        }
    }

    /// Throws when the run must stop (a cancel, a lost lease, a shutdown): a checkpoint for work
    /// that waits rather than reads.
    public func check() throws {
        if let stop = state.withLock({ $0.stopReason }) { throw stop }
    }

    func stop(_ reason: JobStop) {
        state.withLock { state in if state.stopReason == nil { state.stopReason = reason } }
    }

    var stopped: JobStop? { state.withLock { $0.stopReason } }

    var snapshot: (rows: Int64, bytes: Int64, fraction: Double, phase: String?) {
        state.withLock { ($0.rows, $0.bytes, $0.fraction, $0.phase) }
    }
}
