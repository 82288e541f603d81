import App
import Foundation
import Glibc
import HTTP
import Locks
import Postgres
import Testing
import TestSupport

/// Many clients at once on every event loop of a server of its own: what the one-request-at-a-time
/// tests never do. Under the ThreadSanitizer build (scripts/test) it provokes the races between
/// loops and workers (an Allow set first computed by two loops at once, a streamed answer's writer
/// and the loop that closes its reset connection); here it checks that every answer is right and
/// that the server ends with no connection left open.
@Suite struct ConcurrencyStressTests {
    static let clients = 32
    static let rounds = 3

    @Test func manyClientsOnEveryLoopOptions405ResetStreamsDroppedFeedsAndCancelledJobs() throws {
        let application = try TestEnvironment.startApplication(databaseURL: TestEnvironment.databaseURL) {
            $0.server.eventLoops = 4
        }
        defer { application.stop() }
        let port = application.port
        var generator = CitizenGenerator(seed: 4242)
        let created = try httpRequest(port: port, "POST", "/imports", headers: [("Content-Type", "application/json")],
                                      body: CitizenGenerator.body(generator.citizens(count: 3_000, links: 300)))
        let importId = try created.require(created.dataObject?.int("import_id"), "the import's id")
        // Every path of the route table, its parameters filled in, never asked before on this server.
        let paths = Array(Set(application.routes.map { route in
            route.template.split(separator: "/").map { segment in
                segment.hasPrefix("{") ? (segment.hasSuffix(":int}") ? "\(importId)" : "x") : String(segment)
            }.joined(separator: "/")
        })).map { "/" + $0 }
        // Streams start at the feed's end: a stream from the start would read every event of every
        // test, and a loop stopped in the middle of such a read leaves its database connection
        // (and a backend blocked writing to it) behind.
        let newest = try PostgresConnection(url: TestEnvironment.databaseURL).query("SELECT coalesce(max(id), 0) FROM events").int(0, 0) ?? 0
        let wrong = Failures()
        let connected = Monitor(0)
        let finished = Monitor(0)
        let started = Date()
        for client in 0..<Self.clients {
            let thread = Thread {
                defer { finished.withLock(wake: .all) { $0 += 1 } }
                // First every client at once, on a connection opened beforehand and the paths in the
                // same order, so several loops meet each path of the route table for the first time
                // together.
                do {
                    let connection = try RawConnection(port: port)
                    connected.withLock(wake: .all) { $0 += 1 }
                    connected.wait(until: { $0 == Self.clients }, deadline: monotonicNow() + 60)
                    try Self.optionsAnd405(connection, paths, wrong, shuffled: false)
                } catch {
                    connected.withLock(wake: .all) { $0 += 1 }
                    wrong.add("client \(client), OPTIONS and 405 at once: \(error)")
                }
                for round in 0..<Self.rounds {
                    do {
                        switch (client + round) % 4 {
                        case 0: try Self.optionsAnd405(RawConnection(port: port), paths, wrong)
                        case 1: try Self.resetStreamedCitizens(port, importId, wrong)
                        case 2: try Self.dropEventStream(port, after: newest, wrong)
                        default: try Self.cancelStartingJob(port, wrong)
                        }
                    } catch {
                        wrong.add("client \(client), round \(round): \(error)")
                    }
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        let allDone = finished.wait(until: { $0 == Self.clients }, deadline: monotonicNow() + 300)
        #expect(allDone, "\(finished.withLock { $0 }) of \(Self.clients) clients finished in 300 s")
        #expect(wrong.all.isEmpty, "\(wrong.all.prefix(10))")
        print("stress: \(Self.clients) clients × \(Self.rounds) rounds on 4 loops in \(Int(Date().timeIntervalSince(started) * 1000)) ms")

        let health = try httpRequest(port: port, "GET", "/healthz")
        #expect(health.status == 200, "\(health.summary)")
        // Every reset or dropped connection is closed by its loop (the gauge counts them).
        let deadline = monotonicNow() + 30
        while application.server.metrics.connectionCount > 0 && monotonicNow() < deadline { usleep(20_000) }
        #expect(application.server.metrics.connectionCount == 0,
                "connections still open 30 s after the clients left: \(application.server.metrics.connectionCount)")
    }

    /// OPTIONS and a method no route takes, on every path, on one keep-alive connection.
    static func optionsAnd405(_ connection: RawConnection, _ paths: [String], _ wrong: Failures, shuffled: Bool = true) throws {
        for path in shuffled ? paths.shuffled() : paths {
            try connection.send("OPTIONS \(path) HTTP/1.1\r\nHost: x\r\n\(TestEnvironment.authorizationLine)\r\n")
            let options = try connection.readResponse()
            if options.status != 204 && options.status != 200 || options.header("Allow")?.contains("OPTIONS") != true {
                wrong.add("OPTIONS \(path): \(options.summary)")
            }
            try connection.send("TRACE \(path) HTTP/1.1\r\nHost: x\r\n\(TestEnvironment.authorizationLine)\r\n")
            let refused = try connection.readResponse()
            if refused.status != 405 || refused.header("Allow") != options.header("Allow") {
                wrong.add("TRACE \(path): \(refused.summary), OPTIONS said Allow \(options.header("Allow") ?? "-")")
            }
        }
    }

    /// A big streamed answer read in part, then the connection reset (SO_LINGER 0).
    static func resetStreamedCitizens(_ port: UInt16, _ importId: Int, _ wrong: Failures) throws {
        let connection = try RawConnection(port: port)
        try connection.send("GET /imports/\(importId)/citizens HTTP/1.1\r\nHost: x\r\n\(TestEnvironment.authorizationLine)\r\n")
        let head = try connection.readHead()
        if !head.hasPrefix("HTTP/1.1 200") { wrong.add("GET citizens: \(head)") }
        _ = try connection.readChunk()
        connection.resetOnClose()
    }

    /// A Server-Sent Events stream opened, its first bytes read, and dropped.
    static func dropEventStream(_ port: UInt16, after newest: Int64, _ wrong: Failures) throws {
        let connection = try RawConnection(port: port)
        try connection.send("GET /events?after=\(newest) HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\(TestEnvironment.authorizationLine)\r\n")
        let head = try connection.readHead()
        if !head.hasPrefix("HTTP/1.1 200") || !head.lowercased().contains("text/event-stream") { wrong.add("GET /events as a stream: \(head)") }
        _ = try connection.readChunk()
        if Bool.random() { connection.resetOnClose() }
    }

    /// An import queued as a job and cancelled at once, while a runner may be starting it.
    static func cancelStartingJob(_ port: UInt16, _ wrong: Failures) throws {
        var generator = CitizenGenerator(seed: UInt64.random(in: 0...UInt64.max))
        let submitted = try httpRequest(port: port, "POST", "/imports",
                                        headers: [("Prefer", "respond-async"), ("Content-Type", "application/json")],
                                        body: CitizenGenerator.body(generator.citizens(count: 200, links: 20)))
        guard submitted.status == 202, let id = submitted.dataObject?.int("id") else {
            wrong.add("POST /imports as a job: \(submitted.summary)")
            return
        }
        let cancel = try httpRequest(port: port, "DELETE", "/jobs/\(id)")
        // 202: the cancel is on its way; 200: the job had finished already.
        if ![200, 202].contains(cancel.status) { wrong.add("DELETE /jobs/\(id): \(cancel.summary)") }
    }
}
