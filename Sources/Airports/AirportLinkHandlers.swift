import HTTP
import Identity
import JSON
import Routing

/// GET links for clients that can only follow a URL: staged creates and updates confirmed by a
/// single-use link, and the delete flag with its restore link.
public struct AirportLinkHandlers: Sendable {
    let repository: AirportsRepository
    /// How long a confirmation link works, in seconds.
    let lifetime: Int

    public init(repository: AirportsRepository, lifetime: Int = 24 * 3600) {
        self.repository = repository
        self.lifetime = lifetime
    }

    static let fieldParameters = Set(AirportColumn.allCases.map(\.name) + ["DST"])

    /// `GET /airports/create?name=...`: 202 with the confirmation link.
    public func stageCreate(_ request: Request) throws -> Response {
        let items = try request.queryItems(allowed: AirportLinkHandlers.fieldParameters)
        let fields = try AirportFields.fromQuery(items, allowID: true)
        try fields.requireComplete()
        var id: Int64?
        if case let .integer(given)? = fields[.id] { id = given }
        return try stage(kind: "create", airportId: id, fields: fields, baseVersion: nil, origin: request.eventOrigin)
    }

    /// `GET /airports/{id}/update?field=value`: 202 with the confirmation link.
    public func stageUpdate(_ request: Request) throws -> Response {
        let id = try request.parameters.int("id")
        let items = try request.queryItems(allowed: AirportLinkHandlers.fieldParameters.subtracting(["id"]))
        let fields = try AirportFields.fromQuery(items, allowID: false)
        guard !fields.isEmpty else { throw HTTPError.badRequest("Name at least one field to change.") }
        try fields.requireNoNullRequired()
        let version = try AirportRequests.run(id) { try repository.liveVersion(id) }
        return try stage(kind: "update", airportId: id, fields: fields, baseVersion: version, origin: request.eventOrigin)
    }

    private func stage(kind: String, airportId: Int64?, fields: AirportFields, baseVersion: Int64?, origin: EventOrigin?) throws -> Response {
        let token = ConfirmationToken.make()
        let fieldsJSON = String(decoding: fields.json.serialized, as: UTF8.self)
        let expires = try repository.stage(token: token, kind: kind, airportId: airportId, fields: fieldsJSON,
                                           baseVersion: baseVersion, lifetime: lifetime, origin: origin)
        var w = JSONWriter(capacity: 128)
        w.raw("{\"data\":{\"confirm\":"); w.string("/confirmations/\(token)")
        w.raw(",\"token\":"); w.string(token)
        w.raw(",\"expires_at\":"); w.string(expires)
        w.raw("}}")
        return .json(202, w.bytes)
    }

    /// `GET` or `POST /confirmations/{token}`: applies the staged change once. HEAD only looks.
    public func confirm(_ request: Request) throws -> Response {
        let token = try request.parameters.string("token")
        _ = try request.queryItems(allowed: [])
        guard ConfirmationToken.isWellFormed(token) else { throw HTTPError.notFound("No such confirmation link.") }
        let consume = request.method != .HEAD
        return try AirportRequests.run(nil) {
            try repository.confirm(token: token, consume: consume) { staged, connection in
                guard consume else { return Response.empty(200) }
                let fields = try AirportFields.fromJSON(try JSONParser().parse(Array(staged.fieldsJSON.utf8)), allowID: true)
                if staged.kind == "create" {
                    let result = try repository.applyCreate(connection, fields, id: staged.airportId, origin: staged.origin)
                    var response = AirportRequests.airport(201, result)
                    response.headers.add("Location", "/airports/\(result.id(0) ?? 0)")
                    return response
                }
                let result = try repository.applyUpdate(connection, staged.airportId!, fields, baseVersion: staged.baseVersion!, origin: staged.origin)
                return AirportRequests.airport(200, result)
            }
        }
    }

    /// `GET /airports/{id}/delete`: sets the delete flag; the record stays.
    public func deleteFlag(_ request: Request) throws -> Response {
        let id = try request.parameters.int("id")
        _ = try request.queryItems(allowed: [])
        let result = try AirportRequests.run(id) { try repository.setDeleted(id, true, origin: request.eventOrigin) }
        var response = Response.json(200, AirportJSON.single(result) { w in
            w.raw(",\"restore\":"); w.string("/airports/\(id)/restore")
        })
        response.headers.add("ETag", ETag.value(result.version(0) ?? 0))
        return response
    }

    /// `GET /airports/{id}/restore`: clears the delete flag.
    public func restore(_ request: Request) throws -> Response {
        let id = try request.parameters.int("id")
        _ = try request.queryItems(allowed: [])
        let result = try AirportRequests.run(id) { try repository.setDeleted(id, false, origin: request.eventOrigin) }
        return AirportRequests.airport(200, result)
    }
}
