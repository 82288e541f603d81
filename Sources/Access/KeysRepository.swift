import Identity
import Postgres

/// All SQL of the api_keys table.
public struct KeysRepository: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public enum Failure: Error, Equatable {
        case badExpiry(String)
    }

    static func timestamp(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS \(column)"
    }

    static let listedColumns = "id, name, role, \(timestamp("created_at")), \(timestamp("last_used_at")), "
        + "\(timestamp("expires_at")), \(timestamp("revoked_at"))"

    /// The keys of rows of `listedColumns`, each column found once.
    static func keys(_ result: PostgresResult) throws -> [APIKey] {
        let id = try result.column("id"), name = try result.column("name"), role = try result.column("role"),
            createdAt = try result.column("created_at"), lastUsedAt = try result.column("last_used_at"),
            expiresAt = try result.column("expires_at"), revokedAt = try result.column("revoked_at")
        return result.rows.map { row in
            APIKey(id: row.string(id) ?? "", name: row.string(name) ?? "",
                   role: Role(rawValue: row.string(role) ?? "") ?? .reader, createdAt: row.string(createdAt) ?? "",
                   lastUsedAt: row.string(lastUsedAt), expiresAt: row.string(expiresAt), revokedAt: row.string(revokedAt))
        }
    }

    /// Makes a new key; returns it with its text, which exists nowhere else afterwards.
    /// `expiresAt` is an RFC 3339 timestamp in the future, or nil.
    public func create(name: String, role: Role, expiresAt: String?) throws -> (key: APIKey, text: String) {
        let (text, token) = KeyToken.generate()
        let result = try pool.withConnection { connection -> PostgresResult in
            do {
                return try connection.query("""
                    INSERT INTO api_keys (id, name, role, secret_sha256, expires_at)
                    VALUES ($1, $2, $3, decode($4, 'hex'), $5::timestamptz)
                    RETURNING \(KeysRepository.listedColumns), expires_at IS NOT NULL AND expires_at <= now() AS expired
                    """, [token.id, name, role.rawValue, hex(token.hash), expiresAt])
            } catch let error as PostgresError where error.sqlState?.hasPrefix("22") == true {
                throw Failure.badExpiry("expires_at is not a timestamp such as 2027-01-31T12:00:00Z")
            }
        }
        if try result.row(0).bool("expired") == true {
            try pool.withConnection { _ = try $0.query("DELETE FROM api_keys WHERE id = $1", [token.id]) }
            throw Failure.badExpiry("expires_at must be in the future")
        }
        guard let key = try KeysRepository.keys(result).first else { throw PostgresError(kind: .server, message: "INSERT ... RETURNING gave no row") }
        return (key, text)
    }

    /// Makes sure an admin key with exactly this text exists and works (ADMIN_KEY).
    public func ensureAdmin(_ token: KeyToken, name: String) throws {
        try pool.withConnection { connection in
            _ = try connection.query("""
                INSERT INTO api_keys (id, name, role, secret_sha256) VALUES ($1, $2, 'admin', decode($3, 'hex'))
                ON CONFLICT (secret_sha256) DO UPDATE SET role = 'admin', revoked_at = NULL, expires_at = NULL
                """, [token.id, name, hex(token.hash)])
        }
    }

    public func list() throws -> [APIKey] {
        // api_keys.created_at, not the listed created_at: that one is text, to the second.
        let result = try pool.withConnection { try $0.query("SELECT \(KeysRepository.listedColumns) FROM api_keys ORDER BY api_keys.created_at, api_keys.id") }
        return try KeysRepository.keys(result)
    }

    public func count() throws -> Int {
        Int(try pool.withConnection { try $0.query("SELECT count(*) FROM api_keys") }.row(0).int("count") ?? 0)
    }

    /// Revokes a key; false when there is no such key. Revoking twice keeps the first time.
    public func revoke(id: String) throws -> Bool {
        let result = try pool.withConnection {
            try $0.query("UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1", [id])
        }
        return result.affectedRows == 1
    }

    /// Every key as the gate needs it: hash, role, expiry and revocation as Unix seconds.
    func loadAll() throws -> [CachedKey] {
        let result = try pool.withConnection {
            try $0.query("""
                SELECT id, name, role, encode(secret_sha256, 'hex') AS secret_sha256, extract(epoch FROM expires_at)::float8 AS expires_at,
                       revoked_at IS NOT NULL AS revoked
                FROM api_keys
                """)
        }
        let id = try result.column("id"), name = try result.column("name"), role = try result.column("role"),
            hash = try result.column("secret_sha256"), expiresAt = try result.column("expires_at"), revoked = try result.column("revoked")
        return result.rows.compactMap { row in
            guard let id = row.string(id), let role = Role(rawValue: row.string(role) ?? ""),
                  let hash = unhex(row.string(hash) ?? "") else { return nil }
            return CachedKey(id: id, name: row.string(name) ?? "", role: role, hash: hash,
                             expiresAt: row.double(expiresAt), revoked: row.bool(revoked) ?? true)
        }
    }

    /// Records when keys were last used (Unix seconds), never moving a time back.
    func recordUse(_ uses: [(id: String, at: Double)]) throws {
        guard !uses.isEmpty else { return }
        try pool.withConnection { connection in
            _ = try connection.query("""
                UPDATE api_keys k SET last_used_at = to_timestamp(u.at)
                FROM unnest($1::text[], $2::float8[]) AS u(id, at)
                WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < to_timestamp(u.at))
                """, [PostgresArray(uses.map(\.id)), PostgresArray(uses.map(\.at))])
        }
    }
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

func unhex(_ text: String) -> [UInt8]? {
    let utf8 = Array(text.utf8)
    guard utf8.count % 2 == 0 else { return nil }
    func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
    var out: [UInt8] = []
    for i in stride(from: 0, to: utf8.count, by: 2) {
        guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
        out.append(hi << 4 | lo)
    }
    return out
}
