import Foundation
import HTTP
import JSON
import Postgres
import Testing
import TestSupport

/// A deliberately naive RFC 4180 parse of a whole file, independent of the server's reader:
/// each field is nil (empty and unquoted) or its text.
func independentCSV(_ text: String) -> [[String?]] {
    var rows: [[String?]] = []
    var row: [String?] = []
    var field = ""
    var quoted = false, inQuotes = false, fieldStarted = false
    var chars = Array(text.unicodeScalars)[...]
    func endField() {
        row.append(quoted || !field.isEmpty ? (field == "\\N" && !quoted ? nil : field) : nil)
        field = ""; quoted = false; fieldStarted = false
    }
    while let c = chars.popFirst() {
        if inQuotes {
            if c == "\"" {
                if chars.first == "\"" { chars.removeFirst(); field.unicodeScalars.append("\"") } else { inQuotes = false }
            } else { field.unicodeScalars.append(c) }
        } else if c == "\"" && !fieldStarted {
            inQuotes = true; quoted = true; fieldStarted = true
        } else if c == "," {
            endField()
        } else if c == "\n" || c == "\r" {
            if c == "\r" && chars.first == "\n" { chars.removeFirst() }
            endField(); rows.append(row); row = []
        } else {
            field.unicodeScalars.append(c); fieldStarted = true
        }
    }
    if fieldStarted || !row.isEmpty { endField(); rows.append(row) }
    return rows
}

@Suite(.serialized) struct AirportsUploadTests {
    let port = TestEnvironment.port
    static let file = try! String(contentsOfFile: TestEnvironment.packageRoot + "/Tests/Fixtures/airports.csv", encoding: .utf8)
    static let header = "id,name,city,country,iata,icao,latitude,longitude,altitude,timezone,DST,tz,type,source"

    func upload(_ body: [UInt8], headers: [(String, String)] = [("Content-Type", "text/csv")]) throws -> RawResponse {
        try httpRequest(port: port, "POST", "/upload", headers: headers, body: body, timeout: 60)
    }

    func counts(_ r: RawResponse) -> [String: Int] {
        (r.json as? [String: Any])?["data"] as? [String: Int] ?? [:]
    }

    /// Every live airport, walking the pages.
    func everyAirport(query: String = "") throws -> [[String: Any]] {
        var all: [[String: Any]] = []
        var next: String? = "/airports?limit=1000\(query)"
        while let path = next {
            let r = try httpRequest(port: port, "GET", path)
            #expect(r.status == 200)
            all += try r.requireDataArray()
            next = r.object?.string("next")
        }
        return all
    }

    @Test func theRealFileLoadsAndReadsBackEqual() throws {
        let first = try upload(Array(Self.file.utf8))
        #expect(first.status == 200, "\(first.text)")
        #expect(counts(first)["rows"] == 7698)

        let expected = independentCSV(Self.file).dropFirst()
        #expect(expected.count == 7698)
        // Numbers are compared from their literal text: Foundation's reader on Linux rounds some doubles.
        var served: [Int: JSONValue] = [:]
        var next: String? = "/airports?limit=1000"
        while let path = next {
            let page = try JSONParser().parse(try httpRequest(port: port, "GET", path).body)
            if case let .array(items)? = page["data"] {
                for item in items {
                    guard let id = item["id"]?.int64Value else { Issue.record("an airport without an integer id: \(item)"); continue }
                    served[Int(id)] = item
                }
            }
            next = page["next"]?.stringValue
        }
        let names = ["id", "name", "city", "country", "iata", "icao", "latitude", "longitude", "altitude", "timezone", "dst", "tz", "type", "source"]
        var checked = 0
        for row in expected {
            let id = Int(row[0]!)!
            guard let airport = served[id] else { Issue.record("airport \(id) missing"); continue }
            for (index, name) in names.enumerated() {
                let value = airport[name]
                switch row[index] {
                case nil:
                    #expect(value == .null, "\(id).\(name) should be null, is \(String(describing: value))")
                case let text?:
                    if case let .number(number)? = value {
                        #expect(Double(number.text) == Double(text), "\(id).\(name)")
                    } else {
                        #expect(value?.stringValue == text, "\(id).\(name): \(String(describing: value)) vs \(text)")
                    }
                }
            }
            checked += 1
        }
        #expect(checked == 7698)
        // The file's peculiarities: quotes inside a name, an empty city, fractional time zones.
        #expect(served[332]?["name"]?.stringValue == "Magdeburg \"City\" Airport")
        #expect(served[11794]?["city"]?.stringValue == "")
        #expect(served[11794]?["dst"] == .null)
        #expect(served[24]?["timezone"]?.doubleValue == -3.5)
    }

    @Test func uploadingTheSameFileAgainChangesNothing() throws {
        _ = try upload(Array(Self.file.utf8))
        let before = try httpRequest(port: port, "GET", "/airports/1")
        let again = try upload(Array(Self.file.utf8))
        #expect(counts(again) == ["rows": 7698, "inserted": 0, "updated": 0])
        let after = try httpRequest(port: port, "GET", "/airports/1")
        #expect(before.header("ETag") == after.header("ETag"))
        #expect(before.text == after.text)
    }

    @Test func multipartGzipChunkedAndCRLFUploadsWork() throws {
        let body = Array(Self.file.utf8)
        let boundary = "----insikt\(UInt32.random(in: 0...UInt32.max))"
        let multipart = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"airports.csv\"\r\nContent-Type: text/csv\r\n\r\n".utf8)
            + body + Array("\r\n--\(boundary)--\r\n".utf8)
        let viaMultipart = try upload(multipart, headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")])
        #expect(viaMultipart.status == 200, "\(viaMultipart.text)")
        #expect(counts(viaMultipart)["rows"] == 7698)

        let viaGzip = try upload(Gzip.compress(body), headers: [("Content-Type", "text/csv"), ("Content-Encoding", "gzip")])
        #expect(counts(viaGzip)["rows"] == 7698)

        let connection = try RawConnection(port: port)
        try connection.send(Array("POST /upload HTTP/1.1\r\nHost: x\r\n\(TestEnvironment.authorizationLine)Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            + chunkedEncoding(body, pieceSize: 65_000))
        let viaChunked = try connection.readResponse(timeout: 60)
        #expect(counts(viaChunked)["rows"] == 7698)

        let crlf = Array(Self.file.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        let viaCRLF = try upload(crlf)
        #expect(counts(viaCRLF) == ["rows": 7698, "inserted": 0, "updated": 0])
    }

    static let badFiles: [(String, String, Int, String)] = [
        ("bad header", "id,name,city\n5000001,a,b\n", 1, "header"),
        ("wrong column count", "\(header)\n5000002,\"a\",\"b\",\"c\",,,1,2,3,1,\"E\",\"x\",\"y\"\n", 2, "-"),
        ("bad number", "\(header)\n5000003,\"a\",\"b\",\"c\",,,1,2,3,1,\"E\",\"x\",\"y\",\"z\"\n5000004,\"a\",\"b\",\"c\",,,1x,2,3,1,\"E\",\"x\",\"y\",\"z\"\n", 3, "latitude"),
        ("latitude out of range", "\(header)\n5000005,\"a\",\"b\",\"c\",,,90.5,2,3,1,\"E\",\"x\",\"y\",\"z\"\n", 2, "latitude"),
        ("duplicate id", "\(header)\n5000006,\"a\",\"b\",\"c\",,,1,2,3,1,\"E\",\"x\",\"y\",\"z\"\n5000006,\"a\",\"b\",\"c\",,,1,2,3,1,\"E\",\"x\",\"y\",\"z\"\n", 3, "id"),
        ("unterminated quote", "\(header)\n5000007,\"a\",\"b\",\"c\",,,1,2,3,1,\"E\",\"x\",\"y\",\"z\"\n5000008,\"unclosed\n", 3, "name"),
        ("bad DST", "\(header)\n5000009,\"a\",\"b\",\"c\",,,1,2,3,1,\"Q\",\"x\",\"y\",\"z\"\n", 2, "DST"),
    ]

    @Test(arguments: badFiles)
    func aBadFileIs400NamingTheLineAndStoresNothing(name: String, content: String, line: Int, column: String) throws {
        let r = try upload(Array(content.utf8))
        #expect(r.status == 400, "\(name): \(r.text)")
        let errors = r.errors ?? []
        #expect(errors.contains { $0.int("line") == line && $0.string("column") == column }, "\(name): \(r.text)")
        for id in 5_000_001...5_000_009 {
            #expect(try httpRequest(port: port, "GET", "/airports/\(id)").status == 404)
        }
    }

    @Test func invalidUTF8IsRejectedWithItsLine() throws {
        let content = Array("\(Self.header)\n5000010,\"a".utf8) + [0xC3, 0x28] + Array("\",\"b\",\"c\",,,1,2,3,1,\"E\",\"x\",\"y\",\"z\"\n".utf8)
        let r = try upload(content)
        #expect(r.status == 400)
        #expect(r.text.contains("\"line\":2"))
        #expect(r.text.contains("UTF-8"))
        #expect(try httpRequest(port: port, "GET", "/airports/5000010").status == 404)
    }

    @Test func aGoodFileWithOneBadRowStoresNothing() throws {
        var content = Self.file
        content += "\n5000011,\"ok\",\"b\",\"c\",,,1,2,3,1,\"E\",\"x\",\"y\",\"z\"\n5000012,\"bad\",\"b\",\"c\",,,1,200,3,1,\"E\",\"x\",\"y\",\"z\""
        let r = try upload(Array(content.utf8))
        #expect(r.status == 400)
        #expect(r.text.contains("\"line\":7701"))
        #expect(try httpRequest(port: port, "GET", "/airports/5000011").status == 404)
    }

    @Test func otherMediaTypesAre415() throws {
        #expect(try upload(Array("{}".utf8), headers: [("Content-Type", "application/json")]).status == 415)
    }
}
