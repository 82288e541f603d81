import HTTP
import JSON
import Postgres
import Routing

/// `GET`, `PUT`, `PATCH`, `DELETE /airports/{id}` and `POST /airports`.
public struct AirportHandlers: Sendable {
    let repository: AirportsRepository

    public init(repository: AirportsRepository) {
        self.repository = repository
    }

    /// Runs on the event loop: the read goes through the loop's own connection.
    public func get(_ request: Request, on connection: PipelinedConnection,
                    _ respond: @escaping (Result<Response, Error>) -> Void) {
        let id: Int64
        do {
            id = try request.parameters.int("id")
        } catch {
            return respond(.failure(error))
        }
        repository.get(id, on: connection) { outcome in
            respond(Result {
                try AirportRequests.run(id) { try AirportHandlers.answer(request, try outcome.get()) }
            })
        }
    }

    /// 200 with the airport (JSON, or GeoJSON when Accept asks for it), 304 when If-None-Match
    /// names its ETag, 410 when it is deleted.
    static func answer(_ request: Request, _ rows: AirportRows) throws -> Response {
        if !rows.row(0).isNull(rows.deletedAt) { throw AirportsRepository.Failure.gone }
        var response = AirportRepresentation.of(request) == .geoJSON ? AirportRequests.airportGeoJSON(rows) : AirportRequests.airport(200, rows)
        AirportRepresentation.vary(&response)
        if let match = request.headers["If-None-Match"], let etag = response.headers["ETag"],
           match.split(separator: ",").contains(where: { $0.trimmingASCIIWhitespace() == etag || $0.trimmingASCIIWhitespace() == "*" }) {
            var notModified = Response.empty(304)
            notModified.headers.add("ETag", etag)
            AirportRepresentation.vary(&notModified)
            return notModified
        }
        return response
    }

    public func create(_ request: Request) throws -> Response {
        let fields = try AirportFields.fromJSON(try AirportRequests.jsonBody(request), allowID: false)
        try fields.requireComplete()
        let result = try AirportRequests.run { try repository.create(fields, origin: request.eventOrigin) }
        var response = AirportRequests.airport(201, result)
        response.headers.add("Location", "/airports/\(result.id(0) ?? 0)")
        return response
    }

    public func replace(_ request: Request) throws -> Response {
        let id = try request.parameters.int("id")
        guard AirportFields.isInRange(.id, .integer(id)) else {
            throw HTTPError.badRequest("The id in the path is too large.", errors: [ProblemField(pointer: nil, detail: "must be \(AirportColumn.id.allowedValues)", extra: [("parameter", .string("id"))])])
        }
        let body = try AirportRequests.jsonBody(request)
        var fields = try AirportFields.fromJSON(body, allowID: true)
        if let given = fields[.id], given != .integer(id) {
            throw HTTPError.badRequest("The id in the body differs from the path.", errors: [ProblemField(pointer: "/id", detail: "must be \(id)")])
        }
        fields.set(.id, .integer(id))
        try fields.requireComplete()
        let ifMatch = try AirportRequests.ifMatch(request)
        let (result, created) = try AirportRequests.run(id) { try repository.replace(id, fields, ifMatch: ifMatch, origin: request.eventOrigin) }
        var response = AirportRequests.airport(created ? 201 : 200, result)
        if created { response.headers.add("Location", "/airports/\(id)") }
        return response
    }

    /// JSON merge patch (RFC 7396): given fields change, `null` clears a nullable one.
    public func change(_ request: Request) throws -> Response {
        let id = try request.parameters.int("id")
        let fields = try AirportFields.fromJSON(try AirportRequests.jsonBody(request), allowID: false)
        try fields.requireNoNullRequired()
        let ifMatch = try AirportRequests.ifMatch(request)
        let result = try AirportRequests.run(id) { try repository.change(id, fields, ifMatch: ifMatch, origin: request.eventOrigin) }
        return AirportRequests.airport(200, result)
    }

    public func delete(_ request: Request) throws -> Response {
        let id = try request.parameters.int("id")
        let ifMatch = try AirportRequests.ifMatch(request)
        try AirportRequests.run(id) { try repository.delete(id, ifMatch: ifMatch, origin: request.eventOrigin) }
        return .empty(204)
    }
}
