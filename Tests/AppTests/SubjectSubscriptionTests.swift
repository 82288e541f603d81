import Locks
import App
import Events
import Foundation
import Outbox
import Postgres
import Synchronization
import Testing
import TestSupport

/// Issue 19 item 6: `subject=` on the feed and `subjects` on webhooks match whole path segments;
/// long lists are refused with a 400 naming them.
@Suite struct SubjectSubscriptionTests {
    /// Events with these subjects, committed one after another: their positions.
    static func record(_ subjects: [String]) throws -> [Int] {
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        var positions: [Int] = []
        for subject in subjects {
            try connection.execute("BEGIN")
            try EventOutbox.record(connection, type: "insikt.test.subject", subject: subject, aggregateType: "test", data: Array("{}".utf8), origin: nil)
            try connection.execute("COMMIT")
            positions.append(Int(try connection.query("SELECT max(id) FROM events WHERE aggregateid = $1", [subject]).int(0, 0) ?? 0))
        }
        return positions
    }

    final class Answer: Sendable {
        let text = Monitor<String?>(nil)
    }

    @Test func theFeedsSubjectMatchesWholeSegmentsInPagesAndLongPolls() throws {
        let port = TestEnvironment.port
        let root = "/subject-test/\(UInt32.random(in: 0...UInt32.max))"
        let start = try Self.record(["\(root)/0"])[0]
        _ = try Self.record(["\(root)/1", "\(root)/14", "\(root)/1/x"])
        func subjects(_ query: String) throws -> [String] {
            let page = try httpRequest(port: port, "GET", "/events?after=\(start)&\(query)")
            #expect(page.status == 200, "\(page.summary)")
            return (try page.requireDataArray()).compactMap { $0.string("subject") }
        }
        #expect(try subjects("subject=\(root)/1") == ["\(root)/1", "\(root)/1/x"])
        #expect(try subjects("subject=\(root)/1/") == ["\(root)/1/x"])
        #expect(try subjects("subject=\(root)/14") == ["\(root)/14"])
        #expect(try subjects("subject=\(root)").count == 3)

        // A long poll matches the same way: /14 does not wake it, /1/y does.
        let head = try Self.record(["\(root)/head"])[0]
        let answer = Answer()
        let poller = Thread {
            let text = try? httpRequest(port: port, "GET", "/events?after=\(head)&subject=\(root)/1&wait=20").text
            answer.text.withLock { $0 = text ?? "no answer" }
        }
        poller.start()
        Thread.sleep(forTimeInterval: 0.3)  // lets the poll park; an event before it would be found by its first read anyway
        _ = try Self.record(["\(root)/14", "\(root)/1/y"])
        #expect(WebhookTesting.eventually(timeout: 25) { answer.text.withLock { $0 != nil } })
        let text = answer.text.withLock { $0 } ?? ""
        #expect(text.contains("\"\(root)/1/y\"") && !text.contains("\"\(root)/14\""), "\(text)")

        for bad in ["subject=imports", "types=" + (0...100).map { "t\($0)." }.joined(separator: ",")] {
            let refused = try httpRequest(port: port, "GET", "/events?\(bad)")
            #expect(refused.status == 400 && refused.text.contains("must"), "\(refused.summary)")
        }
    }

    @Test func webhooksTakeSubjectsBesideTypes() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let app = try WebhookTesting.start(database)
        defer { app.stop() }
        let created = try httpRequest(port: app.port, "POST", "/webhooks",
                                      json: #"{"url": "\#(receiver.url("/one"))", "subjects": ["/imports/1", "/imports/1"], "types": ["insikt.import.", "insikt.citizen."]}"#)
        #expect(created.status == 201 && created.dataObject?["subjects"] as? [String] == ["/imports/1"], "\(created.summary)")
        let id = try created.dataField("id") as Int
        // Imports 1 to 14 (a database of this test's own): only 1's events reach the webhook.
        for _ in 1...14 { _ = try WebhookTesting.newImport(app.port) }
        for importId in [14, 1] {
            let patched = try httpRequest(port: app.port, "PATCH", "/imports/\(importId)/citizens/1", json: #"{"name": "Ann"}"#)
            #expect(patched.status == 200, "\(patched.summary)")
        }
        #expect(receiver.waitFor(2).count == 2)
        #expect(try WebhookTesting.eventually { try WebhookTesting.deliveries(app.port, id, query: "?status=succeeded").count == 2 })
        #expect(receiver.requests.compactMap { $0.json?.string("subject") } == ["/imports/1", "/imports/1/citizens/1"],
                "\(receiver.requests.map(\.text))")

        let changed = try httpRequest(port: app.port, "PATCH", "/webhooks/\(id)", json: #"{"subjects": ["/imports/14/"]}"#)
        #expect(changed.status == 200 && changed.dataObject?["subjects"] as? [String] == ["/imports/14/"], "\(changed.summary)")
        #expect(try httpRequest(port: app.port, "GET", "/webhooks/\(id)").dataObject?["subjects"] as? [String] == ["/imports/14/"])

        let tooMany = "[" + (0...100).map { "\"/imports/\($0)\"" }.joined(separator: ",") + "]"
        for (body, pointer) in [(#"{"subjects": \#(tooMany)}"#, "/subjects"), (#"{"subjects": ["imports/1"]}"#, "/subjects"),
                                (#"{"types": [\#((0...100).map { "\"t\($0).\"" }.joined(separator: ","))]}"#, "/types")] {
            let refused = try httpRequest(port: app.port, "PATCH", "/webhooks/\(id)", json: body)
            #expect(refused.status == 400 && refused.errors?.first?.string("pointer") == pointer, "\(refused.summary)")
        }
    }
}
