import HTTP
import JSON
import Routing

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

        let imports = try repository.listImports(before: after, limit: limit + 1)
        return KeysetPage.response(imports, limit: limit, bytesPerRow: 96, write: { $0.write(to: &$1) }) { last in
            "/imports?after=\(last.importId)" + (query.given.contains("limit") ? "&limit=\(limit)" : "")
        }
    }
}
