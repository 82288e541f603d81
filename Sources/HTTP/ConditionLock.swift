import Glibc

/// A mutex with one condition variable, for the few places where a thread must wait.
final class ConditionLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()

    init() {
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    func lock() { pthread_mutex_lock(&mutex) }
    func unlock() { pthread_mutex_unlock(&mutex) }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Waits (the lock held) until signalled or until `deadline` (monotonic seconds) passes.
    /// Returns false on time-out.
    @discardableResult
    func wait(until deadline: Double? = nil) -> Bool {
        guard let deadline else {
            pthread_cond_wait(&condition, &mutex)
            return true
        }
        var ts = timespec()
        ts.tv_sec = Int(deadline)
        ts.tv_nsec = Int((deadline - Double(Int(deadline))) * 1e9)
        return pthread_cond_timedwait(&condition, &mutex, &ts) == 0
    }

    func signal() { pthread_cond_signal(&condition) }
    func broadcast() { pthread_cond_broadcast(&condition) }
}

/// Monotonic clock in seconds.
@inline(__always)
public func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
