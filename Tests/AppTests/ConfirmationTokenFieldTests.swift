import Foundation
import Testing
import TestSupport

/// A staged create or update answers with the bare token beside its link, so a generated
/// client can call the confirm operation without parsing the link.
@Suite struct ConfirmationTokenFieldTests {
    let port = TestEnvironment.port

    func stagedData(_ r: RawResponse) -> [String: Any] {
        (r.json as? [String: Any])?["data"] as? [String: Any] ?? [:]
    }

    @Test func aStagedCreateCarriesTheTokenOfItsLink() throws {
        let id = 7_000_000 + Int.random(in: 0..<1_000_000_000)
        let staged = try httpRequest(port: port, "GET", "/airports/create?id=\(id)&name=Token&city=T&country=T&latitude=1&longitude=2")
        #expect(staged.status == 202, "\(staged.text)")
        let token = try #require(stagedData(staged)["token"] as? String, "\(staged.text)")
        #expect(stagedData(staged)["confirm"] as? String == "/confirmations/\(token)")
        let confirmed = try httpRequest(port: port, "POST", "/confirmations/\(token)")
        #expect(confirmed.status == 201, "\(confirmed.text)")
    }

    @Test func aStagedUpdateCarriesTheTokenOfItsLink() throws {
        let created = try httpRequest(port: port, "POST", "/airports",
                                      json: #"{"name": "Token", "city": "T", "country": "T", "latitude": 1, "longitude": 2}"#)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(stagedData(created)["id"] as? Int, "\(created.text)")
        let staged = try httpRequest(port: port, "GET", "/airports/\(id)/update?city=Other")
        #expect(staged.status == 202, "\(staged.text)")
        let token = try #require(stagedData(staged)["token"] as? String, "\(staged.text)")
        #expect(token.count == 32)
        #expect(stagedData(staged)["confirm"] as? String == "/confirmations/\(token)")
    }
}
