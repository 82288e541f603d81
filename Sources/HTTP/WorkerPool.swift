import Foundation

/// A fixed set of threads that run handlers, so blocking work (the database, reading a body)
/// never stalls an event loop. The queue is bounded: when it is full, submit fails and the
/// caller answers 503.
final class WorkerPool: @unchecked Sendable {
    private let lock = ConditionLock()
    private var jobs: [() -> Void] = []
    private var head = 0
    private let queueLimit: Int
    private var stopping = false
    private var threads: [Thread] = []
    private var running = 0

    init(threads count: Int, queueLimit: Int) {
        self.queueLimit = queueLimit
        for i in 0..<max(1, count) {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "insikt-worker-\(i)"
            thread.stackSize = 1 << 20
            threads.append(thread)
        }
        running = threads.count
        threads.forEach { $0.start() }
    }

    func submit(_ job: @escaping () -> Void) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !stopping, jobs.count - head < queueLimit else { return false }
        jobs.append(job)
        lock.signal()
        return true
    }

    private func work() {
        while true {
            lock.lock()
            while head == jobs.count && !stopping { lock.wait() }
            if head == jobs.count && stopping {
                running -= 1
                lock.broadcast()
                lock.unlock()
                return
            }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 1024 {
                jobs.removeFirst(head)
                head = 0
            }
            lock.unlock()
            job()
        }
    }

    /// Lets queued jobs finish, then ends the threads (waits at most until `deadline`).
    func stop(deadline: Double) {
        lock.lock()
        stopping = true
        lock.broadcast()
        while running > 0 {
            if !lock.wait(until: deadline) && monotonicNow() >= deadline { break }
        }
        lock.unlock()
    }
}
