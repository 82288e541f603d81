import Foundation
import HTTP
import Postgres

/// Delivers webhooks on threads of its own: one fans events out into deliveries (when the
/// notifier announces a commit, and every `sweepInterval` as a safety net), `concurrency` others
/// claim due deliveries and send them with libcurl. No event loop or request worker ever waits on
/// a receiver. It has its own small connection pool, so a slow database for webhooks does not
/// take connections from requests either. Several servers may share one database: claims use
/// `FOR UPDATE SKIP LOCKED` and a lease, so each delivery is sent by one of them.
public final class WebhookDispatcher: @unchecked Sendable {
    public let settings: WebhookSettings
    let store: DeliveryStore
    private let isReady: @Sendable () -> Bool
    private let condition = NSCondition()
    /// Bumped whenever deliveries may have become due; an idle sender that saw another value claims again.
    private var generation = 0
    private var fanOutWanted = true
    /// When retries this server scheduled fall due (monotonic seconds).
    private var dueTimes: [Double] = []
    private var stopped = false
    private var runningThreads = 0
    private var lastError = ""

    /// A sender with nothing due looks again after this long (retries scheduled by other servers).
    static let idlePoll = 1.0
    static let fanOutBatch = 1000
    /// Extra seconds a claim is held beyond the timeout before another server may take it.
    static let leaseMargin = 30.0

    /// `isReady`: the schema is migrated (no query is made before).
    public init(settings: WebhookSettings, databaseURL: String, statements: StatementMode = .prepared, notifier: EventNotifier,
                isReady: @escaping @Sendable () -> Bool) {
        self.settings = settings
        var poolConfiguration = PostgresPool.Configuration(url: databaseURL)
        poolConfiguration.statements = statements
        poolConfiguration.size = settings.concurrency + 1
        store = DeliveryStore(pool: PostgresPool(poolConfiguration))
        self.isReady = isReady
        notifier.subscribe { [weak self] _ in self?.eventsCommitted() }
    }

    public func start() {
        condition.withLock { runningThreads = settings.concurrency + 1 }
        startThread("insikt-webhooks-fanout") { [self] in fanOutLoop() }
        for i in 0..<settings.concurrency {
            startThread("insikt-webhooks-send-\(i)") { [self] in sendLoop() }
        }
    }

    /// Stops taking work; waits a little for deliveries in flight to be recorded (one that is not
    /// is sent again by a server after its lease, with the same webhook-id).
    public func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
        let deadline = Date().addingTimeInterval(min(settings.timeout, 5) + 1)
        condition.withLock {
            while runningThreads > 0 && condition.wait(until: deadline) {}
        }
    }

    /// Deliveries may be due now (a manual retry, an endpoint enabled again).
    public func wake() {
        condition.withLock {
            fanOutWanted = true
            generation += 1
            condition.broadcast()
        }
    }

    private func eventsCommitted() {
        condition.withLock {
            fanOutWanted = true
            condition.broadcast()
        }
    }

    private func startThread(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            body()
            condition.withLock {
                runningThreads -= 1
                condition.broadcast()
            }
        }
        thread.name = name
        thread.start()
    }

    private var isStopped: Bool { condition.withLock { stopped } }

    private func fanOutLoop() {
        var lastCleanup = 0.0
        while true {
            condition.lock()
            let deadline = Date().addingTimeInterval(settings.sweepInterval)
            while !stopped && !fanOutWanted && condition.wait(until: deadline) {}
            if stopped { condition.unlock(); return }
            fanOutWanted = false
            condition.unlock()
            guard isReady() else { continue }
            do {
                var more = true
                while more && !isStopped {
                    let (inserted, full) = try store.fanOut(batch: WebhookDispatcher.fanOutBatch)
                    if inserted > 0 { wake() }
                    more = full
                }
                let now = monotonicNow()
                if now - lastCleanup > 3600 {
                    try store.deleteFinished(olderThanDays: settings.retentionDays)
                    lastCleanup = now
                }
            } catch {
                report(error)
                pause(1)
            }
        }
    }

    private func sendLoop() {
        let sender = DeliverySender(timeout: settings.timeout, allowPrivate: settings.allowPrivate)
        var backoff = 0.1
        while true {
            let seen: Int
            condition.lock()
            if stopped { condition.unlock(); return }
            seen = generation
            condition.unlock()
            if isReady() {
                do {
                    if let job = try store.claim(lease: settings.timeout + WebhookDispatcher.leaseMargin) {
                        try record(job, sender.send(job))
                        backoff = 0.1
                        continue
                    }
                } catch {
                    report(error)
                    pause(backoff)
                    backoff = min(backoff * 2, 5)
                    continue
                }
            }
            idle(since: seen)
        }
    }

    private func record(_ job: DeliveryJob, _ outcome: DeliveryOutcome) throws {
        if outcome.succeeded {
            try store.recordSuccess(job, outcome)
            return
        }
        let retryIn = outcome.gone ? nil : settings.retrySchedule.delay(afterAttempt: job.attempt, retryAfter: outcome.retryAfter)
        try store.recordFailure(job, outcome, retryIn: retryIn, disableAfter: settings.disableAfterFailingFor)
        if let retryIn {
            condition.withLock {
                dueTimes.append(monotonicNow() + retryIn)
                condition.broadcast()
            }
        }
    }

    /// Waits until something may be due: a wake-up, a retry this server scheduled, or the poll.
    private func idle(since seen: Int) {
        condition.lock()
        defer { condition.unlock() }
        while !stopped && generation == seen {
            let now = monotonicNow()
            if dueTimes.contains(where: { $0 <= now }) {
                dueTimes.removeAll { $0 <= now }
                generation += 1
                condition.broadcast()
                return
            }
            let until = min(dueTimes.min() ?? .infinity, now + WebhookDispatcher.idlePoll)
            if !condition.wait(until: Date().addingTimeInterval(until - now)) && until >= now + WebhookDispatcher.idlePoll { return }
        }
    }

    private func pause(_ seconds: Double) {
        condition.lock()
        let deadline = Date().addingTimeInterval(seconds)
        while !stopped && condition.wait(until: deadline) {}
        condition.unlock()
    }

    private func report(_ error: Error) {
        let text = "\(error)"
        let repeated = condition.withLock {
            defer { lastError = text }
            return lastError == text
        }
        if !repeated { ServerLog.error("webhooks: \(text); retrying") }
    }
}

func monotonicNow() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}
