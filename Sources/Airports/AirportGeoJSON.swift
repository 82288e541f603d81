import JSON
import Postgres

/// Airports as RFC 7946 GeoJSON, straight from `AirportsRepository.selectColumns` rows: each a
/// `Feature` with a `Point` at `[longitude, latitude]` and the airport's JSON fields as `properties`.
enum AirportGeoJSON {
    /// One airport (`GET /airports/{id}`): the Feature itself, as a map takes it.
    static func feature(_ rows: AirportRows) -> [UInt8] {
        var w = JSONWriter(capacity: 640)
        write(rows, row: 0, to: &w)
        return w.bytes
    }

    /// A page: a FeatureCollection of its first `count` rows, with `next` as a foreign member.
    static func collection(_ rows: AirportRows, count: Int, next: String?,
                           extra: ((AirportRows, Int, inout JSONWriter) -> Void)? = nil) -> [UInt8] {
        var w = JSONWriter(capacity: 128 + count * 560)
        w.raw("{\"type\":\"FeatureCollection\",\"features\":[")
        for row in 0..<count {
            if row > 0 { w.raw(",") }
            write(rows, row: row, to: &w, extra: extra.map { extra in { extra(rows, row, &$0) } })
        }
        w.raw("],\"next\":")
        if let next { w.string(next) } else { w.raw("null") }
        w.raw("}")
        return w.bytes
    }

    private static func write(_ rows: AirportRows, row: Int, to w: inout JSONWriter, extra: ((inout JSONWriter) -> Void)? = nil) {
        let values = rows.row(row)
        w.raw("{\"type\":\"Feature\",\"id\":")
        values.withBytes(rows[.id]) { w.bytes.append(contentsOf: $0) }
        w.raw(",\"geometry\":{\"type\":\"Point\",\"coordinates\":[")
        values.withBytes(rows[.longitude]) { w.bytes.append(contentsOf: $0) }
        w.raw(",")
        values.withBytes(rows[.latitude]) { w.bytes.append(contentsOf: $0) }
        w.raw("]},\"properties\":")
        AirportJSON.write(rows, row: row, to: &w, extra: extra)
        w.raw("}")
    }
}
