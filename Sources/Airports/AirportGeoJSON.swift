import JSON
import Postgres

/// Airports as RFC 7946 GeoJSON, straight from `AirportsRepository.selectColumns` rows: each a
/// `Feature` with a `Point` at `[longitude, latitude]` and the airport's JSON fields as `properties`.
enum AirportGeoJSON {
    /// One airport (`GET /airports/{id}`): the Feature itself, as a map takes it.
    static func feature(_ result: PostgresResult) -> [UInt8] {
        var w = JSONWriter(capacity: 640)
        write(result, row: 0, to: &w)
        return w.bytes
    }

    /// A page: a FeatureCollection of its first `count` rows, with `next` as a foreign member.
    static func collection(_ result: PostgresResult, count: Int, next: String?,
                           extra: ((PostgresResult, Int, inout JSONWriter) -> Void)? = nil) -> [UInt8] {
        var w = JSONWriter(capacity: 128 + count * 560)
        w.raw("{\"type\":\"FeatureCollection\",\"features\":[")
        for row in 0..<count {
            if row > 0 { w.raw(",") }
            write(result, row: row, to: &w, extra: extra.map { extra in { extra(result, row, &$0) } })
        }
        w.raw("],\"next\":")
        if let next { w.string(next) } else { w.raw("null") }
        w.raw("}")
        return w.bytes
    }

    private static func write(_ result: PostgresResult, row: Int, to w: inout JSONWriter, extra: ((inout JSONWriter) -> Void)? = nil) {
        w.raw("{\"type\":\"Feature\",\"id\":")
        result.withBytes(row, AirportColumn.id.rawValue) { w.bytes.append(contentsOf: $0) }
        w.raw(",\"geometry\":{\"type\":\"Point\",\"coordinates\":[")
        result.withBytes(row, AirportColumn.longitude.rawValue) { w.bytes.append(contentsOf: $0) }
        w.raw(",")
        result.withBytes(row, AirportColumn.latitude.rawValue) { w.bytes.append(contentsOf: $0) }
        w.raw("]},\"properties\":")
        AirportJSON.write(result, row: row, to: &w, extra: extra)
        w.raw("}")
    }
}
