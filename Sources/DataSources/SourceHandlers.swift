import Foundation
import HTTP
import Jobs
import JSON
import Postgres
import Routing

/// `/sources`, `/sources/{id}` and `/sources/{id}/runs`.
public struct SourceHandlers: Sendable {
    let repository: SourcesRepository
    let jobs: JobsRepository
    let settings: SourceSettings
    let wake: @Sendable () -> Void

    static let bodyLimit = 256 * 1024

    public init(pool: PostgresPool, settings: SourceSettings, wake: @escaping @Sendable () -> Void) {
        repository = SourcesRepository(pool: pool)
        jobs = JobsRepository(pool: pool)
        self.settings = settings
        self.wake = wake
    }

    /// `{"name", "url", "kind", "every"?, "headers"?, "retries"?, "enabled"?}` → 201 with the
    /// source (its header names only) and `Location`.
    public func create(_ request: Request) throws -> Response {
        _ = try request.queryItems(allowed: [])
        let change = try SourceChange.parse(try request.jsonBody(limit: SourceHandlers.bodyLimit, maxDepth: 4), creating: true,
                                            checkURL: checkURL)
        let source = try repository.create(change, origin: request.eventOrigin)
        var response = SourceHandlers.document(source, status: 201)
        response.headers.add("Location", source.location)
        return response
    }

    /// By id, in keyset pages (`?after=<id>&limit=`).
    public func list(_ request: Request) throws -> Response {
        var query = try QueryParameters(request, allowed: ["limit", "after"])
        var limit = 100
        var after: Int64?
        for item in query.items {
            if item.name == "limit" { limit = query.pageLimit(item) ?? limit } else { after = query.position(item, "a source id") }
        }
        try query.check()
        let sources = try repository.list(after: after, limit: limit + 1)
        return KeysetPage.response(sources, limit: limit, bytesPerRow: 700, write: { $0.write(to: &$1) }) { last in
            "/sources?after=\(last.id)" + (query.given.contains("limit") ? "&limit=\(limit)" : "")
        }
    }

    public func get(_ request: Request) throws -> Response {
        _ = try request.queryItems(allowed: [])
        let id = try request.parameters.int("id")
        guard let source = try repository.source(id) else { throw SourceHandlers.noSource(id) }
        return SourceHandlers.document(source)
    }

    /// A JSON merge patch: `{"enabled": false}` pauses the schedule, `{"every": null}` leaves it
    /// to requests, `{"headers": {...}}` replaces the headers.
    public func change(_ request: Request) throws -> Response {
        _ = try request.queryItems(allowed: [])
        let id = try request.parameters.int("id")
        let change = try SourceChange.parse(try request.jsonBody(limit: SourceHandlers.bodyLimit, maxDepth: 4), creating: false,
                                            checkURL: checkURL)
        guard let source = try repository.change(id, change) else { throw SourceHandlers.noSource(id) }
        return SourceHandlers.document(source)
    }

    public func delete(_ request: Request) throws -> Response {
        _ = try request.queryItems(allowed: [])
        let id = try request.parameters.int("id")
        guard try repository.delete(id) else { throw SourceHandlers.noSource(id) }
        return .empty(204)
    }

    /// A run now: `202` with its job and `Location: /jobs/{id}`; while one is queued or running,
    /// that one.
    public func startRun(_ request: Request) throws -> Response {
        _ = try request.queryItems(allowed: [])
        let id = try request.parameters.int("id")
        let job: Job
        switch try repository.startRun(id, origin: request.eventOrigin) {
        case nil:
            throw SourceHandlers.noSource(id)
        case let .queued(queued)?:
            wake()
            job = queued
        case let .existing(jobId)?:
            guard let existing = try jobs.job(jobId) else { throw HTTPError.unavailable("The source's run just ended; ask again.") }
            job = existing
        }
        var w = JSONWriter(capacity: 600)
        w.raw("{\"data\":")
        job.write(to: &w)
        w.raw("}")
        var response = Response.json(202, w.bytes)
        response.headers.add("Location", job.location)
        if !job.state.isTerminal { response.headers.add("Retry-After", "1") }
        return response
    }

    /// Newest first, in keyset pages (`?after=<run id>&limit=`: the runs older than it).
    public func runs(_ request: Request) throws -> Response {
        let id = try request.parameters.int("id")
        var query = try QueryParameters(request, allowed: ["limit", "after"])
        var limit = 100
        var after: Int64?
        for item in query.items {
            if item.name == "limit" { limit = query.pageLimit(item) ?? limit } else { after = query.position(item, "a run id") }
        }
        try query.check()
        guard let runs = try repository.runs(of: id, before: after, limit: limit + 1) else { throw SourceHandlers.noSource(id) }
        return KeysetPage.response(runs, limit: limit, bytesPerRow: 400, write: { $0.write(to: &$1) }) { last in
            "/sources/\(id)/runs?after=\(last.id)" + (query.given.contains("limit") ? "&limit=\(limit)" : "")
        }
    }

    /// The SSRF guard of a source's URL (its address is checked again on every connection).
    private func checkURL(_ url: String) -> String? {
        if let components = URLComponents(string: url), let host = components.host, let port = components.port,
           settings.privateExceptions.contains("\(host):\(port)") {
            return nil
        }
        return settings.policy.problem(with: url)
    }

    static func document(_ source: Source, status: Int = 200) -> Response {
        var w = JSONWriter(capacity: 900)
        w.raw("{\"data\":")
        source.write(to: &w)
        w.raw("}")
        return .json(status, w.bytes)
    }

    static func noSource(_ id: Int64) -> HTTPError {
        HTTPError.notFound("There is no source \(id).")
    }
}
