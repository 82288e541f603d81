import Foundation
import Testing
import TestSupport

/// ETags come from the row version; a version must never repeat for one id, or an If-Match kept
/// from a deleted record would apply to the new record of the same id (a lost update).
@Suite struct AirportsVersionTests {
    let port = TestEnvironment.port

    static let header = "id,name,city,country,iata,icao,latitude,longitude,altitude,timezone,DST,tz,type,source"

    func etag(_ r: RawResponse, _ step: String) throws -> String {
        #expect((200...201).contains(r.status), "\(step): \(r.summary)")
        return try r.require(r.header("ETag"), "an ETag after \(step)")
    }

    func upload(_ id: Int, name: String) throws -> RawResponse {
        let csv = "\(Self.header)\n\(id),\"\(name)\",\"C\",\"D\",,,1,2,3,1,\"E\",\"x\",\"airport\",\"test\"\n"
        return try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv")], body: Array(csv.utf8))
    }

    func confirm(_ staged: RawResponse) throws -> RawResponse {
        let link: String = try staged.dataField("confirm")
        return try httpRequest(port: port, "GET", link)
    }

    @Test func anOldETagDoesNotApplyToANewRecordWithTheSameId() throws {
        let id = AirportsAPITests.newId()
        let old = try etag(try httpRequest(port: port, "PUT", "/airports/\(id)", json: AirportsAPITests.sample), "the first PUT")
        #expect(try httpRequest(port: port, "DELETE", "/airports/\(id)").status == 204)
        _ = try etag(try httpRequest(port: port, "PUT", "/airports/\(id)", json: AirportsAPITests.sample), "the second PUT")
        let patch = try httpRequest(port: port, "PATCH", "/airports/\(id)", headers: [("If-Match", old)], json: #"{"name": "Lost"}"#)
        #expect(patch.status == 412, "\(patch.summary)")
        let put = try httpRequest(port: port, "PUT", "/airports/\(id)", headers: [("If-Match", old)], json: AirportsAPITests.sample)
        #expect(put.status == 412, "\(put.summary)")
        #expect(try httpRequest(port: port, "DELETE", "/airports/\(id)", headers: [("If-Match", old)]).status == 412)
    }

    /// An update link staged for a record that was then deleted must not apply to a new record
    /// made under the same id.
    @Test func anUpdateLinkOfADeletedRecordDoesNotApplyToItsSuccessor() throws {
        let id = AirportsAPITests.newId()
        _ = try etag(try httpRequest(port: port, "PUT", "/airports/\(id)", json: AirportsAPITests.sample), "the first PUT")
        let staged = try httpRequest(port: port, "GET", "/airports/\(id)/update?name=Stale")
        #expect(try httpRequest(port: port, "DELETE", "/airports/\(id)").status == 204)
        _ = try etag(try httpRequest(port: port, "PUT", "/airports/\(id)", json: AirportsAPITests.sample), "the second PUT")
        let applied = try confirm(staged)
        #expect(applied.status == 409, "\(applied.summary)")
        #expect(try httpRequest(port: port, "GET", "/airports/\(id)").dataObject?.string("name") == "Test Field")
    }

    /// Every way of writing an airport, across deletes of the same id: no ETag seen twice.
    @Test func everyWritePathGivesAnETagNeverSeenBeforeForTheId() throws {
        let id = AirportsAPITests.newId()
        var etags: [(String, String)] = []
        func record(_ step: String, _ r: RawResponse) throws { etags.append((step, try etag(r, step))) }
        func current(_ step: String) throws { try record(step, try httpRequest(port: port, "GET", "/airports/\(id)")) }
        func remove() throws { #expect(try httpRequest(port: port, "DELETE", "/airports/\(id)").status == 204) }

        try record("PUT create", try httpRequest(port: port, "PUT", "/airports/\(id)", json: AirportsAPITests.sample))
        try record("PATCH", try httpRequest(port: port, "PATCH", "/airports/\(id)", json: #"{"name": "Patched"}"#))
        try record("PUT replace", try httpRequest(port: port, "PUT", "/airports/\(id)", json: #"{"name": "W", "city": "C", "country": "D", "latitude": 1, "longitude": 2}"#))
        try record("delete flag", try httpRequest(port: port, "GET", "/airports/\(id)/delete"))
        try record("restore", try httpRequest(port: port, "GET", "/airports/\(id)/restore"))
        try remove()
        #expect(try upload(id, name: "Uploaded").status == 200)
        try current("upload insert")
        #expect(try upload(id, name: "Uploaded again").status == 200)
        try current("upload update")
        try remove()
        try record("link create", try confirm(try httpRequest(port: port, "GET", "/airports/create?id=\(id)&name=L&city=C&country=D&latitude=1&longitude=2")))
        try record("link update", try confirm(try httpRequest(port: port, "GET", "/airports/\(id)/update?name=Linked")))
        try remove()
        try record("PUT create again", try httpRequest(port: port, "PUT", "/airports/\(id)", json: AirportsAPITests.sample))

        var firstSeen: [String: String] = [:]
        for (step, tag) in etags {
            if let earlier = firstSeen[tag] { Issue.record("\(step) gave ETag \(tag), as \(earlier) did before") }
            firstSeen[tag] = firstSeen[tag] ?? step
        }
        #expect(etags.count == 10)
    }
}
