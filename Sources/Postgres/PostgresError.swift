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
            return ["40001", "40P01", "57P01", "57P02", "57P03"].contains(sqlState) || sqlState.hasPrefix("08")
        }
    }

    /// The database itself is unavailable (as opposed to a bad query).
    public var isUnavailable: Bool {
        kind == .connection || kind == .poolTimeout || sqlState.map { $0.hasPrefix("08") || $0.hasPrefix("57P") } == true
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
