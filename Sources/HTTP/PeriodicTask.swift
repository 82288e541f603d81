import Foundation
import Synchronization

/// Background upkeep (retention): `task` runs on a thread of its own at once and then every
/// `interval` seconds until `stop()`. A failure is logged and tried again next time.
public final class PeriodicTask: Sendable {
    private let stopped = Atomic<Bool>(false)

    public init() {}

    public func start(name: String, every interval: Double, _ task: @escaping @Sendable () throws -> Void) {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                do { try task() } catch { ServerLog.error("\(name): \(error)") }
                var slept = 0.0
                while slept < interval && !stopped.load(ordering: .relaxed) {
                    Thread.sleep(forTimeInterval: min(1, interval))
                    slept += 1
                }
            }
        }
        thread.name = "insikt-\(name)"
        thread.start()
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }
}
