import Glibc

/// A bounded set of connections. A caller waits at most `acquireTimeout` for one; broken ones are
/// replaced on the next use, so the pool heals by itself when the database comes back.
public final class PostgresPool: @unchecked Sendable {
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
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var waiting = 0
    private var mutex = pthread_mutex_t()
    private var available = pthread_cond_t()

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&available, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&available)
        pthread_mutex_destroy(&mutex)
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
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return Statistics(size: configuration.size, open: open, idle: idle.count, waiting: waiting)
    }

    private func acquire() throws -> PostgresConnection {
        let deadline = monotonicSeconds() + configuration.acquireTimeout
        pthread_mutex_lock(&mutex)
        while true {
            if let connection = idle.popLast() {
                pthread_mutex_unlock(&mutex)
                if connection.isHealthy { return connection }
                discard()
                pthread_mutex_lock(&mutex)
                continue
            }
            if open < configuration.size {
                open += 1
                pthread_mutex_unlock(&mutex)
                do {
                    return try PostgresConnection(url: configuration.url, connectTimeout: configuration.connectTimeout,
                                                  statements: configuration.statements)
                } catch {
                    discard()
                    throw error
                }
            }
            var ts = timespec()
            ts.tv_sec = Int(deadline)
            ts.tv_nsec = Int((deadline - Double(Int(deadline))) * 1e9)
            waiting += 1
            let status = pthread_cond_timedwait(&available, &mutex, &ts)
            waiting -= 1
            if status == ETIMEDOUT && idle.isEmpty && open >= configuration.size {
                pthread_mutex_unlock(&mutex)
                throw PostgresError(kind: .poolTimeout, message: "no database connection became free in \(configuration.acquireTimeout) s")
            }
        }
    }

    private func release(_ connection: PostgresConnection) {
        guard connection.isHealthy else { discard(); return }
        pthread_mutex_lock(&mutex)
        idle.append(connection)
        pthread_cond_signal(&available)
        pthread_mutex_unlock(&mutex)
    }

    private func discard() {
        pthread_mutex_lock(&mutex)
        open -= 1
        pthread_cond_signal(&available)
        pthread_mutex_unlock(&mutex)
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
