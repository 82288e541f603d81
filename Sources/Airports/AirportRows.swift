import Postgres

/// Rows of `AirportsRepository.selectColumns`, their columns found by name once per result (a
/// page of 1000 airports reads 18 values a row by index, with no search per value).
public struct AirportRows {
    public let result: PostgresResult
    /// The columns of `AirportColumn.allCases`, in its order.
    let columns: [PostgresColumn]
    let version: PostgresColumn
    let createdAt: PostgresColumn
    let updatedAt: PostgresColumn
    let deletedAt: PostgresColumn

    init(_ result: PostgresResult) throws {
        self.result = result
        columns = try AirportColumn.allCases.map { try result.column($0.name) }
        version = try result.column("version")
        createdAt = try result.column("created_at")
        updatedAt = try result.column("updated_at")
        deletedAt = try result.column("deleted_at")
    }

    public var count: Int { result.rowCount }

    subscript(column: AirportColumn) -> PostgresColumn { columns[column.rawValue] }

    func row(_ index: Int) -> PostgresRow { result.row(index) }

    func id(_ row: Int) -> Int64? { result.row(row).int(self[.id]) }
    func version(_ row: Int) -> Int64? { result.row(row).int(version) }
}
