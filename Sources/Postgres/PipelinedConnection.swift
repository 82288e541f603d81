import CLibPQ
import Glibc

/// Watches a socket for whoever owns a `PipelinedConnection` (an event loop). `watch` adds the
/// socket or changes its interest; both are called on the owner's thread only.
public protocol PostgresSocketWatcher: AnyObject {
    func watch(_ fd: Int32, writable: Bool)
    func unwatch(_ fd: Int32)
}

/// One libpq connection in non-blocking pipeline mode, owned by one thread (an event loop): many
/// one-statement queries in flight at once, each answered through its callback on that thread.
/// Queries queued between two `flush` calls leave together, closed by one Sync, so PostgreSQL
/// reads them in one go and answers them in one go.
///
/// The owner calls `socketReady` when the watched socket is ready and `flush` once per turn of its
/// loop. Nothing here blocks, connecting included.
public final class PipelinedConnection {
    public typealias Completion = (Result<PostgresResult, PostgresError>) -> Void

    private struct Query {
        let sql: String
        let texts: [String?]
        let completion: Completion
        var attempts: Int
    }

    /// What the next results in the pipeline belong to, in the order they were sent.
    private enum Step {
        case prepare(sql: String)
        case query(Query)
        case sync
    }

    private enum State {
        /// Since the given time; given up after `connectTimeout`.
        case connecting(since: Double)
        case ready
        /// Broken since the given time; a new connection is tried after `reconnectDelay`.
        case broken(since: Double)
    }

    private let url: String
    private unowned let watcher: PostgresSocketWatcher
    private let reconnectDelay: Double
    private let connectTimeout: Double
    private var connection: OpaquePointer?
    /// Counts connections lost, so a caller can tell its connection went away under it.
    private var generation = 0
    private var socket: Int32 = -1
    private var state = State.broken(since: -.infinity)
    private var prepared: [String: String] = [:]
    /// Queries waiting for the connection to come up.
    private var waiting: [Query] = []
    /// Failed queries whose completions run at the next `flush`.
    private var failed: [(Query, PostgresError)] = []
    private var steps: [Step] = []
    private var head = 0
    /// The first result of the step at `head`, held until its closing NULL.
    private var current: OpaquePointer?
    private var unsynced = false
    private var lastError = "not connected yet"

    public init(url: String, watcher: PostgresSocketWatcher, connectTimeout: Double = 3, reconnectDelay: Double = 0.5) {
        self.url = url
        self.watcher = watcher
        self.connectTimeout = connectTimeout
        self.reconnectDelay = reconnectDelay
    }

    deinit {
        if let current { PQclear(current) }
        if let connection { PQfinish(connection) }
    }

    /// Queues one parameterised statement (prepared on first use on this connection). The
    /// completion runs later, on the owner's thread, never from inside this call.
    public func query(_ sql: String, _ parameters: [PostgresEncodable?], _ completion: @escaping Completion) {
        let query = Query(sql: sql, texts: parameters.map { $0?.postgresText }, completion: completion, attempts: 0)
        switch state {
        case .ready:
            send(query)
        case .connecting:
            waiting.append(query)
        case let .broken(since):
            waiting.append(query)
            if monotonicSeconds() - since >= reconnectDelay { connect() }
        }
    }

    /// Sends what was queued since the last call; the owner calls it once per turn of its loop.
    public func flush() {
        if case let .connecting(since) = state, monotonicSeconds() - since > connectTimeout {
            lastError = "could not connect within \(connectTimeout) s"
            breakDown()
        }
        if case .broken = state, !waiting.isEmpty {
            let error = PostgresError(kind: .connection, message: lastError)
            failed += waiting.map { ($0, error) }
            waiting.removeAll()
        }
        if !failed.isEmpty {
            let failures = failed
            failed.removeAll()
            failures.forEach { query, error in query.completion(.failure(error)) }
        }
        guard case .ready = state, let connection else { return }
        if unsynced {
            unsynced = false
            guard PQpipelineSync(connection) == 1 else { return breakDown() }
            steps.append(.sync)
        }
        let status = PQflush(connection)
        if status < 0 { return breakDown() }
        watcher.watch(socket, writable: status == 1)
    }

    /// The watched socket is readable or writable (or has failed).
    public func socketReady() {
        guard let connection else { return }
        if case .connecting = state { return continueConnecting() }
        if PQconsumeInput(connection) == 0 { return breakDown() }
        let reading = generation
        readResults()
        // A failure while reading may have replaced the connection.
        guard generation == reading, case .ready = state else { return }
        let status = PQflush(connection)
        if status < 0 { return breakDown() }
        watcher.watch(socket, writable: status == 1)
    }

    // MARK: connecting

    private func connect() {
        let keywords = ["dbname", "application_name"]
        let values = [url, "insikt"]
        let started = withCStrings(keywords) { k in withCStrings(values) { v in PQconnectStartParams(k, v, 1) } }
        guard let started, PQstatus(started) != CONNECTION_BAD else {
            lastError = started.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            if let started { PQfinish(started) }
            return markBroken()
        }
        connection = started
        state = .connecting(since: monotonicSeconds())
        PQsetNoticeReceiver(started, { _, _ in }, nil)
        socket = PQsocket(started)
        // A fresh connection waits to write (libpq's documented first step of PQconnectPoll).
        watcher.watch(socket, writable: true)
    }

    private func continueConnecting() {
        guard let connection else { return }
        let before = socket
        let poll = PQconnectPoll(connection)
        socket = PQsocket(connection)
        if socket != before && before >= 0 { watcher.unwatch(before) }
        switch poll {
        case PGRES_POLLING_OK:
            guard PQsetnonblocking(connection, 1) == 0, PQenterPipelineMode(connection) == 1 else { return breakDown() }
            state = .ready
            prepared.removeAll()
            let queued = waiting
            waiting.removeAll()
            queued.forEach(send)
            flush()
        case PGRES_POLLING_READING:
            watcher.watch(socket, writable: false)
        case PGRES_POLLING_WRITING:
            watcher.watch(socket, writable: true)
        default:
            breakDown()
        }
    }

    // MARK: sending and reading

    private func send(_ query: Query) {
        guard case .ready = state, let connection else {
            waiting.append(query)
            return
        }
        var name = prepared[query.sql]
        if name == nil {
            let newName = "p\(prepared.count + 1)"
            guard PQsendPrepare(connection, newName, query.sql, Int32(query.texts.count), nil) == 1 else {
                steps.append(.query(query))
                return breakDown()
            }
            steps.append(.prepare(sql: query.sql))
            prepared[query.sql] = newName
            name = newName
        }
        let sent = withOptionalCStrings(query.texts) { values in
            PQsendQueryPrepared(connection, name!, Int32(query.texts.count), values, nil, nil, 0)
        }
        steps.append(.query(query))
        unsynced = true
        if sent != 1 { breakDown() }
    }

    private func readResults() {
        guard let connection else { return }
        let reading = generation
        while head < steps.count && PQisBusy(connection) == 0 {
            let result = PQgetResult(connection)
            switch steps[head] {
            case .sync:
                if let result { PQclear(result) }
                advance()
            case let .prepare(sql):
                if let result {
                    if PQresultStatus(result) != PGRES_COMMAND_OK { prepared[sql] = nil }
                    PQclear(result)
                } else {
                    advance()
                }
            case let .query(query):
                if let result {
                    if current == nil { current = result } else { PQclear(result) }
                } else {
                    let first = current
                    current = nil
                    advance()
                    finish(query, first)
                    guard generation == reading else { return }
                }
            }
        }
    }

    private func advance() {
        head += 1
        if head == steps.count {
            steps.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    private func finish(_ query: Query, _ result: OpaquePointer?) {
        guard let result else {
            return query.completion(.failure(PostgresError(kind: .connection, message: "the query got no result")))
        }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
            query.completion(.success(PostgresResult(result)))
        case PGRES_PIPELINE_ABORTED:
            // An earlier statement of the same batch failed; this one never ran.
            PQclear(result)
            guard query.attempts == 0 else {
                return query.completion(.failure(PostgresError(kind: .server, message: "the statement was not run: "
                    + "an earlier one of its batch failed, twice")))
            }
            var again = query
            again.attempts += 1
            send(again)
        default:
            let error = PostgresError(failed: result, connection: connection)
            PQclear(result)
            guard error.isUnavailable else { return query.completion(.failure(error)) }
            // The server reports its own end (57P01 and kin) while libpq may still call the
            // connection fine: it is dropped, and the query gets its second try on a new one.
            if query.attempts == 0 {
                var again = query
                again.attempts += 1
                waiting.append(again)
            } else {
                failed.append((query, error))
            }
            breakDown()
        }
    }

    // MARK: failure

    /// The connection is lost. Queries in flight get one more try on a new connection (they are
    /// single statements, safe to run again); those that had it, or were waiting for a connection
    /// that never came up, fail at the next `flush`.
    private func breakDown() {
        if let connection {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters()
            if !message.isEmpty { lastError = message }
        }
        let error = PostgresError(kind: .connection, message: lastError)
        if case .connecting = state {
            failed += waiting.map { ($0, error) }
            waiting.removeAll()
        }
        if socket >= 0 { watcher.unwatch(socket) }
        if let current { PQclear(current) }
        current = nil
        if let connection { PQfinish(connection) }
        connection = nil
        generation += 1
        socket = -1
        for case var .query(query) in steps[head...] {
            if query.attempts == 0 {
                query.attempts += 1
                waiting.append(query)
            } else {
                failed.append((query, error))
            }
        }
        steps.removeAll()
        head = 0
        unsynced = false
        markBroken()
        if !waiting.isEmpty { connect() }
    }

    private func markBroken() {
        state = .broken(since: monotonicSeconds())
    }
}
