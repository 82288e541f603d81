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
        /// Threads between "not ready yet" and their re-check.
        var sleepers = 0
        /// Wake-ups written to the eventfd and not read yet.
        var pending = 0
        /// A semaphore-mode eventfd (each read takes one wake-up), made when a thread first sleeps:
        /// most monitors (a request body read at once) never need one.
        var wakeFD: Int32 = -1
    }

    private let guarded: Mutex<Guarded>

    public init(_ state: sending State) {
        guarded = Mutex(Guarded(state: state))
    }

    deinit {
        let fd = guarded.withLock { $0.wakeFD }
        if fd >= 0 { close(fd) }
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
        var sleeping = false
        var tookWakeUp = false
        while true {
            let step = try guarded.withLock { (guarded: inout sending Guarded) throws(E) -> sending Step<R> in
                ThreadSanitizer.acquire?(identity)
                defer { ThreadSanitizer.release?(identity) }
                if sleeping {
                    guarded.sleepers -= 1
                    if tookWakeUp { guarded.pending -= 1 }
                }
                let isReady = ready(&guarded.state)
                if isReady || deadline.map({ monotonicNow() >= $0 }) == true {
                    defer { if let wake { Self.wake(wake, &guarded) } }
                    return .done(try body(&guarded.state, isReady))
                }
                if guarded.wakeFD < 0 {
                    guarded.wakeFD = eventfd(0, Int32(EFD_SEMAPHORE) | Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
                    precondition(guarded.wakeFD >= 0, "eventfd failed: \(errno)")
                }
                guarded.sleepers += 1
                return .sleep(guarded.wakeFD)
            }
            switch step {
            case let .done(result):
                return result
            case let .sleep(fd):
                sleeping = true
                tookWakeUp = Self.sleep(on: fd, until: deadline)
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

    private static func wake(_ wake: Wake, _ guarded: inout Guarded) {
        let unwoken = guarded.sleepers - guarded.pending
        guard unwoken > 0 else { return }
        var count = UInt64(wake == .all ? unwoken : 1)
        guarded.pending += Int(count)
        _ = Glibc.write(guarded.wakeFD, &count, 8)
    }

    /// Blocks until a wake-up arrives or the deadline passes; returns whether it took one.
    private static func sleep(on wakeFD: Int32, until deadline: Double?) -> Bool {
        var poller = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
        let timeout = deadline.map { Int32(max(0, min(Double(Int32.max), ($0 - monotonicNow()) * 1000 + 1))) } ?? -1
        guard poll(&poller, 1, timeout) > 0 else { return false }
        var value: UInt64 = 0
        return Glibc.read(wakeFD, &value, 8) == 8
    }
}
