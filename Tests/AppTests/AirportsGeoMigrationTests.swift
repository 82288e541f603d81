import Foundation
import Postgres
import Testing
import TestSupport

/// The airports geography migration needs the postgis extension, which only a superuser may create. Run by a user
/// who may not, it fails with the statement a DBA must run; once a superuser has run it, the same
/// user migrates to the end.
@Suite struct AirportsGeoMigrationTests {
    /// `base` connecting as `user` to `database`.
    static func url(_ base: String, user: String, database: String) -> String {
        if base.hasPrefix("postgres://") || base.hasPrefix("postgresql://"), var components = URLComponents(string: base) {
            components.user = user
            components.password = nil
            components.path = "/" + database
            return components.string ?? base
        }
        return base + " user=\(user) dbname=\(database)"
    }

    @Test func aUserWhoMayNotCreatePostGISIsToldWhatTheDBAMustRun() throws {
        let admin = try PostgresConnection(url: TestEnvironment.databaseURL)
        let name = "insikt_geo_nosuper_\(UInt32.random(in: 0...UInt32.max))"
        try admin.execute("CREATE ROLE \(name) LOGIN NOSUPERUSER")
        defer {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            _ = try? admin.execute("DROP ROLE IF EXISTS \(name)")
        }
        try admin.execute("CREATE DATABASE \(name) OWNER \(name)")
        let url = Self.url(TestEnvironment.databaseURL, user: name, database: name)
        let runner = MigrationRunner(directory: TestEnvironment.packageRoot + "/migrations", url: url)

        let geography = try #require(try runner.status().first { $0.name.hasSuffix("airports_geography") }).version
        let error = #expect(throws: MigrationRunner.Failure.self) { try runner.up() }
        let message = error?.description ?? ""
        #expect(message.contains(String(format: "%04d_airports_geography.sql", geography)), "\(message)")
        #expect(message.contains("PostGIS is missing: a superuser must run CREATE EXTENSION postgis; in database \(name)"), "\(message)")
        let status = try runner.status()
        #expect(status.map(\.applied) == status.map { $0.version < geography }, "applied up to the one before")

        // What the DBA does, then the same user again.
        let superuser = try PostgresConnection(url: TestEnvironment.url(TestEnvironment.databaseURL, database: name))
        try superuser.execute("CREATE EXTENSION postgis")
        #expect(try runner.up().first == geography)
        #expect(try runner.isUpToDate())
        let geog = try PostgresConnection(url: url)
        let point = try geog.query("""
            INSERT INTO airports (id, latitude, longitude) VALUES (1, 37.5, -122.25)
            RETURNING ST_X(geog::geometry), ST_Y(geog::geometry)
            """)
        #expect(point.double(0, 0) == -122.25 && point.double(0, 1) == 37.5, "the generated column follows longitude, latitude")
    }
}
