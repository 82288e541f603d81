import Foundation
import Glibc
import HTTP
import Testing
import TestSupport

@Suite struct LimitsTests {
    let port = TestServer.port

    @Test func aLongRequestLineIs414() throws {
        let c = try RawConnection(port: port)
        try c.send("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().status == 414)
        // Also when the line has not ended yet.
        let d = try RawConnection(port: port)
        try d.send("GET /\(String(repeating: "a", count: 9000))")
        #expect(try d.readResponse().status == 414)
    }

    @Test func largeHeadersAre431() throws {
        let c = try RawConnection(port: port)
        let big = (0..<10).map { "X-Big-\($0): \(String(repeating: "v", count: 7000))\r\n" }.joined()
        try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\(big)\r\n")
        #expect(try c.readResponse().status == 431)
    }

    @Test func tooManyHeadersAre431() throws {
        let c = try RawConnection(port: port)
        let many = (0..<101).map { "X-H\($0): v\r\n" }.joined()
        try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\(many)\r\n")
        #expect(try c.readResponse().status == 431)
        let ok = try RawConnection(port: port)
        try ok.send("GET /hello HTTP/1.1\r\nHost: x\r\n\((0..<98).map { "X-H\($0): v\r\n" }.joined())\r\n")
        #expect(try ok.readResponse().status == 200)
    }

    @Test func aBodyOverTheLimitIs413BeforeItIsRead() throws {
        let server = try TestServer.start { $0.maxBodyBytes = 1000 }
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        try c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.status == 413)
        let exact = try httpRequest(port: server.port, "POST", "/echo", body: [UInt8](repeating: 65, count: 1000))
        #expect(exact.status == 200)
        let chunkedBody = "3e8\r\n\(String(repeating: "a", count: 1000))\r\n1\r\nb\r\n0\r\n\r\n"
        let d = try RawConnection(port: server.port)
        try d.send("POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\(chunkedBody)")
        #expect(try d.readResponse().status == 413)
    }

    @Test func aSlowHeadIs408ThenClose() throws {
        let server = try TestServer.start { $0.headTimeout = 1 }
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n")
        let r = try c.readResponse(timeout: 5)
        #expect(r.status == 408)
        #expect(c.waitForClose())
    }

    @Test func aStalledBodyIs408ThenClose() throws {
        let server = try TestServer.start { $0.bodyTimeout = 1 }
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        try c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly some")
        let r = try c.readResponse(timeout: 5)
        #expect(r.status == 408)
        #expect(c.waitForClose())
    }

    @Test func anIdleKeepAliveConnectionIsClosedSilently() throws {
        let server = try TestServer.start { $0.idleTimeout = 1 }
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().status == 200)
        #expect(c.readAll(timeout: 5).isEmpty)
        #expect(c.closedByPeer)
    }

    @Test func connectionsOverTheCapAreRefusedAndOthersUnharmed() throws {
        let server = try TestServer.start { $0.maxConnections = 4; $0.eventLoops = 1 }
        defer { server.shutdown() }
        var held: [RawConnection] = []
        for _ in 0..<4 {
            let c = try RawConnection(port: server.port)
            try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try c.readResponse().status == 200)
            held.append(c)
        }
        let extra = try RawConnection(port: server.port)
        let refused = try extra.readResponse()
        #expect(refused.status == 503)
        #expect(extra.waitForClose())
        for c in held {
            try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try c.readResponse().status == 200)
        }
    }

    @Test func aLargeUploadStreamsThroughTheHandler() throws {
        let c = try RawConnection(port: port)
        let size = 64 << 20
        try c.send("POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: \(size)\r\n\r\n")
        let block = [UInt8](repeating: 120, count: 1 << 20)
        for _ in 0..<64 { try c.send(block) }
        let r = try c.readResponse(timeout: 60)
        #expect(r.text == "\(size)")
    }
}

@Suite struct OperationTests {
    @Test func gracefulShutdownFinishesInFlightRequests() throws {
        let server = try TestServer.start { $0.shutdownGrace = 5 }
        let busy = try RawConnection(port: server.port)
        try busy.send("GET /slow?s=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        let idle = try RawConnection(port: server.port)
        try idle.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try idle.readResponse().status == 200)
        usleep(200_000)
        let started = Date()
        let stopper = Thread { server.shutdown() }
        stopper.start()
        let r = try busy.readResponse(timeout: 5)
        #expect(r.status == 200)
        #expect(r.text == "slow")
        #expect(r.header("Connection") == "close")
        #expect(idle.waitForClose())
        #expect(throws: (any Error).self) { _ = try RawConnection(port: server.port) }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    /// A handler that answers after a forced shutdown posts to a loop that has ended. The loop's
    /// eventfd is closed by then and its number may be a new file's (here: sockets of ours); the
    /// answer must be dropped, not written there as 8 bytes of wake-up (seen as "400 Malformed
    /// request line" on another server's connection that got the number).
    @Test func anAnswerAfterTheLoopEndedIsWrittenNowhere() throws {
        let server = try TestServer.start { $0.shutdownGrace = 0.2; $0.eventLoops = 1 }
        let busy = try RawConnection(port: server.port)
        try busy.send("GET /slow?s=1.5 HTTP/1.1\r\nHost: x\r\n\r\n")
        usleep(200_000)  // for the loop to hand the request to a worker (as the graceful test does)
        server.shutdown()  // forced after 0.2 s: the loop ends while the handler still sleeps
        var ours: [(mine: Int32, peer: Int32)] = []
        for _ in 0..<64 {
            var fds: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds) == 0 else { break }
            ours.append((fds[0], fds[1]))
        }
        defer { for pair in ours { close(pair.mine); close(pair.peer) } }
        // The handler answers 1.5 s after it started; past that, its answer has been posted.
        usleep(2_500_000)
        for pair in ours {
            // Bytes written to one end are read at the other.
            var byte: UInt8 = 0
            #expect(read(pair.mine, &byte, 1) < 0 && read(pair.peer, &byte, 1) < 0, "a socket of the test got bytes nobody sent")
        }
    }

    @Test func metricsCountRequestsByRouteAndStatus() throws {
        let server = try TestServer.start()
        defer { server.shutdown() }
        _ = try httpRequest(port: server.port, "GET", "/items/1")
        _ = try httpRequest(port: server.port, "GET", "/items/2")
        _ = try httpRequest(port: server.port, "GET", "/missing")
        let text = try httpRequest(port: server.port, "GET", "/metrics").text
        #expect(text.contains(#"http_requests_total{method="GET",route="/items/{id:int}",status="200"} 2"#))
        #expect(text.contains(#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#))
        #expect(text.contains("http_request_duration_seconds_bucket{le=\"+Inf\"}"))
        // At least the connection asking; one just answered with Connection: close may not be
        // closed yet on the server's side.
        let open = text.split(separator: "\n").first { $0.hasPrefix("http_open_connections ") }
        #expect(open.flatMap { Int($0.split(separator: " ")[1]) }.map { $0 >= 1 && $0 <= 4 } == true)
    }
}
