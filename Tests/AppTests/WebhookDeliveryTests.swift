import App
import Events
import Foundation
import Outgoing
import Postgres
import Testing
import TestSupport

/// events.md "Webhooks" from outside: a local receiver on 127.0.0.1 and applications on a
/// database of each test's own.
@Suite struct WebhookDeliveryTests {
    @Test func aReceiverThatFailsTwiceGetsTheSameIdEachTimeWithAValidSignature() throws {
        let receiver = try WebhookReceiver { index, _ in index < 2 ? .init(500) : .ok }
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let app = try WebhookTesting.start(database)
        defer { app.stop() }
        let webhook = try WebhookTesting.create(app.port, url: receiver.url())
        let importId = try WebhookTesting.newImport(app.port)

        let received = receiver.waitFor(3)
        try #require(received.count == 3, "\(received.count) requests")
        #expect(Set(received.compactMap { $0.headers["webhook-id"] }).count == 1)
        for request in received { WebhookTesting.expectSigned(request, secret: webhook.secret) }
        let event = try #require(received.last?.json)
        #expect(event.string("type") == "insikt.import.created" && event.object("data")?.int("import_id") == importId)

        #expect(try WebhookTesting.eventually { try WebhookTesting.deliveries(app.port, webhook.id).first?.string("status") == "succeeded" })
        let delivery = try #require(try WebhookTesting.deliveries(app.port, webhook.id).first)
        #expect(delivery.int("attempts") == 3 && delivery.int("last_status_code") == 200 && delivery.isNull("last_error"))
        #expect(delivery.double("last_latency_ms") != nil && delivery.string("last_attempt_at") != nil && delivery.string("completed_at") != nil)
        #expect(delivery.int("event_id").map(String.init) == received.last?.headers["webhook-id"])
        #expect(delivery.string("event_type") == "insikt.import.created")
        #expect(try WebhookTesting.deliveries(app.port, webhook.id, query: "?status=succeeded").count == 1)
        #expect(try WebhookTesting.deliveries(app.port, webhook.id, query: "?status=failed").isEmpty)
        let bad = try httpRequest(port: app.port, "GET", "/webhooks/\(webhook.id)/deliveries?status=done&limit=0")
        #expect(bad.status == 400 && bad.errors?.count == 2, "\(bad.summary)")
    }

    @Test func aReceiverThatHangsIsRetriedAndTheAPIKeepsAnswering() throws {
        let receiver = try WebhookReceiver { index, _ in index == 0 ? .init(200, delay: 3) : .ok }
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let app = try WebhookTesting.start(database) { $0.webhooks.timeout = 0.5; $0.server.workerThreads = 2 }
        defer { app.stop() }
        let webhook = try WebhookTesting.create(app.port, url: receiver.url())
        _ = try WebhookTesting.newImport(app.port)
        try #require(receiver.waitFor(1).count >= 1)
        // The receiver holds the first attempt for 3 s: requests go on being answered meanwhile.
        for _ in 0..<10 {
            let started = Date()
            let listed = try httpRequest(port: app.port, "GET", "/webhooks/\(webhook.id)", timeout: 2)
            // Far below the receiver's 3 s hold (what a blocked worker would cost), not a speed test.
            #expect(listed.status == 200 && Date().timeIntervalSince(started) < 1.5, "\(listed.summary)")
        }
        let received = receiver.waitFor(2)
        #expect(received.count == 2 && received[0].headers["webhook-id"] == received.last?.headers["webhook-id"])
        #expect(try WebhookTesting.eventually {
            let delivery = try WebhookTesting.deliveries(app.port, webhook.id).first
            return delivery?.string("status") == "succeeded" && delivery?.int("attempts") == 2
        })
    }

    @Test func a410DisablesTheEndpoint() throws {
        let receiver = try WebhookReceiver { _, _ in .init(410) }
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let app = try WebhookTesting.start(database)
        defer { app.stop() }
        let webhook = try WebhookTesting.create(app.port, url: receiver.url())
        _ = try WebhookTesting.newImport(app.port)
        #expect(try WebhookTesting.eventually {
            let endpoint = try httpRequest(port: app.port, "GET", "/webhooks/\(webhook.id)").dataObject
            return endpoint?["enabled"] as? Bool == false && endpoint?.string("disabled_reason")?.contains("410") == true
        })
        let delivery = try WebhookTesting.deliveries(app.port, webhook.id).first
        #expect(delivery?.string("status") == "failed" && delivery?.int("last_status_code") == 410 && delivery?.int("attempts") == 1)
        // The next event is not sent to it. A witness endpoint, enabled, is fanned out past that
        // event; the disabled endpoint, which nothing holds, would have had its delivery made by
        // the same fan-out, and nothing is sent without a delivery.
        let witness = try WebhookReceiver()
        defer { witness.stop() }
        _ = try WebhookTesting.create(app.port, url: witness.url())
        _ = try WebhookTesting.newImport(app.port)
        #expect(try WebhookTesting.fannedOut(database))
        let deliveries = try WebhookTesting.deliveries(app.port, webhook.id)
        #expect(deliveries.count == 1 && deliveries.first?.string("status") == "failed", "\(deliveries)")
        #expect(receiver.requests.count == 1)
    }

    @Test func retryAfterIsHonoured() throws {
        let receiver = try WebhookReceiver { index, _ in index == 0 ? .init(503, headers: [("Retry-After", "1")]) : .ok }
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let app = try WebhookTesting.start(database)
        defer { app.stop() }
        let webhook = try WebhookTesting.create(app.port, url: receiver.url())
        _ = try WebhookTesting.newImport(app.port)
        let received = receiver.waitFor(2)
        try #require(received.count == 2)
        #expect(received[1].at.timeIntervalSince(received[0].at) >= 0.95, "retried after \(received[1].at.timeIntervalSince(received[0].at)) s")
        #expect(try WebhookTesting.eventually { try WebhookTesting.deliveries(app.port, webhook.id).first?.string("status") == "succeeded" })
    }

    @Test func aServerRestartedMidRetryStillDelivers() throws {
        let receiver = try WebhookReceiver { _, _ in .init(500) }
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        // Long enough that the first server has surely stopped before its retry falls due, on a loaded machine too.
        let slow: (inout AppConfiguration) -> Void = { $0.webhooks.retrySchedule = RetrySchedule(delays: [5, 5, 5]) }
        let first = try WebhookTesting.start(database, configure: slow)
        let webhook = try WebhookTesting.create(first.port, url: receiver.url())
        _ = try WebhookTesting.newImport(first.port)
        try #require(receiver.waitFor(1).count == 1)
        first.stop()
        let pending = try PostgresConnection(url: database.url).query("SELECT status, attempts FROM webhook_deliveries")
        #expect(pending.string(0, 0) == "pending" && pending.int(0, 1) == 1)

        receiver.setScript { _, _ in .ok }
        let second = try WebhookTesting.start(database, configure: slow)
        defer { second.stop() }
        let received = receiver.waitFor(2)
        #expect(received.count == 2 && received[0].headers["webhook-id"] == received[1].headers["webhook-id"])
        #expect(try WebhookTesting.eventually { try WebhookTesting.deliveries(second.port, webhook.id).first?.string("status") == "succeeded" })
        // Every request is sent for a claim, which counts an attempt, and a succeeded delivery is
        // never claimed again: two attempts mean these two requests were all.
        let delivered = try WebhookTesting.deliveries(second.port, webhook.id)
        #expect(delivered.count == 1 && delivered.first?.int("attempts") == 2, "\(delivered)")
        #expect(receiver.requests.count == 2)
    }

    @Test func twoServersOnOneDatabaseDeliverEachEventOnce() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let servers = [try WebhookTesting.start(database), try WebhookTesting.start(database)]
        defer { servers.forEach { $0.stop() } }
        let one = try WebhookTesting.create(servers[0].port, url: receiver.url("/one"))
        let two = try WebhookTesting.create(servers[1].port, url: receiver.url("/two"))
        let events = 12
        for i in 0..<events { _ = try WebhookTesting.newImport(servers[i % 2].port) }
        // Every request is sent for a claim, which counts an attempt, and a succeeded delivery is
        // never claimed again: once each endpoint's deliveries (one per event and endpoint) have
        // succeeded, their attempts say how many requests there were, and no more can come.
        var listed: [[[String: Any]]] = []
        #expect(try WebhookTesting.eventually {
            listed = try [one, two].map { try WebhookTesting.deliveries(servers[0].port, $0.id) }
            return listed.allSatisfy { $0.count == events && $0.allSatisfy { $0.string("status") == "succeeded" } }
        }, "\(listed)")
        for deliveries in listed {
            #expect(deliveries.map { $0.int("attempts") } == Array(repeating: 1, count: events), "each sent once: \(deliveries)")
        }
        let all = receiver.requests
        #expect(all.count == 2 * events, "\(all.count) requests for \(2 * events) deliveries")
        for path in ["/one", "/two"] {
            let ids = all.filter { $0.path == path }.compactMap { Int($0.headers["webhook-id"] ?? "") }
            #expect(Set(ids).count == events && ids.count == events, "\(path): \(ids)")
            // Per endpoint, in position order.
            #expect(ids == ids.sorted(), "\(path): \(ids)")
        }
    }

    @Test func typeFiltersChooseTheEventsAnEndpointGets() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let app = try WebhookTesting.start(database)
        defer { app.stop() }
        let citizens = try WebhookTesting.create(app.port, url: receiver.url("/citizens"), types: ["insikt.citizen."])
        let imports = try WebhookTesting.create(app.port, url: receiver.url("/imports"), types: ["insikt.import.created", "insikt.nothing."])
        let all = try WebhookTesting.create(app.port, url: receiver.url("/all"))
        let importId = try WebhookTesting.newImport(app.port)
        let patched = try httpRequest(port: app.port, "PATCH", "/imports/\(importId)/citizens/1", json: #"{"name": "Ann"}"#)
        #expect(patched.status == 200, "\(patched.summary)")
        // Once both events are fanned out, every delivery they make exists; once none is pending,
        // every request has been sent (a delivery succeeds only after its receiver answered).
        #expect(try WebhookTesting.fannedOut(database))
        let endpoints = [("/citizens", citizens.id), ("/imports", imports.id), ("/all", all.id)]
        #expect(try WebhookTesting.eventually {
            try endpoints.allSatisfy { try WebhookTesting.deliveries(app.port, $0.1).allSatisfy { $0.string("status") == "succeeded" } }
        })
        func types(_ path: String) -> [String] { receiver.requests.filter { $0.path == path }.compactMap { $0.json?.string("type") } }
        #expect(types("/citizens") == ["insikt.citizen.updated"])
        #expect(types("/imports") == ["insikt.import.created"])
        #expect(types("/all") == ["insikt.import.created", "insikt.citizen.updated"])
        for (path, id) in endpoints {
            // The deliveries the server lists, newest first, match what was received.
            let listed = try WebhookTesting.deliveries(app.port, id).compactMap { $0.string("event_type") }
            #expect(listed.reversed() == types(path), "\(path): \(listed)")
        }
    }

    @Test func aManualRetrySendsAFailedDeliveryAgain() throws {
        let receiver = try WebhookReceiver { _, _ in .init(500) }
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let app = try WebhookTesting.start(database) { $0.webhooks.retrySchedule = RetrySchedule(delays: [0.05]) }
        defer { app.stop() }
        let webhook = try WebhookTesting.create(app.port, url: receiver.url())
        _ = try WebhookTesting.newImport(app.port)
        #expect(try WebhookTesting.eventually { try WebhookTesting.deliveries(app.port, webhook.id).first?.string("status") == "failed" })
        let failed = try #require(try WebhookTesting.deliveries(app.port, webhook.id).first)
        let lastError = failed.string("last_error") ?? ""
        #expect(failed.int("attempts") == 2 && failed.int("last_status_code") == 500 && lastError.contains("500"), "\(failed)")
        #expect(receiver.requests.count == 2)

        receiver.setScript { _, _ in .ok }
        let delivery = try #require(failed.int("id"))
        let retried = try httpRequest(port: app.port, "POST", "/webhooks/\(webhook.id)/deliveries/\(delivery)/retry")
        #expect(retried.status == 202 && retried.dataObject?.string("status") == "pending", "\(retried.summary)")
        #expect(receiver.waitFor(3).count == 3)
        #expect(try WebhookTesting.eventually { try WebhookTesting.deliveries(app.port, webhook.id).first?.string("status") == "succeeded" })
        #expect(try httpRequest(port: app.port, "POST", "/webhooks/\(webhook.id)/deliveries/999999/retry").status == 404)
        #expect(try httpRequest(port: app.port, "POST", "/webhooks/999999/deliveries/\(delivery)/retry").status == 404)
    }
}
