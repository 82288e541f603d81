import Foundation
import HTTP
import Postgres
import Locks

/// The application's door to PostgreSQL: the pool, whether the schema is migrated, and the
/// translation of an unreachable database into `503 Retry-After`.
public final class Database: Sendable {
    public let pool: PostgresPool
    public let migrations: MigrationRunner
    private struct Schema {
        var migrated = false
        var lastProblem = "the database has not been checked yet"
    }
    private let schema = Monitor(Schema())

    public init(pool: PostgresPool, migrations: MigrationRunner) {
        self.pool = pool
        self.migrations = migrations
    }

    /// Brings the schema up to date (or checks it is, when `apply` is false). A changed or missing
    /// migration file throws: the server must not start on it. An unreachable database does not.
    public func prepareSchema(apply: Bool) throws {
        do {
            if apply { try migrations.up() }
            let upToDate = try migrations.isUpToDate()
            schema.withLock { schema in
                schema.migrated = upToDate
                if !upToDate { schema.lastProblem = "migrations are pending (run insikt migrate up)" }
            }
        } catch let error as PostgresError {
            let problem = "the database is unreachable: \(error.message.trimmingCharacters(in: .whitespacesAndNewlines))"
            schema.withLock { $0.lastProblem = problem }
        }
    }

    /// Keeps trying `prepareSchema` in the background until the schema is ready.
    public func watchSchema(apply: Bool) {
        let thread = Thread { [self] in
            while !isMigrated {
                Thread.sleep(forTimeInterval: 1)
                do { try prepareSchema(apply: apply) } catch { ServerLog.error("\(error)") }
            }
        }
        thread.name = "insikt-schema-watch"
        thread.start()
    }

    public var isMigrated: Bool { schema.withLock { $0.migrated } }

    /// For `/readyz`: reachable now, and migrated.
    public func readiness() -> (ready: Bool, reason: String) {
        guard isMigrated else { return (false, schema.withLock { $0.lastProblem }) }
        do {
            _ = try pool.withConnection { try $0.query("SELECT 1") }
            return (true, "")
        } catch let error as PostgresError {
            return (false, "the database is unreachable: \(error.message.trimmingCharacters(in: .whitespacesAndNewlines))")
        } catch {
            return (false, "\(error)")
        }
    }

    /// Runs repository work; an unavailable database becomes a 503 with Retry-After.
    public func run<T>(_ body: (PostgresPool) throws -> T) throws -> T {
        guard isMigrated else {
            throw HTTPError.unavailable("The database schema is not ready yet; try again shortly.", retryAfter: 2)
        }
        do {
            return try body(pool)
        } catch let error as PostgresError where error.isUnavailable || error.isTransient {
            throw HTTPError.unavailable("The database is unavailable; try again shortly.", retryAfter: 2)
        }
    }

    /// A handler whose database failures become 503s.
    public func guarded(_ handler: @escaping Handler) -> Handler {
        return { [self] request in try run { _ in try handler(request) } }
    }

    /// A non-blocking handler on the event loop's own connection, whose database failures become
    /// 503s like those of `guarded`.
    public func nonBlocking(
        _ handler: @escaping @Sendable (Request, EventLoop, PipelinedConnection, @escaping (Result<Response, Error>) -> Void) -> Void
    ) -> NonBlockingHandler {
        let configuration = pool.configuration
        return { [self] request, loop, respond in
            guard isMigrated else {
                respond(.failure(HTTPError.unavailable("The database schema is not ready yet; try again shortly.", retryAfter: 2)))
                return
            }
            let connection = loop.local { LoopDatabase(configuration, loop: loop) }.connection!
            handler(request, loop, connection) { result in
                if case let .failure(error as PostgresError) = result, error.isUnavailable || error.isTransient {
                    respond(.failure(HTTPError.unavailable("The database is unavailable; try again shortly.", retryAfter: 2)))
                } else {
                    respond(result)
                }
            }
        }
    }

    /// Pool gauges for /metrics.
    public func metricsText() -> String {
        let s = pool.statistics
        return """
            # HELP db_pool_connections Database pool connections by state.
            # TYPE db_pool_connections gauge
            db_pool_connections{state="max"} \(s.size)
            db_pool_connections{state="open"} \(s.open)
            db_pool_connections{state="idle"} \(s.idle)
            db_pool_connections{state="in_use"} \(s.open - s.idle)
            # HELP db_pool_waiting Requests waiting for a database connection.
            # TYPE db_pool_waiting gauge
            db_pool_waiting \(s.waiting)

            """
    }
}
