import Identity
import HTTP
import JSON
import Routing

/// `POST /keys`, `GET /keys`, `DELETE /keys/{key_id}`: admins manage keys over HTTP.
public struct KeyHandlers: Sendable {
    let repository: KeysRepository
    let cache: KeyCache

    public init(repository: KeysRepository, cache: KeyCache) {
        self.repository = repository
        self.cache = cache
    }

    /// `{"name", "role", "expires_at"?}` → 201 with the key's text, the only time it is shown.
    public func create(_ request: Request) throws -> Response {
        let body = try request.jsonBody(limit: 64 * 1024, maxDepth: 4)
        guard case let .object(members) = body else {
            throw HTTPError.badRequest("The body must be a JSON object such as {\"name\": \"frontend team\", \"role\": \"reader\"}.")
        }
        var errors: [ProblemField] = []
        for member in members where !["name", "role", "expires_at"].contains(member.key) {
            errors.append(ProblemField(pointer: "/" + member.key, detail: "unknown field; a key has name, role and expires_at"))
        }
        let name = body["name"]?.stringValue
        if name == nil || name!.trimmingCharacters(in: .whitespaces).isEmpty || name!.count > 200 {
            errors.append(ProblemField(pointer: "/name", detail: "must be a non-empty string of at most 200 characters"))
        }
        let role = body["role"]?.stringValue.flatMap(Role.init(rawValue:))
        if role == nil {
            errors.append(ProblemField(pointer: "/role", detail: "must be one of reader, editor, admin"))
        }
        var expiresAt: String?
        if let value = body["expires_at"], value != .null {
            if let text = value.stringValue { expiresAt = text } else {
                errors.append(ProblemField(pointer: "/expires_at", detail: "must be an RFC 3339 timestamp such as 2027-01-31T12:00:00Z, or null"))
            }
        }
        guard errors.isEmpty, let name, let role else { throw HTTPError.badRequest("The key is not valid.", errors: errors) }
        let created: (key: APIKey, text: String)
        do {
            created = try repository.create(name: name, role: role, expiresAt: expiresAt)
        } catch let KeysRepository.Failure.badExpiry(detail) {
            throw HTTPError.badRequest("The key is not valid.", errors: [ProblemField(pointer: "/expires_at", detail: detail)])
        }
        try cache.refresh()
        var response = Response.json(201, KeyHandlers.document(created.key, secret: created.text))
        response.headers.add("Location", "/keys/\(created.key.id)")
        response.headers.add("Cache-Control", "no-store")
        return response
    }

    public func list(_ request: Request) throws -> Response {
        let keys = try repository.list()
        var writer = JSONWriter(capacity: 64 + keys.count * 200)
        writer.raw("{\"data\":[")
        for (i, key) in keys.enumerated() {
            if i > 0 { writer.raw(",") }
            KeyHandlers.write(key, secret: nil, to: &writer)
        }
        writer.raw("]}")
        return .json(200, writer.bytes)
    }

    public func revoke(_ request: Request) throws -> Response {
        let id = try request.parameters.string("key_id")
        guard try repository.revoke(id: id) else { throw HTTPError.notFound("There is no key \(id).") }
        try cache.refresh()
        return .empty(204)
    }

    static func document(_ key: APIKey, secret: String) -> [UInt8] {
        var writer = JSONWriter(capacity: 300)
        writer.raw("{\"data\":")
        write(key, secret: secret, to: &writer)
        writer.raw("}")
        return writer.bytes
    }

    static func write(_ key: APIKey, secret: String?, to writer: inout JSONWriter) {
        writer.raw("{\"id\":"); writer.string(key.id)
        writer.raw(",\"name\":"); writer.string(key.name)
        writer.raw(",\"role\":"); writer.string(key.role.rawValue)
        writer.raw(",\"created_at\":"); writer.string(key.createdAt)
        for (name, value) in [("last_used_at", key.lastUsedAt), ("expires_at", key.expiresAt), ("revoked_at", key.revokedAt)] {
            writer.raw(","); writer.key(name)
            if let value { writer.string(value) } else { writer.raw("null") }
        }
        if let secret {
            writer.raw(",\"key\":"); writer.string(secret)
        }
        writer.raw("}")
    }
}
