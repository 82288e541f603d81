import Foundation
import Testing
import TestSupport

/// What a bad upload answers: every problem names a line and a column, and says what to do about
/// the usual ways a spreadsheet saves a file that is not comma-separated UTF-8. Each file goes in
/// as text/csv and as multipart; the ids are this suite's own.
@Suite struct AirportsUploadMessagesTests {
    let port = TestEnvironment.port
    static let header = "id,name,city,country,iata,icao,latitude,longitude,altitude,timezone,DST,tz,type,source"

    static func row(_ id: Int, latitude: String = "1", longitude: String = "2", altitude: String = "3", timezone: String = "1") -> String {
        "\(id),\"Row \(id)\",\"C\",\"D\",,,\(latitude),\(longitude),\(altitude),\(timezone),\"E\",\"x\",\"airport\",\"test\""
    }

    /// The same file as text/csv, as multipart, and as text/csv in chunks of two bytes.
    func uploads(_ file: [UInt8]) throws -> [(String, RawResponse)] {
        let boundary = "----insikt\(UInt32.random(in: 0...UInt32.max))"
        let multipart = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"airports.csv\"\r\nContent-Type: text/csv\r\n\r\n".utf8)
            + file + Array("\r\n--\(boundary)--\r\n".utf8)
        return [
            ("text/csv", try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv")], body: file)),
            ("multipart", try httpRequest(port: port, "POST", "/airports/upload", headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: multipart)),
            ("chunked", try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv"), ("Transfer-Encoding", "chunked")],
                                        body: chunkedEncoding(file, pieceSize: 2))),
        ]
    }

    /// Each upload is a 400 with an error at `line` and `column` whose detail has every one of `words`.
    func expectRefused(_ file: [UInt8], line: Int, column: String, saying words: [String],
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (how, r) in try uploads(file) {
            #expect(r.status == 400, "\(how): \(r.summary)", sourceLocation: sourceLocation)
            let match = (r.errors ?? []).first { $0.int("line") == line && $0.string("column") == column }
            let detail = match?.string("detail") ?? ""
            #expect(match != nil && words.allSatisfy { detail.contains($0) }, "\(how): \(r.summary)", sourceLocation: sourceLocation)
        }
    }

    @Test func anEmptyFileNamesLineOneAndTheHeader() throws {
        try expectRefused([], line: 1, column: "header", saying: ["empty", Self.header])
        try expectRefused([0xEF, 0xBB, 0xBF], line: 1, column: "header", saying: ["empty"])
    }

    @Test func aUTF8ByteOrderMarkIsAccepted() throws {
        let id = AirportsAPITests.newId()
        let file = [0xEF, 0xBB, 0xBF] + Array("\(Self.header)\r\n\(Self.row(id))\r\n".utf8)
        for (how, r) in try uploads(file) {
            #expect(r.status == 200, "\(how): \(r.summary)")
            #expect(r.dataObject?.int("rows") == 1, "\(how): \(r.summary)")
        }
        let stored = try httpRequest(port: port, "GET", "/airports/\(id)")
        #expect(stored.dataObject?.string("name") == "Row \(id)", "\(stored.summary)")
    }

    @Test func semicolonsAsTheSeparatorAreNamed() throws {
        let file = Array("\(Self.header.replacingOccurrences(of: ",", with: ";"))\n5000101;\"A\";\"B\";\"C\";;;1;2;3;1;\"E\";\"x\";\"y\";\"z\"\n".utf8)
        try expectRefused(file, line: 1, column: "header", saying: ["separator must be a comma", "semicolons"])
    }

    /// JSON sent to the CSV upload: as JSON, a 415 before the body is read; as a CSV file, the
    /// first line's problem. Both say where JSON goes.
    @Test func jsonSaysItLooksLikeJSONAndWhereJSONGoes() throws {
        let json = #"{"id": 1, "name": "n", "city": "c", "country": "d", "latitude": 1, "longitude": 2}"#
        for path in ["/upload", "/airports/upload"] {
            for type in ["application/json", "application/merge-patch+json; charset=utf-8"] {
                let r = try httpRequest(port: port, "POST", path, headers: [("Content-Type", type)], body: Array(json.utf8))
                #expect(r.status == 415, "\(r.summary)")
                let detail = r.object?.string("detail") ?? ""
                #expect(detail.contains("is JSON") && detail.contains("POST /airports") && detail.contains("POST /imports"), "\(r.summary)")
            }
        }
        try expectRefused(Array(("  " + json + "\n").utf8), line: 1, column: "header", saying: ["looks like JSON", "POST /airports", "POST /imports"])
        try expectRefused(Array("[\(json)]".utf8), line: 1, column: "header", saying: ["looks like JSON"])
    }

    @Test func utf16IsNamed() throws {
        let text = "\(Self.header)\r\n\(Self.row(5_000_102))\r\n"
        let littleEndian = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let bigEndian = text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        for file in [[0xFF, 0xFE] + littleEndian, [0xFE, 0xFF] + bigEndian, littleEndian] {
            try expectRefused(file, line: 1, column: "header", saying: ["UTF-16", "UTF-8"])
        }
        #expect(try httpRequest(port: port, "GET", "/airports/5000102").status == 404)
    }

    @Test(arguments: [
        ("latitude", row(5_000_103, latitude: "90.5"), "from -90 to 90"),
        ("longitude", row(5_000_104, longitude: "-180.01"), "from -180 to 180"),
        ("altitude", row(5_000_105, altitude: "2147483648"), "from -2147483648 to 2147483647"),
        ("timezone", row(5_000_106, timezone: "25"), "from -24 to 24"),
        ("id", row(-5), "from 0 to 999999999999999999"),
        ("id", row(5_000_107).replacingOccurrences(of: "5000107,", with: "1000000000000000000,"), "from 0 to 999999999999999999"),
    ])
    func aNumberOutOfRangeGivesTheRange(column: String, row: String, range: String) throws {
        try expectRefused(Array("\(Self.header)\n\(row)\n".utf8), line: 2, column: column, saying: [range])
    }

    @Test func fieldsOutOfRangeInJSONAndLinksGiveTheRangeToo() throws {
        let r = try httpRequest(port: port, "POST", "/airports", json: #"{"name": "n", "city": "c", "country": "d", "latitude": 1, "longitude": 2, "altitude": 3000000000, "timezone": 30}"#)
        #expect(r.status == 400)
        let details = Dictionary((r.errors ?? []).map { ($0.string("pointer") ?? "", $0.string("detail") ?? "") }, uniquingKeysWith: { a, _ in a })
        #expect(details["/altitude"]?.contains("from -2147483648 to 2147483647") == true, "\(r.summary)")
        #expect(details["/timezone"]?.contains("from -24 to 24") == true, "\(r.summary)")
        let link = try httpRequest(port: port, "GET", "/airports/create?id=1000000000000000000&name=n&city=c&country=d&latitude=1&longitude=2")
        #expect(link.status == 400)
        #expect(link.text.contains("from 0 to 999999999999999999"), "\(link.summary)")
        // An id the sequence of server-picked ids could not pass.
        let put = try httpRequest(port: port, "PUT", "/airports/9223372036854775807", json: AirportsAPITests.sample)
        #expect(put.status == 400, "\(put.summary)")
        #expect(put.text.contains("from 0 to 999999999999999999"), "\(put.summary)")
    }
}
