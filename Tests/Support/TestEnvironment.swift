import App
import Events
import Foundation
import HTTP
import Outgoing
import Postgres

/// Where the tests find the database, the package and a running application.
public enum TestEnvironment {
    /// The package root, found from this file's path.
    public static let packageRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()

    public static var databaseURL: String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            // No crash: every test that needs the database fails and says why.
            print("error: DATABASE_URL is not set: run the tests through scripts/test, which starts PostgreSQL")
            return "host=/nonexistent-database-url-not-set dbname=none"
        }
        return url
    }

    /// The URL of another database on the same server.
    public static func url(_ base: String, database: String) -> String {
        if base.hasPrefix("postgres://") || base.hasPrefix("postgresql://") {
            var components = URLComponents(string: base)!
            components.path = "/" + database
            return components.string!
        }
        return base + " dbname=\(database)"
    }

    /// A new, empty database for tests that need one of their own (migrations).
    public static func createDatabase(prefix: String = "insikt_test") throws -> String {
        let name = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
        let connection = try PostgresConnection(url: databaseURL)
        try connection.execute("CREATE DATABASE \(name)")
        return url(databaseURL, database: name)
    }

    /// The admin key every test application starts with (ADMIN_KEY); `httpRequest` sends it
    /// unless a test sends a key of its own or asks for none.
    public static let adminKey = "test-admin-key-" + String(repeating: "0123456789", count: 3)
    /// The header line that sends it, for tests that write requests by hand.
    public static let authorizationLine = "Authorization: Bearer \(adminKey)\r\n"

    /// The application most tests share, started once on a free port with the real migrations.
    /// When it cannot start, the reason is printed and it stays unstarted (port 0): every test
    /// that uses it fails on its first request instead of the whole run crashing.
    public static let application: Application = {
        let application = makeApplication(databaseURL: databaseURL)
        do {
            try application.start()
        } catch {
            print("error: the shared test application did not start: \(error)")
        }
        return application
    }()

    /// An application of a test's own (its own database or cluster), started on a free port.
    public static func startApplication(databaseURL: String, configure: (inout AppConfiguration) -> Void = { _ in }) throws -> Application {
        let application = makeApplication(databaseURL: databaseURL, configure: configure)
        try application.start()
        return application
    }

    static func makeApplication(databaseURL: String, configure: (inout AppConfiguration) -> Void = { _ in }) -> Application {
        var configuration = AppConfiguration(databaseURL: databaseURL)
        configuration.adminKey = adminKey
        configuration.server.port = 0
        configuration.server.accessLog = .off
        configuration.migrationsDirectory = packageRoot + "/migrations"
        configuration.openAPIPath = packageRoot + "/openapi.json"
        configuration.docsAssetsDirectory = packageRoot + "/.local/swagger-ui"
        configuration.webhooks.allowPrivate = true
        configuration.sources.allowPrivate = true
        configuration.sources.retrySchedule = RetrySchedule(delays: [0.1, 0.2, 0.4])
        configuration.sources.timeout = 20
        configuration.sources.pollInterval = 0.2
        configure(&configuration)
        return Application(configuration)
    }

    public static var port: UInt16 { application.port }
}
