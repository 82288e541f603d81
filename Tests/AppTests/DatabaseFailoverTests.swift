import App
import Foundation
import Postgres
import Testing
import TestSupport

/// A multi-host DATABASE_URL with `target_session_attrs=read-write`: when the primary dies and
/// another host starts taking writes, the pool and the event loops' connections find it by
/// themselves. Meanwhile data routes answer 503 with Retry-After and /readyz 503.
/// The second cluster stands in for a standby: read-only until it is "promoted" (libpq's
/// read-write check reads the same `default_transaction_read_only` either way); scripts/cluster
/// tests a real streaming standby and `pg_ctl promote`.
@Suite struct DatabaseFailoverTests {
    @Test func theServerFindsTheNewPrimaryOnItsOwnAfterAFailover() throws {
        let primary = try PrivateCluster()
        let standby = try PrivateCluster()
        try MigrationRunner(directory: TestEnvironment.packageRoot + "/migrations", url: standby.url).up()
        let standbyAdmin = try PostgresConnection(url: standby.url)
        try standbyAdmin.execute("ALTER SYSTEM SET default_transaction_read_only = on")
        try standbyAdmin.execute("SELECT pg_reload_conf()")
        let url = "host=\(primary.directory)/run,\(standby.directory)/run user=insikt dbname=postgres target_session_attrs=read-write"
        let application = try TestEnvironment.startApplication(databaseURL: url)
        defer { application.stop() }
        let port = application.port
        let body = CitizensAPITests.workedImport

        #expect(try httpRequest(port: port, "POST", "/imports", json: body).status == 201)
        #expect(try httpRequest(port: port, "GET", "/airports/1").status == 404)

        try primary.crash()
        for _ in 0..<3 {
            let write = try httpRequest(port: port, "POST", "/imports", json: body)
            #expect(write.status == 503, "\(write.summary)")
            #expect(write.header("Retry-After") != nil)
            let read = try httpRequest(port: port, "GET", "/airports/1")
            #expect(read.status == 503, "\(read.summary)")
            #expect(read.header("Retry-After") != nil)
        }
        #expect(try httpRequest(port: port, "GET", "/readyz").status == 503)

        let promoter = try PostgresConnection(url: standby.url + " options='-c default_transaction_read_only=off'")
        try promoter.execute("ALTER SYSTEM RESET default_transaction_read_only")
        try promoter.execute("SELECT pg_reload_conf()")
        let promoted = Date()
        var written: RawResponse?
        while Date().timeIntervalSince(promoted) < 15 {
            let attempt = try httpRequest(port: port, "POST", "/imports", json: body)
            if attempt.status == 201 { written = attempt; break }
            #expect(attempt.status == 503, "\(attempt.summary)")
            usleep(100_000)
        }
        let write = try #require(written, "no write succeeded within 15 s of the promotion")
        let importId: Int = try write.dataField("import_id")
        print("first write \(Int(Date().timeIntervalSince(promoted) * 1000)) ms after the promotion")
        let stored = try promoter.query("SELECT count(*) FROM imports WHERE import_id = $1", [Int64(importId)])
        #expect(stored.int(0, 0) == 1, "the write is on the new primary")
        var airportsBack = false
        for _ in 0..<50 where !airportsBack {
            airportsBack = try httpRequest(port: port, "GET", "/airports/1").status == 404
            if !airportsBack { usleep(100_000) }
        }
        #expect(airportsBack, "the event loops' connections found the new primary too")
        #expect(try httpRequest(port: port, "GET", "/readyz").status == 200)
    }
}
