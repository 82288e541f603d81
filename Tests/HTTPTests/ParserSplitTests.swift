@testable import HTTP
import Testing

/// The request-head parser and the chunked decoder tested directly, with every input split at
/// every byte position (as picohttpparser's test.c does): a head or a body that arrives in pieces
/// must give exactly what it gives whole.
@Suite struct ParserSplitTests {
    static let heads: [String] = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "\r\nPOST /imports?x=1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        "GET /airports/1 HTTP/1.0\r\nHost: a\r\nX-Empty:\r\nAccept: */*\r\nauthorization: Bearer x\r\n\r\nGET /next HTTP/1.1\r\n",
    ]

    static let badHeads: [String] = [
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",          // white space before the colon
        "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", // obs-fold
        "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",         // bare CR
        "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
    ]

    func parse(_ bytes: [UInt8], searched: inout Int) -> RequestHeadParser.Result {
        bytes.withUnsafeBufferPointer { RequestHeadParser().parse($0, searched: &searched) }
    }

    func describe(_ result: RequestHeadParser.Result) -> String {
        switch result {
        case .incomplete: return "incomplete"
        case let .failure(error): return "failure \(error.status) \(error.detail)"
        case let .complete(head, consumed):
            return "\(head.method) \(head.target) \(head.version) \(head.headers.fields.map { "\($0.name)=\($0.value)" }) \(consumed)"
        }
    }

    @Test(arguments: heads + badHeads)
    func aHeadArrivingInTwoPiecesParsesAsWhole(_ text: String) {
        let bytes = Array(text.utf8)
        var searched = 0
        let whole = describe(parse(bytes, searched: &searched))
        for split in 0...bytes.count {
            // The parser is handed what arrived so far, remembering how far it looked.
            var searched = 0
            let first = describe(parse(Array(bytes[..<split]), searched: &searched))
            let second = describe(parse(bytes, searched: &searched))
            #expect(second == whole, "split at \(split): \(second) vs \(whole)")
            #expect(first == "incomplete" || first == whole || (first.hasPrefix("failure") && whole.hasPrefix("failure")),
                    "split at \(split): the first piece gave \(first)")
        }
    }

    static let chunkedBodies: [(wire: String, decoded: String)] = [
        ("5\r\nhello\r\n0\r\n\r\n", "hello"),
        ("3;ext=1\r\nabc\r\n2 \r\nde\r\n0\r\nTrailer: x\r\n\r\nNEXT", "abcde"),
        ("A\r\n0123456789\r\n1;a;b=\"c\"\r\nX\r\n0\r\n\r\n", "0123456789X"),
    ]

    /// Decodes `pieces` one after another; the decoded bytes and how many bytes were taken.
    func decode(_ pieces: [[UInt8]]) throws -> (String, Int) {
        var decoder = ChunkedDecoder()
        var out: [UInt8] = []
        var taken = 0
        for piece in pieces where !decoder.isComplete {
            taken += try piece.withUnsafeBufferPointer { try decoder.decode($0) { out.append(contentsOf: $0) } }
        }
        return (String(decoding: out, as: UTF8.self), taken)
    }

    @Test func aChunkedBodySplitAnywhereDecodesAsWhole() throws {
        for (wire, decoded) in Self.chunkedBodies {
            let bytes = Array(wire.utf8)
            let whole = try decode([bytes])
            #expect(whole.0 == decoded, "\(wire)")
            #expect(whole.1 == bytes.count - (wire.hasSuffix("NEXT") ? 4 : 0), "what follows the body is left for the next request")
            for split in 0...bytes.count {
                let pieces = try decode([Array(bytes[..<split]), Array(bytes[split...])])
                #expect(pieces.0 == whole.0 && pieces.1 == whole.1, "split at \(split) of \(wire)")
            }
            let byteByByte = try decode(bytes.map { [$0] })
            #expect(byteByByte.0 == whole.0 && byteByByte.1 == whole.1, "one byte at a time: \(wire)")
        }
    }

    @Test(arguments: ["x\r\nabc\r\n0\r\n\r\n", "3\r\nabcX\r\n", "3\nabc\r\n", "10000000000000000\r\n", "3;\u{1}\r\nabc\r\n"])
    func aMalformedChunkedBodyFailsWhereverItIsSplit(_ wire: String) {
        let bytes = Array(wire.utf8)
        for split in 0...bytes.count {
            #expect(throws: HTTPError.self, "split at \(split) of \(wire.debugDescription)") {
                _ = try decode([Array(bytes[..<split]), Array(bytes[split...])])
            }
        }
    }
}
