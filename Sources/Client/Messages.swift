import JSON

/// The texts the client prints for outcomes: a job's result, and a problem's lines.
public enum Messages {
    /// At most this many of a problem's errors are listed, then "... and N more".
    public static let errorLimit = 20

    /// `import 42 stored: 10000 citizens — /imports/42` or
    /// `airports: 7698 rows, 12 inserted, 3 updated`. `processed` is the job's rows (the import's
    /// result does not repeat its citizens' count).
    public static func result(_ result: JSONValue, processed: Int64?) -> String {
        if let importId = result["import_id"].flatMap(idText) {
            let href = result["href"]?.stringValue ?? "/imports/\(importId)"
            let count = processed.map { ": \($0) citizens" } ?? ""
            return "import \(importId) stored\(count) — \(href)"
        }
        if let rows = result["rows"]?.int64Value {
            let inserted = result["inserted"]?.int64Value ?? 0
            let updated = result["updated"]?.int64Value ?? 0
            return "airports: \(rows) rows, \(inserted) inserted, \(updated) updated"
        }
        return String(decoding: result.serialized, as: UTF8.self)
    }

    /// The problem's headline (`Bad Request: 3 citizens are invalid`), then one line per error
    /// (`line 12, latitude: must be …`, `/citizens/3/name: …`), at most `limit` of them.
    public static func problemLines(_ problem: Problem, limit: Int = errorLimit) -> [String] {
        var headline = problem.title ?? problem.status.map { "HTTP \($0)" } ?? "failed"
        if let detail = problem.detail, !detail.isEmpty, detail != headline { headline += ": " + detail }
        var lines = [headline]
        for entry in problem.errors.prefix(limit) { lines.append("  " + errorLine(entry)) }
        if problem.errors.count > limit { lines.append("  ... and \(problem.errors.count - limit) more") }
        return lines
    }

    public static func errorLine(_ entry: Problem.Entry) -> String {
        var place: String?
        if let line = entry.line {
            place = "line \(line)" + (entry.column.map { ", \($0)" } ?? "")
        } else if let pointer = entry.pointer, !pointer.isEmpty {
            place = pointer
        } else if let column = entry.column {
            place = column
        }
        return place.map { "\($0): \(entry.detail)" } ?? entry.detail
    }

    private static func idText(_ value: JSONValue) -> String? {
        switch value {
        case let .number(number): return number.text
        case let .string(text): return text
        default: return nil
        }
    }
}
