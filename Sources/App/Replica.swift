import Foundation
import Postgres
import Synchronization

/// One host of `--database-read-url`, its pool, and what it last said about itself: how far it
/// has replayed the primary's log and how old its data is.
final class Replica: Sendable {
    struct State: Sendable {
        /// A standby (a promoted or isolated old primary is not read from: it may be stale).
        let inRecovery: Bool
        let replayed: ConsistencyToken
        /// Seconds its data was behind when asked: 0 when it has replayed all it received.
        let lag: Double
        /// Monotonic seconds.
        let checkedAt: Double
    }

    /// Asked of a replica before it serves a read, on the pool it serves it from. Its lag is 0
    /// while it streams from a primary and has replayed all it received; else the age of the
    /// last transaction it replayed. A standby cut off from its primary (or following a new one
    /// it has not reached yet) has replayed all it received too, so it must be streaming to count
    /// as current (`status` is visible to superusers and pg_read_all_stats; without it, a WAL
    /// receiver's presence is taken for streaming).
    static let stateQuery = """
        SELECT pg_is_in_recovery(),
               coalesce(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0'), 0)::bigint,
               CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
                         AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE coalesce(status, 'streaming') = 'streaming') THEN 0
                    ELSE coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 1e9) END::float8
        """

    let pool: PostgresPool
    /// A state younger than this is trusted without asking again (its lag plus its age).
    private let freshFor: Double
    /// After a failed question the replica is left alone this long.
    private let restAfterFailure = 1.0
    private let known = Mutex<(state: State?, restUntil: Double)>((nil, 0))

    init(pool: PostgresPool, freshFor: Double) {
        self.pool = pool
        self.freshFor = freshFor
    }

    /// Its state, asking it when the one known is too old or has not replayed `needed`; nil
    /// while it cannot be reached.
    func state(replayed needed: ConsistencyToken?) -> State? {
        let now = Replica.now()
        let (cached, restUntil) = known.withLock { ($0.state, $0.restUntil) }
        if let cached, now - cached.checkedAt < freshFor, needed.map({ cached.replayed >= $0 }) ?? true {
            return State(inRecovery: cached.inRecovery, replayed: cached.replayed,
                         lag: cached.lag + (now - cached.checkedAt), checkedAt: cached.checkedAt)
        }
        guard now >= restUntil else { return nil }
        do {
            let result = try pool.withConnection { try $0.query(Replica.stateQuery) }
            let state = Replica.state(of: result, row: 0, at: Replica.now())
            remember(state)
            return state
        } catch {
            rest()
            return nil
        }
    }

    /// It failed to answer: it is left alone for a while.
    func rest() {
        known.withLock { $0 = (nil, Replica.now() + restAfterFailure) }
    }

    var isResting: Bool { known.withLock { Replica.now() < $0.restUntil } }

    func remember(_ state: State?) {
        guard let state else { return }
        known.withLock { known in
            if known.state.map({ $0.checkedAt <= state.checkedAt }) ?? true { known = (state, 0) }
        }
    }

    static func state(of result: PostgresResult, row: Int, at time: Double) -> State? {
        guard result.rowCount > row, let replayed = result.int(row, 1), let lag = result.double(row, 2) else { return nil }
        return State(inRecovery: result.string(row, 0) == "t", replayed: ConsistencyToken(position: UInt64(max(0, replayed))),
                     lag: lag, checkedAt: time)
    }

    static func now() -> Double {
        ProcessInfo.processInfo.systemUptime
    }
}
