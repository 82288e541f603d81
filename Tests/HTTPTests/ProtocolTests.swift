import Foundation
import HTTP
import Testing
import TestSupport

@Suite struct ProtocolTests {
    let port = TestServer.port

    @Test func keepAliveIsTheDefaultForHTTP11() throws {
        let c = try RawConnection(port: port)
        for _ in 0..<3 {
            try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let r = try c.readResponse()
            #expect(r.status == 200)
            #expect(r.text == "hello")
            #expect(r.header("Connection") == nil)
        }
    }

    @Test func connectionCloseClosesAfterTheResponse() throws {
        let c = try RawConnection(port: port)
        try c.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.header("Connection") == "close")
        #expect(c.waitForClose())
    }

    @Test func http10ClosesUnlessKeepAliveIsAsked() throws {
        let plain = try RawConnection(port: port)
        try plain.send("GET /hello HTTP/1.0\r\n\r\n")
        #expect(try plain.readResponse().status == 200)
        #expect(plain.waitForClose())

        let kept = try RawConnection(port: port)
        try kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let r = try kept.readResponse()
        #expect(r.header("Connection") == "keep-alive")
        try kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try kept.readResponse().status == 200)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let c = try RawConnection(port: port)
        try c.send("GET /slow?s=0.3 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /items/7 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().text == "slow")
        #expect(try c.readResponse().text == "hello")
        #expect(try c.readResponse().text == "item 7")
    }

    @Test func anUnreadBodyIsDrainedNotTakenForTheNextRequest() throws {
        let c = try RawConnection(port: port)
        let smuggled = "GET /items/666 HTTP/1.1\r\nHost: x\r\n\r\n"
        try c.send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n\(smuggled)GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().text == "ignored")
        #expect(try c.readResponse().text == "hello")
    }

    @Test func contentLengthBodyIsRead() throws {
        let r = try httpRequest(port: port, "POST", "/echo", body: Array("payload".utf8))
        #expect(r.status == 200)
        #expect(r.text == "payload")
    }

    @Test func chunkedBodyWithExtensionsAndTrailersIsRead() throws {
        let c = try RawConnection(port: port)
        try c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4;name=value\r\nWiki\r\n5 ; ext\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: yes\r\n\r\n"
            + "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().text == "Wikipedia in\r\n\r\nchunks.")
        #expect(try c.readResponse().text == "hello")
    }

    @Test func chunkedBodyArrivingByteByByteIsRead() throws {
        let c = try RawConnection(port: port)
        let request = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        for byte in request.utf8 {
            try c.send([byte])
        }
        #expect(try c.readResponse().text == "abcde")
    }

    @Test func expectContinueGets100BeforeTheBody() throws {
        let c = try RawConnection(port: port)
        try c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let interim = try c.readResponse()
        #expect(interim.status == 100)
        try c.send("hello")
        let final = try c.readResponse()
        #expect(final.status == 200)
        #expect(final.text == "hello")
    }

    @Test func expectContinueOnARefusedRequestGetsTheErrorAtOnce() throws {
        let c = try RawConnection(port: port)
        try c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\nExpect: 100-continue\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.status == 413)
        let missing = try RawConnection(port: port)
        try missing.send("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        #expect(try missing.readResponse().status == 404)
    }

    @Test func gzipAndDeflateRequestBodiesAreInflated() throws {
        let text = String(repeating: "compressible ", count: 500)
        let gz = try httpRequest(port: port, "POST", "/echo", headers: [("Content-Encoding", "gzip")], body: Gzip.compress(Array(text.utf8)))
        #expect(gz.status == 200)
        #expect(gz.text == text)
        let deflated = try zlibCompress(Array(text.utf8))
        let df = try httpRequest(port: port, "POST", "/echo", headers: [("Content-Encoding", "deflate")], body: deflated)
        #expect(df.status == 200)
        #expect(df.text == text)
    }

    @Test func gzipChunkedBodyIsInflated() throws {
        let compressed = Gzip.compress(Array(String(repeating: "x", count: 10000).utf8))
        let c = try RawConnection(port: port)
        try c.send(Array("POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n".utf8)
            + chunkedEncoding(compressed, pieceSize: 7))
        #expect(try c.readResponse().text == "10000")
    }

    @Test func aGzipBombIs413() throws {
        let server = try TestServer.start { $0.maxInflatedBytes = 1 << 20 }
        defer { server.shutdown() }
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 8 << 20), level: 9)
        #expect(bomb.count < 64 * 1024)
        let r = try httpRequest(port: server.port, "POST", "/count", headers: [("Content-Encoding", "gzip")], body: bomb)
        #expect(r.status == 413)
        #expect(r.header("Content-Type") == "application/problem+json; charset=utf-8")
    }

    @Test func corruptOrTruncatedCompressedBodiesAre400() throws {
        let good = Gzip.compress(Array(String(repeating: "abc", count: 1000).utf8))
        let truncated = Array(good[0..<(good.count / 2)])
        #expect(try httpRequest(port: port, "POST", "/echo", headers: [("Content-Encoding", "gzip")], body: truncated).status == 400)
        var corrupt = good
        corrupt[12] ^= 0xFF
        corrupt[13] ^= 0xFF
        #expect(try httpRequest(port: port, "POST", "/echo", headers: [("Content-Encoding", "gzip")], body: corrupt).status == 400)
        #expect(try httpRequest(port: port, "POST", "/echo", headers: [("Content-Encoding", "gzip")], body: Array("not gzip".utf8)).status == 400)
    }

    @Test func otherContentCodingsAre415() throws {
        let r = try httpRequest(port: port, "POST", "/echo", headers: [("Content-Encoding", "br")], body: [1, 2, 3])
        #expect(r.status == 415)
    }

    @Test func largeResponsesAreGzippedForClientsThatAcceptIt() throws {
        let gz = try httpRequest(port: port, "GET", "/large", headers: [("Accept-Encoding", "gzip, deflate")])
        #expect(gz.header("Content-Encoding") == "gzip")
        #expect(gz.header("Vary") == "Accept-Encoding")
        #expect(gz.header("Content-Length").flatMap { Int($0) } == gz.body.count)
        #expect(Gzip.decompress(gz.body).map { String(decoding: $0, as: UTF8.self) } == String(repeating: "insikt ", count: 1000))

        let plain = try httpRequest(port: port, "GET", "/large")
        #expect(plain.header("Content-Encoding") == nil)
        #expect(plain.header("Vary") == "Accept-Encoding")
        #expect(plain.body.count == 7000)

        let refused = try httpRequest(port: port, "GET", "/large", headers: [("Accept-Encoding", "gzip;q=0")])
        #expect(refused.header("Content-Encoding") == nil)

        let small = try httpRequest(port: port, "GET", "/hello", headers: [("Accept-Encoding", "gzip")])
        #expect(small.header("Content-Encoding") == nil)
    }

    /// Wherever the engine compresses, one `Vary` names Accept-Encoding beside the handler's own.
    @Test func varyMergesAcceptEncodingWithTheHandlersVary() throws {
        for encoding in ["gzip", nil] {
            let r = try httpRequest(port: port, "GET", "/large-negotiated", headers: encoding.map { [("Accept-Encoding", $0)] } ?? [])
            let vary = r.headers.filter { $0.0.lowercased() == "vary" }.map(\.1)
            #expect(vary == ["Accept, Accept-Encoding"], "\(encoding ?? "identity"): \(r.head)")
            #expect(r.header("Content-Encoding") == encoding)
        }
        let plain = try httpRequest(port: port, "GET", "/large", headers: [("Accept-Encoding", "gzip")])
        #expect(plain.headers.filter { $0.0.lowercased() == "vary" }.map(\.1) == ["Accept-Encoding"])
    }

    /// A HEAD's head is its GET's, error answers included (a body naming HEAD was a byte longer).
    @Test func headOfAnUnroutedPathHasItsGETsHead() throws {
        for path in ["/no/such/path", "/hellp", "/echo"] {
            let get = try httpRequest(port: port, "GET", path)
            let head = try RawConnection(port: port)
            try head.send("HEAD \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
            let headResponse = try head.readResponse(forHead: true)
            #expect([404, 405].contains(get.status), "\(get.summary)")
            #expect(headResponse.status == get.status)
            #expect(headResponse.body.isEmpty)
            #expect(headResponse.header("Content-Length") == get.header("Content-Length"), "\(path): \(get.text)")
            #expect(headResponse.header("Content-Length") == String(get.body.count))
        }
    }

    @Test func everyResponseHasDateFramingAndCharset() throws {
        let ok = try httpRequest(port: port, "GET", "/hello")
        #expect(ok.header("Date")?.hasSuffix(" GMT") == true)
        #expect(ok.header("Content-Length") == "5")
        #expect(ok.header("Content-Type") == "text/plain; charset=utf-8")

        let missing = try httpRequest(port: port, "GET", "/missing")
        #expect(missing.header("Content-Type") == "application/problem+json; charset=utf-8")
        #expect(missing.header("Date") != nil)

        let noContent = try httpRequest(port: port, "GET", "/nothing")
        #expect(noContent.status == 204)
        #expect(noContent.header("Content-Length") == nil)
        #expect(noContent.header("Transfer-Encoding") == nil)
    }

    @Test func headHasTheHeadersOfGetAndNoBody() throws {
        let c = try RawConnection(port: port)
        try c.send("HEAD /large HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try c.readResponse(forHead: true)
        let get = try httpRequest(port: port, "GET", "/large")
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == get.header("Content-Length"))
        #expect(head.header("Content-Type") == get.header("Content-Type"))
        #expect(head.body.isEmpty)
        #expect(try c.readResponse().text == "hello")
    }

    @Test func aHandlerFailureIsA500WithoutInternals() throws {
        let r = try httpRequest(port: port, "GET", "/fail")
        #expect(r.status == 500)
        #expect(!r.text.contains("SELECT"))
        #expect(!r.text.contains("Secret"))
        let problem = r.json as? [String: Any]
        #expect(problem?["status"] as? Int == 500)
        #expect(problem?["title"] as? String == "Internal Server Error")
    }

    @Test func requestIdIsEchoedWhenValidAndMadeOtherwise() throws {
        let echoed = try httpRequest(port: port, "GET", "/hello", headers: [("X-Request-Id", "abc.DEF_123-x")])
        #expect(echoed.header("X-Request-Id") == "abc.DEF_123-x")
        let invalid = try httpRequest(port: port, "GET", "/hello", headers: [("X-Request-Id", "bad id!")])
        #expect(invalid.header("X-Request-Id") != "bad id!")
        let tooLong = try httpRequest(port: port, "GET", "/hello", headers: [("X-Request-Id", String(repeating: "a", count: 129))])
        #expect(tooLong.header("X-Request-Id")?.count ?? 0 <= 128)
        var seen = Set<String>()
        for _ in 0..<20 {
            let r = try httpRequest(port: port, "GET", "/missing")
            seen.insert(try r.require(r.header("X-Request-Id"), "an X-Request-Id"))
        }
        #expect(seen.count == 20)
    }

    @Test func streamedResponsesUseChunkedFramingAndKeepTheConnection() throws {
        let c = try RawConnection(port: port)
        try c.send("GET /stream?n=3 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let streamed = try c.readResponse()
        #expect(streamed.status == 200)
        #expect(streamed.header("Transfer-Encoding") == "chunked")
        #expect(streamed.header("Content-Length") == nil)
        #expect(streamed.text == "piece 0\npiece 1\npiece 2\n")
        #expect(try c.readResponse().text == "hello")

        let head = try RawConnection(port: port)
        try head.send("HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let headResponse = try head.readResponse(forHead: true)
        #expect(headResponse.header("Transfer-Encoding") == "chunked")
        #expect(try head.readResponse().text == "hello")

        let old = try RawConnection(port: port)
        try old.send("GET /stream?n=2 HTTP/1.0\r\n\r\n")
        let collected = try old.readResponse()
        #expect(collected.header("Content-Length") == "16")
        #expect(collected.text == "piece 0\npiece 1\n")
    }

    @Test func streamedResponsesAreGzippedForClientsThatAcceptIt() throws {
        let expected = (0..<500).map { "piece \($0)\n" }.joined()
        let c = try RawConnection(port: port)
        try c.send("GET /stream?n=500 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let gz = try c.readResponse()
        #expect(gz.header("Transfer-Encoding") == "chunked")
        #expect(gz.header("Content-Encoding") == "gzip")
        #expect(gz.header("Vary") == "Accept-Encoding")
        #expect(gz.body.count < expected.utf8.count / 2)
        #expect(Gzip.decompress(gz.body).map { String(decoding: $0, as: UTF8.self) } == expected)
        #expect(try c.readResponse().text == "hello", "the connection goes on after the gzip trailer")

        let plain = try httpRequest(port: port, "GET", "/stream?n=500")
        #expect(plain.header("Content-Encoding") == nil)
        #expect(plain.header("Vary") == "Accept-Encoding")
        #expect(plain.text == expected)

        let head = try httpRequest(port: port, "HEAD", "/stream?n=500", headers: [("Accept-Encoding", "gzip")])
        #expect(head.header("Content-Encoding") == "gzip", "HEAD has GET's headers")

        let old = try RawConnection(port: port)
        try old.send("GET /stream?n=500 HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n")
        let collected = try old.readResponse()
        #expect(collected.header("Content-Encoding") == "gzip")
        #expect(Int(collected.header("Content-Length") ?? "") == collected.body.count)
        #expect(Gzip.decompress(collected.body).map { String(decoding: $0, as: UTF8.self) } == expected)

        let binary = try httpRequest(port: port, "GET", "/stream-large", headers: [("Accept-Encoding", "gzip")])
        #expect(binary.header("Content-Encoding") == nil, "only text and JSON are compressed")
    }

    @Test func aClientLeavingMidStreamStopsTheProducer() throws {
        // More abandoned streams than the shared server has workers (4): a producer left blocked
        // would hold its worker for good, and the last request below would never be answered.
        for _ in 0..<6 {
            let c = try RawConnection(port: port)
            try c.send("GET /stream-large HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try c.readResponse(forHead: true)
        }
        for _ in 0..<4 {
            #expect(try httpRequest(port: port, "GET", "/slow?s=0", timeout: 10).text == "slow")
        }
    }

    @Test func queryStringsAreDecoded() throws {
        let r = try httpRequest(port: port, "GET", "/query?a=1&b=x+y&c=%C3%A5")
        #expect(r.text == "a=1&b=x y&c=å")
    }
}

/// zlib-format ("deflate") compression through zlib, independent of the server's code.
func zlibCompress(_ input: [UInt8]) throws -> [UInt8] {
    let run = spawnCapturing("python3", ["-c", "import sys,zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))"], input: input)
    guard run.status == 0 else { throw RawConnection.Failure(description: "python3's zlib exited \(run.status)") }
    return run.output
}
