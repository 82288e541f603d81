import JSON
import Postgres

/// Airports as JSON, straight from `AirportsRepository.selectColumns` rows.
enum AirportJSON {
    static func write(_ result: PostgresResult, row: Int, to w: inout JSONWriter, extra: ((inout JSONWriter) -> Void)? = nil) {
        w.raw("{")
        for column in AirportColumn.allCases {
            if column.rawValue > 0 { w.raw(",") }
            w.raw("\""); w.raw(column.name); w.raw("\":")
            value(result, row, column.rawValue, numeric: column.kind != .text && column.kind != .dst, to: &w)
        }
        w.raw(",\"version\":"); value(result, row, 14, numeric: true, to: &w)
        w.raw(",\"created_at\":"); value(result, row, 15, numeric: false, to: &w)
        w.raw(",\"updated_at\":"); value(result, row, 16, numeric: false, to: &w)
        w.raw(",\"deleted_at\":"); value(result, row, 17, numeric: false, to: &w)
        extra?(&w)
        w.raw("}")
    }

    private static func value(_ result: PostgresResult, _ row: Int, _ column: Int, numeric: Bool, to w: inout JSONWriter) {
        if result.isNull(row, column) {
            w.raw("null")
        } else if numeric {
            result.withBytes(row, column) { w.bytes.append(contentsOf: $0) }
        } else {
            result.withBytes(row, column) { w.string(utf8: $0) }
        }
    }

    /// `{"data": airport}`.
    static func single(_ result: PostgresResult, extra: ((inout JSONWriter) -> Void)? = nil) -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.raw("{\"data\":")
        write(result, row: 0, to: &w, extra: extra)
        w.raw("}")
        return w.bytes
    }
}
