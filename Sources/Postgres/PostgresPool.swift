import Locks
import Glibc

/// A bounded set of connections. A caller waits at most `acquireTimeout` for one; broken ones are
/// replaced on the next use, so the pool heals by itself when the database comes back.
public final class PostgresPool: Sendable {
    public struct Configuration: Sendable {
        public var url: String
        public var size = 8
        public var acquireTimeout = 2.0
        public var connectTimeout = 3
        /// Attempts of a transaction when it fails transiently (1 = no retry).
        public var maxAttempts = 4
        /// First back-off before a retry; it doubles each time.
        public var retryBaseDelay = 0.02
        /// `.unnamed` behind a transaction pooler (PgBouncer in transaction mode).
        public var statements = StatementMode.prepared

        public init(url: String) {
            self.url = url
        }
    }

    public let configuration: Configuration
    private struct Connections {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiting = 0
    }
    private let connections = Monitor(Connections())

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Lends a connection for the closure's duration.
    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try acquire()
        do {
            let value = try body(connection)
            release(connection)
            return value
        } catch let error as PostgresError where error.isUnavailable {
            // The server may report a crash or shutdown (57P0x) while libpq still calls the
            // connection fine; it is not, so it is not lent again.
            discard()
            throw error
        } catch {
            release(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction, retrying transient failures (connection lost, 40001, 40P01,
    /// 57P01) with exponential back-off up to `maxAttempts`.
    /// `retry: false` for work that cannot run twice (it consumed a request body).
    public func transaction<T>(isolation: String? = nil, retry: Bool = true, _ body: (PostgresConnection) throws -> T) throws -> T {
        try retrying(maxAttempts: retry ? configuration.maxAttempts : 1) {
            try withConnection { connection in
                try connection.execute(isolation.map { "BEGIN ISOLATION LEVEL \($0)" } ?? "BEGIN")
                do {
                    let value = try body(connection)
                    try connection.execute("COMMIT")
                    return value
                } catch {
                    if connection.isHealthy { try? connection.execute("ROLLBACK") }
                    throw error
                }
            }
        }
    }

    /// Runs `body` again while it fails transiently, at most `maxAttempts` times in all.
    public func retrying<T>(maxAttempts: Int? = nil, _ body: () throws -> T) throws -> T {
        var attempt = 1
        let maxAttempts = maxAttempts ?? configuration.maxAttempts
        while true {
            do {
                return try body()
            } catch let error as PostgresError where error.isTransient && attempt < maxAttempts {
                let delay = configuration.retryBaseDelay * Double(1 << (attempt - 1))
                let jitter = Double.random(in: 0.8...1.2)
                usleep(UInt32(delay * jitter * 1_000_000))
                attempt += 1
            }
        }
    }

    public struct Statistics: Sendable {
        public let size: Int
        public let open: Int
        public let idle: Int
        public let waiting: Int
    }

    public var statistics: Statistics {
        connections.withLock { Statistics(size: configuration.size, open: $0.open, idle: $0.idle.count, waiting: $0.waiting) }
    }

    private enum Lent {
        case idle(PostgresConnection)
        case openNew
        case timedOut
    }

    private func acquire() throws -> PostgresConnection {
        let deadline = monotonicNow() + configuration.acquireTimeout
        let size = configuration.size
        while true {
            var counted = false
            let lent = connections.wait(until: { connections in
                if !connections.idle.isEmpty || connections.open < size { return true }
                if !counted { connections.waiting += 1 }  // it sleeps: counted as waiting until it wakes
                counted = true
                return false
            }, deadline: deadline) { connections, ready -> Lent in
                if counted { connections.waiting -= 1 }
                if let connection = connections.idle.popLast() { return .idle(connection) }
                guard ready else { return .timedOut }
                connections.open += 1
                return .openNew
            }
            switch lent {
            case let .idle(connection):
                if connection.isHealthy { return connection }
                discard()
            case .openNew:
                do {
                    return try PostgresConnection(url: configuration.url, connectTimeout: configuration.connectTimeout,
                                                  statements: configuration.statements)
                } catch {
                    discard()
                    throw error
                }
            case .timedOut:
                throw PostgresError(kind: .poolTimeout, message: "no database connection became free in \(configuration.acquireTimeout) s")
            }
        }
    }

    private func release(_ connection: PostgresConnection) {
        guard connection.isHealthy else { discard(); return }
        connections.withLock(wake: .one) { $0.idle.append(connection) }
    }

    private func discard() {
        connections.withLock(wake: .one) { $0.open -= 1 }
    }
}

