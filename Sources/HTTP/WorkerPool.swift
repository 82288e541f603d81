import Foundation
import Locks

/// A fixed set of threads that run handlers, so blocking work (the database, reading a body)
/// never stalls an event loop. The queue is bounded: when it is full, submit fails and the
/// caller answers 503.
final class WorkerPool: Sendable {
    private struct Queue {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var stopping = false
        var running = 0
    }

    private let queue = Monitor(Queue())
    private let queueLimit: Int

    init(threads count: Int, queueLimit: Int) {
        self.queueLimit = queueLimit
        let threads = (0..<max(1, count)).map { i in
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "insikt-worker-\(i)"
            thread.stackSize = 1 << 20
            return thread
        }
        queue.withLock { $0.running = threads.count }
        threads.forEach { $0.start() }
    }

    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        queue.withLock(wake: .one) { queue in
            guard !queue.stopping, queue.jobs.count - queue.head < queueLimit else { return false }
            queue.jobs.append(job)
            return true
        }
    }

    private func work() {
        while true {
            let job = queue.wait(until: { $0.head < $0.jobs.count || $0.stopping }) { queue, _ -> (@Sendable () -> Void)? in
                guard queue.head < queue.jobs.count else {
                    queue.running -= 1
                    return nil
                }
                let job = queue.jobs[queue.head]
                queue.head += 1
                if queue.head == queue.jobs.count {
                    queue.jobs.removeAll(keepingCapacity: true)
                    queue.head = 0
                } else if queue.head > 1024 {
                    queue.jobs.removeFirst(queue.head)
                    queue.head = 0
                }
                return job
            }
            guard let job else {
                queue.withLock(wake: .all) { _ in }
                return
            }
            job()
        }
    }

    /// Lets queued jobs finish, then ends the threads (waits at most until `deadline`).
    func stop(deadline: Double) {
        queue.withLock(wake: .all) { $0.stopping = true }
        queue.wait(until: { $0.running == 0 }, deadline: deadline)
    }
}
