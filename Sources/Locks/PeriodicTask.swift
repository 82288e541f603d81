import Foundation
import Glibc
import Synchronization

/// Background upkeep (retention): `task` runs on a thread of its own at once and then every
/// `interval` seconds until `stop()`. A failure is logged and tried again next time.
public final class PeriodicTask: Sendable {
    private let stopped = Atomic<Bool>(false)

    public init() {}

    public func start(name: String, every interval: Double, _ task: @escaping @Sendable () throws -> Void) {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                do { try task() } catch { PeriodicTask.log("error: \(name): \(error)\n") }
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

    /// Straight to stderr, as the server's error log writes (this module sits below the engine).
    private static func log(_ line: String) {
        _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
    }
}
