import Foundation
import HTTP
import Locks
import Outbox
import Postgres
import Synchronization

/// One LISTEN connection per server (events.md): every commit with events sends a NOTIFY, and the
/// notifier tells its subscribers the newest position. A wake-up, not the data: subscribers read
/// the events themselves. After a lost connection it says "anything may be new" (nil).
public final class EventNotifier: Sendable {
    private let url: String
    private let subscribers = Monitor<[@Sendable (Int64?) -> Void]>([])
    private let stopped = Atomic<Bool>(false)

    public init(url: String) {
        self.url = url
    }

    public func subscribe(_ subscriber: @escaping @Sendable (Int64?) -> Void) {
        subscribers.withLock { $0.append(subscriber) }
    }

    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "insikt-events-listen"
        thread.start()
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private func announce(_ position: Int64?) {
        for subscriber in subscribers.withLock({ $0 }) { subscriber(position) }
    }

    private func run() {
        var delay = 0.1
        var lastError = ""
        while !stopped.load(ordering: .relaxed) {
            do {
                let connection = try PostgresConnection(url: url)
                try connection.execute("LISTEN \(EventOutbox.channel)")
                // Whatever was committed while nobody listened is read now.
                announce(nil)
                delay = 0.1
                lastError = ""
                while !stopped.load(ordering: .relaxed) {
                    let received = try connection.notifications(timeout: 0.5)
                    let newest = received.compactMap { Int64($0.payload) }.max()
                    if let newest { announce(newest) }
                }
            } catch {
                let text = "\(error)"
                if text != lastError { ServerLog.error("the events listener lost the database: \(text); retrying") }
                lastError = text
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 5)
            }
        }
    }
}
