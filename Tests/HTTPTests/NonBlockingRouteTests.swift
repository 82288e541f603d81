import Foundation
import Routing
import Testing
import TestSupport

/// Routes whose handlers answer later from the event loop (`Router.add(_:_:nonBlocking:)`).
@Suite struct NonBlockingRouteTests {
    let port = TestServer.port

    @Test func anAnswerThatComesLaterIsSent() throws {
        let r = try httpRequest(port: port, "GET", "/later?ms=50")
        #expect(r.status == 200)
        #expect(r.text == "later 50")
        let head = try httpRequest(port: port, "HEAD", "/later?ms=10")
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "8")
        #expect(head.body.isEmpty)
    }

    @Test func answersInlineAndFailuresAreProblemResponses() throws {
        #expect(try httpRequest(port: port, "GET", "/at-once").text == "at once")
        let failed = try httpRequest(port: port, "GET", "/at-once-fail")
        #expect(failed.status == 409)
        #expect(failed.header("Content-Type") == "application/problem+json; charset=utf-8")
        #expect((failed.json as? [String: Any])?["detail"] as? String == "Refused at once.")
    }

    @Test func keepAliveRequestsAnsweredLaterKeepTheirOrder() throws {
        let connection = try RawConnection(port: port)
        try connection.send("GET /later?ms=30 HTTP/1.1\r\nHost: x\r\n\r\nGET /at-once HTTP/1.1\r\nHost: x\r\n\r\nGET /later?ms=5 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try connection.readResponse().text == "later 30")
        #expect(try connection.readResponse().text == "at once")
        #expect(try connection.readResponse().text == "later 5")
    }

    @Test func manyConnectionsWaitingAtOnceAreAllAnswered() throws {
        let connections = try (0..<64).map { _ in try RawConnection(port: port) }
        for (i, connection) in connections.enumerated() {
            try connection.send("GET /later?ms=\(20 + i % 7) HTTP/1.1\r\nHost: x\r\n\r\n")
        }
        for (i, connection) in connections.enumerated() {
            #expect(try connection.readResponse().text == "later \(20 + i % 7)")
        }
    }

    @Test func aClientThatLeavesBeforeTheAnswerHarmsNobody() throws {
        for _ in 0..<10 {
            let connection = try RawConnection(port: port)
            try connection.send("GET /later?ms=30 HTTP/1.1\r\nHost: x\r\n\r\n")
        }
        usleep(100_000)
        #expect(try httpRequest(port: port, "GET", "/later?ms=1").text == "later 1")
        #expect(try httpRequest(port: port, "GET", "/hello").text == "hello")
    }
}
