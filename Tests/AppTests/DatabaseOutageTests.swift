import App
import Foundation
import Testing
import TestSupport

@Suite struct DatabaseOutageTests {
    @Test func theServerAnswers503WhileTheDatabaseIsDownAndRecoversAlone() throws {
        let cluster = try PrivateCluster()
        let application = try TestEnvironment.startApplication(databaseURL: cluster.url)
        defer { application.stop() }
        let port = application.port
        let body = CitizensAPITests.workedImport

        #expect(try httpRequest(port: port, "GET", "/readyz").status == 200)
        #expect(try httpRequest(port: port, "POST", "/imports", json: body).status == 201)
        // GET /airports/{id} runs on the event loop's own connection rather than the pool.
        #expect(try httpRequest(port: port, "GET", "/airports/1").status == 404)

        try cluster.crash()
        for _ in 0..<5 {
            let data = try httpRequest(port: port, "POST", "/imports", json: body)
            #expect(data.status == 503)
            #expect(data.header("Retry-After") != nil)
            #expect(data.header("Content-Type") == "application/problem+json; charset=utf-8")
            #expect(try httpRequest(port: port, "GET", "/imports/1/citizens").status == 503)
            let airport = try httpRequest(port: port, "GET", "/airports/1")
            #expect(airport.status == 503)
            #expect(airport.header("Retry-After") != nil)
        }
        #expect(try httpRequest(port: port, "GET", "/readyz").status == 503)
        #expect(try httpRequest(port: port, "GET", "/healthz").status == 200)

        try cluster.start()
        var recovered = false
        for _ in 0..<50 where !recovered {
            recovered = try httpRequest(port: port, "POST", "/imports", json: body).status == 201
            if !recovered { usleep(100_000) }
        }
        #expect(recovered)
        var airportsBack = false
        for _ in 0..<50 where !airportsBack {
            airportsBack = try httpRequest(port: port, "GET", "/airports/1").status == 404
            if !airportsBack { usleep(100_000) }
        }
        #expect(airportsBack)
        #expect(try httpRequest(port: port, "GET", "/readyz").status == 200)
    }
}
