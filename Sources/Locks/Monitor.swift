import CLinux
import Glibc
import Synchronization

/// State guarded by a `Mutex`, and a condition on it: a thread can sleep until another changes the
/// state (a worker waiting for a job, a reader for the next chunk). The one condition variable of
/// the code base; the lock is `Synchronization`'s `Mutex` (ThreadSanitizer told of it) and a
/// sleeper blocks on an eventfd.
public final class Monitor<State>: Sendable {
    public enum Wake: Sendable { case one, all }

    private struct Guarded {
        var state: State
        /// The eventfds of the threads asleep, in the order they fell asleep. Each sleeper has one
        /// of its own, so a wake-up reaches the thread it was written for: with one eventfd shared
        /// by all, a thread arriving to sleep could read the wake-up meant for another, which then
        /// slept on with its condition true (a job's body reader and its consumer both asleep).
        var sleeping: [Int32] = []
        /// Eventfds of past sleepers, drained, for the next ones (made when a thread first sleeps:
        /// most monitors, a request body read at once, never need one).
        var spare: [Int32] = []
    }

    private let guarded: Mutex<Guarded>

    public init(_ state: sending State) {
        guarded = Mutex(Guarded(state: state))
    }

    deinit {
        let fds = guarded.withLock { $0.sleeping + $0.spare }
        for fd in fds { close(fd) }
    }

    /// Runs `body` holding the lock; `wake` then wakes one or all sleepers to re-check the state.
    public func withLock<R, E: Error>(wake: Wake? = nil, _ body: (inout State) throws(E) -> sending R) throws(E) -> sending R {
        try guarded.withLock { (guarded: inout sending Guarded) throws(E) -> sending R in
            ThreadSanitizer.acquire?(identity)
            defer {
                if let wake { Self.wake(wake, &guarded) }
                ThreadSanitizer.release?(identity)
            }
            return try body(&guarded.state)
        }
    }

    /// This monitor's address, for ThreadSanitizer.
    private var identity: UnsafeRawPointer { UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()) }

    /// Sleeps until `ready` holds or `deadline` (monotonic seconds, `monotonicNow()`) passes, then
    /// runs `body` holding the lock; its flag says whether `ready` held. `ready` is checked first
    /// and after every wake-up, holding the lock.
    public func wait<R, E: Error>(until ready: (inout State) -> Bool, deadline: Double? = nil,
                                  wake: Wake? = nil,
                                  then body: (inout State, _ ready: Bool) throws(E) -> sending R) throws(E) -> sending R {
        var mine: Int32 = -1
        while true {
            let step = try guarded.withLock { (guarded: inout sending Guarded) throws(E) -> sending Step<R> in
                ThreadSanitizer.acquire?(identity)
                defer { ThreadSanitizer.release?(identity) }
                if mine >= 0 {
                    // Woken, timed out, or both: off the list either way. A waker writes under
                    // this lock, so what it wrote is in the eventfd now; drained, it is clean.
                    guarded.sleeping.removeAll { $0 == mine }
                    Self.drain(mine)
                }
                let isReady = ready(&guarded.state)
                if isReady || deadline.map({ monotonicNow() >= $0 }) == true {
                    if mine >= 0 { guarded.spare.append(mine) }
                    defer { if let wake { Self.wake(wake, &guarded) } }
                    return .done(try body(&guarded.state, isReady))
                }
                if mine < 0 {
                    mine = guarded.spare.popLast() ?? eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
                    precondition(mine >= 0, "eventfd failed: \(errno)")
                }
                guarded.sleeping.append(mine)
                return .sleep(mine)
            }
            switch step {
            case let .done(result):
                return result
            case let .sleep(fd):
                Self.sleep(on: fd, until: deadline)
            }
        }
    }

    /// Waits until `ready` holds, or until `deadline`; returns whether it holds.
    @discardableResult
    public func wait(until ready: (inout State) -> Bool, deadline: Double? = nil) -> Bool {
        wait(until: ready, deadline: deadline) { _, isReady in isReady }
    }

    private enum Step<Result> {
        case done(Result)
        case sleep(Int32)
    }

    /// Called holding the lock: each woken sleeper leaves the list and gets its own wake-up.
    private static func wake(_ wake: Wake, _ guarded: inout Guarded) {
        guard !guarded.sleeping.isEmpty else { return }
        let woken = wake == .all ? guarded.sleeping[...] : guarded.sleeping.prefix(1)
        var one: UInt64 = 1
        for fd in woken { _ = Glibc.write(fd, &one, 8) }
        guarded.sleeping.removeFirst(woken.count)
    }

    /// Blocks until this sleeper's eventfd is written or the deadline passes.
    private static func sleep(on fd: Int32, until deadline: Double?) {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let timeout = deadline.map { Int32(max(0, min(Double(Int32.max), ($0 - monotonicNow()) * 1000 + 1))) } ?? -1
        _ = poll(&poller, 1, timeout)
    }

    /// Empties an eventfd (non-blocking: nothing to read is fine).
    private static func drain(_ fd: Int32) {
        var value: UInt64 = 0
        _ = Glibc.read(fd, &value, 8)
    }
}
