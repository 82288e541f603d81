import Foundation
import HTTP
import Jobs
import Postgres

/// The work of a job of kind `source`: pulls the URL (retrying what may go better next time),
/// hands a new body to the domain's loader, and ends the run and its job in one transaction
/// with the run's event: `loaded`, `unchanged` (a 304, or the same SHA-256 as the last loaded
/// body) or `failed`.
public struct SourceWork: Sendable {
    let repository: SourcesRepository
    let loader: any SourceLoader
    let settings: SourceSettings

    /// `pool`: the jobs' own pool (the work runs on a job runner's thread).
    public init(pool: PostgresPool, loader: any SourceLoader, settings: SourceSettings) {
        repository = SourcesRepository(pool: pool)
        self.loader = loader
        self.settings = settings
    }

    /// How one attempt ended.
    private enum Attempt {
        case done
        /// A timeout, a lost connection, a 5xx or a 429: tried again while retries are left.
        case transient(String, status: Int?, retryAfter: Double?)
        /// Retrying cannot help: the problem the run fails with.
        case fatal(HTTPError, status: Int?, log: String)
    }

    /// The body matched the last loaded one: the load rolls back.
    private struct Unchanged: Error {}

    public func run(_ run: JobRun) throws {
        guard let context = try repository.runContext(jobId: run.jobId) else {
            throw HTTPError(410, "The source of this run was deleted before the run began.")
        }
        var attempts = 0
        var bytes: Int64 = 0
        var status: Int?
        while true {
            attempts += 1
            let attempt = try pull(run, context, attempts: attempts, bytes: &bytes, status: &status)
            switch attempt {
            case .done:
                return
            case let .transient(detail, lastStatus, retryAfter):
                guard attempts <= context.retries else {
                    let problem = HTTPError(502, "The pull of source \(context.sourceId) failed \(attempts) \(attempts == 1 ? "time" : "times"); the last: \(detail).")
                    return try fail(run, context, problem, status: lastStatus, bytes: bytes, attempts: attempts,
                                    log: "failed after \(attempts) attempts: \(detail)")
                }
                let schedule = settings.retrySchedule
                let delay = schedule.delay(afterAttempt: min(attempts, schedule.delays.count), retryAfter: retryAfter) ?? 0
                try run.log("attempt \(attempts) failed (\(detail)); attempt \(attempts + 1) in \(Int(delay * 1000)) ms")
                try wait(delay, run)
            case let .fatal(problem, lastStatus, log):
                return try fail(run, context, problem, status: lastStatus, bytes: bytes, attempts: attempts, log: "failed: \(log)")
            }
        }
    }

    private func pull(_ run: JobRun, _ context: SourcesRepository.RunContext, attempts: Int, bytes: inout Int64,
                      status: inout Int?) throws -> Attempt {
        let fetch = SourceFetch(FetchRequest(url: context.url, headers: context.headers, ifNoneMatch: context.etag,
                                             ifModifiedSince: context.lastModified, settings: settings))
        defer { fetch.abandon() }
        let check = { try run.check() }
        let head: FetchHead
        do {
            head = try fetch.head(check: check)
        } catch let failure as FetchFailure {
            status = nil
            return failure.isTransient ? .transient(failure.message, status: nil, retryAfter: nil)
                : .fatal(HTTPError(502, "The pull of source \(context.sourceId) was refused: \(failure.message)."), status: nil, log: failure.message)
        }
        status = head.status
        switch head.status {
        case 304:
            try finishUnchanged(run, context, status: 304, bytes: 0, attempts: attempts, why: "304 Not Modified")
            return .done
        case 200..<300:
            break
        case 429, 500..<600:
            return .transient("status \(head.status)\(head.bodyStart.isEmpty ? "" : ": " + oneLine(head.bodyStart))", status: head.status,
                              retryAfter: head.retryAfter)
        default:
            let detail = "status \(head.status)\(head.bodyStart.isEmpty ? "" : ": " + oneLine(head.bodyStart))"
            return .fatal(HTTPError(502, "The pull of source \(context.sourceId) was answered with \(detail); retrying cannot fix that."),
                          status: head.status, log: detail)
        }

        let digest = BodyDigest()
        var read: Int64 = 0
        var rows: Int64 = 0
        bytes = 0
        do {
            try loader.load(kind: context.kind, expectedBytes: head.contentLength, read: {
                guard let piece = try fetch.read(check: check) else { return nil }
                digest.update(piece)
                read += Int64(piece.count)
                return piece
            }, origin: context.origin, progress: { done, bytesRead, fraction, phase in
                rows = Int64(done)
                try run.progress(rows: done, bytes: bytesRead, fraction: fraction, phase: phase)
            }, beforeCommit: { connection, result in
                let sha = SourceWork.hex(digest.finish())
                bytes = read
                if sha == context.bodySHA256 { throw Unchanged() }
                let record = SourcesRepository.RunRecord(outcome: .loaded, httpStatus: head.status, bytes: read, rows: rows,
                                                         attempts: attempts, result: result, problem: nil, etag: head.etag,
                                                         lastModified: head.lastModified, bodySHA256: sha)
                try repository.record(connection, context, record)
                try run.commit(connection, result: result)
                try repository.recordEvent(connection, context, outcome: .loaded)
            })
            return .done
        } catch is Unchanged {
            try finishUnchanged(run, context, status: head.status, bytes: bytes, attempts: attempts, why: "the body's SHA-256 is the last loaded one's")
            return .done
        } catch let failure as FetchFailure {
            bytes = read
            return failure.isTransient ? .transient(failure.message, status: head.status, retryAfter: nil)
                : .fatal(HTTPError(failure.isTooLarge ? 413 : 502, "The pull of source \(context.sourceId) failed: \(failure.message); nothing was stored."),
                         status: head.status, log: failure.message)
        } catch let rejected as HTTPError {
            // The body itself is bad: the problem the upload or import would have answered.
            bytes = read
            return .fatal(rejected, status: head.status, log: "the body was rejected: \(rejected.status) \(rejected.detail)")
        }
    }

    private func finishUnchanged(_ run: JobRun, _ context: SourcesRepository.RunContext, status: Int, bytes: Int64, attempts: Int,
                                 why: String) throws {
        let result = Array(#"{"unchanged":true}"#.utf8)
        try repository.pool.transaction { connection in
            let record = SourcesRepository.RunRecord(outcome: .unchanged, httpStatus: status, bytes: bytes, rows: 0, attempts: attempts,
                                                     result: result, problem: nil)
            try repository.record(connection, context, record)
            try run.commit(connection, result: result)
            try repository.recordEvent(connection, context, outcome: .unchanged)
        }
        try? run.log("unchanged: \(why); nothing stored")
    }

    private func fail(_ run: JobRun, _ context: SourcesRepository.RunContext, _ problem: HTTPError, status: Int?, bytes: Int64,
                      attempts: Int, log: String) throws {
        let body = problem.response.body
        try repository.pool.transaction { connection in
            let record = SourcesRepository.RunRecord(outcome: .failed, httpStatus: status, bytes: bytes, rows: nil, attempts: attempts,
                                                     result: nil, problem: body)
            try repository.record(connection, context, record)
            try run.fail(connection, problem: body, log: log)
            try repository.recordEvent(connection, context, outcome: .failed)
        }
    }

    /// Waits out a back-off; a cancel stops the wait.
    private func wait(_ seconds: Double, _ run: JobRun) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            try run.check()
            Thread.sleep(forTimeInterval: min(0.05, max(0, deadline.timeIntervalSinceNow)))
        }
    }

    private func oneLine(_ text: String) -> String {
        String(text.filter { !$0.isNewline }.prefix(200)).trimmingCharacters(in: .whitespaces)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}

extension FetchFailure {
    var isTooLarge: Bool {
        if case .tooLarge = self { return true }
        return false
    }
}
