import Foundation
import Locks
import Testing

/// The code base's one condition (`Locks.Monitor`), exercised as a job's body reader uses it: a
/// producer at most two pieces ahead of a consumer, both waiting on one monitor.
@Suite struct MonitorTests {
    /// With one eventfd shared by all sleepers, a consumer going back to sleep could read the
    /// wake-up written for the producer, which then slept on with its condition true while the
    /// consumer waited for its next piece: both asleep for good (a taken-over 800,000-citizen job
    /// hung so in the Patroni rig). Each hand-off here is such a chance; a lost wake-up hangs the
    /// pair, which the bound below turns into a failure.
    @Test func aProducerAndAConsumerOnOneMonitorNeverBothSleep() {
        struct Queue { var ready: [Int] = []; var ended = false }
        let queue = Monitor(Queue())
        let pieces = 200_000
        let finished = Monitor(0)
        let producer = Thread {
            for piece in 0..<pieces {
                queue.wait(until: { $0.ready.count < 2 }) { _, _ in }
                queue.withLock(wake: .all) { $0.ready.append(piece) }
            }
            queue.withLock(wake: .all) { $0.ended = true }
            finished.withLock(wake: .all) { $0 += 1 }
        }
        let consumer = Thread {
            var expected = 0
            while let piece = queue.wait(until: { !$0.ready.isEmpty || $0.ended }, wake: .all, then: { queue, _ -> Int? in
                queue.ready.isEmpty ? nil : queue.ready.removeFirst()
            }) {
                if piece != expected { break }
                expected += 1
            }
            finished.withLock(wake: .all) { $0 += expected == pieces ? 1 : 100 }
        }
        producer.start()
        consumer.start()
        let done = finished.wait(until: { $0 >= 2 }, deadline: monotonicNow() + 120)
        #expect(done, "the producer or the consumer is still asleep: a wake-up was lost")
        #expect(finished.withLock { $0 } == 2, "the consumer got the pieces out of order or not all")
    }
}
