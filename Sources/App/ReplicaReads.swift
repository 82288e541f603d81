import Locks
import Foundation
import HTTP
import Identity
import Postgres
import Routing
import Synchronization

/// `--database-read-url`, `--read-max-lag` and `--read-wait`.
public struct ReadSettings: Sendable {
    /// Where read-only queries may go; each host is a replica of its own. nil: all to the primary.
    public var url: String?
    /// A replica whose data is older than this (seconds) serves no read.
    public var maxLag = 1.0
    /// How long (seconds) a read with a token waits for a replica to replay it before it goes to
    /// the primary.
    public var wait = 0.1

    public init() {}
}

/// Decides where each read of a route that may read from a replica goes, and gives every write's
/// answer its consistency token. A read goes to a streaming standby within the maximum lag that
/// has replayed the newest token the caller holds (the one it sends, or the newest this server
/// gave its API key); else, after waiting up to `wait` for one when a token is the only thing
/// missing, to the primary.
///
/// A replica's lag is measured against the primary itself: a thread samples the primary's log
/// position every `sampleInterval`, and a replica that has replayed the position of a sample
/// taken at time t has every commit from before t: it is at most now - t behind. (The replica's
/// own view, received = replayed, says "current" also when it has just reconnected and not yet
/// received what it missed.)
public final class ReplicaReads: Sendable {
    enum Target: Sendable {
        case primary
        case replica(Int)
    }

    enum Fallback: String, Sendable, CaseIterable {
        /// No replica within the maximum lag.
        case lag
        /// None had replayed the caller's token within the wait.
        case token
        /// None could be reached (or none is a standby).
        case unavailable
    }

    let settings: ReadSettings
    let primary: PostgresPool
    let replicas: [Replica]
    let sampleInterval: Double
    /// The primary's log position now and then, oldest first: (monotonic time, position).
    private let samples = Monitor<[(at: Double, position: UInt64)]>([])
    private let sampler = PeriodicTask()
    private let turn = Atomic<Int>(0)
    /// Per API key, the newest token this server handed out.
    private let newestTokens = Monitor<[String: ConsistencyToken]>([:])
    private let primaryReads = Atomic<Int>(0)
    private let replicaReads = Atomic<Int>(0)
    private let waits = Atomic<Int>(0)
    private let waitedMicroseconds = Atomic<Int>(0)
    private let fallbacks = Monitor<[Fallback: Int]>([:])

    /// `replicaPool` makes the pool of each replica's connection string.
    init(settings: ReadSettings, primary: PostgresPool, replicaPool: (String) -> PostgresPool) {
        self.settings = settings
        self.primary = primary
        let urls = settings.url.map { ConnectionString.oneForEachHost($0) ?? [$0] } ?? []
        let interval = min(0.05, max(0.005, settings.maxLag / 4))
        sampleInterval = interval
        replicas = urls.map { Replica(pool: replicaPool($0), freshFor: interval) }
    }

    func start() {
        guard !replicas.isEmpty else { return }
        sampler.start(name: "replica-lag", every: sampleInterval) { [self] in samplePrimary() }
    }

    func stop() {
        sampler.stop()
    }

    /// Notes the primary's position; while it cannot be reached the samples only age.
    private func samplePrimary() {
        guard let position = try? primary.withConnection({ try currentPosition($0) }) else { return }
        let now = Replica.now()
        samples.withLock { samples in
            samples.append((now, position))
            // Enough to judge any lag up to the maximum, and a little more.
            let horizon = now - settings.maxLag - 1
            if let keep = samples.firstIndex(where: { $0.at >= horizon }), keep > 0 { samples.removeFirst(keep) }
        }
    }

    private func currentPosition(_ connection: PostgresConnection) throws -> UInt64 {
        let flushed = try connection.query("SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')::bigint AS flushed")
        return UInt64(max(0, try flushed.row(0).int("flushed") ?? 0))
    }

    /// How far behind the primary a replica that has replayed `replayed` is: the age of the
    /// newest sample it has replayed; infinite when it has replayed none.
    func lag(_ replayed: ConsistencyToken) -> Double {
        let newest = samples.withLock { samples in samples.last { $0.position <= replayed.position }?.at }
        return newest.map { Replica.now() - $0 } ?? .infinity
    }

    /// Why a replica in `state` may not serve a read that must see `token`; nil when it may.
    func unfit(_ state: Replica.State, for token: ConsistencyToken?) -> Fallback? {
        guard state.inRecovery && state.streaming else { return .unavailable }
        if lag(state.replayed) > settings.maxLag { return .lag }
        if let token, state.replayed < token { return .token }
        return nil
    }

    // MARK: reads

    /// The newest token `request`'s caller holds: the one it sent, or the newest given to its key.
    func token(for request: Request) throws -> ConsistencyToken? {
        let sent = try ConsistencyToken.of(request)
        guard let key = request.caller?.id, let remembered = newestTokens.withLock({ $0[key] }) else { return sent }
        return max(sent ?? remembered, remembered)
    }

    /// Where a read that must see `token` goes; blocks up to `settings.wait` for a replica to
    /// replay it.
    func target(seeing token: ConsistencyToken?) -> Target {
        guard !replicas.isEmpty else { return .primary }
        if token == .unknown { return fellBack(.token) }
        let start = Replica.now()
        let deadline = start + (token == nil ? 0 : settings.wait)
        let first = turn.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max
        var pause = 0.002
        var waited = false
        while true {
            var behind = false, lagging = false
            for step in 0..<replicas.count {
                let index = (first + step) % replicas.count
                guard let state = replicas[index].state(replayed: token) else { continue }
                switch unfit(state, for: token) {
                case .lag?: lagging = true
                case .token?: behind = true
                case .unavailable?: break
                case nil:
                    if waited { noteWait(since: start) }
                    return .replica(index)
                }
            }
            let now = Replica.now()
            guard behind, now < deadline else {
                if waited { noteWait(since: start) }
                return fellBack(behind ? .token : lagging ? .lag : .unavailable)
            }
            waited = true
            usleep(UInt32(min(pause, deadline - now) * 1_000_000))
            pause = min(pause * 2, 0.02)
        }
    }

    /// The next replica in turn that looks usable (for reads that cannot wait).
    func nextReplica() -> Int? {
        let first = turn.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max
        return (0..<replicas.count).map { (first + $0) % replicas.count }.first { replicas[$0].looksUsable }
    }

    func served(by target: Target) {
        switch target {
        case .primary: primaryReads.add(1, ordering: .relaxed)
        case .replica: replicaReads.add(1, ordering: .relaxed)
        }
    }

    func fellBack(_ reason: Fallback) -> Target {
        fallbacks.withLock { $0[reason, default: 0] += 1 }
        return .primary
    }

    private func noteWait(since start: Double) {
        waits.add(1, ordering: .relaxed)
        waitedMicroseconds.add(Int((Replica.now() - start) * 1_000_000), ordering: .relaxed)
    }

    // MARK: writes

    /// After a write committed: the token of the primary's log position now (its commit is
    /// within it), remembered for the caller's key. nil when the primary cannot say (the
    /// answer then carries `ConsistencyToken.unknown`, which is not remembered).
    func tokenAfterWrite(by caller: Actor?) -> ConsistencyToken? {
        guard let position = try? primary.withConnection({ try currentPosition($0) }) else { return nil }
        let token = ConsistencyToken(position: position)
        if let key = caller?.id {
            newestTokens.withLock { tokens in
                if tokens[key].map({ $0 < token }) ?? true { tokens[key] = token }
            }
        }
        return token
    }

    // MARK: metrics

    func metricsText() -> String {
        var text = """
            # HELP db_reads_total Reads of the routes that may read from a replica, by where they were served.
            # TYPE db_reads_total counter
            db_reads_total{target="primary"} \(primaryReads.load(ordering: .relaxed))
            db_reads_total{target="replica"} \(replicaReads.load(ordering: .relaxed))
            # HELP db_replica_waits_total Reads that waited for a replica to replay the caller's writes.
            # TYPE db_replica_waits_total counter
            db_replica_waits_total \(waits.load(ordering: .relaxed))
            # HELP db_replica_wait_seconds_total Time those reads waited.
            # TYPE db_replica_wait_seconds_total counter
            db_replica_wait_seconds_total \(Double(waitedMicroseconds.load(ordering: .relaxed)) / 1_000_000)
            # HELP db_replica_fallbacks_total Reads that went to the primary because no replica qualified, by why.
            # TYPE db_replica_fallbacks_total counter

            """
        let counts = fallbacks.withLock { $0 }
        for reason in Fallback.allCases {
            text += "db_replica_fallbacks_total{reason=\"\(reason.rawValue)\"} \(counts[reason] ?? 0)\n"
        }
        return text
    }
}
