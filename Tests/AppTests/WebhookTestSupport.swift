import App
import CCrypto
import Events
import Foundation
import Outgoing
import Postgres
import Testing
import TestSupport

/// What the webhook tests share: applications on a database of the test's own (its dispatcher
/// must not meet other tests' endpoints or other servers' settings), short retry schedules, a
/// signature check written apart from the server's, and helpers to make events.
enum WebhookTesting {
    static let twoCitizens = #"{"citizens": [{"citizen_id": 1, "town": "Керчь", "street": "a", "building": "1", "apartment": 1, "name": "A", "birth_date": "01.02.1990", "gender": "male", "relatives": [2]}, {"citizen_id": 2, "town": "Керчь", "street": "a", "building": "1", "apartment": 1, "name": "B", "birth_date": "01.03.1991", "gender": "female", "relatives": [1]}]}"#

    /// A database of one test's own (the applications migrate it when they start); `drop` it at the end.
    struct Database {
        let name: String
        let url: String

        func drop() {
            // Once the stopped applications' events listeners have closed their connections (they
            // notice the stop within half a second), the drop does not make them report a lost
            // database. Their pools' idle connections it ends itself (WITH FORCE), and after the
            // bound it goes ahead either way.
            guard let connection = try? PostgresConnection(url: TestEnvironment.databaseURL) else { return }
            _ = WebhookTesting.eventually(timeout: 5) {
                (try? connection.query("""
                    SELECT count(*) AS listeners FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %'
                    """, [name]).row(0).int("listeners")) == 0
            }
            _ = try? connection.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }

    static func newDatabase() throws -> Database {
        let name = "insikt_webhooks_test_\(UInt32.random(in: 0...UInt32.max))"
        try PostgresConnection(url: TestEnvironment.databaseURL).execute("CREATE DATABASE \(name)")
        return Database(name: name, url: TestEnvironment.url(TestEnvironment.databaseURL, database: name))
    }

    /// An application with test-sized webhook settings (`configure` may change them).
    static func start(_ database: Database, configure: (inout AppConfiguration) -> Void = { _ in }) throws -> Application {
        try TestEnvironment.startApplication(databaseURL: database.url) { configuration in
            configuration.webhooks.retrySchedule = RetrySchedule(delays: [0.05, 0.1, 0.2])
            configuration.webhooks.timeout = 2
            configuration.webhooks.sweepInterval = 0.5
            configure(&configuration)
        }
    }

    /// Makes a webhook; its id and secret.
    static func create(_ port: UInt16, url: String, types: [String]? = nil) throws -> (id: Int, secret: String) {
        var body = #"{"url": "\#(url)""#
        if let types { body += #", "types": [\#(types.map { "\"\($0)\"" }.joined(separator: ","))]"# }
        body += "}"
        let created = try httpRequest(port: port, "POST", "/webhooks", json: body)
        #expect(created.status == 201, "\(created.summary)")
        return (try created.dataField("id"), try created.dataField("secret"))
    }

    /// A new import (one `insikt.import.created` event): its id.
    static func newImport(_ port: UInt16) throws -> Int {
        try httpRequest(port: port, "POST", "/imports", json: twoCitizens).dataField("import_id")
    }

    static func deliveries(_ port: UInt16, _ webhook: Int, query: String = "") throws -> [[String: Any]] {
        let listed = try httpRequest(port: port, "GET", "/webhooks/\(webhook)/deliveries\(query)")
        #expect(listed.status == 200, "\(listed.summary)")
        return try listed.requireDataArray()
    }

    /// True once the dispatcher has fanned every event out to every enabled endpoint of the
    /// database (each endpoint's cursor has reached the newest event): from then on every
    /// delivery those events make exists, and `deliveries` lists it. A test that proves an
    /// endpoint is NOT sent something reads its deliveries after this, not after a pause.
    static func fannedOut(_ database: Database, timeout: Double = 20) throws -> Bool {
        let connection = try PostgresConnection(url: database.url)
        return try eventually(timeout: timeout) {
            try connection.query("""
                SELECT coalesce(bool_and(fanned_out_through >= (SELECT coalesce(max(id), 0) FROM events)), false) AS done
                FROM webhook_endpoints WHERE enabled
                """).row(0).bool("done") == true
        }
    }

    /// True once `check` holds, polling for up to `timeout` seconds.
    static func eventually(timeout: Double = 10, _ check: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try check() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try check()
    }

    /// The Standard Webhooks signature a receiver expects, computed here with OpenSSL directly.
    static func expectedSignature(secret: String, _ request: WebhookReceiver.Received) -> String? {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))),
              let id = request.headers["webhook-id"], let timestamp = request.headers["webhook-timestamp"] else { return nil }
        let message = Array("\(id).\(timestamp).".utf8) + request.body
        var out = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        let keyBytes = Array(key)
        _ = HMAC(EVP_sha256(), keyBytes, Int32(keyBytes.count), message, message.count, &out, &length)
        return "v1," + Data(out.prefix(Int(length))).base64EncodedString()
    }

    /// Checks one received request: headers, signature, and that its body is the event.
    static func expectSigned(_ request: WebhookReceiver.Received, secret: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(request.headers["content-type"] == "application/json", sourceLocation: sourceLocation)
        #expect(request.headers["webhook-signature"] != nil && request.headers["webhook-signature"] == expectedSignature(secret: secret, request),
                "signature \(request.headers["webhook-signature"] ?? "none")", sourceLocation: sourceLocation)
        let timestamp = Double(request.headers["webhook-timestamp"] ?? "") ?? 0
        #expect(abs(timestamp - Date().timeIntervalSince1970) < 60, sourceLocation: sourceLocation)
        #expect(request.json?.string("id") == request.headers["webhook-id"], "\(request.text)", sourceLocation: sourceLocation)
    }
}
