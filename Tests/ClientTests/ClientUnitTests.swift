import JSON
import Testing
@testable import Client

/// The client's pieces that need no server: bars, byte counts, the job and problem parsing, the
/// texts of results and errors, exit statuses, the poll schedule.
@Suite struct ClientUnitTests {
    @Test func theBarFillsWithTheFractionAndFitsTheWidth() {
        #expect(ProgressBar.bar(0, 10) == "          ")
        #expect(ProgressBar.bar(0.05, 10) == "          ")
        #expect(ProgressBar.bar(0.5, 10) == "====>     ")
        #expect(ProgressBar.bar(0.999, 10) == "========> ")
        #expect(ProgressBar.bar(1, 10) == "==========")
        #expect(ProgressBar.bar(7, 4) == "====")
        #expect(ProgressBar.bar(-1, 4) == "    ")
        #expect(ProgressBar.bar(.nan, 4) == "    ")
        #expect(ProgressBar.bar(nil, 3) == "   ")
        for width in [0, 1, 5, 12, 20, 30, 40, 80, 200] {
            for fraction in [nil, 0, 0.3, 0.7, 1] as [Double?] {
                let line = ProgressBar.line(label: "job 7", fraction: fraction, detail: "5200 rows, running", width: width)
                #expect(line.count <= max(0, width - 1), "width \(width): \(line)")
            }
        }
    }

    @Test func theLineDropsTheDetailThenTheBarWhenNarrow() {
        let wide = ProgressBar.line(label: "job 7", fraction: 0.5, detail: "50 rows, running", width: 60)
        #expect(wide == "job 7 [" + String(repeating: "=", count: 13) + ">" + String(repeating: " ", count: 14) + "]  50%  50 rows, running")
        #expect(wide.count == 59)
        let narrow = ProgressBar.line(label: "job 7", fraction: 0.5, detail: "50 rows, running", width: 30)
        #expect(narrow.hasPrefix("job 7 ["), "\(narrow)")
        #expect(narrow.hasSuffix("]  50%"), "\(narrow)")
        #expect(!narrow.contains("rows"))
        #expect(ProgressBar.line(label: "job 7", fraction: 0.5, detail: "x", width: 15) == "job 7 50%")
        #expect(ProgressBar.line(label: "upload", fraction: 1, detail: "", width: 30) == "upload [===============] 100%")
    }

    @Test func percentagesReachOneHundredOnlyWhenDone() {
        #expect(ProgressBar.percentText(0) == "  0%")
        #expect(ProgressBar.percentText(0.07) == "  7%")
        #expect(ProgressBar.percentText(0.3) == " 30%")
        #expect(ProgressBar.percentText(0.9999) == " 99%")
        #expect(ProgressBar.percentText(1) == "100%")
        #expect(ProgressBar.percentText(3) == "100%")
    }

    @Test func byteCountsAreShortAndDecimal() {
        #expect(ByteCount.text(0) == "0 B")
        #expect(ByteCount.text(999) == "999 B")
        #expect(ByteCount.text(1000) == "1.0 kB")
        #expect(ByteCount.text(21_025_458) == "21.0 MB")
        #expect(ByteCount.text(1_234_567_890) == "1.2 GB")
        #expect(ByteCount.text(-5) == "0 B")
    }

    @Test func aJobIsReadFromItsAnswer() throws {
        let body = #"{"data":{"id":7,"kind":"import","state":"running","progress":0.7,"processed":7000,"bytes":{"done":10,"total":10},"attempts":1,"created_at":"2026-01-01T00:00:00Z","started_at":null,"finished_at":null,"actor":"ik_x","result":null,"error":null}}"#
        let job = try #require(Job(answer: Array(body.utf8)))
        #expect(job.id == "7")
        #expect(job.kind == "import")
        #expect(job.state == .running)
        #expect(job.progress == 0.7)
        #expect(job.processed == 7000)
        #expect(job.result == nil)
        #expect(job.error == nil)
        #expect(!job.state.isTerminal)
        #expect(Job(answer: Array(#"{"data":{"id":7,"state":"sleeping"}}"#.utf8)) == nil)
        #expect(Job(answer: Array(#"{"id":7,"state":"queued"}"#.utf8)) == nil)
        #expect(Job(answer: Array("<html>".utf8)) == nil)
        #expect(Job(answer: Array(#"{"data":{"id":"j-1","state":"queued"}}"#.utf8))?.id == "j-1")
    }

    /// The bar names what a running job is doing where the server says (a phase), its state else.
    @Test func aRunningJobsBarNamesItsPhase() throws {
        let merging = try #require(Job(answer: Array(#"{"data":{"id":8,"state":"running","processed":7698,"phase":"merging"}}"#.utf8)))
        #expect(merging.phase == "merging")
        #expect(BarDisplay.jobDetail(merging) == "7698 rows, merging")
        let older = try #require(Job(answer: Array(#"{"data":{"id":8,"state":"running","processed":5}}"#.utf8)))
        #expect(BarDisplay.jobDetail(older) == "5 rows, running")
        let done = try #require(Job(answer: Array(#"{"data":{"id":8,"state":"succeeded","processed":5,"phase":null}}"#.utf8)))
        #expect(BarDisplay.jobDetail(done) == "5 rows, succeeded")
    }

    @Test func aFailedJobCarriesItsProblem() throws {
        let body = #"{"data":{"id":9,"kind":"airports_upload","state":"failed","progress":0.4,"processed":12,"result":null,"error":{"type":"about:blank","title":"Bad Request","status":400,"detail":"2 rows are invalid","errors":[{"line":12,"column":"latitude","detail":"must be a number from -90 to 90"},{"pointer":"/citizens/3/name","detail":"must be a string"}]}}}"#
        let job = try #require(Job(answer: Array(body.utf8)))
        #expect(job.state == .failed && job.state.isTerminal)
        let problem = try #require(job.error)
        #expect(problem.title == "Bad Request")
        #expect(problem.status == 400)
        #expect(problem.errors == [Problem.Entry(line: 12, column: "latitude", detail: "must be a number from -90 to 90"),
                                   Problem.Entry(pointer: "/citizens/3/name", detail: "must be a string")])
    }

    @Test func resultsReadAsSentences() throws {
        let imported = try JSONParser().parse(Array(#"{"import_id":42,"href":"/imports/42"}"#.utf8))
        #expect(Messages.result(imported, processed: 10000) == "import 42 stored: 10000 citizens — /imports/42")
        #expect(Messages.result(imported, processed: nil) == "import 42 stored — /imports/42")
        let synchronous = try JSONParser().parse(Array(#"{"import_id":3}"#.utf8))
        #expect(Messages.result(synchronous, processed: nil) == "import 3 stored — /imports/3")
        let uploaded = try JSONParser().parse(Array(#"{"rows":7698,"inserted":12,"updated":3}"#.utf8))
        #expect(Messages.result(uploaded, processed: 7698) == "airports: 7698 rows, 12 inserted, 3 updated")
        let other = try JSONParser().parse(Array(#"{"something":1}"#.utf8))
        #expect(Messages.result(other, processed: nil) == #"{"something":1}"#)
    }

    @Test func problemsListAtMostTwentyErrors() {
        let entries = (1...25).map { Problem.Entry(line: Int64($0), column: "latitude", detail: "must be a number from -90 to 90") }
        let lines = Messages.problemLines(Problem(title: "Bad Request", status: 400, detail: "25 rows are invalid", errors: entries))
        #expect(lines.count == 22)
        #expect(lines.first == "Bad Request: 25 rows are invalid")
        #expect(lines[1] == "  line 1, latitude: must be a number from -90 to 90")
        #expect(lines[20] == "  line 20, latitude: must be a number from -90 to 90")
        #expect(lines.last == "  ... and 5 more")
        #expect(Messages.problemLines(Problem(title: "Unauthorized", status: 401)) == ["Unauthorized"])
        #expect(Messages.problemLines(Problem(status: 502)) == ["HTTP 502"])
        #expect(Messages.errorLine(.init(pointer: "/citizens/3/name", detail: "must be a string")) == "/citizens/3/name: must be a string")
        #expect(Messages.errorLine(.init(line: 4, detail: "has 3 fields, not 14")) == "line 4: has 3 fields, not 14")
        #expect(Messages.errorLine(.init(pointer: "", detail: "must be an object")) == "must be an object")
    }

    @Test func anAnswerThatIsNoProblemStillSaysSomething() {
        let problem = Problem.of(status: 502, body: Array("<html>\n<body>Bad gateway</body>\n</html>".utf8))
        #expect(problem.title == "HTTP 502")
        #expect(problem.detail == "<html> <body>Bad gateway</body> </html>")
        #expect(Problem.of(status: 500, body: []).detail == nil)
        let real = Problem.of(status: 413, body: Array(#"{"title":"Content Too Large","status":413,"detail":"At most 1 GB."}"#.utf8))
        #expect(Messages.problemLines(real) == ["Content Too Large: At most 1 GB."])
    }

    @Test func exitStatusesSayWhoseFaultItWas() {
        #expect(ExitStatus.of(.succeeded, cancelledHere: false) == 0)
        #expect(ExitStatus.of(.failed, cancelledHere: false) == 1)
        #expect(ExitStatus.of(.cancelled, cancelledHere: true) == 130)
        #expect(ExitStatus.of(.cancelled, cancelledHere: false) == 1)
        for status in [400, 409, 413, 415, 422] { #expect(ExitStatus.ofRefusal(status: status) == 1) }
        for status in [401, 403, 404, 500, 502] { #expect(ExitStatus.ofRefusal(status: status) == 2) }
    }

    @Test func pollsComeEveryHalfSecondUnlessTheServerAsksForMore() {
        #expect(PollSchedule.delay(status: 200, retryAfter: "1") == 0.5)
        #expect(PollSchedule.delay(status: 202, retryAfter: nil) == 0.5)
        #expect(PollSchedule.delay(status: 200, retryAfter: "3") == 3)
        #expect(PollSchedule.delay(status: 503, retryAfter: "2") == 2)
        #expect(PollSchedule.delay(status: 429, retryAfter: "0") == 0.5)
        #expect(PollSchedule.delay(status: 503, retryAfter: nil) == 1)
        #expect(PollSchedule.delay(status: 502, retryAfter: nil) == 1)
        #expect(PollSchedule.delay(status: 200, retryAfter: "86400") == 30)
        #expect(PollSchedule.delay(status: 200, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT") == 0.5)
    }

    @Test func barsRedrawInPlaceAndStayWhenDone() {
        let console = CapturedConsole()
        var clock = 0.0
        let display = BarDisplay(console: console, width: { 62 }, now: { clock })
        display.uploadProgress(sent: 0, total: 1000)
        display.uploadProgress(sent: 10, total: 1000)  // within 0.1 s: not drawn
        clock = 1
        display.uploadProgress(sent: 500, total: 1000)
        display.uploadProgress(sent: 1000, total: 1000)
        display.uploadEnded()
        display.show(Job(id: "7", kind: "import", state: .queued))
        display.show(Job(id: "7", kind: "import", state: .running, progress: 0.3, processed: 3))
        display.finish(Job(id: "7", kind: "import", state: .succeeded, progress: 1, processed: 10), lines: ["import 1 stored: 10 citizens — /imports/1"])
        let screen = console.screen
        #expect(screen == [
            "upload    [" + String(repeating: "=", count: 25) + "] 100%  1.0 kB / 1.0 kB",
            "job 7     [" + String(repeating: "=", count: 22) + "] 100%  10 rows, succeeded",
            "import 1 stored: 10 citizens — /imports/1",
        ], "\(console.transcript)")
        #expect(console.transcript.components(separatedBy: Terminal.clearLine).count == 8)
        for line in screen { #expect(line.count <= 62 - 1 - BarDisplay.echoRoom, "\(line)") }
    }

    @Test func withoutATerminalEachStateIsOneLine() {
        let console = CapturedConsole()
        let display = LineDisplay(console: console)
        display.uploadProgress(sent: 5, total: 10)
        display.uploadEnded()
        display.show(Job(id: "7", kind: "import", state: .queued))
        display.show(Job(id: "7", kind: "import", state: .queued))
        display.show(Job(id: "7", kind: "import", state: .running, progress: 0.3))
        display.show(Job(id: "7", kind: "import", state: .running, progress: 0.7))
        display.finish(Job(id: "7", kind: "import", state: .failed), lines: ["Bad Request: 1 citizen is invalid", "  /citizens/0/name: must be a string"])
        #expect(console.transcript == "job 7 queued\njob 7 running\njob 7 failed: Bad Request: 1 citizen is invalid\n  /citizens/0/name: must be a string\n")
    }
}
