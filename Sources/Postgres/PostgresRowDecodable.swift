/// The columns a row type reads, found by name once per result.
package protocol PostgresColumnSet {
    init(_ result: PostgresResult) throws
}

/// A value read from one row of a result, through columns found once (`Columns`): one reading of
/// a result for every such type (a job, a webhook endpoint, a delivery, a source).
package protocol PostgresRowDecodable {
    associatedtype Columns: PostgresColumnSet
    init(_ row: PostgresRow, _ columns: Columns)
}

extension PostgresRowDecodable {
    /// The value of one row (the first by default).
    package init(_ result: PostgresResult, row: Int = 0) throws {
        self.init(result.row(row), try Columns(result))
    }

    /// The values of every row.
    package static func all(_ result: PostgresResult) throws -> [Self] {
        let columns = try Columns(result)
        return result.rows.map { Self($0, columns) }
    }
}
