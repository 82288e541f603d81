import Foundation
import Testing
import TestSupport

/// JSON routes take JSON (`application/json`, any `+json` type, or no Content-Type) and answer
/// anything else with a 415; JSON syntax errors say the line and column.
@Suite struct MediaTypeTests {
    let port = TestEnvironment.port

    static let citizen = #"{"citizen_id": 1, "town": "T", "street": "S", "building": "1", "apartment": 1, "name": "N", "birth_date": "01.01.2000", "gender": "male", "relatives": []}"#
    static let airport = #"{"name": "Media Field", "city": "C", "country": "D", "latitude": 1.5, "longitude": 2.5}"#

    func problem(_ r: RawResponse) -> [String: Any] { r.json as? [String: Any] ?? [:] }

    func send(_ method: String, _ path: String, contentType: String?, _ body: String) throws -> RawResponse {
        try httpRequest(port: port, method, path, headers: contentType.map { [("Content-Type", $0)] } ?? [], body: Array(body.utf8))
    }

    func newImport() throws -> Int {
        let r = try send("POST", "/imports", contentType: "application/json", #"{"citizens": [\#(Self.citizen)]}"#)
        return try #require(((r.json as? [String: Any])?["data"] as? [String: Any])?["import_id"] as? Int, "\(r.status) \(r.text)")
    }

    func newAirport() throws -> Int {
        let r = try send("POST", "/airports", contentType: "application/json", Self.airport)
        return try #require(((r.json as? [String: Any])?["data"] as? [String: Any])?["id"] as? Int, "\(r.status) \(r.text)")
    }

    /// Every JSON route with a body it would accept.
    func routes() throws -> [(method: String, path: String, body: String)] {
        let importId = try newImport()
        let airportId = try newAirport()
        return [
            ("POST", "/imports", #"{"citizens": [\#(Self.citizen)]}"#),
            ("PATCH", "/imports/\(importId)/citizens/1", #"{"name": "Renamed"}"#),
            ("POST", "/airports", Self.airport),
            ("PUT", "/airports/\(airportId)", Self.airport),
            ("PATCH", "/airports/\(airportId)", #"{"city": "Elsewhere"}"#),
        ]
    }

    @Test func otherMediaTypesAre415NamingTheTypeToSend() throws {
        for route in try routes() {
            for contentType in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                "application/xml", "text/json", "application/jsonx", "json", "application/json; charset=latin1"] {
                let r = try send(route.method, route.path, contentType: contentType, route.body)
                #expect(r.status == 415, "\(route.method) \(route.path) as \(contentType): \(r.status) \(r.text)")
                #expect(r.header("Content-Type") == "application/problem+json; charset=utf-8")
                #expect(problem(r)["status"] as? Int == 415)
                let detail = problem(r)["detail"] as? String ?? ""
                #expect(detail.contains("application/json"), "\(detail)")
            }
        }
    }

    @Test func aRefusedPatchSaysWhichPatchFormatsItTakes() throws {
        let airportId = try newAirport()
        let r = try send("PATCH", "/airports/\(airportId)", contentType: "text/plain", #"{"city": "X"}"#)
        #expect(r.status == 415)
        #expect(r.header("Accept-Patch") == "application/json, application/merge-patch+json")
    }

    @Test func jsonWithParametersPlusJSONTypesAndNoContentTypeAreAccepted() throws {
        for route in try routes() {
            for contentType in ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=\"UTF-8\"",
                                "application/merge-patch+json", "application/vnd.insikt+json; charset=utf-8", nil] {
                let r = try send(route.method, route.path, contentType: contentType, route.body)
                #expect((200...201).contains(r.status), "\(route.method) \(route.path) as \(contentType ?? "none"): \(r.status) \(r.text)")
            }
        }
    }

    @Test func syntaxErrorsSayTheLineAndColumn() throws {
        let importId = try newImport()
        let airportId = try newAirport()
        // The stray "x" is on line 3, column 5, byte 22.
        let broken = "{\n  \"citizens\": [\n    x\n  ]\n}"
        let cases = [
            ("POST", "/imports"),  // streamed
            ("PATCH", "/imports/\(importId)/citizens/1"),
            ("POST", "/airports"),
            ("PATCH", "/airports/\(airportId)"),
        ]
        for (method, path) in cases {
            let r = try send(method, path, contentType: "application/json", broken)
            #expect(r.status == 400, "\(method) \(path): \(r.status) \(r.text)")
            let detail = problem(r)["detail"] as? String ?? ""
            #expect(detail == "The body is not valid JSON: unexpected character at line 3, column 5 (byte 22).", "\(method) \(path): \(detail)")
        }
    }
}
