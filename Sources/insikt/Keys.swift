import Access
import ArgumentParser
import Foundation
import Identity
import Postgres

/// `insikt keys create | list | revoke` against DATABASE_URL, like `insikt migrate`.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list or revoke API keys.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    static func repository(_ database: DatabaseOptions) throws -> KeysRepository {
        KeysRepository(pool: PostgresPool(PostgresPool.Configuration(url: try database.directURL())))
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a key and print it (the only time it is shown).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Who the key is for, e.g. \"frontend team\".") var name: String
        @Option(help: "reader, editor or admin.") var role: String
        @Option(help: "Days until the key stops working (default: never).") var expiresIn: Int?
        @Flag(help: "Print the key alone, for scripts.") var quiet = false

        func run() throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role must be reader, editor or admin") }
            var expiresAt: String?
            if let days = expiresIn {
                guard days > 0 else { throw ValidationError("--expires-in must be at least 1 day") }
                expiresAt = ISO8601DateFormatter().string(from: Date().addingTimeInterval(Double(days) * 86_400))
            }
            let created = try Keys.repository(database).create(name: name, role: role, expiresAt: expiresAt)
            if quiet {
                print(created.text)
            } else {
                print("key \(created.key.id) (\(role.rawValue), \"\(name)\"\(expiresAt.map { ", expires \($0)" } ?? "")):")
                print(created.text)
                print("It is shown this once; send it as Authorization: Bearer <key>.")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let keys = try Keys.repository(database).list()
            let rows = [["ID", "NAME", "ROLE", "CREATED", "LAST USED", "EXPIRES", "REVOKED"]] + keys.map {
                [$0.id, $0.name, $0.role.rawValue, $0.createdAt, $0.lastUsedAt ?? "-", $0.expiresAt ?? "-", $0.revokedAt ?? "-"]
            }
            let widths = (0..<7).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key; every server refuses it within seconds.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The key's id (the 8 characters after ik_).") var id: String

        func run() throws {
            guard try Keys.repository(database).revoke(id: id) else { throw ValidationError("there is no key \(id)") }
            print("key \(id) revoked")
        }
    }
}
