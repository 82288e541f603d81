import HTTP
import Postgres
import Routing

/// How a route of the table reaches the data: its handler wrapped as `write` (the answer carries
/// the consistency token), `replicaRead` (a replica may serve it) or `database.guarded` (the
/// primary, nothing more: the feed, keys, jobs, webhooks' state).
struct DataAccess: Sendable {
    let database: Database
    let reads: ReplicaReads

    /// A write: a 2xx answer carries `Insikt-Consistency`, and the token is remembered for the key.
    func write(_ handler: @escaping Handler) -> Handler {
        database.guarded { [reads] request in
            var response = try handler(request)
            if (200..<300).contains(response.status) {
                let token = reads.tokenAfterWrite(by: request.caller) ?? .unknown
                response.headers.add(ConsistencyToken.header, token.description)
            }
            return response
        }
    }

    /// A read-only route a replica may serve: `make` builds its handler on a pool, once for the
    /// primary's and once for each replica's. A replica that fails mid-read hands it to the primary.
    func replicaRead(_ make: (PostgresPool) -> Handler) -> Handler {
        let onPrimary = make(database.pool)
        let onReplicas = reads.replicas.map { make($0.pool) }
        return database.guarded { [reads] request in
            let target = reads.target(seeing: try reads.token(for: request))
            if case let .replica(index) = target {
                do {
                    let response = try onReplicas[index](request)
                    reads.served(by: target)
                    return response
                } catch let error as PostgresError where error.isUnavailable || error.isTransient {
                    _ = reads.fellBack(.unavailable)
                }
            }
            reads.served(by: .primary)
            return try onPrimary(request)
        }
    }

    /// `replicaRead` for a route answered on the event loop: a replica's state and the read go
    /// out together on the loop's connection to it, and the read counts only when the state
    /// qualifies; else the primary's loop connection answers. It does not wait for a replica.
    func replicaRead(nonBlocking handler: @escaping @Sendable (Request, PipelinedConnection, @escaping (Result<Response, Error>) -> Void) -> Void)
        -> NonBlockingHandler {
        let onPrimary = database.nonBlocking { request, _, connection, respond in handler(request, connection, respond) }
        let reads = reads
        guard !reads.replicas.isEmpty else {
            return { request, loop, respond in
                reads.served(by: .primary)
                onPrimary(request, loop, respond)
            }
        }
        let configurations = reads.replicas.map { $0.pool.configuration }
        return { request, loop, respond in
            let token: ConsistencyToken?
            do { token = try reads.token(for: request) } catch { respond(.failure(error)); return }
            guard let index = reads.nextReplica() else {
                reads.served(by: reads.fellBack(.unavailable))
                onPrimary(request, loop, respond)
                return
            }
            let connection = loop.local { LoopReplicas(configurations, loop: loop) }.connections[index]
            let verdict = ReplicaVerdict()
            connection.query(Replica.stateQuery, []) { outcome in
                guard case let .success(result) = outcome, let state = try? Replica.state(of: result, row: 0, at: Replica.now()) else {
                    reads.replicas[index].rest()
                    return
                }
                reads.replicas[index].remember(state)
                verdict.reason = reads.unfit(state, for: token)
            }
            handler(request, connection) { result in
                if verdict.reason == nil, case .failure(let error as PostgresError) = result, error.isUnavailable || error.isTransient {
                    verdict.reason = .unavailable
                }
                if let reason = verdict.reason {
                    reads.served(by: reads.fellBack(reason))
                    onPrimary(request, loop, respond)
                } else {
                    reads.served(by: .replica(index))
                    respond(result)
                }
            }
        }
    }
}

/// Whether the state asked just before a read lets the replica's answer stand (on one loop).
private final class ReplicaVerdict {
    var reason: ReplicaReads.Fallback? = .unavailable
}

/// An event loop's own connections to the replicas.
final class LoopReplicas {
    private let databases: [LoopDatabase]

    init(_ configurations: [PostgresPool.Configuration], loop: EventLoop) {
        databases = configurations.map { LoopDatabase($0, loop: loop) }
    }

    var connections: [PipelinedConnection] { databases.map(\.connection) }
}
