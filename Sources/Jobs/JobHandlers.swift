import Events
import HTTP
import JSON

/// `GET /jobs`, `GET /jobs/{id}`, `GET /jobs/{id}/log`, `DELETE /jobs/{id}`.
public struct JobHandlers: Sendable {
    let repository: JobsRepository
    static let adminLevel = 3

    public init(repository: JobsRepository) {
        self.repository = repository
    }

    public func get(_ request: Request) throws -> Response {
        _ = try request.queryItems(allowed: [])
        let id = request.parameters.int("id")
        guard let job = try repository.job(id) else { throw HTTPError.notFound("Job \(id) does not exist.") }
        return JobResponses.job(job)
    }

    /// Newest first, in keyset pages: `after` a job id gives the page of smaller ids.
    public func list(_ request: Request) throws -> Response {
        let items = try request.queryItems(allowed: ["state", "kind", "limit", "after"])
        var state: JobState?
        var kind: JobKind?
        var limit = 100
        var after: Int64?
        var errors: [ProblemField] = []
        var seen = Set<String>()
        func problem(_ name: String, _ detail: String) {
            errors.append(ProblemField(pointer: nil, detail: detail, extra: [("parameter", .string(name))]))
        }
        for item in items {
            guard seen.insert(item.name).inserted else { problem(item.name, "given more than once"); continue }
            switch item.name {
            case "state":
                if let value = JobState(rawValue: item.value) { state = value } else {
                    problem("state", "must be one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            case "kind":
                if let value = JobKind(rawValue: item.value) { kind = value } else {
                    problem("kind", "must be one of \(JobKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            case "limit":
                if let value = Int(item.value), (1...1000).contains(value) { limit = value } else { problem("limit", "must be an integer from 1 to 1000") }
            default:
                if let value = Int64(item.value), value >= 0 { after = value } else { problem("after", "must be a job id") }
            }
        }
        guard errors.isEmpty else { throw HTTPError.badRequest("The query is not valid.", errors: errors) }

        let jobs = try repository.list(state: state, kind: kind, before: after, limit: limit + 1)
        let page = jobs.prefix(limit)
        var w = JSONWriter(capacity: 64 + page.count * 512)
        w.raw("{\"data\":[")
        for (i, job) in page.enumerated() {
            if i > 0 { w.raw(",") }
            job.write(to: &w)
        }
        w.raw("],\"next\":")
        if jobs.count > limit, let last = page.last {
            var query = ["after=\(last.id)"]
            if let state { query.append("state=\(state.rawValue)") }
            if let kind { query.append("kind=\(kind.rawValue)") }
            if seen.contains("limit") { query.append("limit=\(limit)") }
            w.string("/jobs?" + query.joined(separator: "&"))
        } else {
            w.raw("null")
        }
        w.raw("}")
        return .json(200, w.bytes)
    }

    /// `{"from", "total", "log": [lines]}`, Livy's shape; `from` defaults to 0, `size` to 100.
    public func log(_ request: Request) throws -> Response {
        let items = try request.queryItems(allowed: ["from", "size"])
        var from = 0
        var size = 100
        var errors: [ProblemField] = []
        for item in items {
            if item.name == "from" {
                if let value = Int(item.value), value >= 0 { from = value } else {
                    errors.append(ProblemField(pointer: nil, detail: "must be a line number from 0", extra: [("parameter", .string("from"))]))
                }
            } else {
                if let value = Int(item.value), (1...1000).contains(value) { size = value } else {
                    errors.append(ProblemField(pointer: nil, detail: "must be an integer from 1 to 1000", extra: [("parameter", .string("size"))]))
                }
            }
        }
        guard errors.isEmpty else { throw HTTPError.badRequest("The query is not valid.", errors: errors) }
        let id = request.parameters.int("id")
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
        let id = request.parameters.int("id")
        let caller = request.caller
        let outcome = try repository.cancel(jobId: id, actor: EventActor(caller)) { job in
            // No caller: auth is off, anyone may.
            guard let caller else { return }
            guard caller.level >= JobHandlers.adminLevel || caller.id == job.actor?.id else {
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
