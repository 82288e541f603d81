import JSON
import Postgres

/// Airports as JSON, straight from `AirportsRepository.selectColumns` rows.
enum AirportJSON {
    /// `{"id":`, `,"name":` and so on, made once: a list writes them for every row.
    private static let keys: [[UInt8]] = AirportColumn.allCases.map { Array(($0.rawValue == 0 ? "{" : ",").utf8) + Array("\"\($0.name)\":".utf8) }
    private static let numeric: [Bool] = AirportColumn.allCases.map { $0.kind != .text && $0.kind != .dst }

    static func write(_ rows: AirportRows, row: Int, to w: inout JSONWriter, extra: ((inout JSONWriter) -> Void)? = nil) {
        let values = rows.row(row)
        for column in 0..<keys.count {
            w.bytes.append(contentsOf: keys[column])
            value(values, rows.columns[column], numeric: numeric[column], to: &w)
        }
        w.raw(",\"version\":"); value(values, rows.version, numeric: true, to: &w)
        w.raw(",\"created_at\":"); value(values, rows.createdAt, numeric: false, to: &w)
        w.raw(",\"updated_at\":"); value(values, rows.updatedAt, numeric: false, to: &w)
        w.raw(",\"deleted_at\":"); value(values, rows.deletedAt, numeric: false, to: &w)
        extra?(&w)
        w.raw("}")
    }

    private static func value(_ row: PostgresRow, _ column: PostgresColumn, numeric: Bool, to w: inout JSONWriter) {
        if row.isNull(column) {
            w.raw("null")
        } else if numeric {
            row.withBytes(column) { w.bytes.append(contentsOf: $0) }
        } else {
            row.withBytes(column) { w.string(utf8: $0) }
        }
    }

    /// `{"data": airport}`.
    static func single(_ rows: AirportRows, extra: ((inout JSONWriter) -> Void)? = nil) -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.raw("{\"data\":")
        write(rows, row: 0, to: &w, extra: extra)
        w.raw("}")
        return w.bytes
    }
}
