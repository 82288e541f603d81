import App
import Foundation
import Postgres
import Testing
import TestSupport

/// What the source tests share: files to serve, sources to make, runs to start and follow.
enum SourceTesting {
    static let header = "id,name,city,country,iata,icao,latitude,longitude,altitude,timezone,DST,tz,type,source"

    /// `count` airports with ids from `base` (each test its own range).
    static func airports(base: Int, count: Int, name: String = "Pulled") -> [UInt8] {
        Array((header + "\n" + (0..<count).map {
            "\(base + $0),\"\(name) \($0)\",\"Town\",\"Sweden\",,,59.1,18.2,10,1,\"E\",\"Europe/Stockholm\",\"airport\",\"test\""
        }.joined(separator: "\n") + "\n").utf8)
    }

    /// An id range of its own for a test's airports.
    static func airportBase() -> Int { 8_000_000 + Int.random(in: 0..<100_000) * 10 }

    /// The route-walking access tests send DELETE /sources/1 and POST /sources/1/runs: the
    /// shared database's sources start past the ids they use.
    static let pastLowIds: Void = {
        _ = try? PostgresConnection(url: TestEnvironment.databaseURL)
            .query("SELECT setval('sources_id_seq', greatest(1000, (SELECT last_value FROM sources_id_seq)))")
    }()

    /// Makes a source pulled on demand (unless `every` says otherwise); its id.
    static func create(_ port: UInt16, url: String, kind: String = "airports", extra: String = "",
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        _ = pastLowIds
        let body = #"{"name": "test source", "url": "\#(url)", "kind": "\#(kind)", "every": null\#(extra)}"#
        let created = try httpRequest(port: port, "POST", "/sources", json: body)
        #expect(created.status == 201, "\(created.summary)", sourceLocation: sourceLocation)
        return try created.dataField("id", sourceLocation: sourceLocation)
    }

    /// Starts a run now and waits until its job ended; the job.
    static func pull(_ port: UInt16, _ source: Int, timeout: Double = 120, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let started = try httpRequest(port: port, "POST", "/sources/\(source)/runs")
        let job = try JobClient.jobId(started, sourceLocation: sourceLocation)
        #expect(started.dataObject?.string("kind") == "source", sourceLocation: sourceLocation)
        return try JobClient.wait(port: port, job, timeout: timeout)
    }

    static func runs(_ port: UInt16, _ source: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let listed = try httpRequest(port: port, "GET", "/sources/\(source)/runs")
        #expect(listed.status == 200, "\(listed.summary)", sourceLocation: sourceLocation)
        return try listed.requireDataArray(sourceLocation: sourceLocation)
    }

    /// The newest run, after a pull.
    static func lastRun(_ port: UInt16, _ source: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let runs = try runs(port, source, sourceLocation: sourceLocation)
        return try #require(runs.first, "no run of source \(source)", sourceLocation: sourceLocation)
    }

    /// A database and an application of the test's own, with `configure`'s source settings (its
    /// runners alone take its runs); stop and drop it with `finish`.
    static func ownApplication(_ configure: (inout AppConfiguration) -> Void) throws -> (Application, WebhookTesting.Database) {
        let database = try WebhookTesting.newDatabase()
        let application = try TestEnvironment.startApplication(databaseURL: database.url) { configuration in
            configuration.jobLease = 2
            configure(&configuration)
        }
        return (application, database)
    }

    static func finish(_ application: Application, _ database: WebhookTesting.Database) {
        application.stop()
        database.drop()
    }
}
