import Foundation

/// Applies `migrations/NNNN_name.sql` files in order, each in its own transaction, recorded in
/// `schema_migrations` with a checksum. An advisory lock lets several servers start at once.
public struct MigrationRunner: Sendable {
    public struct Migration: Equatable, Sendable {
        public let version: Int
        public let name: String
        public let file: String
        public let sql: String
        public let downFile: String?
        public let downSQL: String?
    }

    public struct Status: Equatable {
        public let version: Int
        public let name: String
        public let applied: Bool
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Arbitrary but fixed: the key of the advisory lock migrations hold.
    static let lockKey: Int64 = 0x1_5E7C_7A11

    public let directory: String
    public let url: String

    public init(directory: String, url: String) {
        self.directory = directory
        self.url = url
    }

    /// The migration files, checked for gaps and duplicates.
    public func load() throws -> [Migration] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
            throw Failure(description: "no migrations directory at \(absolute): run from the project directory "
                + "or pass --migrations-directory")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        var ups: [Int: (String, String)] = [:]
        var downs: [Int: String] = [:]
        for file in names where file.hasSuffix(".sql") {
            let isDown = file.hasSuffix(".down.sql")
            let stem = String(file.dropLast(isDown ? 9 : 4))
            let parts = stem.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 4, let version = Int(parts[0]) else {
                throw Failure(description: "migration file \(file) is not named NNNN_name.sql")
            }
            if isDown {
                downs[version] = file
            } else {
                if let existing = ups[version] {
                    throw Failure(description: "migrations \(existing.0) and \(file) share version \(version)")
                }
                ups[version] = (file, String(parts[1]))
            }
        }
        var migrations: [Migration] = []
        for (index, version) in ups.keys.sorted().enumerated() {
            let (file, name) = ups[version]!
            guard version == index + 1 else {
                throw Failure(description: "gap in migration numbering: \(file) follows version \(index)")
            }
            let sql = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            let downFile = downs[version]
            let downSQL = try downFile.map { try String(contentsOfFile: directory + "/" + $0, encoding: .utf8) }
            migrations.append(Migration(version: version, name: name, file: file, sql: sql, downFile: downFile, downSQL: downSQL))
        }
        if let stray = downs.keys.first(where: { ups[$0] == nil }) {
            throw Failure(description: "\(downs[stray]!) has no forward migration")
        }
        return migrations
    }

    public func status() throws -> [Status] {
        let migrations = try load()
        return try withLockedConnection { connection in
            let applied = try verify(migrations, on: connection)
            return migrations.map { Status(version: $0.version, name: $0.name, applied: applied.contains($0.version)) }
        }
    }

    /// True when every migration file is applied (and none changed).
    public func isUpToDate() throws -> Bool {
        let migrations = try load()
        let connection = try PostgresConnection(url: url)
        try ensureTable(connection)
        let applied = try verify(migrations, on: connection)
        return applied.count == migrations.count
    }

    /// Applies pending migrations up to `target` (all when nil); returns the versions applied.
    @discardableResult
    public func up(to target: Int? = nil) throws -> [Int] {
        let migrations = try load()
        return try withLockedConnection { connection in
            let applied = try verify(migrations, on: connection)
            var done: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                if let target, migration.version > target { break }
                try connection.execute("BEGIN")
                do {
                    try connection.execute(migration.sql)
                    try connection.query(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'))",
                        [migration.version, migration.name, migration.sql])
                    try connection.execute("COMMIT")
                } catch {
                    try? connection.execute("ROLLBACK")
                    throw Failure(description: "migration \(migration.file) failed: \(error)")
                }
                done.append(migration.version)
            }
            return done
        }
    }

    /// Undoes applied migrations above `target` (the last one when nil), newest first.
    @discardableResult
    public func down(to target: Int? = nil) throws -> [Int] {
        let migrations = try load()
        return try withLockedConnection { connection in
            let applied = try verify(migrations, on: connection).sorted(by: >)
            let floor = target ?? ((applied.first ?? 1) - 1)
            var undone: [Int] = []
            for version in applied where version > floor {
                let migration = migrations[version - 1]
                guard let downSQL = migration.downSQL else {
                    throw Failure(description: "\(migration.file) has no .down.sql, so it cannot be undone")
                }
                try connection.execute("BEGIN")
                do {
                    try connection.execute(downSQL)
                    try connection.query("DELETE FROM schema_migrations WHERE version = $1", [version])
                    try connection.execute("COMMIT")
                } catch {
                    try? connection.execute("ROLLBACK")
                    throw Failure(description: "undoing \(migration.downFile!) failed: \(error)")
                }
                undone.append(version)
            }
            return undone
        }
    }

    private func withLockedConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try PostgresConnection(url: url)
        try connection.query("SELECT pg_advisory_lock($1)", [MigrationRunner.lockKey])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [MigrationRunner.lockKey]) }
        try ensureTable(connection)
        return try body(connection)
    }

    private func ensureTable(_ connection: PostgresConnection) throws {
        // Two servers may race here before either holds the lock; IF NOT EXISTS can still
        // collide on the catalog, which a retry settles.
        for attempt in 1...3 {
            do {
                try connection.execute("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        checksum text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """)
                return
            } catch let error as PostgresError where error.sqlState == "23505" && attempt < 3 {
                continue
            }
        }
    }

    /// The applied versions, after checking each still has its file, unchanged.
    private func verify(_ migrations: [Migration], on connection: PostgresConnection) throws -> Set<Int> {
        let rows = try connection.query("""
            SELECT version, name, checksum, encode(sha256(convert_to(coalesce(($1::text[])[version], ''), 'UTF8')), 'hex') AS file_checksum
            FROM schema_migrations ORDER BY version
            """, [PostgresArray(migrations.map(\.sql))])
        let versionColumn = try rows.column("version"), nameColumn = try rows.column("name"),
            checksum = try rows.column("checksum"), fileChecksum = try rows.column("file_checksum")
        var applied = Set<Int>()
        for row in rows.rows {
            let version = Int(row.int(versionColumn) ?? 0)
            let name = row.string(nameColumn) ?? ""
            guard version <= migrations.count else {
                throw Failure(description: "migration \(String(format: "%04d", version))_\(name).sql is applied but its file is missing")
            }
            if row.string(checksum) != row.string(fileChecksum) {
                throw Failure(description: "migration \(migrations[version - 1].file) changed after it was applied (checksum differs)")
            }
            applied.insert(version)
        }
        return applied
    }
}
