import HTTP
import JSON
import Routing

/// `GET /imports/{import_id}/citizens/birthdays`
public struct BirthdaysHandler: Sendable {
    let repository: CitizensRepository

    public init(repository: CitizensRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let importId = try request.parameters.int("import_id")
        let rows = try CitizenRequests.run(importId: importId) { try repository.birthdayInputs(importId: importId) }
        let months = CitizenStatistics.birthdays(rows)
        var w = JSONWriter(capacity: 256 + rows.count * 32)
        w.raw("{\"data\":{")
        for (index, entries) in months.enumerated() {
            if index > 0 { w.raw(",") }
            w.raw("\""); w.int(index + 1); w.raw("\":[")
            for (i, entry) in entries.enumerated() {
                if i > 0 { w.raw(",") }
                w.raw("{\"citizen_id\":"); w.int(entry.0); w.raw(",\"presents\":"); w.int(entry.1); w.raw("}")
            }
            w.raw("]")
        }
        w.raw("}}")
        return .json(200, w.bytes)
    }
}
