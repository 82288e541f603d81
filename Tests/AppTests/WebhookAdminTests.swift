import App
import Foundation
import Postgres
import Testing
import TestSupport

/// The admin routes of webhooks: create, list, read, change, pause, delete, bad input, and the
/// SSRF guard both when an endpoint is saved and when a delivery connects.
@Suite struct WebhookAdminTests {
    @Test func webhooksAreCreatedListedChangedPausedAndDeleted() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let app = try WebhookTesting.start(database)
        defer { app.stop() }
        let port = app.port
        let created = try httpRequest(port: port, "POST", "/webhooks",
                                      json: #"{"url": "\#(receiver.url())", "types": ["insikt.import."], "description": "campaign tool"}"#)
        #expect(created.status == 201 && created.header("Location") != nil, "\(created.summary)")
        let endpoint = try created.requireDataObject()
        let id = try created.require(endpoint.int("id"), "id")
        #expect(endpoint.string("secret")?.hasPrefix("whsec_") == true && endpoint["enabled"] as? Bool == true)
        #expect(endpoint["types"] as? [String] == ["insikt.import."] && endpoint.string("description") == "campaign tool")

        let listed = try httpRequest(port: port, "GET", "/webhooks").requireDataArray()
        #expect(listed.count == 1 && listed.first?.int("id") == id && listed.first?["secret"] == nil, "\(listed)")
        let one = try httpRequest(port: port, "GET", "/webhooks/\(id)").requireDataObject()
        #expect(one.string("url") == receiver.url() && one["secret"] == nil)

        let paused = try httpRequest(port: port, "PATCH", "/webhooks/\(id)", json: #"{"enabled": false, "description": "paused for now"}"#)
        #expect(paused.dataObject?["enabled"] as? Bool == false && paused.dataObject?.string("disabled_reason") != nil, "\(paused.summary)")
        // Paused, it is not sent the next event. A witness endpoint, enabled, is fanned out past
        // that event; the paused endpoint, which nothing holds, would have had its delivery made by
        // the same fan-out, and nothing is sent without a delivery.
        let witness = try WebhookReceiver()
        defer { witness.stop() }
        let witnessId = try WebhookTesting.create(port, url: witness.url()).id
        _ = try WebhookTesting.newImport(port)
        #expect(try WebhookTesting.fannedOut(database))
        #expect(try WebhookTesting.deliveries(port, id).isEmpty)
        #expect(receiver.requests.isEmpty)
        #expect(try httpRequest(port: port, "DELETE", "/webhooks/\(witnessId)").status == 204)
        // Resumed, it gets what happened while it was paused.
        let resumed = try httpRequest(port: port, "PATCH", "/webhooks/\(id)", json: #"{"enabled": true, "types": null}"#)
        #expect(resumed.dataObject?["enabled"] as? Bool == true && resumed.dataObject?.isNull("disabled_reason") == true, "\(resumed.summary)")
        #expect(resumed.dataObject?["types"] as? [String] == [])
        #expect(receiver.waitFor(1).count == 1)

        #expect(try httpRequest(port: port, "DELETE", "/webhooks/\(id)").status == 204)
        #expect(try httpRequest(port: port, "GET", "/webhooks/\(id)").status == 404)
        #expect(try httpRequest(port: port, "GET", "/webhooks/\(id)/deliveries").status == 404)
        #expect(try httpRequest(port: port, "DELETE", "/webhooks/\(id)").status == 404)
        #expect(try httpRequest(port: port, "PATCH", "/webhooks/\(id)", json: "{}").status == 404)
    }

    @Test func badInputIsA400NamingTheField() throws {
        let port = TestEnvironment.port
        let cases: [(String, [String])] = [
            (#"{}"#, ["/url"]),
            (#"{"url": 5}"#, ["/url"]),
            (#"{"url": "ftp://example.com/x"}"#, ["/url"]),
            (#"{"url": "http://127.0.0.1:9/x", "types": "insikt."}"#, ["/types"]),
            (#"{"url": "http://127.0.0.1:9/x", "types": [""]}"#, ["/types"]),
            (#"{"url": "http://127.0.0.1:9/x", "description": 3, "enabled": true}"#, ["/description", "/enabled"]),
        ]
        for (body, pointers) in cases {
            let refused = try httpRequest(port: port, "POST", "/webhooks", json: body)
            #expect(refused.status == 400 && refused.header("Content-Type")?.hasPrefix("application/problem+json") == true, "\(body): \(refused.summary)")
            #expect((refused.errors ?? []).compactMap { $0.string("pointer") }.sorted() == pointers, "\(body): \(refused.summary)")
        }
        #expect(try httpRequest(port: port, "POST", "/webhooks", json: "[1]").status == 400)
        #expect(try httpRequest(port: port, "POST", "/webhooks", json: "{").status == 400)
        #expect(try httpRequest(port: port, "GET", "/webhooks/999999999").status == 404)
        #expect(try httpRequest(port: port, "POST", "/webhooks", json: #"{"url": "http://127.0.0.1:9/x"}"#, key: nil).status == 401)
    }

    @Test func privateAddressesAreRefusedUnlessAllowed() throws {
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let strict = try WebhookTesting.start(database) { $0.webhooks.allowPrivate = false }
        defer { strict.stop() }
        for url in ["http://127.0.0.1:8080/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]:8080/hook",
                    "http://localhost/hook"] {
            let refused = try httpRequest(port: strict.port, "POST", "/webhooks", json: #"{"url": "\#(url)"}"#)
            #expect(refused.status == 400 && refused.errors?.first?.string("pointer") == "/url"
                    && refused.errors?.first?.string("detail")?.contains("private") == true, "\(url): \(refused.summary)")
        }
        let publicURL = try httpRequest(port: strict.port, "POST", "/webhooks", json: #"{"url": "http://192.0.2.1/hook"}"#)
        #expect(publicURL.status == 400, "192.0.2.0/24 is not public either: \(publicURL.summary)")
        let accepted = try httpRequest(port: strict.port, "POST", "/webhooks", json: #"{"url": "http://93.184.216.34/hook"}"#)
        #expect(accepted.status == 201, "\(accepted.summary)")
        let id: Int = try accepted.dataField("id")
        let moved = try httpRequest(port: strict.port, "PATCH", "/webhooks/\(id)", json: #"{"url": "http://192.168.0.1/"}"#)
        #expect(moved.status == 400 && moved.errors?.first?.string("pointer") == "/url", "\(moved.summary)")
        #expect(try httpRequest(port: strict.port, "DELETE", "/webhooks/\(id)").status == 204)
    }

    /// An endpoint saved where private addresses were allowed, then sent by a server where they
    /// are not: the connection itself is refused (what DNS rebinding would need to get past).
    @Test func theAddressIsCheckedAgainWhenADeliveryConnects() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let permissive = try WebhookTesting.start(database)
        let webhook = try WebhookTesting.create(permissive.port, url: receiver.url())
        permissive.stop()
        let strict = try WebhookTesting.start(database) { $0.webhooks.allowPrivate = false }
        defer { strict.stop() }
        _ = try WebhookTesting.newImport(strict.port)
        #expect(try WebhookTesting.eventually {
            try WebhookTesting.deliveries(strict.port, webhook.id).first?.string("last_error")?.contains("refused") == true
        })
        #expect(receiver.requests.isEmpty)
    }
}
