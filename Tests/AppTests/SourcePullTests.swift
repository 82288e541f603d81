import Foundation
import HTTP
import Postgres
import Testing
import TestSupport

/// sources.md "Done means", against local HTTP servers the tests start: conditional pulls,
/// retries, failures at once, gzip, a citizens export, the real airports file.
@Suite struct SourcePullTests {
    let port = TestEnvironment.port

    @Test func aFileServedWithAnETagLoadsOnceAndIsUnchangedOnTheNextPull() throws {
        let base = SourceTesting.airportBase()
        let csv = SourceTesting.airports(base: base, count: 5)
        let server = try WebhookReceiver { _, request in
            request.headers["if-none-match"] == "\"v1\"" ? .init(304, headers: [("ETag", "\"v1\"")])
                : .init(200, headers: [("ETag", "\"v1\""), ("Content-Type", "text/csv")], body: csv)
        }
        defer { server.stop() }
        let source = try SourceTesting.create(port, url: server.url("/airports.csv"))

        let first = try SourceTesting.pull(port, source)
        #expect(first.string("state") == "succeeded", "\(first)")
        #expect(first.object("result")?.int("rows") == 5 && first.object("result")?.int("inserted") == 5, "\(first)")
        #expect(try httpRequest(port: port, "GET", "/airports/\(base + 4)").dataObject?.string("name") == "Pulled 4")
        let loaded = try SourceTesting.lastRun(port, source)
        #expect(loaded.string("outcome") == "loaded" && loaded.int("http_status") == 200 && loaded.int("attempts") == 1
                && loaded.int("rows") == 5 && loaded.int("bytes") == csv.count && loaded.string("trigger") == "request", "\(loaded)")

        let second = try SourceTesting.pull(port, source)
        #expect(second.string("state") == "succeeded" && second.object("result")?["unchanged"] as? Bool == true, "\(second)")
        #expect(server.requests.last?.headers["if-none-match"] == "\"v1\"")
        let runs = try SourceTesting.runs(port, source)
        #expect(runs.map { $0.string("outcome") ?? "-" } == ["unchanged", "loaded"], "\(runs)")
        #expect(runs.first?.int("http_status") == 304)

        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        let events = try connection.query("SELECT type FROM events WHERE aggregateid = $1 ORDER BY id", ["/sources/\(source)"])
        #expect((0..<events.rowCount).map { events.string($0, 0) ?? "" } == ["insikt.source.run.loaded", "insikt.source.run.unchanged"])
        let metrics = try httpRequest(port: port, "GET", "/metrics").text
        #expect(metrics.contains("insikt_source_runs_total{source=\"\(source)\",outcome=\"loaded\"} 1"), "\(metrics.suffix(2000))")
        #expect(metrics.contains("insikt_source_runs_total{source=\"\(source)\",outcome=\"unchanged\"} 1"))
        #expect(metrics.contains("insikt_source_last_success_timestamp_seconds{source=\"\(source)\"} "))
        let shown = try httpRequest(port: port, "GET", "/sources/\(source)").requireDataObject()
        #expect(shown.object("last_run")?.string("outcome") == "unchanged", "\(shown)")
    }

    @Test func aServerThatFailsTwiceWith503IsPulledThreeTimesAndLoads() throws {
        let base = SourceTesting.airportBase()
        let csv = SourceTesting.airports(base: base, count: 3)
        let server = try WebhookReceiver { index, _ in index < 2 ? .init(503, body: Array("busy".utf8)) : .init(200, body: csv) }
        defer { server.stop() }
        let source = try SourceTesting.create(port, url: server.url("/a.csv"))
        let job = try SourceTesting.pull(port, source)
        #expect(job.string("state") == "succeeded", "\(job)")
        let run = try SourceTesting.lastRun(port, source)
        #expect(run.string("outcome") == "loaded" && run.int("attempts") == 3 && run.int("rows") == 3, "\(run)")
        #expect(server.requests.count == 3)
        let log = try httpRequest(port: port, "GET", "/jobs/\(job.int("id") ?? 0)/log").text
        #expect(log.contains("attempt 1 failed (status 503: busy)"), "\(log)")
    }

    @Test func aRetryAfterLongerThanTheScheduleIsHonoured() throws {
        let csv = SourceTesting.airports(base: SourceTesting.airportBase(), count: 1)
        let server = try WebhookReceiver { index, _ in index == 0 ? .init(429, headers: [("Retry-After", "1")]) : .init(200, body: csv) }
        defer { server.stop() }
        let source = try SourceTesting.create(port, url: server.url("/a.csv"))
        #expect(try SourceTesting.pull(port, source).string("state") == "succeeded")
        let requests = server.requests
        #expect(requests.count == 2)
        if requests.count == 2 {
            let gap = requests[1].at.timeIntervalSince(requests[0].at)
            #expect(gap >= 0.95, "the retry waited \(gap) s; Retry-After said 1 s, the schedule 0.1 s")
        }
    }

    @Test func a404FailsAtOnceAfterOneAttemptAndTheScheduleCountsIt() throws {
        let server = try WebhookReceiver { _, _ in .init(404, body: Array("no such file".utf8)) }
        defer { server.stop() }
        let source = try SourceTesting.create(port, url: server.url("/gone.csv"))
        let job = try SourceTesting.pull(port, source)
        #expect(job.string("state") == "failed", "\(job)")
        let run = try SourceTesting.lastRun(port, source)
        #expect(run.string("outcome") == "failed" && run.int("attempts") == 1 && run.int("http_status") == 404, "\(run)")
        #expect(run.object("problem")?.string("detail")?.contains("404") == true, "\(run)")
        #expect(server.requests.count == 1)
        #expect(try httpRequest(port: port, "GET", "/sources/\(source)").dataObject?.int("consecutive_failures") == 1)
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        #expect(try connection.query("SELECT count(*) FROM events WHERE aggregateid = $1 AND type = 'insikt.source.run.failed'",
                                     ["/sources/\(source)"]).int(0, 0) == 1)
    }

    @Test func aBodyTheUploadRejectsFailsAtOnceWithTheUploadsProblemAndStoresNothing() throws {
        let base = SourceTesting.airportBase()
        let csv = Array((SourceTesting.header + "\n\(base),\"A\",\"T\",\"C\",,,59,18,1,1,\"E\",\"x\",\"airport\",\"t\"\n\(base + 1),\"B\",\"T\",\"C\",,,95,18,1,1,\"E\",\"x\",\"airport\",\"t\"\n").utf8)
        let server = try WebhookReceiver { _, _ in .init(200, body: csv) }
        defer { server.stop() }
        let source = try SourceTesting.create(port, url: server.url("/bad.csv"))
        let job = try SourceTesting.pull(port, source)
        #expect(job.string("state") == "failed", "\(job)")
        let run = try SourceTesting.lastRun(port, source)
        #expect(run.string("outcome") == "failed" && run.int("attempts") == 1 && run.int("http_status") == 200, "\(run)")
        let errors = run.object("problem")?.objects("errors") ?? []
        #expect(errors.first?.int("line") == 3 && errors.first?.string("column") == "latitude", "\(run)")
        #expect(try httpRequest(port: port, "GET", "/airports/\(base)").status == 404, "nothing of the file was stored")
    }

    @Test func aGzipAnswerIsInflatedAndAnUnchangedBodyIsKnownByItsDigest() throws {
        let base = SourceTesting.airportBase()
        let csv = SourceTesting.airports(base: base, count: 50)
        let server = try WebhookReceiver { _, request in
            #expect(request.headers["accept-encoding"]?.contains("gzip") == true)
            return .init(200, headers: [("Content-Encoding", "gzip")], body: Gzip.compress(csv))
        }
        defer { server.stop() }
        let source = try SourceTesting.create(port, url: server.url("/a.csv"))
        let first = try SourceTesting.pull(port, source)
        #expect(first.object("result")?.int("rows") == 50, "\(first)")
        #expect(try SourceTesting.lastRun(port, source).int("bytes") == csv.count)
        // No ETag, no Last-Modified: the same body again is known by its SHA-256.
        let second = try SourceTesting.pull(port, source)
        #expect(second.object("result")?["unchanged"] as? Bool == true, "\(second)")
        #expect(try SourceTesting.lastRun(port, source).string("outcome") == "unchanged")
    }

    @Test func aCitizensExportBecomesANewImport() throws {
        let body = JobClient.citizens(40, seed: 4242)
        let server = try WebhookReceiver { _, _ in .init(200, headers: [("Content-Type", "application/json")], body: body) }
        defer { server.stop() }
        let source = try SourceTesting.create(port, url: server.url("/export.json"), kind: "citizens")
        let job = try SourceTesting.pull(port, source)
        #expect(job.string("state") == "succeeded", "\(job)")
        let importId = try #require(job.object("result")?.int("import_id"), "\(job)")
        #expect(job.object("result")?.string("href") == "/imports/\(importId)")
        let citizens = try httpRequest(port: port, "GET", "/imports/\(importId)/citizens?limit=1000")
        #expect(citizens.dataArray?.count == 40, "\(citizens.summary.prefix(300))")
        #expect(try SourceTesting.lastRun(port, source).int("rows") == 40)
    }

    @Test func theRealAirportsFileLoadsItsRowsOnceAndIsUnchangedOnEveryLaterPull() throws {
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestEnvironment.packageRoot + "/Tests/Fixtures/airports.csv")))
        let server = try WebhookReceiver { _, request in
            request.headers["if-modified-since"] == "Sat, 05 Dec 2026 10:00:00 GMT" ? .init(304)
                : .init(200, headers: [("Content-Type", "text/csv"), ("Last-Modified", "Sat, 05 Dec 2026 10:00:00 GMT")], body: file)
        }
        defer { server.stop() }
        let source = try SourceTesting.create(port, url: server.url("/airports.csv"))
        let first = try SourceTesting.pull(port, source)
        #expect(first.object("result")?.int("rows") == 7698, "\(first)")
        for _ in 0..<3 {
            let later = try SourceTesting.pull(port, source)
            #expect(later.object("result")?["unchanged"] as? Bool == true, "\(later)")
        }
        let runs = try SourceTesting.runs(port, source)
        #expect(runs.map { $0.string("outcome") ?? "-" } == ["unchanged", "unchanged", "unchanged", "loaded"], "\(runs)")
        #expect(runs.last?.int("rows") == 7698)
    }

    @Test func aSecondRunAskedForWhileOneRunsIsThatOne() throws {
        let base = SourceTesting.airportBase()
        let csv = SourceTesting.airports(base: base, count: 2)
        let server = try WebhookReceiver { _, _ in .init(200, delay: 1, body: csv) }
        defer { server.stop() }
        let source = try SourceTesting.create(port, url: server.url("/slow.csv"))
        let first = try JobClient.jobId(try httpRequest(port: port, "POST", "/sources/\(source)/runs"))
        let second = try JobClient.jobId(try httpRequest(port: port, "POST", "/sources/\(source)/runs"))
        #expect(first == second)
        #expect(try JobClient.wait(port: port, first).string("state") == "succeeded")
        #expect(try SourceTesting.runs(port, source).count == 1)
        #expect(server.requests.count == 1)
    }

    @Test func aDueSourceRunsOnItsScheduleAndMissedSlotsRunOnce() throws {
        let base = SourceTesting.airportBase()
        let csv = SourceTesting.airports(base: base, count: 2)
        let server = try WebhookReceiver { _, _ in .init(200, body: csv) }
        defer { server.stop() }
        _ = SourceTesting.pastLowIds
        let created = try httpRequest(port: port, "POST", "/sources",
                                      json: #"{"name": "hourly", "url": "\#(server.url("/a.csv"))", "kind": "airports", "every": 3600}"#)
        let source: Int = try created.dataField("id")
        defer { _ = try? httpRequest(port: port, "DELETE", "/sources/\(source)") }
        func finishedRuns() throws -> [[String: Any]] { try SourceTesting.runs(port, source).filter { $0["outcome"] is String } }
        #expect(try WebhookTesting.eventually(timeout: 30) { try finishedRuns().count == 1 }, "the first pull is due at creation")
        #expect(try finishedRuns().first?.string("trigger") == "schedule")

        // Ten slots went by while no server ran: one run, and the next slot is in the future.
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        try connection.query("UPDATE sources SET next_run_at = now() - interval '10 hours' - interval '5 minutes' WHERE id = $1", [source])
        #expect(try WebhookTesting.eventually(timeout: 30) { try finishedRuns().count == 2 })
        let next = try connection.query("SELECT next_run_at > now() + interval '50 minutes', next_run_at < now() + interval '61 minutes' FROM sources WHERE id = $1", [source])
        #expect(next.bool(0, 0) == true && next.bool(0, 1) == true, "the next slot is on the old grid, 55 minutes ahead")
        #expect(try SourceTesting.runs(port, source).count == 2)
    }
}

/// A run is a job: cancelling it mid-pull stops it, stores nothing, and the run says `cancelled`.
@Suite struct SourceCancelTests {
    let port = TestEnvironment.port

    @Test func aRunCancelledMidPullStoresNothing() throws {
        let base = SourceTesting.airportBase()
        let csv = SourceTesting.airports(base: base, count: 5_000)
        let server = try WebhookReceiver { _, _ in .init(200, body: csv, pieceDelay: 0.3) }
        defer { server.stop() }
        let source = try SourceTesting.create(port, url: server.url("/slow.csv"))
        let job = try JobClient.jobId(try httpRequest(port: port, "POST", "/sources/\(source)/runs"))
        #expect(try JobClient.waitUntilRunning(port: port, job), "the pull is under way")
        let cancel = try httpRequest(port: port, "DELETE", "/jobs/\(job)")
        #expect(cancel.status == 202, "\(cancel.summary)")
        let ended = try JobClient.wait(port: port, job)
        #expect(ended.string("state") == "cancelled", "\(ended)")
        let run = try SourceTesting.lastRun(port, source)
        #expect(run.string("outcome") == "cancelled" && run.string("state") == "cancelled", "\(run)")
        #expect(try httpRequest(port: port, "GET", "/airports/\(base)").status == 404, "nothing of the pull was stored")
    }
}
