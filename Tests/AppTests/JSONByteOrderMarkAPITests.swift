import Foundation
import Testing
import TestSupport

/// A JSON body may start with a UTF-8 byte-order mark on every JSON route (the reader skips it),
/// as the CSV upload already takes one.
@Suite struct JSONByteOrderMarkAPITests {
    let port = TestEnvironment.port
    static let mark: [UInt8] = [0xEF, 0xBB, 0xBF]

    func post(_ path: String, _ json: String, method: String = "POST") throws -> RawResponse {
        try httpRequest(port: port, method, path, headers: [("Content-Type", "application/json")], body: Self.mark + Array(json.utf8))
    }

    @Test func importsAirportsPatchesAndKeysTakeAMarkedBody() throws {
        let created = try post("/imports", CitizensAPITests.workedImport)
        #expect(created.status == 201, "\(created.summary)")
        let id = try created.dataField("import_id", as: Int.self)
        let patched = try post("/imports/\(id)/citizens/3", #"{"town": "Ялта"}"#, method: "PATCH")
        #expect(patched.status == 200, "\(patched.summary)")
        #expect(patched.dataObject?.string("town") == "Ялта")

        let airport = try post("/airports", #"{"name": "Marked", "city": "c", "country": "d", "latitude": 1, "longitude": 2}"#)
        #expect(airport.status == 201, "\(airport.summary)")

        let key = try post("/keys", #"{"name": "bom-\#(UUID().uuidString)", "role": "reader"}"#)
        #expect(key.status == 201, "\(key.status)")
    }

    @Test func aMarkInsideTheBodyIsStillAnError() throws {
        let r = try httpRequest(port: port, "POST", "/airports", headers: [("Content-Type", "application/json")],
                                body: Array("{\"name\": 1,".utf8) + Self.mark + Array("}".utf8))
        #expect(r.status == 400, "\(r.summary)")
    }
}
