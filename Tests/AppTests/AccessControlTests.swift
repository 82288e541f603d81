import Access
import App
import Foundation
import Glibc
import HTTP
import Identity
import Postgres
import Routing
import Testing
import TestSupport

/// access.md from outside: keys, roles, refusals before the body, rate limits, revocation.
@Suite struct AccessControlTests {
    let port = TestEnvironment.port

    /// The role of every route, as access.md states it. A route added to the table without a row
    /// here fails `everyRouteHasTheRoleTheSpecGivesIt`.
    static let roles: [String: String] = [
        "GET /healthz": "open", "GET /readyz": "open", "GET /openapi.json": "open", "GET /docs": "open",
        "GET /docs/{asset}": "open", "GET /confirmations/{token}": "open", "POST /confirmations/{token}": "open",
        "GET /metrics": "admin", "POST /keys": "admin", "GET /keys": "admin", "DELETE /keys/{key_id}": "admin",
        "POST /imports": "editor", "GET /imports": "reader", "GET /events": "reader",
        "GET /imports/{import_id:int}": "reader",
        "GET /imports/{import_id:int}/citizens": "reader",
        "PATCH /imports/{import_id:int}/citizens/{citizen_id:int}": "editor",
        "GET /imports/{import_id:int}/citizens/birthdays": "reader",
        "GET /imports/{import_id:int}/towns/stat/percentile/age": "reader",
        "GET /imports/{import_id:int}/report": "reader",
        "POST /imports/{import_id:int}/report/links": "editor", "GET /imports/{import_id:int}/report/links": "reader",
        "DELETE /imports/{import_id:int}/report/links/{link_id:int}": "editor", "GET /shared/reports/{token}": "share link",
        "POST /upload": "editor", "POST /airports/upload": "editor",
        "GET /airports": "reader", "POST /airports": "editor", "GET /airports/{id:int}": "reader",
        "PUT /airports/{id:int}": "editor", "PATCH /airports/{id:int}": "editor", "DELETE /airports/{id:int}": "editor",
        "GET /airports/create": "editor", "GET /airports/{id:int}/update": "editor",
        "GET /airports/{id:int}/delete": "editor", "GET /airports/{id:int}/restore": "editor",
        "GET /imports/{import_id:int}/towns/stat/demand": "reader",
        "GET /town-aliases": "reader", "GET /town-aliases/{town}": "reader",
        "PUT /town-aliases/{town}": "editor", "DELETE /town-aliases/{town}": "editor",
        "POST /webhooks": "admin", "GET /webhooks": "admin", "GET /webhooks/{id:int}": "admin",
        "PATCH /webhooks/{id:int}": "admin", "DELETE /webhooks/{id:int}": "admin",
        "GET /webhooks/{id:int}/deliveries": "admin", "POST /webhooks/{id:int}/deliveries/{delivery_id:int}/retry": "admin",
        "GET /jobs": "reader", "GET /jobs/{id:int}": "reader", "GET /jobs/{id:int}/log": "reader", "DELETE /jobs/{id:int}": "editor",
        "POST /sources": "editor", "GET /sources": "reader", "GET /sources/{id:int}": "reader", "PATCH /sources/{id:int}": "editor",
        "DELETE /sources/{id:int}": "editor", "POST /sources/{id:int}/runs": "editor", "GET /sources/{id:int}/runs": "reader",
    ]

    static var routes: [Route] { TestEnvironment.application.routes }

    /// A path that reaches the route: parameters filled with values of their type.
    static func path(_ template: String) -> String {
        template.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            guard segment.hasPrefix("{") else { return String(segment) }
            return segment.contains(":int") ? "1" : "zz"
        }.joined(separator: "/")
    }

    /// A key of `role` made over HTTP by the admin key; its text.
    static func makeKey(_ role: String, port: UInt16 = TestEnvironment.port, expiresAt: String? = nil) throws -> (id: String, text: String) {
        let expiry = expiresAt.map { #", "expires_at": "\#($0)""# } ?? ""
        let r = try httpRequest(port: port, "POST", "/keys", json: #"{"name": "test \#(role)", "role": "\#(role)"\#(expiry)}"#)
        let data = (r.json as? [String: Any])?["data"] as? [String: Any]
        guard r.status == 201, let id = data?["id"] as? String, let text = data?["key"] as? String else {
            throw RawConnection.Failure(description: "POST /keys answered \(r.status): \(r.text)")
        }
        return (id, text)
    }

    func problemDetail(_ r: RawResponse) -> String { ((r.json as? [String: Any])?["detail"] as? String) ?? "" }

    @Test func everyRouteHasTheRoleTheSpecGivesIt() {
        for route in Self.routes {
            let name = "\(route.method) \(route.template)"
            #expect(Self.roles[name] == route.access.name, "\(name) is \(route.access.name) in the route table")
        }
    }

    /// openapi.json states the same role as the route table: `x-insikt-role` and a security
    /// requirement on keyed operations, `security: []` on open ones.
    @Test func theSpecStatesEachRoutesRole() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.packageRoot + "/openapi.json"))
        let paths = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["paths"] as? [String: Any])
        for route in Self.routes {
            let path = route.template.replacingOccurrences(of: ":int}", with: "}")
            let operation = (paths[path] as? [String: Any])?[route.method.description.lowercased()] as? [String: Any]
            guard let operation else {
                Issue.record("\(route.method) \(path) is not in openapi.json")
                continue
            }
            if route.access.isOpen {
                #expect((operation["security"] as? [Any])?.isEmpty == true, "\(route.method) \(path) is open")
            } else {
                #expect(operation["x-insikt-role"] as? String == route.access.name, "\(route.method) \(path)")
                #expect(operation["security"] == nil, "\(route.method) \(path) takes the spec's global key requirement")
                let responses = operation["responses"] as? [String: Any] ?? [:]
                #expect(["401", "403", "429"].allSatisfy { responses[$0] != nil }, "\(route.method) \(path) documents 401/403/429")
            }
        }
    }

    @Test func everyKeyedRouteRefusesMissingMalformedAndUnknownKeys() throws {
        let unknown = KeyToken.generate().text
        for route in Self.routes where !route.access.isOpen {
            let path = Self.path(route.template)
            let method = route.method.description
            let none = try httpRequest(port: port, method, path, key: nil)
            #expect(none.status == 401, "\(method) \(path) without a key: \(none.status) \(none.text)")
            #expect(none.header("WWW-Authenticate") == #"Bearer realm="insikt""#)
            #expect(none.reason == "Unauthorized" && none.text.contains(#""title":"Unauthorized""#), "\(none.head)\(none.text)")
            #expect(problemDetail(none).contains("Authorization: Bearer"))
            for bad in ["not a key", unknown, String(repeating: "x", count: 40)] {
                let r = try httpRequest(port: port, method, path, key: bad)
                #expect(r.status == 401, "\(method) \(path) with \(bad): \(r.status) \(r.text)")
                #expect(r.header("WWW-Authenticate") == #"Bearer realm="insikt", error="invalid_token""#)
                #expect(r.header("Content-Type")?.hasPrefix("application/problem+json") == true)
            }
            let basic = try httpRequest(port: port, method, path, headers: [("Authorization", "Basic dXNlcjpwYXNz")])
            #expect(basic.status == 401 && problemDetail(basic).contains("Bearer"), "\(basic.text)")
        }
    }

    /// A key sent without `Bearer `, or any other malformed Authorization, is refused without
    /// repeating the value: the answer names a known scheme at most, and says what to put before
    /// a key. (Every answer of the suite is also scanned for keys by `SecretScan`.)
    @Test func aMalformedAuthorizationIsNeverEchoed() throws {
        let key = try Self.makeKey("reader")
        let secret = String(key.text.suffix(32))
        let cases: [(value: String, says: String)] = [
            (key.text, "put `Bearer ` before the key"),
            ("\(key.text) extra", "put `Bearer ` before the key"),
            (secret, "put `Bearer ` before the key"),
            ("Token \(key.text)", "uses the Token scheme"),
            ("Basic dXNlcjpwYXNz", "uses the Basic scheme"),
            ("Weird \(key.text)", "does not start with a known scheme"),
            ("Bearer", "no key after Bearer"),
            ("Bearer  ", "no key after Bearer"),
            ("Bearer \(key.text)x", "is not valid"),
            ("bearer:\(key.text)", "does not start with a known scheme"),
        ]
        for (value, says) in cases {
            let r = try httpRequest(port: port, "GET", "/airports?limit=1", headers: [("Authorization", value)])
            #expect(r.status == 401, "\(value): \(r.status) \(r.text)")
            #expect(problemDetail(r).contains(says), "\(value): \(r.text)")
            #expect(!r.head.contains(secret) && !r.text.contains(secret), "\(value) is echoed: \(r.head)\(r.text)")
        }
        for value in ["Bearer \(key.text)", key.text + " ", "ik_\(key.id)"] {
            let r = try httpRequest(port: port, "GET", "/airports?limit=1", headers: [("X-API-Key", value)])
            #expect(!r.head.contains(secret) && !r.text.contains(secret), "X-API-Key \(value) is echoed: \(r.head)\(r.text)")
        }
    }

    /// The leak scan finds a secret where a token starts, and not inside another one: a key whose
    /// id ends in `…ir` holds `ir_` + 32 characters, which is no share token (CI once said so).
    @Test func theLeakScanFindsTokensNotTheTailsOfOtherTokens() {
        let share = SecretScan.kinds[1]
        let key = Array(#"{"key":"ik_u8fwgFir_MATwuhrz0h8s8gNKiY8x28WxCcSyshus"}"#.utf8)
        #expect(SecretScan.find(share, in: key) == nil)
        #expect(SecretScan.find(SecretScan.kinds[0], in: key) != nil)
        let url = Array(#"{"url":"http://h/shared/reports/ir_MATwuhrz0h8s8gNKiY8x28WxCcSyshus"}"#.utf8)
        #expect(SecretScan.find(share, in: url) == "ir_MATwuhrz0h8s8gNKiY8x28WxCcSyshus")
    }

    @Test func eachRoleReachesExactlyTheRoutesItIncludes() throws {
        let keys = try Role.allCases.map { (role: $0, key: try Self.makeKey($0.rawValue)) }
        for route in Self.routes {
            guard let needed = route.access.role else { continue }
            let path = Self.path(route.template)
            for (role, key) in keys {
                let viaHeader = role == .editor ? [("X-API-Key", key.text)] : [("Authorization", "Bearer \(key.text)")]
                let r = try httpRequest(port: port, route.method.description, path, headers: viaHeader,
                                        body: route.method == .GET || route.method == .DELETE ? nil : [])
                // Past the gate, an editor may cancel only the jobs it started (job 1 may be another key's).
                let notTheStarter = r.status == 403 && problemDetail(r).hasPrefix("Only the key that started job")
                if role >= needed {
                    #expect(r.status != 401 && (r.status != 403 || notTheStarter), "\(route.method) \(path) as \(role): \(r.status) \(r.text)")
                } else {
                    #expect(r.status == 403, "\(route.method) \(path) as \(role): \(r.status) \(r.text)")
                    #expect(problemDetail(r).contains("needs the \(route.access.name) role") && r.text.contains(#""title":"Forbidden""#), "\(r.text)")
                }
            }
        }
    }

    @Test func openRoutesNeedNoKeyAndConfirmationLinksWorkWithout() throws {
        for route in Self.routes where route.access.isOpen {
            let r = try httpRequest(port: port, route.method.description, Self.path(route.template), key: nil)
            #expect(r.status != 401 && r.status != 403, "\(route.method) \(route.template): \(r.status)")
        }
        let options = try httpRequest(port: port, "OPTIONS", "/airports", key: nil)
        #expect(options.status == 200)
        let id = 7_000_000 + Int.random(in: 0..<1_000_000_000)
        let staged = try httpRequest(port: port, "GET", "/airports/create?id=\(id)&name=Keyless&city=K&country=S&latitude=1&longitude=2")
        let link = try #require(((staged.json as? [String: Any])?["data"] as? [String: Any])?["confirm"] as? String, "\(staged.text)")
        let confirmed = try httpRequest(port: port, "GET", link, key: nil)
        #expect(confirmed.status == 201, "\(confirmed.text)")
    }

    @Test func refusalsAreCountedInMetricsByRoute() throws {
        let reader = try Self.makeKey("reader")
        _ = try httpRequest(port: port, "GET", "/keys", key: nil)
        _ = try httpRequest(port: port, "GET", "/keys", key: reader.text)
        let metrics = try httpRequest(port: port, "GET", "/metrics").text
        for status in [401, 403] {
            #expect(metrics.contains(#"http_requests_total{method="GET",route="/keys",status="\#(status)"}"#), "\(metrics)")
        }
        #expect(try httpRequest(port: port, "GET", "/metrics", key: reader.text).status == 403, "/metrics is for admins")
    }

    @Test func expiredAndRevokedKeysAreRefused() throws {
        let expiring = try Self.makeKey("reader")
        let connection = try PostgresConnection(url: TestEnvironment.databaseURL)
        _ = try connection.query("UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1", [expiring.id])
        try TestEnvironment.application.keys.refresh()
        let expired = try httpRequest(port: port, "GET", "/airports", key: expiring.text)
        #expect(expired.status == 401 && problemDetail(expired).contains("expired"), "\(expired.text)")

        let revoking = try Self.makeKey("editor")
        #expect(try httpRequest(port: port, "GET", "/airports?limit=1", key: revoking.text).status == 200)
        #expect(try httpRequest(port: port, "DELETE", "/keys/\(revoking.id)").status == 204)
        let revoked = try httpRequest(port: port, "GET", "/airports?limit=1", key: revoking.text)
        #expect(revoked.status == 401 && problemDetail(revoked).contains("revoked"), "\(revoked.text)")
        #expect(try httpRequest(port: port, "DELETE", "/keys/nosuchky").status == 404)
    }

    @Test func keysAreCreatedListedAndNeverShownAgain() throws {
        let made = try Self.makeKey("reader", expiresAt: "2099-01-01T00:00:00Z")
        #expect(made.text.hasPrefix("ik_\(made.id)_") && made.text.count == 44)
        let listed = try httpRequest(port: port, "GET", "/keys")
        #expect(listed.status == 200)
        #expect(!listed.text.contains(made.text) && !listed.text.contains(String(made.text.suffix(32))))
        let entry = ((listed.json as? [String: Any])?["data"] as? [[String: Any]])?.first { $0["id"] as? String == made.id }
        #expect(entry?["role"] as? String == "reader")
        #expect(entry?["expires_at"] as? String == "2099-01-01T00:00:00Z")
        #expect(entry?.keys.contains("key") == false)

        let bad = try httpRequest(port: port, "POST", "/keys", json: #"{"name": "", "role": "root", "expires_at": "yesterday", "x": 1}"#)
        #expect(bad.status == 400)
        let pointers = Set(((bad.json as? [String: Any])?["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String })
        #expect(pointers == ["/name", "/role", "/x"], "\(bad.text)")
        let past = try httpRequest(port: port, "POST", "/keys", json: #"{"name": "old", "role": "reader", "expires_at": "2001-01-01T00:00:00Z"}"#)
        #expect(past.status == 400 && past.text.contains("future"), "\(past.text)")
        let malformedDate = try httpRequest(port: port, "POST", "/keys", json: #"{"name": "old", "role": "reader", "expires_at": "soon"}"#)
        #expect(malformedDate.status == 400 && malformedDate.text.contains("/expires_at"), "\(malformedDate.text)")
    }

    /// Keys made within one second are listed in the order they were made (by the stored time,
    /// not the listed one, which is to the second; then the random ids would order them).
    @Test func keysMadeWithinASecondAreListedInTheOrderTheyWereMade() throws {
        let made = try (0..<4).map { _ in try Self.makeKey("reader").id }
        let listed = try httpRequest(port: port, "GET", "/keys")
        let ids = ((listed.json as? [String: Any])?["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(ids.filter { made.contains($0) } == made, "\(listed.text)")
    }

    /// A refused upload reads none of its body: no 100 Continue, an answer at once, and the
    /// connection closed rather than the gigabyte drained.
    @Test func aRefusedUploadIsAnsweredBeforeItsBody() throws {
        for expect in [true, false] {
            let connection = try RawConnection(port: port)
            try connection.send("POST /airports/upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
                                + "Content-Length: 1073741824\r\n" + (expect ? "Expect: 100-continue\r\n" : "") + "\r\n")
            if !expect { try connection.send(Array(repeating: UInt8(ascii: "a"), count: 65536)) }
            let r = try connection.readResponse(timeout: 5)
            #expect(r.status == 401, "\(r.head)")
            #expect(!r.head.contains("100 Continue"))
            #expect(connection.waitForClose(timeout: 5), "the server closes instead of reading the body")
        }
    }

    @Test func rateLimitsAnswer429WithRetryAfterAndHeaders() throws {
        let app = try TestEnvironment.startApplication(databaseURL: TestEnvironment.databaseURL) { $0.rateLimit = 5 }
        defer { app.stop() }
        let key = try Self.makeKey("reader", port: app.port)
        var statuses: [Int] = []
        var last: RawResponse?
        for _ in 0..<14 {
            let r = try httpRequest(port: app.port, "GET", "/airports?limit=1", key: key.text)
            statuses.append(r.status)
            last = r
            if r.status == 200 {
                #expect(r.header("RateLimit-Policy") == #""per-key";q=10;w=2"#)
                #expect(r.header("RateLimit")?.hasPrefix(#""per-key";r="#) == true)
            }
        }
        #expect(statuses.filter { $0 == 200 }.count >= 10 && statuses.contains(429), "\(statuses)")
        let refused = try #require(last)
        #expect(refused.status == 429 && refused.reason == "Too Many Requests")
        #expect(Int(refused.header("Retry-After") ?? "") ?? 0 >= 1)
        #expect(refused.header("Content-Type")?.hasPrefix("application/problem+json") == true)
        #expect(try httpRequest(port: app.port, "GET", "/healthz", key: key.text).header("RateLimit") == nil, "open routes are not limited")
    }

    @Test func aKeyRevokedOnOneServerIsRefusedByAnotherWithinFiveSeconds() throws {
        let key = try Self.makeKey("reader")
        let other = try TestEnvironment.startApplication(databaseURL: TestEnvironment.databaseURL)
        defer { other.stop() }
        #expect(try httpRequest(port: other.port, "GET", "/airports?limit=1", key: key.text).status == 200,
                "the other server loaded the new key at start")
        #expect(try httpRequest(port: port, "DELETE", "/keys/\(key.id)").status == 204)
        let revokedAt = Date()
        var status = 200
        while status == 200 && Date().timeIntervalSince(revokedAt) < 6 {
            status = try httpRequest(port: other.port, "GET", "/airports?limit=1", key: key.text).status
            if status == 200 { usleep(100_000) }
        }
        #expect(status == 401)
        #expect(Date().timeIntervalSince(revokedAt) <= 5, "refused after \(Date().timeIntervalSince(revokedAt)) s")
    }

    @Test func lastUseIsRecorded() throws {
        let app = try TestEnvironment.startApplication(databaseURL: TestEnvironment.databaseURL) {
            $0.keysRefreshInterval = 0.2
            $0.keysLastUseInterval = 0.5
        }
        defer { app.stop() }
        let key = try Self.makeKey("reader", port: app.port)
        func lastUsed() throws -> Any? {
            let listed = try httpRequest(port: app.port, "GET", "/keys")
            return ((listed.json as? [String: Any])?["data"] as? [[String: Any]])?.first { $0["id"] as? String == key.id }?["last_used_at"]
        }
        #expect(try lastUsed() is NSNull, "never used yet")
        #expect(try httpRequest(port: app.port, "GET", "/airports?limit=1", key: key.text).status == 200)
        var recorded: Any?
        for _ in 0..<40 where !(recorded is String) {
            usleep(100_000)
            recorded = try lastUsed()
        }
        #expect(recorded is String, "last_used_at after a use: \(String(describing: recorded))")
    }

    /// `insikt keys create | list | revoke` against DATABASE_URL.
    @Test func theCommandLineMakesListsAndRevokesKeys() throws {
        func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
            let out = "/tmp/insikt-keys-\(UInt32.random(in: 0...UInt32.max)).txt"
            let command = ([ServerProcessTests.binary] + arguments).map { "'\($0)'" }.joined(separator: " ")
            let pid = try #require(spawnInBackground("/bin/sh", ["-c", "\(command) > \(out) 2>&1"], stderrPath: "/dev/null",
                                                     environment: ["DATABASE_URL": TestEnvironment.databaseURL, "PATH": "/usr/bin:/bin"]))
            let status = waitForExit(pid)
            defer { try? FileManager.default.removeItem(atPath: out) }
            return (status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
        }
        let created = try run(["keys", "create", "--name", "cli test", "--role", "editor", "--expires-in", "3", "--quiet"])
        #expect(created.status == 0, "\(created.output)")
        let text = created.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let token = try #require(KeyToken(text), "\(created.output)")
        try TestEnvironment.application.keys.refresh()
        #expect(try httpRequest(port: port, "POST", "/airports", json: "{}", key: text).status == 400, "an editor may write")
        let listed = try run(["keys", "list"])
        #expect(listed.output.contains(token.id) && listed.output.contains("cli test") && !listed.output.contains(text), "\(listed.output)")
        #expect(try run(["keys", "revoke", token.id]).status == 0)
        try TestEnvironment.application.keys.refresh()
        #expect(try httpRequest(port: port, "GET", "/airports", key: text).status == 401)
        let wrong = try run(["keys", "create", "--name", "x", "--role", "root"])
        #expect(wrong.status != 0 && wrong.output.contains("reader, editor or admin"), "\(wrong.output)")
    }

    @Test func authOffServesEveryoneWithoutAKey() throws {
        let app = try TestEnvironment.startApplication(databaseURL: TestEnvironment.databaseURL) { $0.auth = false }
        defer { app.stop() }
        #expect(try httpRequest(port: app.port, "GET", "/airports?limit=1", key: nil).status == 200)
    }

    /// The key's text appears in the answer that created it and nowhere else: not in other
    /// answers, /metrics or the server's log.
    @Test func aSecretNeverLeavesTheServerAfterItsCreation() throws {
        let port = freePort()
        let log = "/tmp/insikt-secrets-\(port).log"
        let pid = try #require(spawnInBackground(ServerProcessTests.binary, [
            "serve", "--port", String(port), "--host", "127.0.0.1", "--migrations-directory", TestEnvironment.packageRoot + "/migrations",
        ], stderrPath: log, environment: ["DATABASE_URL": TestEnvironment.databaseURL, "PATH": "/usr/bin:/bin",
                                          "ADMIN_KEY": TestEnvironment.adminKey]))
        defer { kill(pid, SIGKILL) }
        var up = false
        for _ in 0..<100 where !up {
            up = (try? httpRequest(port: port, "GET", "/healthz"))?.status == 200
            if !up { usleep(100_000) }
        }
        #expect(up)
        let key = try Self.makeKey("reader", port: port)
        var answers: [RawResponse] = []
        answers.append(try httpRequest(port: port, "GET", "/airports?limit=1", key: key.text))
        answers.append(try httpRequest(port: port, "POST", "/airports", json: "{}", key: key.text))
        answers.append(try httpRequest(port: port, "GET", "/keys"))
        answers.append(try httpRequest(port: port, "GET", "/metrics"))
        answers.append(try httpRequest(port: port, "GET", "/airports", key: key.text + "x"))
        answers.append(try httpRequest(port: port, "GET", "/airports?limit=2", headers: [("X-API-Key", key.text)]))
        #expect(answers.map(\.status) == [200, 403, 200, 200, 401, 200], "\(answers.map(\.status))")
        kill(pid, SIGTERM)
        #expect(waitForExit(pid) == 0)
        let secret = String(key.text.suffix(32))
        for answer in answers {
            #expect(!answer.head.contains(secret) && !answer.text.contains(secret), "\(answer.head)\(answer.text)")
            #expect(!answer.text.contains(TestEnvironment.adminKey))
        }
        let logged = try String(contentsOfFile: log, encoding: .utf8)
        #expect(!logged.contains(secret) && !logged.contains(TestEnvironment.adminKey))
        #expect(logged.contains("GET /keys 200"), "the log has the requests: \(logged)")
        #expect(logged.split(separator: "\n").contains { $0.hasPrefix("POST /airports 403 ") && $0.hasSuffix(" \(key.id)") },
                "a refusal is logged with the key id: \(logged)")
    }
}
