import Foundation
import Postgres
import Testing
import TestSupport

@Suite struct AirportsAPITests {
    let port = TestEnvironment.port

    /// A fresh id range per test, far from the real file's ids.
    static func newId() -> Int { 6_000_000 + Int.random(in: 0..<1_000_000_000) }

    static let sample = #"{"name": "Test Field", "city": "Testby", "country": "Sweden", "iata": "TST", "icao": "ESTT", "latitude": 59.5, "longitude": 17.25, "altitude": 42, "timezone": 5.75, "dst": "E", "tz": "Europe/Stockholm", "type": "airport", "source": "test"}"#

    func data(_ r: RawResponse) -> [String: Any] {
        r.dataObject ?? [:]
    }

    @Test func createReadReplaceChangeDelete() throws {
        let created = try httpRequest(port: port, "POST", "/airports", json: Self.sample)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(data(created)["id"] as? Int)
        #expect(created.header("Location") == "/airports/\(id)")
        #expect(data(created)["timezone"] as? Double == 5.75)
        let etag = try #require(created.header("ETag"))

        let read = try httpRequest(port: port, "GET", "/airports/\(id)")
        #expect(read.status == 200)
        #expect(read.header("ETag") == etag)
        #expect(try httpRequest(port: port, "GET", "/airports/\(id)", headers: [("If-None-Match", etag)]).status == 304)

        let stale = try httpRequest(port: port, "PATCH", "/airports/\(id)", headers: [("If-Match", "\"999\"")], json: #"{"name": "X"}"#)
        #expect(stale.status == 412)
        let patched = try httpRequest(port: port, "PATCH", "/airports/\(id)", headers: [("If-Match", etag)], json: #"{"name": "Renamed", "iata": null}"#)
        #expect(patched.status == 200)
        #expect(data(patched)["name"] as? String == "Renamed")
        #expect(data(patched)["iata"] is NSNull)
        #expect(data(patched)["city"] as? String == "Testby")
        #expect(patched.header("ETag") != etag)

        let same = try httpRequest(port: port, "PATCH", "/airports/\(id)", json: #"{"name": "Renamed"}"#)
        #expect(same.header("ETag") == patched.header("ETag"), "a write that changes nothing keeps the version")

        let patchedETag = try patched.require(patched.header("ETag"), "an ETag")
        let replaced = try httpRequest(port: port, "PUT", "/airports/\(id)", headers: [("If-Match", patchedETag)],
                                       json: #"{"name": "Whole", "city": "C", "country": "D", "latitude": 1, "longitude": 2}"#)
        #expect(replaced.status == 200)
        #expect(data(replaced)["icao"] is NSNull)

        #expect(try httpRequest(port: port, "DELETE", "/airports/\(id)", headers: [("If-Match", "\"1\"")]).status == 412)
        for malformed in ["", "1", "\"unclosed", "W/", "\"a\" \"b\""] {
            #expect(try httpRequest(port: port, "DELETE", "/airports/\(id)", headers: [("If-Match", malformed)]).status == 400, "\(malformed)")
        }
        #expect(try httpRequest(port: port, "DELETE", "/airports/\(id)").status == 204)
        #expect(try httpRequest(port: port, "GET", "/airports/\(id)").status == 404)
        #expect(try httpRequest(port: port, "DELETE", "/airports/\(id)").status == 404)
    }

    /// One-row reads run many at a time on each event loop's own connection: every answer must
    /// be the one its request asked for.
    @Test func manyReadsInFlightAtOnceEachGetTheirOwnAirport() throws {
        let base = Self.newId()
        // Highest id first: a PUT moves server-picked ids past its id, so a POST running meanwhile
        // never takes one of the ids still to come. The absent one (k = 8) is below them all.
        func id(_ k: Int) -> Int { k == 8 ? base - 1 : base + k }
        for k in (0..<8).reversed() {
            let body = Self.sample.replacingOccurrences(of: "Test Field", with: "Field \(k)")
            #expect(try httpRequest(port: port, "PUT", "/airports/\(base + k)", json: body).status == 201)
        }
        let connections = try (0..<16).map { _ in try RawConnection(port: port) }
        var asked: [[Int]] = []
        for connection in connections {
            let ks = (0..<25).map { _ in Int.random(in: 0..<9) }
            asked.append(ks)
            try connection.send(ks.map { "GET /airports/\(id($0)) HTTP/1.1\r\nHost: x\r\n\(TestEnvironment.authorizationLine)\r\n" }.joined())
        }
        for (connection, ks) in zip(connections, asked) {
            for k in ks {
                let r = try connection.readResponse()
                if k == 8 {
                    #expect(r.status == 404)
                } else {
                    #expect(r.status == 200)
                    #expect(data(r)["name"] as? String == "Field \(k)")
                    #expect(data(r)["id"] as? Int == base + k)
                }
            }
        }
    }

    @Test func putCreatesWithTheGivenIdAndIdsPickedLaterAreAbove() throws {
        let id = Self.newId()
        let put = try httpRequest(port: port, "PUT", "/airports/\(id)", json: Self.sample)
        #expect(put.status == 201)
        #expect(put.header("Location") == "/airports/\(id)")
        let next = try httpRequest(port: port, "POST", "/airports", json: Self.sample)
        #expect(try #require(data(next)["id"] as? Int) > id)
        #expect(try httpRequest(port: port, "PUT", "/airports/\(Self.newId())", headers: [("If-Match", "\"1\"")], json: Self.sample).status == 412)
    }

    @Test func validationNamesEachField() throws {
        let r = try httpRequest(port: port, "POST", "/airports", json: #"{"name": 5, "city": "c", "country": "d", "latitude": 91, "longitude": -181, "dst": "Q", "altitude": 1.5, "wings": 2}"#)
        #expect(r.status == 400)
        let pointers = Set(try r.require(r.errors, "errors").compactMap { $0.string("pointer") })
        #expect(pointers == ["/name", "/latitude", "/longitude", "/dst", "/altitude", "/wings"])
        let missing = try httpRequest(port: port, "POST", "/airports", json: #"{"name": "n"}"#)
        #expect(missing.status == 400)
        #expect(missing.text.contains("/latitude"))
        let created = try httpRequest(port: port, "POST", "/airports", json: Self.sample)
        let id: Int = try created.dataField("id")
        #expect(try httpRequest(port: port, "PATCH", "/airports/\(id)", json: #"{"name": null}"#).status == 400)
        #expect(try httpRequest(port: port, "PATCH", "/airports/\(id)", json: #"{"id": 3}"#).status == 400)
        #expect(try httpRequest(port: port, "PUT", "/airports/\(id)", json: #"{"id": 3, "name": "n", "city": "c", "country": "d", "latitude": 1, "longitude": 1}"#).status == 400)
        #expect(try httpRequest(port: port, "POST", "/airports", json: "[]").status == 400)
        #expect(try httpRequest(port: port, "GET", "/airports/abc").status == 404)
    }

    @Test func deleteFlagAndRestore() throws {
        let id: Int = try httpRequest(port: port, "POST", "/airports", json: Self.sample).dataField("id")
        let flagged = try httpRequest(port: port, "GET", "/airports/\(id)/delete")
        #expect(flagged.status == 200)
        #expect(data(flagged)["deleted_at"] is String)
        #expect(data(flagged)["restore"] as? String == "/airports/\(id)/restore")
        #expect(try httpRequest(port: port, "GET", "/airports/\(id)").status == 410)
        #expect(try httpRequest(port: port, "PATCH", "/airports/\(id)", json: #"{"name": "x"}"#).status == 410)
        #expect(try httpRequest(port: port, "GET", "/airports/\(id)/update?name=x").status == 410)
        let listed = try httpRequest(port: port, "GET", "/airports?after=\(id - 1)&limit=1")
        #expect(try listed.requireDataArray().first?.int("id") != id, "\(listed.summary)")
        let withDeleted = try httpRequest(port: port, "GET", "/airports?after=\(id - 1)&limit=1&include_deleted=true")
        #expect(try withDeleted.requireDataArray().first?.int("id") == id, "\(withDeleted.summary)")

        let restored = try httpRequest(port: port, "GET", "/airports/\(id)/restore")
        #expect(restored.status == 200)
        #expect(data(restored)["deleted_at"] is NSNull)
        #expect(try httpRequest(port: port, "GET", "/airports/\(id)").status == 200)
        #expect(try httpRequest(port: port, "GET", "/airports/999999999999/delete").status == 404)
        #expect(try httpRequest(port: port, "GET", "/airports/\(id)/delete?x=1").status == 400)
    }

    func confirmLink(_ r: RawResponse) -> String? { data(r)["confirm"] as? String }

    @Test func aStagedCreateAppliesOnceThenIsGone() throws {
        let id = Self.newId()
        let staged = try httpRequest(port: port, "GET", "/airports/create?id=\(id)&name=Linked&city=L&country=S&latitude=1.5&longitude=2.5&timezone=5.75")
        #expect(staged.status == 202, "\(staged.text)")
        let link = try #require(confirmLink(staged))
        #expect(data(staged)["expires_at"] is String)
        #expect(try httpRequest(port: port, "GET", "/airports/\(id)").status == 404, "not visible before confirmation")
        #expect(try httpRequest(port: port, "HEAD", link).status == 200)
        let confirmed = try httpRequest(port: port, "GET", link)
        #expect(confirmed.status == 201)
        #expect(data(confirmed)["name"] as? String == "Linked")
        #expect(try httpRequest(port: port, "GET", "/airports/\(id)").status == 200)
        #expect(try httpRequest(port: port, "GET", link).status == 410)
        #expect(try httpRequest(port: port, "POST", link).status == 410)
    }

    @Test func aStagedCreateWhoseIdIsTakenIs409() throws {
        let id = Self.newId()
        let link = try #require(confirmLink(try httpRequest(port: port, "GET", "/airports/create?id=\(id)&name=A&city=B&country=C&latitude=1&longitude=2")))
        #expect(try httpRequest(port: port, "PUT", "/airports/\(id)", json: Self.sample).status == 201)
        #expect(try httpRequest(port: port, "POST", link).status == 409)
    }

    @Test func aStagedUpdateConflictsWhenTheAirportChanged() throws {
        let id: Int = try httpRequest(port: port, "POST", "/airports", json: Self.sample).dataField("id")
        let first = try #require(confirmLink(try httpRequest(port: port, "GET", "/airports/\(id)/update?name=Via%20link&iata=")))
        let second = try #require(confirmLink(try httpRequest(port: port, "GET", "/airports/\(id)/update?city=Other")))
        let applied = try httpRequest(port: port, "GET", first)
        #expect(applied.status == 200)
        #expect(data(applied)["name"] as? String == "Via link")
        #expect(data(applied)["iata"] is NSNull)
        #expect(try httpRequest(port: port, "GET", second).status == 409)
        #expect(try httpRequest(port: port, "GET", second).status == 409, "the token stays unused")
    }

    @Test func unknownMalformedAndExpiredLinks() throws {
        #expect(try httpRequest(port: port, "GET", "/confirmations/\(String(repeating: "a", count: 32))").status == 404)
        #expect(try httpRequest(port: port, "GET", "/confirmations/nothex").status == 404)
        let link = try #require(confirmLink(try httpRequest(port: port, "GET", "/airports/create?name=E&city=E&country=E&latitude=1&longitude=1")))
        let token = String(try #require(link.split(separator: "/").last, "\(link)"))
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        try connection.query("UPDATE airport_confirmations SET expires_at = now() - interval '1 second' WHERE token_hash = sha256(convert_to($1, 'UTF8'))", [token])
        #expect(try httpRequest(port: port, "GET", link).status == 410)
        // Tokens are kept only as hashes.
        #expect(try connection.query("SELECT count(*) FROM airport_confirmations WHERE encode(token_hash, 'hex') = $1", [token]).int(0, 0) == 0)
    }

    @Test func linkParametersAreChecked() throws {
        #expect(try httpRequest(port: port, "GET", "/airports/create?name=A&city=B&country=C&latitude=1&longitude=2&wings=2").status == 400)
        #expect(try httpRequest(port: port, "GET", "/airports/create?name=A").status == 400)
        #expect(try httpRequest(port: port, "GET", "/airports/create?name=A&city=B&country=C&latitude=100&longitude=2").status == 400)
        #expect(try httpRequest(port: port, "GET", "/airports/999999999999/update?name=x").status == 404)
    }

    @Test func listingFiltersAndChecksItsParameters() throws {
        let id = Self.newId()
        let unique = "Zq\(id)"
        #expect(try httpRequest(port: port, "PUT", "/airports/\(id)", json: #"{"name": "Big 100% _Field_", "city": "\#(unique)", "country": "Åland", "latitude": 1, "longitude": 2, "iata": "ZZQ"}"#).status == 201)
        func ids(_ query: String) throws -> [Int] {
            let r = try httpRequest(port: port, "GET", "/airports?\(query)")
            #expect(r.status == 200, "\(query): \(r.text)")
            return try r.requireDataArray().map { try r.require($0.int("id"), "an id") }
        }
        #expect(try ids("city=\(unique.lowercased())") == [id])
        #expect(try ids("city=\(unique)&country=%C3%A5LAND") == [id])
        #expect(try ids("city=\(unique)&q=100%25%20_f") == [id])
        #expect(try ids("city=\(unique)&q=100_") == [])
        #expect(try ids("city=\(unique)&iata=zzq") == [id])
        for bad in ["limit=0", "limit=1001", "limit=x", "after=-1", "include_deleted=yes", "sort=name", "limit=5&limit=6"] {
            #expect(try httpRequest(port: port, "GET", "/airports?\(bad)").status == 400, "\(bad)")
        }
    }

    @Test func pagingWalksEveryAirportOnce() throws {
        var seen: [Int] = []
        var next: String? = "/airports?limit=700"
        var pages = 0
        while let path = next {
            let page = try httpRequest(port: port, "GET", path)
            seen += try page.requireDataArray().map { try page.require($0.int("id"), "an id") }
            next = page.object?.string("next")
            pages += 1
        }
        #expect(seen == seen.sorted())
        #expect(Set(seen).count == seen.count)
        #expect(pages >= 1)
    }

    @Test func allowSetsComeFromTheRouter() throws {
        let expected = [
            "/airports": "GET, HEAD, POST, OPTIONS",
            "/airports/42": "GET, HEAD, PUT, PATCH, DELETE, OPTIONS",
            "/upload": "POST, OPTIONS",
            "/airports/upload": "POST, OPTIONS",
            "/airports/create": "GET, HEAD, OPTIONS",
            "/airports/42/update": "GET, HEAD, OPTIONS",
            "/airports/42/delete": "GET, HEAD, OPTIONS",
            "/airports/42/restore": "GET, HEAD, OPTIONS",
            "/confirmations/abc": "GET, HEAD, POST, OPTIONS",
        ]
        for (path, allow) in expected {
            let options = try httpRequest(port: port, "OPTIONS", path)
            #expect(options.status == 200)
            #expect(options.header("Allow") == allow, "\(path)")
            let method = allow.contains("PUT") ? "POST" : allow.contains("POST") && !allow.contains("GET") ? "GET" : "DELETE"
            let refused = try httpRequest(port: port, method, path)
            #expect(refused.status == 405, "\(method) \(path)")
            #expect(refused.header("Allow") == allow)
        }
    }
}
