import Foundation
import Glibc
import Locks
import Locks

/// The HTTP server: one event loop per configured core, a worker pool for handlers, and
/// graceful shutdown.
public final class Server: Sendable {
    public let configuration: ServerConfiguration
    public let router: Router
    public let metrics: ServerMetrics
    /// Checks each routed request before its body is read; nil admits everyone (tests of the engine).
    public var gate: RequestGate? {
        get { running.withLock { $0.gate } }
        set { running.withLock { $0.gate = newValue } }
    }
    public var port: UInt16 { running.withLock { $0.port } }
    private struct Running {
        var gate: RequestGate?
        var port: UInt16 = 0
        var loops: [EventLoop] = []
        var workers: WorkerPool?
    }
    private let running = Monitor(Running())
    /// Loops whose thread has not ended yet.
    private let runningLoops = Monitor(0)

    public init(configuration: ServerConfiguration, router: Router) {
        self.configuration = configuration
        self.router = router
        self.metrics = ServerMetrics(stripes: configuration.eventLoops)
    }

    /// Binds and starts the loops; returns at once. `port` tells the bound port (useful with 0).
    public func start() throws {
        signal(SIGPIPE, SIG_IGN)
        Server.raiseOpenFileLimit()
        let workers = WorkerPool(threads: configuration.workerThreads, queueLimit: configuration.workerQueueLimit)
        let context = ServerContext(configuration: configuration, router: router, workers: workers, metrics: metrics, gate: gate)
        var boundPort = configuration.port
        var loops: [EventLoop] = []
        for index in 0..<max(1, configuration.eventLoops) {
            let fd = try Socket.listen(host: configuration.host, port: boundPort)
            if index == 0 { boundPort = Socket.localPort(fd) }
            loops.append(try EventLoop(index: index, context: context, listenFD: fd))
        }
        running.withLock { [loops, boundPort] running in
            running.workers = workers
            running.loops = loops
            running.port = boundPort
        }
        runningLoops.withLock { [count = loops.count] in $0 = count }
        for loop in loops {
            let thread = Thread { [runningLoops] in
                loop.run()
                runningLoops.withLock(wake: .all) { $0 -= 1 }
            }
            thread.name = "insikt-loop-\(loop.index)"
            thread.start()
        }
    }

    /// Stops accepting, lets in-flight requests finish within the grace period, closes the rest.
    public func shutdown() {
        let deadline = monotonicNow() + configuration.shutdownGrace
        let (loops, workers) = running.withLock { ($0.loops, $0.workers) }
        loops.forEach { $0.post(.shutdown) }
        let forced = !runningLoops.wait(until: { $0 == 0 }, deadline: deadline)
        if forced {
            loops.forEach { $0.post(.forceClose) }
            runningLoops.wait(until: { $0 == 0 })
        }
        workers?.stop(deadline: monotonicNow() + 1)
    }

    /// Blocks SIGINT and SIGTERM in this thread and every thread started after; call first thing.
    public static func blockTerminationSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits for SIGINT or SIGTERM (blocked beforehand) and returns its number.
    public static func waitForTerminationSignal() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        var received: Int32 = 0
        sigwait(&set, &received)
        return received
    }

    private static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }
}
