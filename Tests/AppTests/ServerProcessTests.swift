import Access
import Foundation
import Glibc
import Postgres
import Testing
import TestSupport

/// The real `insikt serve` binary: flags, the access log on stderr, SIGTERM.
@Suite struct ServerProcessTests {
    static let binary = TestEnvironment.packageRoot + "/.build/debug/insikt"

    func start(_ extra: [String]) throws -> (pid_t, UInt16, String) {
        let port = freePort()
        let log = "/tmp/insikt-serve-\(port).log"
        let arguments = ["serve", "--port", String(port), "--host", "127.0.0.1",
                         "--migrations-directory", TestEnvironment.packageRoot + "/migrations"] + extra
        let pid = try #require(spawnInBackground(Self.binary, arguments, stderrPath: log,
                                                 environment: ["DATABASE_URL": TestEnvironment.databaseURL, "PATH": "/usr/bin:/bin",
                                                               "ADMIN_KEY": TestEnvironment.adminKey]))
        for _ in 0..<100 {
            if let r = try? httpRequest(port: port, "GET", "/healthz"), r.status == 200 { return (pid, port, log) }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
        throw RawConnection.Failure(description: "the server did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    @Test func sigtermStopsTheServerWithExitZeroAfterLoggingEachRequest() throws {
        let (pid, port, log) = try start([])
        _ = try httpRequest(port: port, "GET", "/airports/404404404", headers: [("X-Request-Id", "trace-me-1"),
                                                                              ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")])
        _ = try httpRequest(port: port, "GET", "/nowhere")
        _ = try httpRequest(port: port, "GET", "/confirmations/0123456789abcdef0123456789abcdef")
        kill(pid, SIGTERM)
        #expect(waitForExit(pid) == 0)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let accessLines = lines.filter { $0.hasPrefix("GET ") }
        let keyId = try #require(KeyToken(TestEnvironment.adminKey)).id
        #expect(accessLines.contains { $0.hasPrefix("GET /airports/404404404 404 ") && $0.contains(" trace-me-1 00-4bf92f3577b34da6a3ce929d0e0e4736-")
                    && $0.hasSuffix("-01 \(keyId)") },
                "the line ends with the request id, the traceparent of this server's span and the key id: \(accessLines)")
        #expect(accessLines.contains { $0.hasPrefix("GET /nowhere 404 ") })
        #expect(accessLines.count == 4, "one line per request (the start-up probe included): \(accessLines)")
        #expect(accessLines.contains { $0.hasPrefix("GET /confirmations/… 404 ") && $0.hasSuffix(" -") }, "tokens stay out of the log")
        #expect(!lines.contains { $0.contains("0123456789abcdef") })
    }

    @Test func theJSONAccessLogIsOneObjectPerLine() throws {
        let (pid, port, log) = try start(["--access-log", "json"])
        _ = try httpRequest(port: port, "GET", "/healthz", headers: [("X-Request-Id", "json-line"),
                                                                    ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")])
        kill(pid, SIGINT)
        #expect(waitForExit(pid) == 0)
        let objects = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let line = try #require(objects.first { $0["request_id"] as? String == "json-line" })
        #expect(line["method"] as? String == "GET")
        #expect(line["path"] as? String == "/healthz")
        #expect(line["status"] as? Int == 200)
        #expect(line["bytes"] as? Int == 15)
        #expect(line["duration_ms"] is Double || line["duration_ms"] is Int)
        #expect(line["key_id"] is NSNull, "an open route has no key: \(line)")
        #expect((line["traceparent"] as? String)?.hasPrefix("00-4bf92f3577b34da6a3ce929d0e0e4736-") == true, "\(line)")
    }

    /// Two servers starting at once: two `insikt migrate up` processes on one database.
    @Test func twoMigrateUpProcessesAtOnceBothSucceedAndApplyEachMigrationOnce() throws {
        let url = try TestEnvironment.createDatabase()
        let directory = "/tmp/insikt-migrations-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "SELECT pg_sleep(0.5); CREATE TABLE counter (n int); INSERT INTO counter VALUES (1);"
            .write(toFile: directory + "/0001_slow.sql", atomically: true, encoding: .utf8)
        try "UPDATE counter SET n = n + 1;".write(toFile: directory + "/0002_more.sql", atomically: true, encoding: .utf8)
        let pids = try (0..<2).map { i in
            try #require(spawnInBackground(Self.binary, ["migrate", "up", "--migrations-directory", directory],
                                           stderrPath: "\(directory)/log-\(i)",
                                           environment: ["DATABASE_URL": url, "PATH": "/usr/bin:/bin"]))
        }
        #expect(pids.map(waitForExit) == [0, 0])
        let connection = try PostgresConnection(url: url)
        #expect(try connection.query("SELECT n FROM counter").int(0, 0) == 2)
        #expect(try connection.query("SELECT count(*) FROM schema_migrations").int(0, 0) == 2)
    }

    @Test func helpListsEveryFlag() throws {
        let log = "/tmp/insikt-help-\(UInt32.random(in: 0...UInt32.max)).txt"
        let pid = try #require(spawnInBackground("/bin/sh", ["-c", "\(Self.binary) serve --help > \(log) 2>&1"], stderrPath: "/dev/null",
                                                 environment: ["PATH": "/usr/bin:/bin"]))
        #expect(waitForExit(pid) == 0)
        let help = try String(contentsOfFile: log, encoding: .utf8)
        for flag in ["--port", "--database-url", "--event-loops", "--max-body-bytes", "--head-timeout", "--db-retry-attempts", "--db-retry-delay", "--access-log", "--cors-origins", "--auth", "--admin-key", "--rate-limit", "--events-retention", "--webhook-timeout", "--webhook-retry-schedule",
                     "--webhook-allow-private", "--webhook-concurrency", "--webhook-connect-timeout", "--webhook-breaker-threshold", "--job-workers", "--job-attempts", "--job-lease", "--jobs-retention",
                     "PORT", "DATABASE_URL", "ADMIN_KEY", "JOB_LEASE", "JOBS_RETENTION", "WEBHOOK_TIMEOUT", "WEBHOOK_CONNECT_TIMEOUT", "WEBHOOK_BREAKER_THRESHOLD"] {
            #expect(help.contains(flag), "\(flag) missing from --help")
        }
    }

    /// `insikt serve`'s options come from one table: a value it does not take, from a flag or a
    /// variable, is refused at start with what it must be (the allowed values for a fixed set).
    @Test func aBadSettingIsRefusedWithWhatItMustBe() throws {
        let cases: [(arguments: String, environment: [String: String], says: String)] = [
            ("--auth maybe", [:], "Please provide one of 'on' and 'off'"),
            ("", ["AUTH": "maybe"], "AUTH=maybe is not valid: it must be on or off"),
            ("", ["ACCESS_LOG": "xml"], "it must be text, json or off"),
            ("--jobs-retention 0.5", [:], "--jobs-retention must be at least 1 day"),
            ("", ["WEBHOOK_RETRY_SCHEDULE": "5,x"], "comma-separated seconds such as 5,300,1800"),
            ("", ["DATABASE_POOLER": "session"], "it must be none or transaction"),
        ]
        for (arguments, environment, says) in cases {
            let log = "/tmp/insikt-settings-\(UInt32.random(in: 0...UInt32.max)).txt"
            let pid = try #require(spawnInBackground("/bin/sh", ["-c", "\(Self.binary) serve --port 0 \(arguments) > \(log) 2>&1"],
                                                     stderrPath: "/dev/null",
                                                     environment: ["PATH": "/usr/bin:/bin", "DATABASE_URL": TestEnvironment.databaseURL]
                                                         .merging(environment) { $1 }))
            let status = waitForExit(pid)
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(status != 0 && output.contains(says), "\(arguments) \(environment): exit \(status), \(output)")
        }
    }
}
