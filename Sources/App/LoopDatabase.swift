import HTTP
import Postgres

/// An event loop's own database connection, for non-blocking handlers: libpq's pipeline mode on
/// the loop's epoll. Queries of one turn of the loop go out together at its end.
final class LoopDatabase: PostgresSocketWatcher {
    private unowned let loop: EventLoop
    private(set) var connection: PipelinedConnection!

    init(_ pool: PostgresPool.Configuration, loop: EventLoop) {
        self.loop = loop
        connection = PipelinedConnection(url: pool.url, watcher: self, connectTimeout: Double(pool.connectTimeout),
                                         maxAttempts: pool.maxAttempts, retryBaseDelay: pool.retryBaseDelay,
                                         statements: pool.statements)
        loop.atEndOfEachTurn { [unowned self] in connection.flush() }
    }

    private lazy var socketReady: () -> Void = { [unowned self] in connection.socketReady() }

    func watch(_ fd: Int32, writable: Bool) {
        loop.watch(fd, writable: writable, socketReady)
    }

    func unwatch(_ fd: Int32) {
        loop.unwatch(fd)
    }

    func wakeUp(at deadline: Double) {
        loop.wakeUp(at: deadline)
    }
}
