import Foundation
import HTTP
import Postgres
import Synchronization

/// Delivers webhooks on threads of its own, so no event loop or request worker ever waits on a
/// receiver:
/// - the fan-out thread turns events into deliveries (when the notifier announces a commit, and
///   every `sweepInterval` as a safety net);
/// - the scheduler thread claims due deliveries fairly (DeliveryStore.claim: one in flight per
///   endpoint, round-robin over endpoints with a due head, up to `concurrency` in flight) and
///   records their outcomes in batches;
/// - the transfers thread (DeliveryTransfers) sends them all at once with libcurl's multi
///   interface: a receiver that hangs holds one transfer and its endpoint's turn, nothing else.
/// It has its own small connection pool, so a slow database for webhooks does not take
/// connections from requests either. Several servers may share one database: claims use
/// `FOR UPDATE SKIP LOCKED` and leases, so each delivery is sent by one of them.
public final class WebhookDispatcher: Sendable {
    public let settings: WebhookSettings
    let store: DeliveryStore
    private let isReady: @Sendable () -> Bool
    private let state = Mutex(State())
    private let fanOutWakeup = ThreadWakeup()
    private let schedulerWakeup: ThreadWakeup
    private let transfers: DeliveryTransfers
    /// Attempts the transfers finished, to be recorded by the scheduler.
    private let finishedAttempts: FinishedAttempts
    private let finishedThreads = DispatchSemaphore(value: 0)

    private struct State {
        var stopped = false
        var fanOutWanted = true
        var claimWanted = true
        var lastError = ""
    }

    /// The scheduler looks for due deliveries at least this often (retries scheduled by other
    /// servers, breakers closing, manual retries made on another server).
    static let idlePoll = 0.5
    static let fanOutBatch = 1000
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
        // The fan-out, the scheduler, and `/metrics`.
        poolConfiguration.size = 3
        store = DeliveryStore(pool: PostgresPool(poolConfiguration))
        self.isReady = isReady
        let schedulerWakeup = ThreadWakeup()
        let finishedAttempts = FinishedAttempts()
        self.schedulerWakeup = schedulerWakeup
        self.finishedAttempts = finishedAttempts
        transfers = DeliveryTransfers(
            options: .init(timeout: settings.timeout, connectTimeout: settings.connectTimeout, allowPrivate: settings.allowPrivate,
                           keptConnections: min(settings.concurrency, 1000)),
            finished: { job, outcome in
                finishedAttempts.put(job, outcome)
                schedulerWakeup.signal()
            })
        notifier.subscribe { [weak self] _ in self?.eventsCommitted() }
    }

    public func start() {
        transfers.start()
        startThread("insikt-webhooks-fanout") { [self] in fanOutLoop() }
        startThread("insikt-webhooks-scheduler") { [self] in scheduleLoop() }
    }

    /// Stops taking work: transfers in flight are abandoned and their claims given back (each is
    /// sent again, by this server or another, with the same webhook-id).
    public func stop() {
        state.withLock { $0.stopped = true }
        fanOutWakeup.signal()
        schedulerWakeup.signal()
        for _ in 0..<2 { _ = finishedThreads.wait(timeout: .now() + 10) }
    }

    /// Deliveries may be due now (a manual retry, an endpoint enabled again).
    public func wake() {
        state.withLock {
            $0.fanOutWanted = true
            $0.claimWanted = true
        }
        fanOutWakeup.signal()
        schedulerWakeup.signal()
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
                    if inserted > 0 {
                        state.withLock { $0.claimWanted = true }
                        schedulerWakeup.signal()
                    }
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

    /// Records what finished and claims what is due, until stopped. Only this thread claims, so
    /// it knows how many of this server's claims are in flight.
    private func scheduleLoop() {
        var inFlight: [Int64: DeliveryJob] = [:]
        var unrecorded: [RecordedAttempt] = []
        /// When retries this server scheduled fall due (monotonic seconds).
        var dueTimes: [Double] = []
        var nextPoll = 0.0
        var backoff = 0.1
        let rules = DeliveryStore.Rules(breakerThreshold: settings.breakerThreshold, schedule: settings.retrySchedule.delays,
                                        disableAfter: settings.disableAfterFailingFor)
        while true {
            let (stopped, wanted) = state.withLock { state in
                defer { state.claimWanted = false }
                return (state.stopped, state.claimWanted)
            }
            let finished = finishedAttempts.take()
            for (job, outcome) in finished {
                let retryIn = outcome.succeeded || outcome.gone
                    ? nil : settings.retrySchedule.delay(afterAttempt: job.attempt, retryAfter: outcome.retryAfter)
                unrecorded.append(RecordedAttempt(job: job, outcome: outcome, retryIn: retryIn))
            }
            if stopped {
                transfers.stop()
                for attempt in unrecorded { inFlight[attempt.job.id] = nil }
                try? store.record(unrecorded, rules: rules)
                try? store.release(Array(inFlight.values))
                return
            }
            guard isReady() else {
                schedulerWakeup.wait(seconds: 0.5)
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
                    unrecorded.removeAll()
                }
                let now = monotonicNow()
                let dueNow = dueTimes.contains { $0 <= now }
                dueTimes.removeAll { $0 <= now }
                let free = settings.concurrency - inFlight.count
                if free > 0 && (wanted || dueNow || !finished.isEmpty || now >= nextPoll) {
                    nextPoll = now + WebhookDispatcher.idlePoll
                    let jobs = try store.claim(lease: settings.timeout + WebhookDispatcher.leaseMargin, limit: free)
                    for job in jobs { inFlight[job.id] = job }
                    if !jobs.isEmpty { transfers.submit(jobs) }
                }
                backoff = 0.1
            } catch {
                report(error)
                schedulerWakeup.wait(seconds: backoff)
                backoff = min(backoff * 2, 5)
                continue
            }
            let wakeAt = min(dueTimes.min() ?? .infinity, nextPoll)
            if state.withLock({ $0.claimWanted || $0.stopped }) || !finishedAttempts.isEmpty { continue }
            schedulerWakeup.wait(seconds: wakeAt - monotonicNow())
        }
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

    private final class FinishedAttempts: Sendable {
        private let list = Mutex<[(DeliveryJob, DeliveryOutcome)]>([])

        func put(_ job: DeliveryJob, _ outcome: DeliveryOutcome) {
            list.withLock { $0.append((job, outcome)) }
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
