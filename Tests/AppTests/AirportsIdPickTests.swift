import App
import Foundation
import Locks
import Postgres
import Testing
import TestSupport

/// `POST /airports` picks the id; writes that name ids (uploads, PUT) running at the same time
/// must not make it answer 409 to a client that sent no id. Each test has a database of its own:
/// its explicit writes take the ids the server is about to hand out.
@Suite struct AirportsIdPickTests {
    static let header = "id,name,city,country,iata,icao,latitude,longitude,altitude,timezone,DST,tz,type,source\n"
    static let sample = AirportsAPITests.sample

    final class Answers: Sendable {
        private let all = Monitor<[(String, RawResponse)]>([])
        private let failures = Monitor<[String]>([])

        func run(_ what: String, _ request: () throws -> RawResponse) {
            do {
                let answer = try request()
                all.withLock { $0.append((what, answer)) }
            } catch {
                failures.withLock { $0.append("\(what): \(error)") }
            }
        }

        var answers: [(String, RawResponse)] { all.withLock { $0 } }
        var errors: [String] { failures.withLock { $0 } }

        /// Every answer a success: uploads 200, PUT 200 or 201, POST 201 with an id of its own.
        func expectAllSucceeded(sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(errors.isEmpty, "\(errors)", sourceLocation: sourceLocation)
            var picked: [Int] = []
            for (what, r) in answers {
                switch what {
                case "upload": #expect(r.status == 200, "upload: \(r.summary)", sourceLocation: sourceLocation)
                case "PUT": #expect(r.status == 201 || r.status == 200, "PUT: \(r.summary)", sourceLocation: sourceLocation)
                default:
                    #expect(r.status == 201, "POST: \(r.summary)", sourceLocation: sourceLocation)
                    if let id = r.dataObject?.int("id") { picked.append(id) }
                }
            }
            #expect(Set(picked).count == picked.count, "every POST got an id of its own", sourceLocation: sourceLocation)
        }
    }

    /// Starts each job on a thread of its own; the group is left when all have ended.
    static func start(_ jobs: [@Sendable () -> Void]) -> DispatchGroup {
        let group = DispatchGroup()
        for job in jobs {
            group.enter()
            Thread { job(); group.leave() }.start()
        }
        return group
    }

    static func csv(_ ids: ClosedRange<Int>) -> [UInt8] {
        var text = header
        for id in ids { text += "\(id),\"Up \(id)\",\"C\",\"D\",,,1,2,3,1,\"E\",\"x\",\"airport\",\"test\"\n" }
        return Array(text.utf8)
    }

    /// Deterministic: the upload is held inside its insert (a transaction of this test has its last
    /// id) while the creates pick the ids the upload has written but not committed.
    @Test func aCreateWhileAnUploadHoldsTheNextIdsIsNot409() throws {
        let url = try TestEnvironment.createDatabase()
        let application = try TestEnvironment.startApplication(databaseURL: url)
        defer { application.stop() }
        let port = application.port
        let base: Int = try httpRequest(port: port, "POST", "/airports", json: Self.sample).dataField("id")

        let blocker = try PostgresConnection(url: url)
        try blocker.execute("BEGIN")
        try blocker.query("INSERT INTO airports (id, latitude, longitude) VALUES ($1, 0, 0)", [base + 500])
        let answers = Answers()
        let body = Self.csv((base + 1)...(base + 500))
        let upload = Self.start([{
            answers.run("upload") { try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv")], body: body, timeout: 60) }
        }])

        // Until the upload waits for the blocker's row.
        let watcher = try PostgresConnection(url: url)
        func lockWaits() throws -> Int64 {
            try watcher.query("""
                SELECT count(*) AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                """).row(0).int("waiting") ?? 0
        }
        var deadline = Date().addingTimeInterval(20)
        while try lockWaits() == 0 {
            guard Date() < deadline else { Issue.record("the upload never reached the held row"); break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let creates = Self.start((0..<3).map { _ in { answers.run("POST") { try httpRequest(port: port, "POST", "/airports", json: Self.sample) } } })
        // Until every create has made its pick while the upload holds its rows: each has answered
        // or waits for a lock (a wait besides the upload's own).
        deadline = Date().addingTimeInterval(20)
        while answers.answers.count + Int(max(0, try lockWaits() - 1)) < 3 {
            guard Date() < deadline else { Issue.record("the creates neither answered nor waited: \(answers.answers.count) answered"); break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        try blocker.execute("ROLLBACK")
        upload.wait()
        creates.wait()
        #expect(answers.answers.count == 4)
        answers.expectAllSucceeded()
    }

    /// Free-running: an upload, PUTs and creates at once, three rounds.
    @Test func createsRacingUploadsAndPutsNeverAnswer409() throws {
        let application = try TestEnvironment.startApplication(databaseURL: try TestEnvironment.createDatabase())
        defer { application.stop() }
        let port = application.port
        let answers = Answers()
        for _ in 0..<3 {
            // The next ids the server would pick are the ones the explicit writers now take.
            let base: Int = try httpRequest(port: port, "POST", "/airports", json: Self.sample).dataField("id")
            let body = Self.csv((base + 1)...(base + 3000))
            let uploadDone = Counter()
            var jobs: [@Sendable () -> Void] = [{
                answers.run("upload") { try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv")], body: body, timeout: 60) }
                uploadDone.increment()
            }, {
                for k in 1...40 {
                    answers.run("PUT") { try httpRequest(port: port, "PUT", "/airports/\(base + 3000 + k)", json: Self.sample) }
                }
            }]
            for _ in 0..<2 {
                jobs.append {
                    var sent = 0
                    while sent < 300 && (sent < 20 || uploadDone.value == 0) {
                        answers.run("POST") { try httpRequest(port: port, "POST", "/airports", json: Self.sample) }
                        sent += 1
                    }
                }
            }
            Self.start(jobs).wait()
        }
        answers.expectAllSucceeded()
    }
}
