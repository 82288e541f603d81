import HTTP
import JSON
import Routing

/// `PATCH /imports/{import_id}/citizens/{citizen_id}`: body first (400), then existence (404),
/// then relatives (400).
public struct PatchCitizenHandler: Sendable {
    let repository: CitizensRepository

    public init(repository: CitizensRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let importId = try request.parameters.int("import_id")
        let citizenId = try request.parameters.int("citizen_id")
        let body = try request.jsonBody()
        var validator = CitizenValidator()
        let patch = try validator.validatePatch(body)
        let citizen = try CitizenRequests.run(importId: importId, citizenId: citizenId) {
            try repository.patch(importId: importId, citizenId: citizenId, patch, origin: request.eventOrigin)
        }
        var w = JSONWriter(capacity: 512)
        w.raw("{\"data\":")
        CitizenJSON.write(citizen, to: &w)
        w.raw("}")
        return .json(200, w.bytes)
    }
}
