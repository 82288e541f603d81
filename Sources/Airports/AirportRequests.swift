import HTTP
import JSON
import Postgres
import Routing

/// What the airports handlers share: failures as HTTP errors, JSON bodies, answers with ETags.
enum AirportRequests {
    static func run<T>(_ id: Int64? = nil, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as AirportsRepository.Failure {
            switch failure {
            case .notFound: throw HTTPError.notFound(id.map { "Airport \($0) does not exist." } ?? "No such airport.")
            case .gone: throw HTTPError(410, id.map { "Airport \($0) is deleted; /airports/\($0)/restore brings it back." } ?? "The airport is deleted.")
            case .preconditionFailed: throw HTTPError(412, "If-Match does not match the airport's current ETag.")
            case let .conflict(detail): throw HTTPError(409, detail)
            case .tokenNotFound: throw HTTPError.notFound("No such confirmation link.")
            case .tokenGone: throw HTTPError(410, "This confirmation link was used already or has expired.")
            }
        } catch let error as PostgresError where error.sqlState == "23505" {
            throw HTTPError(409, "An airport with that id exists already.")
        }
    }

    /// An airport is small: 1 MiB and 16 levels are plenty.
    static func jsonBody(_ request: Request) throws -> JSONValue {
        try request.jsonBody(limit: 1 << 20, maxDepth: 16)
    }

    /// `{"data": airport}` with the airport's ETag.
    static func airport(_ status: Int, _ rows: AirportRows) -> Response {
        var response = Response.json(status, AirportJSON.single(rows))
        if let version = rows.version(0) { response.headers.add("ETag", ETag.value(version)) }
        return response
    }

    /// The airport as a GeoJSON Feature, with the ETag of that representation.
    static func airportGeoJSON(_ rows: AirportRows) -> Response {
        var response = Response(status: 200, contentType: AirportRepresentation.geoJSONType, body: AirportGeoJSON.feature(rows))
        if let version = rows.version(0) { response.headers.add("ETag", ETag.geoJSONValue(version)) }
        return response
    }

    /// The If-Match header, refused with 400 when it is not `*` or a list of entity tags.
    static func ifMatch(_ request: Request) throws -> String? {
        guard let value = request.headers["If-Match"] else { return nil }
        guard ETag.isWellFormed(value) else {
            throw HTTPError.badRequest("If-Match must be * or a list of entity tags such as \"3\".")
        }
        return value
    }
}
