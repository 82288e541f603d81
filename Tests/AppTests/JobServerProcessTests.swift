import Foundation
import Glibc
import Postgres
import Testing
import TestSupport

/// The real `insikt serve`: a server killed with SIGKILL mid-job; the job runs again after its
/// lease, on the restarted server, and succeeds exactly once.
@Suite struct JobServerProcessTests {
    func start(_ url: String, port: UInt16) throws -> pid_t {
        try ServerProcess.start("jobs", databaseURL: url, port: port, arguments: ["--job-workers", "1", "--job-lease", "1.5"],
                                environment: ["JOB_ATTEMPTS": "3"])
    }

    @Test func aJobOfAKilledServerRunsAgainAfterItsLeaseAndSucceedsOnce() throws {
        let url = try TestEnvironment.createDatabase(prefix: "insikt_jobs_kill")
        let port = freePort()
        let first = try start(url, port: port)
        let id = try JobClient.jobId(try JobClient.submit(port: port, "/imports", JobRunnersTests.big))
        let running = try JobClient.waitUntilRunning(port: port, id)
        kill(first, SIGKILL)
        _ = waitForExit(first)
        #expect(running, "the job was running when its server was killed")

        let second = try start(url, port: port)
        defer { kill(second, SIGTERM); _ = waitForExit(second) }
        let job = try JobClient.wait(port: port, id, timeout: 180)
        #expect(job.string("state") == "succeeded", "\(job)")
        #expect(job.int("attempts") == 2, "\(job)")
        let connection = try PostgresConnection(url: url)
        #expect(try connection.query("SELECT count(*) FROM imports").int(0, 0) == 1)
        #expect(try connection.query("SELECT count(*) FROM citizens").int(0, 0) == 200_000)
        #expect(try connection.query("SELECT count(*) FROM events WHERE type = 'insikt.job.succeeded'").int(0, 0) == 1)
        let log = try httpRequest(port: port, "GET", "/jobs/\(id)/log")
        #expect((log.object?["log"] as? [String])?.contains { $0.contains("expired") } == true, "\(log.text)")
    }
}
