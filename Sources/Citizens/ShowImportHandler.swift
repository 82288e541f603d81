import HTTP
import JSON
import Routing

/// `GET /imports/{import_id}`: one import, as `GET /imports` lists it (the `href` of an import job's result).
public struct ShowImportHandler: Sendable {
    let repository: CitizensRepository

    public init(repository: CitizensRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let importId = try request.parameters.int("import_id")
        _ = try request.queryItems(allowed: [])
        guard let summary = try repository.importSummary(importId) else {
            throw HTTPError.notFound("Import \(importId) does not exist.")
        }
        var w = JSONWriter(capacity: 128)
        w.raw("{\"data\":")
        summary.write(to: &w)
        w.raw("}")
        return .json(200, w.bytes)
    }
}
