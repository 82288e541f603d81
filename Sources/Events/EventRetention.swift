import HTTP
import Locks
import Postgres

/// Deletes events older than the retention (`--events-retention DAYS`) once an hour, always a
/// prefix of the feed, and records where the feed now starts (readers behind it get a 410).
public final class EventRetention: Sendable {
    private let pool: PostgresPool
    private let days: Double
    private let periodic = PeriodicTask()

    public init(pool: PostgresPool, days: Double) {
        self.pool = pool
        self.days = days
    }

    /// Deletes now; returns how many events went.
    @discardableResult
    public func deleteExpired() throws -> Int {
        try pool.transaction { connection in
            let result = try connection.query("""
                WITH cut AS (SELECT max(id) AS through FROM events WHERE created_at < now() - $1 * interval '1 day'),
                     gone AS (DELETE FROM events WHERE id <= (SELECT through FROM cut) RETURNING id)
                UPDATE events_horizon SET deleted_through = greatest(deleted_through, (SELECT max(id) FROM gone))
                WHERE (SELECT max(id) FROM gone) IS NOT NULL
                RETURNING (SELECT count(*) FROM gone) AS deleted
                """, [days])
            return Int(result.rowCount > 0 ? try result.row(0).int("deleted") ?? 0 : 0)
        }
    }

    public func start(every interval: Double = 3600) {
        periodic.start(name: "events-retention", every: interval) { [self] in try deleteExpired() }
    }

    public func stop() {
        periodic.stop()
    }
}
