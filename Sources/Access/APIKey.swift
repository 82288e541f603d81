import Identity
/// A key as listed: everything but its secret, which is never stored.
public struct APIKey: Sendable {
    public let id: String
    public let name: String
    public let role: Role
    /// RFC 3339 timestamps in UTC.
    public let createdAt: String
    public let lastUsedAt: String?
    public let expiresAt: String?
    public let revokedAt: String?
}
