import ArgumentParser
import Foundation

/// The options every command that talks to PostgreSQL shares.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "libpq URI or conninfo of the database. [env: DATABASE_URL]")
    var databaseURL: String?

    @Option(help: "Folder of the migration files. [env: MIGRATIONS_DIR, default: migrations]")
    var migrationsDirectory = ProcessInfo.processInfo.environment["MIGRATIONS_DIR"] ?? "migrations"

    func url() throws -> String {
        if let databaseURL { return databaseURL }
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty { return url }
        throw ValidationError("no database: set DATABASE_URL or pass --database-url (scripts/run starts an embedded one)")
    }
}
