import HTTP
import Identity
import JSON
import Routing

/// `GET /jobs`, `GET /jobs/{id}`, `GET /jobs/{id}/log`, `DELETE /jobs/{id}`.
public struct JobHandlers: Sendable {
    let repository: JobsRepository

    public init(repository: JobsRepository) {
        self.repository = repository
    }

    public func get(_ request: Request) throws -> Response {
        _ = try request.queryItems(allowed: [])
        let id = try request.parameters.int("id")
        guard let job = try repository.job(id) else { throw HTTPError.notFound("Job \(id) does not exist.") }
        return JobResponses.job(job)
    }

    /// Newest first, in keyset pages: `after` a job id gives the page of smaller ids.
    public func list(_ request: Request) throws -> Response {
        var query = try QueryParameters(request, allowed: ["state", "kind", "limit", "after"])
        var state: JobState?
        var kind: JobKind?
        var limit = 100
        var after: Int64?
        for item in query.items {
            switch item.name {
            case "state":
                state = query.oneOf(item, JobState.self)
            case "kind":
                kind = query.oneOf(item, JobKind.self)
            case "limit":
                limit = query.pageLimit(item) ?? limit
            default:
                after = query.position(item, "a job id")
            }
        }
        try query.check()

        let jobs = try repository.list(state: state, kind: kind, before: after, limit: limit + 1)
        return KeysetPage.response(jobs, limit: limit, bytesPerRow: 512, write: { $0.write(to: &$1) }) { last in
            var link = ["after=\(last.id)"]
            if let state { link.append("state=\(state.rawValue)") }
            if let kind { link.append("kind=\(kind.rawValue)") }
            if query.given.contains("limit") { link.append("limit=\(limit)") }
            return "/jobs?" + link.joined(separator: "&")
        }
    }

    /// `{"from", "total", "log": [lines]}`, Livy's shape; `from` defaults to 0, `size` to 100.
    public func log(_ request: Request) throws -> Response {
        var query = try QueryParameters(request, allowed: ["from", "size"])
        var from = 0
        var size = 100
        for item in query.items {
            if item.name == "from" {
                from = query.position(item, "a line number from 0").map { Int($0) } ?? from
            } else {
                size = query.pageLimit(item) ?? size
            }
        }
        try query.check()
        let id = try request.parameters.int("id")
        guard let log = try repository.log(jobId: id, from: from, size: size) else { throw HTTPError.notFound("Job \(id) does not exist.") }
        var w = JSONWriter(capacity: 64 + log.lines.count * 96)
        w.raw("{\"from\":"); w.int(from)
        w.raw(",\"total\":"); w.int(log.total)
        w.raw(",\"log\":[")
        for (i, line) in log.lines.enumerated() {
            if i > 0 { w.raw(",") }
            w.string(line)
        }
        w.raw("]}")
        return .json(200, w.bytes)
    }

    /// The editor who started the job or an admin: a queued job is cancelled at once, a running
    /// one stops at its next checkpoint (202); a finished one is answered as it is (200).
    public func cancel(_ request: Request) throws -> Response {
        _ = try request.queryItems(allowed: [])
        let id = try request.parameters.int("id")
        let caller = request.caller
        let outcome = try repository.cancel(jobId: id, origin: request.eventOrigin) { job in
            // No caller: auth is off, anyone may.
            guard let caller else { return }
            guard caller.has(.admin) || caller.id == job.origin?.actor?.id else {
                throw HTTPError(403, "Only the key that started job \(id), or an admin key, may cancel it.")
            }
        }
        switch outcome {
        case nil: throw HTTPError.notFound("Job \(id) does not exist.")
        case let .accepted(job)?: return JobResponses.job(job, status: 202)
        case let .finished(job)?: return JobResponses.job(job)
        }
    }
}
