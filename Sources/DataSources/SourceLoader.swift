import Identity
import Postgres

/// The domain's own upload or import, as a run hands it a pulled body. Implemented by the
/// application (which knows the domains); this module knows only that it is all or nothing.
public protocol SourceLoader: Sendable {
    /// Loads `read`'s body as `kind` in one transaction, or throws the `HTTPError` the upload or
    /// import would have answered (nothing stored). `progress` gets rows, bytes read and the share
    /// done, and may throw to stop (a cancel). `beforeCommit` runs inside the transaction, last,
    /// with the result as JSON (`{"rows", "inserted", "updated"}` or `{"import_id", "href"}`).
    func load(kind: SourceKind, expectedBytes: Int64?, read: () throws -> [UInt8]?, origin: EventOrigin?,
              progress: @escaping (_ rows: Int, _ bytes: Int64, _ fraction: Double, _ phase: String) throws -> Void,
              beforeCommit: (PostgresConnection, _ result: [UInt8]) throws -> Void) throws
}
