import Airports
import Foundation
import Postgres
import Routing
import Testing
import TestSupport

/// The statements `GET /airports?near=` runs read the GiST index, never the whole table: checked
/// with EXPLAIN of exactly the SQL and parameters the repository builds, planned for these values
/// (as a first execution is) and as the generic plan a prepared statement may switch to.
@Suite struct AirportsNearExplainTests {
    static let sfo = (latitude: 37.61899948120117, longitude: -122.375)

    static let cases: [(String, AirportsRepository.Filters, NearQuery)] = {
        var byCountry = AirportsRepository.Filters()
        byCountry.country = "United States"
        byCountry.limit = 10
        var big = AirportsRepository.Filters()
        big.limit = 1000
        big.includeDeleted = true
        return [
            ("nearest", AirportsRepository.Filters(), NearQuery(latitude: sfo.latitude, longitude: sfo.longitude)),
            ("within 83 km", AirportsRepository.Filters(), NearQuery(latitude: sfo.latitude, longitude: sfo.longitude, withinKm: 83)),
            ("within the whole earth", big, NearQuery(latitude: sfo.latitude, longitude: sfo.longitude, withinKm: 20_000)),
            ("a later page of a country", byCountry,
             NearQuery(latitude: sfo.latitude, longitude: sfo.longitude, withinKm: 500, cursor: NearCursor(distanceMetres: 48_592.48, id: 3748))),
            ("a later page, no radius", big, NearQuery(latitude: -33.9, longitude: 151.2, cursor: NearCursor(distanceMetres: 1_000_000, id: 1))),
        ]
    }()

    /// Cases that may read every airport: on the test database's few thousand rows a sequential
    /// scan is the planner's right choice for them; on a million (the bench) it takes the index.
    /// For these the test checks that the statement can be served by the index at all.
    static let unbounded: Set<String> = ["within the whole earth", "a later page, no radius"]

    static func explain(_ connection: PostgresConnection, _ name: String, _ sql: String,
                        _ parameters: [PostgresEncodable?] = []) throws -> String {
        try connection.execute("SET enable_seqscan = \(unbounded.contains(name) ? "off" : "on")")
        return plan(try connection.query("EXPLAIN " + sql, parameters))
    }

    /// A connection to the tests' database with the real file loaded and analyzed.
    func connection() throws -> PostgresConnection {
        let r = try httpRequest(port: TestEnvironment.port, "POST", "/upload", headers: [("Content-Type", "text/csv")],
                                body: Array(AirportsUploadTests.file.utf8), timeout: 60)
        #expect(r.status == 200, "\(r.summary)")
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        // Statistics of the table as it is now: a plan is judged for thousands of airports, not
        // for the handful an early autovacuum may have counted in a fresh database.
        try connection.execute("ANALYZE airports")
        return connection
    }

    static func plan(_ result: PostgresResult) -> String {
        (0..<result.rowCount).compactMap { result.string($0, 0) }.joined(separator: "\n")
    }

    /// The GiST index read (an index scan, KNN or by box, or a bitmap of it), and no scan of the table.
    static func expectIndexOnly(_ plan: String, _ name: String) {
        #expect(plan.contains("Index Scan using airports_geog on airports") || plan.contains("Bitmap Index Scan on airports_geog"),
                "\(name):\n\(plan)")
        #expect(!plan.contains("Seq Scan on airports"), "\(name):\n\(plan)")
    }

    @Test func theStatementsUseTheGistIndex() throws {
        let connection = try connection()
        for (name, filters, near) in Self.cases {
            let statement = AirportsRepository.nearStatement(filters, near)
            #expect(statement.sql.contains("<-> $1::geography"), "the point is a bound parameter")
            #expect(statement.sql.contains("geog && _ST_Expand($1::geography") == (near.withinKm != nil), "the radius through the index's boxes")
            Self.expectIndexOnly(try Self.explain(connection, name, statement.sql, statement.parameters), name)
        }
    }

    @Test func theGenericPlansUseTheGistIndexToo() throws {
        let connection = try connection()
        try connection.execute("SET plan_cache_mode = force_generic_plan")
        for (index, (name, filters, near)) in Self.cases.enumerated() {
            let statement = AirportsRepository.nearStatement(filters, near)
            let values = statement.parameters.map { value in
                value?.postgresText.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL"
            }
            let prepared = "geo_near_\(index)"
            try connection.execute("PREPARE \(prepared) AS \(statement.sql)")
            let plan = try Self.explain(connection, name, "EXECUTE \(prepared)(\(values.joined(separator: ", ")))")
            #expect(plan.contains("$1"), "a generic plan: \(plan)")
            Self.expectIndexOnly(plan, name + " (generic plan)")
        }
    }
}
