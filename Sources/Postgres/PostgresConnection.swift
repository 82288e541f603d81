import CLibPQ

/// One libpq connection, used by one thread at a time. Statements run through `query` are
/// prepared once per connection and then only executed, or, in `.unnamed` mode (behind a
/// transaction pooler), sent with their text each time.
// Invariant: one borrower at a time; the pool's Monitor hands it from one thread to the next.
public final class PostgresConnection: @unchecked Sendable {
    private var connection: OpaquePointer?
    private var prepared: [String: String] = [:]
    private let url: String
    public let statements: StatementMode

    /// Opens a connection to a libpq URI or conninfo string. With several hosts in it, libpq
    /// tries them in order (and `target_session_attrs` picks the one that takes writes).
    public init(url: String, connectTimeout: Int = 3, statements: StatementMode = .prepared) throws {
        self.url = url
        self.statements = statements
        let keywords = ["dbname", "connect_timeout", "application_name"]
        let values = [url, String(connectTimeout), "insikt"]
        connection = withCStrings(keywords) { k in withCStrings(values) { v in PQconnectdbParams(k, v, 1) } }
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let message = connection.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            if let connection { PQfinish(connection) }
            self.connection = nil
            throw PostgresError(kind: .connection, message: message)
        }
        PQsetNoticeReceiver(connection, { _, _ in }, nil)
    }

    deinit {
        if let connection { PQfinish(connection) }
    }

    /// False once the connection has broken; the pool then replaces it.
    public var isHealthy: Bool {
        guard let connection else { return false }
        return PQstatus(connection) == CONNECTION_OK
    }

    /// Runs one parameterised statement (prepared on first use on this connection, unless the
    /// mode is `.unnamed`).
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresEncodable?] = []) throws -> PostgresResult {
        let connection = try live()
        let texts = parameters.map { $0?.postgresText }
        if statements == .unnamed {
            let result = withOptionalCStrings(texts) { values in
                PQexecParams(connection, sql, Int32(texts.count), nil, values, nil, nil, 0)
            }
            return try check(result, expect: nil)
        }
        var name = prepared[sql]
        if name == nil {
            let newName = "s\(prepared.count + 1)"
            let result = PQprepare(connection, newName, sql, Int32(parameters.count), nil)
            try check(result, expect: PGRES_COMMAND_OK)
            prepared[sql] = newName
            name = newName
        }
        let result = withOptionalCStrings(texts) { values in
            PQexecPrepared(connection, name!, Int32(texts.count), values, nil, nil, 0)
        }
        return try check(result, expect: nil)
    }

    /// Runs SQL text without parameters, several statements allowed (migrations, BEGIN/COMMIT).
    public func execute(_ sql: String) throws {
        let connection = try live()
        try check(PQexec(connection, sql), expect: nil)
    }

    /// `COPY ... FROM STDIN`: `produce` writes the rows through the writer; returns the row count.
    @discardableResult
    public func copyIn(_ sql: String, _ produce: (CopyWriter) throws -> Void) throws -> Int {
        let connection = try live()
        try check(PQexec(connection, sql), expect: PGRES_COPY_IN)
        let writer = CopyWriter(connection: connection)
        do {
            try produce(writer)
            try writer.flush()
        } catch {
            PQputCopyEnd(connection, "aborted by the client")
            while let result = PQgetResult(connection) { PQclear(result) }
            throw error
        }
        guard PQputCopyEnd(connection, nil) == 1 else { throw connectionError() }
        var firstError: Error?
        var rows = 0
        while let result = PQgetResult(connection) {
            do {
                rows = try check(result, expect: PGRES_COMMAND_OK).affectedRows
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return rows
    }

    func live() throws -> OpaquePointer {
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            throw PostgresError(kind: .connection, message: "the connection to the database is closed")
        }
        return connection
    }

    func connectionError() -> PostgresError {
        let message = connection.map { String(cString: PQerrorMessage($0)) } ?? "no connection"
        return PostgresError(kind: .connection, message: message)
    }

    @discardableResult
    func check(_ result: OpaquePointer?, expect: ExecStatusType?) throws -> PostgresResult {
        guard let result else { throw connectionError() }
        let status = PQresultStatus(result)
        let ok = expect.map { status == $0 } ?? (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN)
        if ok { return PostgresResult(result) }
        defer { PQclear(result) }
        let error = PostgresError(failed: result, connection: connection)
        if error.kind == .connection { prepared.removeAll() }
        throw error
    }
}

/// Buffers COPY data and hands it to libpq in large pieces.
public final class CopyWriter {
    private let connection: OpaquePointer
    private var buffer: [UInt8] = []
    private let flushAt = 64 * 1024

    init(connection: OpaquePointer) {
        self.connection = connection
        buffer.reserveCapacity(flushAt + 4096)
    }

    public func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushAt { try flush() }
    }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= flushAt { try flush() }
    }

    /// Appends directly to the buffer; call `flushIfFull` after.
    public func append(_ body: (inout [UInt8]) -> Void) throws {
        body(&buffer)
        if buffer.count >= flushAt { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        let status = buffer.withUnsafeBytes {
            PQputCopyData(connection, $0.baseAddress!.assumingMemoryBound(to: CChar.self), Int32($0.count))
        }
        guard status == 1 else {
            throw PostgresError(kind: .connection, message: String(cString: PQerrorMessage(connection)))
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

#if canImport(Glibc)
import Glibc
#endif
