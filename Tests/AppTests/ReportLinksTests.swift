import Foundation
import Glibc
import Postgres
import Testing
import TestSupport

/// Share links of an import's report, from outside: made by editors, listed without tokens,
/// opened with no key, revoked, expired, and never logged.
@Suite struct ReportLinksTests {
    let port = TestEnvironment.port

    /// A new import of two towns (one Cyrillic, one CJK); its id.
    static func makeImport(port: UInt16 = TestEnvironment.port) throws -> Int {
        let body = #"{"citizens": [{"citizen_id": 1, "town": "Москва", "street": "a", "building": "1", "apartment": 1, "name": "A", "birth_date": "01.02.1990", "gender": "male", "relatives": []}, {"citizen_id": 2, "town": "東京-\#(UInt32.random(in: 0...UInt32.max))", "street": "a", "building": "1", "apartment": 1, "name": "B", "birth_date": "01.03.1971", "gender": "female", "relatives": []}]}"#
        return try httpRequest(port: port, "POST", "/imports", json: body).dataField("import_id")
    }

    /// A link made with `key` (the admin's by default): the 201's data.
    static func makeLink(_ importId: Int, port: UInt16 = TestEnvironment.port, key: String = TestEnvironment.adminKey,
                         json: String = #"{"expires_in_days": 7}"#) throws -> [String: Any] {
        let r = try httpRequest(port: port, "POST", "/imports/\(importId)/report/links", json: json, key: key)
        guard r.status == 201, let data = r.dataObject else {
            throw RawConnection.Failure(description: "POST /imports/\(importId)/report/links answered \(r.summary)")
        }
        return data
    }

    static func seconds(_ timestamp: String?) -> Double? {
        timestamp.flatMap { ISO8601DateFormatter().date(from: $0)?.timeIntervalSinceNow }
    }

    func expectShareHeaders(_ r: RawResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.header("Cache-Control") == "private, no-store", "\(r.head)", sourceLocation: sourceLocation)
        #expect(r.header("Referrer-Policy") == "no-referrer", "\(r.head)", sourceLocation: sourceLocation)
    }

    @Test func anEditorsLinkOpensTheReportAndItsChartsWithNoKeyUntilRevoked() throws {
        let importId = try Self.makeImport()
        let editor = try AccessControlTests.makeKey("editor")
        let created = try httpRequest(port: port, "POST", "/imports/\(importId)/report/links",
                                      json: #"{"expires_in_days": 3}"#, key: editor.text)
        #expect(created.status == 201, "\(created.summary)")
        let link = try created.requireDataObject()
        let id = try #require(link["id"] as? Int, "\(created.text)")
        let url = try #require(link["url"] as? String, "\(created.text)")
        #expect(created.header("Location") == "/imports/\(importId)/report/links/\(id)")
        #expect(created.header("Cache-Control") == "no-store")
        #expect(link["created_by"] as? String == editor.id)
        let expiresIn = try #require(Self.seconds(link["expires_at"] as? String), "\(created.text)")
        #expect(abs(expiresIn - 3 * 86_400) < 120, "\(created.text)")
        #expect(Set(link.keys) == ["id", "url", "expires_at", "created_by", "created_at"], "\(created.text)")
        // At least 128 bits: 32 base62 characters after the prefix.
        let token = String(url.dropFirst("/shared/reports/".count))
        #expect(url.hasPrefix("/shared/reports/ir_") && token.count == 35, "\(url)")

        let page = try httpRequest(port: port, "GET", url, key: nil)
        #expect(page.status == 200 && page.header("Content-Type") == "text/html; charset=utf-8", "\(page.summary)")
        expectShareHeaders(page)
        #expect(page.text.contains("<h1>Import \(importId)</h1>"))
        // The charts are inline SVG: they load under the link with nothing else to fetch (img-src data: only).
        #expect(page.text.components(separatedBy: "<svg").count - 1 == 2, "two inline charts")
        #expect(page.text.contains("id=\"demand-title\"") && page.text.contains("id=\"percentiles-title\""))
        #expect(page.header("Content-Security-Policy")?.contains("img-src data:") == true)
        #expect(!page.text.contains(token), "the page does not repeat its token")
        #expect(try httpRequest(port: port, "HEAD", url, key: nil).status == 200)

        let listed = try httpRequest(port: port, "DELETE", "/imports/\(importId)/report/links/\(id)", key: editor.text)
        #expect(listed.status == 204, "\(listed.summary)")
        let gone = try httpRequest(port: port, "GET", url, key: nil)
        #expect(gone.status == 404 && gone.header("Content-Type")?.hasPrefix("application/problem+json") == true, "\(gone.summary)")
        expectShareHeaders(gone)
        #expect(!gone.text.contains(token))
        #expect(try httpRequest(port: port, "DELETE", "/imports/\(importId)/report/links/\(id)").status == 404)
    }

    @Test func theListNamesEveryLinkButNoToken() throws {
        let importId = try Self.makeImport()
        let first = try Self.makeLink(importId)
        let second = try Self.makeLink(importId, json: "")
        let reader = try AccessControlTests.makeKey("reader")
        let r = try httpRequest(port: port, "GET", "/imports/\(importId)/report/links", key: reader.text)
        #expect(r.status == 200, "\(r.summary)")
        let links = try r.requireDataArray()
        #expect(links.map { $0["id"] as? Int } == [first["id"] as? Int, second["id"] as? Int], "\(r.text)")
        for link in links {
            #expect(Set(link.keys) == ["id", "expires_at", "created_by", "created_at"], "\(r.text)")
        }
        for made in [first, second] {
            let token = try #require((made["url"] as? String)?.split(separator: "/").last)
            #expect(!r.text.contains(String(token)), "no token in the list")
        }
        // The default is 7 days.
        #expect(abs((Self.seconds(second["expires_at"] as? String) ?? 0) - 7 * 86_400) < 120, "\(second)")
        #expect(try httpRequest(port: port, "GET", "/imports/999999999/report/links").status == 404)
    }

    @Test func anExpiredLinkAnswers410AndAnUnknownOne404() throws {
        let importId = try Self.makeImport()
        let link = try Self.makeLink(importId, json: #"{"expires_in_days": 90}"#)
        #expect(abs((Self.seconds(link["expires_at"] as? String) ?? 0) - 90 * 86_400) < 120, "\(link)")
        let url = try #require(link["url"] as? String)
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        _ = try connection.query("UPDATE report_links SET expires_at = now() - interval '1 minute' WHERE id = $1",
                                 [Int64(try #require(link["id"] as? Int))])
        let expired = try httpRequest(port: port, "GET", url, key: nil)
        #expect(expired.status == 410 && expired.text.contains("expired"), "\(expired.summary)")
        expectShareHeaders(expired)

        let unknown = try httpRequest(port: port, "GET", "/shared/reports/ir_00000000000000000000000000000000", key: nil)
        #expect(unknown.status == 404, "\(unknown.summary)")
        expectShareHeaders(unknown)
        // A path below a link is not echoed back either.
        let below = try httpRequest(port: port, "GET", url + "/more", key: nil)
        #expect(below.status == 404 && !below.text.contains(url), "\(below.summary)")
    }

    @Test func badExpiriesAreClear400s() throws {
        let importId = try Self.makeImport()
        for (body, pointer) in [(#"{"expires_in_days": 0}"#, "/expires_in_days"), (#"{"expires_in_days": 91}"#, "/expires_in_days"),
                                (#"{"expires_in_days": "7"}"#, "/expires_in_days"), (#"{"expires_in_days": 7.5}"#, "/expires_in_days"),
                                (#"{"expires_in_days": true}"#, "/expires_in_days"), (#"{"expires_in_days": null}"#, "/expires_in_days"),
                                (#"{"expires": 7}"#, "/expires")] {
            let r = try httpRequest(port: port, "POST", "/imports/\(importId)/report/links", json: body)
            #expect(r.status == 400 && r.header("Content-Type")?.hasPrefix("application/problem+json") == true, "\(body): \(r.summary)")
            #expect(r.errors?.compactMap { $0["pointer"] as? String } == [pointer], "\(body): \(r.text)")
            #expect(r.errors?.first?["detail"] as? String != nil, "\(r.text)")
        }
        for body in ["[7]", "{", "7"] {
            let r = try httpRequest(port: port, "POST", "/imports/\(importId)/report/links", json: body)
            #expect(r.status == 400 && r.text.contains("expires_in_days") || r.text.contains("JSON"), "\(body): \(r.summary)")
        }
        let missing = try httpRequest(port: port, "POST", "/imports/999999999/report/links", json: "{}")
        #expect(missing.status == 404, "\(missing.summary)")
        let links = try httpRequest(port: port, "GET", "/imports/\(importId)/report/links").requireDataArray()
        #expect(links.isEmpty, "no link was made by a refused request")
    }

    @Test func aReaderListsButCannotMakeOrRevokeLinks() throws {
        let importId = try Self.makeImport()
        let link = try Self.makeLink(importId)
        let reader = try AccessControlTests.makeKey("reader")
        let create = try httpRequest(port: port, "POST", "/imports/\(importId)/report/links", json: "{}", key: reader.text)
        #expect(create.status == 403 && create.text.contains("editor"), "\(create.summary)")
        let revoke = try httpRequest(port: port, "DELETE", "/imports/\(importId)/report/links/\(link["id"] as? Int ?? 0)", key: reader.text)
        #expect(revoke.status == 403, "\(revoke.summary)")
        #expect(try httpRequest(port: port, "GET", "/imports/\(importId)/report/links", key: nil).status == 401)
        #expect(try httpRequest(port: port, "GET", link["url"] as? String ?? "", key: nil).status == 200)
        // A link of another import cannot be revoked through this one.
        let other = try Self.makeImport()
        #expect(try httpRequest(port: port, "DELETE", "/imports/\(other)/report/links/\(link["id"] as? Int ?? 0)").status == 404)
    }

    @Test func deletingTheImportRemovesItsLinks() throws {
        let importId = try Self.makeImport()
        let url = try #require(try Self.makeLink(importId)["url"] as? String)
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        _ = try connection.query("DELETE FROM imports WHERE import_id = $1", [Int64(importId)])
        #expect(try connection.query("SELECT count(*) FROM report_links WHERE import_id = $1", [Int64(importId)]).int(0, 0) == 0)
        #expect(try httpRequest(port: port, "GET", url, key: nil).status == 404)
    }

    /// The real binary's access log shows `/shared/reports/…`, never a token.
    @Test func theTokenIsNotInTheAccessLog() throws {
        let (pid, serverPort, log) = try ServerProcessTests().start([])
        defer { kill(pid, SIGKILL) }
        let importId = try Self.makeImport(port: serverPort)
        let link = try Self.makeLink(importId, port: serverPort)
        let url = try #require(link["url"] as? String)
        let token = String(url.dropFirst("/shared/reports/".count))
        #expect(try httpRequest(port: serverPort, "GET", url, key: nil).status == 200)
        #expect(try httpRequest(port: serverPort, "GET", url + "?x=1", key: nil).status == 400)
        #expect(try httpRequest(port: serverPort, "GET", url + "/", key: nil).status == 404)
        #expect(try httpRequest(port: serverPort, "DELETE", "/imports/\(importId)/report/links/\(link["id"] as? Int ?? 0)").status == 204)
        #expect(try httpRequest(port: serverPort, "GET", url, key: nil).status == 404)
        kill(pid, SIGTERM)
        #expect(waitForExit(pid) == 0)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(!text.contains(token), "the token is in the log:\n\(text)")
        #expect(!text.contains(String(token.dropFirst(3).prefix(12))), "part of the token is in the log")
        let shareLines = text.split(separator: "\n").filter { $0.hasPrefix("GET /shared/reports/") }
        #expect(shareLines.count == 4 && shareLines.allSatisfy { $0.hasPrefix("GET /shared/reports/… ") }, "\(shareLines)")
    }
}
