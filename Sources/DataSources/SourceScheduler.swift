import Foundation
import HTTP
import Synchronization

/// One thread per server that, every `pollInterval`, starts the runs of the sources that are
/// due (`SourcesRepository.startDueRuns`: each by exactly one server) and wakes the job runners.
public final class SourceScheduler: Sendable {
    private let repository: SourcesRepository
    private let interval: Double
    private let isReady: @Sendable () -> Bool
    private let queued: @Sendable () -> Void
    private let stopped = Atomic<Bool>(false)
    private let failing = Atomic<Bool>(false)

    public init(repository: SourcesRepository, interval: Double, isReady: @escaping @Sendable () -> Bool,
                queued: @escaping @Sendable () -> Void) {
        self.repository = repository
        self.interval = interval
        self.isReady = isReady
        self.queued = queued
    }

    public func start() {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                if isReady() { pass() }
                var slept = 0.0
                while slept < interval && !stopped.load(ordering: .relaxed) {
                    let step = min(0.1, interval - slept)
                    Thread.sleep(forTimeInterval: step)
                    slept += step
                }
            }
        }
        thread.name = "insikt-source-scheduler"
        thread.start()
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private func pass() {
        do {
            // More than a pass's worth due: the next pass goes on at once.
            while try repository.startDueRuns() > 0 { queued() }
            failing.store(false, ordering: .relaxed)
        } catch {
            if !failing.exchange(true, ordering: .relaxed) { ServerLog.error("sources: starting due runs failed: \(error)") }
        }
    }
}
