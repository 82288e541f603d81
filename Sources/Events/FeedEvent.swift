import Postgres

/// One stored event as the feed serves it: its position, what filters look at, and its
/// CloudEvent JSON text as stored.
struct FeedEvent {
    let id: Int64
    let type: String
    let subject: String
    let json: [UInt8]

    /// The rows of `FeedQuery.sql` (or of `FeedHub.fetchSQL`): the horizon, the newest position
    /// seen (0 from a query that does not read them) and the events.
    static func read(_ result: PostgresResult) throws -> (horizon: Int64, head: Int64, events: [FeedEvent]) {
        let horizonColumn = try result.column("deleted_through"), headColumn = try result.column("head")
        let id = try result.column("id"), type = try result.column("type"), subject = try result.column("aggregateid"),
            payload = try result.column("payload")
        var horizon: Int64 = 0
        var head: Int64 = 0
        var events: [FeedEvent] = []
        events.reserveCapacity(result.rowCount)
        for row in result.rows {
            horizon = row.int(horizonColumn) ?? 0
            head = row.int(headColumn) ?? 0
            guard let id = row.int(id) else { continue }
            events.append(FeedEvent(id: id, type: row.string(type) ?? "", subject: row.string(subject) ?? "",
                                    json: row.withBytes(payload) { Array($0) }))
        }
        return (horizon, head, events)
    }

    /// The event as one Server-Sent Events message.
    var serverSentEvent: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count + type.utf8.count + 40)
        out.append(contentsOf: "id: \(id)\nevent: \(type)\ndata: ".utf8)
        out.append(contentsOf: json)
        out.append(contentsOf: "\n\n".utf8)
        return out
    }
}
