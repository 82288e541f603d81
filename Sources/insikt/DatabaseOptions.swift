import ArgumentParser
import Foundation
import Postgres

/// The options every command that talks to PostgreSQL shares.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "libpq URI or conninfo of the database; several hosts allowed (host=db1,db2 ... target_session_attrs=read-write). [env: DATABASE_URL]")
    var databaseURL: String?

    @Option(name: .customLong("database-direct-url"), help: "A connection that bypasses the pooler, for LISTEN and migrations. [env: DATABASE_DIRECT_URL, default: the database URL]")
    var databaseDirectURL: String?

    @Option(name: .customLong("database-pooler"), help: "none, or transaction when the database URL leads through PgBouncer in transaction mode (unnamed statements). [env: DATABASE_POOLER, default: none]")
    var databasePooler: Pooler?

    /// What sits between the server and PostgreSQL.
    enum Pooler: String, CaseIterable, ExpressibleByArgument {
        case none, transaction
    }

    @Option(help: "Folder of the migration files. [env: MIGRATIONS_DIR, default: migrations]")
    var migrationsDirectory = ProcessInfo.processInfo.environment["MIGRATIONS_DIR"] ?? "migrations"

    func url() throws -> String {
        if let databaseURL { return databaseURL }
        if let url = environment("DATABASE_URL") { return url }
        throw ValidationError("no database: set DATABASE_URL or pass --database-url (scripts/run starts an embedded one)")
    }

    /// For LISTEN and migrations, which need a session of their own.
    func directURL() throws -> String {
        try databaseDirectURL ?? environment("DATABASE_DIRECT_URL") ?? url()
    }

    /// How statements are sent through `url()`.
    func statements() throws -> StatementMode {
        var pooler = databasePooler ?? .none
        if databasePooler == nil, let text = environment("DATABASE_POOLER") {
            guard let value = Pooler(rawValue: text) else {
                throw ValidationError("DATABASE_POOLER=\(text) is not valid: it must be \(allowed(Pooler.self)) (PgBouncer's pool_mode = transaction)")
            }
            pooler = value
        }
        return pooler == .transaction ? .unnamed : .prepared
    }

    private func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
