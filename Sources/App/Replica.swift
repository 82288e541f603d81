import Locks
import Foundation
import Postgres
import Synchronization

/// One host of `--database-read-url`, its pool, and what it last said about itself: how far it
/// has replayed the primary's log and how old its data is.
final class Replica: Sendable {
    struct State: Sendable {
        /// A standby (a promoted or isolated old primary is not read from: it may be stale).
        let inRecovery: Bool
        /// Receiving the primary's log now. A standby cut off from its primary, following a new
        /// one it has not reached yet, or diverged from it (an old leader before its rewind) is
        /// not, and serves no read however far it has replayed.
        let streaming: Bool
        let replayed: ConsistencyToken
        /// Monotonic seconds.
        let checkedAt: Double
    }

    /// Asked of a replica before it serves a read, on the pool it serves it from (`status` is
    /// visible to superusers and members of pg_read_all_stats; without it, a WAL receiver's
    /// presence is taken for streaming).
    static let stateQuery = """
        SELECT pg_is_in_recovery() AS in_recovery,
               coalesce(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0'), 0)::bigint AS replayed,
               EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE coalesce(status, 'streaming') = 'streaming') AS streaming
        """

    let pool: PostgresPool
    /// A state younger than this is trusted without asking again.
    private let freshFor: Double
    /// After a failed question the replica is left alone this long.
    private let restAfterFailure = 1.0
    private let known = Monitor<(state: State?, restUntil: Double)>((nil, 0))

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
            return cached
        }
        guard now >= restUntil else { return nil }
        do {
            let result = try pool.withConnection { try $0.query(Replica.stateQuery) }
            let state = try Replica.state(of: result, row: 0, at: Replica.now())
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

    /// Worth trying for a read that cannot wait: not resting after a failure, and not known (in
    /// the last second) to be a primary or cut off from one.
    var looksUsable: Bool {
        known.withLock { known in
            let now = Replica.now()
            guard now >= known.restUntil else { return false }
            guard let state = known.state, now - state.checkedAt < 1 else { return true }
            return state.inRecovery && state.streaming
        }
    }

    func remember(_ state: State?) {
        guard let state else { return }
        known.withLock { known in
            if known.state.map({ $0.checkedAt <= state.checkedAt }) ?? true { known = (state, 0) }
        }
    }

    static func state(of result: PostgresResult, row index: Int, at time: Double) throws -> State? {
        guard result.rowCount > index else { return nil }
        let row = result.row(index)
        guard let replayed = try row.int("replayed") else { return nil }
        return State(inRecovery: try row.bool("in_recovery") == true, streaming: try row.bool("streaming") == true,
                     replayed: ConsistencyToken(position: UInt64(max(0, replayed))), checkedAt: time)
    }

    static func now() -> Double {
        ProcessInfo.processInfo.systemUptime
    }
}
