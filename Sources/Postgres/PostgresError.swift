import CLibPQ

/// An error from libpq or the server, with its SQLSTATE when there is one.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// Could not connect, or the connection broke.
        case connection
        /// The server answered with an error.
        case server
        /// No connection became free within the pool's wait.
        case poolTimeout
    }

    public let kind: Kind
    public let sqlState: String?
    public let message: String
    /// The constraint named by a constraint violation, if any.
    public let constraint: String?

    public init(kind: Kind, sqlState: String? = nil, message: String, constraint: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.constraint = constraint
    }

    public var description: String {
        "\(kind) \(sqlState ?? "-"): \(message.trimmingCharacters())"
    }

    /// Worth retrying: the connection was lost, or serialization failure, deadlock, admin shutdown.
    public var isTransient: Bool {
        switch kind {
        case .connection, .poolTimeout: return true
        case .server:
            guard let sqlState else { return false }
            return ["40001", "40P01", "57P01", "57P02", "57P03", PostgresError.readOnly].contains(sqlState) || sqlState.hasPrefix("08")
        }
    }

    /// The database itself is unavailable (as opposed to a bad query). A write refused as
    /// read-only is too: the server reached is a standby, or a primary being promoted or demoted
    /// (a failover under way), and the next connection finds the primary.
    public var isUnavailable: Bool {
        kind == .connection || kind == .poolTimeout
            || sqlState.map { $0.hasPrefix("08") || $0.hasPrefix("57P") || $0 == PostgresError.readOnly } == true
    }

    /// read_only_sql_transaction
    static let readOnly = "25006"
}

extension PostgresError {
    /// The error a failed result reports. Without a SQLSTATE, or on a broken connection, it is a
    /// connection error.
    init(failed result: OpaquePointer, connection: OpaquePointer?) {
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        let constraint = PQresultErrorField(result, Int32(UInt8(ascii: "n"))).map { String(cString: $0) }
        var message = String(cString: PQresultErrorMessage(result))
        let healthy = connection.map { PQstatus($0) == CONNECTION_OK } ?? false
        if !healthy || state == nil {
            if message.isEmpty { message = connection.map { String(cString: PQerrorMessage($0)) } ?? "no connection" }
            self.init(kind: .connection, sqlState: state, message: message)
        } else {
            self.init(kind: .server, sqlState: state, message: message, constraint: constraint)
        }
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
