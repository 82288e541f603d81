import HTTP
import JSON

/// `GET /imports`: the imports, newest first, in keyset pages (`after` an import id, the page
/// holding smaller ones), each with its number of citizens.
public struct ListImportsHandler: Sendable {
    let repository: CitizensRepository
    static let defaultLimit = 100

    public init(repository: CitizensRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let items = try request.queryItems(allowed: ["limit", "after"])
        var limit = ListImportsHandler.defaultLimit
        var after: Int64?
        var errors: [ProblemField] = []
        var seen = Set<String>()
        for item in items {
            guard seen.insert(item.name).inserted else {
                errors.append(ProblemField(pointer: nil, detail: "given more than once", extra: [("parameter", .string(item.name))]))
                continue
            }
            if item.name == "limit" {
                if let value = Int(item.value), (1...1000).contains(value) { limit = value } else {
                    errors.append(ProblemField(pointer: nil, detail: "must be an integer from 1 to 1000", extra: [("parameter", .string("limit"))]))
                }
            } else {
                if let value = Int64(item.value), value >= 0 { after = value } else {
                    errors.append(ProblemField(pointer: nil, detail: "must be an import id", extra: [("parameter", .string("after"))]))
                }
            }
        }
        guard errors.isEmpty else { throw HTTPError.badRequest("The query is not valid.", errors: errors) }

        // One row more than the page says whether there is a next one.
        let imports = try repository.listImports(before: after, limit: limit + 1)
        let page = imports.prefix(limit)
        var w = JSONWriter(capacity: 64 + page.count * 96)
        w.raw("{\"data\":[")
        for (i, summary) in page.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"import_id\":"); w.int(summary.importId)
            w.raw(",\"created_at\":"); w.string(summary.createdAt)
            w.raw(",\"citizens\":"); w.int(summary.citizens)
            w.raw("}")
        }
        w.raw("],\"next\":")
        if imports.count > limit, let last = page.last {
            w.string("/imports?after=\(last.importId)" + (seen.contains("limit") ? "&limit=\(limit)" : ""))
        } else {
            w.raw("null")
        }
        w.raw("}")
        return .json(200, w.bytes)
    }
}
