import Identity
import Locks
import Synchronization

/// A key as the gate holds it in memory: no database round trip per request.
final class CachedKey: Sendable {
    let id: String
    let name: String
    let role: Role
    let hash: [UInt8]
    /// Unix seconds.
    let expiresAt: Double?
    let revoked: Bool
    /// Unix seconds of the last admitted request, written to the database now and then.
    let lastUsed = Atomic<Int64>(0)
    let bucket = Monitor(TokenBucket())

    init(id: String, name: String, role: Role, hash: [UInt8], expiresAt: Double?, revoked: Bool) {
        self.id = id
        self.name = name
        self.role = role
        self.hash = hash
        self.expiresAt = expiresAt
        self.revoked = revoked
    }

    /// The same key with newer facts (revoked, renamed), keeping its use and bucket.
    func sameSecret(as other: CachedKey) -> Bool { hash == other.hash }
}
