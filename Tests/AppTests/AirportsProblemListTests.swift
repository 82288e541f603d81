import Foundation
import Testing
import TestSupport

/// A problem answer lists at most 100 errors (the schema's maxItems) and says how many it left out.
@Suite struct AirportsProblemListTests {
    let port = TestEnvironment.port

    func expectCapped(_ r: RawResponse, found: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 400, "\(r.summary)", sourceLocation: sourceLocation)
        #expect(r.errors?.count == 100, "\(r.summary)", sourceLocation: sourceLocation)
        let detail = r.object?.string("detail") ?? ""
        #expect(detail.contains("\(found) problems") && detail.contains("\(found - 100) more are left out"), "\(detail)", sourceLocation: sourceLocation)
        #expect(r.object?["errors_omitted"] as? Int == found - 100, "\(r.summary)", sourceLocation: sourceLocation)
    }

    @Test func aParameterRepeated150TimesListsAHundredErrors() throws {
        let query = (0..<150).map { _ in "after=1" }.joined(separator: "&")
        expectCapped(try httpRequest(port: port, "GET", "/airports?\(query)"), found: 149)
    }

    @Test func unknownParametersAndFieldsListAHundredErrors() throws {
        let unknown = (0..<150).map { "x\($0)=1" }.joined(separator: "&")
        expectCapped(try httpRequest(port: port, "GET", "/airports?\(unknown)"), found: 150)
        expectCapped(try httpRequest(port: port, "GET", "/airports/create?\(unknown)"), found: 150)
        let members = (0..<150).map { "\"x\($0)\": 1" }.joined(separator: ", ")
        expectCapped(try httpRequest(port: port, "POST", "/airports", json: "{\(members)}"), found: 150)
    }

    @Test func anUploadWith150BadRowsListsAHundred() throws {
        var file = AirportsUploadMessagesTests.header + "\n"
        for k in 0..<150 { file += AirportsUploadMessagesTests.row(5_000_200 + k, latitude: "91") + "\n" }
        let r = try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv")], body: Array(file.utf8))
        expectCapped(r, found: 150)
        #expect(r.errors?.last?.int("line") == 101, "\(r.summary)")
    }
}
