import HTTP
import JSON
import Routing

/// `GET /imports/{import_id}/citizens`, streamed: rows are written as JSON while later batches
/// are still being read, so the first byte does not wait for the last row.
public struct ListCitizensHandler: Sendable {
    let repository: CitizensRepository

    public init(repository: CitizensRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let importId = try request.parameters.int("import_id")
        guard try repository.importExists(importId) else {
            throw CitizenRequests.map(.importNotFound, importId: importId)
        }
        let repository = self.repository
        return .streamed(200, contentType: "application/json; charset=utf-8") { stream in
            var w = JSONWriter(capacity: 40 * 1024)
            w.raw("{\"data\":[")
            var first = true
            try repository.streamCitizens(importId: importId) { rows in
                for row in 0..<rows.count {
                    if !first { w.raw(",") }
                    first = false
                    CitizenJSON.write(rows, row: row, to: &w)
                    if w.bytes.count >= 32 * 1024 {
                        try stream.write(w.bytes)
                        w.bytes.removeAll(keepingCapacity: true)
                    }
                }
                // Send what this batch made before reading the next one.
                try stream.write(w.bytes)
                w.bytes.removeAll(keepingCapacity: true)
            }
            w.raw("]}")
            try stream.write(w.bytes)
        }
    }
}
