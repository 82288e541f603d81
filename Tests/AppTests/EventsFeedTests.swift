import Access
import App
import Events
import Foundation
import Glibc
import Locks
import Outbox
import Postgres
import Testing
import TestSupport

/// events.md from outside: an event for every change in its transaction, the feed's pages and
/// filters, long polls, Server-Sent Events, no gaps under overlapping writers, retention.
@Suite struct EventsFeedTests {
    let port = TestEnvironment.port

    static let twoCitizens = #"{"citizens": [{"citizen_id": 1, "town": "Керчь", "street": "a", "building": "1", "apartment": 1, "name": "A", "birth_date": "01.02.1990", "gender": "male", "relatives": [2]}, {"citizen_id": 2, "town": "Керчь", "street": "a", "building": "1", "apartment": 1, "name": "B", "birth_date": "01.03.1991", "gender": "female", "relatives": [1]}]}"#

    /// A new import of its own: its id.
    func newImport() throws -> Int {
        try httpRequest(port: port, "POST", "/imports", json: Self.twoCitizens).dataField("import_id")
    }

    /// Every event of a subject prefix, read page by page through `next`.
    func events(subject: String, limit: Int = 100) throws -> [[String: Any]] {
        var all: [[String: Any]] = []
        var link: String? = "/events?subject=\(subject)&limit=\(limit)"
        while let path = link {
            let page = try httpRequest(port: port, "GET", path)
            #expect(page.status == 200, "\(page.summary)")
            let data = try page.requireDataArray()
            all += data
            link = data.isEmpty ? nil : page.object?.string("next")
        }
        return all
    }

    func newestPosition() throws -> Int {
        // The feed's end: read from a far position back is not possible, so ask for a page after
        // the largest id the database holds.
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        return Int(try connection.query("SELECT coalesce(max(id), 0) FROM events").int(0, 0) ?? 0)
    }

    @Test func anImportAndAPatchAreEventsWithTheirActorAndARejectedChangeIsNone() throws {
        let id = try newImport()
        let created = try events(subject: "/imports/\(id)")
        #expect(created.count == 1, "\(created)")
        let event = try #require(created.first)
        #expect(event.string("specversion") == "1.0" && event.string("source") == "/insikt")
        #expect(event.string("type") == "insikt.import.created" && event.string("subject") == "/imports/\(id)")
        #expect(event.object("data")?.int("import_id") == id && event.object("data")?.int("citizens") == 2)
        let adminId = try #require(KeyToken(TestEnvironment.adminKey)).id
        // CloudEvents 1.0 extension attributes are strings: the actor is actorid and actorname.
        #expect(event.string("actorid") == adminId && event.string("actorname") == "ADMIN_KEY" && event["actor"] == nil, "\(event)")
        #expect(event.string("id") != nil && event.string("time")?.hasSuffix("Z") == true)

        let patched = try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/1", json: #"{"relatives": [], "name": "Ann"}"#)
        #expect(patched.status == 200)
        let refused = try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/1", json: #"{"relatives": [99]}"#)
        #expect(refused.status == 400)
        let all = try events(subject: "/imports/\(id)")
        #expect(all.map { $0.string("type") ?? "" } == ["insikt.import.created", "insikt.citizen.updated"], "\(all)")
        let update = try #require(all.last)
        #expect(update.string("subject") == "/imports/\(id)/citizens/1")
        #expect(update.object("data")?.string("name") == "Ann" && update.object("data")?.ints("relatives_changed") == [2])
    }

    @Test func everyKindOfAirportChangeIsAnEventAndANoOpIsNone() throws {
        let id = 8_000_000 + Int.random(in: 0..<900_000_000)
        let body = #"{"name": "Event Field", "city": "Eventby", "country": "Sweden", "latitude": 59.5, "longitude": 17.25}"#
        #expect(try httpRequest(port: port, "PUT", "/airports/\(id)", json: body).status == 201)
        #expect(try httpRequest(port: port, "PUT", "/airports/\(id)", json: body).status == 200, "same values: no change")
        #expect(try httpRequest(port: port, "PATCH", "/airports/\(id)", json: #"{"city": "Renamed"}"#).status == 200)
        #expect(try httpRequest(port: port, "PATCH", "/airports/\(id)", json: #"{"city": "Renamed"}"#).status == 200, "no change")
        #expect(try httpRequest(port: port, "GET", "/airports/\(id)/delete").status == 200)
        #expect(try httpRequest(port: port, "GET", "/airports/\(id)/restore").status == 200)

        // A link staged by an editor and followed without a key: the editor is the actor.
        let editor = try AccessControlTests.makeKey("editor")
        let staged = try httpRequest(port: port, "GET", "/airports/\(id)/update?name=Linked", key: editor.text)
        let link: String = try staged.dataField("confirm")
        #expect(try httpRequest(port: port, "GET", link, key: nil).status == 200)
        #expect(try httpRequest(port: port, "DELETE", "/airports/\(id)").status == 204)

        let all = try events(subject: "/airports/\(id)")
        #expect(all.map { $0.string("type") ?? "" } == ["insikt.airport.created", "insikt.airport.updated", "insikt.airport.delete_flagged",
                                                       "insikt.airport.restored", "insikt.airport.updated", "insikt.airport.deleted"], "\(all)")
        #expect(all.first?.object("data")?.string("name") == "Event Field")
        #expect(all[safe: 1]?.object("data")?.string("city") == "Renamed")
        #expect(all[safe: 4]?.string("actorid") == editor.id, "\(all[safe: 4] ?? [:])")
        #expect(all.last?.object("data").map { Array($0.keys) } == ["id"] && all.last?.object("data")?.int("id") == id)

        let csvId = 8_000_000 + Int.random(in: 0..<900_000_000)
        let csv = "id,name,city,country,iata,icao,latitude,longitude,altitude,timezone,DST,tz,type,source\n\(csvId),\"Csv Field\",\"C\",\"S\",,,1,2,3,1,\"E\",\"x\",\"y\",\"z\"\n"
        let start = try newestPosition()
        #expect(try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv")], body: Array(csv.utf8)).status == 200)
        let uploads = try httpRequest(port: port, "GET", "/events?after=\(start)&types=insikt.airports.uploaded&limit=1000").requireDataArray()
        #expect(uploads.contains { $0.object("data")?.int("rows") == 1 && $0.object("data")?.int("inserted") == 1 && $0.string("subject") == "/airports" },
                "\(uploads)")
    }

    @Test func pagesAndFiltersFollowPositionOrder() throws {
        let id = try newImport()
        for name in ["x", "y", "z"] {
            #expect(try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/2", json: #"{"name": "\#(name)"}"#).status == 200)
        }
        let paged = try events(subject: "/imports/\(id)", limit: 2)
        #expect(paged.count == 4)
        let positions = paged.compactMap { Int($0.string("id") ?? "") }
        #expect(positions == positions.sorted() && Set(positions).count == 4, "\(positions)")
        let typed = try httpRequest(port: port, "GET", "/events?subject=/imports/\(id)&types=insikt.citizen.,insikt.nothing.").requireDataArray()
        #expect(typed.count == 3 && typed.allSatisfy { $0.string("type") == "insikt.citizen.updated" })
        let after = try httpRequest(port: port, "GET", "/events?subject=/imports/\(id)&after=\(positions[1])").requireDataArray()
        #expect(after.compactMap { Int($0.string("id") ?? "") } == Array(positions[2...]))

        for bad in ["limit=0", "limit=x", "after=-1", "wait=61", "subject=", "nope=1", "after=1&after=2"] {
            let r = try httpRequest(port: port, "GET", "/events?\(bad)")
            #expect(r.status == 400 && r.errors?.isEmpty == false, "\(bad): \(r.summary)")
        }
        for bad in ["", "x", "-3"] {
            let r = try httpRequest(port: port, "GET", "/events?after=0", headers: [("Last-Event-ID", bad)])
            #expect(r.status == 400, "Last-Event-ID '\(bad)': \(r.summary)")
        }
        // Positions beyond 32 bits are positions like any other (a 64-bit sequence).
        let far = try httpRequest(port: port, "GET", "/events?after=4765487953778750", headers: [("Last-Event-ID", "4765487953778750")])
        #expect(far.status == 200 && far.dataArray?.isEmpty == true, "\(far.summary)")
        #expect(try httpRequest(port: port, "GET", "/events", key: nil).status == 401)
    }

    @Test func aLongPollIsWokenByACommitOnAnotherConnection() throws {
        let id = try newImport()
        let start = try newestPosition()
        let waiting = Date()
        let answer = Monitor<RawResponse?>(nil)
        let thread = Thread {
            let read = try? httpRequest(port: TestEnvironment.port, "GET", "/events?after=\(start)&subject=/imports/\(id)/&wait=20")
            answer.withLock(wake: .all) { $0 = read }
        }
        thread.start()
        usleep(300_000)
        let written = Date()
        #expect(try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/1", json: #"{"name": "woken"}"#).status == 200)
        answer.wait(until: { $0 != nil }, deadline: monotonicNow() + 25 - Date().timeIntervalSince(waiting))
        let latency = Date().timeIntervalSince(written)
        let r = try #require(answer.withLock { $0 }, "no answer to the long poll within 25 s")
        let data = try r.requireDataArray()
        #expect(data.count == 1 && data.first?.object("data")?.string("name") == "woken", "\(r.summary)")
        #expect(latency < 10, "woken by the commit, not by the 20 s time-out (\(latency) s)")
        print("long poll woken \(Int(latency * 1000)) ms after the PATCH was sent")

        let quiet = Date()
        let newest = try newestPosition()
        let empty = try httpRequest(port: port, "GET", "/events?after=\(start)&subject=/imports/\(id)/nothing&wait=0.3")
        #expect(empty.status == 200 && empty.dataArray?.isEmpty == true && Date().timeIntervalSince(quiet) >= 0.3, "\(empty.summary)")
        // It waited past everything that was there: next goes on from there, not from `start`.
        let next = empty.object?.string("next") ?? ""
        let after = next.split(separator: "&").first.flatMap { $0.split(separator: "=").last }.flatMap { Int($0) }
        #expect((after ?? 0) >= newest, "next \(next) should start after \(newest)")
    }

    /// A filter that matches nothing still moves the reader on: `next` points past every event the
    /// page looked at, so following it does not read the same events again.
    @Test func aPageThatMatchesNothingLinksPastWhatItRead() throws {
        let id = try newImport()
        let newest = try newestPosition()
        let page = try httpRequest(port: port, "GET", "/events?subject=/imports/\(id)/nothing&limit=5")
        #expect(page.status == 200 && page.dataArray?.isEmpty == true, "\(page.summary)")
        let next = page.object?.string("next") ?? ""
        let after = next.split(separator: "&").first.flatMap { $0.split(separator: "=").last }.flatMap { Int($0) }
        #expect((after ?? 0) >= newest, "next \(next) should start after \(newest), the newest event the page read past")
        #expect(next.contains("nothing") && next.contains("limit=5"), "the same filters: \(next)")
    }

    @Test func serverSentEventsResumeWithLastEventID() throws {
        let id = try newImport()
        let start = try newestPosition()
        let stream = try EventStreamClient(port: port, path: "/events?subject=/imports/\(id)/&after=\(start)")
        #expect(stream.head.contains("200") && stream.head.lowercased().contains("content-type: text/event-stream"), "\(stream.head)")
        #expect(try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/1", json: #"{"name": "one"}"#).status == 200)
        let first = try stream.nextEvent()
        #expect(first.type == "insikt.citizen.updated" && first.data.contains("\"one\""), "\(first)")
        stream.close()

        // Missed while disconnected: exactly these two, in order.
        for name in ["two", "three"] {
            #expect(try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/1", json: #"{"name": "\#(name)"}"#).status == 200)
        }
        let resumed = try EventStreamClient(port: port, path: "/events?subject=/imports/\(id)/", lastEventID: first.id)
        let missed = [try resumed.nextEvent(), try resumed.nextEvent()]
        #expect(missed.map { $0.data.contains("\"two\"") } == [true, false] && missed[1].data.contains("\"three\""), "\(missed)")
        #expect(Int(missed[0].id) ?? 0 > Int(first.id) ?? 0 && Int(missed[1].id) ?? 0 > Int(missed[0].id) ?? 0)
        #expect(try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/1", json: #"{"name": "four"}"#).status == 200)
        #expect(try resumed.nextEvent().data.contains("\"four\""))
        resumed.close()
    }

    /// The case a plain sequence gets wrong: a transaction that took its position first commits
    /// after a later one. A reader polling all along must see positions only grow and miss none.
    @Test func noGapsWhenAnEarlierTransactionCommitsLater() throws {
        let subject = "/gap-test/\(UInt32.random(in: 0...UInt32.max))"
        let slow = try PostgresConnection(url: TestEnvironment.databaseURL)
        let fast = try PostgresConnection(url: TestEnvironment.databaseURL)
        try slow.execute("BEGIN")
        try EventOutbox.record(slow, type: "insikt.test.slow", subject: subject, aggregateType: "test", data: Array("{}".utf8), origin: nil)
        let fastFinished = Monitor<Date?>(nil)
        let fastWriter = Thread {
            try? fast.execute("BEGIN")
            try? EventOutbox.record(fast, type: "insikt.test.fast", subject: subject, aggregateType: "test", data: Array("{}".utf8), origin: nil)
            try? fast.execute("COMMIT")
            fastFinished.withLock { $0 = Date() }
        }
        fastWriter.start()
        var seen: [Int] = []
        var reads = 0
        let began = Date()
        var committedSlow: Date?
        while seen.count < 2 && Date().timeIntervalSince(began) < 10 {
            let after = seen.last.map { "&after=\($0)" } ?? ""
            let page = try httpRequest(port: port, "GET", "/events?subject=\(subject)\(after)").requireDataArray()
            seen += page.compactMap { Int($0.string("id") ?? "") }
            reads += 1
            if committedSlow == nil && Date().timeIntervalSince(began) > 0.3 {
                #expect(seen.isEmpty, "nothing is visible while the first writer is open: \(seen)")
                #expect(fastFinished.withLock { $0 } == nil, "the second writer waits for the first")
                committedSlow = Date()  // before the COMMIT: the second writer may finish before it returns
                try slow.execute("COMMIT")
            }
            usleep(5_000)
        }
        let types = try events(subject: subject).map { $0.string("type") ?? "" }
        #expect(types == ["insikt.test.slow", "insikt.test.fast"], "\(types)")
        #expect(seen.count == 2 && seen == seen.sorted(), "positions as read, \(reads) reads: \(seen)")
        fastFinished.wait(until: { $0 != nil }, deadline: monotonicNow() + 10)
        if let fastDone = fastFinished.withLock({ $0 }), let committedSlow { #expect(fastDone >= committedSlow) }
    }

    @Test func aRolledBackChangeLeavesNoEvent() throws {
        let subject = "/rollback-test/\(UInt32.random(in: 0...UInt32.max))"
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        try connection.execute("BEGIN")
        try EventOutbox.record(connection, type: "insikt.test.rolledback", subject: subject, aggregateType: "test", data: Array("{}".utf8), origin: nil)
        try connection.execute("ROLLBACK")
        #expect(try events(subject: subject).isEmpty)
    }

    @Test func readersBehindTheRetentionGet410() throws {
        let url = try TestEnvironment.createDatabase()
        let app = try TestEnvironment.startApplication(databaseURL: url) { $0.eventsRetentionDays = 0.000_001 }
        defer { app.stop() }
        for _ in 0..<3 {
            #expect(try httpRequest(port: app.port, "POST", "/imports", json: Self.twoCitizens).status == 201)
        }
        usleep(200_000)
        #expect(try app.eventRetention.deleteExpired() == 3)
        let gone = try httpRequest(port: app.port, "GET", "/events?after=1")
        #expect(gone.status == 410 && gone.text.contains("after=3"), "\(gone.summary)")
        let fromStart = try httpRequest(port: app.port, "GET", "/events")
        #expect(fromStart.status == 200 && fromStart.dataArray?.isEmpty == true && fromStart.text.contains("after=3"), "\(fromStart.summary)")
        #expect(try httpRequest(port: app.port, "POST", "/imports", json: Self.twoCitizens).status == 201)
        #expect(try httpRequest(port: app.port, "GET", "/events?after=3").dataArray?.count == 1)
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

/// A Server-Sent Events reader on a raw socket: the response head, then one event at a time.
final class EventStreamClient {
    struct Event: CustomStringConvertible {
        var id = ""
        var type = ""
        var data = ""
        var description: String { "id \(id) \(type) \(data)" }
    }

    let connection: RawConnection
    let head: String
    private var buffer = ""

    init(port: UInt16, path: String, lastEventID: String? = nil) throws {
        connection = try RawConnection(port: port)
        var request = "GET \(path) HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\(TestEnvironment.authorizationLine)"
        if let lastEventID { request += "Last-Event-ID: \(lastEventID)\r\n" }
        try connection.send(request + "\r\n")
        head = try connection.readHead()
    }

    /// The next event (comments and `retry:` skipped), read from the chunked body.
    func nextEvent(timeout: Double = 10) throws -> Event {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let end = buffer.range(of: "\n\n") {
                let block = String(buffer[..<end.lowerBound])
                buffer.removeSubrange(..<end.upperBound)
                var event = Event()
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("id: ") { event.id = String(line.dropFirst(4)) }
                    if line.hasPrefix("event: ") { event.type = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { event.data += line.dropFirst(6) }
                }
                if !event.type.isEmpty { return event }
                continue
            }
            guard Date() < deadline else { throw RawConnection.Failure(description: "no event within \(timeout) s; have: \(buffer)") }
            buffer += String(decoding: try connection.readChunk(timeout: deadline.timeIntervalSinceNow), as: UTF8.self)
        }
    }

    func close() { connection.shutdown() }
}
