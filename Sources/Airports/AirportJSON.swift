import JSON
import Postgres

/// Airports as JSON, straight from `AirportsRepository.selectColumns` rows.
enum AirportJSON {
    /// `{"id":`, `,"name":` and so on, made once: a list writes them for every row.
    private static let keys: [[UInt8]] = AirportColumn.allCases.map { Array(($0.rawValue == 0 ? "{" : ",").utf8) + Array("\"\($0.name)\":".utf8) }
    private static let numeric: [Bool] = AirportColumn.allCases.map { $0.kind != .text && $0.kind != .dst }

    static func write(_ result: PostgresResult, row: Int, to w: inout JSONWriter, extra: ((inout JSONWriter) -> Void)? = nil) {
        for column in 0..<keys.count {
            w.bytes.append(contentsOf: keys[column])
            value(result, row, column, numeric: numeric[column], to: &w)
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
