import Postgres

/// Rows of `AirportsRepository.selectColumns`, their columns found by name once per result (a
/// page of 1000 airports reads 18 values a row by index, with no search per value).
public struct AirportRows {
    let result: PostgresResult
    /// The columns of `AirportColumn.allCases`, in its order.
    let columns: [PostgresColumn]
    let version: PostgresColumn
    let createdAt: PostgresColumn
    let updatedAt: PostgresColumn
    let deletedAt: PostgresColumn

    private static let airportColumns = AirportColumn.allCases

    /// Each column searched from the one after the last found: one comparison a name.
    init(_ result: PostgresResult) throws {
        self.result = result
        var columns: [PostgresColumn] = []
        columns.reserveCapacity(AirportRows.airportColumns.count)
        for column in AirportRows.airportColumns { columns.append(try result.column(column.name, after: columns.last)) }
        self.columns = columns
        version = try result.column("version", after: columns.last)
        createdAt = try result.column("created_at", after: version)
        updatedAt = try result.column("updated_at", after: createdAt)
        deletedAt = try result.column("deleted_at", after: updatedAt)
    }

    public var count: Int { result.rowCount }

    subscript(column: AirportColumn) -> PostgresColumn { columns[column.rawValue] }

    func row(_ index: Int) -> PostgresRow { result.row(index) }

    func id(_ row: Int) -> Int64? { result.row(row).int(self[.id]) }
    func version(_ row: Int) -> Int64? { result.row(row).int(version) }
}
