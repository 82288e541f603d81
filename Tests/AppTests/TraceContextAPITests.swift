import App
import Foundation
import Testing
import TestSupport

/// W3C Trace Context through the pipeline: a request's trace is named in its answer, and carried
/// by the events it writes, the job it starts, the job's log and the job's own events.
@Suite struct TraceContextAPITests {
    let port = TestEnvironment.port

    /// A traceparent of a trace of its own for each test: 32 random hex digits.
    static func newTrace() -> (id: String, header: String) {
        let id = (0..<32).map { _ in String("0123456789abcdef".randomElement() ?? "1") }.joined()
        return (id, "00-\(id)-00f067aa0ba902b7-01")
    }

    /// The parts of a traceparent answered or stored: version, trace id, span id, flags.
    static func parts(_ value: String?) -> [String] {
        (value ?? "").split(separator: "-").map(String.init)
    }

    @Test func theAnswerNamesTheTraceItContinuesWithASpanOfItsOwn() throws {
        let trace = Self.newTrace()
        let r = try httpRequest(port: port, "GET", "/airports?limit=1", headers: [("traceparent", trace.header)])
        let answered = Self.parts(r.header("traceresponse"))
        #expect(answered.count == 4 && answered[safe: 1] == trace.id, "\(r.head)")
        #expect(answered[safe: 2] != "00f067aa0ba902b7" && answered[safe: 2]?.count == 16, "this server's span: \(r.head)")
        #expect(answered[safe: 3] == "01", "the sampled flag is kept: \(r.head)")
        let problem = try httpRequest(port: port, "GET", "/airports/notanumber", headers: [("traceparent", trace.header)])
        #expect(Self.parts(problem.header("traceresponse"))[safe: 1] == trace.id, "errors name it too: \(problem.head)")
    }

    @Test func anAbsentOrInvalidTraceparentStartsANewTrace() throws {
        let first = Self.parts(try httpRequest(port: port, "GET", "/healthz").header("traceresponse"))
        let second = Self.parts(try httpRequest(port: port, "GET", "/healthz", headers: [("traceparent", "00-XYZ-1-01")]).header("traceresponse"))
        #expect(first.count == 4 && second.count == 4 && first[safe: 0] == "00")
        #expect(first[safe: 1]?.count == 32 && first[safe: 1] != second[safe: 1], "\(first) \(second)")
        #expect(first[safe: 1] != String(repeating: "0", count: 32))
    }

    @Test func theEventsOfARequestCarryItsTrace() throws {
        let trace = Self.newTrace()
        let body = #"{"citizens": [{"citizen_id": 1, "town": "T", "street": "S", "building": "1", "apartment": 1, "name": "A", "birth_date": "01.01.2000", "gender": "male", "relatives": []}]}"#
        let r = try httpRequest(port: port, "POST", "/imports", headers: [("traceparent", trace.header)], json: body)
        let importId: Int = try r.dataField("import_id")
        let events = try httpRequest(port: port, "GET", "/events?subject=/imports/\(importId)&limit=10").requireDataArray()
        let created = try #require(events.first { $0.string("type") == "insikt.import.created" }, "\(events)")
        let stored = Self.parts(created.string("traceparent"))
        #expect(stored[safe: 1] == trace.id, "\(created)")
        #expect(stored[safe: 2] == Self.parts(r.header("traceresponse"))[safe: 2], "the event names the span that wrote it: \(created)")
    }

    @Test func aJobCarriesTheTraceOfTheRequestThatStartedIt() throws {
        let trace = Self.newTrace()
        let accepted = try JobClient.submit(port: port, "/imports", JobClient.citizens(50, seed: 7707), headers: [("traceparent", trace.header)])
        let id = try JobClient.jobId(accepted)
        #expect(Self.parts(accepted.dataObject?.string("traceparent"))[safe: 1] == trace.id, "\(accepted.text)")
        let job = try JobClient.wait(port: port, id)
        #expect(job.string("state") == "succeeded", "\(job)")
        let log = try httpRequest(port: port, "GET", "/jobs/\(id)/log").object?["log"] as? [String] ?? []
        #expect(log.first?.contains("trace \(trace.id)") == true, "\(log)")
        let jobEvents = try httpRequest(port: port, "GET", "/events?subject=/jobs/\(id)&limit=10").requireDataArray()
        #expect(!jobEvents.isEmpty && jobEvents.allSatisfy { Self.parts($0.string("traceparent"))[safe: 1] == trace.id }, "\(jobEvents)")
        let importId = try #require(job.object("result")?.int("import_id"), "\(job)")
        let importEvents = try httpRequest(port: port, "GET", "/events?subject=/imports/\(importId)&limit=10").requireDataArray()
        #expect(importEvents.first.map { Self.parts($0.string("traceparent"))[safe: 1] == trace.id } == true,
                "the work the job did is in the trace too: \(importEvents)")
    }

    @Test func aWebhookDeliveryOfAnEventCarriesTheTraceOfTheChange() throws {
        let receiver = try WebhookReceiver { _, _ in .ok }
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let app = try WebhookTesting.start(database)
        defer { app.stop() }
        _ = try WebhookTesting.create(app.port, url: receiver.url(), types: ["insikt.import.created"])
        let trace = Self.newTrace()
        let r = try httpRequest(port: app.port, "POST", "/imports", headers: [("traceparent", trace.header)], json: WebhookTesting.twoCitizens)
        #expect(r.status == 201, "\(r.summary)")
        let received = receiver.waitFor(1)
        let delivered = try #require(received.first, "no delivery arrived")
        #expect(delivered.headers["traceparent"] == delivered.json?.string("traceparent"), "\(delivered.headers)")
        #expect(Self.parts(delivered.headers["traceparent"])[safe: 1] == trace.id, "\(delivered.headers)")
    }

    /// jobs.md: the log is in time order; the outcome line and the job's last event are at
    /// `finished_at`, and nothing is logged after the outcome.
    @Test func aJobsLogIsInTimeOrderAndEndsAtItsFinish() throws {
        let accepted = try JobClient.submit(port: port, "/imports", JobClient.citizens(3000, seed: 7708))
        let id = try JobClient.jobId(accepted)
        let job = try JobClient.wait(port: port, id)
        let finishedAt = try #require(job.string("finished_at"), "\(job)")
        let log = try httpRequest(port: port, "GET", "/jobs/\(id)/log?size=1000").object?["log"] as? [String] ?? []
        let times = log.map { String($0.prefix(24)) }
        #expect(times == times.sorted(), "\(log)")
        #expect(log.last?.contains("succeeded") == true, "the outcome is the last line: \(log)")
        #expect(times.last == String(finishedAt.prefix(23)) + "Z", "the outcome line is at finished_at \(finishedAt): \(log)")
        let events = try httpRequest(port: port, "GET", "/events?subject=/jobs/\(id)&limit=10").requireDataArray()
        let succeeded = try #require(events.first { $0.string("type") == "insikt.job.succeeded" }, "\(events)")
        #expect(succeeded.string("time") == finishedAt, "\(succeeded)")
    }
}
