import App
import Foundation
import Postgres
import Testing
import TestSupport

/// Uploads into an empty table take a shorter path (COPY straight into it); they must behave the same.
@Suite struct AirportsFirstLoadTests {
    @Test func theFirstLoadIntoAnEmptyTableIsAllOrNothingToo() throws {
        let application = try TestEnvironment.startApplication(databaseURL: try TestEnvironment.createDatabase())
        defer { application.stop() }
        let port = application.port
        let file = Array(AirportsUploadTests.file.utf8)

        var bad = AirportsUploadTests.file
        bad += "\n9000001,\"x\",\"y\",\"z\",,,95,0,1,1,\"E\",\"t\",\"airport\",\"s\""
        let refused = try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv")], body: Array(bad.utf8))
        #expect(refused.status == 400)
        #expect(try httpRequest(port: port, "GET", "/airports?limit=1").text == #"{"data":[],"next":null}"#)

        let first = try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv")], body: file)
        #expect(first.text == #"{"data":{"rows":7698,"inserted":7698,"updated":0}}"#)
        let again = try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv")], body: file)
        #expect(again.text == #"{"data":{"rows":7698,"inserted":0,"updated":0}}"#)
        let next = try httpRequest(port: port, "POST", "/airports", json: AirportsAPITests.sample)
        let id = ((next.json as? [String: Any])?["data"] as? [String: Any])?["id"] as? Int ?? 0
        #expect(id > 14110, "ids the server picks are above the file's")
    }
}
