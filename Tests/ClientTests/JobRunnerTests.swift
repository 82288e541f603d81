import Synchronization
import Foundation
import TestSupport
import Testing
@testable import Client

/// The client against a fake jobs server (scripts/check-client-progress.d/fake_jobs_server.py):
/// the upload, the polls, the texts, Ctrl-C and the exit statuses.
@Suite struct JobRunnerTests {
    /// Passes the job's states through and notes when one was `running`, for a Ctrl-C then.
    final class WatchingDisplay: JobDisplay {
        let inner: JobDisplay
        private let running = Atomic(false)
        var sawRunning: Bool { running.load(ordering: .sequentiallyConsistent) }
        init(_ inner: JobDisplay) { self.inner = inner }
        func uploadProgress(sent: Int64, total: Int64) { inner.uploadProgress(sent: sent, total: total) }
        func uploadEnded() { inner.uploadEnded() }
        func show(_ job: Job) {
            if job.state == .running { running.store(true, ordering: .sequentiallyConsistent) }
            inner.show(job)
        }
        func finish(_ job: Job, lines: [String]) { inner.finish(job, lines: lines) }
        func note(_ text: String) { inner.note(text) }
        func pause() { inner.pause() }
    }

    /// One Ctrl-C, the first time the job is seen running.
    final class CtrlCWhenRunning {
        let display: WatchingDisplay
        private let taken = Atomic(false)
        var pressed: Bool { taken.load(ordering: .sequentiallyConsistent) }
        init(_ display: WatchingDisplay) { self.display = display }
        func take() -> Bool {
            guard display.sawRunning else { return false }
            return taken.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
        }
    }

    @Test func anImportIsSentFollowedAndItsResultPrinted() throws {
        let server = try FakeJobsServer()
        let file = try temporaryFile("citizens.json", citizensImport(3))
        let console = CapturedConsole()
        let runner = JobRunner(baseURL: server.baseURL, key: FakeJobsServer.key, display: LineDisplay(console: console), console: console)
        let status = runner.run(.importCitizens, file: file)
        #expect(status == 0, "\(console.transcript)")
        #expect(console.transcript == "job 1 queued\njob 1 running\njob 1 succeeded: import 1 stored: 3 citizens — /imports/1\n")
        let log = try server.requestLog()
        #expect(log.first == "POST /imports")
        #expect(log.filter { $0 == "GET /jobs/1" }.count == 4, "\(log)")
    }

    @Test func aFailedImportListsItsErrorsAndExitsOne() throws {
        let server = try FakeJobsServer()
        let file = try temporaryFile("citizens.json", citizensImport(30, unnamed: Set(3..<28)))
        let console = CapturedConsole()
        let runner = JobRunner(baseURL: server.baseURL, key: FakeJobsServer.key, display: LineDisplay(console: console), console: console)
        #expect(runner.run(.importCitizens, file: file) == 1)
        let lines = console.transcript.split(separator: "\n").map(String.init)
        #expect(lines.prefix(3) == ["job 1 queued", "job 1 running", "job 1 failed: Bad Request: 25 citizens are invalid; nothing was stored."], "\(lines)")
        #expect(lines.dropFirst(3).first == "  /citizens/3/name: must be a non-empty string")
        #expect(lines.count == 3 + 20 + 1)
        #expect(lines.last == "  ... and 5 more")
    }

    @Test func anUploadShowsBarsAndItsRows() throws {
        let server = try FakeJobsServer()
        let file = try temporaryFile("airports.csv", "1,\"Goroka\",x,y,GKA,AYGA,-6.08,145.39\n2,\"Madang\",x,y,MAG,AYMD,-5.20,145.78\n")
        let console = CapturedConsole()
        let display = BarDisplay(console: console, width: { 72 }, now: { Date().timeIntervalSince1970 })
        let runner = JobRunner(baseURL: server.baseURL, key: FakeJobsServer.key, display: display, console: console)
        #expect(runner.run(.uploadAirports, file: file) == 0, "\(console.transcript)")
        #expect(console.screen.count == 3, "\(console.screen)")
        #expect(console.screen.first?.hasPrefix("upload    [") == true)
        #expect(console.screen.first?.hasSuffix("] 100%  74 B / 74 B") == true, "\(console.screen)")
        #expect(console.screen.dropFirst().first?.hasSuffix("] 100%  2 rows, succeeded") == true, "\(console.screen)")
        #expect(console.screen.last == "airports: 2 rows, 2 inserted, 0 updated")
        #expect(console.transcript.contains("running"))
    }

    @Test func aFailedUploadNamesLinesAndColumns() throws {
        let server = try FakeJobsServer()
        let file = try temporaryFile("airports.csv", "1,\"Goroka\",x,y,GKA,AYGA,-6.08,145.39\n2,\"Madang\",x,y,MAG,AYMD,95,145.78\n")
        let console = CapturedConsole()
        let runner = JobRunner(baseURL: server.baseURL, key: FakeJobsServer.key, display: LineDisplay(console: console), console: console)
        #expect(runner.run(.uploadAirports, file: file) == 1)
        #expect(console.transcript.hasSuffix("job 1 failed: Bad Request: 1 rows are invalid; nothing was stored.\n  line 2, latitude: must be a number from -90 to 90\n"), "\(console.transcript)")
    }

    @Test func ctrlCAndYesCancelsTheJobOnTheServer() throws {
        let server = try FakeJobsServer()
        let file = try temporaryFile("citizens.json", citizensImport(5000))
        let console = CapturedConsole()
        let display = WatchingDisplay(LineDisplay(console: console))
        let ctrlC = CtrlCWhenRunning(display)
        var asked: [String] = []
        let runner = JobRunner(baseURL: server.baseURL, key: FakeJobsServer.key, display: display, console: console,
                               interrupted: ctrlC.take, ask: { asked.append($0); return "y\n" })
        #expect(runner.run(.importCitizens, file: file) == 130, "\(console.transcript)")
        #expect(asked == ["Cancel job 1 on the server? [y/N] "])
        #expect(console.transcript.hasSuffix("cancelling job 1\njob 1 cancelled: nothing of it was stored\n"), "\(console.transcript)")
        #expect(try server.requestLog().contains("DELETE /jobs/1"))
    }

    @Test func ctrlCAndNoKeepsFollowing() throws {
        let server = try FakeJobsServer()
        let file = try temporaryFile("citizens.json", citizensImport(3))
        let console = CapturedConsole()
        let display = WatchingDisplay(LineDisplay(console: console))
        let ctrlC = CtrlCWhenRunning(display)
        let runner = JobRunner(baseURL: server.baseURL, key: FakeJobsServer.key, display: display, console: console,
                               interrupted: ctrlC.take, ask: { _ in "" })
        #expect(runner.run(.importCitizens, file: file) == 0, "\(console.transcript)")
        #expect(ctrlC.pressed)
        #expect(console.transcript.hasSuffix("job 1 succeeded: import 1 stored: 3 citizens — /imports/1\n"), "\(console.transcript)")
        #expect(try !server.requestLog().contains { $0.hasPrefix("DELETE") })
    }

    @Test func ctrlCWithNobodyToAskStopsFollowingAndLeavesTheJob() throws {
        let server = try FakeJobsServer()
        let file = try temporaryFile("citizens.json", citizensImport(3))
        let console = CapturedConsole()
        let display = WatchingDisplay(LineDisplay(console: console))
        let ctrlC = CtrlCWhenRunning(display)
        let runner = JobRunner(baseURL: server.baseURL, key: FakeJobsServer.key, display: display, console: console,
                               interrupted: ctrlC.take, ask: { _ in nil })
        #expect(runner.run(.importCitizens, file: file) == 130)
        #expect(console.errors == "stopped following job 1; it goes on on the server (DELETE /jobs/1 cancels it)\n")
        #expect(try !server.requestLog().contains { $0.hasPrefix("DELETE") })
    }

    @Test func ctrlCDuringTheUploadAbortsIt() throws {
        let server = try FakeJobsServer()
        let file = try temporaryFile("citizens.json", citizensImport(3))
        let console = CapturedConsole()
        let runner = JobRunner(baseURL: server.baseURL, key: FakeJobsServer.key, display: LineDisplay(console: console), console: console,
                               interrupted: { true }, ask: { _ in Issue.record("asked during the upload"); return nil })
        #expect(runner.run(.importCitizens, file: file) == 130)
        #expect(console.errors.hasPrefix("upload aborted"), "\(console.transcript)")
        #expect(try !server.requestLog().contains { $0.hasPrefix("GET /jobs") })
    }

    @Test func aWrongKeyIsRefusedBeforeAnyJob() throws {
        let server = try FakeJobsServer()
        let file = try temporaryFile("citizens.json", citizensImport(3))
        let console = CapturedConsole()
        let runner = JobRunner(baseURL: server.baseURL, key: nil, display: LineDisplay(console: console), console: console)
        #expect(runner.run(.importCitizens, file: file) == 2)
        #expect(console.errors == "Unauthorized: Send an API key: Authorization: Bearer <key>.\n  (send a key: --key or INSIKT_KEY)\n")
    }

    @Test func aBodyThatIsNotJSONIsABadRequestBeforeAnyJob() throws {
        let server = try FakeJobsServer()
        let file = try temporaryFile("citizens.json", "{\"citizens\": [")
        let console = CapturedConsole()
        let runner = JobRunner(baseURL: server.baseURL, key: FakeJobsServer.key, display: LineDisplay(console: console), console: console)
        #expect(runner.run(.importCitizens, file: file) == 1)
        #expect(console.errors == "Bad Request: The body is not JSON.\n")
    }

    @Test func anUnreachableServerOrAMissingFileIsExitTwo() throws {
        let file = try temporaryFile("citizens.json", citizensImport(1))
        let console = CapturedConsole()
        let closed = "http://127.0.0.1:\(freePort())"
        let runner = JobRunner(baseURL: closed, key: "k", display: LineDisplay(console: console), console: console)
        #expect(runner.run(.importCitizens, file: file) == 2)
        #expect(console.errors.hasPrefix("cannot reach \(closed): "), "\(console.errors)")
        #expect(runner.run(.importCitizens, file: file + ".missing") == 2)
        #expect(console.errors.hasSuffix("cannot read \(file).missing: no such readable file\n"))
    }

    @Test func locationsResolveAgainstTheServer() {
        let console = CapturedConsole()
        let runner = JobRunner(baseURL: "http://example.test:8080/", key: nil, display: LineDisplay(console: console), console: console)
        #expect(runner.url("/jobs/7") == "http://example.test:8080/jobs/7")
        #expect(runner.url("https://other.test/jobs/7") == "https://other.test/jobs/7")
    }
}
