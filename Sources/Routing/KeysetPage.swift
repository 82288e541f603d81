import HTTP
import JSON

/// A list's page as every list answers it: `{"data": [...], "next": link|null}`. The rows were
/// read with one more than `limit`: that extra row only says that a next page exists.
public enum KeysetPage {
    public static func response<Row>(_ rows: [Row], limit: Int, bytesPerRow: Int,
                                     write: (Row, inout JSONWriter) -> Void, next: (Row) -> String) -> Response {
        let page = rows.prefix(limit)
        var w = JSONWriter(capacity: 64 + page.count * bytesPerRow)
        w.raw("{\"data\":[")
        for (i, row) in page.enumerated() {
            if i > 0 { w.raw(",") }
            write(row, &w)
        }
        w.raw("],\"next\":")
        if rows.count > limit, let last = page.last { w.string(next(last)) } else { w.raw("null") }
        w.raw("}")
        return .json(200, w.bytes)
    }
}
