import HTTP

/// What `Insikt-Consistency` carries: a position in the primary's write-ahead log, written as
/// PostgreSQL writes an LSN (`16/B374D848`). A write's answer names the position its commit is
/// within; a read naming it is served only by a copy that has replayed that far.
public struct ConsistencyToken: Comparable, Sendable, CustomStringConvertible {
    public static let header = "Insikt-Consistency"

    /// Bytes from the start of the log.
    public let position: UInt64

    /// For a write whose commit's position could not be learnt (the primary went away right
    /// after it): no replica ever reaches it, so a read sending it back goes to the primary.
    public static let unknown = ConsistencyToken(position: .max)

    public init(position: UInt64) {
        self.position = position
    }

    /// `high/low`, each 1 to 8 hexadecimal digits.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ (1...8).contains($0.count) }),
              let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16) else { return nil }
        position = high << 32 | low
    }

    public var description: String {
        String(position >> 32, radix: 16, uppercase: true) + "/" + String(position & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    public static func < (a: ConsistencyToken, b: ConsistencyToken) -> Bool { a.position < b.position }

    /// The token a request sends back; nil without one. A malformed one is the client's mistake.
    static func of(_ request: Request) throws -> ConsistencyToken? {
        guard let text = request.headers[header]?.trimmingASCIIWhitespace(), !text.isEmpty else { return nil }
        guard let token = ConsistencyToken(text) else {
            throw HTTPError.badRequest("The \(header) header must be a token from the \(header) header of an answer to a write "
                                       + "(such as 0/16B3748), sent back unchanged; leave it out to read without one.")
        }
        return token
    }
}
