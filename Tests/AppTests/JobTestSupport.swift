import App
import Foundation
import Glibc
import Testing
import TestSupport

/// Starting jobs over HTTP and following them, for the job tests.
enum JobClient {
    static let async = ("Prefer", "respond-async")

    /// POSTs `body` with Prefer: respond-async.
    static func submit(port: UInt16, _ path: String, _ body: [UInt8], contentType: String = "application/json",
                       headers: [(String, String)] = [], key: String? = TestEnvironment.adminKey) throws -> RawResponse {
        try httpRequest(port: port, "POST", path, headers: [async, ("Content-Type", contentType)] + headers, body: body, key: key, timeout: 120)
    }

    /// The job's id from a 202, or a failed expectation naming the answer.
    static func jobId(_ r: RawResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        #expect(r.status == 202, "\(r.summary)", sourceLocation: sourceLocation)
        let id = try r.require(r.dataObject?.int("id"), "the job's id", sourceLocation: sourceLocation)
        #expect(r.header("Location") == "/jobs/\(id)", sourceLocation: sourceLocation)
        return id
    }

    static func get(port: UInt16, _ id: Int) throws -> RawResponse {
        try httpRequest(port: port, "GET", "/jobs/\(id)")
    }

    /// Polls until the job is in a terminal state (or `timeout`), passing each answer to `seen`.
    static func wait(port: UInt16, _ id: Int, timeout: Double = 120, seen: ([String: Any]) -> Void = { _ in }) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let r = try get(port: port, id)
            let job = try r.requireDataObject()
            seen(job)
            if let state = job.string("state"), ["succeeded", "failed", "cancelled"].contains(state) {
                #expect(r.header("Retry-After") == nil, "a finished job has no Retry-After")
                return job
            }
            #expect(r.header("Retry-After") == "1", "\(r.summary)")
            guard Date() < deadline else {
                Issue.record("job \(id) did not finish in \(timeout) s: \(r.text)")
                return job
            }
            usleep(50_000)
        }
    }

    /// Polls until the job runs (it must not finish first).
    static func waitUntilRunning(port: UInt16, _ id: Int, timeout: Double = 60) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let job = try get(port: port, id).requireDataObject()
            if job.string("state") == "running", (job.int("processed") ?? 0) > 0 || (job.double("progress") ?? 0) > 0 { return true }
            if job.string("state") != "queued" && job.string("state") != "running" { return false }
            usleep(20_000)
        }
        return false
    }

    static func citizens(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = CitizenGenerator(seed: seed)
        return CitizenGenerator.body(generator.citizens(count: count, links: count / 10))
    }

    /// A database and an application of the test's own (its runners alone see its jobs).
    static func ownApplication(_ configure: (inout AppConfiguration) -> Void = { _ in }) throws -> (Application, String) {
        let url = try TestEnvironment.createDatabase(prefix: "insikt_jobs_test")
        let application = try TestEnvironment.startApplication(databaseURL: url) { configuration in
            configuration.jobLease = 2
            configuration.jobRetryDelay = 0.05
            configure(&configuration)
        }
        return (application, url)
    }
}
