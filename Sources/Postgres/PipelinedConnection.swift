import Locks
import CLibPQ
import Glibc

/// Watches a socket for whoever owns a `PipelinedConnection` (an event loop). `watch` adds the
/// socket or changes its interest; `wakeUp` asks for a `flush` call no later than `deadline`
/// (monotonic seconds), for a retry. All are called on the owner's thread only.
public protocol PostgresSocketWatcher: AnyObject {
    func watch(_ fd: Int32, writable: Bool)
    func unwatch(_ fd: Int32)
    func wakeUp(at deadline: Double)
}

/// One libpq connection in non-blocking pipeline mode, owned by one thread (an event loop): many
/// one-statement queries in flight at once, each answered through its callback on that thread.
/// Queries queued between two `flush` calls leave together, closed by one Sync, so PostgreSQL
/// reads them in one go and answers them in one go. In `.unnamed` mode (behind a transaction
/// pooler) only one batch is in flight at a time: PgBouncer 1.18 hands the server connection back
/// at the first ReadyForQuery, so the answers of a second batch sent meanwhile would be dropped
/// and later answers taken for theirs. Queries made meanwhile wait and leave as the next batch.
///
/// The owner calls `socketReady` when the watched socket is ready and `flush` once per turn of its
/// loop. Nothing here blocks, connecting included.
///
/// Retries follow the pool's rule: a statement whose connection was lost, or could not be made, is
/// tried again after an exponential back-off, `maxAttempts` tries in all, then fails with the
/// connection error (statements here are single reads, safe to run twice).
public final class PipelinedConnection {
    public typealias Completion = (Result<PostgresResult, PostgresError>) -> Void

    private struct Query {
        let sql: String
        let texts: [String?]
        let completion: Completion
        /// Tries that failed for want of a connection.
        var failures = 0
        /// Not before this (monotonic seconds): the back-off.
        var notBefore = 0.0
        /// Sent again once after a statement of its batch failed.
        var resentAfterAbort = false
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
        /// No connection; one is made when a waiting query's back-off is over.
        case broken
    }

    private let url: String
    private let statements: StatementMode
    private unowned let watcher: PostgresSocketWatcher
    private let connectTimeout: Double
    private let maxAttempts: Int
    private let retryBaseDelay: Double
    private var connection: OpaquePointer?
    /// Counts connections lost, so a caller can tell its connection went away under it.
    private var generation = 0
    private var socket: Int32 = -1
    private var state = State.broken
    private var prepared: [String: String] = [:]
    /// Names given on this connection, so a name is never given twice (a failed one is forgotten).
    private var namesGiven = 0
    /// Queries waiting for the connection to come up.
    private var waiting: [Query] = []
    /// Failed queries whose completions run at the next `flush`.
    private var failed: [(Query, PostgresError)] = []
    private var steps: [Step] = []
    private var head = 0
    /// The first result of the step at `head`, held until its closing NULL.
    private var current: OpaquePointer?
    private var unsynced = false
    /// A Sync was sent whose answer has not been read yet (tracked in `.unnamed` mode only).
    private var batchInFlight = false
    /// `.unnamed` mode: queries made while a batch is in flight, sent once its Sync is answered.
    private var held: [Query] = []
    /// `.unnamed` mode: the text of the unnamed statement parsed in the batch being queued.
    private var unnamedSQL: String?
    /// A Parse of the batch being read that failed: the queries of its text were skipped, and
    /// fail with its error.
    private var failedParse: (sql: String, error: PostgresError)?
    private var lastError = "not connected yet"
    /// The hosts of a multi-host URL, and the one the next attempt starts at.
    private let hosts: HostList?
    private var firstHost = 0

    public init(url: String, watcher: PostgresSocketWatcher, connectTimeout: Double = 3, maxAttempts: Int = 4,
                retryBaseDelay: Double = 0.02, statements: StatementMode = .prepared) {
        self.url = url
        self.statements = statements
        self.watcher = watcher
        self.connectTimeout = connectTimeout
        self.maxAttempts = max(1, maxAttempts)
        self.retryBaseDelay = retryBaseDelay
        hosts = HostList(url: url)
    }

    deinit {
        if let current { PQclear(current) }
        if let connection { PQfinish(connection) }
    }

    /// Queues one parameterised statement (prepared on first use on this connection, unless the
    /// mode is `.unnamed`). The
    /// completion runs later, on the owner's thread, never from inside this call.
    public func query(_ sql: String, _ parameters: [PostgresEncodable?], _ completion: @escaping Completion) {
        let query = Query(sql: sql, texts: parameters.map { $0?.postgresText }, completion: completion)
        switch state {
        case .ready:
            send(query)
        case .connecting:
            waiting.append(query)
        case .broken:
            waiting.append(query)
            connect()
        }
    }

    /// Sends what was queued since the last call; the owner calls it once per turn of its loop.
    public func flush() {
        let now = monotonicNow()
        if case let .connecting(since) = state, now - since > connectTimeout {
            lastError = "could not connect within \(connectTimeout) s"
            startNextAttemptAfterCurrentHost()
            breakDown()
        }
        if case .broken = state, let due = waiting.map(\.notBefore).min(), due <= now { connect() }
        // Still no connection (the attempt failed at once): wake for the next back-off's end.
        if case .broken = state, let due = waiting.map(\.notBefore).min() { watcher.wakeUp(at: due) }
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
            batchInFlight = statements == .unnamed
            unnamedSQL = nil
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
        // Keywords after the connection string override its values.
        let rotated = hosts?.keywords(startingAt: firstHost) ?? []
        let keywords = ["dbname", "application_name"] + rotated.map(\.0)
        let values = [url, "insikt"] + rotated.map(\.1)
        let started = withCStrings(keywords) { k in withCStrings(values) { v in PQconnectStartParams(k, v, 1) } }
        guard let started, PQstatus(started) != CONNECTION_BAD else {
            lastError = started.map { String(cString: PQerrorMessage($0)).trimmingCharacters() } ?? "out of memory"
            if let started { PQfinish(started) }
            return failWaitingTry()
        }
        connection = started
        state = .connecting(since: monotonicNow())
        PQsetNoticeReceiver(started, { _, _ in }, nil)
        socket = PQsocket(started)
        // A fresh connection waits to write (libpq's documented first step of PQconnectPoll).
        watcher.watch(socket, writable: true)
    }

    /// The attempt hung on one host: the next one starts at the host after it.
    private func startNextAttemptAfterCurrentHost() {
        guard let hosts, let connection else { return }
        let current = PQhost(connection).map { String(cString: $0) }
        firstHost = (current.flatMap(hosts.index(of:)) ?? firstHost) + 1
    }

    private func continueConnecting() {
        guard let connection else { return }
        // libpq closes the socket when a host fails and opens another for the next host of the
        // URL, often under the same number: the old one leaves the watch before it may close, so
        // the new one is always added afresh (epoll forgets a closed descriptor by itself).
        if socket >= 0 { watcher.unwatch(socket) }
        let poll = PQconnectPoll(connection)
        socket = PQsocket(connection)
        switch poll {
        case PGRES_POLLING_OK:
            guard PQsetnonblocking(connection, 1) == 0, PQenterPipelineMode(connection) == 1 else { return breakDown() }
            state = .ready
            prepared.removeAll()
            namesGiven = 0
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
        if batchInFlight { return held.append(query) }
        guard let name = statement(for: query, on: connection) else {
            steps.append(.query(query))
            return breakDown()
        }
        let sent = withOptionalCStrings(query.texts) { values in
            PQsendQueryPrepared(connection, name, Int32(query.texts.count), values, nil, nil, 0)
        }
        steps.append(.query(query))
        unsynced = true
        if sent != 1 { breakDown() }
    }

    /// The name of the statement that runs `query`, its Parse queued first when needed: once per
    /// connection under a name of its own (`.prepared`); in `.unnamed` mode once per batch and run
    /// of the same text, as the unnamed statement lives until the next Parse and PgBouncer runs a
    /// batch on one server connection (after five runs PostgreSQL may also keep a generic plan).
    /// Nil when the Parse could not be queued.
    private func statement(for query: Query, on connection: OpaquePointer) -> String? {
        let name: String
        switch statements {
        case .prepared:
            if let known = prepared[query.sql] { return known }
            namesGiven += 1
            name = "p\(namesGiven)"
            prepared[query.sql] = name
        case .unnamed:
            if unnamedSQL == query.sql { return "" }
            name = ""
            unnamedSQL = query.sql
        }
        guard PQsendPrepare(connection, name, query.sql, Int32(query.texts.count), nil) == 1 else { return nil }
        steps.append(.prepare(sql: query.sql))
        return name
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
                failedParse = nil
                batchInFlight = false
                let next = held
                held.removeAll()
                next.forEach(send)
                guard generation == reading else { return }
            case let .prepare(sql):
                if let result {
                    if PQresultStatus(result) != PGRES_COMMAND_OK {
                        prepared[sql] = nil
                        let error = PostgresError(failed: result, connection: connection)
                        if !error.isUnavailable { failedParse = (sql, error) }
                    }
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
            if let failedParse, failedParse.sql == query.sql { return query.completion(.failure(failedParse.error)) }
            guard !query.resentAfterAbort else {
                return query.completion(.failure(PostgresError(kind: .server, message: "the statement was not run: "
                    + "an earlier one of its batch failed, twice")))
            }
            var again = query
            again.resentAfterAbort = true
            send(again)
        default:
            let error = PostgresError(failed: result, connection: connection)
            PQclear(result)
            guard error.isUnavailable else { return query.completion(.failure(error)) }
            // The server reports its own end (57P01 and kin) while libpq may still call the
            // connection fine: it is dropped, and the query is tried again like those in flight.
            retryOrFail(query, error, now: monotonicNow())
            breakDown()
        }
    }

    // MARK: failure

    /// The connection is lost, or could not be made. Queries in flight, and those that waited for
    /// the connection, count a failed try: they wait out their back-off, or fail at the next
    /// `flush` once `maxAttempts` tries have failed.
    private func breakDown() {
        if let connection {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters()
            if !message.isEmpty { lastError = message }
        }
        let wasConnecting: Bool
        if case .connecting = state { wasConnecting = true } else { wasConnecting = false }
        if socket >= 0 { watcher.unwatch(socket) }
        if let current { PQclear(current) }
        current = nil
        if let connection { PQfinish(connection) }
        connection = nil
        generation += 1
        socket = -1
        let error = PostgresError(kind: .connection, message: lastError)
        let now = monotonicNow()
        for case let .query(query) in steps[head...] { retryOrFail(query, error, now: now) }
        steps.removeAll()
        head = 0
        unsynced = false
        batchInFlight = false
        unnamedSQL = nil
        failedParse = nil
        // Never sent: they wait for the next connection without counting a failed try.
        waiting.append(contentsOf: held)
        held.removeAll()
        if wasConnecting { failWaitingTry() } else { state = .broken }
    }

    /// A connection attempt failed: each waiting query whose back-off was over counts a try.
    private func failWaitingTry() {
        state = .broken
        let error = PostgresError(kind: .connection, message: lastError)
        let now = monotonicNow()
        let queued = waiting
        waiting.removeAll()
        for query in queued {
            if query.notBefore <= now { retryOrFail(query, error, now: now) } else { waiting.append(query) }
        }
    }

    private func retryOrFail(_ query: Query, _ error: PostgresError, now: Double) {
        var query = query
        query.failures += 1
        guard query.failures < maxAttempts else { return failed.append((query, error)) }
        query.notBefore = now + retryBaseDelay * Double(1 << (query.failures - 1)) * Double.random(in: 0.8...1.2)
        waiting.append(query)
    }
}
