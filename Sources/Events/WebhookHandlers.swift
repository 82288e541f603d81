import HTTP
import JSON
import Outgoing
import Postgres
import Routing

/// The admin routes of webhooks: `/webhooks`, `/webhooks/{id}`, its deliveries and their retry.
public struct WebhookHandlers: Sendable {
    let repository: WebhookRepository
    let policy: AddressPolicy
    let dispatcher: WebhookDispatcher

    static let bodyLimit = 64 * 1024
    /// The `status` filter of a webhook's deliveries.
    enum DeliveryStatus: String, CaseIterable {
        case pending, succeeded, failed
    }

    public init(pool: PostgresPool, dispatcher: WebhookDispatcher) {
        repository = WebhookRepository(pool: pool)
        policy = AddressPolicy(allowPrivate: dispatcher.settings.allowPrivate)
        self.dispatcher = dispatcher
    }

    /// `{"url", "types"?, "description"?}` → 201 with the endpoint and its secret, shown only here.
    public func create(_ request: Request) throws -> Response {
        let change = try WebhookChange.parse(try request.jsonBody(limit: WebhookHandlers.bodyLimit, maxDepth: 4), creating: true, policy: policy)
        let created = try repository.create(url: change.url ?? "", types: change.types ?? [], subjects: change.subjects ?? [],
                                            description: change.description ?? "")
        var response = WebhookHandlers.document(created.endpoint, secret: created.secret, status: 201)
        response.headers.add("Location", "/webhooks/\(created.endpoint.id)")
        response.headers.add("Cache-Control", "no-store")
        return response
    }

    public func list(_ request: Request) throws -> Response {
        _ = try request.queryItems(allowed: [])
        let endpoints = try repository.list()
        var writer = JSONWriter(capacity: 64 + endpoints.count * 300)
        writer.raw("{\"data\":[")
        for (i, endpoint) in endpoints.enumerated() {
            if i > 0 { writer.raw(",") }
            endpoint.write(to: &writer)
        }
        writer.raw("]}")
        return .json(200, writer.bytes)
    }

    public func get(_ request: Request) throws -> Response {
        let id = try request.parameters.int("id")
        guard let endpoint = try repository.get(id) else { throw WebhookHandlers.noWebhook(id) }
        return WebhookHandlers.document(endpoint)
    }

    /// `{"url"?, "types"?, "description"?, "enabled"?}`: `enabled: false` pauses it, `true`
    /// resumes it after the last event it was given.
    public func change(_ request: Request) throws -> Response {
        let id = try request.parameters.int("id")
        let change = try WebhookChange.parse(try request.jsonBody(limit: WebhookHandlers.bodyLimit, maxDepth: 4), creating: false, policy: policy)
        guard let endpoint = try repository.change(id, change) else { throw WebhookHandlers.noWebhook(id) }
        if change.enabled == true { dispatcher.wake() }
        return WebhookHandlers.document(endpoint)
    }

    public func delete(_ request: Request) throws -> Response {
        let id = try request.parameters.int("id")
        guard try repository.delete(id) else { throw WebhookHandlers.noWebhook(id) }
        return .empty(204)
    }

    /// `?status=pending|succeeded|failed&limit=&before=`: newest first.
    public func deliveries(_ request: Request) throws -> Response {
        let id = try request.parameters.int("id")
        var query = try QueryParameters(request, allowed: ["status", "limit", "before"])
        var status: String?
        var limit = 100
        var before: Int64?
        for item in query.items {
            switch item.name {
            case "status":
                status = query.oneOf(item, DeliveryStatus.self)?.rawValue
            case "limit":
                limit = query.pageLimit(item) ?? limit
            default:
                before = query.position(item, "a delivery id (the last one of the page before)")
            }
        }
        try query.check()
        // One row more than the page says whether there is a next one.
        guard let records = try repository.deliveries(of: id, status: status, before: before, limit: limit + 1) else {
            throw WebhookHandlers.noWebhook(id)
        }
        return KeysetPage.response(records, limit: limit, bytesPerRow: 400, write: { $0.write(to: &$1) }) { last in
            var link = "/webhooks/\(id)/deliveries?before=\(last.id)"
            if let status { link += "&status=\(status)" }
            if query.given.contains("limit") { link += "&limit=\(limit)" }
            return link
        }
    }

    /// Sends a delivery again now → 202 with the delivery (pending).
    public func retry(_ request: Request) throws -> Response {
        let id = try request.parameters.int("id")
        let deliveryId = try request.parameters.int("delivery_id")
        switch try repository.retry(endpoint: id, delivery: deliveryId) {
        case let .success(record):
            dispatcher.wake()
            var writer = JSONWriter(capacity: 500)
            writer.raw("{\"data\":")
            record.write(to: &writer)
            writer.raw("}")
            return .json(202, writer.bytes)
        case .failure(.noSuchDelivery):
            throw HTTPError.notFound("Webhook \(id) has no delivery \(deliveryId).")
        case .failure(.inFlight):
            throw HTTPError(409, "Delivery \(deliveryId) is being sent right now; look at it again in a moment.")
        case .failure(.endpointDisabled):
            throw HTTPError(409, "Webhook \(id) is disabled; enable it first with PATCH /webhooks/\(id) {\"enabled\": true}.")
        }
    }

    static func document(_ endpoint: WebhookEndpoint, secret: String? = nil, status: Int = 200) -> Response {
        var writer = JSONWriter(capacity: 400)
        writer.raw("{\"data\":")
        endpoint.write(to: &writer, secret: secret)
        writer.raw("}")
        return .json(status, writer.bytes)
    }

    static func noWebhook(_ id: Int64) -> HTTPError {
        HTTPError.notFound("There is no webhook \(id).")
    }
}
