import Foundation
import Glibc
import Locks

/// The HTTP server: one event loop per configured core, a worker pool for handlers, and
/// graceful shutdown.
public final class Server: Sendable {
    public let configuration: ServerConfiguration
    public let responder: any Responder
    public let metrics: ServerMetrics
    public var port: UInt16 { running.withLock { $0.port } }
    private struct Running {
        var port: UInt16 = 0
        var loops: [EventLoop] = []
        var workers: WorkerPool?
    }
    private let running = Monitor(Running())
    /// Loops whose thread has not ended yet.
    private let runningLoops = Monitor(0)

    /// `metrics` is made by the caller when its routes report them (`ServerMetrics(stripes:)` with
    /// the configuration's `eventLoops`).
    public init(configuration: ServerConfiguration, responder: any Responder, metrics: ServerMetrics? = nil) {
        self.configuration = configuration
        self.responder = responder
        self.metrics = metrics ?? ServerMetrics(stripes: configuration.eventLoops)
    }

    /// Binds and starts the loops; returns at once. `port` tells the bound port (useful with 0).
    public func start() throws {
        signal(SIGPIPE, SIG_IGN)
        Server.raiseOpenFileLimit()
        let workers = WorkerPool(threads: configuration.workerThreads, queueLimit: configuration.workerQueueLimit)
        let context = ServerContext(configuration: configuration, responder: responder, workers: workers, metrics: metrics)
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
