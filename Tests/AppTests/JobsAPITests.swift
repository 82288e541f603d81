import App
import Foundation
import Glibc
import Postgres
import Routing
import Testing
import TestSupport

/// jobs.md: Prefer: respond-async on imports and uploads, the job resource, its log, Idempotency-Key.
@Suite struct JobsAPITests {
    let port = TestEnvironment.port

    @Test func anAsyncImportSucceedsAndReadsBackLikeTheSynchronousOne() throws {
        let body = JobClient.citizens(300, seed: 9101)
        let sync = try httpRequest(port: port, "POST", "/imports", headers: [("Content-Type", "application/json")], body: body)
        let syncId = try sync.dataField("import_id", as: Int.self)

        let accepted = try JobClient.submit(port: port, "/imports", body)
        let id = try JobClient.jobId(accepted)
        #expect(accepted.header("Retry-After") == "1")
        #expect(accepted.header("Preference-Applied") == "respond-async")
        #expect(accepted.dataObject?.string("kind") == "import")
        #expect(accepted.dataObject?.object("bytes")?.int("total") == body.count)

        let job = try JobClient.wait(port: port, id)
        #expect(job.string("state") == "succeeded", "\(job)")
        #expect(job.double("progress") == 1 || job.int("progress") == 1)
        #expect(job.int("processed") == 300)
        #expect(job.int("attempts") == 1)
        #expect(job.object("actor")?.string("name") != nil)
        let importId = try #require(job.object("result")?.int("import_id"), "\(job)")
        #expect(job.object("result")?.string("href") == "/imports/\(importId)")
        #expect(job.isNull("error"))
        // The import was created inside the job's work; the job finished after it, at its commit.
        let stored = try httpRequest(port: port, "GET", "/imports/\(importId)").dataObject?.string("created_at") ?? ""
        let finished = job.string("finished_at") ?? ""
        #expect(!stored.isEmpty && finished > stored, "finished_at \(finished) should be after the import's created_at \(stored)")

        let a = try httpRequest(port: port, "GET", "/imports/\(syncId)/citizens")
        let b = try httpRequest(port: port, "GET", "/imports/\(importId)/citizens")
        #expect(a.status == 200 && b.status == 200)
        #expect(a.body == b.body, "the job stored the same citizens as the synchronous import")

        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        let events = try connection.query("""
            SELECT type FROM events WHERE aggregateid = $1 OR aggregateid = $2 ORDER BY id
            """, ["/jobs/\(id)", "/imports/\(importId)"])
        #expect((0..<events.rowCount).map { events.string($0, 0) ?? "" }
                == ["insikt.job.queued", "insikt.job.running", "insikt.import.created", "insikt.job.succeeded"])

        let log = try httpRequest(port: port, "GET", "/jobs/\(id)/log")
        let lines = try log.require(log.object?["log"] as? [String], "log lines")
        #expect(log.object?.int("from") == 0 && log.object?.int("total") == lines.count)
        #expect(lines.first?.contains("queued") == true && lines.contains { $0.contains("started") } && lines.last?.contains("succeeded") == true, "\(lines)")
        let page = try httpRequest(port: port, "GET", "/jobs/\(id)/log?from=1&size=1")
        #expect((page.object?["log"] as? [String]) == [lines[1]])
    }

    @Test func anAsyncUploadSucceedsAndStoresWhatTheSynchronousOneWould() throws {
        let base = 7_100_000 + Int.random(in: 0..<1000) * 10
        let header = "id,name,city,country,iata,icao,latitude,longitude,altitude,timezone,DST,tz,type,source"
        let csv = header + "\n" + (0..<5).map { "\(base + $0),\"Job \($0)\",\"Town\",\"Sweden\",,,59.1,18.2,10,1,\"E\",\"Europe/Stockholm\",\"airport\",\"test\"" }
            .joined(separator: "\n") + "\n"
        let id = try JobClient.jobId(try JobClient.submit(port: port, "/airports/upload", Array(csv.utf8), contentType: "text/csv"))
        let job = try JobClient.wait(port: port, id)
        #expect(job.string("state") == "succeeded", "\(job)")
        #expect(job.string("kind") == "airports_upload")
        #expect(job.object("result")?.int("rows") == 5 && job.object("result")?.int("inserted") == 5 && job.object("result")?.int("updated") == 0,
                "\(job)")
        let again = try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv")], body: Array(csv.utf8))
        #expect(again.summary.contains(#""rows":5,"inserted":0,"updated":0"#), "the synchronous upload finds the rows as it would store them: \(again.summary)")
    }

    @Test func anInvalidFileFailsWithTheSynchronousErrorsAndStoresNothing() throws {
        let body = Array(#"{"citizens": [{"citizen_id": 1, "town": "", "street": "s", "building": "b", "apartment": 1, "name": "n", "birth_date": "31.02.2000", "gender": "male", "relatives": [2]}]}"#.utf8)
        let sync = try httpRequest(port: port, "POST", "/imports", headers: [("Content-Type", "application/json")], body: body)
        #expect(sync.status == 400)
        let id = try JobClient.jobId(try JobClient.submit(port: port, "/imports", body))
        let job = try JobClient.wait(port: port, id)
        #expect(job.string("state") == "failed")
        #expect(job.isNull("result"))
        let error = try #require(job.object("error"), "\(job)")
        #expect(NSDictionary(dictionary: error) == NSDictionary(dictionary: sync.object ?? [:]), "job: \(error)\nsync: \(sync.text)")
        #expect(((error["errors"] as? [[String: Any]])?.count ?? 0) >= 2)
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        #expect(try connection.query("SELECT count(*) FROM job_bodies WHERE job_id = $1", [id]).int(0, 0) == 0, "the body goes when the job ends")

        let csv = "id,name,city\n5000001,a,b\n"
        let syncUpload = try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv")], body: Array(csv.utf8))
        let uploadId = try JobClient.jobId(try JobClient.submit(port: port, "/upload", Array(csv.utf8), contentType: "text/csv"))
        let upload = try JobClient.wait(port: port, uploadId)
        #expect(upload.string("state") == "failed")
        #expect(NSDictionary(dictionary: upload.object("error") ?? [:]) == NSDictionary(dictionary: syncUpload.object ?? [:]), "\(upload)")
    }

    @Test func aBodyNoJobCouldReadIsRefusedAtOnce() throws {
        let r = try JobClient.submit(port: port, "/imports", Array("a,b".utf8), contentType: "text/csv")
        #expect(r.status == 415, "\(r.summary)")
        let upload = try JobClient.submit(port: port, "/upload", Array("{}".utf8), contentType: "application/json")
        #expect(upload.status == 415, "\(upload.summary)")
        let key = try JobClient.submit(port: port, "/imports", Array("{}".utf8), headers: [("Idempotency-Key", String(repeating: "x", count: 129))])
        #expect(key.status == 400, "\(key.summary)")
    }

    @Test func anIdempotencyKeyGivesTheSameJobForTheSameBodyAnd409ForAnother() throws {
        let key = "jobs-test-\(UUID().uuidString)"
        let body = JobClient.citizens(20, seed: 9102)
        let first = try JobClient.jobId(try JobClient.submit(port: port, "/imports", body, headers: [("Idempotency-Key", key)]))
        let second = try JobClient.submit(port: port, "/imports", body, headers: [("Idempotency-Key", key)])
        #expect(try JobClient.jobId(second) == first)
        let other = try JobClient.submit(port: port, "/imports", JobClient.citizens(21, seed: 9102), headers: [("Idempotency-Key", key)])
        #expect(other.status == 409, "\(other.summary)")
        let otherKind = try JobClient.submit(port: port, "/upload", body, contentType: "text/csv", headers: [("Idempotency-Key", key)])
        #expect(otherKind.status == 409, "\(otherKind.summary)")
        let job = try JobClient.wait(port: port, first)
        #expect(job.string("state") == "succeeded")
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        #expect(try connection.query("SELECT count(*) FROM jobs WHERE idempotency_key = $1", [key]).int(0, 0) == 1)
    }

    @Test func jobsAreListedNewestFirstInKeysetPages() throws {
        let ids = try (0..<3).map { i in try JobClient.jobId(try JobClient.submit(port: port, "/imports", JobClient.citizens(3, seed: 9200 + UInt64(i)))) }
        for id in ids { _ = try JobClient.wait(port: port, id) }
        // Other tests' jobs may fall between these: walk the pages down past the oldest of ours.
        var listed: [Int] = []
        var link: String? = "/jobs?kind=import&state=succeeded&limit=2&after=\(ids[2] + 1)"
        while let target = link, listed.last.map({ $0 > ids[0] }) ?? true, listed.count < 1000 {
            let page = try httpRequest(port: port, "GET", target)
            let pageIds = try page.requireDataArray().compactMap { $0.int("id") }
            #expect(pageIds.count <= 2 && pageIds == pageIds.sorted(by: >), "\(page.summary)")
            link = page.object?.string("next")
            if let last = pageIds.last, let link {
                #expect(link == "/jobs?after=\(last)&state=succeeded&kind=import&limit=2", "\(page.summary)")
            }
            listed += pageIds
        }
        #expect(listed.filter { ids.contains($0) } == ids.reversed(), "ours, newest first, among \(listed)")
        #expect(try httpRequest(port: port, "GET", "/jobs?state=done").status == 400)
        #expect(try httpRequest(port: port, "GET", "/jobs/999999999").status == 404)
        #expect(try httpRequest(port: port, "GET", "/jobs/999999999/log").status == 404)
        #expect(try httpRequest(port: port, "DELETE", "/jobs/999999999").status == 404)
    }

    @Test func progressNeverGoesDownAndIsOneOnlyAtTheEnd() throws {
        let id = try JobClient.jobId(try JobClient.submit(port: port, "/imports", JobClient.citizens(60_000, seed: 9103)))
        var seen: [(String, Double, Int)] = []
        var phases: [String] = []
        let job = try JobClient.wait(port: port, id) { job in
            seen.append((job.string("state") ?? "", job.double("progress") ?? Double(job.int("progress") ?? -1), job.int("processed") ?? -1))
            if job.string("state") == "running", let phase = job.string("phase") { phases.append(phase) }
        }
        #expect(!phases.isEmpty && phases.allSatisfy { ["reading", "storing", "committing"].contains($0) },
                "a running job names what it is doing: \(phases)")
        #expect(job.isNull("phase"), "a finished job has no phase: \(job)")
        #expect(job.string("state") == "succeeded")
        for (earlier, later) in zip(seen, seen.dropFirst()) {
            #expect(later.1 >= earlier.1 && later.2 >= earlier.2, "\(seen)")
        }
        #expect(seen.dropLast().allSatisfy { $0.1 < 1 }, "\(seen)")
        #expect(seen.contains { $0.0 == "running" && $0.1 > 0 && $0.1 < 1 }, "progress was seen between 0 and 1: \(seen.map { "\($0.0) \($0.1)" })")
    }

    @Test func finishedJobsGoAfterTheRetentionWithTheirLogs() throws {
        let old = try JobClient.jobId(try JobClient.submit(port: port, "/imports", JobClient.citizens(2, seed: 9301)))
        let recent = try JobClient.jobId(try JobClient.submit(port: port, "/imports", JobClient.citizens(2, seed: 9302)))
        for id in [old, recent] { #expect(try JobClient.wait(port: port, id).string("state") == "succeeded") }
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        try connection.query("UPDATE jobs SET finished_at = now() - interval '8 days' WHERE id = $1", [old])
        try connection.query("UPDATE jobs SET finished_at = now() - interval '6 days' WHERE id = $1", [recent])

        #expect(try TestEnvironment.application.jobRetention.deleteExpired() >= 1)
        let gone = try httpRequest(port: port, "GET", "/jobs/\(old)")
        #expect(gone.status == 404, "a job finished 8 days ago (retention 7): \(gone.summary)")
        #expect(try httpRequest(port: port, "GET", "/jobs/\(old)/log").status == 404)
        #expect(try connection.query("SELECT count(*) FROM job_log WHERE job_id = $1", [old]).int(0, 0) == 0)
        let kept = try httpRequest(port: port, "GET", "/jobs/\(recent)")
        #expect(kept.status == 200, "a job finished 6 days ago: \(kept.summary)")
    }
}

