import App
import Foundation
import Locks
import Postgres
import Testing
import TestSupport

/// The main flows of a server whose pool and event-loop connections go through PgBouncer 1.18 in
/// transaction mode (`--database-pooler transaction`), while LISTEN and migrations use the direct
/// URL.
@Suite struct PgBouncerPoolerFlowTests {
    @Test func importPatchUploadAirportsAndTheFeedWorkThroughTransactionPooling() throws {
        let bouncer = try PgBouncer(poolSize: 3)
        let application = try TestEnvironment.startApplication(databaseURL: bouncer.url) {
            $0.databaseStatements = .unnamed
            $0.databaseDirectURL = TestEnvironment.databaseURL
            // More workers than PgBouncer's server connections: transactions share them.
            $0.server.workerThreads = 6
        }
        defer { application.stop() }
        let port = application.port
        #expect(try httpRequest(port: port, "GET", "/readyz").status == 200)

        // An import, twice, so each statement runs on more than one server connection.
        var importIds: [Int] = []
        for _ in 0..<2 {
            let created = try httpRequest(port: port, "POST", "/imports", json: CitizensAPITests.workedImport)
            #expect(created.status == 201, "\(created.summary)")
            importIds.append(try created.dataField("import_id"))
        }
        let id = importIds[0]
        let start = try newestPosition()

        // A long poll on the feed, woken by the NOTIFY of a patch (LISTEN on the direct URL).
        let answer = Monitor<RawResponse?>(nil)
        let poller = Thread {
            let read = try? httpRequest(port: port, "GET", "/events?after=\(start)&subject=/imports/\(id)/&wait=20")
            answer.withLock(wake: .all) { $0 = read }
        }
        poller.start()
        usleep(300_000)
        let patched = Date()
        let patch = try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/1", json: #"{"name": "Pooled"}"#)
        #expect(patch.status == 200, "\(patch.summary)")
        answer.wait(until: { $0 != nil }, deadline: monotonicNow() + 25)
        let woken = try #require(answer.withLock { $0 }, "no answer to the long poll within 25 s")
        #expect(try woken.requireDataArray().first?.object("data")?.string("name") == "Pooled", "\(woken.summary)")
        #expect(Date().timeIntervalSince(patched) < 10, "woken by the commit, not by the time-out")
        let citizens = try httpRequest(port: port, "GET", "/imports/\(id)/citizens")
        #expect(citizens.status == 200 && citizens.text.contains("Pooled"), "\(citizens.summary)")

        // An upload (COPY into a temporary table that is dropped at commit).
        let csvId = 8_000_000 + Int.random(in: 0..<900_000_000)
        let csv = "id,name,city,country,iata,icao,latitude,longitude,altitude,timezone,DST,tz,type,source\n"
            + "\(csvId),\"Pooled Field\",\"C\",\"S\",,,1,2,3,1,\"E\",\"x\",\"y\",\"z\"\n"
        for _ in 0..<2 {
            let upload = try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv")], body: Array(csv.utf8))
            #expect(upload.status == 200, "\(upload.summary)")
        }

        // Airport CRUD, and many reads at once on the event loops' pipelined connections.
        let created = try httpRequest(port: port, "POST", "/airports", json: AirportsAPITests.sample)
        #expect(created.status == 201, "\(created.summary)")
        let airport: Int = try created.dataField("id")
        let etag = try created.require(created.header("ETag"), "an ETag")
        let renamed = try httpRequest(port: port, "PATCH", "/airports/\(airport)", headers: [("If-Match", etag)], json: #"{"name": "Pooled"}"#)
        #expect(renamed.status == 200, "\(renamed.summary)")
        let wrong = Failures()
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let target = i.isMultiple(of: 2) ? airport : csvId
            for _ in 0..<15 {
                let read = try? httpRequest(port: port, "GET", "/airports/\(target)")
                if read?.status != 200 || read?.dataObject?.int("id") != target { wrong.add(read?.summary ?? "no answer") }
            }
        }
        #expect(wrong.all.isEmpty, "\(wrong.all.prefix(3))")
        #expect(try httpRequest(port: port, "DELETE", "/airports/\(airport)").status == 204)
        #expect(try httpRequest(port: port, "GET", "/airports/\(airport)").status == 404)
    }

    /// Many reads at once, pipelined on keep-alive connections, so the event loops queue batch after
    /// batch on their connection through PgBouncer: every answer is the airport its request named.
    /// (PgBouncer 1.18 hands the server connection back at a batch's first ReadyForQuery: a second
    /// batch in flight had its answers dropped and later ones taken for theirs.)
    @Test func pipelinedReadsUnderLoadEachGetTheirOwnAirport() throws {
        let bouncer = try PgBouncer(poolSize: 3)
        let application = try TestEnvironment.startApplication(databaseURL: bouncer.url) {
            $0.databaseStatements = .unnamed
            $0.databaseDirectURL = TestEnvironment.databaseURL
        }
        defer { application.stop() }
        let port = application.port
        var ids: [Int] = []
        for _ in 0..<4 {
            let created = try httpRequest(port: port, "POST", "/airports", json: AirportsAPITests.sample)
            #expect(created.status == 201, "\(created.summary)")
            ids.append(try created.dataField("id"))
        }
        guard ids.count == 4 else { return }
        let airportIds = ids
        let wrong = Failures()
        let done = DispatchGroup()
        // Threads of their own: concurrentPerform would run only as many clients as there are cores.
        let clients = (0..<32).map { client in
            Thread {
                defer { done.leave() }
                do {
                    let connection = try RawConnection(port: port)
                    for round in 0..<20 {
                        let asked = (0..<10).map { airportIds[(client + round + $0) % airportIds.count] }
                        try connection.send(asked.map {
                            "GET /airports/\($0) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(TestEnvironment.adminKey)\r\n\r\n"
                        }.joined())
                        for id in asked {
                            let read = try connection.readResponse()
                            if read.status != 200 || read.dataObject?.int("id") != id { wrong.add("asked \(id): \(read.summary)") }
                        }
                    }
                } catch {
                    wrong.add("client \(client): \(error)")
                }
            }
        }
        for client in clients {
            done.enter()
            client.start()
        }
        #expect(done.wait(timeout: .now() + 60) == .success, "clients still reading after 60 s")
        let failures = wrong.all
        #expect(failures.count == 0, "\(failures.count) wrong answers of 6,400 (32 clients, 20 rounds of 10), e.g. \(failures.prefix(3))")
    }

    func newestPosition() throws -> Int {
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        return Int(try connection.query("SELECT coalesce(max(id), 0) FROM events").int(0, 0) ?? 0)
    }
}
