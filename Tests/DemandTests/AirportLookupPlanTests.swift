@testable import Demand
import Foundation
import Postgres
import Testing
import TestSupport

/// The airports of a report's towns are found through the index on the live airports' city keys,
/// never by computing the key of every airport (that would cost ~1 µs per airport per request).
@Suite struct AirportLookupPlanTests {
    func plan(_ towns: [String], country: String?, generic: Bool) throws -> String {
        // The real airports in the shared database, and statistics that count them: a plan is
        // judged for thousands of airports, not for the few a fresh database may have counted.
        let file = try Array(Data(contentsOf: URL(fileURLWithPath: TestEnvironment.packageRoot + "/Tests/Fixtures/airports.csv")))
        let upload = try httpRequest(port: TestEnvironment.port, "POST", "/upload", headers: [("Content-Type", "text/csv")], body: file, timeout: 60)
        #expect(upload.status == 200, "\(upload.summary)")
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        try connection.execute("ANALYZE airports")
        if generic { try connection.execute("SET plan_cache_mode = force_generic_plan") }
        let result = try connection.query("EXPLAIN " + DemandRepository.airportsSQL, [PostgresArray(towns), country])
        return (0..<result.rowCount).compactMap { result.string($0, 0) }.joined(separator: "\n")
    }

    @Test(arguments: [false, true])
    func theCityKeyIndexIsUsed(generic: Bool) throws {
        for country in [nil, "Brazil"] {
            let text = try plan(["São Paulo", "Москва", "St. Petersburg"], country: country, generic: generic)
            #expect(text.contains("airports_live_city_key"), "\(text)")
            #expect(!text.contains("Seq Scan on airports"), "\(text)")
        }
    }
}
