import HTTP
import JSON

/// `POST /imports`
public struct ImportCitizensHandler: Sendable {
    let repository: CitizensRepository

    public init(repository: CitizensRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let body = try CitizenRequests.jsonBody(request)
        var validator = CitizenValidator()
        let citizens = try validator.validateImport(body)
        let importId = try repository.createImport(citizens)
        var w = JSONWriter(capacity: 48)
        w.raw("{\"data\":{\"import_id\":"); w.int(importId); w.raw("}}")
        var response = Response.json(201, w.bytes)
        response.headers.add("Location", "/imports/\(importId)/citizens")
        return response
    }
}
