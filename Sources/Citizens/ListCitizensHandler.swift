import HTTP
import JSON

/// `GET /imports/{import_id}/citizens`
public struct ListCitizensHandler: Sendable {
    let repository: CitizensRepository

    public init(repository: CitizensRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let importId = request.parameters.int("import_id")
        let body: [UInt8] = try CitizenRequests.run(importId: importId) {
            try repository.withCitizens(importId: importId) { rows in
                var w = JSONWriter(capacity: 64 + rows.count * 256)
                w.raw("{\"data\":[")
                for row in 0..<rows.count {
                    if row > 0 { w.raw(",") }
                    CitizenJSON.write(rows, row: row, to: &w)
                }
                w.raw("]}")
                return w.bytes
            }
        }
        return .json(200, body)
    }
}
