import ArgumentParser
import Postgres

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show, apply or undo database migrations.",
        subcommands: [Status.self, Up.self, Down.self]
    )

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List migrations and whether each is applied.")
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let runner = MigrationRunner(directory: database.migrationsDirectory, url: try database.directURL())
            for migration in try runner.status() {
                print("\(migration.applied ? "applied" : "pending") \(String(format: "%04d", migration.version)) \(migration.name)")
            }
        }
    }

    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Stop after this version.") var to: Int?

        func run() throws {
            let runner = MigrationRunner(directory: database.migrationsDirectory, url: try database.directURL())
            let applied = try runner.up(to: to)
            print(applied.isEmpty ? "migrations: up to date" : "migrations: applied \(applied.map(String.init).joined(separator: ", "))")
        }
    }

    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Undo migrations (the last one, or all above --to).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Undo every migration above this version (0 undoes all).") var to: Int?

        func run() throws {
            let runner = MigrationRunner(directory: database.migrationsDirectory, url: try database.directURL())
            let undone = try runner.down(to: to)
            print(undone.isEmpty ? "migrations: nothing to undo" : "migrations: undid \(undone.map(String.init).joined(separator: ", "))")
        }
    }
}
