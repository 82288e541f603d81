import Locks
import Foundation
import HTTP
import Postgres
import Synchronization

/// Delivers webhooks on threads of its own, so no event loop or request worker ever waits on a
/// receiver:
/// - the fan-out thread turns events into deliveries (when the notifier announces a commit, and
///   every `sweepInterval` as a safety net);
/// - `lanes` scheduler threads claim due deliveries fairly (DeliveryStore.claim: one in flight
///   per endpoint, round-robin over endpoints with a due head, up to `concurrency` in flight
///   across them) and record the outcomes of their claims in batches; several, so that the
///   database's round trips overlap;
/// - the transfers thread (DeliveryTransfers) sends them all at once with libcurl's multi
///   interface: a receiver that hangs holds one transfer and its endpoint's turn, nothing else.
/// It has its own small connection pool, so a slow database for webhooks does not take
/// connections from requests either. Several servers may share one database: claims use
/// `FOR UPDATE SKIP LOCKED` and leases, so each delivery is sent by one of them.
public final class WebhookDispatcher: Sendable {
    public let settings: WebhookSettings
    let store: DeliveryStore
    private let isReady: @Sendable () -> Bool
    private let state = Monitor(State())
    private let fanOutWakeup = ThreadWakeup()
    private let lanes: [Lane]
    private let transfers: DeliveryTransfers
    /// Transfer slots claimed by every lane (at most `settings.concurrency`).
    private let slotsTaken = Atomic<Int>(0)
    private let finishedThreads = DispatchSemaphore(value: 0)

    /// Scheduler threads; each claims, and records what it claimed.
    static let laneCount = 4

    private struct State {
        var stopped = false
        var fanOutWanted = true
        var lastError = ""
    }

    /// The scheduler looks for due deliveries at least this often (retries scheduled by other
    /// servers, breakers closing, manual retries made on another server).
    static let idlePoll = 0.5
    static let fanOutBatch = 1000
    /// Deliveries one claim takes at most.
    static let claimBatch = 100
    /// Extra seconds a claim is held beyond the timeout before another server may take it.
    static let leaseMargin = 30.0
    /// Endpoints `/metrics` lists by backlog.
    static let metricsTop = 10

    /// `isReady`: the schema is migrated (no query is made before).
    public init(settings: WebhookSettings, databaseURL: String, statements: StatementMode = .prepared, notifier: EventNotifier,
                isReady: @escaping @Sendable () -> Bool) {
        self.settings = settings
        var poolConfiguration = PostgresPool.Configuration(url: databaseURL)
        poolConfiguration.statements = statements
        // The fan-out, the lanes, and `/metrics`.
        poolConfiguration.size = WebhookDispatcher.laneCount + 2
        store = DeliveryStore(pool: PostgresPool(poolConfiguration))
        self.isReady = isReady
        let lanes = (0..<WebhookDispatcher.laneCount).map { _ in Lane() }
        self.lanes = lanes
        transfers = DeliveryTransfers(
            options: .init(timeout: settings.timeout, connectTimeout: settings.connectTimeout, allowPrivate: settings.allowPrivate,
                           keptConnections: min(settings.concurrency, 1000)),
            finished: { job, outcome in lanes[job.lane].put(job, outcome) })
        notifier.subscribe { [weak self] _ in self?.eventsCommitted() }
    }

    public func start() {
        transfers.start()
        startThread("insikt-webhooks-fanout") { [self] in fanOutLoop() }
        for index in lanes.indices {
            startThread("insikt-webhooks-lane-\(index)") { [self] in scheduleLoop(lane: index) }
        }
    }

    /// Stops taking work: transfers in flight are abandoned and their claims given back (each is
    /// sent again, by this server or another, with the same webhook-id).
    public func stop() {
        state.withLock { $0.stopped = true }
        transfers.stop()
        fanOutWakeup.signal()
        for lane in lanes { lane.wakeup.signal() }
        for _ in 0...lanes.count { _ = finishedThreads.wait(timeout: .now() + 10) }
    }

    /// Deliveries may be due now (a manual retry, an endpoint enabled again).
    public func wake() {
        state.withLock { $0.fanOutWanted = true }
        fanOutWakeup.signal()
        wantClaims()
    }

    private func wantClaims() {
        for lane in lanes {
            lane.claimWanted.store(true, ordering: .relaxed)
            lane.wakeup.signal()
        }
    }

    /// Transfers running now on this server.
    public var inFlight: Int { transfers.inFlight }

    private func eventsCommitted() {
        state.withLock { $0.fanOutWanted = true }
        fanOutWakeup.signal()
    }

    private func startThread(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            body()
            finishedThreads.signal()
        }
        thread.name = name
        thread.start()
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func fanOutLoop() {
        var lastCleanup = 0.0
        while true {
            let (stopped, wanted) = state.withLock { state in
                defer { state.fanOutWanted = false }
                return (state.stopped, state.fanOutWanted)
            }
            if stopped { return }
            if !wanted {
                fanOutWakeup.wait(seconds: settings.sweepInterval)
                state.withLock { $0.fanOutWanted = true }
                continue
            }
            guard isReady() else { continue }
            do {
                var more = true
                while more && !isStopped {
                    let (inserted, full) = try store.fanOut(batch: WebhookDispatcher.fanOutBatch)
                    if inserted > 0 { wantClaims() }
                    more = full
                }
                let now = monotonicNow()
                if now - lastCleanup > 3600 {
                    try store.deleteFinished(olderThanDays: settings.retentionDays)
                    lastCleanup = now
                }
            } catch {
                report(error)
                fanOutWakeup.wait(seconds: 1)
                state.withLock { $0.fanOutWanted = true }
            }
        }
    }

    /// Records what this lane's claims came to and claims what is due, until stopped. Lane 0 also
    /// looks every `idlePoll` seconds.
    private func scheduleLoop(lane index: Int) {
        let lane = lanes[index]
        var inFlight: [Int64: DeliveryJob] = [:]
        var unrecorded: [RecordedAttempt] = []
        /// When retries this lane scheduled fall due (monotonic seconds).
        var dueTimes: [Double] = []
        var nextPoll = index == 0 ? 0 : Double.infinity
        var backoff = 0.1
        let rules = DeliveryStore.Rules(breakerThreshold: settings.breakerThreshold, schedule: settings.retrySchedule.delays,
                                        disableAfter: settings.disableAfterFailingFor)
        while true {
            let stopped = isStopped
            let wanted = lane.claimWanted.exchange(false, ordering: .relaxed)
            let finished = lane.take()
            for (job, outcome) in finished {
                let retryIn = outcome.succeeded || outcome.gone
                    ? nil : settings.retrySchedule.delay(afterAttempt: job.attempt, retryAfter: outcome.retryAfter)
                unrecorded.append(RecordedAttempt(job: job, outcome: outcome, retryIn: retryIn))
            }
            if stopped {
                // The transfers are stopped: what did not finish is given back.
                for attempt in unrecorded { inFlight[attempt.job.id] = nil }
                try? store.record(unrecorded, rules: rules)
                try? store.release(Array(inFlight.values))
                return
            }
            guard isReady() else {
                lane.wakeup.wait(seconds: 0.5)
                continue
            }
            do {
                if !unrecorded.isEmpty {
                    try store.record(unrecorded, rules: rules)
                    let now = monotonicNow()
                    for attempt in unrecorded {
                        inFlight[attempt.job.id] = nil
                        if !attempt.outcome.succeeded, let retryIn = attempt.retryIn { dueTimes.append(now + retryIn) }
                    }
                    releaseSlots(unrecorded.count)
                    unrecorded.removeAll()
                }
                let now = monotonicNow()
                let dueNow = dueTimes.contains { $0 <= now }
                dueTimes.removeAll { $0 <= now }
                if wanted || dueNow || !finished.isEmpty || now >= nextPoll {
                    if index == 0 { nextPoll = now + WebhookDispatcher.idlePoll }
                    let slots = takeSlots()
                    if slots > 0 {
                        let jobs: [DeliveryJob]
                        do { jobs = try store.claim(lease: settings.timeout + WebhookDispatcher.leaseMargin, limit: slots, lane: index) } catch {
                            releaseSlots(slots)
                            throw error
                        }
                        releaseSlots(slots - jobs.count)
                        for job in jobs { inFlight[job.id] = job }
                        if !jobs.isEmpty { transfers.submit(jobs) }
                    }
                }
                backoff = 0.1
            } catch {
                report(error)
                lane.wakeup.wait(seconds: backoff)
                backoff = min(backoff * 2, 5)
                continue
            }
            let wakeAt = min(dueTimes.min() ?? .infinity, nextPoll, monotonicNow() + 3600)
            if lane.claimWanted.load(ordering: .relaxed) || isStopped || !lane.isEmpty { continue }
            lane.wakeup.wait(seconds: wakeAt - monotonicNow())
        }
    }

    /// Takes every free transfer slot (up to `claimBatch`); 0 when none is free.
    private func takeSlots() -> Int {
        while true {
            let taken = slotsTaken.load(ordering: .relaxed)
            let wanted = min(WebhookDispatcher.claimBatch, settings.concurrency - taken)
            guard wanted > 0 else { return 0 }
            if slotsTaken.compareExchange(expected: taken, desired: taken + wanted, ordering: .relaxed).exchanged { return wanted }
        }
    }

    private func releaseSlots(_ count: Int) {
        guard count > 0 else { return }
        // The lane that frees slots after recording claims next itself, for every endpoint.
        slotsTaken.subtract(count, ordering: .relaxed)
    }

    /// The `/metrics` lines of webhooks: transfers in flight on this server, the backlog of the
    /// endpoints with the most pending deliveries, and the age of the oldest due delivery.
    public func metricsText() -> String {
        var out = """
            # HELP insikt_webhook_transfers_in_flight Webhook deliveries this server is sending right now.
            # TYPE insikt_webhook_transfers_in_flight gauge
            insikt_webhook_transfers_in_flight \(transfers.inFlight)

            """
        guard isReady(), let backlog = try? store.backlog(top: WebhookDispatcher.metricsTop) else { return out }
        out += """
            # HELP insikt_webhook_pending_deliveries Deliveries waiting to be sent, of every endpoint.
            # TYPE insikt_webhook_pending_deliveries gauge
            insikt_webhook_pending_deliveries \(backlog.pending)
            # HELP insikt_webhook_backlog Pending deliveries of the \(WebhookDispatcher.metricsTop) endpoints with the most.
            # TYPE insikt_webhook_backlog gauge

            """
        for row in backlog.top { out += "insikt_webhook_backlog{webhook_id=\"\(row.endpoint)\"} \(row.pending)\n" }
        out += """
            # HELP insikt_webhook_oldest_due_seconds How long ago the oldest pending delivery of an enabled endpoint fell due (0: none is due).
            # TYPE insikt_webhook_oldest_due_seconds gauge
            insikt_webhook_oldest_due_seconds \(backlog.oldestDueSeconds)
            # HELP insikt_webhook_breakers_open Enabled endpoints whose circuit breaker is open.
            # TYPE insikt_webhook_breakers_open gauge
            insikt_webhook_breakers_open \(backlog.breakersOpen)

            """
        return out
    }

    /// One scheduler thread's inbox: the outcomes of its claims, and whether it should claim.
    private final class Lane: Sendable {
        private let list = Monitor<[(DeliveryJob, DeliveryOutcome)]>([])
        let wakeup = ThreadWakeup()
        let claimWanted = Atomic<Bool>(true)

        func put(_ job: DeliveryJob, _ outcome: DeliveryOutcome) {
            list.withLock { $0.append((job, outcome)) }
            wakeup.signal()
        }

        func take() -> [(DeliveryJob, DeliveryOutcome)] {
            list.withLock { list in
                defer { list.removeAll() }
                return list
            }
        }

        var isEmpty: Bool { list.withLock { $0.isEmpty } }
    }

    private func report(_ error: Error) {
        let text = "\(error)"
        let repeated = state.withLock { state in
            defer { state.lastError = text }
            return state.lastError == text
        }
        if !repeated { ServerLog.error("webhooks: \(text); retrying") }
    }
}
