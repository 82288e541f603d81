import Foundation
import Glibc
import Postgres
import Testing
import TestSupport

/// The real `insikt serve`, several at once on one database: each due run is started by exactly
/// one of them, slots missed while all were down run once, and a pull whose server is killed is
/// taken over by another after its lease.
@Suite struct SourceServerProcessTests {
    func start(_ url: String, port: UInt16) throws -> pid_t {
        try ServerProcess.start("sources", databaseURL: url, port: port,
                                arguments: ["--job-workers", "1", "--job-lease", "1.5", "--source-allow-private"],
                                environment: ["SOURCE_RETRY_SCHEDULE": "0.1"])
    }

    func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        _ = waitForExit(pid)
    }

    @Test func twoServersStartEachDueRunOnceAndMissedSlotsRunOnceAfterAllWereDown() throws {
        let url = try TestEnvironment.createDatabase(prefix: "insikt_sources_two")
        let base = SourceTesting.airportBase()
        let csv = SourceTesting.airports(base: base, count: 3)
        let server = try WebhookReceiver { _, _ in .init(200, delay: 0.1, body: csv) }
        defer { server.stop() }
        let (portA, portB) = (freePort(), freePort())
        var a = try start(url, port: portA)
        var b = try start(url, port: portB)
        let sources = try (0..<8).map { i in
            let created = try httpRequest(port: i % 2 == 0 ? portA : portB, "POST", "/sources",
                                          json: #"{"name": "due \#(i)", "url": "\#(server.url("/\(i).csv"))", "kind": "airports", "every": 3600}"#)
            #expect(created.status == 201, "\(created.summary)")
            return try created.dataField("id", as: Int.self)
        }
        let connection = try PostgresConnection(url: url)
        func finished() throws -> Int {
            Int(try connection.query("SELECT count(*) FROM source_runs WHERE outcome IS NOT NULL").int(0, 0) ?? 0)
        }
        #expect(WebhookTesting.eventually(timeout: 60) { (try? finished()) == sources.count }, "each due source was pulled")
        let perSource = try connection.query("SELECT source_id, count(*) FROM source_runs GROUP BY 1 HAVING count(*) <> 1")
        #expect(perSource.rowCount == 0, "a source ran more than once")
        #expect(try connection.query("SELECT count(*) FROM jobs WHERE kind = 'source'").int(0, 0) == Int64(sources.count))
        #expect(server.requests.count == sources.count)

        // Both down while ten slots fall due; at their start, one run each.
        stop(a)
        stop(b)
        try connection.query("UPDATE sources SET next_run_at = now() - interval '10 hours' - interval '5 minutes'")
        a = try start(url, port: portA)
        b = try start(url, port: portB)
        defer { stop(a); stop(b) }
        #expect(WebhookTesting.eventually(timeout: 60) { (try? finished()) == 2 * sources.count }, "each source ran again")
        let twice = try connection.query("SELECT count(*) FROM source_runs GROUP BY source_id HAVING count(*) <> 2")
        #expect(twice.rowCount == 0, "a source ran other than once after the restart")
        #expect(try connection.query("SELECT count(*) FROM sources WHERE next_run_at < now() + interval '50 minutes'").int(0, 0) == 0)
        let runs = try SourceTesting.runs(portB, sources[0])
        #expect(runs.map { $0.string("outcome") ?? "-" } == ["unchanged", "loaded"] && runs.allSatisfy { $0.string("trigger") == "schedule" },
                "\(runs)")
    }

    @Test func aPullWhoseServerIsKilledIsTakenOverAfterItsLease() throws {
        let url = try TestEnvironment.createDatabase(prefix: "insikt_sources_kill")
        let base = SourceTesting.airportBase()
        let csv = SourceTesting.airports(base: base, count: 20_000)
        // The first answer trickles (64 KiB every 0.2 s); the second comes at once.
        let server = try WebhookReceiver { index, _ in index == 0 ? .init(200, body: csv, pieceDelay: 0.2) : .init(200, body: csv) }
        defer { server.stop() }
        let port = freePort()
        let first = try start(url, port: port)
        let source = try SourceTesting.create(port, url: server.url("/big.csv"))
        let job = try JobClient.jobId(try httpRequest(port: port, "POST", "/sources/\(source)/runs"))
        let running = try JobClient.waitUntilRunning(port: port, job)
        kill(first, SIGKILL)
        _ = waitForExit(first)
        #expect(running, "the pull was under way when its server was killed")

        let second = try start(url, port: port)
        defer { stop(second) }
        let ended = try JobClient.wait(port: port, job, timeout: 120)
        #expect(ended.string("state") == "succeeded" && ended.int("attempts") == 2, "\(ended)")
        #expect(ended.object("result")?.int("rows") == 20_000, "\(ended)")
        let runs = try SourceTesting.runs(port, source)
        #expect(runs.count == 1 && runs.first?.string("outcome") == "loaded", "\(runs)")
        #expect(server.requests.count == 2)
        let connection = try PostgresConnection(url: url)
        #expect(try connection.query("SELECT count(*) FROM airports WHERE id >= $1 AND id < $2", [base, base + 20_000]).int(0, 0) == 20_000)
        #expect(try connection.query("SELECT count(*) FROM events WHERE type = 'insikt.source.run.loaded'").int(0, 0) == 1)
        let log = try httpRequest(port: port, "GET", "/jobs/\(job)/log")
        #expect((log.object?["log"] as? [String])?.contains { $0.contains("expired") } == true, "\(log.text)")
    }
}
