import App
import Events
import Foundation
import Outgoing
import Postgres
import Testing
import TestSupport

/// Issue 23: no endpoint's backlog or dead receiver delays another's deliveries. Twenty endpoints
/// hold 1,000-delivery backlogs (written with SQL, due an hour ago), half on a host that accepts
/// and never answers, half on one that resets every connection; healthy endpoints on a working
/// receiver then get their events, their retries and their manual retries at once.
@Suite struct WebhookFairnessTests {
    static let deadEndpoints = 20
    static let backlog = 1000

    /// A database with the dead endpoints and their backlogs, an application delivering, and the
    /// dead receivers; `close` stops them all.
    struct Crowd {
        let database: WebhookTesting.Database
        let app: Application
        let hanging: DeadReceiver
        let resetting: DeadReceiver
        let deadIds: [Int]

        func close() {
            app.stop()
            hanging.stop()
            resetting.stop()
            database.drop()
        }
    }

    static func crowd() throws -> Crowd {
        let hanging = try DeadReceiver(.hang)
        let resetting = try DeadReceiver(.reset)
        let database = try WebhookTesting.newDatabase()
        let app = try WebhookTesting.start(database) { configuration in
            // A hanging receiver holds its transfer this long: far longer than any bound below.
            configuration.webhooks.timeout = 10
            configuration.webhooks.connectTimeout = 2
        }
        var deadIds: [Int] = []
        for i in 0..<deadEndpoints {
            let receiver = i % 2 == 0 ? hanging : resetting
            // They take only the backlog's type, so the healthy endpoints' events are not theirs.
            deadIds.append(try WebhookTesting.create(app.port, url: receiver.url("/dead/\(i)"), types: ["insikt.test.backlog"]).id)
        }
        try PostgresConnection(url: database.url).execute("""
            INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload, next_attempt_at, created_at)
            SELECT e, 1000000 + g, 'insikt.test.backlog', '{"specversion":"1.0","id":"' || (1000000 + g) || '","type":"insikt.test.backlog"}',
                   now() - interval '1 hour', now() - interval '1 hour'
            FROM unnest(ARRAY[\(deadIds.map(String.init).joined(separator: ","))]::bigint[]) AS e, generate_series(1, \(backlog)) AS g
            """)
        app.webhooks.wake()
        return Crowd(database: database, app: app, hanging: hanging, resetting: resetting, deadIds: deadIds)
    }

    @Test func healthyEndpointsGetEventsRetriesAndManualRetriesAtOnceWhileDeadOnesHoldBacklogs() throws {
        let crowd = try WebhookFairnessTests.crowd()
        defer { crowd.close() }
        let port = crowd.app.port
        // Every hanging endpoint holds a transfer, and the resetting ones have failed a while.
        #expect(WebhookTesting.eventually { crowd.hanging.connections >= WebhookFairnessTests.deadEndpoints / 2 },
                "\(crowd.hanging.connections) connections held")
        #expect(WebhookTesting.eventually { crowd.resetting.connections >= 20 }, "\(crowd.resetting.connections) connections reset")

        // A new endpoint's new event.
        let receiver = try WebhookReceiver { index, _ in index == 1 ? .init(503, headers: [("Retry-After", "2")]) : .ok }
        defer { receiver.stop() }
        let webhook = try WebhookTesting.create(port, url: receiver.url("/healthy"))
        let posted = Date()
        _ = try WebhookTesting.newImport(port)
        let first = receiver.waitFor(1, timeout: 8)
        try #require(first.count == 1, "the healthy endpoint's event did not arrive within 8 s")
        let firstDelay = first[0].at.timeIntervalSince(posted)
        print("[fairness] a healthy endpoint's new event arrived \(Int(firstDelay * 1000)) ms after the import (goal: within 1 s)")
        // A hang guard far below the hanging transfers' 10 s: the event did not wait behind them.
        #expect(firstDelay < 5, "the event arrived after \(firstDelay) s")

        // Its next event is answered 503 with Retry-After: 2; the retry comes after 2 s.
        _ = try WebhookTesting.newImport(port)
        let retried = receiver.waitFor(3, timeout: 15)
        try #require(retried.count == 3, "\(retried.count) requests")
        let retryWait = retried[2].at.timeIntervalSince(retried[1].at)
        print("[fairness] the retry after 503 + Retry-After: 2 came \(Int(retryWait * 1000)) ms after the 503 (goal: within 3 s)")
        #expect(retried[1].headers["webhook-id"] == retried[2].headers["webhook-id"])
        #expect(retryWait >= 1.9 && retryWait < 8, "the retry came after \(retryWait) s")

        // A manual retry of the first delivery goes out at once.
        #expect(try WebhookTesting.eventually { try WebhookTesting.deliveries(port, webhook.id, query: "?status=succeeded").count == 2 })
        let delivered = try WebhookTesting.deliveries(port, webhook.id)
        let firstDelivery = try #require(delivered.last?.int("id"))
        let asked = Date()
        let manual = try httpRequest(port: port, "POST", "/webhooks/\(webhook.id)/deliveries/\(firstDelivery)/retry")
        #expect(manual.status == 202, "\(manual.summary)")
        let again = receiver.waitFor(4, timeout: 8)
        try #require(again.count == 4, "the manual retry did not arrive within 8 s")
        let manualDelay = again[3].at.timeIntervalSince(asked)
        print("[fairness] a manual retry arrived \(Int(manualDelay * 1000)) ms after it was asked for (goal: within 1 s)")
        #expect(manualDelay < 5 && again[3].headers["webhook-id"] == again[0].headers["webhook-id"], "\(manualDelay) s")

        // The dead endpoints: their backlog and since when they fail; the metrics.
        let dead = try httpRequest(port: port, "GET", "/webhooks/\(crowd.deadIds[1])").dataObject
        #expect((dead?.int("pending") ?? 0) > WebhookFairnessTests.backlog / 2 && dead?.string("failing_since") != nil, "\(dead ?? [:])")
        let metrics = try httpRequest(port: port, "GET", "/metrics").text
        for line in ["insikt_webhook_transfers_in_flight ", "insikt_webhook_backlog{webhook_id=", "insikt_webhook_oldest_due_seconds ",
                     "insikt_webhook_pending_deliveries ", "insikt_webhook_breakers_open "] {
            #expect(metrics.contains(line), "no \(line) in /metrics")
        }
        let inFlight = metrics.split(separator: "\n").first { $0.hasPrefix("insikt_webhook_transfers_in_flight ") }
        // One transfer per endpoint at most, however long its backlog.
        #expect(inFlight.flatMap { Int($0.split(separator: " ").last ?? "") }.map { $0 <= WebhookFairnessTests.deadEndpoints + 1 } == true,
                "\(inFlight ?? "no line")")
    }

    /// The rule itself, with one transfer slot: endpoints with due deliveries take turns, the one
    /// whose last turn is oldest first, however long each one's backlog.
    @Test func endpointsWithDueDeliveriesTakeTurns() throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let app = try WebhookTesting.start(database) { $0.webhooks.concurrency = 1 }
        defer { app.stop() }
        let names = ["a", "b", "c"]
        var ids: [Int] = []
        for name in names {
            ids.append(try WebhookTesting.create(app.port, url: receiver.url("/\(name)"), types: ["insikt.test.turns"]).id)
        }
        // a has 10 deliveries due, b and c 4 each.
        try PostgresConnection(url: database.url).execute("""
            INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload)
            SELECT e, g, 'insikt.test.turns', '{}'
            FROM unnest(ARRAY[\(ids.map(String.init).joined(separator: ","))]::bigint[]) WITH ORDINALITY AS w(e, n), generate_series(1, 10) AS g
            WHERE n = 1 OR g <= 4
            """)
        app.webhooks.wake()
        let received = receiver.waitFor(18)
        let order = received.map { String($0.path.dropFirst()) }.joined()
        #expect(order == "abcabcabcabcaaaaaa", "\(order)")
    }

    @Test func aReceiverAnswering500Then500Then204EndsDeliveredWithEveryAttemptListed() throws {
        let receiver = try WebhookReceiver { index, _ in index < 2 ? .init(500) : .init(204) }
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        let app = try WebhookTesting.start(database)
        defer { app.stop() }
        let webhook = try WebhookTesting.create(app.port, url: receiver.url())
        _ = try WebhookTesting.newImport(app.port)
        #expect(try WebhookTesting.eventually { try WebhookTesting.deliveries(app.port, webhook.id).first?.string("status") == "succeeded" })
        let delivery = try #require(try WebhookTesting.deliveries(app.port, webhook.id).first)
        #expect(delivery.int("attempts") == 3 && delivery.int("last_status_code") == 204 && delivery.isNull("next_attempt_at"), "\(delivery)")
        let history = delivery.objects("history") ?? []
        #expect(history.map { $0.int("status_code") ?? 0 } == [500, 500, 204], "\(history)")
        #expect(history.map { $0.int("attempt") ?? 0 } == [1, 2, 3], "\(history)")
        #expect(history.allSatisfy { $0.string("at") != nil && $0.double("latency_ms") != nil }, "\(history)")
        #expect(history.prefix(2).allSatisfy { $0.string("error")?.contains("500") == true } && history.last?.isNull("error") == true, "\(history)")
        let endpoint = try httpRequest(port: app.port, "GET", "/webhooks/\(webhook.id)").dataObject
        #expect(endpoint?.int("pending") == 0 && endpoint?.isNull("failing_since") == true && endpoint?.int("consecutive_failures") == 0, "\(endpoint ?? [:])")
    }

    @Test func anEndpointFailingAtTheThresholdOpensItsBreakerAndAManualRetryGoesThrough() throws {
        let receiver = try WebhookReceiver { _, _ in .init(500) }
        defer { receiver.stop() }
        let database = try WebhookTesting.newDatabase()
        defer { database.drop() }
        // One attempt per delivery, then the breaker waits 30 s: long enough to see it open.
        let app = try WebhookTesting.start(database) { $0.webhooks.retrySchedule = RetrySchedule(delays: [30]); $0.webhooks.breakerThreshold = 3 }
        defer { app.stop() }
        let webhook = try WebhookTesting.create(app.port, url: receiver.url())
        // The first attempt of each of these fails and waits 30 s, so each is tried once only
        // until the breaker has opened after the third.
        try PostgresConnection(url: database.url).execute("""
            INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload)
            SELECT \(webhook.id), g, 'insikt.test.breaker', '{}' FROM generate_series(1, 5) AS g
            """)
        try PostgresConnection(url: database.url).execute("UPDATE webhook_endpoints SET consecutive_failures = 2 WHERE id = \(webhook.id)")
        app.webhooks.wake()
        #expect(receiver.waitFor(1).count == 1)
        #expect(try WebhookTesting.eventually {
            let endpoint = try httpRequest(port: app.port, "GET", "/webhooks/\(webhook.id)").dataObject
            return endpoint?.string("breaker_open_until") != nil && endpoint?.int("consecutive_failures") == 3 && endpoint?.string("failing_since") != nil
        })
        // A manual retry goes through an open breaker.
        let head = try #require(try WebhookTesting.deliveries(app.port, webhook.id).last?.int("id"))
        #expect(try httpRequest(port: app.port, "POST", "/webhooks/\(webhook.id)/deliveries/\(head)/retry").status == 202)
        #expect(receiver.waitFor(2, timeout: 5).count == 2)
    }
}
