import App
import Foundation
import Glibc
import Postgres
import Testing
import TestSupport

/// jobs.md: cancelling, leases after a crash, several servers, runners apart from request workers.
/// Each test has a database of its own, so only its servers run its jobs.
@Suite struct JobRunnersTests {
    static let big = JobClient.citizens(200_000, seed: 9301)

    @Test func aQueuedJobIsCancelledAtOnceAndOnlyByItsEditorOrAnAdmin() throws {
        let (app, _) = try JobClient.ownApplication { $0.jobWorkers = 0 }
        defer { app.stop() }
        let editor = try AccessControlTests.makeKey("editor", port: app.port)
        let other = try AccessControlTests.makeKey("editor", port: app.port)
        let reader = try AccessControlTests.makeKey("reader", port: app.port)
        let id = try JobClient.jobId(try JobClient.submit(port: app.port, "/imports", JobClient.citizens(5, seed: 1), key: editor.text))
        #expect(try JobClient.get(port: app.port, id).dataObject?.string("state") == "queued")
        #expect(try httpRequest(port: app.port, "GET", "/jobs/\(id)", key: reader.text).status == 200)
        #expect(try httpRequest(port: app.port, "DELETE", "/jobs/\(id)", key: reader.text).status == 403)
        let refused = try httpRequest(port: app.port, "DELETE", "/jobs/\(id)", key: other.text)
        #expect(refused.status == 403, "\(refused.summary)")
        let cancelled = try httpRequest(port: app.port, "DELETE", "/jobs/\(id)", key: editor.text)
        #expect(cancelled.status == 202 && cancelled.dataObject?.string("state") == "cancelled", "\(cancelled.summary)")
        let again = try httpRequest(port: app.port, "DELETE", "/jobs/\(id)")
        #expect(again.status == 200 && again.dataObject?.string("state") == "cancelled" && again.header("Retry-After") == nil)

        let byAdmin = try JobClient.jobId(try JobClient.submit(port: app.port, "/imports", JobClient.citizens(5, seed: 2), key: editor.text))
        #expect(try httpRequest(port: app.port, "DELETE", "/jobs/\(byAdmin)").status == 202)
    }

    @Test func aRunningJobStopsWithinASecondAndStoresNothing() throws {
        let (app, url) = try JobClient.ownApplication { $0.jobWorkers = 1 }
        defer { app.stop() }
        let id = try JobClient.jobId(try JobClient.submit(port: app.port, "/imports", Self.big))
        #expect(try JobClient.waitUntilRunning(port: app.port, id), "the job was seen running")
        let asked = Date()
        let r = try httpRequest(port: app.port, "DELETE", "/jobs/\(id)")
        #expect(r.status == 202 && r.dataObject?.string("state") == "running" && r.header("Retry-After") == "1", "\(r.summary)")
        let job = try JobClient.wait(port: app.port, id)
        #expect(job.string("state") == "cancelled", "\(job)")
        // Checkpoints come about every second; the bound is loose for a loaded machine, well below
        // the job's full length.
        #expect(Date().timeIntervalSince(asked) < 5, "stopped at a checkpoint soon after the cancel")
        #expect((job.double("progress") ?? 0) < 1)
        let connection = try PostgresConnection(url: url)
        #expect(try connection.query("SELECT count(*) FROM imports").int(0, 0) == 0, "the import rolled back")
        #expect(try connection.query("SELECT count(*) FROM citizens").int(0, 0) == 0)
        #expect(try connection.query("SELECT count(*) FROM job_bodies").int(0, 0) == 0)
        #expect(try connection.query("SELECT count(*) FROM events WHERE type = 'insikt.job.cancelled'").int(0, 0) == 1)
    }

    @Test func twoServersOnOneDatabaseRunEachJobOnce() throws {
        let (first, url) = try JobClient.ownApplication { $0.jobWorkers = 2 }
        defer { first.stop() }
        let second = try TestEnvironment.startApplication(databaseURL: url) { $0.jobWorkers = 2; $0.jobLease = 2 }
        defer { second.stop() }
        var ids: [Int] = []
        for i in 0..<12 {
            let port = i % 2 == 0 ? first.port : second.port
            ids.append(try JobClient.jobId(try JobClient.submit(port: port, "/imports", JobClient.citizens(500, seed: 9400 + UInt64(i)))))
        }
        var imports = Set<Int>()
        for id in ids {
            let job = try JobClient.wait(port: first.port, id)
            #expect(job.string("state") == "succeeded" && job.int("attempts") == 1, "\(job)")
            if let importId = job.object("result")?.int("import_id") { imports.insert(importId) }
        }
        #expect(imports.count == 12)
        let connection = try PostgresConnection(url: url)
        #expect(try connection.query("SELECT count(*) FROM imports").int(0, 0) == 12)
        #expect(try connection.query("SELECT count(*) FROM events WHERE type = 'insikt.job.running'").int(0, 0) == 12)
        let servers = try connection.query("SELECT count(DISTINCT substring(line from ' on (.*)$')) FROM job_log WHERE line LIKE 'started%'")
        #expect(servers.int(0, 0) == 2, "both servers ran jobs")
    }

    /// An API server without job workers hands a job to a jobs server at once, through the feed's
    /// NOTIFY: the jobs server's poll is set to a minute, longer than this test waits.
    @Test func aServerWithoutJobWorkersHandsItsJobsOnWithoutThePoll() throws {
        let (api, url) = try JobClient.ownApplication { $0.jobWorkers = 0 }
        defer { api.stop() }
        let worker = try TestEnvironment.startApplication(databaseURL: url) { $0.jobWorkers = 1; $0.jobPollInterval = 60 }
        defer { worker.stop() }
        usleep(1_000_000)  // the worker's first look for jobs, at its start, is over
        let id = try JobClient.jobId(try JobClient.submit(port: api.port, "/imports", JobClient.citizens(3, seed: 9401)))
        let job = try JobClient.wait(port: api.port, id, timeout: 30)
        #expect(job.string("state") == "succeeded", "\(job)")
    }

    @Test func requestWorkersKeepAnsweringWhileEveryJobWorkerIsBusy() throws {
        let (app, _) = try JobClient.ownApplication { $0.jobWorkers = 1; $0.server.workerThreads = 2 }
        defer { app.stop() }
        let ids = try (0..<2).map { _ in try JobClient.jobId(try JobClient.submit(port: app.port, "/imports", Self.big)) }
        #expect(try JobClient.waitUntilRunning(port: app.port, ids[0]))
        for _ in 0..<10 {
            let started = Date()
            #expect(try httpRequest(port: app.port, "GET", "/imports").status == 200)
            #expect(try httpRequest(port: app.port, "GET", "/jobs?state=queued").status == 200)
            // Well below the job's own length (what waiting for it would cost), not a speed test.
            #expect(Date().timeIntervalSince(started) < 2, "answered while the job worker is busy")
        }
        #expect(try JobClient.get(port: app.port, ids[1]).dataObject?.string("state") == "queued", "one job worker: the second waits")
        for id in ids { _ = try httpRequest(port: app.port, "DELETE", "/jobs/\(id)") }
    }
}
