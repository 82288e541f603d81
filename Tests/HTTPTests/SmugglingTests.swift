import Testing
import TestSupport

/// RFC 9112's framing rules: every ambiguous request is refused with 400 (or 501) and the
/// connection is closed, so nothing can be smuggled behind it.
@Suite struct SmugglingTests {
    let port = TestServer.port

    func expectRefused(_ request: String, status: Int = 400, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let c = try RawConnection(port: port)
        try c.send(request)
        let r = try c.readResponse()
        #expect(r.status == status, "\(request.debugDescription)", sourceLocation: sourceLocation)
        #expect(r.header("Content-Type") == "application/problem+json; charset=utf-8", sourceLocation: sourceLocation)
        #expect(r.header("Connection") == "close", sourceLocation: sourceLocation)
        #expect(c.waitForClose(), "connection stays open after \(request.debugDescription)", sourceLocation: sourceLocation)
    }

    @Test func contentLengthWithTransferEncoding() throws {
        try expectRefused("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        try expectRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n")
    }

    @Test func severalOrMalformedContentLengths() throws {
        try expectRefused("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello")
        try expectRefused("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello")
        for bad in ["+5", "0x5", "-1", "5 5", "", "99999999999999999999", "1e3"] {
            try expectRefused("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(bad)\r\n\r\nhello")
        }
    }

    @Test func chunkedMustBeTheLastCoding() throws {
        try expectRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")
        try expectRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")
        try expectRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n")
        try expectRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n")
    }

    @Test func anotherCodingEndingInChunkedIs501() throws {
        try expectRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 501)
    }

    @Test func obsFoldAndWhiteSpaceBeforeColon() throws {
        try expectRefused("GET /hello HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n")
        try expectRefused("GET /hello HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n\tb\r\n\r\n")
        try expectRefused("GET /hello HTTP/1.1\r\nHost : x\r\n\r\n")
        try expectRefused("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length\t: 0\r\n\r\n")
    }

    @Test func nulAndBareCRInTheHead() throws {
        try expectRefused("GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\u{0}b\r\n\r\n")
        try expectRefused("GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n")
        try expectRefused("GET /hel\rlo HTTP/1.1\r\nHost: x\r\n\r\n")
        try expectRefused("GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\nb\r\n\r\n")
    }

    @Test func hostMissingOrRepeated() throws {
        try expectRefused("GET /hello HTTP/1.1\r\n\r\n")
        try expectRefused("GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    }

    @Test func malformedChunkSizes() throws {
        for size in ["g", "-1", "0x5", "1ffffffffffffffff", " 5", ""] {
            try expectRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nhello\r\n0\r\n\r\n")
        }
        try expectRefused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n")
    }

    @Test func malformedRequestLines() throws {
        try expectRefused("GET  /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        try expectRefused("GET /hello HTTP/1.1 extra\r\nHost: x\r\n\r\n")
        try expectRefused("GET /hello http/1.1\r\nHost: x\r\n\r\n")
        try expectRefused("G(T /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        try expectRefused("GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", status: 505)
    }
}
