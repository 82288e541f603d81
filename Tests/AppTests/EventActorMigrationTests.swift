import Foundation
import Postgres
import Testing
import TestSupport

/// The migration that made the CloudEvents actor two string attributes rewrites the events stored
/// before it, and its down migration puts the object back.
@Suite struct EventActorMigrationTests {
    @Test func storedEventsGetActoridAndActornameAndBackOnDown() throws {
        let admin = try PostgresConnection(url: TestEnvironment.databaseURL)
        let name = "insikt_actor_migration_\(UInt32.random(in: 0...UInt32.max))"
        try admin.execute("CREATE DATABASE \(name)")
        defer { _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        let url = TestEnvironment.url(TestEnvironment.databaseURL, database: name)
        let runner = MigrationRunner(directory: TestEnvironment.packageRoot + "/migrations", url: url)
        let version = try #require(try runner.status().first { $0.name.hasSuffix("event_actor_attributes") }).version
        _ = try runner.up(to: version - 1)
        let db = try PostgresConnection(url: url)
        try db.execute("""
            INSERT INTO events (aggregatetype, aggregateid, type, payload) VALUES
            ('import', '/imports/1', 'insikt.import.created', '{"specversion":"1.0","id":"1","actor":{"id":"Ab3k9QzA","name":"team \\"x\\""},"data":{}}'),
            ('import', '/imports/2', 'insikt.import.created', '{"specversion":"1.0","id":"2","actor":null,"data":{}}')
            """)
        _ = try runner.up()
        let rows = try db.query("SELECT payload::text FROM events ORDER BY id")
        let first = try JSONSerialization.jsonObject(with: Data((rows.string(0, 0) ?? "").utf8)) as? [String: Any]
        let second = try JSONSerialization.jsonObject(with: Data((rows.string(1, 0) ?? "").utf8)) as? [String: Any]
        #expect(first?["actorid"] as? String == "Ab3k9QzA" && first?["actorname"] as? String == "team \"x\"" && first?["actor"] == nil,
                "\(first ?? [:])")
        #expect(second?["actorid"] == nil && second?["actor"] == nil && second?["data"] != nil, "\(second ?? [:])")
        _ = try runner.down(to: version - 1)
        let back = try db.query("SELECT payload::text FROM events ORDER BY id")
        let restored = try JSONSerialization.jsonObject(with: Data((back.string(0, 0) ?? "").utf8)) as? [String: Any]
        #expect((restored?["actor"] as? [String: Any])?["id"] as? String == "Ab3k9QzA" && restored?["actorid"] == nil, "\(restored ?? [:])")
    }
}
