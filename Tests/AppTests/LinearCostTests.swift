@testable import Airports
import Citizens
@testable import Events
import Foundation
import HTTP
import JSON
import Outgoing
import Routing
import Testing
import TestSupport

/// Every reader of untrusted input costs time linear in its input: each adversarial dimension is
/// grown 10x and the reader's CPU time must grow about 10x (under `LinearCost.bound`; quadratic
/// work grows 100x). The measured ratios are in the README ("Limits").
@Suite struct LinearCostTests {
    func expectLinear(_ growth: LinearCost.Growth, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        print("linear cost of \(what): \(growth)")
        #expect(growth.ratio < LinearCost.bound, "\(what): \(growth)", sourceLocation: sourceLocation)
    }

    // MARK: JSON

    /// `{"citizens": [], "k0": 1, "k1": 1, ...}`: the import body of issue 19 (was quadratic).
    static func manyKeys(_ n: Int, first: String = #""citizens": []"#) -> [UInt8] {
        var text = "{" + first
        for i in 0..<n { text += #","k\#(i)": 1"# }
        return Array((text + "}").utf8)
    }

    @Test func jsonObjectKeysStreamed() throws {
        let growth = try LinearCost.growth(from: 3_000, make: { LinearCostTests.manyKeys($0) }) { bytes in
            let object = try JSONParser().parseObject(bytes, streaming: "citizens") { _, _ in }
            #expect(object.sawArray)
        }
        expectLinear(growth, "top-level keys of a streamed import")
    }

    @Test func jsonObjectKeys() throws {
        let growth = try LinearCost.growth(from: 3_000, make: { LinearCostTests.manyKeys($0, first: #""a": {"b": 1}"#) }) { bytes in
            _ = try JSONParser().parse(bytes)
        }
        expectLinear(growth, "keys of an object")
    }

    @Test func jsonDuplicateKeyAfterManyIsFound() {
        var bytes = LinearCostTests.manyKeys(1_000)
        bytes.removeLast()
        bytes += Array(#","k999": 2}"#.utf8)
        #expect(throws: JSONParser.Error.self) { _ = try JSONParser().parse(bytes) }
        #expect(throws: JSONParser.Error.self) { _ = try JSONParser().parseObject(bytes, streaming: "citizens") { _, _ in } }
    }

    @Test func jsonArrayElementsAndStrings() throws {
        let elements = try LinearCost.growth(from: 20_000, make: { n in
            Array(("[" + (0..<n).map { _ in #"{"a":"\u00e9x"}"# }.joined(separator: ",") + "]").utf8)
        }) { bytes in _ = try JSONParser().parse(bytes) }
        expectLinear(elements, "array elements")
        let escapes = try LinearCost.growth(from: 20_000, make: { n in
            Array(("\"" + String(repeating: #"\n\ud83d\ude00"#, count: n) + "\"").utf8)
        }) { bytes in _ = try JSONParser().parse(bytes) }
        expectLinear(escapes, "escapes in one string")
    }

    // MARK: CSV

    @Test func csvRows() throws {
        let row = #"1,"Goroka","Goroka","Papua New Guinea","GKA","AYGA",-6.081689834590001,145.391998291,5282,10,"U","Pacific/Port_Moresby","airport","OurAirports""#
        let growth = try LinearCost.growth(from: 2_000, make: { n in
            Array((AirportRowChecker.header + "\n" + (0..<n).map { "\($0 + 1)" + row.dropFirst(1) }
                .joined(separator: "\n")).utf8)
        }) { bytes in
            let errors = try LinearCostTests.checkCSV(bytes).errors
            #expect(errors == 0)
        }
        expectLinear(growth, "CSV rows")
    }

    @Test func csvColumnsAndBadRows() throws {
        let columns = try LinearCost.growth(from: 20_000, make: { n in
            Array(([String](repeating: "x", count: n).joined(separator: ",") + "\n" + [String](repeating: "\"y\"", count: n).joined(separator: ",")).utf8)
        }) { bytes in
            let errors = try LinearCostTests.checkCSV(bytes).errors
            #expect(errors == 2)
        }
        expectLinear(columns, "CSV columns")
        // Every row bad: the problems past the answer's hundred are only counted.
        let badRows = try LinearCost.growth(from: 5_000, make: { n in
            Array((AirportRowChecker.header + "\n" + String(repeating: "a,b\n", count: n)).utf8)
        }) { bytes in
            let errors = try LinearCostTests.checkCSV(bytes).errors
            #expect(errors > 100)
        }
        expectLinear(badRows, "bad CSV rows")
    }

    /// The upload's reading: CSV reader, then the row checker, as `UploadAirportsHandler` does.
    static func checkCSV(_ bytes: [UInt8]) throws -> (rows: Int, errors: Int) {
        var reader = CSVReader()
        var checker = AirportRowChecker()
        var out: [UInt8] = []
        try bytes.withUnsafeBufferPointer { buffer in
            try reader.feed(buffer) { checker.check($0, into: &out); out.removeAll(keepingCapacity: true) }
        }
        try reader.finish { checker.check($0, into: &out) }
        return (checker.rows, checker.errors.count)
    }

    // MARK: multipart

    static func multipart(parts: Int, padding: Int = 0) -> [UInt8] {
        var body = ""
        for i in 0..<parts {
            body += "--XyZ\r\nContent-Disposition: form-data; name=\"f\(i)\"\r\nX-Pad: \(String(repeating: "p", count: padding))\r\n\r\nv\(i)\r\n"
        }
        return Array((body + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nid\r\n--XyZ--\r\n").utf8)
    }

    static func readMultipart(_ bytes: [UInt8], piece: Int) throws -> [UInt8] {
        guard var reader = MultipartReader(contentType: "multipart/form-data; boundary=XyZ", fieldName: "file") else { return [] }
        var content: [UInt8] = []
        var start = 0
        while start < bytes.count {
            try reader.feed(Array(bytes[start..<min(bytes.count, start + piece)])) { content += $0 }
            start += piece
        }
        try reader.finish()
        return content
    }

    @Test func multipartParts() throws {
        let growth = try LinearCost.growth(from: 2_000, make: { LinearCostTests.multipart(parts: $0) }) { bytes in
            let content = try LinearCostTests.readMultipart(bytes, piece: 65_536)
            #expect(content == Array("id".utf8))
        }
        expectLinear(growth, "multipart parts")
    }

    /// A part's head arriving a byte at a time was searched from its start for every byte.
    @Test func multipartPartHeadDripped() throws {
        let growth = try LinearCost.growth(from: 1_500, make: { LinearCostTests.multipart(parts: 1, padding: $0) }) { bytes in
            let content = try LinearCostTests.readMultipart(bytes, piece: 1)
            #expect(content == Array("id".utf8))
        }
        expectLinear(growth, "bytes of a part's head, one at a time")
    }

    @Test func multipartPaddingIsBounded() {
        let body = Array(("--XyZ" + String(repeating: " ", count: 1025) + "\r\n\r\n\r\n--XyZ--\r\n").utf8)
        #expect(throws: HTTPError.self) { _ = try LinearCostTests.readMultipart(body, piece: 1) }
    }

    // MARK: HTTP framing

    @Test func chunkExtensions() throws {
        let growth = try LinearCost.growth(from: 5_000, make: { n in
            var text = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            for _ in 0..<n { text += "1;name=value;other=\"quoted\"\r\nx\r\n" }
            return Array((text + "0\r\n\r\n").utf8)
        }) { bytes in
            let outcomes = bytes.withUnsafeBufferPointer { RequestStreamParser.parse($0) }
            #expect(outcomes.count == 1 && outcomes.first != .incomplete)
        }
        expectLinear(growth, "chunks with extensions")
    }

    /// A request line arriving a byte at a time was searched from its start for every byte.
    @Test func requestLineDripped() throws {
        let parser = RequestHeadParser(maxRequestLine: 1 << 20, maxHeadBytes: 1 << 22)
        let growth = LinearCost.growth(from: 4_000, make: { n in
            Array(("GET /" + String(repeating: "a", count: n) + " HTTP/1.1\r\nHost: a\r\n\r\n").utf8)
        }) { bytes in
            var searched = 0
            bytes.withUnsafeBufferPointer { buffer in
                for end in 1...buffer.count {
                    if case .complete = parser.parse(UnsafeBufferPointer(rebasing: buffer[0..<end]), searched: &searched) {
                        #expect(end == buffer.count)
                    }
                }
            }
        }
        expectLinear(growth, "bytes of a request line, one at a time")
    }

    @Test func headerFields() throws {
        let parser = RequestHeadParser(maxHeadBytes: 1 << 22, maxHeaderCount: 1 << 20)
        let growth = LinearCost.growth(from: 2_000, make: { n in
            Array(("GET / HTTP/1.1\r\n" + (0..<n).map { "X-H\($0): v\r\n" }.joined() + "\r\n").utf8)
        }) { bytes in
            var searched = 0
            let result = bytes.withUnsafeBufferPointer { parser.parse($0, searched: &searched) }
            if case let .complete(head, _) = result { #expect(head.headers["x-h1"] == "v") } else { Issue.record("not parsed") }
        }
        expectLinear(growth, "header fields")
    }

    // MARK: merge patches

    static func unknownMembers(_ n: Int) -> JSONValue {
        .object((0..<n).map { JSONMember(key: "k\($0)", value: .number(JSONNumber(Int64($0)))) })
    }

    @Test func mergePatches() throws {
        let citizens = LinearCost.growth(from: 2_000, make: LinearCostTests.unknownMembers) { body in
            var validator = CitizenValidator()
            #expect(throws: HTTPError.self) { _ = try validator.validatePatch(body) }
        }
        expectLinear(citizens, "members of a citizen patch")
        let airports = LinearCost.growth(from: 2_000, make: LinearCostTests.unknownMembers) { body in
            #expect(throws: HTTPError.self) { _ = try AirportFields.fromJSON(body, allowID: false) }
        }
        expectLinear(airports, "members of an airport patch")
        let policy = AddressPolicy(allowPrivate: true)
        let webhooks = LinearCost.growth(from: 2_000, make: LinearCostTests.unknownMembers) { body in
            #expect(throws: HTTPError.self) { _ = try WebhookChange.parse(body, creating: false, policy: policy) }
        }
        expectLinear(webhooks, "members of a webhook patch")
        let relatives = LinearCost.growth(from: 2_000, make: { n in
            JSONValue.object([JSONMember(key: "relatives", value: .array((0..<n).map { .number(JSONNumber(Int64(n - $0))) }))])
        }) { body in
            var validator = CitizenValidator()
            let patch = try? validator.validatePatch(body)
            #expect(patch?.relatives?.count ?? 0 > 0)
        }
        expectLinear(relatives, "relatives of a citizen patch")
    }

    // MARK: over HTTP

    /// The request of issue 19: 100,000 top-level keys kept a core busy for minutes before its 400.
    @Test func anImportOfManyKeysIsRefusedSoon() throws {
        let body = LinearCostTests.manyKeys(100_000)
        let started = Date()
        let response = try httpRequest(port: TestEnvironment.port, "POST", "/imports",
                                       headers: [("Content-Type", "application/json")], body: body, timeout: 60)
        #expect(response.status == 400, "\(response.summary.prefix(500))")
        #expect(Date().timeIntervalSince(started) < 30, "a hang guard: the old code took minutes")
    }

    @Test func tooManyQueryParametersAre400() throws {
        let port = TestEnvironment.port
        let many = [String](repeating: "a", count: Request.maxQueryItems + 1).joined(separator: "&")
        let response = try httpRequest(port: port, "GET", "/airports?" + many)
        #expect(response.status == 400, "\(response.summary)")
        #expect(response.header("Content-Type")?.hasPrefix("application/problem+json") == true)
        #expect(response.object?.string("detail")?.contains("more than \(Request.maxQueryItems) parameters") == true, "\(response.summary)")
    }

    @Test func tooManyTypePrefixesAre400() throws {
        let types = (0...EventFilter.maxTypes).map { "insikt.t\($0)." }.joined(separator: ",")
        let response = try httpRequest(port: TestEnvironment.port, "GET", "/events?types=" + types)
        #expect(response.status == 400, "\(response.summary)")
        #expect(response.errors?.first?.string("parameter") == "types", "\(response.summary)")
        let fine = (0..<EventFilter.maxTypes).map { "insikt.t\($0)." }.joined(separator: ",")
        let accepted = try httpRequest(port: TestEnvironment.port, "GET", "/events?limit=1&types=" + fine)
        #expect(accepted.status == 200, "\(accepted.summary)")
    }
}
