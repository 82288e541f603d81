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
        var query = try QueryParameters(request, allowed: ["limit", "after"])
        var limit = ListImportsHandler.defaultLimit
        var after: Int64?
        for item in query.items {
            if item.name == "limit" {
                limit = query.pageLimit(item) ?? limit
            } else {
                after = query.position(item, "an import id")
            }
        }
        try query.check()

        // One row more than the page says whether there is a next one.
        let imports = try repository.listImports(before: after, limit: limit + 1)
        let page = imports.prefix(limit)
        var w = JSONWriter(capacity: 64 + page.count * 96)
        w.raw("{\"data\":[")
        for (i, summary) in page.enumerated() {
            if i > 0 { w.raw(",") }
            summary.write(to: &w)
        }
        w.raw("],\"next\":")
        if imports.count > limit, let last = page.last {
            w.string("/imports?after=\(last.importId)" + (query.given.contains("limit") ? "&limit=\(limit)" : ""))
        } else {
            w.raw("null")
        }
        w.raw("}")
        return .json(200, w.bytes)
    }
}
