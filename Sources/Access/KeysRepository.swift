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
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    }

    static let listedColumns = "id, name, role, \(timestamp("created_at")), \(timestamp("last_used_at")), "
        + "\(timestamp("expires_at")), \(timestamp("revoked_at"))"

    static func key(_ result: PostgresResult, _ row: Int) -> APIKey {
        APIKey(id: result.string(row, 0) ?? "", name: result.string(row, 1) ?? "",
               role: Role(rawValue: result.string(row, 2) ?? "") ?? .reader, createdAt: result.string(row, 3) ?? "",
               lastUsedAt: result.string(row, 4), expiresAt: result.string(row, 5), revokedAt: result.string(row, 6))
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
                    RETURNING \(KeysRepository.listedColumns), expires_at IS NOT NULL AND expires_at <= now()
                    """, [token.id, name, role.rawValue, hex(token.hash), expiresAt])
            } catch let error as PostgresError where error.sqlState?.hasPrefix("22") == true {
                throw Failure.badExpiry("expires_at is not a timestamp such as 2027-01-31T12:00:00Z")
            }
        }
        if result.bool(0, 7) == true {
            try pool.withConnection { _ = try $0.query("DELETE FROM api_keys WHERE id = $1", [token.id]) }
            throw Failure.badExpiry("expires_at must be in the future")
        }
        return (KeysRepository.key(result, 0), text)
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
        let result = try pool.withConnection { try $0.query("SELECT \(KeysRepository.listedColumns) FROM api_keys ORDER BY created_at, id") }
        return (0..<result.rowCount).map { KeysRepository.key(result, $0) }
    }

    public func count() throws -> Int {
        Int(try pool.withConnection { try $0.query("SELECT count(*) FROM api_keys") }.int(0, 0) ?? 0)
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
                SELECT id, name, role, encode(secret_sha256, 'hex'), extract(epoch FROM expires_at)::float8,
                       revoked_at IS NOT NULL
                FROM api_keys
                """)
        }
        return (0..<result.rowCount).compactMap { row in
            guard let id = result.string(row, 0), let role = Role(rawValue: result.string(row, 2) ?? ""),
                  let hash = unhex(result.string(row, 3) ?? "") else { return nil }
            return CachedKey(id: id, name: result.string(row, 1) ?? "", role: role, hash: hash,
                             expiresAt: result.double(row, 4), revoked: result.bool(row, 5) ?? true)
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
