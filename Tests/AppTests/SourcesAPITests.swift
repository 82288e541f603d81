import Foundation
import Postgres
import Testing
import TestSupport

/// sources.md: the resource (create, read, change, delete; secret headers never shown again).
@Suite struct SourcesAPITests {
    let port = TestEnvironment.port

    @Test func aSourceIsCreatedReadChangedAndDeletedAndItsHeaderValuesAreNeverShown() throws {
        _ = SourceTesting.pastLowIds
        let secret = "Token s3cr3t-\(UInt32.random(in: 0...UInt32.max))"
        let body = #"{"name": "OpenFlights airports", "url": "http://127.0.0.1:9/airports.csv", "kind": "airports", "every": 3600, "headers": {"Authorization": "\#(secret)", "X-Team": "data"}, "retries": 4}"#
        let created = try httpRequest(port: port, "POST", "/sources", json: body)
        #expect(created.status == 201, "\(created.summary)")
        let id: Int = try created.dataField("id")
        #expect(created.header("Location") == "/sources/\(id)")
        let source = try created.requireDataObject()
        #expect(source["headers"] as? [String] == ["Authorization", "X-Team"], "\(source)")
        #expect(source.int("every") == 3600 && source.int("retries") == 4 && source["enabled"] as? Bool == true)
        #expect(source.string("next_run_at") != nil, "the first scheduled pull is due at creation")
        #expect(source.int("consecutive_failures") == 0 && source.isNull("last_run"))
        #expect(!created.text.contains("s3cr3t"))
        // Stop its schedule at once: nothing listens on port 9.
        let paused = try httpRequest(port: port, "PATCH", "/sources/\(id)", json: #"{"enabled": false, "every": null}"#)
        #expect(paused.status == 200, "\(paused.summary)")
        #expect(paused.dataObject?["enabled"] as? Bool == false && paused.dataObject?.isNull("every") == true
                && paused.dataObject?.isNull("next_run_at") == true, "\(paused.summary)")

        let read = try httpRequest(port: port, "GET", "/sources/\(id)")
        #expect(read.status == 200 && !read.text.contains("s3cr3t"), "\(read.summary)")
        #expect(read.dataObject?.string("name") == "OpenFlights airports")
        let listed = try httpRequest(port: port, "GET", "/sources?after=\(id - 1)&limit=1")
        #expect(listed.dataArray?.first?.int("id") == id, "\(listed.summary)")
        #expect(!listed.text.contains("s3cr3t"))

        let renamed = try httpRequest(port: port, "PATCH", "/sources/\(id)", json: #"{"name": "renamed", "headers": null, "every": 60}"#)
        #expect(renamed.dataObject?.string("name") == "renamed" && renamed.dataObject?["headers"] as? [String] == [], "\(renamed.summary)")
        #expect(renamed.dataObject?.int("every") == 60)
        _ = try httpRequest(port: port, "PATCH", "/sources/\(id)", json: #"{"every": null}"#)

        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        #expect(try connection.query("SELECT count(*) FROM events WHERE payload::text LIKE '%s3cr3t%'").int(0, 0) == 0)

        #expect(try httpRequest(port: port, "DELETE", "/sources/\(id)").status == 204)
        #expect(try httpRequest(port: port, "GET", "/sources/\(id)").status == 404)
        #expect(try httpRequest(port: port, "DELETE", "/sources/\(id)").status == 404)
    }

    @Test func anInvalidSourceIsRefusedNamingEachField() throws {
        let bad = try httpRequest(port: port, "POST", "/sources",
                                  json: #"{"name": "", "url": "ftp://example.org/a.csv", "kind": "fares", "every": 10, "retries": 11, "colour": 1}"#)
        #expect(bad.status == 400, "\(bad.summary)")
        let pointers = Set((bad.errors ?? []).compactMap { $0.string("pointer") })
        #expect(pointers == ["/name", "/url", "/kind", "/every", "/retries", "/colour"], "\(bad.summary)")
        let missing = try httpRequest(port: port, "POST", "/sources", json: #"{"name": "x"}"#)
        #expect(Set((missing.errors ?? []).compactMap { $0.string("pointer") }) == ["/url", "/kind"], "\(missing.summary)")
        let header = try httpRequest(port: port, "POST", "/sources",
                                     json: #"{"name": "x", "url": "http://127.0.0.1:9/", "kind": "airports", "headers": {"Bad Name": "v", "X-Ok": "a\nb"}}"#)
        #expect(Set((header.errors ?? []).compactMap { $0.string("pointer") }) == ["/headers/Bad Name", "/headers/X-Ok"], "\(header.summary)")
        #expect(try httpRequest(port: port, "GET", "/sources/999999999").status == 404)
        #expect(try httpRequest(port: port, "POST", "/sources/999999999/runs").status == 404)
        #expect(try httpRequest(port: port, "GET", "/sources/999999999/runs").status == 404)
    }
}
