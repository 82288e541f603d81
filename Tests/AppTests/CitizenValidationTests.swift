import Foundation
import Postgres
import Testing
import TestSupport

/// Each rule of citizens.md, accepted and rejected side, with the JSON Pointer of the error.
@Suite struct CitizenValidationTests {
    let port = TestEnvironment.port

    static let valid = #"{"citizen_id": 1, "town": "Town", "street": "Street", "building": "1", "apartment": 1, "name": "Name", "birth_date": "01.01.2000", "gender": "male", "relatives": []}"#

    /// The valid citizen with one field's JSON replaced (or removed, with nil).
    static func citizen(_ field: String, _ json: String?) -> String {
        // `valid` is this file's own constant, so reading it cannot fail.
        var object = (try? JSONSerialization.jsonObject(with: Data(valid.utf8))) as? [String: Any] ?? [:]
        object.removeValue(forKey: field)
        var text = String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        if let json {
            text.removeLast()
            text += ",\"\(field)\":\(json)}"
        }
        return text
    }

    func importing(_ citizensJSON: String) throws -> RawResponse {
        try httpRequest(port: port, "POST", "/imports", json: "{\"citizens\":[\(citizensJSON)]}")
    }

    func pointers(_ r: RawResponse) -> [String] {
        ((r.json as? [String: Any])?["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? []
    }

    static let tomorrow: String = {
        let date = Date().addingTimeInterval(86_400)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "\"%02d.%02d.%04d\"", c.day!, c.month!, c.year!)
    }()

    static let today: String = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: Date())
        return String(format: "\"%02d.%02d.%04d\"", c.day!, c.month!, c.year!)
    }()

    static let rejected: [(String, String?)] = [
        ("citizen_id", nil), ("citizen_id", "null"), ("citizen_id", "\"1\""), ("citizen_id", "1.0"), ("citizen_id", "1e0"),
        ("citizen_id", "-1"), ("citizen_id", "9223372036854775808"), ("citizen_id", "true"),
        ("town", "\"\""), ("town", "\"-\""), ("town", "\"  !?\""), ("town", "null"), ("town", "1"),
        ("town", "\"\(String(repeating: "a", count: 257))\""), ("town", #""a\u0000""#),
        ("street", "\"___\""), ("building", "\"/\""),
        ("apartment", "-1"), ("apartment", "1.5"), ("apartment", "\"7\""), ("apartment", "null"),
        ("name", "\"\""), ("name", #""\u0000""#), ("name", "\"\(String(repeating: "я", count: 257))\""), ("name", "null"),
        ("birth_date", "\"1.01.2000\""), ("birth_date", "\"01.1.2000\""), ("birth_date", "\"31.02.2019\""),
        ("birth_date", "\"29.02.2019\""), ("birth_date", "\"2000-01-01\""), ("birth_date", "\"01.01.20000\""),
        ("birth_date", "\"00.01.2000\""), ("birth_date", "\"01.13.2000\""), ("birth_date", tomorrow), ("birth_date", "null"),
        ("gender", "\"Male\""), ("gender", "\"other\""), ("gender", "null"), ("gender", "\"\""),
        ("relatives", "null"), ("relatives", "[\"2\"]"), ("relatives", "[1, 1]"), ("relatives", "1"), ("relatives", "[null]"),
    ]

    @Test(arguments: rejected)
    func aFieldBreakingItsRuleIsRejected(field: String, json: String?) throws {
        let r = try importing(Self.citizen(field, json))
        #expect(r.status == 400, "\(field)=\(json ?? "missing")")
        #expect(r.header("Content-Type") == "application/problem+json; charset=utf-8")
        #expect(pointers(r).contains { $0.hasPrefix("/citizens/0/\(field)") }, "\(field)=\(json ?? "missing"): \(r.text)")
    }

    static let accepted: [(String, String)] = [
        ("citizen_id", "0"), ("citizen_id", "9223372036854775807"), ("apartment", "0"), ("apartment", "9223372036854775807"),
        ("town", "\"1\""), ("town", "\"Å\""), ("town", "\"東京\""), ("town", "\"- 7 -\""), ("town", "\"\(String(repeating: "a", count: 256))\""),
        ("name", "\"!\""), ("name", "\" \""), ("name", "\"\(String(repeating: "я", count: 256))\""),
        ("birth_date", "\"29.02.2000\""), ("birth_date", "\"31.12.1900\""), ("birth_date", today),
        ("gender", "\"female\""), ("relatives", "[1]"),
    ]

    @Test(arguments: accepted)
    func aFieldWithinItsRuleIsAccepted(field: String, json: String) throws {
        var body = Self.citizen(field, json)
        if field == "citizen_id" { body = body.replacingOccurrences(of: "\"relatives\":[]", with: "\"relatives\":[]") }
        let r = try importing(body)
        #expect(r.status == 201, "\(field)=\(json): \(r.text)")
    }

    @Test func unknownFieldsAnywhereAreRejected() throws {
        let extra = try importing(Self.valid.replacingOccurrences(of: "}", with: ",\"age\":3}"))
        #expect(extra.status == 400)
        #expect(pointers(extra) == ["/citizens/0/age"])
        let top = try httpRequest(port: port, "POST", "/imports", json: "{\"citizens\":[], \"extra\": 1}")
        #expect(top.status == 400)
        #expect(pointers(top) == ["/extra"])
        #expect(try httpRequest(port: port, "POST", "/imports", json: "{}").status == 400)
        #expect(try httpRequest(port: port, "POST", "/imports", json: "[]").status == 400)
        #expect(try httpRequest(port: port, "POST", "/imports", json: "{\"citizens\": {}}").status == 400)
    }

    @Test func malformedJSONIsRejected() throws {
        for body in ["", "{", "{\"citizens\": [], \"citizens\": []}", #"{"citizens": ["\ud800"]}"#, "{\"citizens\": []} x"] {
            #expect(try httpRequest(port: port, "POST", "/imports", json: body).status == 400, "\(body)")
        }
        let duplicate = Self.valid.replacingOccurrences(of: "\"name\": \"Name\"", with: "\"name\": \"A\", \"name\": \"B\"")
        #expect(try importing(duplicate).status == 400)
        let invalidUTF8 = Array("{\"citizens\": [{\"town\": \"".utf8) + [0xFF, 0xFE] + Array("\"}]}".utf8)
        #expect(try httpRequest(port: port, "POST", "/imports", body: invalidUTF8).status == 400)
    }

    @Test func relativesMustExistBeUniqueAndSymmetric() throws {
        func two(_ first: String, _ second: String) -> String {
            Self.valid.replacingOccurrences(of: "\"relatives\": []", with: "\"relatives\": \(first)") + ","
                + Self.valid.replacingOccurrences(of: "\"citizen_id\": 1", with: "\"citizen_id\": 2")
                .replacingOccurrences(of: "\"relatives\": []", with: "\"relatives\": \(second)")
        }
        #expect(try importing(two("[2]", "[1]")).status == 201)
        #expect(try importing(two("[1, 2]", "[1, 2]")).status == 201)
        let oneWay = try importing(two("[2]", "[]"))
        #expect(oneWay.status == 400)
        #expect(pointers(oneWay) == ["/citizens/0/relatives"])
        let missing = try importing(two("[3]", "[]"))
        #expect(missing.status == 400)
        let duplicateId = try importing(Self.valid + "," + Self.valid)
        #expect(duplicateId.status == 400)
        #expect(pointers(duplicateId) == ["/citizens/1/citizen_id"])
    }

    @Test func upToAHundredErrorsAreReported() throws {
        let many = (0..<150).map { _ in Self.citizen("gender", "\"x\"") }.joined(separator: ",")
        let r = try importing(many)
        #expect(r.status == 400)
        #expect(pointers(r).count == 100)
    }

    @Test func aRejectedImportStoresNothing() throws {
        // The valid citizen comes first, so it is already in COPY when the bad one is found.
        let marker = "marker-\(UInt64.random(in: 0...UInt64.max))"
        let good = Self.valid.replacingOccurrences(of: "\"name\": \"Name\"", with: "\"name\": \"\(marker)\"")
        let bad = Self.citizen("gender", "\"x\"").replacingOccurrences(of: "\"citizen_id\":1", with: "\"citizen_id\":2")
        #expect(try importing(good + "," + bad).status == 400)
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        #expect(try connection.query("SELECT count(*) FROM citizens WHERE name = $1", [marker]).int(0, 0) == 0)
        #expect(try importing(good).status == 201)
        #expect(try connection.query("SELECT count(*) FROM citizens WHERE name = $1", [marker]).int(0, 0) == 1)
    }

    @Test func patchRules() throws {
        let created = try importing(Self.valid)
        let id: Int = try created.dataField("import_id")
        let path = "/imports/\(id)/citizens/1"
        for bad in ["{}", "[]", #"{"citizen_id": 2}"#, #"{"name": null}"#, #"{"unknown": 1}"#, #"{"town": "-"}"#,
                    #"{"birth_date": "30.02.2000"}"#, #"{"relatives": [1, 1]}"#, #"{"apartment": -5}"#, #"{"name": "a\u0000"}"#] {
            let r = try httpRequest(port: port, "PATCH", path, json: bad)
            #expect(r.status == 400, "\(bad)")
        }
        let selfRelative = try httpRequest(port: port, "PATCH", path, json: #"{"relatives": [1], "birth_date": "29.02.2000"}"#)
        #expect(selfRelative.status == 200)
        let data = try selfRelative.requireDataObject()
        #expect(data["relatives"] as? [Int] == [1])
        #expect(data["birth_date"] as? String == "29.02.2000")
        let birthdays = try httpRequest(port: port, "GET", "/imports/\(id)/citizens/birthdays")
        #expect(birthdays.text.contains(#""2":[{"citizen_id":1,"presents":1}]"#))
    }

    @Test func townsAreGroupedAsCodePointsWithoutNormalisation() throws {
        let composed = Self.citizen("town", "\"Caf\\u00e9\"")
        let decomposed = Self.citizen("town", "\"Cafe\\u0301\"").replacingOccurrences(of: "\"citizen_id\":1", with: "\"citizen_id\":2")
        let r = try importing(composed + "," + decomposed)
        let id: Int = try r.dataField("import_id")
        let stats = try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/percentile/age")
        let towns = try stats.requireDataArray().map { Array(try stats.require($0.string("town"), "a town").unicodeScalars) }
        #expect(towns.count == 2)
        #expect(towns == [Array("Cafe\u{301}".unicodeScalars), Array("Caf\u{e9}".unicodeScalars)])
    }
}
