import Foundation
import Glibc

/// The HTTP server: one event loop per configured core, a worker pool for handlers, and
/// graceful shutdown.
public final class Server: @unchecked Sendable {
    public let configuration: ServerConfiguration
    public let router: Router
    public let metrics: ServerMetrics
    /// Checks each routed request before its body is read; nil admits everyone (tests of the engine).
    public var gate: RequestGate?
    public private(set) var port: UInt16 = 0
    private var loops: [EventLoop] = []
    private var workers: WorkerPool?
    private let exitLock = ConditionLock()
    private var runningLoops = 0

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
        self.workers = workers
        let context = ServerContext(configuration: configuration, router: router, workers: workers, metrics: metrics, gate: gate)
        var boundPort = configuration.port
        for index in 0..<max(1, configuration.eventLoops) {
            let fd = try Socket.listen(host: configuration.host, port: boundPort)
            if index == 0 { boundPort = Socket.localPort(fd) }
            loops.append(try EventLoop(index: index, context: context, listenFD: fd))
        }
        port = boundPort
        runningLoops = loops.count
        for loop in loops {
            let thread = Thread { [self] in
                loop.run()
                exitLock.withLock {
                    runningLoops -= 1
                    exitLock.broadcast()
                }
            }
            thread.name = "insikt-loop-\(loop.index)"
            thread.start()
        }
    }

    /// Stops accepting, lets in-flight requests finish within the grace period, closes the rest.
    public func shutdown() {
        let deadline = monotonicNow() + configuration.shutdownGrace
        loops.forEach { $0.post(.shutdown) }
        exitLock.lock()
        while runningLoops > 0 {
            if !exitLock.wait(until: deadline) && monotonicNow() >= deadline { break }
        }
        let forced = runningLoops > 0
        exitLock.unlock()
        if forced {
            loops.forEach { $0.post(.forceClose) }
            exitLock.withLock {
                while runningLoops > 0 { exitLock.wait(until: monotonicNow() + 1) }
            }
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
